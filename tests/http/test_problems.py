"""Every error Heron produces is an RFC 9457 problem, in the representation negotiated.

Each status of issue 3 is driven the way a client meets it, through the test
client, and its body is checked against a JSON Schema of RFC 9457 §3 in every
representation: ``application/problem+json``, ``application/problem+yaml``
and the HTML error page (the HTML handler is registered by default).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import marshmallow as ma
import pytest
import yaml

from heron import Api, HTTPError, Request, Resource, abort, arguments, response

# -- RFC 9457 as a JSON Schema -----------------------------------------------------------

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri-reference")
def is_uri_reference(value: object) -> bool:
    """RFC 3986 §4.1, roughly: no spaces or controls, and parseable."""
    if not isinstance(value, str) or re.search(r"[\s\x00-\x1f\x7f<>\"{}|\\^`]", value):
        return False
    try:
        urlsplit(value)
    except ValueError:
        return False
    return True


#: RFC 9457 §3.1 members with their types; extension members allowed (§3.2).
RFC9457: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "minLength": 1},  # §3.1.1
        "status": {"type": "integer", "minimum": 400, "maximum": 599},  # §3.1.2
        "title": {"type": "string", "minLength": 1},  # §3.1.3
        "detail": {"type": "string", "minLength": 1},  # §3.1.4
        "instance": {"type": "string", "format": "uri-reference"},  # §3.1.5
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["location", "path", "message"],
                "properties": {
                    "location": {"enum": ["json", "form", "query", "path", "headers", "cookies"]},
                    "path": {"type": "string"},
                    "pointer": {"type": "string", "pattern": "^#(/.*)?$"},
                    "message": {"type": "string"},
                },
            },
        },
        "available": {"type": "array", "items": {"type": "string", "pattern": "^[^/]+/[^/]+$"}},
        "accepted": {"type": "array", "items": {"type": "string", "pattern": "^[^/]+/[^/]+$"}},
    },
    "additionalProperties": True,
}
VALIDATOR = jsonschema.Draft202012Validator(RFC9457, format_checker=FORMATS)


def test_the_schema_rejects_what_is_not_a_problem() -> None:
    good = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "x"}
    VALIDATOR.validate({**good, "instance": "/pets/1"})
    for bad in (
        good,  # Heron always sends instance
        {**good, "instance": "/pets/1", "status": "404"},
        {**good, "instance": "/pets/1", "type": "not a uri"},
        {**good, "instance": "/pets/1", "errors": [{"message": "x"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            VALIDATOR.validate(bad)


# -- the application -------------------------------------------------------------------


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True, validate=ma.validate.Length(min=1))
    age = ma.fields.Int(validate=ma.validate.Range(min=0))


#: Errors raised on purpose by ``GET /guarded/<status>``, as a handler would.
ABORTS: dict[int, Callable[[], None]] = {
    401: lambda: abort(
        401, "Log in to see this pet.", headers={"WWW-Authenticate": 'Bearer realm="pets"'}
    ),
    403: lambda: abort(403, "Only the owner may see this pet."),
    409: lambda: abort(
        409,
        "A pet named Rex exists.",
        type="https://example.com/problems/name-taken",
        title="Name taken",
        name="Rex",
    ),
    412: lambda: abort(412, 'The pet changed: its ETag is no longer "v1".'),
    428: lambda: abort(428, "Send If-Match with the pet's ETag to change it."),
    429: lambda: abort(429, "At most 10 requests a minute.", headers={"Retry-After": "60"}),
}


def build_api(**options: Any) -> Api:
    api = Api(max_content_length=1024, **options)

    @api.route("/pets")
    class Pets(Resource):
        @arguments(PetSchema)
        @response(201, PetSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            return {"id": 1, **body}, 201

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        @response(200, PetSchema)
        def get(self, req: Request, pet_id: int) -> Any:
            return {"id": pet_id, "name": "Rex"}

        @arguments(PetSchema)
        @response(200, PetSchema)
        def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
            return {"id": pet_id, **body}

    @api.route("/guarded/<int:status>")
    class Guarded(Resource):
        def get(self, req: Request, status: int) -> Any:
            ABORTS[status]()

    @api.route("/crash")
    class Crash(Resource):
        def get(self, req: Request) -> Any:
            raise RuntimeError("connection to db:5432 failed: password hunter2")

    return api


#: How a client meets each status: a request (method, URL, keyword arguments).
Request_ = tuple[str, str, dict[str, Any]]
STATUSES: dict[int, Request_] = {
    400: ("PUT", "/pets/1", {"data": b'{"name": "Rex",}', "content_type": "application/json"}),
    401: ("GET", "/guarded/401", {}),
    403: ("GET", "/guarded/403", {}),
    404: ("GET", "/nowhere", {}),
    405: ("DELETE", "/pets/1", {}),
    406: ("GET", "/pets/1?format=xml", {}),
    409: ("GET", "/guarded/409", {}),
    412: ("GET", "/guarded/412", {}),
    413: ("PUT", "/pets/1", {"json": {"name": "x" * 2000}}),
    415: ("POST", "/pets", {"data": b"name=Rex", "content_type": "text/plain"}),
    422: ("PUT", "/pets/1", {"json": {"name": "", "age": -1, "colour": "red"}}),
    428: ("GET", "/guarded/428", {}),
    429: ("GET", "/guarded/429", {}),
    500: ("GET", "/crash", {}),
}

#: Headers each status must carry besides the problem.
STATUS_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": 'Bearer realm="pets"'},  # RFC 9110 §15.5.2
    405: {"Allow": "GET, HEAD, OPTIONS, PUT"},  # RFC 9110 §15.5.6
    415: {"Accept-Post": "application/json, application/yaml"},  # RFC 9110 §15.5.16
    429: {"Retry-After": "60"},  # RFC 6585 §4
}


#: The problem an HTML error page carries in its data block (HTML §4.12.1.2).
PROBLEM_DATA_BLOCK = re.compile(
    rb'<script type="application/problem\+json" id="problem">(.*?)</script>', re.S
)


def load_html_problem(data: bytes) -> Any:
    """Read the problem back from an HTML error page's data block."""
    match = PROBLEM_DATA_BLOCK.search(data)
    assert match is not None, "no problem data block in the HTML error page"
    return json.loads(match.group(1))


