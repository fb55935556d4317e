"""The dispatcher's fast paths agree with Werkzeug's own objects (issue 6).

Heron matches routes without binding Werkzeug's ``MapAdapter`` to each
request, builds its request lazily, reads content and the query string
directly, remembers negotiation outcomes and sends most responses without
Werkzeug's ``Response``. Each test holds one of those to its reference: the
same request answered by Werkzeug's objects.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from typing import Any

import marshmallow as ma
import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, RequestRedirect, ValidationError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from conftest import ROOT
from heron import Api, Blueprint, NotAcceptable, Request, Resource, arguments, response
from heron.core.arguments import query_pairs
from heron.core.response import Response as HeronResponse
from heron.core.routing import MatchKind
from heron.http.negotiation import MEMO_SIZE, select_renderer
from heron.media import MediaHandler
from heron.media.content import read_content

# -- routing: the compiled table answers as Werkzeug's adapter does ---------------------------


class EvenConverter(BaseConverter):
    """Takes digits, refuses odd numbers (a converter that says no)."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValidationError()
        return number


class Thing(Resource):
    def get(self, req: Request, **values: Any) -> Any:
        return {"values": {k: str(v) for k, v in values.items()}}


class Writable(Resource):
    def post(self, req: Request, **values: Any) -> Any:
        return None


RULES = [
    "/",
    "/hello",
    "/items",
    "/items/<int:item_id>",
    "/items/new",
    "/items/<int:item_id>/tags/<tag>",
    "/dir/",
    "/dir/<name>/",
    "/files/<name>.<ext>",
    "/files/<path:rest>/edit",
    "/docs/<path:page>",
    "/floats/<float:x>",
    "/signed/<int(signed=True):n>",
    "/bounded/<int(min=10, max=20):n>",
    "/fixed/<int(fixed_digits=3):n>",
    "/kinds/<any(cat, dog):kind>",
    "/uuids/<uuid:key>",
    "/even/<even:n>",
    "/café/<name>",
    "/a/<x>/c",
    "/a/b/<y>",
    "/both/<a>-<b>",
    "/long/<int:a>/<int:b>/<int:c>",
    "/naïve",
    "/wiki/<path:page>/",
    "/s/b/c",
    "/s/<x>/d",
]
PATHS = [
    "/",
    "/hello",
    "/hello/",
    "/items",
    "/items/",
    "/items/42",
    "/items/042",
    "/items/-1",
    "/items/new",
    "/items/" + "9" * 5000,
    "/items/42/tags/blue",
    "/items/42/tags/",
    "/items/42/tags/blue/",
    "/dir",
    "/dir/",
    "/dir/x",
    "/dir/x/",
    "/files/report.pdf",
    "/files/a/b/edit",
    "/files/edit",
    "/docs/a/b/c.html",
    "/docs/",
    "/floats/1.5",
    "/floats/1",
    "/signed/-5",
    "/signed/5",
    "/bounded/15",
    "/bounded/25",
    "/fixed/007",
    "/fixed/7",
    "/kinds/cat",
    "/kinds/cow",
    f"/uuids/{uuid.UUID(int=7)}",
    "/uuids/not-a-uuid",
    "/even/4",
    "/even/5",
    "/café/x",
    "/caf\u00c3\u00a9/x",  # what a server puts in PATH_INFO for UTF-8 "/café/x" (PEP 3333)
    "/a/b/c",
    "/a/z/c",
    "/a/b/q",
    "/both/x-y",
    "/long/1/2/3",
    "/long/1/2",
    "//hello",
    "/hello//",
    "hello",
    "",
    "/nope",
    "//nope",
    "/items/42/nope",
    "/na\u00c3\u00afve",  # "/naïve" in UTF-8, as PEP 3333 carries it
    "/wiki/a/b/",
    "/wiki/a/b",
    "/s/b/c",
    "/s/b/d",
]


@pytest.fixture(scope="module")
def routed() -> Api:
    api = Api(converters={"even": EvenConverter}, spec_path=None)
    for i, rule in enumerate(RULES):
        resource = Writable() if rule == "/items/new" else Thing()
        api.add_resource(resource, rule, endpoint=f"r{i}", include_in_schema=False)
    return api


