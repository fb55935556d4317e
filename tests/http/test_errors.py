"""Errors as RFC 9457 problem details, from Heron, handlers and Werkzeug."""

from __future__ import annotations

import logging
from typing import Any

import jsonschema
import marshmallow as ma
import pytest
import werkzeug.exceptions as wz
from werkzeug.datastructures import WWWAuthenticate

from heron import (
    Api,
    BadRequest,
    Conflict,
    Forbidden,
    HeronError,
    HTTPError,
    MethodNotAllowed,
    NotFound,
    Request,
    Resource,
    Response,
    Unauthorized,
    UnprocessableContent,
    abort,
    arguments,
)
from heron.http.errors import ContentTooLarge, TooManyRequests, error_for_status, status_phrase

#: RFC 9457 §3: a problem details object, its members' types and extension members.
PROBLEM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["location", "path", "message"],
                "properties": {
                    "location": {"enum": ["json", "form", "query", "path", "headers", "cookies"]},
                    "path": {"type": "string"},
                    "message": {"type": "string"},
                    "pointer": {"type": "string", "pattern": "^#(/.*)?$"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": True,  # extension members (§3.2)
}
VALIDATOR = jsonschema.Draft202012Validator(
    PROBLEM_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def assert_problem(resp: Any, status: int) -> dict[str, Any]:
    """Check ``resp`` is an RFC 9457 problem with ``status`` and return its body."""
    assert resp.status_code == status
    assert resp.content_type == "application/problem+json"
    body: dict[str, Any] = resp.json
    VALIDATOR.validate(body)
    assert body["status"] == status  # §3.1.2: the same as the response's
    return body


class NoteSchema(ma.Schema):
    text = ma.fields.Str(required=True)


class Conflicted(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class Denied(PermissionError):
    pass


def _abort_with_instance() -> None:
    abort(404, "Pet 1 left.", pet_id=1, instance="/pets/1/departures/9")


def _raise(error: HTTPError) -> Any:
    def raiser() -> None:
        raise error

    return raiser


#: What ``GET /pets/<id>`` raises, by id.
PET_ERRORS: dict[int, Any] = {
    0: _raise(NotFound("No pet with id 0.")),
    1: _abort_with_instance,
    2: _raise(
        Conflict(
            "Version mismatch.",
            type="https://example.com/problems/version-conflict",
            title="Version conflict",
            current_version=7,
        )
    ),
    3: _raise(HTTPError("Short and stout.", status=418)),
    4: _raise(Unauthorized("Log in.", headers={"WWW-Authenticate": 'Bearer realm="pets"'})),
    5: _raise(MethodNotAllowed(["GET", "PUT"], "Read only today.")),
    6: _raise(TooManyRequests(headers={"Retry-After": "30"})),
}


@pytest.fixture
def api() -> Api:
    api = Api()

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        def get(self, req: Request, pet_id: int) -> Any:
            if pet_id in PET_ERRORS:
                PET_ERRORS[pet_id]()
            return {"id": pet_id}

        @arguments(NoteSchema)
        def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
            return body

    @api.route("/crash")
    class Crash(Resource):
        def get(self, req: Request) -> Any:
            raise RuntimeError("database password is hunter2")

    @api.route("/conflict/<int:version>")
    class Versioned(Resource):
        def get(self, req: Request, version: int) -> Any:
            raise Conflicted(version)

    @api.route("/denied")
    class DeniedResource(Resource):
        def get(self, req: Request) -> Any:
            raise Denied("no")

        def post(self, req: Request) -> Any:
            raise PermissionError("no")

    return api


# -- the HTTPError classes -------------------------------------------------------------


def test_http_error_is_a_problem() -> None:
    err = NotFound("No pet with id 3.")
    assert isinstance(err, HTTPError) and isinstance(err, HeronError)
    assert isinstance(err, LookupError)
    assert isinstance(BadRequest(), ValueError)
    assert err.code == 404
    assert err.to_problem() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No pet with id 3.",
    }
    assert str(err) == "No pet with id 3."
    assert repr(err) == "NotFound(404, 'No pet with id 3.')"
    assert err.args == ("No pet with id 3.",)
    assert str(NotFound()) == "Not Found"  # no detail: the title
    assert str(HTTPError(status=418)) == "I'm a Teapot"


def test_problem_members_and_extensions() -> None:
    err = HTTPError(
        "Your balance is 30, the item costs 50.",
        status=403,
        title="Not enough credit",
        type="https://example.com/probs/out-of-credit",
        instance="/account/12345/msgs/abc",
        headers={"X-Balance": "30"},
        balance=30,
        accounts=["/account/12345", "/account/67890"],
    )
    assert err.to_problem() == {
        "type": "https://example.com/probs/out-of-credit",
        "title": "Not enough credit",
        "status": 403,
        "detail": "Your balance is 30, the item costs 50.",
        "instance": "/account/12345/msgs/abc",
        "balance": 30,
        "accounts": ["/account/12345", "/account/67890"],
    }
    assert err.headers == {"X-Balance": "30"}
    VALIDATOR.validate(err.to_problem())


@pytest.mark.parametrize("status", [0, 200, 204, 302, 399, 600, 1000])
def test_invalid_status_is_rejected(status: int) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        HTTPError(status=status)
    with pytest.raises(ValueError):
        abort(status)


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Bad Request"),
        (404, "Not Found"),
        (413, "Content Too Large"),  # RFC 9110 names, on every Python version
        (414, "URI Too Long"),
        (416, "Range Not Satisfiable"),
        (422, "Unprocessable Content"),
        (418, "I'm a Teapot"),
        (499, "Client Error"),
        (500, "Internal Server Error"),
        (599, "Server Error"),
    ],
)
def test_title_is_the_status_phrase(status: int, title: str) -> None:
    assert HTTPError(status=status).title == title
    assert status_phrase(status) == title


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (413, ContentTooLarge),
        (422, UnprocessableContent),
        (418, HTTPError),
    ],
)
def test_abort_raises_the_class_for_the_status(status: int, cls: type[HTTPError]) -> None:
    with pytest.raises(cls) as info:
        abort(status, "why", reason="because")
    assert type(info.value) is cls
    assert info.value.code == status
    assert info.value.to_problem()["reason"] == "because"
    assert type(error_for_status(status)) is cls


