"""Request content by Content-Type (RFC 9110 §8.3): a parsing matrix through the app."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
import yaml
from werkzeug.datastructures import FileStorage

from heron import Api, Request, Resource, arguments, response
from heron.core.fields import Upload

PROBLEM = "application/problem+json"


class DimensionsSchema(ma.Schema):
    width = ma.fields.Float(required=True)
    height = ma.fields.Float(required=True)


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)
    tags = ma.fields.List(ma.fields.Str())
    born = ma.fields.Date()
    dimensions = ma.fields.Nested(DimensionsSchema)


class PhotoForm(ma.Schema):
    caption = ma.fields.Str(required=True)
    tags = ma.fields.List(ma.fields.Str())
    photo = Upload(required=True, content_types=["image/*"])


class NoteForm(ma.Schema):
    text = ma.fields.Str(required=True)


#: What handlers received, to check what reached them.
SEEN: list[Any] = []


@pytest.fixture
def api() -> Api:
    SEEN.clear()
    api = Api(max_content_length=4096)

    @api.route("/pets")
    class Pets(Resource):
        @response(200, PetSchema, many=True)
        def get(self, req: Request) -> Any:
            return [{"id": 1, "name": "Rex"}]

        @arguments(PetSchema)
        @response(201, PetSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            SEEN.append(body)
            return {"id": 1, **body}

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        @arguments(PetSchema)
        @response(200, PetSchema)
        def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
            return {"id": pet_id, **body}

        @arguments(PetSchema(partial=True))
        @response(200, PetSchema)
        def patch(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
            return {"id": pet_id, "name": "Rex", **body}

        @response(204)
        def delete(self, req: Request, pet_id: int) -> None:
            return None

    @api.route("/photos")
    class Photos(Resource):
        @arguments(PhotoForm, location="form")
        def post(self, req: Request, form: dict[str, Any]) -> Any:
            photo = form["photo"]
            SEEN.append(photo)
            assert isinstance(photo, FileStorage)
            return {
                "caption": form["caption"],
                "tags": form.get("tags", []),
                "filename": photo.filename,
                "mimetype": photo.mimetype,
                "size": len(photo.read()),
            }

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteForm, location="form")
        def post(self, req: Request, form: dict[str, Any]) -> Any:
            return form

    return api


def post(api: Api, data: bytes | str, content_type: str, path: str = "/pets") -> Any:
    return api.test_client().post(path, data=data, content_type=content_type)


REX = {"name": "Rex", "tags": ["dog", "good"], "born": "2020-02-29"}
REX_YAML = "name: Rex\ntags: [dog, good]\nborn: 2020-02-29\n"  # a date that stays a string

# -- the matrix: one document, many encodings -------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/json", json.dumps(REX).encode()),
        ("application/json; charset=utf-8", json.dumps(REX).encode()),
        ("application/json;charset=UTF-8", json.dumps(REX).encode()),
        ("application/vnd.example.pet+json", json.dumps(REX).encode()),  # RFC 6839 §3.1
        ("application/json", json.dumps(REX).encode("utf-16-le")),  # detected, RFC 8259 §8.1
        ("application/json; charset=utf-16", json.dumps(REX).encode("utf-16")),
        ("application/yaml", REX_YAML.encode()),
        ("application/yaml; charset=utf-8", REX_YAML.encode()),
        ("application/yaml", REX_YAML.encode("utf-16")),  # a BOM says UTF-16 (YAML 1.2.2 §5.2)
        ("application/x-yaml", REX_YAML.encode()),  # RFC 9512 §2.1's deprecated aliases
        ("text/yaml", REX_YAML.encode()),
        ("application/vnd.example.pet+yaml", REX_YAML.encode()),  # RFC 9512 §2.2
        ("application/yaml", json.dumps(REX).encode()),  # JSON is YAML 1.2
        ("application/yaml", b"---\n" + REX_YAML.encode() + b"...\n"),
    ],
)
def test_structured_content_is_parsed(api: Api, content_type: str, data: bytes) -> None:
    resp = post(api, data, content_type)
    assert resp.status_code == 201, resp.json
    assert resp.json == {"id": 1, **REX}


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/json; charset=latin-1", '{"name": "Zoë"}'.encode("latin-1")),
        ("application/json; charset=iso-8859-1", '{"name": "Zoë"}'.encode("latin-1")),
        ("application/json; charset=utf-16-be", '{"name": "Zoë"}'.encode("utf-16-be")),
        ("application/json", '{"name": "Zoë"}'.encode()),
        ("application/yaml; charset=latin-1", "name: Zoë\n".encode("latin-1")),
        ("application/yaml; charset=windows-1252", "name: Zoë\n".encode("cp1252")),
    ],
)
def test_declared_charsets_are_honoured(api: Api, content_type: str, data: bytes) -> None:
    resp = post(api, data, content_type)
    assert resp.status_code == 201, resp.json
    assert resp.json["name"] == "Zoë"


def test_merge_patch_json_is_read(api: Api) -> None:
    resp = api.test_client().patch(
        "/pets/7", data=json.dumps({"tags": ["old"]}), content_type="application/merge-patch+json"
    )
    assert resp.status_code == 200
    assert resp.json == {"id": 7, "name": "Rex", "tags": ["old"]}


def test_yaml_responses_read_back(api: Api) -> None:
    resp = api.test_client().post(
        "/pets",
        data=REX_YAML,
        content_type="application/yaml",
        headers={"Accept": "application/yaml"},
    )
    assert resp.status_code == 201
    assert resp.mimetype == "application/yaml"
    assert yaml.safe_load(resp.data) == {"id": 1, **REX}


def test_urlencoded_form(api: Api) -> None:
    resp = post(api, "text=Hello+w%C3%B6rld", "application/x-www-form-urlencoded", "/notes")
    assert resp.status_code == 200
    assert resp.json == {"text": "Hello wörld"}


def test_multipart_with_a_file_reaches_the_handler_as_file_storage(api: Api) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    resp = api.test_client().post(
        "/photos",
        data={
            "caption": "Rex asleep",
            "tags": ["dog", "cute"],
            "photo": (io.BytesIO(png), "rex.png", "image/png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.json
    assert resp.json == {
        "caption": "Rex asleep",
        "tags": ["dog", "cute"],
        "filename": "rex.png",
        "mimetype": "image/png",
        "size": len(png),
    }
    (photo,) = SEEN
    assert isinstance(photo, FileStorage)


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        ("just text", "Not a file"),  # a plain form value is no file
        ((io.BytesIO(b"%PDF"), "rex.pdf", "application/pdf"), "application/pdf is not accepted"),
    ],
)
def test_upload_field_validates_the_part(api: Api, photo: Any, message: str) -> None:
    resp = api.test_client().post(
        "/photos", data={"caption": "x", "photo": photo}, content_type="multipart/form-data"
    )
    assert resp.status_code == 422
    (error,) = resp.json["errors"]
    assert (error["location"], error["path"]) == ("form", "photo")
    assert message in error["message"]


def test_a_form_with_files_is_read_from_multipart_only(api: Api) -> None:
    resp = post(api, "caption=x&photo=y", "application/x-www-form-urlencoded", "/photos")
    assert resp.status_code == 415
    assert resp.headers["Accept-Post"] == "multipart/form-data"


def test_upload_field_dumps_the_file_name() -> None:
    photo = FileStorage(io.BytesIO(b"x"), filename="rex.png")
    assert Upload().serialize("photo", {"photo": photo}) == "rex.png"
    assert Upload().serialize("photo", {"photo": "rex.png"}) == "rex.png"


def test_upload_field_is_documented_as_binary_in_multipart_only(api: Api) -> None:
    body = api.openapi()["paths"]["/photos"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]  # no files in urlencoded
    schema = api.openapi()["components"]["schemas"]["PhotoForm"]
    assert schema["properties"]["photo"] == {"type": "string", "format": "binary"}


# -- what is not read ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
@pytest.mark.parametrize("chunked", [False, True])
def test_empty_body_with_json_content_type_is_ignored(api: Api, method: str, chunked: bool) -> None:
    """Clients that send ``Content-Type: application/json`` on every request."""
    headers = {"Content-Type": "application/json"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    path = "/pets" if method != "DELETE" else "/pets/1"
    resp = api.test_client().open(path, method=method, data=b"", headers=headers)
    assert resp.status_code in (200, 204)


def test_empty_body_with_json_content_type_on_post_is_a_missing_body(api: Api) -> None:
    resp = post(api, b"", "application/json")
    assert resp.status_code == 422
    assert resp.json["errors"][0]["message"] == "A request body is required."


# -- 415 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "header", "accepted"),
    [
        ("POST", "/pets", "Accept-Post", "application/json, application/yaml"),
        ("PATCH", "/pets/1", "Accept-Patch", "application/json, application/yaml"),
        ("PUT", "/pets/1", None, "application/json, application/yaml"),
        (
            "POST",
            "/notes",
            "Accept-Post",
            "application/x-www-form-urlencoded, multipart/form-data",
        ),
        ("POST", "/photos", "Accept-Post", "multipart/form-data"),
    ],
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/csv"])
def test_415_lists_what_the_operation_takes(
    api: Api, method: str, path: str, header: str | None, accepted: str, content_type: str
) -> None:
    resp = api.test_client().open(path, method=method, data=b"x", content_type=content_type)
    assert resp.status_code == 415
    assert resp.mimetype == PROBLEM
    assert resp.json["accepted"] == accepted.split(", ")
    assert content_type in resp.json["detail"]
    if header is None:
        assert "Accept-Post" not in resp.headers and "Accept-Patch" not in resp.headers
    else:
        assert resp.headers[header] == accepted


@pytest.mark.parametrize("charset", ["klingon", "base64", "rot13"])
def test_unknown_charset_is_415(api: Api, charset: str) -> None:
    """RFC 9110 §8.3.2, §15.5.16: the content is in a format the server cannot read.

    Not a 400: nothing is malformed, the client can resend it in UTF-8.
    """
    resp = post(api, b'{"name": "Rex"}', f"application/json; charset={charset}")
    assert resp.status_code == 415
    assert f"charset '{charset}'" in resp.json["detail"]
    assert resp.headers["Accept-Post"] == "application/json, application/yaml"


def test_bytes_not_in_the_declared_charset_are_400(api: Api) -> None:
    resp = post(api, b'{"name": "caf\xe9"}', "application/json; charset=utf-8")
    assert resp.status_code == 400
    assert "could not be decoded as utf-8" in resp.json["detail"]


# -- 400: malformed content, named ---------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data", "named"),
    [
        ("application/json", b'{"name": "Rex",}', "Expecting property name enclosed in double"),
        ("application/json", b'{"name": "Rex"', "line 1 column 15"),
        ("application/json", b"NaN", "NaN is not a JSON value"),
        ("application/json", b'{"name": "caf\xe9"}', "could not be decoded as UTF-8"),
        ("application/yaml", b"name: [Rex\ntags: x\n", "(line 2, column 5)"),
        ("application/yaml", b"name: Rex\n  tags: x\n", "mapping values are not allowed"),
        ("application/yaml", b"name: 'Rex\n", "found unexpected end of stream"),
        ("application/yaml", b"name: Rex\n---\nname: Max\n", "expected a single document"),
        ("application/yaml", b"name: *rex\n", "the alias *rex has no anchor"),
        ("application/yaml", b"name: Rex\nborn: !!timestamp 2020-02-29\n", "timestamp' is not"),
    ],
)
def test_malformed_content_is_400_naming_the_problem(
    api: Api, content_type: str, data: bytes, named: str
) -> None:
    resp = post(api, data, content_type)
    assert resp.status_code == 400
    assert resp.mimetype == PROBLEM
    assert resp.json["title"] == "Bad Request"
    assert named in resp.json["detail"]
    assert SEEN == []


def test_yaml_that_is_not_a_mapping_is_422(api: Api) -> None:
    resp = post(api, b"- Rex\n- Max\n", "application/yaml")
    assert resp.status_code == 422
    (error,) = resp.json["errors"]
    assert error["path"] == ""
    assert error["message"] == "Invalid input type."


def test_yaml_values_are_validated_like_json(api: Api) -> None:
    resp = post(api, b"name: 42\ndimensions: {width: wide, height: 2}\n", "application/yaml")
    assert resp.status_code == 422
    paths = {e["path"]: e["pointer"] for e in resp.json["errors"]}
    assert paths == {"name": "#/name", "dimensions.width": "#/dimensions/width"}


# -- hostile YAML -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "name: !!python/object/apply:os.system ['touch {marker}']",
        "name: !!python/object/new:subprocess.check_output [['touch', '{marker}']]",
        "!!python/object/apply:subprocess.Popen [['touch', '{marker}']]",
        "name: !!python/name:os.system",
        "name: !!python/module:os",
    ],
)
def test_python_tags_are_refused(api: Api, tmp_path: Path, document: str) -> None:
    marker = tmp_path / "pwned"
    resp = post(api, document.format(marker=marker), "application/yaml")
    assert resp.status_code == 400
    assert "python/" in resp.json["detail"]
    assert "is not allowed" in resp.json["detail"]
    assert not marker.exists()
    assert SEEN == []


def billion_laughs(levels: int = 10, width: int = 10) -> bytes:
    """width**levels strings from a document of a few hundred bytes."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines).encode() + b"\n"


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (billion_laughs(), "aliases expand the document by more than 10000 nodes"),
        (b"- &a [&b [*b]]\n", "refers to its own anchor"),  # a cycle, which JSON cannot hold
        (b"[" * 200_000 + b"]" * 200_000, "nested more than 200 levels deep"),
        (b"- " * 100_000 + b"x\n", "nested more than 200 levels deep"),
        (b"a: " + b"{a: " * 100_000 + b"}" * 100_000, "nested more than 200 levels deep"),
    ],
)
def test_resource_exhaustion_is_refused_quickly(api: Api, document: bytes, named: str) -> None:
    """RFC 9512 §4: aliases and nesting bounded, checked before anything is built."""
    api.max_content_length = None
    tracemalloc.start()
    started = time.perf_counter()
    try:
        resp = post(api, document, "application/yaml")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 400
    assert named in resp.json["detail"]
    assert elapsed < 2.0
    assert peak < 20 * len(document) + 5_000_000  # bytes: in proportion to the document


# -- 413 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/pets", {"json": {"name": "x" * 5000}}),
        ("/pets", {"data": "name: " + "x" * 5000, "content_type": "application/yaml"}),
        ("/notes", {"data": {"text": "x" * 5000}}),
        (
            "/photos",
            {
                "data": {"caption": "big", "photo": (io.BytesIO(b"\0" * 5000), "a.png")},
                "content_type": "multipart/form-data",
            },
        ),
    ],
)
def test_content_over_max_content_length_is_413(api: Api, path: str, kwargs: Any) -> None:
    resp = api.test_client().post(path, **kwargs)
    assert resp.status_code == 413
    assert resp.mimetype == PROBLEM
    assert resp.json["title"] == "Content Too Large"
    assert resp.json["detail"] == "The request content is larger than 4096 bytes."
    assert SEEN == []


def test_content_limit_is_documented(api: Api) -> None:
    spec = api.openapi()
    post_op = spec["paths"]["/pets"]["post"]
    assert post_op["responses"]["413"] == {"$ref": "#/components/responses/ContentTooLarge"}
    assert "413" not in spec["paths"]["/pets"]["get"]["responses"]
    assert "413" not in Api().openapi()["components"]["responses"]
