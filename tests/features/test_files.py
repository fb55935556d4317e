"""Files: uploads mixed with fields, size limits, downloads with ranges (RFC 9110 §14, RFC 6266)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import marshmallow as ma
import pytest
from openapi_spec_validator import validate
from werkzeug.datastructures import FileStorage, Headers

from heron import Api, Request, Resource, arguments, response
from heron.core.fields import Upload, file_size
from heron.features.files import file_response, send_file
from tests import apps_files
from tests.conftest import heron_server

PROBLEM = "application/problem+json"


def png(size: int = 300) -> bytes:
    """Return a valid 1×1 PNG image of exactly ``size`` bytes (padded with a tEXt chunk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    end = chunk(b"IEND", b"")
    fixed = 8 + len(header) + len(pixels) + len(end) + 12 + len(b"Comment\x00")
    padding = chunk(b"tEXt", b"Comment\x00" + b"x" * max(0, size - fixed))
    return b"\x89PNG\r\n\x1a\n" + header + padding + pixels + end


def get(api: Api, path: str, **kwargs: Any) -> Any:
    """GET ``path``, reading the whole response (and closing the file it sends)."""
    return api.test_client().get(path, buffered=True, **kwargs)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(apps_files, "STORE", tmp_path)
    monkeypatch.setattr(apps_files, "REPORTS", tmp_path / "reports")
    return tmp_path


@pytest.fixture
def api(store: Path) -> Api:
    return apps_files.create_app()


def upload(api: Api, data: dict[str, Any], pet_id: int = 1) -> Any:
    return api.test_client().put(
        f"/pets/{pet_id}/photo", data=data, content_type="multipart/form-data"
    )


def photo_part(content: bytes, name: str = "rex.png", mimetype: str = "image/png") -> Any:
    return (io.BytesIO(content), name, mimetype)


# -- uploads: fields and files in one schema ------------------------------------------


def test_upload_mixes_fields_and_a_file(api: Api, store: Path) -> None:
    image = png()
    resp = upload(api, {"caption": "Rex", "tags": ["dog", "good"], "photo": photo_part(image)})
    assert resp.status_code == 201, resp.json
    assert resp.json == {
        "pet_id": 1,
        "caption": "Rex",
        "tags": ["dog", "good"],
        "filename": "rex.png",
        "content_type": "image/png",
        "size": len(image),
    }
    assert (store / "pet-1.bin").read_bytes() == image


def test_a_file_over_max_size_is_a_422_naming_the_field(api: Api) -> None:
    too_big = png(apps_files.MAX_PHOTO + 1)
    resp = upload(api, {"caption": "Rex", "photo": photo_part(too_big)})
    assert resp.status_code == 422
    assert resp.mimetype == PROBLEM
    (error,) = resp.json["errors"]
    assert (error["location"], error["path"]) == ("form", "photo")
    assert error["message"] == (
        f"The file is {len(too_big)} bytes, larger than the {apps_files.MAX_PHOTO} bytes accepted."
    )


def test_a_file_of_exactly_max_size_is_accepted(api: Api) -> None:
    image = png(apps_files.MAX_PHOTO)
    assert len(image) == apps_files.MAX_PHOTO
    assert upload(api, {"caption": "Rex", "photo": photo_part(image)}).status_code == 201


def test_every_invalid_field_and_file_is_reported_at_once(api: Api) -> None:
    resp = upload(
        api,
        {"taken": "yesterday", "photo": photo_part(b"%PDF-1.7", "rex.pdf", "application/pdf")},
    )
    assert resp.status_code == 422
    assert {(e["path"], e["message"]) for e in resp.json["errors"]} == {
        ("caption", "Missing data for required field."),
        ("taken", "Not a valid date."),
        (
            "photo",
            "A file of type application/pdf is not accepted; send one of: image/png, image/jpeg.",
        ),
    }


def test_an_empty_file_input_is_no_file(api: Api) -> None:
    """Browsers send a file input left empty as a part with no name and no content."""
    resp = upload(
        api, {"caption": "Rex", "photo": (io.BytesIO(b""), "", "application/octet-stream")}
    )
    assert resp.status_code == 422
    assert resp.json["errors"] == [
        {"location": "form", "path": "photo", "message": "Missing data for required field."}
    ]
    client = api.test_client()
    optional = client.post(
        "/attachments",
        data={"note": "n", "attachment": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert optional.json == {"note": "n", "attached": False}
    sent = client.post(
        "/attachments",
        data={"attachment": (io.BytesIO(b"hello"), "a.txt")},
        content_type="multipart/form-data",
    )
    assert sent.json == {"note": None, "attached": True}


def test_an_empty_file_with_a_name_is_a_file() -> None:
    empty = FileStorage(io.BytesIO(b""), filename="empty.txt")
    assert Upload(required=True).deserialize(empty) is empty


def test_max_size_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="max_size"):
        Upload(max_size=-1)


def test_file_size_leaves_the_stream_where_it_was() -> None:
    stream = io.BytesIO(b"0123456789")
    stream.seek(3)
    assert file_size(FileStorage(stream)) == 10
    assert stream.tell() == 3


def test_file_size_of_a_stream_that_cannot_seek_is_its_content_length() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

    headers = Headers({"Content-Length": "42"})
    assert file_size(FileStorage(Pipe(), headers=headers)) == 42  # type: ignore[arg-type]
    assert file_size(FileStorage(Pipe())) == 0  # type: ignore[arg-type]


def test_an_upload_over_the_content_limit_is_a_413_before_validation(api: Api) -> None:
    huge = png(300 * 1024)
    resp = upload(api, {"caption": "Rex", "photo": photo_part(huge)})
    assert resp.status_code == 413
    assert resp.json["detail"] == "The request content is larger than 262144 bytes."


# -- downloads -----------------------------------------------------------------------------


@pytest.fixture
def image(api: Api) -> bytes:
    data = png(1000)
    assert upload(api, {"caption": "Rex", "photo": photo_part(data, "rex.png")}).status_code == 201
    return data


def test_download_sends_the_file_with_its_headers(api: Api, image: bytes) -> None:
    resp = get(api, "/pets/1/photo")
    assert resp.status_code == 200
    assert resp.data == image
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Length"] == str(len(image))
    assert resp.headers["Content-Disposition"] == "inline; filename=rex.png"
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.headers["ETag"].startswith('"')  # strong: usable with If-Range (RFC 9110 §13.1.5)
    assert "Last-Modified" in resp.headers
    assert resp.headers["Cache-Control"] == "no-cache"


def test_head_sends_the_headers_only(api: Api, image: bytes) -> None:
    resp = api.test_client().head("/pets/1/photo", buffered=True)
    assert resp.status_code == 200
    assert resp.data == b""
    assert resp.headers["Content-Length"] == str(len(image))


@pytest.mark.parametrize(
    ("ranges", "start", "end"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, None), ("bytes=-5", -5, None)],
)
def test_a_range_gets_206_with_content_range(
    api: Api, image: bytes, ranges: str, start: int, end: int | None
) -> None:
    resp = get(api, "/pets/1/photo", headers={"Range": ranges})
    assert resp.status_code == 206
    part = image[start : end + 1] if end is not None else image[start:]
    assert resp.data == part
    first = start if start >= 0 else len(image) + start
    assert resp.headers["Content-Range"] == f"bytes {first}-{first + len(part) - 1}/{len(image)}"
    assert resp.headers["Content-Length"] == str(len(part))


def test_if_range_with_the_current_validator_gets_the_range(api: Api, image: bytes) -> None:
    etag = get(api, "/pets/1/photo").headers["ETag"]
    resp = get(api, "/pets/1/photo", headers={"Range": "bytes=0-3", "If-Range": etag})
    assert resp.status_code == 206
    assert resp.data == image[:4]


def test_if_range_with_a_stale_validator_gets_the_whole_file(api: Api, image: bytes) -> None:
    """The file changed since the client's copy: a range of it would be garbage (§13.1.5)."""
    resp = get(api, "/pets/1/photo", headers={"Range": "bytes=0-3", "If-Range": '"an-old-version"'})
    assert resp.status_code == 200
    assert resp.data == image


def test_an_unsatisfiable_range_is_a_416_problem(api: Api, image: bytes) -> None:
    resp = get(api, "/pets/1/photo", headers={"Range": "bytes=5000-6000"})
    assert resp.status_code == 416
    assert resp.mimetype == PROBLEM
    assert resp.headers["Content-Range"] == f"bytes */{len(image)}"
    assert resp.json["title"] == "Range Not Satisfiable"
    assert resp.json["detail"] == (
        f"The range 'bytes=5000-6000' is not satisfiable: the file is {len(image)} bytes long."
    )


def test_if_none_match_gets_304(api: Api, image: bytes) -> None:
    etag = get(api, "/pets/1/photo").headers["ETag"]
    resp = get(api, "/pets/1/photo", headers={"If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.data == b""


def test_a_missing_file_is_a_404_problem(api: Api) -> None:
    resp = api.test_client().get("/pets/9/photo")
    assert resp.status_code == 404
    assert resp.json["detail"] == "Pet 9 has no photo."


def test_a_non_ascii_download_name_is_sent_as_filename_star(api: Api, store: Path) -> None:
    (store / "reports").mkdir(exist_ok=True)
    (store / "reports" / "2024.txt").write_text("total: 3 pets\n")
    resp = get(api, "/reports/2024.txt")
    assert resp.status_code == 200
    assert resp.data == b"total: 3 pets\n"
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    # RFC 6266 §4.3: an ASCII fallback, then the exact name in RFC 8187 encoding.
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"Ubersicht 2024.txt\"; filename*=UTF-8''%C3%9Cbersicht%202024.txt"
    )


@pytest.mark.parametrize("name", ["../secret.txt", ".hidden", "nothing.txt"])
def test_send_from_directory_refuses_what_is_not_below_it(api: Api, store: Path, name: str) -> None:
    (store / "secret.txt").write_text("top secret")
    (store / "reports").mkdir(exist_ok=True)
    (store / "reports" / ".hidden").write_text("hidden")
    resp = get(api, f"/reports/{name}")
    assert resp.status_code == 404
    assert resp.mimetype == PROBLEM
    assert "top secret" not in resp.get_data(as_text=True)


def test_send_file_sends_bytes_from_memory() -> None:
    api = Api()

    @api.route("/export")
    class Export(Resource):
        negotiate = False

        @response(200, content_type="text/csv")
        def get(self, req: Request) -> Any:
            data = io.BytesIO(b"id,name\n1,Rex\n")
            return send_file(req, data, mimetype="text/csv", download_name="pets.csv")

    resp = get(api, "/export", headers={"Range": "bytes=3-"})
    assert resp.status_code == 206
    assert resp.data == b"name\n1,Rex\n"
    assert "ETag" not in resp.headers  # no validator for bytes unless given
    spec = api.openapi()["paths"]["/export"]["get"]["responses"]["200"]
    assert spec["content"] == {"text/csv": {"schema": {"type": "string", "format": "binary"}}}


def test_an_unsatisfiable_range_of_an_unknown_length() -> None:
    """Werkzeug knows no length for a stream: it sends the whole of it (no 416)."""
    api = Api()

    @api.route("/stream")
    class Stream(Resource):
        negotiate = False

        def get(self, req: Request) -> Any:
            return send_file(req, io.BufferedReader(io.BytesIO(b"abc")), mimetype="text/plain")  # type: ignore[arg-type]

    resp = get(api, "/stream", headers={"Range": "bytes=10-20"})
    assert resp.status_code == 200
    assert resp.data == b"abc"


# -- the OpenAPI document --------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_spec_validates(store: Path, version: str) -> None:
    validate(apps_files.create_app(version).openapi())


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_upload_schema_documents_fields_and_file_together(store: Path, version: str) -> None:
    spec = apps_files.create_app(version).openapi()
    body = spec["paths"]["/pets/{pet_id}/photo"]["put"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]
    multipart = body["content"]["multipart/form-data"]
    assert multipart["encoding"] == {"photo": {"contentType": "image/png, image/jpeg"}}
    schema = spec["components"]["schemas"]["PhotoForm"]
    # The plain fields are documented beside the file, in the same schema.
    assert set(schema["properties"]) == {"caption", "tags", "taken", "photo"}
    assert schema["required"] == ["caption", "photo"]
    assert schema["properties"]["photo"] == {
        "type": "string",
        "format": "binary",
        "description": f"The photo. At most {apps_files.MAX_PHOTO} bytes.",
    }
    attachment = spec["components"]["schemas"]["AttachmentForm"]["properties"]["attachment"]
    expected = {"type": "string", "format": "binary", "description": "At most 1024 bytes."}
    if version == "3.1.0":  # JSON Schema 2020-12 Validation §8.4
        expected["contentMediaType"] = "application/octet-stream"
    assert attachment == expected
    responses = spec["paths"]["/pets/{pet_id}/photo"]["put"]["responses"]
    assert responses["413"] == {"$ref": "#/components/responses/ContentTooLarge"}
    assert responses["422"] == {"$ref": "#/components/responses/UnprocessableContent"}


def test_one_accepted_type_is_the_content_media_type_in_3_1() -> None:
    class Scan(ma.Schema):
        scan = Upload(content_types=["application/pdf"])

    api = Api()

    @api.route("/scans")
    class Scans(Resource):
        @arguments(Scan, location="form")
        def post(self, req: Request, form: Any) -> None:
            return None

    prop = api.openapi()["components"]["schemas"]["Scan"]["properties"]["scan"]
    assert prop == {"type": "string", "format": "binary", "contentMediaType": "application/pdf"}
    prop = api.openapi("3.0.3")["components"]["schemas"]["Scan"]["properties"]["scan"]
    assert prop == {"type": "string", "format": "binary"}


def test_download_is_documented_with_ranges(store: Path) -> None:
    spec = apps_files.create_app().openapi()
    op = spec["paths"]["/pets/{pet_id}/photo"]["get"]
    responses = op["responses"]
    binary = {"image/*": {"schema": {"type": "string", "format": "binary"}}}
    assert responses["200"]["description"] == "The pet's photo."
    assert responses["200"]["content"] == binary
    assert set(responses["200"]["headers"]) == {
        "Content-Disposition",
        "ETag",
        "Last-Modified",
        "Accept-Ranges",
    }
    assert responses["206"]["content"] == binary
    assert set(responses["206"]["headers"]) >= {"Content-Range", "Content-Disposition"}
    assert "content" not in responses["304"]
    assert responses["416"]["content"][PROBLEM]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert set(responses["416"]["headers"]) == {"Content-Range"}
    assert "406" not in responses  # not negotiated: the file is the representation
    report = spec["paths"]["/reports/{name}"]["get"]["responses"]
    assert set(report) == {"200", "304", "404"}
    assert "Accept-Ranges" not in report["200"]["headers"]


# -- over real HTTP ----------------------------------------------------------------------


@pytest.mark.live
def test_upload_and_ranged_download_over_http(tmp_path: Path) -> None:
    image = png(5000)
    with heron_server("tests.apps_files:api", env={"HERON_TEST_FILES": str(tmp_path)}) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            resp = client.put(
                "/pets/7/photo",
                data={"caption": "Rex", "tags": ["a", "b"]},
                files={"photo": ("rex.png", image, "image/png")},
            )
            assert resp.status_code == 201, resp.text
            assert resp.json()["tags"] == ["a", "b"]
            assert (tmp_path / "pet-7.bin").read_bytes() == image

            whole = client.get("/pets/7/photo")
            assert whole.status_code == 200
            assert whole.content == image
            etag = whole.headers["etag"]

            part = client.get("/pets/7/photo", headers={"Range": "bytes=1000-1999"})
            assert part.status_code == 206
            assert part.headers["content-range"] == f"bytes 1000-1999/{len(image)}"
            assert part.content == image[1000:2000]

            same = client.get("/pets/7/photo", headers={"Range": "bytes=-8", "If-Range": etag})
            assert (same.status_code, same.content) == (206, image[-8:])
            stale = client.get("/pets/7/photo", headers={"Range": "bytes=-8", "If-Range": '"x"'})
            assert (stale.status_code, stale.content) == (200, image)

            beyond = client.get("/pets/7/photo", headers={"Range": f"bytes={len(image)}-"})
            assert beyond.status_code == 416
            assert beyond.headers["content-range"] == f"bytes */{len(image)}"
            assert beyond.headers["content-type"] == PROBLEM

            too_big = client.put(
                "/pets/7/photo",
                data={"caption": "Rex"},
                files={"photo": ("big.png", png(apps_files.MAX_PHOTO + 10), "image/png")},
            )
            assert too_big.status_code == 422
            assert too_big.json()["errors"][0]["path"] == "photo"


def test_a_file_response_without_conditional_requests() -> None:
    api = Api()

    @api.route("/snapshot")
    class Snapshot(Resource):
        negotiate = False

        @file_response("image/png", conditional=False, ranges=False)
        def get(self, req: Request) -> Any:
            return send_file(req, io.BytesIO(png()), mimetype="image/png", conditional=False)

    responses = api.openapi()["paths"]["/snapshot"]["get"]["responses"]
    assert set(responses) == {"200"}
    assert set(responses["200"]["headers"]) == {"Content-Disposition"}
    resp = get(api, "/snapshot", headers={"Range": "bytes=0-3"})
    assert (resp.status_code, resp.data) == (200, png())


# -- a file beside representations of data: negotiated against its own type -----------------


def _photo_api() -> Api:
    """A negotiating resource (the default) whose GET sends a file and PUT answers data."""
    api = Api()

    class Info(ma.Schema):
        size = ma.fields.Int()

    @api.route("/photo")
    class Photo(Resource):
        @arguments(apps_files.AttachmentForm, location="form")
        @response(200, Info)
        def put(self, req: Request, form: Any) -> Any:
            return {"size": 3}

        @file_response("image/*")
        def get(self, req: Request) -> Any:
            return send_file(req, io.BytesIO(png()), mimetype="image/png", download_name="p.png")

    @api.route("/logo")
    class Logo(Resource):
        @file_response("image/png", ranges=False)
        def get(self, req: Request) -> Any:
            return send_file(req, io.BytesIO(png()), mimetype="image/png", download_name="l.png")

    return api


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "image/png",
        "image/*",
        "*/*",
        "image/webp, image/png;q=0, */*;q=0.8",  # other images still acceptable
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",  # browsers
        "application/json;q=0.5, image/png",
    ],
)
def test_a_file_is_negotiated_against_its_own_type(accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    resp = get(_photo_api(), "/photo", headers=headers)
    assert resp.status_code == 200, resp.data
    assert resp.mimetype == "image/png"
    assert resp.data == png()
    assert "Accept" not in resp.headers.get("Vary", "")  # the file is the only representation


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/photo", "application/json"),
        ("/photo", "image/*;q=0, application/json"),
        ("/photo", "image/png;q=0"),
        ("/logo", "image/jpeg"),
        ("/logo", "image/png;q=0, */*"),  # the most specific range decides (RFC 9110 §12.5.1)
    ],
)
def test_a_file_not_accepted_is_a_406_naming_its_type(path: str, accept: str) -> None:
    resp = get(_photo_api(), path, headers={"Accept": accept})
    assert resp.status_code == 406
    assert resp.mimetype == PROBLEM
    assert resp.json["available"] == ["image/*" if path == "/photo" else "image/png"]


