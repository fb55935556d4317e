"""Content negotiation: Accept (RFC 9110 §12.5.1) and Content-Type (RFC 9110 §8.3)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
import yaml
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from heron import Api, NotAcceptable, Request, Resource, UnsupportedMediaType, arguments
from heron.http.negotiation import (
    media_range_quality,
    select_format,
    select_parser,
    select_renderer,
)
from heron.media import FormHandler, JSONHandler, MediaHandler, MultipartHandler, YAMLHandler

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
YAML = YAMLHandler()
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


@pytest.mark.parametrize(
    ("content_type", "method", "header"),
    [
        ("text/plain", "POST", "Accept-Post"),  # W3C LDP §7.1, RFC 9110 §15.5.16
        ("text/plain", "PATCH", "Accept-Patch"),  # RFC 5789 §3.1
        ("text/plain", "PUT", None),
        ("application/json; charset=klingon", "POST", "Accept-Post"),
    ],
)
def test_415_names_what_the_operation_takes(
    content_type: str, method: str, header: str | None
) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        select_parser(content_type, [JSON, YAML], method)
    error = info.value
    assert error.extensions["accepted"] == ["application/json", "application/yaml"]
    if header is None:
        assert error.headers == {}
    else:
        assert error.headers == {header: "application/json, application/yaml"}


@pytest.mark.parametrize(
    "charset", ["utf-8", "UTF-8", "utf-16", "latin-1", "iso-8859-1", "windows-1252", "ascii"]
)
def test_known_charsets_are_taken(charset: str) -> None:
    assert select_parser(f"application/json; charset={charset}", [JSON]) == (JSON, charset)


@pytest.mark.parametrize(
    "charset", ["klingon", "base64", "rot13", "zlib", "unicode_escape", "undefined", "idna"]
)
def test_unknown_charsets_are_415(charset: str) -> None:
    """RFC 9110 §8.3.2: a charset names an encoding of text; Python's other codecs are not."""
    with pytest.raises(UnsupportedMediaType) as info:
        select_parser(f"application/json; charset={charset}", [JSON])
    assert f"charset '{charset}'" in str(info.value.detail)


# -- select_format ---------------------------------------------------------------------


def test_select_format() -> None:
    assert select_format("yaml", [JSON, YAML]) == (YAML, "application/yaml")
    assert select_format(" JSON ", [JSON, YAML]) == (JSON, "application/json")
    with pytest.raises(NotAcceptable) as info:
        select_format("xml", [JSON, YAML])
    problem = info.value.to_problem()
    assert problem["formats"] == ["json", "yaml"]
    assert problem["available"] == ["application/json", "application/yaml"]
    assert "'xml'" in problem["detail"]


# -- through the application -----------------------------------------------------------


class StubHTMLHandler(MediaHandler):
    """A test-only ``text/html`` handler, so the matrix does not depend on the real one."""

    media_type = "text/html"
    format = "html"
    can_parse = False
    structured = False
    problem_media_type = "text/html"

    def serialize(self, data: Any) -> bytes:
        return f"<pre>{data!r}</pre>".encode()

    def render_problem(self, problem: Any, req: Request, status: int) -> tuple[bytes, str]:
        return f"<h1>{status} {problem['title']}</h1>".encode(), "text/html; charset=utf-8"


class NoteSchema(ma.Schema):
    text = ma.fields.Str(required=True)


class NoteQuery(ma.Schema):
    limit = ma.fields.Int()


class ReportQuery(ma.Schema):
    format = ma.fields.Str(validate=ma.validate.OneOf(["short", "long"]))