def test_method_not_allowed_carries_allow() -> None:
    err = MethodNotAllowed(["GET", "HEAD"], headers={"X-Extra": "1"})
    assert err.headers == {"Allow": "GET, HEAD", "X-Extra": "1"}
    assert err.code == 405


# -- through the application -----------------------------------------------------------


def test_raised_http_error(api: Api) -> None:
    body = assert_problem(api.test_client().get("/pets/0"), 404)
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No pet with id 0.",
        "instance": "/pets/0",
    }


def test_abort_with_extension_and_instance(api: Api) -> None:
    body = assert_problem(api.test_client().get("/pets/1"), 404)
    assert body["pet_id"] == 1
    assert body["instance"] == "/pets/1/departures/9"


def test_problem_type_and_title(api: Api) -> None:
    body = assert_problem(api.test_client().get("/pets/2"), 409)
    assert body["type"] == "https://example.com/problems/version-conflict"
    assert body["title"] == "Version conflict"
    assert body["current_version"] == 7


def test_any_status(api: Api) -> None:
    assert assert_problem(api.test_client().get("/pets/3"), 418)["title"] == "I'm a Teapot"


def test_custom_headers_pass_through(api: Api) -> None:
    client = api.test_client()
    assert client.get("/pets/4").headers["WWW-Authenticate"] == 'Bearer realm="pets"'
    assert_problem(client.get("/pets/4"), 401)
    resp = client.get("/pets/5")
    assert_problem(resp, 405)
    assert resp.headers["Allow"] == "GET, PUT"
    resp = client.get("/pets/6")
    assert_problem(resp, 429)
    assert resp.headers["Retry-After"] == "30"