def werkzeug_answer(api: Api, environ: dict[str, Any], method: str) -> tuple[Any, ...]:
    """Match with a ``MapAdapter`` bound to the request: Werkzeug's own answer."""
    adapter = api.router.map.bind_to_environ(environ)
    try:
        endpoint, values = adapter.match(method=method)
    except RequestRedirect as redirect:
        return ("redirect", redirect.new_url)
    except HTTPException as exc:
        return ("error", exc.code)
    except ValueError:  # Werkzeug before 3.1.9: int() refused a path value of 5000 digits
        return ("error", 404)  # what 3.1.9 answers: no rule matches
    route = next(r for r in api.router if r.endpoint == endpoint)
    kind = "full" if method in route.operations else "partial"
    return (kind, endpoint, dict(values))


def heron_answer(api: Api, environ: dict[str, Any], method: str) -> tuple[Any, ...]:
    match = api.router.match(environ, method)
    if match.kind is MatchKind.REDIRECT:
        return ("redirect", match.location)
    if match.kind is MatchKind.NONE:
        return ("error", 404)
    assert match.route is not None
    return (match.kind.value, match.route.endpoint, dict(match.values))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_router_answers_as_werkzeug_does(routed: Api, path: str, method: str) -> None:
    environ = EnvironBuilder(method=method).get_environ()
    environ["PATH_INFO"] = path
    environ["SCRIPT_NAME"] = "/mounted"
    environ["QUERY_STRING"] = "q=1"
    assert heron_answer(routed, environ, method) == werkzeug_answer(routed, environ, method)


def test_websocket_handshakes_are_matched_by_werkzeug(routed: Api) -> None:
    environ = EnvironBuilder(
        path="/hello", headers={"Connection": "Upgrade", "Upgrade": "websocket"}
    ).get_environ()
    # Werkzeug refuses an HTTP rule to a WebSocket handshake (400), and so does Heron.
    assert werkzeug_answer(routed, environ, "GET") == ("error", 400)
    client = routed.test_client()
    resp = client.get("/hello", headers={"Connection": "Upgrade", "Upgrade": "websocket"})
    assert resp.status_code == 400


def test_a_route_added_later_is_matched(routed: Api) -> None:
    api = Api(spec_path=None)
    api.add_resource(Thing(), "/first", endpoint="first", include_in_schema=False)
    client = api.test_client()
    assert client.get("/first").status_code == 200
    assert client.get("/second").status_code == 404
    api.add_resource(Thing(), "/second/<int:n>", endpoint="second", include_in_schema=False)
    assert client.get("/second/3").json == {"values": {"n": "3"}}


def test_static_matches_are_shared_but_path_params_are_not() -> None:
    api = Api(spec_path=None)
    seen: list[dict[str, Any]] = []

    @api.route("/spoil")
    class Spoil(Resource):
        def get(self, req: Request) -> Any:
            req.path_params["spoiled"] = True  # a handler may write to its own dict
            seen.append(dict(req.path_params))
            return {}

    client = api.test_client()
    client.get("/spoil")
    client.get("/spoil")
    assert seen == [{"spoiled": True}, {"spoiled": True}]
    environ = EnvironBuilder(path="/spoil").get_environ()
    assert api.router.match(environ, "GET").values == {}


# -- responses: a lean Response sends what Werkzeug's Response would --------------------------


class ItemSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    tags = ma.fields.List(ma.fields.String())


class QuerySchema(ma.Schema):
    limit = ma.fields.Integer(load_default=10)
    tag = ma.fields.List(ma.fields.String())