def make_api(**options: Any) -> Api:
    api = Api(**options)
    calls: list[str] = []
    api.calls = calls  # type: ignore[attr-defined]

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteQuery, location="query")
        def get(self, req: Request, query: dict[str, Any]) -> Any:
            return [{"text": "hello"}]

        @arguments(NoteSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            calls.append(body["text"])
            return body, 201

    @api.route("/report")
    class Report(Resource):
        @arguments(ReportQuery, location="query")
        def get(self, req: Request, query: dict[str, Any]) -> Any:
            return {"format": query.get("format", "short")}

    api.add_media_handler(StubHTMLHandler())  # replaces the default HTML handler
    return api


@pytest.fixture
def api() -> Api:
    return make_api()


JSON_T, YAML_T, HTML_T = "application/json", "application/yaml", "text/html"
AVAILABLE = [JSON_T, YAML_T, HTML_T]

#: Real ``Accept`` headers and the representation RFC 9110 §12.5.1 selects from
#: JSON, YAML and HTML (in that order of server preference); None is a 406.
ACCEPT_MATRIX: list[tuple[str | None, str | None]] = [
    # No preference: the server's first choice (RFC 9110 §12.5.1, absent Accept).
    (None, JSON_T),
    ("", JSON_T),
    ("*/*", JSON_T),  # curl, wget, python-requests, Postman, fetch()
    ("application/json, */*;q=0.5", JSON_T),  # HTTPie
    ("application/json, text/plain, */*", JSON_T),  # axios
    ("application/json", JSON_T),
    ("Application/JSON", JSON_T),  # media types are case-insensitive (RFC 9110 §8.3.1)
    ("application/json; charset=utf-8", JSON_T),
    ("application/problem+json", JSON_T),  # a +json type is JSON (RFC 6839 §3.1)
    ("application/vnd.api+json", JSON_T),
    ("application/*", JSON_T),
    ("application/*;q=0.5, text/html;q=0.4", JSON_T),
    # YAML clients, RFC 9512 and its deprecated aliases.
    ("application/yaml", YAML_T),
    ("APPLICATION/YAML", YAML_T),
    ("application/x-yaml", YAML_T),
    ("text/yaml", YAML_T),
    ("application/openapi+yaml", YAML_T),  # a +yaml type (RFC 9512 §2.2)
    ("application/yaml, application/json;q=0.9", YAML_T),
    ("application/json;q=0.9, application/yaml", YAML_T),
    ("application/yaml;q=0.5, application/json;q=0.5", JSON_T),  # a tie: server preference
    # Browsers navigating: HTML.
    (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        HTML_T,
    ),  # Chrome
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML_T),  # Firefox, Safari
    ("text/html, application/json;q=0.9", HTML_T),
    ("text/*", HTML_T),
    # A browser loading an image: anything goes, at q=0.8.
    ("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", JSON_T),
    # RFC 9110 §12.5.1's examples.
    ("text/plain; q=0.5, text/html, text/x-dvi; q=0.8, text/x-c", HTML_T),
    ("text/*, text/plain, text/plain;format=flowed, */*", JSON_T),  # q=1 everywhere: a tie
    (
        "text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, "
        "text/plain;format=fixed;q=0.4, */*;q=0.5",
        JSON_T,  # text/html gets 0.3 from text/*, the others 0.5 from */*
    ),
    ("audio/*; q=0.2, audio/basic", None),
    # q=0 means "not acceptable" (RFC 9110 §12.4.2), even under a wider range.
    ("application/json;q=0, */*", YAML_T),
    ("application/json;q=0, application/yaml;q=0, */*", HTML_T),
    ("text/html;q=0, */*", JSON_T),
    ("application/*;q=0, */*;q=1", HTML_T),
    ("*/*;q=0", None),
    ("application/json;q=0", None),
    # Nothing available.
    ("application/xml", None),
    ("text/plain", None),
    ("image/png, image/*;q=0.8", None),
    ("application/msgpack, text/csv", None),
]


