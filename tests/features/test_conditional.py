"""Conditional requests (RFC 9110 §13): the 304/412/428 matrix, validators, the spec."""

from __future__ import annotations

import datetime as dt
import http.client
import json
from typing import Any

import marshmallow as ma
import pytest
from openapi_spec_validator import validate
from werkzeug.http import generate_etag, http_date
from werkzeug.test import EnvironBuilder

from heron import Api, NotFound, Request, Resource, Response, Validators, conditional, response
from heron.core.operations import arguments
from heron.features.conditional import not_modified
from heron.http.preconditions import State, evaluate_preconditions

CHANGED = dt.datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=dt.timezone.utc)  # .5 s: truncated
LAST_MODIFIED = "Wed, 01 May 2024 12:00:00 GMT"
EARLIER = "Wed, 01 May 2024 11:59:59 GMT"
LATER = "Wed, 01 May 2024 12:00:01 GMT"
SAFE = ("GET", "HEAD")
UNSAFE = ("PUT", "PATCH", "DELETE")


class ItemSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)


class Store:
    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "one"}}
        self.versions: dict[int, int] = {1: 1}
        self.gets = 0

    def validators(self, req: Request, item_id: int) -> Validators | None:
        if item_id not in self.items:
            if req.method in ("GET", "HEAD", "DELETE", "PATCH"):
                raise NotFound(f"No item {item_id}.")
            return None  # a PUT may create it
        return Validators(str(self.versions[item_id]), last_modified=CHANGED)

    def write(self, item_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.items[item_id] = {"id": item_id, **body}
        self.versions[item_id] = self.versions.get(item_id, 0) + 1
        return self.items[item_id]


def make_item_resource(store: Store, name: str, *, required: bool) -> type[Resource]:
    class Item(Resource):
        def validators(self, req: Request, item_id: int) -> Validators | None:
            return store.validators(req, item_id)

        @conditional("validators", cache_control="no-cache")
        @response(200, ItemSchema)
        def get(self, req: Request, item_id: int) -> Any:
            store.gets += 1
            return store.items[item_id]

        @conditional("validators", required=required)
        @arguments(ItemSchema)
        @response(200, ItemSchema)
        @response(201, ItemSchema)
        def put(self, req: Request, item_id: int, body: dict[str, Any]) -> Any:
            created = item_id not in store.items
            return store.write(item_id, body), 201 if created else 200

        @conditional("validators", required=required)
        @arguments(ItemSchema)
        @response(200, ItemSchema)
        def patch(self, req: Request, item_id: int, body: dict[str, Any]) -> Any:
            return store.write(item_id, {**store.items[item_id], **body})

        @conditional("validators", required=required)
        @response(204)
        def delete(self, req: Request, item_id: int) -> None:
            del store.items[item_id]

    Item.__name__ = Item.__qualname__ = name
    return Item


def make_api() -> tuple[Api, Store]:
    store = Store()
    api = Api("Conditional", "1.0.0")
    api.add_resource(make_item_resource(store, "Item", required=False), "/items/<int:item_id>")
    api.add_resource(
        make_item_resource(store, "Locked", required=True),
        "/locked/<int:item_id>",
        endpoint="Locked",
    )
    return api, store


@pytest.fixture
def api_store() -> tuple[Api, Store]:
    return make_api()


def call(api: Api, method: str, url: str, headers: dict[str, str] | None = None) -> Any:
    client = api.test_client()
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if method in ("PUT", "PATCH"):
        kwargs["json"] = {"name": "changed"}
    return client.open(url, method=method, **kwargs)


# -- GET and HEAD with the resource's validators ------------------------------------------


def test_get_sends_the_validators_of_the_representation(api_store: tuple[Api, Store]) -> None:
    api, _ = api_store
    client = api.test_client()
    resp = client.get("/items/1")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"1-json"'
    assert resp.headers["Last-Modified"] == LAST_MODIFIED
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Vary"] == "Accept"
    yaml = client.get("/items/1", headers={"Accept": "application/yaml"})
    assert yaml.headers["ETag"] == '"1-yaml"'  # each representation its own strong tag
    head = client.head("/items/1")
    assert head.headers["ETag"] == '"1-json"' and head.data == b""


SAFE_CASES = [
    # (request headers, expected status) - RFC 9110 §13.2.2 steps 1 to 4.
    ({}, 200),
    ({"If-None-Match": '"1-json"'}, 304),
    ({"If-None-Match": 'W/"1-json"'}, 304),  # weak comparison
    ({"If-None-Match": '"0-json", "1-json"'}, 304),
    ({"If-None-Match": '"0-json",,  "1-json" ,'}, 304),  # empty list elements (§5.6.1.2)
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"0-json"'}, 200),
    ({"If-None-Match": '"1-yaml"'}, 200),  # another representation's tag
    ({"If-Modified-Since": LAST_MODIFIED}, 304),  # fractions of a second ignored
    ({"If-Modified-Since": LATER}, 304),
    ({"If-Modified-Since": EARLIER}, 200),
    ({"If-Modified-Since": "yesterday"}, 200),  # not an HTTP-date: ignored (§13.1.3)
    ({"If-Modified-Since": f"{LATER}, {LATER}"}, 200),  # a list: ignored
    ({"If-Modified-Since": "Wednesday, 01-May-24 12:00:01 GMT"}, 304),  # rfc850-date
    ({"If-Modified-Since": "Wed May  1 12:00:01 2024"}, 304),  # asctime-date
    ({"If-None-Match": '"0-json"', "If-Modified-Since": LATER}, 200),  # IMS ignored
    ({"If-None-Match": '"1-json"', "If-Modified-Since": EARLIER}, 304),
    ({"If-Match": '"1-json"'}, 200),
    ({"If-Match": '"1-yaml"'}, 412),  # the selected representation's tag only
    ({"If-Match": 'W/"1-json"'}, 412),  # strong comparison: weak never matches
    ({"If-Match": "*"}, 200),
    ({"If-Match": '"0-json"'}, 412),
    ({"If-Unmodified-Since": EARLIER}, 412),
    ({"If-Unmodified-Since": LAST_MODIFIED}, 200),
    ({"If-Unmodified-Since": "garbage"}, 200),
    ({"If-Match": '"1-json"', "If-Unmodified-Since": EARLIER}, 200),  # IUS ignored (step 1)
    ({"If-Match": '"0-json"', "If-None-Match": '"1-json"'}, 412),  # step 1 before step 3
    ({"If-Match": '"1-json"', "If-None-Match": '"1-json"'}, 304),
]


@pytest.mark.parametrize("method", SAFE)
@pytest.mark.parametrize(("headers", "status"), SAFE_CASES)
def test_safe_matrix(
    api_store: tuple[Api, Store], method: str, headers: dict[str, str], status: int
) -> None:
    api, store = api_store
    resp = call(api, method, "/items/1", headers)
    assert resp.status_code == status, resp.data
    if status == 304:
        assert resp.data == b""
        assert "Content-Type" not in resp.headers
        assert "Content-Length" not in resp.headers
        # What a 304 must repeat (RFC 9110 §15.4.5).
        assert resp.headers["ETag"] == '"1-json"'
        assert resp.headers["Vary"] == "Accept"
        assert resp.headers["Cache-Control"] == "no-cache"
        assert store.gets == 0  # the validators decided: the handler never ran
    elif status == 412:
        assert resp.headers["Content-Type"] == "application/problem+json"
        if method == "GET":
            assert resp.json["status"] == 412


def test_malformed_entity_tags_are_a_400(api_store: tuple[Api, Store]) -> None:
    api, _ = api_store
    for header in ("If-Match", "If-None-Match"):
        malformed = ("1-json", '"unterminated', 'w/"lowercase-weak"', '"a" "b"', ", ,")
        for value in (*malformed, ", " * 4000 + "x"):  # read in linear time
            resp = call(api, "GET", "/items/1", {header: value})
            assert resp.status_code == 400, (header, value)
            assert resp.json["header"] == header
            assert "RFC 9110 §8.8.3" in resp.json["detail"]


def test_preconditions_are_ignored_when_the_answer_would_be_a_404(
    api_store: tuple[Api, Store],
) -> None:
    api, _ = api_store
    for headers in ({"If-Match": '"1-json"'}, {"If-None-Match": "*"}):
        assert call(api, "GET", "/items/9", headers).status_code == 404
        assert call(api, "DELETE", "/items/9", headers).status_code == 404  # §13.2.1


def test_a_yaml_client_revalidates_its_own_representation(api_store: tuple[Api, Store]) -> None:
    api, _ = api_store
    headers = {"Accept": "application/yaml", "If-None-Match": '"1-yaml"'}
    resp = call(api, "GET", "/items/1", headers)
    assert resp.status_code == 304
    assert resp.headers["ETag"] == '"1-yaml"'


# -- unsafe methods: evaluated before the change --------------------------------------------

UNSAFE_CASES = [
    ({}, 2),
    ({"If-Match": '"1-json"'}, 2),
    ({"If-Match": '"1-yaml"'}, 2),  # any representation of the current state
    ({"If-Match": '"0-json", "1-json"'}, 2),
    ({"If-Match": "*"}, 2),
    ({"If-Match": '"0-json"'}, 412),
    ({"If-Match": 'W/"1-json"'}, 412),  # strong comparison
    ({"If-Unmodified-Since": LAST_MODIFIED}, 2),
    ({"If-Unmodified-Since": LATER}, 2),
    ({"If-Unmodified-Since": EARLIER}, 412),
    ({"If-Unmodified-Since": "not a date"}, 2),  # ignored (§13.1.4)
    ({"If-Match": '"1-json"', "If-Unmodified-Since": EARLIER}, 2),  # IUS ignored
    ({"If-Match": '"0-json"', "If-Unmodified-Since": LATER}, 412),
    ({"If-None-Match": "*"}, 412),  # the resource exists
    ({"If-None-Match": 'W/"1-json"'}, 412),  # weak comparison, then 412 (not 304)
    ({"If-None-Match": '"0-json"'}, 2),
    ({"If-Modified-Since": LATER}, 2),  # only for GET and HEAD (§13.1.3)
]


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize(("headers", "status"), UNSAFE_CASES)
def test_unsafe_matrix(
    api_store: tuple[Api, Store], method: str, headers: dict[str, str], status: int
) -> None:
    api, store = api_store
    before = dict(store.items)
    resp = call(api, method, "/items/1", headers)
    if status == 2:
        assert 200 <= resp.status_code < 300, resp.data
        assert store.items != before
    else:
        assert resp.status_code == status, resp.data
        assert resp.json["status"] == status
        assert store.items == before  # nothing changed


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 428),
        ({"If-None-Match": '"0-json"'}, 428),
        ({"If-Match": '"1-json"'}, 2),
        ({"If-Unmodified-Since": LAST_MODIFIED}, 2),
        ({"If-Match": '"0-json"'}, 412),
    ],
)
def test_required_precondition_matrix(
    api_store: tuple[Api, Store], method: str, headers: dict[str, str], status: int
) -> None:
    api, store = api_store
    before = dict(store.items)
    resp = call(api, method, "/locked/1", headers)
    if status == 2:
        assert 200 <= resp.status_code < 300
        return
    assert resp.status_code == status
    assert store.items == before
    if status == 428:
        assert resp.json["title"] == "Precondition Required"
        assert "If-Match" in resp.json["detail"]