def responding_api() -> Api:
    api = Api("Fast", "1.0.0")
    bp = Blueprint("bp", url_prefix="/bp")

    @api.route("/items")
    class Items(Resource):
        @arguments(QuerySchema, location="query")
        @response(200, ItemSchema, many=True)
        def get(self, req: Request, query: dict[str, Any]) -> Any:
            tags = query.get("tag", [])
            return [{"id": i, "name": f"item {i}", "tags": tags} for i in range(query["limit"])]

        @arguments(ItemSchema)
        @response(201, ItemSchema)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            return {**body, "id": 7}

    @api.route("/items/<int:item_id>")
    class Item(Resource):
        @response(200, ItemSchema)
        def get(self, req: Request, item_id: int) -> Any:
            return {"id": item_id, "name": "é ünïcode", "tags": []}

        def delete(self, req: Request, item_id: int) -> None:
            return None

        def put(self, req: Request, item_id: int) -> Any:
            return {"accepted": item_id}, 202

    @api.route("/headers")
    class Headers(Resource):
        def get(self, req: Request) -> Any:
            return {"x": 1}, {"X-Extra": "yes"}

    @api.route("/raw")
    class Raw(Resource):
        negotiate = False

        def get(self, req: Request) -> Any:
            return {"raw": True}

    @bp.route("/thing")
    class BpThing(Resource):
        def get(self, req: Request) -> Any:
            return {"bp": True}

    api.register_blueprint(bp)
    return api


REQUESTS: list[dict[str, Any]] = [
    {"path": "/items"},
    {"path": "/items", "query_string": "limit=2&tag=a&tag=b"},
    {"path": "/items", "query_string": "limit=x"},
    {"path": "/items", "query_string": "format=yaml&limit=1"},
    {"path": "/items", "query_string": "format=nope"},
    {"path": "/items", "query_string": "format="},
    {"path": "/items", "query_string": "%66ormat=yaml"},
    {"path": "/items", "query_string": "limit=1", "headers": {"Accept": " "}},
    {"path": "/items", "headers": {"Accept": "application/yaml"}},
    {"path": "/items", "headers": {"Accept": "text/html"}},
    {"path": "/items", "headers": {"Accept": "image/png"}},
    {"path": "/items", "method": "HEAD"},
    {"path": "/items", "method": "OPTIONS"},
    {"path": "/items", "method": "PATCH"},
    {"path": "/items", "method": "POST", "json": {"name": "new", "tags": ["x"]}},
    {"path": "/items", "method": "POST", "json": {"name": ""}},
    {"path": "/items", "method": "POST", "data": "{", "content_type": "application/json"},
    {"path": "/items", "method": "POST", "data": "a=1", "content_type": "text/plain"},
    {"path": "/items", "method": "POST"},
    {"path": "/items/3"},
    {"path": "/items/3", "method": "DELETE"},
    {"path": "/items/3", "method": "PUT"},
    {"path": "/items/x"},
    {"path": "/items/"},
    {"path": "/headers"},
    {"path": "/raw"},
    {"path": "/bp/thing"},
    {"path": "/nope", "headers": {"Accept": "application/yaml"}},
    {"path": "*", "method": "OPTIONS"},
]


