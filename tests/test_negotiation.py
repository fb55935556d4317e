"""Content negotiation: Accept (RFC 9110 §12.5.1) and Content-Type (RFC 9110 §8.3)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from heron import Api, NotAcceptable, Request, Resource, UnsupportedMediaType, arguments
from heron.media import FormHandler, JSONHandler, MediaHandler, MultipartHandler
from heron.negotiation import media_range_quality, select_parser, select_renderer

BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)


class TextHandler(MediaHandler):
    media_type = "text/plain"
    format = "text"
    can_parse = False

    def serialize(self, data: Any) -> bytes:
        return str(data).encode()


JSON = JSONHandler()
TEXT = TextHandler()


# -- select_renderer -------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "  ",
        "application/json",
        "Application/JSON",
        "*/*",
        "application/*",
        "application/vnd.api+json",
        "application/problem+json",
        "application/json;q=0.5",
        BROWSER_ACCEPT,
    ],
)
def test_json_is_chosen(accept: str | None) -> None:
    assert select_renderer(accept, [JSON]) == (JSON, "application/json")


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "text/*",
        "image/png, text/html;q=0.9",
        "application/xml",
        "application/json;q=0",
        "application/json;q=0, */*",  # the most specific range decides
        "application/*;q=0, */*;q=1",
        "application/vnd.api+json;q=0, application/json;q=0",
    ],
)
def test_nothing_acceptable_raises_406(accept: str) -> None:
    with pytest.raises(NotAcceptable) as info:
        select_renderer(accept, [JSON])
    problem = info.value.to_problem()
    assert problem["status"] == 406
    assert problem["available"] == ["application/json"]
    assert accept in problem["detail"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("*/*", JSON),  # ties go to the server's preference
        ("text/plain, application/json", JSON),
        ("text/plain", TEXT),
        ("text/*", TEXT),
        ("text/plain, application/json;q=0.9", TEXT),
        ("application/json;q=0, */*", TEXT),
        ("*/*;q=0.1, text/plain;q=0.2", TEXT),
        ("text/*;q=0.3, application/*;q=0.4", JSON),
        ("application/vnd.api+json;q=0.5, text/plain;q=0.4", JSON),
        (BROWSER_ACCEPT, JSON),
    ],
)
def test_quality_decides_between_representations(accept: str | None, chosen: MediaHandler) -> None:
    handler, media_type = select_renderer(accept, [JSON, TEXT])
    assert handler is chosen
    assert media_type == chosen.media_type


def test_server_preference_order_breaks_ties() -> None:
    assert select_renderer("*/*", [TEXT, JSON])[0] is TEXT
    assert select_renderer("text/plain, application/json", [TEXT, JSON])[0] is TEXT


@pytest.mark.parametrize(
    ("accept", "quality"),
    [
        ("application/json", 1.0),
        ("*/*;q=0.2", 0.2),
        ("application/*;q=0.4, */*;q=0.9", 0.4),
        ("application/json;q=0.7, application/*;q=0.9", 0.7),
        ("application/ld+json;q=0.6, */*;q=0.1", 0.6),
        ("text/html", 0.0),
        ("application/json;q=0, */*", 0.0),
    ],
)
def test_media_range_quality(accept: str, quality: float) -> None:
    parsed = parse_accept_header(accept, MIMEAccept)
    assert media_range_quality(parsed, JSON) == quality


# -- select_parser ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("application/json", None),
        ("application/json; charset=utf-8", "utf-8"),
        ("APPLICATION/JSON;charset=latin-1", "latin-1"),
        ("application/merge-patch+json", None),
        ("application/vnd.example+json; charset=utf-8", "utf-8"),
    ],
)
def test_select_parser_json(content_type: str, charset: str | None) -> None:
    assert select_parser(content_type, [JSON]) == (JSON, charset)


def test_select_parser_forms() -> None:
    form, multipart = FormHandler(), MultipartHandler()
    parsers = [form, multipart]
    assert select_parser("application/x-www-form-urlencoded", parsers)[0] is form
    assert select_parser("multipart/form-data; boundary=xyz", parsers)[0] is multipart


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        (None, "content without a Content-Type"),
        ("", "content without a Content-Type"),
        ("text/plain", "'text/plain'"),
        ("application/jsonx", "'application/jsonx'"),
        ("text/json", "'text/json'"),
        ("application/json-patch", "'application/json-patch'"),
    ],
)
def test_select_parser_rejects_other_types(content_type: str | None, named: str) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        select_parser(content_type, [JSON])
    problem = info.value.to_problem()
    assert problem["status"] == 415
    assert problem["accepted"] == ["application/json"]
    assert named in problem["detail"]


# -- through the application -----------------------------------------------------------


class NoteSchema(ma.Schema):
    text = ma.fields.Str(required=True)


@pytest.fixture
def api() -> Api:
    api = Api()
    calls: list[str] = []
    api.calls = calls  # type: ignore[attr-defined]

    @api.route("/notes")
    class Notes(Resource):
        def get(self, req: Request) -> Any:
            return [{"text": "hello"}]

        @arguments(NoteSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            calls.append(body["text"])
            return body, 201

    return api


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "*/*",
        "application/*",
        "application/vnd.api+json",
        "application/problem+json",
        None,
        BROWSER_ACCEPT,
    ],
)
def test_app_answers_json(api: Api, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    resp = api.test_client().get("/notes", headers=headers)
    assert resp.status_code == 200
    assert resp.content_type == "application/json"
    assert resp.json == [{"text": "hello"}]


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml, text/csv", "application/json;q=0, */*"]
)
def test_app_answers_406_listing_available_types(api: Api, accept: str) -> None:
    resp = api.test_client().get("/notes", headers={"Accept": accept})
    assert resp.status_code == 406
    assert resp.content_type == "application/problem+json"  # errors are sent anyway
    assert resp.json["title"] == "Not Acceptable"
    assert resp.json["available"] == ["application/json"]
    assert "application/json" in resp.json["detail"]


def test_406_is_decided_before_the_handler_runs(api: Api) -> None:
    client = api.test_client()
    resp = client.post("/notes", json={"text": "lost"}, headers={"Accept": "text/html"})
    assert resp.status_code == 406
    # Not even validated: an invalid body gets 406 too, and nothing was done.
    assert client.post("/notes", json={}, headers={"Accept": "text/html"}).status_code == 406
    assert api.calls == []  # type: ignore[attr-defined]
    assert client.post("/notes", json={"text": "kept"}).status_code == 201
    assert api.calls == ["kept"]  # type: ignore[attr-defined]


def test_two_representations_vary_on_accept(api: Api) -> None:
    api.add_media_handler(TextHandler())
    client = api.test_client()
    as_text = client.get("/notes", headers={"Accept": "text/plain"})
    assert as_text.status_code == 200
    assert as_text.content_type == "text/plain"
    assert as_text.text == "[{'text': 'hello'}]"
    assert as_text.headers["Vary"] == "Accept"
    as_json = client.get("/notes")
    assert as_json.content_type == "application/json"
    assert as_json.headers["Vary"] == "Accept"
    with_q = client.get("/notes", headers={"Accept": "application/json;q=0, */*"})
    assert with_q.content_type == "text/plain"
    # Problems stay JSON whatever was negotiated for data.
    missing = client.get("/missing", headers={"Accept": "text/plain"})
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    assert missing.json["status"] == 404