def test_lost_update_is_prevented(api_store: tuple[Api, Store]) -> None:
    api, store = api_store
    client = api.test_client()
    etag = client.get("/items/1").headers["ETag"]
    first = client.put("/items/1", json={"name": "alice"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert "ETag" not in first.headers  # RFC 9110 §9.3.4: the stored data differs from the sent
    second = client.put("/items/1", json={"name": "bob"}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert store.items[1]["name"] == "alice"
    fresh = client.get("/items/1").headers["ETag"]
    assert fresh == '"2-json"'


def test_a_precondition_is_evaluated_before_the_content(api_store: tuple[Api, Store]) -> None:
    client = api_store[0].test_client()
    resp = client.put("/items/1", json={"name": 5}, headers={"If-Match": '"0-json"'})
    assert resp.status_code == 412  # not 422: nothing is done with the content


def test_patch_answers_with_the_new_validators(api_store: tuple[Api, Store]) -> None:
    client = api_store[0].test_client()
    resp = client.patch("/items/1", json={"name": "x"}, headers={"If-Match": '"1-json"'})
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"2-json"'  # as RFC 5789 §2's example
    assert resp.headers["Last-Modified"] == LAST_MODIFIED


def test_put_creates_only_with_if_none_match_star(api_store: tuple[Api, Store]) -> None:
    api, store = api_store
    client = api.test_client()
    stale = client.put("/items/7", json={"name": "x"}, headers={"If-Match": "*"})
    assert stale.status_code == 412  # no current representation
    assert stale.json["detail"] == "If-Match: the resource has no current representation."
    created = client.put("/items/7", json={"name": "seven"}, headers={"If-None-Match": "*"})
    assert created.status_code == 201
    again = client.put("/items/7", json={"name": "again"}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert store.items[7]["name"] == "seven"


# -- ETags computed from the representation --------------------------------------------------


class Notes(Resource):
    def __init__(self) -> None:
        self.notes = {1: {"text": "hello"}}

    @conditional()
    @response(200)
    def get(self, req: Request, note_id: int) -> Any:
        if note_id not in self.notes:
            raise NotFound()
        return self.notes[note_id]

    @conditional()
    @arguments(ma.Schema.from_dict({"text": ma.fields.Str(required=True)}))
    def put(self, req: Request, note_id: int, body: dict[str, Any]) -> Any:
        self.notes[note_id] = body
        return body

    @conditional(required=True)
    @response(204)
    def delete(self, req: Request, note_id: int) -> None:
        del self.notes[note_id]


def notes_api() -> Api:
    api = Api()
    api.add_resource(Notes, "/notes/<int:note_id>")
    return api


def test_representation_etags_hash_each_body() -> None:
    client = notes_api().test_client()
    resp = client.get("/notes/1")
    assert resp.headers["ETag"] == f'"{generate_etag(resp.data)}"'
    yaml = client.get("/notes/1", headers={"Accept": "application/yaml"})
    assert yaml.headers["ETag"] == f'"{generate_etag(yaml.data)}"'
    assert yaml.headers["ETag"] != resp.headers["ETag"]
    assert client.head("/notes/1").headers["ETag"] == resp.headers["ETag"]
    assert "ETag" not in client.get("/notes/2").headers  # errors carry no validators


@pytest.mark.parametrize("method", SAFE)
def test_representation_etags_answer_304(method: str) -> None:
    client = notes_api().test_client()
    etag = client.get("/notes/1").headers["ETag"]
    for value, status in ((etag, 304), (f"W/{etag}", 304), ('"other"', 200), ("*", 304)):
        resp = client.open("/notes/1", method=method, headers={"If-None-Match": value})
        assert resp.status_code == status
        if status == 304:
            assert resp.headers["ETag"] == etag and resp.data == b""
    assert client.open("/notes/1", method=method, headers={"If-Match": '"x"'}).status_code == 412


@pytest.mark.parametrize("accept", ["application/json", "application/yaml"])
def test_representation_etags_guard_unsafe_methods(accept: str) -> None:
    client = notes_api().test_client()
    etag = client.get("/notes/1", headers={"Accept": accept}).headers["ETag"]
    stale = client.put("/notes/1", json={"text": "x"}, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    ok = client.put("/notes/1", json={"text": "new"}, headers={"If-Match": etag})
    assert ok.status_code == 200
    again = client.put("/notes/1", json={"text": "newer"}, headers={"If-Match": etag})
    assert again.status_code == 412
    assert client.get("/notes/1").json == {"text": "new"}
    assert client.delete("/notes/1").status_code == 428
    current = client.get("/notes/1").headers["ETag"]
    assert client.delete("/notes/1", headers={"If-Match": current}).status_code == 204
    assert client.delete("/notes/1", headers={"If-Match": current}).status_code == 404


def test_validators_a_handler_sends_itself_are_used() -> None:
    class Doc(Resource):
        @conditional()
        def get(self, req: Request) -> Any:
            return {"v": 1}, {"ETag": 'W/"v1"', "Last-Modified": LAST_MODIFIED}

    api = Api()
    api.add_resource(Doc, "/doc")
    client = api.test_client()
    assert client.get("/doc").headers["ETag"] == 'W/"v1"'
    assert client.get("/doc", headers={"If-None-Match": '"v1"'}).status_code == 304
    resp = client.get("/doc", headers={"If-Modified-Since": LAST_MODIFIED})
    assert resp.status_code == 304
    assert "Last-Modified" not in resp.headers  # the ETag is there (§15.4.5)
    assert client.get("/doc", headers={"If-Modified-Since": EARLIER}).status_code == 200
    assert client.get("/doc", headers={"If-Match": 'W/"v1"'}).status_code == 412


def test_weak_and_date_only_validators() -> None:
    class Weak(Resource):
        @conditional(lambda req: Validators("w1", weak=True))
        def get(self, req: Request) -> Any:
            return {"w": 1}

        @conditional(lambda req: Validators("w1", weak=True))
        def delete(self, req: Request) -> None:
            return None

    class Dated(Resource):
        @conditional(lambda req: Validators(last_modified=CHANGED.replace(tzinfo=None)))
        def get(self, req: Request) -> Any:
            return {"d": 1}

        @conditional(lambda req: Validators(last_modified=CHANGED))
        def delete(self, req: Request) -> None:
            return None

    class Versioned(Resource):
        negotiate = False

        @conditional(lambda req: 42)
        def get(self, req: Request) -> Any:
            return {"n": 1}

    api = Api()
    api.add_resource(Weak, "/weak")
    api.add_resource(Dated, "/dated")
    api.add_resource(Versioned, "/versioned")
    client = api.test_client()
    assert client.get("/weak").headers["ETag"] == 'W/"w1-json"'
    assert client.get("/weak", headers={"If-None-Match": '"w1-json"'}).status_code == 304
    assert client.delete("/weak", headers={"If-Match": 'W/"w1-json"'}).status_code == 412
    dated = client.get("/dated")
    assert "ETag" not in dated.headers and dated.headers["Last-Modified"] == LAST_MODIFIED
    resp = client.get("/dated", headers={"If-Modified-Since": LAST_MODIFIED})
    assert resp.status_code == 304 and resp.headers["Vary"] == "Accept"
    assert client.delete("/dated", headers={"If-Match": "*"}).status_code == 204
    assert client.delete("/dated", headers={"If-Match": '"x"'}).status_code == 412
    assert client.delete("/dated", headers={"If-Unmodified-Since": EARLIER}).status_code == 412
    assert client.get("/versioned").headers["ETag"] == '"42"'  # not negotiated: no suffix


def request(method: str, headers: dict[str, str]) -> Request:
    return Request(EnvironBuilder(method=method, headers=headers).get_environ(), Api())


def test_evaluate_preconditions_directly() -> None:
    state = State(True, (("a", False),), CHANGED.replace(microsecond=0))
    both = request("DELETE", {"If-Match": '"b"', "If-None-Match": '"a"'})
    assert evaluate_preconditions(both, state) == (
        412,
        "If-Match: no listed entity tag is the current one (strong comparison).",
    )
    assert evaluate_preconditions(request("GET", {"If-None-Match": '"a"'}), state) == (
        304,
        "If-None-Match",
    )
    assert evaluate_preconditions(request("PUT", {"If-None-Match": "*"}), state) == (
        412,
        "If-None-Match: the resource exists.",
    )
    assert evaluate_preconditions(request("GET", {"If-Match": "*"}), State(False)) == (
        412,
        "If-Match: the resource has no current representation.",
    )
    assert evaluate_preconditions(request("PUT", {"If-None-Match": "*"}), State(False)) is None
    comma = State(True, (("a,b", False),))  # an opaque tag may hold a comma (§8.8.3)
    assert evaluate_preconditions(request("PUT", {"If-Match": ' "x", "a,b" '}), comma) is None


# -- declarations checked at registration ----------------------------------------------------


def test_declaration_errors_are_found_at_registration() -> None:
    class NoMethod(Resource):
        @conditional("missing")
        def get(self, req: Request) -> Any: ...

    class NoGet(Resource):
        @conditional()
        def put(self, req: Request) -> Any: ...

    class RequiredGet(Resource):
        @conditional(lambda req: None, required=True)
        def get(self, req: Request) -> Any: ...

    with pytest.raises(ValueError, match="NoMethod has no method 'missing'"):
        Api().add_resource(NoMethod, "/a")
    with pytest.raises(ValueError, match="needs validators="):
        Api().add_resource(NoGet, "/b")
    with pytest.raises(ValueError, match="only unsafe methods"):
        Api().add_resource(RequiredGet, "/c")
    with pytest.raises(ValueError, match="entity tag cannot hold"):
        Validators('a"b')


def test_a_validators_function_returning_something_else_is_a_500() -> None:
    class Odd(Resource):
        @conditional(lambda req: 1.5)
        def get(self, req: Request) -> Any:
            return {}

    api = Api()
    api.add_resource(Odd, "/odd")
    assert api.test_client().get("/odd").status_code == 500


# -- the OpenAPI document ------------------------------------------------------------------


def test_the_spec_documents_headers_and_responses(api_store: tuple[Api, Store]) -> None:
    api, _ = api_store
    for version in ("3.1.0", "3.0.3"):
        spec = api.openapi(version)
        validate(spec)
    spec = api.openapi()
    item = spec["paths"]["/items/{item_id}"]
    refs = [p["$ref"].rsplit("/", 1)[1] for p in item["get"]["parameters"] if "$ref" in p]
    assert refs == ["IfNoneMatch", "IfModifiedSince", "IfMatch", "IfUnmodifiedSince"]
    assert set(item["get"]["responses"]) == {"200", "304", "400", "404", "406", "412"}
    assert item["get"]["responses"]["200"]["headers"] == {
        "ETag": {"$ref": "#/components/headers/ETag"},
        "Last-Modified": {"$ref": "#/components/headers/LastModified"},
    }
    put_refs = [p["$ref"].rsplit("/", 1)[1] for p in item["put"]["parameters"] if "$ref" in p]
    assert put_refs == ["IfMatch", "IfUnmodifiedSince", "IfNoneMatch"]
    assert "412" in item["put"]["responses"] and "428" not in item["put"]["responses"]
    assert "ETag" in item["patch"]["responses"]["200"]["headers"]
    assert "headers" not in item["put"]["responses"]["200"]  # RFC 9110 §9.3.4
    locked = spec["paths"]["/locked/{item_id}"]
    for method in ("put", "patch", "delete"):
        assert locked[method]["responses"]["428"] == {
            "$ref": "#/components/responses/PreconditionRequired"
        }
    components = spec["components"]
    assert components["parameters"]["IfMatch"]["in"] == "header"
    assert components["parameters"]["IfMatch"]["name"] == "If-Match"
    assert components["responses"]["NotModified"]["headers"]["ETag"] == {
        "$ref": "#/components/headers/ETag"
    }
    assert "content" not in components["responses"]["NotModified"]
    problem = components["responses"]["PreconditionFailed"]["content"]
    assert problem["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_apps_without_conditional_requests_get_no_components() -> None:
    api = Api()
    api.add_resource(Notes, "/n/<int:note_id>")
    plain = Api()

    class Plain(Resource):
        def get(self, req: Request) -> Any:
            return {}

    plain.add_resource(Plain, "/p")
    assert "parameters" not in plain.openapi()["components"]
    assert "IfMatch" in api.openapi()["components"]["parameters"]


# -- over HTTP -------------------------------------------------------------------------------

live_api, _live_store = make_api()


@pytest.mark.live
def test_conditional_get_and_put_over_http() -> None:
    from conftest import heron_server

    with heron_server("tests.features.test_conditional:live_api") as base:
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/items/1")
        first = conn.getresponse()
        body = first.read()
        etag = first.getheader("ETag")
        assert first.status == 200 and json.loads(body) == {"id": 1, "name": "one"}
        assert first.getheader("Date")  # the server's
        conn.request("GET", "/items/1", headers={"If-None-Match": etag or ""})
        cached = conn.getresponse()
        assert cached.status == 304 and cached.read() == b""
        assert cached.getheader("ETag") == etag
        assert cached.getheader("Content-Length") is None
        assert cached.getheader("Cache-Control") == "no-cache"
        since = http_date(CHANGED)
        conn.request("GET", "/items/1", headers={"If-Modified-Since": since})
        assert conn.getresponse().status == 304
        put = json.dumps({"name": "two"})
        headers = {"Content-Type": "application/json", "If-Match": etag or ""}
        conn.request("PUT", "/items/1", body=put, headers=headers)
        changed = conn.getresponse()
        changed.read()
        assert changed.status == 200
        conn.request("PUT", "/items/1", body=put, headers=headers)
        stale = conn.getresponse()
        assert stale.status == 412
        assert stale.getheader("Content-Type") == "application/problem+json"
        assert json.loads(stale.read())["status"] == 412
        conn.close()


def test_odd_handlers_and_routes() -> None:
    class Raw(Resource):
        negotiate = False

        @conditional(lambda req: 42)
        def get(self, req: Request) -> Any:
            return {"n": 1}

        @conditional(lambda req: 42, cache_control="no-store")
        def delete(self, req: Request) -> None:
            return None

    class Shaped(Resource):
        @conditional()
        @response(200, ItemSchema)
        def get(self, req: Request) -> Any:
            return {"id": 1, "name": "x"}, {"X-Shape": "tuple"}

        @conditional()
        def put(self, req: Request) -> Any:
            return {}

    class Streamed(Resource):
        @conditional()
        def get(self, req: Request) -> Any:
            return Response(iter([b"{}"]), content_type="application/json")

        @conditional()
        def delete(self, req: Request) -> None:
            return None

    class Gone(Resource):
        @conditional(lambda req: None)
        def get(self, req: Request) -> Any:
            return {"gone": True}, 410

    api = Api()
    for resource, rule in ((Raw, "/raw"), (Shaped, "/shaped"), (Streamed, "/streamed")):
        api.add_resource(resource, rule)
    api.add_resource(Gone, "/gone")
    client = api.test_client()
    # A route that does not negotiate: the bare tag, no Vary.
    not_modified = client.get("/raw", headers={"If-None-Match": '"42"'})
    assert not_modified.status_code == 304 and "Vary" not in not_modified.headers
    deleted = client.delete("/raw", headers={"If-Match": '"42"'})
    assert deleted.status_code == 204 and deleted.headers["Cache-Control"] == "no-store"
    # The current representation from a GET returning (data, headers), dumped by its schema.
    etag = client.get("/shaped").headers["ETag"]
    body = json.dumps({"id": 1, "name": "x"}, separators=(",", ":")).encode()
    assert etag == '"' + generate_etag(body) + '"'
    assert client.put("/shaped", headers={"If-Match": etag}).status_code == 200
    # A streamed body is not hashed; a GET answering with a response cannot give one.
    assert "ETag" not in client.get("/streamed").headers
    assert client.delete("/streamed", headers={"If-Match": "*"}).status_code == 500
    # No current representation: the handler answers; a non-2xx answer is left alone.
    gone = client.get("/gone", headers={"If-None-Match": "*"})
    assert gone.status_code == 410 and "ETag" not in gone.headers


def test_not_modified_keeps_last_modified_without_an_etag() -> None:
    resp = Response(b"{}", headers={"Last-Modified": LAST_MODIFIED, "Link": "</a>; rel=next"})
    result = not_modified(resp)
    assert result.status_code == 304 and result.data == b""
    assert dict(result.headers) == {"Last-Modified": LAST_MODIFIED, "Link": "</a>; rel=next"}
    tagged = not_modified(Response(b"{}", headers={"Last-Modified": LAST_MODIFIED, "ETag": '"a"'}))
    assert dict(tagged.headers) == {"ETag": '"a"'}


def test_an_empty_state_still_exists_for_star() -> None:
    class Bare(Resource):
        @conditional(lambda req: Validators())
        def get(self, req: Request) -> Any:
            return {}

    api = Api()
    api.add_resource(Bare, "/bare")
    resp = api.test_client().get("/bare", headers={"If-None-Match": "*"})
    assert resp.status_code == 304 and "ETag" not in resp.headers
