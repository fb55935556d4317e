"""Size limits on request content: 413 problems (RFC 9110 §15.5.14), in process and over HTTP."""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
import pytest

from heron import Api, Request, Resource, arguments, response
from heron.core.fields import Upload
from heron.http.limits import CappedInput
from tests.conftest import heron_server

PROBLEM = "application/problem+json"


class NoteForm(ma.Schema):
    text = ma.fields.Str()
    tags = ma.fields.List(ma.fields.Str())
    file = Upload()


class Note(ma.Schema):
    text = ma.fields.Str()


def make_api(**options: Any) -> Api:
    api = Api(**options)

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteForm, location="form")
        @response(200)
        def post(self, req: Request, form: dict[str, Any]) -> Any:
            return {"tags": len(form.get("tags", [])), "file": "file" in form}

        @arguments(Note)
        @response(200)
        def put(self, req: Request, body: dict[str, Any]) -> Any:
            return body

    @api.route("/messages")
    class Messages(Resource):
        @arguments(Note, location="form")
        @response(200)
        def post(self, req: Request, form: dict[str, Any]) -> Any:
            return form

    return api


def post_form(api: Api, data: Any) -> Any:
    return api.test_client().post("/notes", data=data, content_type="multipart/form-data")


def test_api_exposes_werkzeugs_form_limits() -> None:
    api = Api()
    assert (api.max_form_memory_size, api.max_form_parts) == (500_000, 1000)


def test_too_many_parts_is_a_413_naming_the_limits() -> None:
    api = make_api(max_form_parts=5)
    assert post_form(api, {"tags": ["a", "b", "c", "d", "e"]}).status_code == 200
    resp = post_form(api, {"tags": ["a", "b", "c", "d", "e", "f"]})
    assert resp.status_code == 413
    assert resp.mimetype == PROBLEM
    assert resp.json["title"] == "Content Too Large"
    assert resp.json["detail"] == (
        "The form is larger than this server reads: at most 5 parts,"
        " 500000 bytes in any part that is not a file."
    )


def test_a_field_over_the_form_memory_limit_is_a_413() -> None:
    api = make_api(max_form_memory_size=100_000, max_content_length=1_000_000)
    assert post_form(api, {"text": "x" * 100_000}).status_code == 200
    resp = post_form(api, {"text": "x" * 100_001})
    assert resp.status_code == 413
    assert resp.json["detail"] == (
        "The form is larger than this server reads: at most 1000000 bytes of content,"
        " 1000 parts, 100000 bytes in any part that is not a file."
    )


def test_files_are_not_held_to_the_form_memory_limit() -> None:
    """Werkzeug spools file parts to disk: only max_content_length bounds them."""
    api = make_api(max_form_memory_size=100_000)
    resp = post_form(api, {"file": (io.BytesIO(b"x" * 500_000), "big.bin")})
    assert resp.status_code == 200
    assert resp.json == {"tags": 0, "file": True}


def test_form_limits_can_be_switched_off() -> None:
    api = make_api(max_form_parts=None, max_form_memory_size=None)
    assert post_form(api, {"tags": [str(i) for i in range(1500)]}).json == {
        "tags": 1500,
        "file": False,
    }
    assert post_form(api, {"text": "x" * 505_000}).status_code == 200  # over 500_000


def test_the_content_limit_names_its_size_for_json_and_forms() -> None:
    api = make_api(max_content_length=100)
    client = api.test_client()
    for resp in (
        client.put("/notes", json={"text": "x" * 200}),
        post_form(api, {"text": "x" * 200}),
        client.post("/messages", data={"text": "x" * 200}),  # urlencoded
    ):
        assert resp.status_code == 413
        assert resp.json["detail"] == "The request content is larger than 100 bytes."


