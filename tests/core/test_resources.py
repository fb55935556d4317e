"""Resources: the method map built at registration, and what handlers may return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from heron import Api, Request, Resource, Response, response
from heron.core.resources import HANDLER_METHODS


class UserSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)
    password = ma.fields.Str(load_only=True)


class JobSchema(ma.Schema):
    job_id = ma.fields.Str(required=True)
    state = ma.fields.Str(required=True)


def client_for(resource: Any, rule: str = "/r") -> Any:
    api = Api()
    api.add_resource(resource, rule)
    return api.test_client()


# -- the method map --------------------------------------------------------------------


def test_resource_without_handlers_is_rejected_at_registration() -> None:
    class Empty(Resource):
        def helper(self) -> None: ...

    with pytest.raises(ValueError, match="Empty defines none of get, post, put, patch, delete"):
        Api().add_resource(Empty, "/empty")


def test_method_map_is_built_once_at_registration() -> None:
    class Late(Resource):
        def get(self, req: Request) -> Any:
            return {"ok": True}

    api = Api()
    route = api.add_resource(Late, "/late")
    assert set(route.operations) == {"GET", "HEAD"}
    assert route.operations["HEAD"] is route.operations["GET"]
    assert route.allow == "GET, HEAD, OPTIONS"

    def post(self: Any, req: Request) -> Any:
        return {"posted": True}

    Late.post = post  # type: ignore[attr-defined]
    client = api.test_client()
    assert client.post("/late").status_code == 405
    assert client.options("/late").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_only_handler_methods_are_routed() -> None:
    class Odd(Resource):
        get = None  # not callable: not a handler

        def post(self, req: Request) -> Any:
            return {"ok": True}

        def options(self, req: Request) -> Any:  # OPTIONS is Heron's, not a handler
            raise AssertionError("not called")

        def trace(self, req: Request) -> Any:
            raise AssertionError("not called")

    route = Api().add_resource(Odd, "/odd")
    assert set(route.operations) == {"POST"}
    assert "options" not in HANDLER_METHODS
    client = client_for(Odd)
    assert client.options("/r").headers["Allow"] == "OPTIONS, POST"
    assert client.get("/r").status_code == 405
    assert client.open("/r", method="TRACE").status_code == 405


def test_handlers_get_the_request() -> None:
    seen: list[Request] = []

    class Echo(Resource):
        def get(self, req: Request) -> Any:
            seen.append(req)
            req.state.user = "ann"
            return {"path": req.path, "method": req.method, "user": req.state.user}

    api = Api()
    api.add_resource(Echo, "/echo")
    assert api.test_client().get("/echo?x=1").json == {
        "path": "/echo",
        "method": "GET",
        "user": "ann",
    }
    (req,) = seen
    assert req.api is api
    assert req.operation is not None and req.operation.operation_id == "getEcho"


# -- return shapes ---------------------------------------------------------------------


def test_plain_data_is_200_json() -> None:
    class Data(Resource):
        def get(self, req: Request) -> Any:
            return {"a": [1, 2], "b": None}

    resp = client_for(Data).get("/r")
    assert resp.status_code == 200
    assert resp.content_type == "application/json"
    assert resp.json == {"a": [1, 2], "b": None}
    assert resp.headers["Vary"] == "Accept"  # JSON was chosen over YAML


@pytest.mark.parametrize("data", [[1, 2, 3], "text", 42, True])
def test_any_json_value_may_be_returned(data: Any) -> None:
    class Value(Resource):
        def get(self, req: Request) -> Any:
            return data

    assert client_for(Value).get("/r").json == data


def test_data_and_status() -> None:
    class Accepted(Resource):
        def post(self, req: Request) -> Any:
            return {"queued": True}, 202

    resp = client_for(Accepted).post("/r")
    assert resp.status_code == 202
    assert resp.json == {"queued": True}


def test_data_status_and_headers() -> None:
    class Tagged(Resource):
        def get(self, req: Request) -> Any:
            return {"v": 1}, 200, {"ETag": '"v1"', "Cache-Control": "max-age=60"}

    resp = client_for(Tagged).get("/r")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"v1"'
    assert resp.headers["Cache-Control"] == "max-age=60"
    assert resp.content_type == "application/json"


def test_created_with_location() -> None:
    api = Api()

    @api.route("/users/")
    class Users(Resource):
        @response(201, UserSchema)
        def post(self, req: Request) -> Any:
            user = {"id": 5, "name": "ann", "password": "secret"}
            return user, 201, {"Location": req.url_for("User", user_id=user["id"])}

    @api.route("/users/<int:user_id>")
    class User(Resource):
        @response(200, UserSchema)
        def get(self, req: Request, user_id: int) -> Any:
            return {"id": user_id, "name": "ann"}

    client = api.test_client()
    resp = client.post("/users/")
    assert resp.status_code == 201
    assert resp.headers["Location"] == "/users/5"
    assert resp.json == {"id": 5, "name": "ann"}
    assert client.get(resp.headers["Location"]).json == resp.json


def test_a_response_object_is_sent_as_it_is() -> None:
    class Raw(Resource):
        @response(200, UserSchema)
        def get(self, req: Request) -> Any:
            return Response("plain text", status=203, content_type="text/plain; charset=utf-8")

    resp = client_for(Raw).get("/r", headers={"Accept": "application/json"})
    assert resp.status_code == 203
    assert resp.content_type == "text/plain; charset=utf-8"
    assert resp.text == "plain text"


def test_204_has_no_content_and_no_content_type() -> None:
    class Gone(Resource):
        @response(204)
        def delete(self, req: Request) -> Any:
            return {"ignored": True}, 204, {"X-Deleted": "1"}

    resp = client_for(Gone).delete("/r")
    assert resp.status_code == 204
    assert resp.data == b""
    assert "Content-Type" not in resp.headers
    assert "Content-Length" not in resp.headers
    assert resp.headers["X-Deleted"] == "1"


def test_none_without_declared_responses_is_204() -> None:
    class Quiet(Resource):
        def put(self, req: Request) -> None:
            return None

    resp = client_for(Quiet).put("/r")
    assert resp.status_code == 204
    assert resp.data == b""
    assert "Content-Type" not in resp.headers


def test_none_with_a_declared_status_is_sent_as_null() -> None:
    class Nothing(Resource):
        @response(200)
        def get(self, req: Request) -> None:
            return None

    resp = client_for(Nothing).get("/r")
    assert resp.status_code == 200
    assert resp.data == b"null"


def test_304_has_no_content() -> None:
    class Cached(Resource):
        def get(self, req: Request) -> Any:
            return {"big": "x" * 100}, 304, {"ETag": '"a"'}

    resp = client_for(Cached).get("/r")
    assert resp.status_code == 304
    assert resp.data == b""
    assert resp.headers["ETag"] == '"a"'


@pytest.mark.parametrize("rv", [(), ({},), ({}, 200, {}, "extra")])
def test_a_bad_tuple_shape_is_a_500_problem(rv: tuple[Any, ...]) -> None:
    class Bad(Resource):
        def get(self, req: Request) -> Any:
            return rv

    resp = client_for(Bad).get("/r")
    assert resp.status_code == 500
    assert resp.content_type == "application/problem+json"
    assert resp.json["title"] == "Internal Server Error"
    assert "tuple" not in resp.json["detail"]  # nothing of the error leaks out


# -- dumping with the declared schema --------------------------------------------------


def test_data_is_dumped_with_the_success_schema() -> None:
    class User(Resource):
        @response(200, UserSchema)
        def get(self, req: Request) -> Any:
            # A model carrying more than the representation shows.
            return {"id": 1, "name": "ann", "password": "secret", "internal": "x"}

    resp = client_for(User).get("/r")
    assert resp.json == {"id": 1, "name": "ann"}  # dump_only id shown, load_only password not


def test_many_dumps_a_list() -> None:
    class Users(Resource):
        @response(200, UserSchema, many=True)
        def get(self, req: Request) -> Any:
            return [{"id": 1, "name": "a", "password": "p"}, {"id": 2, "name": "b"}]

    assert client_for(Users).get("/r").json == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_objects_are_dumped_by_attribute() -> None:
    class Model:
        def __init__(self) -> None:
            self.id = 3
            self.name = "cat"
            self.password = "hidden"

    class User(Resource):
        @response(200, UserSchema)
        def get(self, req: Request) -> Any:
            return Model()

    assert client_for(User).get("/r").json == {"id": 3, "name": "cat"}


def test_the_lowest_declared_2xx_is_the_success_response() -> None:
    class Jobs(Resource):
        @response(202, JobSchema)
        @response(201, UserSchema)
        def post(self, req: Request) -> Any:
            return {"id": 1, "name": "n", "password": "p", "job_id": "j"}

    resp = client_for(Jobs).post("/r")
    assert resp.status_code == 201
    assert resp.json == {"id": 1, "name": "n"}


def test_a_non_success_declared_status_uses_its_own_schema() -> None:
    class Jobs(Resource):
        @response(201, UserSchema)
        @response(202, JobSchema)
        def post(self, req: Request) -> Any:
            if req.args.get("later"):
                return {"job_id": "j1", "state": "queued", "name": "dropped"}, 202
            return {"id": 1, "name": "n", "job_id": "dropped"}

    client = client_for(Jobs)
    now = client.post("/r")
    assert (now.status_code, now.json) == (201, {"id": 1, "name": "n"})
    later = client.post("/r?later=1")
    assert (later.status_code, later.json) == (202, {"job_id": "j1", "state": "queued"})


def test_an_undeclared_status_sends_data_as_it_is() -> None:
    class Partly(Resource):
        @response(200, UserSchema)
        def get(self, req: Request) -> Any:
            return {"anything": "goes", "password": "p"}, 299

    resp = client_for(Partly).get("/r")
    assert resp.status_code == 299
    assert resp.json == {"anything": "goes", "password": "p"}


def test_non_negotiated_resources_ignore_accept() -> None:
    class Fixed(Resource):
        negotiate = False

        def get(self, req: Request) -> Any:
            return {"fixed": True}

    resp = client_for(Fixed).get("/r", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert resp.content_type == "application/json"
    assert resp.json == {"fixed": True}