def call(api: Api, spec: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    builder = EnvironBuilder(**spec)
    environ = builder.get_environ()
    if spec["path"] == "*":
        environ["PATH_INFO"] = "*"
    started: list[Any] = []
    body = b"".join(
        api(environ, lambda status, headers, exc=None: started.extend([status, headers]))
    )
    return started[0], list(started[1]), body


@pytest.mark.parametrize("spec", REQUESTS, ids=lambda s: f"{s.get('method', 'GET')} {s['path']}")
def test_plain_responses_equal_werkzeug_responses(spec: dict[str, Any]) -> None:
    plain = responding_api()
    werkzeug = responding_api()
    werkzeug.after_request(lambda req, resp: None)  # a hook sees Response objects
    assert call(plain, spec) == call(werkzeug, spec)


def test_responses_are_plain_without_hooks_and_werkzeugs_with_them() -> None:
    api = responding_api()
    environ = EnvironBuilder(path="/items/3").get_environ()
    assert api.handle(api.request_class(environ, api)).is_lean
    seen: list[Any] = []
    api.after_request(lambda req, resp: seen.append(type(resp).__name__))
    assert api.test_client().get("/items/3").status_code == 200
    assert api.test_client().get("/nope").status_code == 404
    assert seen == ["Response", "Response"]


def test_a_blueprint_hook_gets_a_response_only_for_its_routes() -> None:
    api = Api(spec_path=None)
    bp = Blueprint("bp", url_prefix="/bp")
    seen: list[str] = []

    @bp.route("/in")
    class In(Resource):
        def get(self, req: Request) -> Any:
            return {}

    @api.route("/out")
    class Out(Resource):
        def get(self, req: Request) -> Any:
            return {}

    bp.after_request(lambda req, resp: seen.append(req.path) or resp)
    api.register_blueprint(bp)
    client = api.test_client()
    assert client.get("/in").status_code == 404
    assert client.get("/bp/in").status_code == 200
    assert client.get("/out").status_code == 200
    assert seen == ["/bp/in"]


def test_a_lean_response_becomes_a_werkzeug_response() -> None:
    environ = EnvironBuilder(path="/").get_environ()
    lean = HeronResponse.lean(201, [("Content-Type", "application/json"), ("X-A", "1")], b"{}")
    assert lean.is_lean
    assert lean.status == "201 CREATED"  # Werkzeug's state, made when first read
    lean.headers["X-B"] = "2"
    assert not lean.is_lean
    status, fields, body = lean.wsgi_parts(environ)
    assert status == "201 CREATED"
    assert fields == [
        ("Content-Type", "application/json"),
        ("X-A", "1"),
        ("X-B", "2"),
        ("Content-Length", "2"),
    ]
    assert b"".join(body) == b"{}"
    empty = HeronResponse.lean(204, [("Allow", "GET")])
    assert empty.headers.to_wsgi_list() == [("Allow", "GET")]
    assert empty.wsgi_parts(environ)[1] == [("Allow", "GET")]
    assert lean.status_code == 201


@pytest.mark.parametrize("code", [299, 599, 1000])
def test_status_lines_and_phrases(code: int) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    from heron.core.response import status_line
    from heron.http.errors import status_phrase

    assert status_line(code) == WerkzeugResponse(status=code).status
    assert (
        status_phrase(code)
        == status_phrase(code)
        == {
            299: "Success",
            599: "Server Error",
            1000: "Server Error",
        }[code]
    )


def test_unsafe_error_headers_go_through_werkzeug() -> None:
    api = Api(spec_path=None)

    @api.route("/odd")
    class Odd(Resource):
        def get(self, req: Request) -> Any:
            from heron import abort

            abort(409, "No.", headers={"Vary": "Origin", "X-Count": "1"})

    resp = api.test_client().get("/odd")
    assert resp.status_code == 409
    assert resp.headers["Vary"] == "Origin, Accept"  # merged, as Werkzeug's vary.add does
    assert resp.headers["X-Count"] == "1"


def test_a_handler_returning_a_circular_structure_is_a_server_error() -> None:
    api = Api(spec_path=None)

    @api.route("/loop")
    class Loop(Resource):
        def get(self, req: Request) -> Any:
            data: dict[str, Any] = {}
            data["self"] = data
            return data

    resp = api.test_client().get("/loop")
    assert resp.status_code == 500
    assert resp.json["title"] == "Internal Server Error"


# -- the request: lazy, and the same as Werkzeug's ---------------------------------------------


ENVIRONS = [
    {"path": "/a/b", "query_string": "x=1&y=2", "headers": {"X-Thing": "t"}},
    {"path": "/café", "base_url": "https://example.org:8443/root/"},
    {
        "path": "/",
        "method": "post",
        "data": b"12345",
        "content_type": "text/plain; charset=latin-1",
    },
    {"path": "//double", "environ_overrides": {"REMOTE_ADDR": "10.0.0.1"}},
    {"path": "/x", "environ_overrides": {"SERVER_PORT": "not-a-port"}},
    {"path": "/x", "headers": {"Content-Length": " 12"}},
    {"path": "/x", "headers": {"Content-Length": "-3"}},
    {"path": "/x", "headers": {"Content-Length": "5", "Transfer-Encoding": "chunked"}},
]
ATTRIBUTES = [
    "method",
    "scheme",
    "server",
    "root_path",
    "path",
    "query_string",
    "remote_addr",
    "content_length",
    "content_type",
    "url",
    "base_url",
    "host",
    "host_url",
    "script_root",
    "full_path",
    "mimetype",
    "is_secure",
]


@pytest.mark.parametrize("spec", ENVIRONS, ids=lambda s: s["path"])
def test_request_attributes_are_werkzeugs(spec: dict[str, Any]) -> None:
    api = Api(spec_path=None)
    environ = EnvironBuilder(**spec).get_environ()
    heron_req = Request(dict(environ), api)
    reference = WerkzeugRequest(dict(environ))
    for name in ATTRIBUTES:
        assert getattr(heron_req, name) == getattr(reference, name), name
    assert dict(heron_req.headers) == dict(reference.headers)
    assert heron_req.args == reference.args
    heron_req.path = "/changed"  # assignable, like Werkzeug's attributes
    assert heron_req.path == "/changed"


def test_request_without_a_server_name() -> None:
    environ = EnvironBuilder().get_environ()
    del environ["SERVER_NAME"]
    assert Request(environ, Api(spec_path=None)).server is None
    assert isinstance(Request.path, object)  # the descriptor itself, on the class


def test_request_state_is_per_request() -> None:
    api = Api(spec_path=None)
    one = Request(EnvironBuilder().get_environ(), api)
    two = Request(EnvironBuilder().get_environ(), api)
    one.state.x = 1
    one.principals["a"] = 1
    assert not hasattr(two.state, "x")
    assert two.principals == {}
    assert "url_adapter" not in two.__dict__  # bound only to build a URL


# -- content: read directly, with Werkzeug's answers -------------------------------------------


def echo_api(max_content_length: int | None = None) -> Api:
    api = Api(spec_path=None, max_content_length=max_content_length)

    class Note(ma.Schema):
        text = ma.fields.String(required=True)

    @api.route("/notes")
    class Notes(Resource):
        @arguments(Note)
        def post(self, req: Request, body: dict[str, Any]) -> Any:
            return {
                "body": body,
                "data": req.get_data(as_text=True),
                "stream": req.stream.read().decode(),
            }

    return api


def post(api: Api, body: bytes, **environ: Any) -> tuple[int, Any]:
    env = EnvironBuilder(
        path="/notes", method="POST", data=body, content_type="application/json"
    ).get_environ()
    env.update(environ)
    started: list[Any] = []
    out = b"".join(api(env, lambda status, headers, exc=None: started.append(status)))
    return int(started[0].split()[0]), json.loads(out)


def test_content_is_read_once_and_kept() -> None:
    status, data = post(echo_api(), b'{"text": "hi"}')
    assert status == 200
    assert data == {"body": {"text": "hi"}, "data": '{"text": "hi"}', "stream": ""}


def test_json_with_a_byte_order_mark_and_a_charset_is_a_bad_request() -> None:
    api = echo_api()
    resp = api.test_client().post(
        "/notes",
        data='\ufeff{"text": "x"}'.encode(),
        content_type="application/json; charset=utf-8",
    )
    assert resp.status_code == 400
    assert "BOM" in resp.json["detail"]


def test_content_shorter_than_its_length_is_a_bad_request() -> None:
    body = b'{"text": "hi"}'
    status, data = post(echo_api(), body, CONTENT_LENGTH=str(len(body) + 10))
    assert status == 400
    assert data["title"] == "Bad Request"


class Trickle(io.RawIOBase):
    """A stream handing out a few bytes per read, as a socket may."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk, self.data = self.data[:3], self.data[3:]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_content_arriving_in_pieces_is_read_whole() -> None:
    body = b'{"text": "in pieces"}'
    status, data = post(echo_api(), body, **{"wsgi.input": Trickle(body)})
    assert status == 200
    assert data["body"] == {"text": "in pieces"}


def test_a_terminated_stream_is_read_to_its_end() -> None:
    body = b'{"text": "chunked"}'
    status, data = post(
        echo_api(),
        body,
        **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)},
    )
    assert status == 200
    assert data["body"] == {"text": "chunked"}


def test_content_over_the_limit_is_still_refused() -> None:
    status, data = post(echo_api(max_content_length=8), b'{"text": "far too long"}')
    assert status == 413
    assert data["detail"] == "The request content is larger than 8 bytes."


class Broken(io.RawIOBase):
    """A stream whose connection fails while the content is read."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise OSError("connection reset")


def test_a_connection_failing_while_content_is_read_is_a_bad_request() -> None:
    status, data = post(echo_api(), b'{"text": "x"}', **{"wsgi.input": Broken()})
    assert status == 400


def test_read_content_reads_once() -> None:
    api = Api(spec_path=None)
    req = Request(EnvironBuilder(method="POST", data=b"abc").get_environ(), api)
    assert read_content(req) == b"abc"
    assert read_content(req) == b"abc"
    assert req.stream.readable() and req.stream.read() == b""


def test_read_content_defers_to_werkzeug_once_the_stream_was_used() -> None:
    api = Api(spec_path=None)
    environ = EnvironBuilder(method="POST", data=b"abc").get_environ()
    req = Request(environ, api)
    assert req.stream.read(1) == b"a"
    assert read_content(req) == b"bc"
    assert req.get_data() == b"bc"


# -- the query string: parsed as req.args is ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "a=1&b=2&a=3",
        "a",
        "a=",
        "&&a=1&",
        "a=b=c",
        "q=a+b",
        "x=%41%zz",
        "k=%E2%82%AC",
        "k=%ff",
        "caf\u00c3\u00a9=1",  # UTF-8 bytes of "café" as PEP 3333 carries them
    ],
)
def test_query_pairs_are_req_args(query: str) -> None:
    api = Api(spec_path=None)
    environ = EnvironBuilder(path="/").get_environ()
    environ["QUERY_STRING"] = query
    pairs = query_pairs(Request(dict(environ), api))
    assert MultiDict(pairs) == WerkzeugRequest(dict(environ)).args