def assert_406(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 406
    assert resp.headers["Content-Type"] == "application/problem+json"  # sent anyway
    assert "Accept" in resp.headers.get_all("Vary")
    body: dict[str, Any] = resp.json
    assert body["status"] == 406
    assert body["title"] == "Not Acceptable"
    assert body["available"] == AVAILABLE
    return body


@pytest.mark.parametrize(("accept", "expected"), ACCEPT_MATRIX)
def test_negotiation_matrix(api: Api, accept: str | None, expected: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    resp = api.test_client().get("/notes", headers=headers)
    if expected is None:
        body = assert_406(resp)
        assert accept is not None and accept in body["detail"]
        for media_type in AVAILABLE:
            assert media_type in body["detail"]
        return
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == expected
    assert resp.headers["Vary"] == "Accept"
    if expected == JSON_T:
        assert resp.json == [{"text": "hello"}]
    elif expected == YAML_T:
        assert yaml.safe_load(resp.data) == [{"text": "hello"}]
    else:
        assert resp.text == "<pre>[{'text': 'hello'}]</pre>"


def test_the_matrix_is_large_enough() -> None:
    assert len(ACCEPT_MATRIX) >= 25
    assert sum(expected is None for _, expected in ACCEPT_MATRIX) >= 5


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "application/problem+json"),
        ("*/*", "application/problem+json"),
        ("application/json", "application/problem+json"),
        ("application/problem+json", "application/problem+json"),
        ("application/yaml", "application/problem+yaml"),
        ("application/problem+yaml", "application/problem+yaml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/xml", "application/problem+json"),  # nothing acceptable: JSON anyway
    ],
)
def test_error_bodies_are_negotiated(api: Api, accept: str | None, content_type: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    resp = api.test_client().get("/nowhere", headers=headers)
    assert resp.status_code == 404
    assert resp.mimetype == content_type
    assert "Accept" in resp.headers.get_all("Vary")
    if content_type == "application/problem+yaml":
        assert yaml.safe_load(resp.data)["title"] == "Not Found"
    elif content_type == "text/html":
        assert resp.text == "<h1>404 Not Found</h1>"
    else:
        assert resp.json["title"] == "Not Found"


def test_406_is_decided_before_the_handler_runs(api: Api) -> None:
    client = api.test_client()
    resp = client.post("/notes", json={"text": "lost"}, headers={"Accept": "text/plain"})
    assert_406(resp)
    # Not even validated: an invalid body gets 406 too, and nothing was done.
    assert client.post("/notes", json={}, headers={"Accept": "text/plain"}).status_code == 406
    assert api.calls == []  # type: ignore[attr-defined]
    assert client.post("/notes", json={"text": "kept"}).status_code == 201
    assert api.calls == ["kept"]  # type: ignore[attr-defined]


def test_406_is_sent_as_json_even_when_json_is_refused(api: Api) -> None:
    resp = api.test_client().get(
        "/notes", headers={"Accept": "application/json;q=0, text/html;q=0, application/yaml;q=0"}
    )
    assert_406(resp)


def test_without_html_browsers_get_json() -> None:
    api = make_api()
    assert isinstance(api.remove_media_handler("text/html"), StubHTMLHandler)
    client = api.test_client()
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = client.get("/notes", headers={"Accept": chrome})
    assert resp.headers["Content-Type"] == JSON_T
    resp = client.get("/notes", headers={"Accept": "text/html"})
    assert resp.status_code == 406
    assert resp.json["available"] == [JSON_T, YAML_T]


# -- ?format= ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("format=yaml", None, YAML_T),
        ("format=YAML", None, YAML_T),
        ("format=json", "application/yaml", JSON_T),  # the URL wins over Accept
        ("format=html", "application/json", HTML_T),
        ("format=yaml&limit=3", "text/plain", YAML_T),  # even over an unacceptable Accept
        ("limit=3", "application/yaml", YAML_T),
    ],
)
def test_format_parameter_overrides_accept(
    api: Api, query: str, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    resp = api.test_client().get(f"/notes?{query}", headers=headers)
    assert resp.status_code == 200  # and not a 422 for an unknown query parameter
    assert resp.headers["Content-Type"] == expected
    assert resp.headers["Vary"] == "Accept"


def test_unknown_format_is_406_listing_the_formats(api: Api) -> None:
    resp = api.test_client().get("/notes?format=xml")
    body = assert_406(resp)
    assert body["formats"] == ["json", "yaml", "html"]
    assert "'xml'" in body["detail"]


def test_format_parameter_applies_to_errors(api: Api) -> None:
    client = api.test_client()
    resp = client.get("/nowhere?format=yaml", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+yaml"
    assert yaml.safe_load(resp.data)["status"] == 404
    resp = client.post("/notes?format=yaml", json={})
    assert resp.status_code == 422
    assert yaml.safe_load(resp.data)["errors"][0]["path"] == "text"


def test_format_parameter_can_be_renamed_or_switched_off() -> None:
    renamed = make_api(format_param="as").test_client()
    assert renamed.get("/notes?as=yaml").headers["Content-Type"] == YAML_T
    # ``format`` is now an ordinary (unknown) query parameter.
    assert renamed.get("/notes?format=yaml").status_code == 422
    off = make_api(format_param=None).test_client()
    assert off.get("/notes?format=yaml").status_code == 422
    assert off.get("/notes", headers={"Accept": "application/yaml"}).mimetype == YAML_T


def test_a_query_schema_declaring_the_parameter_keeps_it(api: Api) -> None:
    client = api.test_client()
    resp = client.get("/report?format=long")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == JSON_T
    assert resp.json == {"format": "long"}
    assert client.get("/report?format=yaml").status_code == 422


# -- Vary ------------------------------------------------------------------------------


def test_vary_is_added_to_what_the_handler_set(api: Api) -> None:
    @api.route("/varied")
    class Varied(Resource):
        def get(self, req: Request) -> Any:
            return {}, {"Vary": "Accept-Language"}

    resp = api.test_client().get("/varied")
    assert resp.headers["Vary"] == "Accept-Language, Accept"


def test_responses_the_handler_builds_are_left_alone(api: Api) -> None:
    from heron import Response

    @api.route("/raw")
    class Raw(Resource):
        def get(self, req: Request) -> Any:
            return Response(b"raw", content_type="text/plain")

    resp = api.test_client().get("/raw")
    assert resp.text == "raw"
    assert "Vary" not in resp.headers


def test_an_unknown_format_with_nothing_acceptable_is_answered_in_json(api: Api) -> None:
    resp = api.test_client().get("/notes?format=xml", headers={"Accept": "application/xml"})
    assert_406(resp)
    as_yaml = api.test_client().get("/notes?format=xml", headers={"Accept": "application/yaml"})
    assert as_yaml.status_code == 406
    assert as_yaml.mimetype == "application/problem+yaml"  # Accept decides the error's format