def chunked(api: Api, path: str, content: bytes, content_type: str) -> Any:
    """Send ``content`` without a length, as a server passes chunked content (PEP 3333)."""
    return api.test_client().open(
        path,
        method="PUT" if path == "/notes" else "POST",
        headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": io.BytesIO(content), "wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("size", [100, 101, 5000])
def test_chunked_content_is_held_to_the_limit_while_read(size: int) -> None:
    """Werkzeug's own cap would hand over the first 100 bytes as if they were all."""
    api = make_api(max_content_length=100)
    document = json.dumps({"text": "x" * (size - 12)}).encode()
    assert len(document) == size
    resp = chunked(api, "/notes", document, "application/json")
    if size <= 100:
        assert resp.status_code == 200
        assert resp.json == {"text": "x" * (size - 12)}
    else:
        assert resp.status_code == 413
        assert resp.json["detail"] == "The request content is larger than 100 bytes."
    form = chunked(
        api, "/messages", b"text=" + b"x" * (size - 5), "application/x-www-form-urlencoded"
    )
    assert form.status_code == (200 if size <= 100 else 413)


def test_413_is_documented_where_it_can_happen() -> None:
    spec = make_api().openapi()
    notes = spec["paths"]["/notes"]
    ref = {"$ref": "#/components/responses/ContentTooLarge"}
    assert notes["post"]["responses"]["413"] == ref  # a form: Werkzeug's part limits
    assert "413" not in notes["put"]["responses"]  # JSON without a content limit
    spec = make_api(max_content_length=1000).openapi()
    assert spec["paths"]["/notes"]["put"]["responses"]["413"] == ref
    unlimited = make_api(max_form_parts=None, max_form_memory_size=None).openapi()
    assert "413" not in unlimited["paths"]["/notes"]["post"]["responses"]
    assert "ContentTooLarge" not in unlimited["components"]["responses"]


# -- over real HTTP: refused before the content is read ------------------------------------


def _exchange(base: str, head: bytes, body: bytes) -> tuple[http.client.HTTPResponse, float]:
    """Send ``head`` and ``body`` (only the start of what ``head`` announces); read the answer."""
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    started = time.monotonic()
    sock.sendall(head + body)
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    resp.read()
    elapsed = time.monotonic() - started
    sock.close()
    return resp, elapsed


@pytest.mark.live
def test_a_huge_body_is_refused_before_it_is_read() -> None:
    """A client announcing 10 GB gets its 413 at once: the server never waits for the content."""
    with heron_server("tests.apps_files:api") as base:
        head = (
            b"POST /attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 10000000000\r\nConnection: close\r\n\r\n"
        )
        resp, elapsed = _exchange(base, head, b"--x\r\n" + b"x" * 65536)
        assert resp.status == 413
        assert resp.getheader("Content-Type") == PROBLEM
        assert elapsed < 5
    # 64 KiB of 10 GB were sent: reading it all would have waited for ever.


@pytest.mark.live
def test_chunked_content_over_the_limit_is_refused_over_http() -> None:
    with heron_server("tests.apps_files:api") as base:
        head = (
            b"POST /attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        part = b"--x\r\nContent-Disposition: form-data; name=note\r\n\r\n" + b"x" * 300_000
        body = b"%x\r\n%s\r\n" % (len(part), part)  # no last chunk: the client is still "sending"
        sock_resp, elapsed = _exchange(base, head, body)
        assert sock_resp.status == 413
        assert elapsed < 5


@pytest.mark.live
def test_413_problem_over_http_says_which_limit() -> None:
    with heron_server("tests.apps_files:api") as base:
        head = (
            b"PUT /pets/1/photo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 300000\r\nConnection: close\r\n\r\n"
        )
        url = urlsplit(base)
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
            sock.sendall(head)
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            problem = json.loads(resp.read())
        assert resp.status == 413
        assert problem["detail"] == "The request content is larger than 262144 bytes."
        assert problem["status"] == 413


def test_the_413_detail_names_only_the_limits_in_force() -> None:
    api = make_api(max_form_parts=None, max_form_memory_size=100_000)
    resp = post_form(api, {"text": "x" * 100_001})
    assert resp.json["detail"] == (
        "The form is larger than this server reads: at most 100000 bytes in any part that is"
        " not a file."
    )
    api = make_api(max_form_parts=2, max_form_memory_size=None)
    resp = post_form(api, {"tags": ["a", "b", "c"]})
    assert resp.json["detail"] == "The form is larger than this server reads: at most 2 parts."


def test_capped_input_is_a_readable_stream() -> None:
    stream = CappedInput(io.BytesIO(b"abc"), 3)
    assert stream.readable()
    assert stream.read() == b"abc"