def test_query_arguments_take_repeated_values_and_leave_format_out() -> None:
    api = responding_api()
    client = api.test_client()
    resp = client.get("/items?limit=1&tag=a&tag=b%20c&limit=5")
    assert resp.json == [{"id": 0, "name": "item 0", "tags": ["a", "b c"]}]
    resp = client.get("/items?limit=1&format=json")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"


# -- negotiation is remembered per header -------------------------------------------------------


def test_negotiation_outcomes_are_remembered_and_bounded() -> None:
    from heron.media import JSONHandler, YAMLHandler

    handlers = (JSONHandler(), YAMLHandler())
    memo = Api().negotiation  # each application has its own
    for i in range(MEMO_SIZE + 10):
        assert select_renderer(f"application/yaml;v={i}", handlers, memo)[0] is handlers[1]
    assert 0 < len(memo.renderers) <= MEMO_SIZE
    assert Api().negotiation.renderers == {}
    errors = []
    for _ in range(2):
        with pytest.raises(NotAcceptable) as caught:
            select_renderer("image/png", handlers, memo)
        errors.append(caught.value)
    assert errors[0] is not errors[1]
    assert str(errors[0]) == str(errors[1])


# -- import heron loads what serving needs, not the optional parts -----------------------------


def test_import_heron_leaves_optional_libraries_unloaded() -> None:
    probe = (
        "import sys, heron\n"
        "heavy = ['yaml', 'jinja2', 'apispec', 'itsdangerous', 'jsonpatch', 'limits', 'click']\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "heron.Api().test_client()\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.splitlines() == ["[]", "[]"]


# -- the edges of the fast paths ---------------------------------------------------------------


class BoomConverter(BaseConverter):
    """A converter failing with a plain ValueError: a bug, not a refusal."""

    def to_python(self, value: str) -> str:
        if value == "bad":
            raise ValueError("converter bug")
        return value


def test_converter_failures_are_werkzeugs() -> None:
    api = Api(converters={"boom": BoomConverter}, spec_path=None)
    api.add_resource(Thing(), "/boom/<boom:x>/<int:n>", endpoint="boom", include_in_schema=False)
    client = api.test_client()
    assert client.get("/boom/ok/1").json == {"values": {"x": "ok", "n": "1"}}
    assert client.get("/boom/ok/" + "9" * 5000).status_code == 404  # int() refuses it
    assert client.get("/boom/bad/1").status_code == 500  # raised by Werkzeug's matcher too
    environ = EnvironBuilder(path="/boom/bad/1").get_environ()
    with pytest.raises(ValueError, match="converter bug"):
        api.router.map.bind_to_environ(environ).match()
    match = api.router.match(EnvironBuilder(path="/boom/ok/2").get_environ(), "GET")
    assert repr(match) == "RouteMatch(FULL, 'boom', {'x': 'ok', 'n': 2})"


class TextHandler(MediaHandler):
    """A serializer returning text, which Werkzeug's Response encodes as UTF-8."""

    media_type = "text/plain"
    format = "text"
    can_parse = False

    def render(self, data: Any, req: Request, status: int) -> bytes:
        return f"{data} é".encode()

    def render_problem(self, problem: Any, req: Request, status: int) -> tuple[bytes, str]:
        return f"{problem['title']} é", "text/plain; charset=utf-8"  # type: ignore[return-value]


class StrHandler(TextHandler):
    media_type = "text/x-str"
    format = "str"

    def render(self, data: Any, req: Request, status: int) -> bytes:
        return f"{data} é"  # type: ignore[return-value]


def text_api(hook: bool) -> Api:
    api = Api(spec_path=None)
    api.add_media_handler(TextHandler())
    api.add_media_handler(StrHandler())

    @api.route("/t")
    class T(Resource):
        def get(self, req: Request) -> Any:
            return "data"

        def put(self, req: Request) -> Any:
            return None, 204, [("X-Listed", "1")]  # headers as a list: Werkzeug builds them

    if hook:
        api.after_request(lambda req, resp: None)
    return api


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "/t", "headers": {"Accept": "text/plain"}},
        {"path": "/t", "headers": {"Accept": "text/x-str"}},
        {"path": "/nope", "headers": {"Accept": "text/plain"}},
        {"path": "/t", "method": "PUT"},
    ],
    ids=["bytes", "str", "problem-str", "list-headers"],
)
def test_text_bodies_and_listed_headers_match_werkzeug(spec: dict[str, Any]) -> None:
    assert call(text_api(False), spec) == call(text_api(True), spec)


