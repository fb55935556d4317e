"""heron.core.response: the one response type, built lean, made Werkzeug's on first touch."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as WerkzeugResponse

from heron import Api, Request, Resource
from heron.core.response import Response, adopt, lean_fields


def environ(method: str = "GET") -> dict[str, Any]:
    return EnvironBuilder(path="/", method=method).get_environ()


def test_a_lean_response_is_sent_as_built() -> None:
    fields = [("Content-Type", "application/json"), ("Content-Length", "2")]
    resp = Response.lean(200, fields, b"{}")
    status, sent, body = resp.wsgi_parts(environ())
    assert (status, sent, list(body)) == ("200 OK", fields, [b"{}"])
    assert resp.is_lean  # sending does not touch Werkzeug's state
    assert resp.wsgi_parts(environ("HEAD"))[2] == []  # RFC 9110 §9.3.2


def test_reading_the_status_keeps_it_lean_and_setting_it_does_not() -> None:
    resp = Response.lean(201, [], b"")
    assert resp.status_code == 201 and resp.status == "201 CREATED"
    resp.status_code = 202
    assert not resp.is_lean
    assert resp.wsgi_parts(environ())[0] == "202 ACCEPTED"


def test_no_content_refuses_header_injection() -> None:
    with pytest.raises(ValueError, match="newline"):
        Response.no_content(204, [("X-A", "a\r\nSet-Cookie: stolen=1")])
    with pytest.raises(ValueError, match="newline"):
        Response.no_content(204, {"X-A": "a\nb"})


def test_no_content_leaves_rewritten_fields_and_304_to_werkzeug() -> None:
    moved = Response.no_content(308, {"Location": "/caf\u00e9"})
    assert not moved.is_lean
    assert dict(moved.wsgi_parts(environ())[1])["Location"] == "/caf%C3%A9"  # IRI to URI
    not_modified = Response.no_content(304, [("ETag", '"1"'), ("Last-Modified", "x")])
    assert "Content-Type" not in not_modified.headers


def test_lean_fields_takes_only_plain_dicts() -> None:
    assert lean_fields(None) == []
    assert lean_fields({"X-A": "1"}) == [("X-A", "1")]
    assert lean_fields({"Location": "/x"}) is None
    assert lean_fields([("X-A", "1")]) is None
    assert lean_fields({"X-A": 1}) is None


def test_a_werkzeug_response_is_adopted_and_a_subclass_kept() -> None:
    plain = WerkzeugResponse("x")
    assert type(adopt(plain)) is Response

    class Streaming(WerkzeugResponse):
        pass

    custom = Streaming("y")
    assert type(adopt(custom)) is Streaming


def test_handlers_returning_werkzeug_responses_are_answered() -> None:
    api = Api(spec_path=None)

    @api.route("/w")
    class W(Resource):
        def get(self, req: Request) -> Any:
            return WerkzeugResponse("werkzeug", status=203, content_type="text/plain")

    resp = api.test_client().get("/w")
    assert (resp.status_code, resp.data) == (203, b"werkzeug")