def test_every_framework_error_is_a_valid_problem(api: Api) -> None:
    client = api.test_client()
    assert_problem(client.get("/nowhere"), 404)
    assert_problem(client.post("/pets/9"), 405)
    assert_problem(client.get("/pets/9", headers={"Accept": "text/plain"}), 406)
    assert_problem(client.put("/pets/9", data="x", content_type="text/plain"), 415)
    assert_problem(client.put("/pets/9", data="{", content_type="application/json"), 400)
    body = assert_problem(client.put("/pets/9", json={"text": 1, "x": 2}), 422)
    assert len(body["errors"]) == 2
    assert_problem(client.get("/crash"), 500)


def test_unexpected_exception_is_500_without_details(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="heron"):
        resp = api.test_client().get("/crash")
    body = assert_problem(resp, 500)
    assert body["title"] == "Internal Server Error"
    text = resp.text
    for leak in ("hunter2", "RuntimeError", "Traceback", "crash.py", 'File "'):
        assert leak not in text
    # The details go to the log instead.
    (record,) = caplog.records
    assert record.name == "heron"
    assert "GET /crash" in record.getMessage()
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


def test_debug_lets_exceptions_propagate(api: Api) -> None:
    api.debug = True
    with pytest.raises(RuntimeError, match="hunter2"):
        api.test_client().get("/crash")
    # HTTP errors are still answered as problems.
    assert_problem(api.test_client().get("/pets/0"), 404)


def test_debug_constructor_argument() -> None:
    api = Api(debug=True)

    @api.route("/boom")
    class Boom(Resource):
        def get(self, req: Request) -> Any:
            raise KeyError("boom")

    with pytest.raises(KeyError):
        api.test_client().get("/boom")


# -- error handlers --------------------------------------------------------------------


def test_error_handler_returning_a_response(api: Api) -> None:
    @api.error_handler(Conflicted)
    def conflicted(req: Request, exc: Conflicted) -> Response:
        return Response(
            f'{{"version": {exc.version}}}', status=409, headers={"ETag": f'"{exc.version}"'}
        )

    resp = api.test_client().get("/conflict/4")
    assert resp.status_code == 409
    assert resp.content_type == "application/json"
    assert resp.json == {"version": 4}
    assert resp.headers["ETag"] == '"4"'


def test_error_handler_returning_an_http_error(api: Api) -> None:
    @api.error_handler(Conflicted)
    def conflicted(req: Request, exc: Conflicted) -> HTTPError:
        return Conflict(f"Version {exc.version} is stale.", current=exc.version + 1)

    body = assert_problem(api.test_client().get("/conflict/4"), 409)
    assert body["detail"] == "Version 4 is stale."
    assert body["current"] == 5
    assert body["instance"] == "/conflict/4"


def test_error_handler_raising_an_http_error(api: Api) -> None:
    @api.error_handler(PermissionError)
    def denied(req: Request, exc: PermissionError) -> None:
        raise Forbidden("You may not.")

    body = assert_problem(api.test_client().get("/denied"), 403)
    assert body["detail"] == "You may not."