def html_representation() -> Any:
    """The HTML error page of the default HTML handler, read back from its data block."""
    return pytest.param(("text/html", "text/html", load_html_problem), id="html")


#: Accept → the Content-Type of the problem and how to read it back.
REPRESENTATIONS = [
    pytest.param(("application/json", "application/problem+json", json.loads), id="json"),
    pytest.param(("application/yaml", "application/problem+yaml", yaml.safe_load), id="yaml"),
    html_representation(),
]


@pytest.fixture(scope="module")
def api() -> Api:
    return build_api()  # the default registry: JSON, YAML and HTML


def send(api: Api, status: int, accept: str | None) -> Any:
    method, url, kwargs = STATUSES[status]
    headers = {"Accept": accept} if accept else {}
    return api.test_client().open(url, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize("representation", REPRESENTATIONS)
@pytest.mark.parametrize("status", sorted(STATUSES))
def test_every_status_is_a_valid_problem(
    api: Api, caplog: pytest.LogCaptureFixture, status: int, representation: Any
) -> None:
    accept, content_type, load = representation
    with caplog.at_level(logging.CRITICAL, logger="heron"):
        resp = send(api, status, accept)
    assert resp.status_code == status
    assert resp.mimetype == content_type
    assert "Accept" in resp.headers.get_all("Vary")  # the body was negotiated
    for name, value in STATUS_HEADERS.get(status, {}).items():
        assert resp.headers[name] == value
    body = load(resp.data)
    VALIDATOR.validate(body)
    assert body["status"] == status  # RFC 9457 §3.1.2: the response's own status
    method, url, _ = STATUSES[status]
    assert body["instance"] == url.partition("?")[0]


@pytest.mark.parametrize("representation", REPRESENTATIONS)
def test_details_of_the_problems(api: Api, representation: Any) -> None:
    accept, _, load = representation

    def problem(status: int) -> dict[str, Any]:
        result: dict[str, Any] = load(send(api, status, accept).data)
        return result

    assert "Expecting property name" in problem(400)["detail"]
    assert problem(406)["formats"] == ["json", "yaml", "html"]
    assert problem(406)["available"] == ["application/json", "application/yaml", "text/html"]
    conflict = problem(409)
    assert conflict["type"] == "https://example.com/problems/name-taken"
    assert conflict["title"] == "Name taken"
    assert conflict["name"] == "Rex"
    assert problem(413)["title"] == "Content Too Large"
    assert problem(415)["accepted"] == ["application/json", "application/yaml"]
    invalid = problem(422)
    assert {(e["location"], e["path"]) for e in invalid["errors"]} == {
        ("json", "name"),
        ("json", "age"),
        ("json", "colour"),
    }
    assert problem(500)["title"] == "Internal Server Error"


def test_a_500_never_shows_the_exception(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    for accept in ("application/json", "application/yaml", "text/html", "*/*"):
        with caplog.at_level(logging.CRITICAL, logger="heron"):
            resp = send(api, 500, accept)
        for leak in ("hunter2", "5432", "RuntimeError", "Traceback", 'File "'):
            assert leak not in resp.text


def test_a_500_in_debug_mode_propagates() -> None:
    api = build_api(debug=True)
    with pytest.raises(RuntimeError, match="hunter2"):
        api.test_client().get("/crash")


def test_yaml_problems_for_yaml_clients_whatever_the_alias(api: Api) -> None:
    for accept in ("application/x-yaml", "text/yaml", "application/problem+yaml"):
        resp = api.test_client().get("/nowhere", headers={"Accept": accept})
        assert resp.mimetype == "application/problem+yaml"
        VALIDATOR.validate(yaml.safe_load(resp.data))


def test_head_gets_the_status_and_headers_without_the_body(api: Api) -> None:
    resp = api.test_client().head("/guarded/429")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "60"
    assert resp.data == b""


# -- replacing the error format for a whole application ------------------------------------


class ErrorBody(ma.Schema):
    body = ma.fields.List(ma.fields.Str(), required=True)


class GenericError(ma.Schema):
    errors = ma.fields.Nested(ErrorBody, required=True)

    class Meta:
        openapi_name = "GenericErrorModel"


def realworld_errors(req: Request, error: HTTPError) -> dict[str, Any]:
    """RealWorld's prescribed shape: ``{"errors": {"body": [...]}}``."""
    fields = error.extensions.get("errors")
    if fields:
        messages = [f"{e['path'] or 'body'} {e['message']}" for e in fields]
    else:
        messages = [error.detail or error.title]
    return {"errors": {"body": messages}, "ignored": "not in the schema"}


@pytest.fixture
def realworld() -> Api:
    return build_api(
        problem_formatter=realworld_errors,
        problem_schema=GenericError,
        problem_content_type="application/json",
    )


def test_a_formatter_replaces_the_body_of_every_error(realworld: Api) -> None:
    client = realworld.test_client()
    for status in (400, 404, 405, 406, 413, 415, 422, 500):
        method, url, kwargs = STATUSES[status]
        resp = client.open(url, method=method, headers={"Accept": "application/yaml"}, **kwargs)
        assert resp.status_code == status
        assert resp.headers["Content-Type"] == "application/json"  # fixed, not negotiated
        assert "Vary" not in resp.headers
        body = resp.json
        assert set(body) == {"errors"}  # dumped with the schema: "ignored" is gone
        assert body["errors"]["body"]
    resp = client.put("/pets/1", json={"name": ""})
    assert resp.json == {"errors": {"body": ["name Shorter than minimum length 1."]}}
    resp = client.delete("/pets/1")
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"  # headers stay


def test_the_formatters_schema_documents_the_errors(realworld: Api) -> None:
    from openapi_spec_validator import validate

    for version in ("3.0.3", "3.1.0"):
        spec = realworld.openapi(version)
        validate(spec)
        schemas = spec["components"]["schemas"]
        assert "Problem" not in schemas and "FieldError" not in schemas
        assert set(schemas["GenericErrorModel"]["properties"]) == {"errors"}
        ref = {"$ref": "#/components/schemas/GenericErrorModel"}
        for component in spec["components"]["responses"].values():
            assert component["content"] == {"application/json": {"schema": ref}}


def test_a_formatter_with_negotiated_bodies() -> None:
    api = build_api(problem_formatter=lambda req, error: {"message": error.detail})
    client = api.test_client()
    as_json = client.get("/nowhere")
    # Not RFC 9457 any more, so not application/problem+json.
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.json == {"message": "No resource at '/nowhere'."}
    as_yaml = client.get("/nowhere", headers={"Accept": "application/yaml"})
    assert as_yaml.headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(as_yaml.data) == {"message": "No resource at '/nowhere'."}
    assert as_yaml.headers["Vary"] == "Accept"


def test_a_json_schema_for_the_formatters_body() -> None:
    schema = {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    }
    api = build_api(
        problem_formatter=lambda req, error: {"message": error.detail}, problem_schema=schema
    )
    spec = api.openapi()
    assert spec["components"]["schemas"]["Error"] == schema
    content = spec["components"]["responses"]["NotFound"]["content"]
    ref = {"$ref": "#/components/schemas/Error"}
    assert content == {
        "application/json": {"schema": ref},
        "application/yaml": {"schema": ref},
        "text/html": {"schema": {"type": "string"}},  # the HTML error page
    }
    assert spec["paths"]["/pets/{pet_id}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NotFound"
    }


def test_the_formatter_can_be_set_later_and_changes_the_spec() -> None:
    api = build_api()
    assert "Problem" in api.openapi()["components"]["schemas"]
    api.problem_formatter = realworld_errors
    api.problem_schema = GenericError
    assert "GenericErrorModel" in api.openapi()["components"]["schemas"]
    assert api.test_client().get("/nowhere").json == {
        "errors": {"body": ["No resource at '/nowhere'."]}
    }


def test_a_failing_formatter_falls_back_to_rfc_9457(caplog: pytest.LogCaptureFixture) -> None:
    def broken(req: Request, error: HTTPError) -> Any:
        raise KeyError("oops")

    api = build_api(problem_formatter=broken)
    with caplog.at_level(logging.ERROR, logger="heron"):
        resp = api.test_client().get("/nowhere")
    assert resp.status_code == 404
    VALIDATOR.validate(resp.json)
    assert "problem_formatter failed" in caplog.text
    debug = build_api(problem_formatter=broken, debug=True)
    with pytest.raises(KeyError):
        debug.test_client().get("/nowhere")


def test_a_handler_failing_to_render_a_problem_falls_back_to_json(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from heron.media import MediaHandler

    class Broken(MediaHandler):
        media_type = "text/csv"
        format = "csv"
        can_parse = False

        def serialize(self, data: Any) -> bytes:
            raise ValueError("cannot")

    api = build_api()
    api.add_media_handler(Broken())
    with caplog.at_level(logging.ERROR, logger="heron"):
        resp = api.test_client().get("/nowhere", headers={"Accept": "text/csv"})
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    VALIDATOR.validate(resp.json)
    assert "Broken could not render a 404 problem" in caplog.text
    api.debug = True
    with pytest.raises(ValueError, match="cannot"):
        api.test_client().get("/nowhere", headers={"Accept": "text/csv"})
