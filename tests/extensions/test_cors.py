"""CORS (Fetch §3.2): preflights allowed and refused, actual responses, credentials, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
from werkzeug.wrappers import Request as WZRequest
from werkzeug.wrappers import Response as WZResponse

from heron import CORS, Api, APIKey, Blueprint, Resource, abort, arguments, requires
from tests.extensions.test_security import serve

APP = "https://app.example"
EVIL = "https://evil.example"


def preflight(
    client: Any, path: str, origin: str = APP, method: str = "POST", headers: str | None = None
) -> Any:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request_headers)


def cors_headers(resp: Any) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


class Body(ma.Schema):
    name = ma.fields.Str(required=True)


def build(cors: CORS, *, register: bool = True) -> Api:
    api = Api("CORS")
    key = APIKey(lambda req, k: k if k == "k" else None, header="X-API-Key")

    @api.route("/pets")
    class Pets(Resource):
        def get(self, req: Any) -> Any:
            return [{"name": "Rex"}], {"X-Total-Count": "1", "Link": '</pets>; rel="first"'}

        @arguments(Body)
        def post(self, req: Any, body: Any) -> Any:
            return body, 201

    @api.route("/private")
    class Private(Resource):
        @requires(key)
        def delete(self, req: Any) -> Any:
            return None

    @api.route("/boom")
    class Boom(Resource):
        def get(self, req: Any) -> Any:
            raise RuntimeError("boom")

    @api.route("/gone")
    class Gone(Resource):
        def get(self, req: Any) -> Any:
            abort(410, "Gone for good.")

    @api.before_request
    def refuse_unauthenticated_options(req: Any) -> None:
        # A hook that would break preflights if it ran before CORS.
        if req.method == "OPTIONS" and "X-Block" in req.headers:
            abort(400, "blocked")

    if register:
        api.register_extension(cors)
    return api


@pytest.fixture
def client() -> Any:
    policy = CORS(origins=[APP], credentials=True, max_age=timedelta(minutes=10))
    return build(policy).test_client()


# -- preflight -------------------------------------------------------------------------


def test_preflight_allowed(client: Any) -> None:
    resp = preflight(client, "/pets", headers="Content-Type, X-Trace-Id", method="POST")
    assert resp.status_code == 204
    assert resp.data == b""
    assert "Content-Type" not in resp.headers
    assert cors_headers(resp) == {
        "Access-Control-Allow-Origin": APP,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS, POST",
        "Access-Control-Allow-Headers": "content-type, x-trace-id",
        "Access-Control-Max-Age": "600",
    }
    assert resp.headers["Vary"] == (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )


def test_preflight_comes_before_hooks_and_security(client: Any) -> None:
    resp = client.options(
        "/private",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-api-key",
            "X-Block": "1",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Methods"] == "DELETE, OPTIONS"
    assert resp.headers["Access-Control-Allow-Headers"] == "x-api-key"


@pytest.mark.parametrize(
    ("origin", "method", "detail"),
    [
        (EVIL, "POST", "Cross-origin requests from https://evil.example are not allowed."),
        (
            APP,
            "DELETE",
            "Cross-origin DELETE requests to '/pets' are not allowed;"
            " allowed: GET, HEAD, OPTIONS, POST.",
        ),
        ("null", "POST", "Cross-origin requests from null are not allowed."),
    ],
)
def test_preflight_refused(client: Any, origin: str, method: str, detail: str) -> None:
    resp = preflight(client, "/pets", origin=origin, method=method)
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.json["detail"] == detail
    assert cors_headers(resp) == {}
    assert "Origin" in resp.headers["Vary"]


def test_preflight_refuses_headers_not_listed() -> None:
    client = build(CORS(origins=[APP], headers=["X-API-Key"])).test_client()
    ok = preflight(client, "/pets", headers="x-api-key,content-type")  # content-type: always
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Headers"] == "x-api-key, content-type"
    refused = preflight(client, "/pets", headers="x-api-key, x-secret")
    assert refused.status_code == 403
    assert refused.json["detail"] == "Cross-origin requests may not send x-secret."
    assert cors_headers(refused) == {}


def test_configured_methods() -> None:
    client = build(CORS(origins="*", methods=["get", "post"])).test_client()
    resp = preflight(client, "/pets", origin=EVIL)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert "Access-Control-Max-Age" not in resp.headers
    assert preflight(client, "/pets", method="PUT").status_code == 403


def test_preflight_to_unknown_path_is_404(client: Any) -> None:
    resp = preflight(client, "/nowhere")
    assert resp.status_code == 404
    assert cors_headers(resp) == {}


def test_plain_options_is_not_a_preflight(client: Any) -> None:
    resp = client.options("/pets", headers={"Origin": APP})
    assert resp.status_code == 204
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert resp.headers["Access-Control-Allow-Origin"] == APP


# -- actual requests -------------------------------------------------------------------


def test_simple_request_from_allowed_origin(client: Any) -> None:
    resp = client.get("/pets", headers={"Origin": APP})
    assert resp.status_code == 200
    assert cors_headers(resp) == {
        "Access-Control-Allow-Origin": APP,
        "Access-Control-Allow-Credentials": "true",
        # "*" is not a wildcard with credentials: the response's own names are listed.
        "Access-Control-Expose-Headers": "link, vary, x-total-count",
    }
    assert "Origin" in resp.headers["Vary"]


def test_other_origins_get_no_cors_headers_but_vary(client: Any) -> None:
    for headers in ({"Origin": EVIL}, {}):
        resp = client.get("/pets", headers=headers)
        assert resp.status_code == 200  # CORS does not refuse; the browser hides it
        assert cors_headers(resp) == {}
        assert resp.headers["Vary"] == "Accept, Origin"


def test_any_origin_without_credentials() -> None:
    client = build(CORS()).test_client()
    resp = client.get("/pets", headers={"Origin": EVIL})
    assert cors_headers(resp) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "*",
    }
    assert "Origin" not in resp.headers["Vary"]  # the same answer for every origin
    same_origin = client.get("/pets")
    assert cors_headers(same_origin) == {"Access-Control-Allow-Origin": "*"}


def test_listed_expose_headers() -> None:
    client = build(
        CORS(origins=[APP], expose_headers=["X-Total-Count", "Content-Type"])
    ).test_client()
    resp = client.get("/pets", headers={"Origin": APP})
    assert resp.headers["Access-Control-Expose-Headers"] == "x-total-count"  # safelisted dropped
    assert "Access-Control-Allow-Credentials" not in resp.headers
    safelisted_only = build(CORS(origins=[APP], expose_headers=["Content-Type"])).test_client()
    assert (
        "Access-Control-Expose-Headers"
        not in safelisted_only.get("/pets", headers={"Origin": APP}).headers
    )


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/gone", "GET", 410),
        ("/nowhere", "GET", 404),
        ("/pets", "DELETE", 405),
        ("/private", "DELETE", 401),
        ("/boom", "GET", 500),
    ],
)
def test_error_responses_carry_cors_headers(
    client: Any, path: str, method: str, status: int
) -> None:
    resp = client.open(path, method=method, headers={"Origin": APP})
    assert resp.status_code == status
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in resp.headers["Vary"]


def test_validation_error_carries_cors_headers(client: Any) -> None:
    resp = client.post("/pets", json={}, headers={"Origin": APP})
    assert resp.status_code == 422
    assert resp.headers["Access-Control-Allow-Origin"] == APP


# -- origin policies -----------------------------------------------------------------


def test_regex_and_callable_origins() -> None:
    pattern = build(CORS(origins=re.compile(r"https://[a-z]+\.example"))).test_client()
    assert preflight(pattern, "/pets", origin="https://shop.example").status_code == 204
    assert preflight(pattern, "/pets", origin="https://shop.example.evil").status_code == 403
    calls: list[str] = []

    def allowed(origin: str) -> bool:
        calls.append(origin)
        return origin.endswith(":8443")

    func = build(CORS(origins=allowed, credentials=True)).test_client()
    resp = func.get("/pets", headers={"Origin": "https://a.example:8443"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://a.example:8443"
    assert calls == ["https://a.example:8443"]


def test_null_origin_only_when_listed() -> None:
    client = build(CORS(origins=["null", "HTTPS://App.Example"])).test_client()
    for origin in ("null", APP):
        resp = client.get("/pets", headers={"Origin": origin})
        assert resp.headers["Access-Control-Allow-Origin"] == origin


def test_blueprint_policy_replaces_the_applications() -> None:
    api = build(CORS(origins=[APP]), register=False)
    admin = Blueprint("admin", url_prefix="/admin")

    @admin.route("/users")
    class Users(Resource):
        def get(self, req: Any) -> Any:
            return []

    CORS(origins=["https://admin.example"], credentials=True).init_app(admin)
    api.register_blueprint(admin)
    api.register_extension(CORS(origins=[APP]))
    client = api.test_client()
    resp = client.get("/admin/users", headers={"Origin": "https://admin.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert cors_headers(client.get("/admin/users", headers={"Origin": APP})) == {}
    assert preflight(client, "/admin/users", method="GET").status_code == 403
    ok = preflight(client, "/admin/users", origin="https://admin.example", method="GET")
    assert ok.status_code == 204
    # The application's policy still answers its own routes.
    own = client.get("/pets", headers={"Origin": APP})
    assert own.headers["Access-Control-Allow-Origin"] == APP


# -- configuration errors ----------------------------------------------------------------


def test_wildcard_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="every site read responses with the user's cookies"):
        CORS(origins="*", credentials=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origins": ["https://app.example/"]}, "must be scheme://host"),
        ({"origins": "app.example"}, "must be scheme://host"),
        ({"origins": ["*"]}, "must be scheme://host"),
        ({"methods": ["GET", "*"]}, "is not a method"),
        ({"headers": ["X Bad"]}, "is not a header name"),
        ({"expose_headers": ["*", "X-A"]}, "is not a header name"),
        ({"max_age": -1}, "0 or more"),
    ],
)
def test_bad_configuration(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CORS(**kwargs)


# -- in a real browser ---------------------------------------------------------------

PAGE = b"<!DOCTYPE html><title>Client</title><p>A page on another origin.</p>"


@WZRequest.application
def site(request: WZRequest) -> WZResponse:
    return WZResponse(PAGE, content_type="text/html")


FETCH = """
const [url, key] = arguments;
window.result = null;
fetch(url, {
  method: "POST",
  credentials: "include",
  headers: {"Content-Type": "application/json", "X-API-Key": key},
  body: JSON.stringify({name: "Rex"}),
}).then(async r => {
  window.result = {status: r.status, body: await r.json(), total: r.headers.get("X-Total-Count")};
}).catch(e => { window.result = {error: String(e)}; });
"""


@pytest.mark.live
@pytest.mark.external
def test_cross_origin_fetch_in_chromium(tmp_path: Path) -> None:
    """A page on one origin POSTs JSON to the API on another: preflight, then the request."""
    from tests.docs.test_browsable_browser import browser

    received: list[Any] = []
    with serve(site) as page_origin, serve(site) as other_origin:
        api = Api("Browser CORS")

        @api.route("/pets")
        class Pets(Resource):
            def post(self, req: Any) -> Any:
                received.append(req.get_json())
                return req.get_json(), 201, {"X-Total-Count": "7"}

        api.register_extension(CORS(origins=[page_origin], credentials=True, max_age=0))
        with serve(api) as api_origin, browser(tmp_path) as b:
            b.get(page_origin + "/")
            b.run(FETCH, f"{api_origin}/pets", "k")
            result = b.wait_for(lambda: b.run("return window.result;"))
            assert result == {"status": 201, "body": {"name": "Rex"}, "total": "7"}
            assert received == [{"name": "Rex"}]

            b.get(other_origin + "/")
            b.run(FETCH, f"{api_origin}/pets", "k")
            result = b.wait_for(lambda: b.run("return window.result;"))
            assert result == {"error": "TypeError: Failed to fetch"}
            assert received == [{"name": "Rex"}]  # the preflight was refused: no POST