def test_format_does_not_apply_to_a_file_and_data_stays_negotiated() -> None:
    api = _photo_api()
    resp = get(api, "/photo?format=yaml")
    assert (resp.status_code, resp.mimetype) == (200, "image/png")
    # The PUT of the same resource answers data, in the representation asked for.
    put = api.test_client().put(
        "/photo",
        data={"note": "x"},
        content_type="multipart/form-data",
        headers={"Accept": "application/yaml"},
    )
    assert (put.status_code, put.mimetype) == (200, "application/yaml")
    assert put.data == b"size: 3\n"
    spec = api.openapi()["paths"]["/photo"]
    assert "parameters" not in spec["get"]  # no ?format= for a file
    assert spec["get"]["responses"]["406"] == {"$ref": "#/components/responses/NotAcceptable"}
    assert spec["get"]["responses"]["200"]["content"] == {
        "image/*": {"schema": {"type": "string", "format": "binary"}}
    }
    assert [p["name"] for p in spec["put"].get("parameters", [])] == []
    assert set(spec["put"]["responses"]["200"]["content"]) >= {"application/json"}


@pytest.mark.parametrize("ranges", ["items=0-1", "lines=1-2", "x", "=0-1"])
def test_item_16_a_range_of_an_unknown_unit_is_ignored(api: Api, image: bytes, ranges: str) -> None:
    """Issue 11, item 16: RFC 9110 §14.2, a recipient ignores a range unit it does not know."""
    resp = get(api, "/pets/1/photo", headers={"Range": ranges})
    assert resp.status_code == 200
    assert resp.data == image
    assert "Content-Range" not in resp.headers
