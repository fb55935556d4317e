"""Request hooks (before/after/teardown, guards), per app and per blueprint, and extensions."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from heron import Api, Blueprint, Forbidden, Resource, Response, abort
from heron.core.extensions import Extension


def build(events: list[Any]) -> Api:
    api = Api("Hooks", "1.0")

    @api.route("/ok")
    class Ok(Resource):
        def get(self, req: Any) -> Any:
            events.append(("handler", req.state.user))
            return {"user": req.state.user}

    @api.route("/boom")
    class Boom(Resource):
        def get(self, req: Any) -> Any:
            raise RuntimeError("boom")

    @api.route("/missing")
    class Missing(Resource):
        def get(self, req: Any) -> Any:
            abort(404, "gone")

    bp = Blueprint("admin", url_prefix="/admin")

    @bp.route("/panel")
    class Panel(Resource):
        def get(self, req: Any) -> Any:
            return {"panel": True}

    @bp.before_request
    def bp_before(req: Any) -> None:
        events.append(("bp-before", req.path))

    @bp.guard
    def admins_only(req: Any, op: Any) -> None:
        events.append(("bp-guard", op.operation_id))
        if req.headers.get("X-Role") != "admin":
            raise Forbidden("Admins only.")

    api.register_blueprint(bp)

    @api.before_request
    def load_user(req: Any) -> None:
        req.state.user = req.headers.get("X-User", "anonymous")
        events.append(("before", req.path))

    @api.before_request
    def maintenance(req: Any) -> Any:
        if req.headers.get("X-Maintenance"):
            return Response(b"down", status=503, content_type="text/plain")
        return None

    @api.after_request
    def stamp(req: Any, resp: Any) -> None:
        resp.headers["X-Stamp"] = "1"
        events.append(("after", resp.status_code))

    @api.teardown_request
    def teardown(req: Any, exc: BaseException | None) -> None:
        events.append(("teardown", type(exc).__name__ if exc else None))

    return api


@pytest.fixture
def events() -> list[Any]:
    return []


@pytest.fixture
def client(events: list[Any]) -> Any:
    return build(events).test_client()


def test_hooks_run_in_order_around_the_handler(client: Any, events: list[Any]) -> None:
    resp = client.get("/ok", headers={"X-User": "ann"})
    assert resp.json == {"user": "ann"}
    assert resp.headers["X-Stamp"] == "1"
    assert events == [("before", "/ok"), ("handler", "ann"), ("after", 200), ("teardown", None)]


def test_before_hook_can_answer(client: Any, events: list[Any]) -> None:
    resp = client.get("/ok", headers={"X-Maintenance": "1"})
    assert resp.status_code == 503
    assert resp.data == b"down"
    assert resp.headers["X-Stamp"] == "1"  # after hooks still run
    assert ("handler", "anonymous") not in events


def test_after_and_teardown_run_on_errors(client: Any, events: list[Any]) -> None:
    resp = client.get("/boom")
    assert resp.status_code == 500
    assert resp.headers["X-Stamp"] == "1"
    assert events[-2:] == [("after", 500), ("teardown", "RuntimeError")]


def test_http_errors_are_not_failures_for_teardown(client: Any, events: list[Any]) -> None:
    assert client.get("/missing").status_code == 404
    assert client.get("/nowhere").status_code == 404
    assert [e for e in events if e[0] == "teardown"] == [("teardown", None)] * 2


def test_blueprint_hooks_only_for_its_routes(client: Any, events: list[Any]) -> None:
    client.get("/ok")
    assert not [e for e in events if e[0].startswith("bp-")]
    events.clear()
    denied = client.get("/admin/panel")
    assert denied.status_code == 403
    assert denied.json["detail"] == "Admins only."
    assert events[:3] == [
        ("before", "/admin/panel"),
        ("bp-before", "/admin/panel"),
        ("bp-guard", "getPanel"),
    ]
    assert client.get("/admin/panel", headers={"X-Role": "admin"}).json == {"panel": True}


def test_failing_after_hook_becomes_a_problem(events: list[Any]) -> None:
    api = build(events)

    @api.after_request
    def broken(req: Any, resp: Any) -> None:
        raise ValueError("after failed")

    resp = api.test_client().get("/ok")
    assert resp.status_code == 500
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert events[-1] == ("teardown", "ValueError")


def test_teardown_errors_are_logged_and_every_hook_runs(
    events: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    api = build(events)

    @api.teardown_request
    def broken(req: Any, exc: BaseException | None) -> None:
        raise OSError("cannot close")

    @api.teardown_request
    def last(req: Any, exc: BaseException | None) -> None:
        events.append(("last", None))

    with caplog.at_level(logging.ERROR, logger="heron"):
        resp = api.test_client().get("/ok")
    assert resp.status_code == 200
    assert events[-1] == ("last", None)
    assert "teardown_request hook" in caplog.text


class Counter:
    name = "counter"

    def __init__(self) -> None:
        self.count = 0

    def init_app(self, api: Api) -> None:
        api.after_request(self._count)

    def _count(self, req: Any, resp: Any) -> None:
        self.count += 1
        resp.headers["X-Count"] = str(self.count)


def test_extension_registry(events: list[Any]) -> None:
    api = build(events)
    counter = Counter()
    ext: Extension = counter
    api.register_extension(ext)
    assert api.extensions["counter"] is counter
    client = api.test_client()
    client.get("/ok")
    assert client.get("/ok").headers["X-Count"] == "2"
    with pytest.raises(ValueError, match="already registered"):
        api.register_extension(Counter())


def test_a_blueprints_error_handler_answers_for_its_routes_only() -> None:

    api = Api()
    shop = Blueprint("shop", url_prefix="/shop")

    class Boom(Exception):
        pass

    @shop.error_handler(Boom)
    def shop_boom(req: Any, exc: Boom) -> Any:
        return Response(b"shop", status=418, content_type="text/plain")

    @api.error_handler(Boom)
    def app_boom(req: Any, exc: Boom) -> Any:
        return Response(b"app", status=409, content_type="text/plain")

    class Raises(Resource):
        def get(self, req: Any) -> Any:
            raise Boom()

    shop.add_resource(Raises, "/boom", include_in_schema=False)
    api.add_resource(Raises, "/boom", endpoint="AppBoom")
    api.register_blueprint(shop)
    client = api.test_client()
    assert (client.get("/shop/boom").status_code, client.get("/shop/boom").data) == (418, b"shop")
    assert (client.get("/boom").status_code, client.get("/boom").data) == (409, b"app")


def test_an_extension_on_a_blueprint_replaces_the_applications_of_the_same_name() -> None:

    class Stamp:
        name = "stamp"

        def __init__(self, value: str) -> None:
            self.value = value

        def init_app(self, target: Any) -> None:
            target.after_request(self.stamp)

        def stamp(self, req: Any, resp: Any) -> None:
            resp.headers.add("X-Stamp", self.value)

    class Hello(Resource):
        def get(self, req: Any) -> Any:
            return {}

    api = Api()
    api.register_extension(Stamp("app"))
    shop = Blueprint("shop", url_prefix="/shop")
    shop.register_extension(Stamp("shop"))
    shop.add_resource(Hello, "/hello", include_in_schema=False)
    api.add_resource(Hello, "/hello")
    api.register_blueprint(shop)
    client = api.test_client()
    assert client.get("/shop/hello").headers.getlist("X-Stamp") == ["shop"]
    assert client.get("/hello").headers.getlist("X-Stamp") == ["app"]