class HookingHandler(TextHandler):
    """Registers an after_request hook while rendering: after the response was built."""

    def render(self, data: Any, req: Request, status: int) -> bytes:
        req.api.after_request(lambda req, resp: req.state.__setattr__("seen", type(resp)))
        return b"hooked"


def test_a_hook_registered_after_the_response_was_built_gets_a_werkzeug_response() -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    api = Api(spec_path=None)
    api.add_media_handler(HookingHandler(), first=True)
    seen: list[Any] = []
    api.teardown_request(lambda req, exc: seen.append(req.state.seen))

    @api.route("/h")
    class H(Resource):
        def get(self, req: Request) -> Any:
            return {}

    resp = api.test_client().get("/h")
    assert resp.data == b"hooked"
    assert resp.headers["Content-Length"] == "6"
    assert issubclass(seen[0], WerkzeugResponse)


def test_a_hook_registered_during_a_request_gets_a_response() -> None:
    api = Api(spec_path=None)
    seen: list[str] = []

    @api.route("/late")
    class Late(Resource):
        def get(self, req: Request) -> Any:
            if not seen:
                api.after_request(lambda req, resp: seen.append(type(resp).__name__))
            return {}

    assert api.test_client().get("/late").status_code == 200
    assert seen == ["Response"]


def test_problem_renderers_follow_media_handler_changes() -> None:
    api = Api(spec_path=None)
    client = api.test_client()
    for _ in range(20):
        api.add_media_handler(TextHandler(), first=True)
        assert client.get("/nope").headers["Content-Type"] == "application/problem+json"
        api.remove_media_handler("text/plain")
    resp = client.get("/nope", headers={"Accept": "text/plain"})
    assert resp.headers["Content-Type"] == "application/problem+json"  # no text handler now


def test_lazy_names_of_the_package() -> None:
    import heron
    import heron.docs.openapi

    assert heron.Sessions.__name__ == "Sessions"
    assert "CORS" in dir(heron) and "Sessions" in dir(heron)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        heron.nothing  # noqa: B018
    assert heron.docs.openapi.build_spec.__name__ == "build_spec"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        heron.docs.openapi.nothing  # noqa: B018
