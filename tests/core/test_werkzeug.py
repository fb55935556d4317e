"""heron.core._werkzeug: the one reader of Werkzeug's private state, and the fast walk it enables.

If a Werkzeug release changes what Heron reads, the router silently falls back
to binding a ``MapAdapter`` per request (correct, slower): these tests fail
instead, so the fall-back cannot go unnoticed.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder

from heron import Api, Request, Resource
from heron.core import _werkzeug
from heron.core.routing import Router


def _api() -> Api:
    api = Api(spec_path=None)

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        def get(self, req: Request, pet_id: int) -> Any:
            return {"id": pet_id}

    @api.route("/files/<path:name>")
    class File(Resource):
        def get(self, req: Request, name: str) -> Any:
            return {"name": name}

    @api.route("/hello")
    class Hello(Resource):
        def get(self, req: Request) -> Any:
            return {"hello": True}

    return api


def test_the_matcher_of_this_werkzeug_is_read() -> None:
    table = Map([Rule("/pets/<int:pet_id>", endpoint="pet"), Rule("/a", endpoint="a")])
    table.update()
    root = _werkzeug.matcher_root(table)
    assert root is not None, "Werkzeug's matcher changed: Heron's fast route walk is off"
    top = root.static[""]  # the segment before the path's first slash
    assert top.static["a"].endpoint == "a"
    pets = top.static["pets"]
    (dynamic,) = pets.dynamic
    assert dynamic.target.endpoint == "pet"
    assert dynamic.pattern.match("42") is not None
    assert len(dynamic.groups) == 1


def test_rule_arguments_and_converters() -> None:
    assert _werkzeug.rule_arguments("/a/<int:x>/<y>/<path:z>", {}) == ("x", "y", "z")
    assert _werkzeug.rule_arguments("/plain", {}) == ()
    with pytest.raises(LookupError):
        _werkzeug.rule_arguments("/a/<nope:x>", {})


def test_the_router_walks_the_compiled_table() -> None:
    api = _api()
    assert api.router.walks


def test_requests_never_bind_a_werkzeug_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast walk answers every ordinary path: Werkzeug's adapter is never bound."""
    api = _api()

    def refuse(self: Router, environ: Any, method: str) -> Any:
        raise AssertionError(f"matched with Werkzeug's adapter: {environ.get('PATH_INFO')}")

    monkeypatch.setattr(Router, "_match_werkzeug", refuse)
    client = api.test_client()
    assert client.get("/pets/7").json == {"id": 7}
    assert client.get("/files/a/b.txt").json == {"name": "a/b.txt"}
    assert client.get("/hello").json == {"hello": True}
    assert client.get("/nope").status_code == 404
    assert client.post("/hello").status_code == 405
    match = api.router.match(EnvironBuilder(path="/pets/7").get_environ(), "GET")
    assert match.adapter is None and match.values == {"pet_id": 7}