def test_error_handler_failing_is_a_500(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    @api.error_handler(PermissionError)
    def broken(req: Request, exc: PermissionError) -> None:
        raise ZeroDivisionError("oops")

    with caplog.at_level(logging.ERROR, logger="heron"):
        body = assert_problem(api.test_client().get("/denied"), 500)
    assert "oops" not in str(body)


def test_error_handler_for_a_base_class_catches_subclasses(api: Api) -> None:
    seen: list[type[Exception]] = []

    @api.error_handler(PermissionError)
    def permission(req: Request, exc: PermissionError) -> HTTPError:
        seen.append(type(exc))
        return Forbidden("From the base handler.")

    client = api.test_client()
    assert assert_problem(client.get("/denied"), 403)["detail"] == "From the base handler."
    assert assert_problem(client.post("/denied"), 403)["detail"] == "From the base handler."
    assert seen == [Denied, PermissionError]

    @api.error_handler(Denied)
    def denied(req: Request, exc: Denied) -> HTTPError:
        return Forbidden("From the specific handler.")

    assert assert_problem(client.get("/denied"), 403)["detail"] == "From the specific handler."
    assert assert_problem(client.post("/denied"), 403)["detail"] == "From the base handler."


def test_error_handler_for_heron_errors(api: Api) -> None:
    @api.error_handler(NotFound)
    def not_found(req: Request, exc: NotFound) -> HTTPError:
        return NotFound(f"Nothing here: {req.path}", hint="try /pets/9")

    client = api.test_client()
    assert assert_problem(client.get("/nowhere"), 404)["hint"] == "try /pets/9"
    assert assert_problem(client.get("/pets/0"), 404)["detail"] == "Nothing here: /pets/0"


# -- Werkzeug's exceptions -------------------------------------------------------------


@pytest.fixture
def wz_api() -> Api:
    api = Api()

    @api.route("/wz/<name>")
    class Raiser(Resource):
        def get(self, req: Request, name: str) -> Any:
            if name == "too-large":
                raise wz.RequestEntityTooLarge()
            if name == "not-found":
                raise wz.NotFound()
            if name == "method":
                raise wz.MethodNotAllowed(valid_methods=["GET", "POST"])
            if name == "unauthorized":
                raise wz.Unauthorized(www_authenticate=WWWAuthenticate("bearer"))
            if name == "slow-down":
                raise wz.TooManyRequests(retry_after=30)
            if name == "teapot":
                raise wz.ImATeapot("I am.")
            if name == "response":
                wz.abort(Response("custom", status=402, content_type="text/plain"))
            if name == "redirect":
                from werkzeug.routing import RequestRedirect

                raise RequestRedirect("http://localhost/elsewhere")
            return {}

    return api


@pytest.mark.parametrize(
    ("name", "status", "title"),
    [
        ("too-large", 413, "Content Too Large"),
        ("not-found", 404, "Not Found"),
        ("method", 405, "Method Not Allowed"),
        ("unauthorized", 401, "Unauthorized"),
        ("slow-down", 429, "Too Many Requests"),
        ("teapot", 418, "I'm a Teapot"),
    ],
)
def test_werkzeug_http_exceptions_become_problems(
    wz_api: Api, name: str, status: int, title: str
) -> None:
    resp = wz_api.test_client().get(f"/wz/{name}")
    body = assert_problem(resp, status)
    assert body["title"] == title
    assert body["detail"]  # Werkzeug's description
    assert "<" not in body["detail"]  # not Werkzeug's HTML page


def test_werkzeug_exception_headers_are_kept(wz_api: Api) -> None:
    client = wz_api.test_client()
    assert client.get("/wz/method").headers["Allow"] == "GET, POST"
    # Exactly the challenge Werkzeug writes ("Bearer"; "Bearer " before Werkzeug 3.1.7).
    challenge = str(WWWAuthenticate("bearer"))
    assert challenge.strip() == "Bearer"
    assert client.get("/wz/unauthorized").headers["WWW-Authenticate"] == challenge
    assert client.get("/wz/slow-down").headers["Retry-After"] == "30"


def test_werkzeug_abort_with_a_response_sends_it(wz_api: Api) -> None:
    resp = wz_api.test_client().get("/wz/response")
    assert resp.status_code == 402
    assert resp.text == "custom"


def test_werkzeug_redirect_is_sent(wz_api: Api) -> None:
    resp = wz_api.test_client().get("/wz/redirect")
    assert resp.status_code == 308
    assert resp.headers["Location"] == "http://localhost/elsewhere"


def test_content_over_the_request_limit_is_413() -> None:
    class SmallRequest(Request):
        max_content_length = 64

    class SmallApi(Api):
        request_class = SmallRequest

    api = SmallApi()

    @api.route("/notes")
    class Notes(Resource):
        @arguments(NoteSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            return body

    client = api.test_client()
    assert client.post("/notes", json={"text": "short"}).status_code == 200
    body = assert_problem(client.post("/notes", json={"text": "x" * 100}), 413)
    assert body["title"] == "Content Too Large"
