"""Routing: converters, 404/405/308, OPTIONS and HEAD (RFC 9110), blueprints, url_for."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.routing import BaseConverter

from heron import Api, Blueprint, Request, Resource
from heron.core.routing import MatchKind


class Slug(str):
    """A value type produced by the custom converter."""


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"

    def to_python(self, value: str) -> Slug:
        return Slug(value)

    def to_url(self, value: Any) -> str:
        return str(value).lower()


def typed(**values: Any) -> dict[str, Any]:
    """Describe each keyword as its value and the name of its type."""
    return {name: {"type": type(v).__name__, "value": str(v)} for name, v in values.items()}


@pytest.fixture
def api() -> Api:
    api = Api(converters={"slug": SlugConverter})

    @api.route("/ints/<int:n>")
    class Ints(Resource):
        def get(self, req: Request, n: int) -> Any:
            return typed(n=n)

    @api.route("/signed/<int(signed=True):n>")
    class Signed(Resource):
        def get(self, req: Request, n: int) -> Any:
            return typed(n=n)

    @api.route("/bounded/<int(min=1, max=9):n>")
    class Bounded(Resource):
        def get(self, req: Request, n: int) -> Any:
            return typed(n=n)

    @api.route("/floats/<float:x>")
    class Floats(Resource):
        def get(self, req: Request, x: float) -> Any:
            return typed(x=x)

    @api.route("/uuids/<uuid:u>")
    class Uuids(Resource):
        def get(self, req: Request, u: uuid.UUID) -> Any:
            return typed(u=u)

    @api.route("/files/<path:p>")
    class Files(Resource):
        def get(self, req: Request, p: str) -> Any:
            return typed(p=p)

    @api.route("/colors/<any(red, green):color>")
    class Colors(Resource):
        def get(self, req: Request, color: str) -> Any:
            return typed(color=color)

    @api.route("/articles/<slug:slug>")
    class Articles(Resource):
        def get(self, req: Request, slug: Slug) -> Any:
            return {**typed(slug=slug), "self": req.url_for("Articles", slug=Slug("A-B"))}

    return api


# -- converters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name", "type_name", "value"),
    [
        ("/ints/42", "n", "int", "42"),
        ("/signed/-7", "n", "int", "-7"),
        ("/bounded/9", "n", "int", "9"),
        ("/floats/2.5", "x", "float", "2.5"),
        (
            "/uuids/6f1c2b1e-4a8c-4b5b-9a55-0d3f0d3b7a10",
            "u",
            "UUID",
            "6f1c2b1e-4a8c-4b5b-9a55-0d3f0d3b7a10",
        ),
        ("/files/a/b/c.txt", "p", "str", "a/b/c.txt"),
        ("/colors/green", "color", "str", "green"),
        ("/articles/hello-world", "slug", "Slug", "hello-world"),
    ],
)
def test_converters_give_typed_values(
    api: Api, url: str, name: str, type_name: str, value: str
) -> None:
    resp = api.test_client().get(url)
    assert resp.status_code == 200
    assert resp.json[name] == {"type": type_name, "value": value}


@pytest.mark.parametrize(
    "url",
    [
        "/ints/abc",
        "/ints/-1",  # unsigned by default
        "/bounded/0",
        "/bounded/10",
        "/floats/2",  # a float needs a dot
        "/uuids/not-a-uuid",
        "/colors/blue",
        "/articles/Not_A_Slug",
    ],
)
def test_values_a_converter_rejects_are_404(api: Api, url: str) -> None:
    resp = api.test_client().get(url)
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"


def test_custom_converter_builds_urls(api: Api) -> None:
    resp = api.test_client().get("/articles/x")
    assert resp.json["self"] == "/articles/a-b"


# -- 404 and 405 -----------------------------------------------------------------------


def test_unknown_path_is_404_problem(api: Api) -> None:
    resp = api.test_client().get("/nowhere")
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert resp.json["status"] == 404
    assert "/nowhere" in resp.json["detail"]


@pytest.fixture
def methods_api() -> Api:
    api = Api()

    @api.route("/read")
    class ReadOnly(Resource):
        def get(self, req: Request) -> Any:
            return {"ok": True}

    @api.route("/write")
    class WriteOnly(Resource):
        def post(self, req: Request) -> Any:
            return {"ok": True}

    @api.route("/many")
    class Many(Resource):
        def put(self, req: Request) -> Any:
            return {}

        def get(self, req: Request) -> Any:
            return {}

        def delete(self, req: Request) -> Any:
            return None

        def patch(self, req: Request) -> Any:
            return {}

    return api


@pytest.mark.parametrize(
    ("url", "method", "allow"),
    [
        ("/read", "POST", "GET, HEAD, OPTIONS"),
        ("/read", "DELETE", "GET, HEAD, OPTIONS"),
        ("/read", "PROPFIND", "GET, HEAD, OPTIONS"),
        ("/write", "GET", "OPTIONS, POST"),
        ("/write", "HEAD", "OPTIONS, POST"),
        ("/many", "POST", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
    ],
)
def test_405_always_carries_sorted_allow(
    methods_api: Api, url: str, method: str, allow: str
) -> None:
    resp = methods_api.test_client().open(url, method=method)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == allow
    assert resp.content_type == "application/problem+json"
    if method != "HEAD":
        assert resp.json["status"] == 405
        assert method in resp.json["detail"]


# -- OPTIONS ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("/read", "GET, HEAD, OPTIONS"),
        ("/write", "OPTIONS, POST"),
        ("/many", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
    ],
)
def test_options_is_204_with_allow_and_no_content(methods_api: Api, url: str, allow: str) -> None:
    resp = methods_api.test_client().options(url)
    assert resp.status_code == 204
    assert resp.headers["Allow"] == allow
    assert "Content-Type" not in resp.headers
    assert "Content-Length" not in resp.headers  # RFC 9110 §8.6: not on 204
    assert resp.data == b""


def test_options_asterisk_describes_the_server(methods_api: Api) -> None:
    resp = methods_api.test_client().open("*", method="OPTIONS")
    assert resp.status_code == 204
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert "Content-Type" not in resp.headers
    assert resp.data == b""


def test_a_path_named_asterisk_is_not_options_asterisk(methods_api: Api) -> None:
    assert methods_api.test_client().options("/*").status_code == 404


def test_options_on_unknown_path_is_404(methods_api: Api) -> None:
    assert methods_api.test_client().options("/nowhere").status_code == 404


# -- HEAD ------------------------------------------------------------------------------


def test_head_is_answered_for_every_get_without_content() -> None:
    api = Api()
    calls: list[str] = []

    @api.route("/report")
    class Report(Resource):
        def get(self, req: Request) -> Any:
            calls.append(req.method)
            return {"rows": list(range(50))}, 200, {"X-Rows": "50"}

    client = api.test_client()
    get = client.get("/report")
    head = client.head("/report")
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert get.data != b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.data))
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["X-Rows"] == "50"
    assert calls == ["GET", "HEAD"]


def test_head_on_builtin_routes(api: Api) -> None:
    client = api.test_client()
    for url in ("/openapi.json", "/docs"):
        get, head = client.get(url), client.head(url)
        assert head.status_code == 200
        assert head.data == b""
        assert head.headers["Content-Length"] == get.headers["Content-Length"]


# -- trailing slash --------------------------------------------------------------------


@pytest.fixture
def slash_api() -> Api:
    api = Api()

    @api.route("/things/")
    class Things(Resource):
        def get(self, req: Request) -> Any:
            return ["a"]

        def post(self, req: Request) -> Any:
            return {}, 201

    @api.route("/thing")
    class Thing(Resource):
        def get(self, req: Request) -> Any:
            return {}

    return api


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_missing_trailing_slash_is_permanent_redirect(slash_api: Api, method: str) -> None:
    resp = slash_api.test_client().open("/things?page=2", method=method)
    assert resp.status_code == 308  # keeps the method, unlike 301 (RFC 9110 §15.4.9)
    assert resp.headers["Location"] == "http://localhost/things/?page=2"
    assert "Content-Type" not in resp.headers


def test_redirect_target_answers(slash_api: Api) -> None:
    resp = slash_api.test_client().get("/things", follow_redirects=True)
    assert resp.status_code == 200
    assert resp.json == ["a"]


def test_extra_trailing_slash_is_not_found(slash_api: Api) -> None:
    assert slash_api.test_client().get("/thing/").status_code == 404


# -- blueprints ------------------------------------------------------------------------


def test_blueprints_mount_under_their_prefixes() -> None:
    users = Blueprint("users", url_prefix="/users")
    orders = Blueprint("orders", url_prefix="/v2/orders/")

    @users.route("/")
    class Users(Resource):
        def get(self, req: Request) -> Any:
            return {"users": req.url_for("users.User", user_id=7)}

    @users.route("/<int:user_id>")
    class User(Resource):
        def get(self, req: Request, user_id: int) -> Any:
            return {"user": user_id, "orders": req.url_for("orders.Orders")}

    @orders.route("/")
    class Orders(Resource):
        def get(self, req: Request) -> Any:
            return {"orders": []}

    api = Api()
    api.register_blueprint(users)
    api.register_blueprint(orders)
    client = api.test_client()
    assert client.get("/users/").json == {"users": "/users/7"}
    assert client.get("/users/7").json == {"user": 7, "orders": "/v2/orders/"}
    assert client.get("/v2/orders/").json == {"orders": []}
    assert client.get("/Users").status_code == 404
    assert {r.endpoint for r in api.router} >= {"users.Users", "users.User", "orders.Orders"}


def test_register_blueprint_prefix_override() -> None:
    bp = Blueprint("admin", url_prefix="/admin")

    @bp.route("/stats")
    class Stats(Resource):
        def get(self, req: Request) -> Any:
            return {"n": 1}

    api = Api()
    api.register_blueprint(bp, url_prefix="/internal")
    client = api.test_client()
    assert client.get("/internal/stats").json == {"n": 1}
    assert client.get("/admin/stats").status_code == 404


def test_blueprint_name_cannot_contain_a_dot() -> None:
    with pytest.raises(ValueError, match="'.'"):
        Blueprint("a.b")


def test_same_blueprint_twice_is_rejected() -> None:
    bp = Blueprint("bp")

    @bp.route("/x")
    class X(Resource):
        def get(self, req: Request) -> Any:
            return {}

    api = Api()
    api.register_blueprint(bp)
    with pytest.raises(ValueError, match="bp.X"):
        api.register_blueprint(bp, url_prefix="/other")


# -- registration ----------------------------------------------------------------------


class Hello(Resource):
    def __init__(self, greeting: str = "hello") -> None:
        self.greeting = greeting

    def get(self, req: Request) -> Any:
        return {"greeting": self.greeting}


class Goodbye(Resource):
    def get(self, req: Request) -> Any:
        return {"greeting": "goodbye"}


def test_duplicate_endpoint_is_rejected() -> None:
    api = Api()
    api.add_resource(Hello, "/a")
    with pytest.raises(ValueError, match="'Hello' is already registered"):
        api.add_resource(Goodbye, "/b", endpoint="Hello")
    api.add_resource(Goodbye, "/b")  # its own endpoint is fine


def test_duplicate_rule_is_rejected() -> None:
    api = Api()
    api.add_resource(Hello, "/a")
    with pytest.raises(ValueError, match="'/a' is already served by Hello"):
        api.add_resource(Goodbye, "/a")


def test_same_class_twice_needs_distinct_operation_ids() -> None:
    api = Api()
    api.add_resource(Hello, "/a")
    with pytest.raises(ValueError, match="operationId 'getHello'"):
        api.add_resource(Hello, "/b", endpoint="Hello2")
    # An undocumented alias is fine.
    api.add_resource(Hello, "/b", endpoint="Hello2", include_in_schema=False)
    assert api.test_client().get("/b").json == {"greeting": "hello"}


def test_builtin_routes_take_their_rules() -> None:
    with pytest.raises(ValueError, match="/openapi.json"):
        Api().add_resource(Hello, "/openapi.json")


def test_add_resource_with_class_and_instance() -> None:
    api = Api()
    api.add_resource(Hello, "/class")
    api.add_resource(Hello("bonjour"), "/instance", endpoint="French", include_in_schema=False)
    client = api.test_client()
    assert client.get("/class").json == {"greeting": "hello"}
    assert client.get("/instance").json == {"greeting": "bonjour"}


def test_one_instance_serves_every_request() -> None:
    api = Api()

    class Counter(Resource):
        def __init__(self) -> None:
            self.count = 0

        def post(self, req: Request) -> Any:
            self.count += 1
            return {"count": self.count}

    counter = Counter()
    api.add_resource(counter, "/count")
    client = api.test_client()
    assert [client.post("/count").json["count"] for _ in range(3)] == [1, 2, 3]
    assert counter.count == 3


def test_route_decorator_returns_the_class() -> None:
    api = Api()

    @api.route("/hi", endpoint="greeting")
    class Hi(Resource):
        def get(self, req: Request) -> Any:
            return {"url": req.url_for("greeting")}

    assert isinstance(Hi, type) and issubclass(Hi, Resource)
    assert api.test_client().get("/hi").json == {"url": "/hi"}


def test_routes_added_after_requests_are_served() -> None:
    api = Api()
    client = api.test_client()
    assert client.get("/late").status_code == 404
    api.add_resource(Hello, "/late")
    assert client.get("/late").json == {"greeting": "hello"}


# -- url_for ---------------------------------------------------------------------------


@pytest.fixture
def links_api() -> Api:
    api = Api()

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        def get(self, req: Request, pet_id: int) -> Any:
            return {
                "self": req.url_for("Pet", pet_id=pet_id),
                "next": req.url_for("Pet", pet_id=pet_id + 1, external=True),
                "list": req.url_for("Pets", page=2),
            }

    @api.route("/pets/")
    class Pets(Resource):
        def get(self, req: Request) -> Any:
            return {"first": req.url_for("Pet", pet_id=1)}

    @api.route("/broken")
    class Broken(Resource):
        def get(self, req: Request) -> Any:
            return {"url": req.url_for("Nowhere")}

    return api


def test_url_for(links_api: Api) -> None:
    resp = links_api.test_client().get("/pets/3")
    assert resp.json == {
        "self": "/pets/3",
        "next": "http://localhost/pets/4",
        "list": "/pets/?page=2",
    }


def test_url_for_honours_the_mount_point(links_api: Api) -> None:
    client = links_api.test_client()
    resp = client.get("/pets/3", base_url="https://example.org/api/")
    assert resp.json == {
        "self": "/api/pets/3",
        "next": "https://example.org/api/pets/4",
        "list": "/api/pets/?page=2",
    }
    redirect = client.get("/pets", base_url="https://example.org/api/")
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == "https://example.org/api/pets/"


def test_url_for_unknown_endpoint_is_a_server_error(links_api: Api) -> None:
    resp = links_api.test_client().get("/broken")
    assert resp.status_code == 500
    assert "Nowhere" not in resp.text


# -- the router, as data ---------------------------------------------------------------


def test_router_match_kinds(slash_api: Api) -> None:
    from werkzeug.test import EnvironBuilder

    def match(path: str, method: str = "GET") -> Any:
        environ = EnvironBuilder(path=path, method=method).get_environ()
        return slash_api.router.match(environ, method)

    full = match("/thing")
    assert full.kind is MatchKind.FULL
    assert full.operation is not None and full.operation.method == "GET"
    partial = match("/thing", "DELETE")
    assert partial.kind is MatchKind.PARTIAL
    assert partial.route is not None and partial.route.allow == "GET, HEAD, OPTIONS"
    assert partial.operation is None
    redirect = match("/things")
    assert redirect.kind is MatchKind.REDIRECT
    assert redirect.location == "http://localhost/things/"
    assert match("/nothing").kind is MatchKind.NONE
    head = match("/thing", "HEAD")
    assert head.kind is MatchKind.FULL
    assert head.operation is full.operation
