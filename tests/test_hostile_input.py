"""Hostile input found by issue 11's campaigns: each a 4xx problem, never a 500.

Each test is named after the issue's numbered item it pins down.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from heron import Api, Request, Resource, arguments, response

PROBLEM = "application/problem+json"


class Note(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    text = ma.fields.Raw(required=True)


def _api() -> Api:
    api = Api("Hostile", "1.0.0")

    @api.route("/notes")
    class Notes(Resource):
        @arguments(Note)
        @response(201, Note)
        def post(self, req: Request, body: Any) -> Any:
            return {"id": 1, **body}

    return api


def _post(data: bytes) -> Any:
    return (
        _api().test_client().post("/notes", data=data, headers={"Content-Type": "application/json"})
    )


def _assert_400(resp: Any, words: str) -> None:
    assert resp.status_code == 400, resp.data[:300]
    assert resp.mimetype == PROBLEM
    assert words in resp.json["detail"]


def test_item_01_json_integers_over_4300_digits_are_400() -> None:
    resp = _post(b'{"text": 1' + b"0" * 5000 + b"}")
    _assert_400(resp, "an integer has more than 4300 digits")


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "\\ud800"}',  # a high surrogate alone
        b'{"text": "\\udc00x"}',  # a low surrogate alone
        b'{"text": "a\\ud83d"}',  # a pair cut short
        b'{"\\ud800": 1, "text": "x"}',  # in a key
        b'{"text": ["ok", {"deep": "\\uDBFF"}]}',  # nested, upper-case hex
    ],
)
def test_item_02_lone_surrogate_escapes_are_400(body: bytes) -> None:
    _assert_400(_post(body), "lone UTF-16 surrogate")


def test_item_02_cesu_8_surrogate_bytes_are_400() -> None:
    _assert_400(_post(b'{"text": "\xed\xa0\x80"}'), "could not be decoded as UTF-8")


def test_item_02_surrogate_pairs_are_characters() -> None:
    resp = _post(b'{"text": "\\ud83d\\ude00 \\\\ud800"}')  # a pair, then an escaped backslash
    assert resp.status_code == 201
    assert resp.json["text"] == "\U0001f600 \\ud800"


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"1" + b"0" * 400 + b".0"])
def test_item_05_numbers_overflowing_a_double_are_400(number: bytes) -> None:
    _assert_400(_post(b'{"text": ' + number + b"}"), "too large for a double-precision number")


def test_item_05_large_finite_numbers_are_kept() -> None:
    resp = _post(b'{"text": 1.7e308}')
    assert resp.status_code == 201
    assert resp.json["text"] == 1.7e308


def test_item_04_a_crafted_unsigned_cursor_nested_2000_deep_is_422() -> None:
    import base64

    from heron import Page, paginate

    api = Api("Cursors", "1.0.0")

    @api.route("/items")
    class Items(Resource):
        @paginate("cursor")
        def get(self, req: Request, page: Page) -> Any:
            return []

    crafted = base64.urlsafe_b64encode(b"[" * 2000).rstrip(b"=").decode()
    resp = api.test_client().get(f"/items?cursor={crafted}")
    assert resp.status_code == 422
    assert resp.mimetype == PROBLEM
    assert resp.json["errors"] == [
        {"location": "query", "path": "cursor", "message": "Invalid cursor."}
    ]


def _query_api() -> Api:
    class Query(ma.Schema):
        q = ma.fields.String()

    api = Api("Query", "1.0.0")

    @api.route("/search")
    class Search(Resource):
        @arguments(Query, location="query")
        def get(self, req: Request, query: Any) -> Any:
            return query

    return api


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/search", "q=\xff\xfe"),  # the argument itself
        ("/search", "format=\xe9t\xe9"),  # the representation asked for
        ("/nope", "format=\xff"),  # on a 404
        ("/search", "q=1&format=x\xff"),
    ],
)
def test_item_06_a_query_string_that_is_not_utf8_is_400(path: str, query: str) -> None:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path=path).get_environ()
    environ["QUERY_STRING"] = query  # PEP 3333: the bytes, as latin-1
    body, status, headers = run_wsgi_app(_query_api(), environ)
    assert status in ("400 BAD REQUEST", "404 NOT FOUND")
    assert headers["Content-Type"] == PROBLEM
    if status.startswith("400"):
        assert b"The query string is not UTF-8" in b"".join(body)


def test_item_06_percent_encoded_bytes_that_are_not_utf8_stay_encoded() -> None:
    resp = _query_api().test_client().get("/search?q=%ff")
    assert resp.status_code == 200
    assert resp.json == {"q": "%FF"}


@pytest.mark.parametrize(
    "requested", ["X-Ok, X-Bad\x01Name", "X-A\x7f", "X-Line\u00e9", "X-(parens)"]
)
def test_item_07_a_preflight_with_a_malformed_header_name_is_400(requested: str) -> None:
    from heron import CORS

    api = _query_api()
    api.register_extension(CORS())
    resp = api.test_client().options(
        "/search",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": requested,
        },
    )
    assert resp.status_code == 400
    assert resp.mimetype == PROBLEM
    assert "Access-Control-Request-Headers" in resp.json["detail"]
    assert "Access-Control-Allow-Headers" not in resp.headers


def test_item_07_a_preflight_with_a_malformed_method_is_400() -> None:
    from heron import CORS

    api = _query_api()
    api.register_extension(CORS())
    resp = api.test_client().options(
        "/search",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET\x00"},
    )
    assert resp.status_code == 400


def test_item_03_a_json_patch_value_nested_500_deep_is_400() -> None:
    from heron import patch_body

    class Doc(ma.Schema):
        id = ma.fields.Integer(dump_only=True)
        data = ma.fields.Raw()

    api = Api("Patches", "1.0.0")

    @api.route("/docs/<int:doc_id>")
    class DocResource(Resource):
        @response(200, Doc)
        def get(self, req: Request, doc_id: int) -> Any:
            return {"id": doc_id, "data": None}

        @patch_body(Doc)
        @response(200, Doc)
        def patch(self, req: Request, doc_id: int, body: Any) -> Any:
            return body

    value = "[" * 500 + "1" + "]" * 500
    resp = api.test_client().patch(
        "/docs/1",
        data=f'[{{"op": "add", "path": "/data", "value": {value}}}]',
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert resp.status_code == 400
    assert resp.mimetype == PROBLEM
    assert "nested too deeply" in resp.json["detail"]
    assert len(resp.data) < 2000  # no traceback


def _upload_api() -> Api:
    import io

    from heron.core.fields import Upload
    from heron.features.files import send_file

    class Form(ma.Schema):
        photo = Upload(required=True)

    api = Api("Uploads", "1.0.0")
    stored: dict[str, bytes] = {}

    @api.route("/photos")
    class Photos(Resource):
        @arguments(Form, location="form")
        def post(self, req: Request, form: Any) -> Any:
            stored["name"] = form["photo"].filename
            return {"name": form["photo"].filename}, 201

    @api.route("/download")
    class Download(Resource):
        def get(self, req: Request) -> Any:
            name = req.args.get("name", "photo.png")
            return send_file(req, io.BytesIO(b"png"), mimetype="image/png", download_name=name)

    return api


@pytest.mark.parametrize(
    "disposition",
    [
        "filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.png",  # an encoded CR/LF (RFC 8187)
        "filename*=UTF-8''a%0Ab.png",
        "filename*=UTF-8''nul%00.png",
        'filename="' + "x" * 300 + '.png"',
    ],
)
def test_item_08_an_upload_named_with_a_line_break_or_too_long_is_422(disposition: str) -> None:
    body = (
        "--b\r\n"
        f'Content-Disposition: form-data; name="photo"; {disposition}\r\n'
        "Content-Type: image/png\r\n\r\npng\r\n--b--\r\n"
    ).encode()
    resp = (
        _upload_api()
        .test_client()
        .post("/photos", data=body, content_type="multipart/form-data; boundary=b")
    )
    assert resp.status_code == 422, resp.data
    assert resp.mimetype == PROBLEM
    (error,) = resp.json["errors"]
    assert error["location"] == "form" and error["path"] == "photo"
    assert "file name" in error["message"]


def test_item_08_send_file_never_sends_a_line_break_in_content_disposition() -> None:
    resp = _upload_api().test_client().get("/download?name=a%0D%0ASet-Cookie:%20x=1.png")
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert "\n" not in resp.headers["Content-Disposition"]
    assert "a__Set-Cookie" in resp.headers["Content-Disposition"]


def test_item_11_validation_errors_are_capped() -> None:
    """100,000 unknown keys (1.5 MB) once gave an 8.4 MB 422: now a hundred are listed."""
    import json

    body = json.dumps({"text": "x", **{f"k{i}": 1 for i in range(100_000)}}).encode()
    resp = _post(body)
    assert resp.status_code == 422
    assert resp.mimetype == PROBLEM
    assert len(resp.json["errors"]) == 100
    assert resp.json["detail"].startswith(
        "The request has 100000 invalid fields (the first 100 listed in errors): json k"
    )
    assert len(resp.data) < 20_000


def test_item_15_an_api_key_in_the_query_is_not_an_unknown_field() -> None:
    from heron import APIKey

    class Query(ma.Schema):
        q = ma.fields.String()

    key = APIKey(query="api_key", verify=lambda req, value: "ann" if value == "k1" else None)
    api = Api("Keys", "1.0.0", security=[key])

    @api.route("/search")
    class Search(Resource):
        @arguments(Query, location="query")
        def get(self, req: Request, query: Any) -> Any:
            return {"q": query.get("q"), "who": req.principal}

    client = api.test_client()
    assert client.get("/search?q=x&api_key=k1").json == {"q": "x", "who": "ann"}
    assert client.get("/search?q=x&api_key=nope").status_code == 401
    unknown = client.get("/search?q=x&api_key=k1&other=1")
    assert unknown.status_code == 422  # other unknown parameters are still refused
    assert [e["path"] for e in unknown.json["errors"]] == ["other"]


def _limited_api(count_refused: bool) -> Api:
    from heron import APIKey
    from heron.extensions.ratelimit import RateLimiter

    key = APIKey(header="X-Key", verify=lambda req, value: "ann" if value == "good" else None)
    api = Api("Limited", "1.0.0", security=[key])

    @api.route("/secret")
    class Secret(Resource):
        def get(self, req: Request) -> Any:
            return {"who": req.principal}

    api.register_extension(RateLimiter("3/minute", count_refused=count_refused))
    return api


def test_item_13_refused_credentials_use_the_quota() -> None:
    client = _limited_api(count_refused=True).test_client()
    statuses = [client.get("/secret", headers={"X-Key": "guess"}).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]  # brute force stops at the quota
    assert client.get("/secret", headers={"X-Key": "good"}).status_code == 429


def test_item_13_counting_only_authenticated_requests_is_a_choice() -> None:
    client = _limited_api(count_refused=False).test_client()
    statuses = [client.get("/secret", headers={"X-Key": "guess"}).status_code for _ in range(5)]
    assert statuses == [401] * 5
    good = [client.get("/secret", headers={"X-Key": "good"}).status_code for _ in range(4)]
    assert good == [200, 200, 200, 429]


def _hosted_api(**options: Any) -> Api:
    from heron import Page, paginate

    api = Api("Hosted", "1.0.0", **options)

    @api.route("/items/")
    class Items(Resource):
        @paginate(default_size=1)
        def get(self, req: Request, page: Page) -> Any:
            return page.slice([1, 2, 3])

    return api


def test_item_12_an_untrusted_host_is_400_before_any_url_is_built() -> None:
    api = _hosted_api(trusted_hosts=["api.example.com", ".example.org"])
    client = api.test_client()
    ok = client.get("/items/", headers={"Host": "api.example.com"})
    assert ok.status_code == 200
    assert "<http://api.example.com/items/?offset=1&limit=1>" in ok.headers["Link"]
    assert client.get("/items/", headers={"Host": "eu.example.org"}).status_code == 200
    for evil in ("evil.example", "api.example.com.evil.example", "example.org.evil"):
        refused = client.get("/items/", headers={"Host": evil})
        assert refused.status_code == 400
        assert refused.mimetype == PROBLEM
        assert "is not one this API serves" in refused.json["detail"]
        assert evil not in refused.headers.get("Link", "")
    redirect = client.get("/items", headers={"Host": "evil.example"})  # would be a 308 to it
    assert redirect.status_code == 400
    assert "Location" not in redirect.headers


def test_item_12_behind_a_reverse_proxy_the_forwarded_host_is_checked() -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.test import Client

    api = _hosted_api(trusted_hosts=["api.example.com"])
    app = ProxyFix(api, x_for=1, x_proto=1, x_host=1)  # one proxy in front: nginx
    client = Client(app)
    forwarded = {
        "Host": "127.0.0.1:8000",
        "X-Forwarded-Host": "api.example.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }
    ok = client.get("/items/", headers=forwarded)
    assert ok.status_code == 200
    assert "<https://api.example.com/items/?offset=1&limit=1>" in ok.headers["Link"]
    spoofed = client.get("/items/", headers={**forwarded, "X-Forwarded-Host": "evil.example"})
    assert spoofed.status_code == 400


def test_item_12_without_trusted_hosts_every_host_is_served() -> None:
    resp = _hosted_api().test_client().get("/items/", headers={"Host": "anything.example"})
    assert resp.status_code == 200


@pytest.mark.parametrize("limit", [None, 1_000_000])
def test_item_10_content_shorter_than_its_length_is_never_taken_whole(limit: int | None) -> None:
    """A PUT cut off by a dropped connection must not store the part that arrived."""
    import io

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    api = _api()
    api.max_content_length = limit
    stored: list[Any] = []

    @api.route("/notes/<int:note_id>")
    class NoteResource(Resource):
        @arguments(Note)
        def put(self, req: Request, note_id: int, body: Any) -> Any:
            stored.append(body)
            return body

    cut = b'{"text": "x"}'  # what arrived parses: the rest was whitespace, or anything
    whole = cut + b" " * 20
    environ = EnvironBuilder(path="/notes/1", method="PUT").get_environ()
    environ.update(
        {
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(whole)),
            "wsgi.input": io.BytesIO(cut),
            "wsgi.input_terminated": True,  # as gunicorn sets it
        }
    )
    body, status, headers = run_wsgi_app(api, environ)
    assert status == "400 BAD REQUEST", b"".join(body)
    assert headers["Content-Type"] == PROBLEM
    assert stored == []


def test_a_refused_preflight_echoes_no_more_than_a_hundred_characters() -> None:
    from heron import CORS

    api = _query_api()
    api.register_extension(CORS(origins=["https://app.example"]))
    resp = api.test_client().options(
        "/search",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "G" * 100_000},
    )
    assert resp.status_code == 403
    assert resp.mimetype == PROBLEM
    assert len(resp.data) < 2_000
