"""Security schemes: 401 challenges per scheme, 403 scopes, principals, the spec, Swagger UI."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server

from heron import (
    Api,
    APIKey,
    Blueprint,
    HTTPBasic,
    HTTPBearer,
    OAuth2,
    OpenIDConnect,
    Resource,
    abort,
    requires,
)
from heron.extensions.security import Requirement

VERSIONS = ("3.0.3", "3.1.0")
TOKENS: dict[str, dict[str, Any]] = {
    "reader": {"sub": "ann", "scope": "pets:read"},
    "writer": {"sub": "bob", "scope": "pets:read pets:write"},
}
USERS = {"ann": "s3cret", "zoë": "pässword"}


def check_token(req: Any, token: str) -> Any:
    return TOKENS.get(token)


def check_password(req: Any, username: str, password: str) -> Any:
    if USERS.get(username) == password:
        return {"user": username, "roles": ["admin"] if username == "ann" else []}
    return None


def check_key(req: Any, key: str) -> Any:
    return {"client": "ci"} if key == "k-123" else None


bearer = HTTPBearer(check_token, bearer_format="opaque")
basic = HTTPBasic(check_password, scopes_of=lambda p: p["roles"], realm='The "staff" area')
header_key = APIKey(check_key, header="X-API-Key")
query_key = APIKey(check_key, name="queryKey", query="api_key")
cookie_key = APIKey(check_key, name="cookieKey", cookie="api_key")
oauth = OAuth2(
    check_token,
    flows={
        "authorizationCode": {
            "authorizationUrl": "https://auth.example/authorize",
            "tokenUrl": "https://auth.example/token",
            "scopes": {"pets:read": "Read pets", "pets:write": "Change pets"},
        }
    },
)
oidc = OpenIDConnect(check_token, url="https://auth.example/.well-known/openid-configuration")


def basic_auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def build() -> Api:
    api = Api("Zoo", "1.0", security=[bearer, header_key])

    @api.route("/whoami")
    class WhoAmI(Resource):
        def get(self, req: Any) -> Any:
            """Who is calling (the application's requirement)."""
            return {"principal": req.principal, "schemes": sorted(req.principals)}

    @api.route("/health")
    class Health(Resource):
        security: list[Any] = []  # public resource

        def get(self, req: Any) -> Any:
            return {"ok": True, "principal": req.principal}

    @api.route("/pets")
    class Pets(Resource):
        @requires()
        def get(self, req: Any) -> Any:
            """Public operation."""
            return {"principal": req.principal}

        @requires(oauth, scopes=["pets:write"])
        def post(self, req: Any) -> Any:
            return {"principal": req.principal}

    @api.route("/feed")
    class Feed(Resource):
        @requires(bearer)
        @requires()
        def get(self, req: Any) -> Any:
            """Authentication optional."""
            return {"principal": req.principal}

    @api.route("/both")
    class Both(Resource):
        @requires(bearer, header_key)
        def get(self, req: Any) -> Any:
            return {"principals": req.principals}

    @api.route("/keys")
    class Keys(Resource):
        @requires(query_key)
        @requires(cookie_key)
        def get(self, req: Any) -> Any:
            return {"principal": req.principal, "schemes": sorted(req.principals)}

    @api.route("/oidc")
    class Oidc(Resource):
        @requires(oidc, scopes=["pets:read"])
        def get(self, req: Any) -> Any:
            return {"principal": req.principal}

    @api.route("/teapot")
    class Teapot(Resource):
        def get(self, req: Any) -> Any:
            abort(418, "I'm a teapot.")

    staff = Blueprint("staff", url_prefix="/staff", security=[{basic: ["admin"]}])

    @staff.route("/panel")
    class Panel(Resource):
        def get(self, req: Any) -> Any:
            return {"principal": req.principal}

    @staff.route("/lobby")
    class Lobby(Resource):
        security = [basic]  # the resource overrides the blueprint: no role needed

        def get(self, req: Any) -> Any:
            return {"principal": req.principal}

    api.register_blueprint(staff)
    return api


@pytest.fixture
def api() -> Api:
    return build()


@pytest.fixture
def client(api: Api) -> Any:
    return api.test_client()


# -- 401 and the challenge of each scheme -------------------------------------


def test_missing_credentials_challenge_every_accepted_scheme(client: Any) -> None:
    resp = client.get("/whoami")
    assert resp.status_code == 401
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.headers["WWW-Authenticate"] == (
        'Bearer realm="Zoo", ApiKey realm="Zoo", in="header", name="X-API-Key"'
    )
    assert resp.json["detail"] == (
        "This operation requires authentication: send a bearer token (Authorization: Bearer),"
        " or an API key in the X-API-Key header."
    )


def test_bearer_token_accepted_and_principal_reaches_handler(client: Any) -> None:
    resp = client.get("/whoami", headers={"Authorization": "Bearer reader"})
    assert resp.status_code == 200
    assert resp.json == {"principal": TOKENS["reader"], "schemes": ["bearerAuth"]}
    # The auth-scheme is case-insensitive (RFC 9110 §11.1).
    assert client.get("/whoami", headers={"Authorization": "bEARER reader"}).status_code == 200


def test_rejected_bearer_token_is_invalid_token(client: Any) -> None:
    resp = client.get("/whoami", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="Zoo", error="invalid_token", ApiKey')
    assert resp.json["detail"] == "bearerAuth rejected the token sent."


@pytest.mark.parametrize(
    "authorization", ["Bearer", "Bearer   ", "Bearer two tokens", "Bearer tök€n", "Bearer =abc"]
)
def test_malformed_bearer_header_is_401_invalid_request(client: Any, authorization: str) -> None:
    resp = client.get("/whoami", headers={"Authorization": authorization})
    assert resp.status_code == 401
    assert 'Bearer realm="Zoo", error="invalid_request"' in resp.headers["WWW-Authenticate"]


def test_api_key_in_header(client: Any) -> None:
    assert client.get("/whoami", headers={"X-API-Key": "k-123"}).json == {
        "principal": {"client": "ci"},
        "schemes": ["apiKey"],
    }
    resp = client.get("/whoami", headers={"X-API-Key": "wrong"})
    assert resp.status_code == 401
    assert resp.json["detail"] == "apiKey rejected the API key sent."
    # An API key challenge has no error parameter: the scheme is not RFC 6750's.
    assert resp.headers["WWW-Authenticate"].endswith(
        'ApiKey realm="Zoo", in="header", name="X-API-Key"'
    )


def test_api_key_in_query_or_cookie(client: Any) -> None:
    resp = client.get("/keys")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == (
        'ApiKey realm="Zoo", in="query", name="api_key",'
        ' ApiKey realm="Zoo", in="cookie", name="api_key"'
    )
    assert client.get("/keys?api_key=k-123").json["schemes"] == ["queryKey"]
    client.set_cookie("api_key", "k-123")
    assert client.get("/keys").json["schemes"] == ["cookieKey"]


def test_basic_challenge_and_utf8_credentials(client: Any) -> None:
    resp = client.get("/staff/lobby")
    assert resp.status_code == 401
    # RFC 7617 §2, §2.1; the realm's quotes are escaped (RFC 9110 §5.6.4).
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="The \\"staff\\" area", charset="UTF-8"'
    ok = client.get("/staff/lobby", headers=basic_auth("zoë", "pässword"))
    assert ok.status_code == 200
    assert ok.json["principal"]["user"] == "zoë"
    wrong = client.get("/staff/lobby", headers=basic_auth("zoë", "guess"))
    assert wrong.status_code == 401
    assert wrong.json["detail"] == "basicAuth rejected the credentials sent."


@pytest.mark.parametrize(
    "token",
    [
        "!!!not-base64!!!",
        "YW5u",  # "ann": no colon
        base64.b64encode(b"\xff\xfe:x").decode(),  # not UTF-8
        base64.b64encode(b"ann:s3c\x00ret").decode(),  # a control character
        "YW5uOnMzY3JldA",  # missing padding
    ],
)
def test_malformed_basic_credentials_are_401_not_500(client: Any, token: str) -> None:
    resp = client.get("/staff/lobby", headers={"Authorization": f"Basic {token}"})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Basic ")
    assert "RFC 7617" in resp.json["detail"]


def test_other_auth_scheme_counts_as_no_credentials(client: Any) -> None:
    resp = client.get("/staff/lobby", headers={"Authorization": "Bearer reader"})
    assert resp.status_code == 401
    assert "error=" not in resp.headers["WWW-Authenticate"]


# -- 403: scopes and roles ------------------------------------------------------


def test_insufficient_scope_is_403_with_bearer_challenge(client: Any) -> None:
    resp = client.post("/pets", headers={"Authorization": "Bearer reader"})
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"] == (
        'Bearer realm="Zoo", error="insufficient_scope", scope="pets:write"'
    )
    assert resp.json["detail"] == (
        "The credentials sent lack the scope or role this operation requires: pets:write."
    )
    ok = client.post("/pets", headers={"Authorization": "Bearer writer"})
    assert ok.status_code == 200
    assert ok.json["principal"]["sub"] == "bob"


def test_scope_challenge_on_401_names_the_scopes(client: Any) -> None:
    resp = client.post("/pets")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="Zoo", scope="pets:write"'


def test_missing_role_is_403_without_challenge(client: Any) -> None:
    resp = client.get("/staff/panel", headers=basic_auth("zoë", "pässword"))
    assert resp.status_code == 403
    assert "WWW-Authenticate" not in resp.headers
    assert client.get("/staff/panel", headers=basic_auth("ann", "s3cret")).status_code == 200


def test_openid_connect_tokens(client: Any) -> None:
    assert client.get("/oidc", headers={"Authorization": "Bearer reader"}).status_code == 200
    assert client.get("/oidc").headers["WWW-Authenticate"] == (
        'Bearer realm="Zoo", scope="pets:read"'
    )


# -- where requirements are declared ------------------------------------------


def test_public_operations_and_resources(client: Any) -> None:
    assert client.get("/pets").json == {"principal": None}
    assert client.get("/health").json == {"ok": True, "principal": None}
    # The document and Swagger UI stay public under an application requirement.
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_reserved_looking_names_are_not_public() -> None:
    api = Api("Names", security=[header_key])
    heron_bp = Blueprint("heron")

    @heron_bp.route("/admin")
    class Admin(Resource):
        def get(self, req: Any) -> Any:
            return {}

    api.register_blueprint(heron_bp)
    api.add_resource(Admin, "/other", endpoint="heron.other", include_in_schema=False)
    client = api.test_client()
    assert client.get("/admin").status_code == 401
    assert client.get("/other").status_code == 401


def test_optional_authentication(client: Any) -> None:
    assert client.get("/feed").json == {"principal": None}
    assert client.get("/feed", headers={"Authorization": "Bearer reader"}).json == {
        "principal": TOKENS["reader"]
    }
    # Credentials sent and rejected are not silently ignored.
    resp = client.get("/feed", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_schemes_in_one_requirement_are_all_needed(client: Any) -> None:
    token = {"Authorization": "Bearer reader"}
    assert client.get("/both", headers=token).status_code == 401
    assert client.get("/both", headers={"X-API-Key": "k-123"}).status_code == 401
    both = client.get("/both", headers={**token, "X-API-Key": "k-123"})
    assert both.json == {"principals": {"bearerAuth": TOKENS["reader"], "apiKey": {"client": "ci"}}}


def test_head_is_protected_like_get(client: Any) -> None:
    assert client.head("/whoami").status_code == 401
    assert client.head("/whoami", headers={"X-API-Key": "k-123"}).status_code == 200


def test_errors_of_the_handler_pass_through(client: Any) -> None:
    assert client.get("/teapot").status_code == 401  # authentication comes first
    assert client.get("/teapot", headers={"X-API-Key": "k-123"}).status_code == 418


def test_verify_callback_may_refuse_with_its_own_error() -> None:
    def banned(req: Any, token: str) -> Any:
        abort(403, "This token is banned.")

    api = Api("Ban", security=[HTTPBearer(banned)])

    @api.route("/x")
    class X(Resource):
        def get(self, req: Any) -> Any:
            return {}

    resp = api.test_client().get("/x", headers={"Authorization": "Bearer t"})
    assert resp.status_code == 403
    assert resp.json["detail"] == "This token is banned."


def test_false_from_verify_refuses() -> None:
    api = Api("F", security=[APIKey(lambda req, key: key == "yes", header="X-Key")])

    @api.route("/x")
    class X(Resource):
        def get(self, req: Any) -> Any:
            return {"principal": req.principal}

    client = api.test_client()
    assert client.get("/x", headers={"X-Key": "no"}).status_code == 401
    assert client.get("/x", headers={"X-Key": "yes"}).json == {"principal": True}


def test_guards_after_security_see_the_principal() -> None:
    api = Api("G", security=[header_key])
    seen: list[Any] = []

    @api.guard
    def audit(req: Any, op: Any) -> None:
        seen.append(req.principal)

    @api.route("/x")
    class X(Resource):
        def get(self, req: Any) -> Any:
            return {}

    api.test_client().get("/x", headers={"X-API-Key": "k-123"})
    assert seen == [{"client": "ci"}]


def test_requirements_are_resolved_at_registration(api: Api) -> None:
    route = next(r for r in api.router if r.endpoint == "Pets")
    assert api.security.requirement(route.operations["GET"]) == ()
    assert api.security.requirement(route.operations["POST"]) == (
        Requirement(((oauth, ("pets:write",)),)),
    )
    panel = next(r for r in api.router if r.endpoint == "staff.Panel")
    assert api.security.requirement(panel.operations["GET"]) == (
        Requirement(((basic, ("admin",)),)),
    )


def test_declaration_errors_surface_at_registration() -> None:
    api = Api("E")

    class Typo(Resource):
        @requires(oauth, scopes=["pets:wrte"])
        def get(self, req: Any) -> Any:
            return {}

    with pytest.raises(ValueError, match="pets:wrte"):
        api.add_resource(Typo, "/typo")

    class Clash(Resource):
        security = [HTTPBearer(check_token)]  # another scheme named bearerAuth

        def get(self, req: Any) -> Any:
            return {}

    api.add_resource(type("Ok", (Resource,), {"security": [bearer], "get": Clash.get}), "/ok")
    with pytest.raises(ValueError, match="Two security schemes are named 'bearerAuth'"):
        api.add_resource(Clash, "/clash")
    with pytest.raises(TypeError, match="list of alternatives"):
        Api("T", security=bearer)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Not a security scheme"):
        Api("T", security=[{"bearerAuth": []}])  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="are a list"):
        Api("T", security=[{bearer: "pets:read"}])  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="scopes= applies"):
        requires({bearer: []}, scopes=["x"])


def test_scopes_from_an_attribute_and_shared_attempts() -> None:
    class Client:
        scopes = ("pets:read", "pets:write")

    calls: list[str] = []

    def verify(req: Any, token: str) -> Any:
        calls.append(token)
        return Client() if token == "t" else None

    token = HTTPBearer(verify, description="Opaque tokens.")
    key = APIKey(check_key, header="X-API-Key")
    api = Api("Attr")

    @api.route("/x")
    class X(Resource):
        @requires(token, key, scopes=["pets:write"])
        @requires(token, scopes=["pets:read"])
        def get(self, req: Any) -> Any:
            return {"schemes": sorted(req.principals)}

    client = api.test_client()
    assert client.get("/x", headers={"Authorization": "Bearer t"}).json == {
        "schemes": ["bearerAuth"]
    }
    assert calls == ["t"]  # verified once, though both alternatives name the scheme
    assert repr(token) == "HTTPBearer(name='bearerAuth')"
    assert api.openapi()["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Opaque tokens.",
    }


def test_scheme_construction_errors() -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        APIKey(check_key)
    with pytest.raises(ValueError, match="exactly one of"):
        APIKey(check_key, header="X-Key", query="key")
    with pytest.raises(TypeError, match="verify callback"):
        HTTPBearer(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must match"):
        HTTPBearer(check_token, name="bearer auth")
    with pytest.raises(ValueError, match="Unknown OAuth 2.0 flow"):
        OAuth2(check_token, flows={"magic": {"scopes": {}}})
    with pytest.raises(ValueError, match="tokenUrl"):
        OAuth2(check_token, flows={"password": {"scopes": {}}})
    with pytest.raises(ValueError, match="at least one flow"):
        OAuth2(check_token, flows={})


# -- the OpenAPI document ----------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_spec_validates(api: Api, version: str) -> None:
    validate(api.openapi(version))


def test_spec_security_schemes_and_requirements(api: Api) -> None:
    spec = api.openapi()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "opaque"}
    assert schemes["basicAuth"] == {"type": "http", "scheme": "basic"}
    assert schemes["apiKey"] == {"type": "apiKey", "name": "X-API-Key", "in": "header"}
    assert schemes["queryKey"] == {"type": "apiKey", "name": "api_key", "in": "query"}
    assert schemes["cookieKey"] == {"type": "apiKey", "name": "api_key", "in": "cookie"}
    assert schemes["oauth2"]["type"] == "oauth2"
    assert schemes["oauth2"]["flows"]["authorizationCode"]["scopes"] == {
        "pets:read": "Read pets",
        "pets:write": "Change pets",
    }
    assert schemes["openIdConnect"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": "https://auth.example/.well-known/openid-configuration",
    }
    assert spec["security"] == [{"bearerAuth": []}, {"apiKey": []}]
    paths = spec["paths"]
    whoami = paths["/whoami"]["get"]
    assert "security" not in whoami  # the top-level requirement applies
    assert whoami["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert "403" not in whoami["responses"]
    assert paths["/pets"]["get"]["security"] == []
    assert "401" not in paths["/pets"]["get"]["responses"]
    assert paths["/health"]["get"]["security"] == []
    assert paths["/pets"]["post"]["security"] == [{"oauth2": ["pets:write"]}]
    assert paths["/pets"]["post"]["responses"]["403"] == {
        "$ref": "#/components/responses/Forbidden"
    }
    assert paths["/feed"]["get"]["security"] == [{"bearerAuth": []}, {}]
    assert paths["/both"]["get"]["security"] == [{"bearerAuth": [], "apiKey": []}]
    assert paths["/keys"]["get"]["security"] == [{"queryKey": []}, {"cookieKey": []}]
    assert paths["/staff/panel"]["get"]["security"] == [{"basicAuth": ["admin"]}]
    assert paths["/staff/lobby"]["get"]["security"] == [{"basicAuth": []}]
    unauthorized = spec["components"]["responses"]["Unauthorized"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    assert unauthorized["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "Forbidden" in spec["components"]["responses"]


def test_spec_3_0_lists_roles_only_for_oauth_and_openid(api: Api) -> None:
    """OpenAPI 3.0.3 §4.7.30: other schemes' lists MUST be empty (3.1 allows roles)."""
    paths = api.openapi("3.0.3")["paths"]
    assert paths["/staff/panel"]["get"]["security"] == [{"basicAuth": []}]
    assert paths["/pets"]["post"]["security"] == [{"oauth2": ["pets:write"]}]
    assert paths["/oidc"]["get"]["security"] == [{"openIdConnect": ["pets:read"]}]


def test_spec_without_security_is_unchanged() -> None:
    api = Api("Plain")

    @api.route("/x")
    class X(Resource):
        def get(self, req: Any) -> Any:
            return {}

    spec = api.openapi()
    assert "security" not in spec
    assert "securitySchemes" not in spec.get("components", {})
    assert "Unauthorized" not in spec["components"].get("responses", {})
    assert "security" not in spec["paths"]["/x"]["get"]


# -- over the network ----------------------------------------------------------


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with Werkzeug on a free loopback port in a thread; yield its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.live
def test_challenges_over_http(api: Api) -> None:
    with serve(api) as base, httpx.Client(base_url=base) as http:
        resp = http.get("/staff/lobby")
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"].startswith("Basic realm=")
        assert http.get("/staff/lobby", auth=("ann", "s3cret")).json()["principal"]["user"] == "ann"
        resp = http.get("/whoami", headers={"Authorization": "Basic %%%"})
        assert resp.status_code == 401
        assert http.get("/whoami", headers={"Authorization": "Bearer writer"}).status_code == 200


@pytest.mark.live
@pytest.mark.external
def test_swagger_ui_authorize_button(api: Api, tmp_path: Path) -> None:
    """Authorize with an API key, then "Try it out": Swagger UI sends the key."""
    from tests.docs.test_browsable_browser import browser

    with serve(api) as base, browser(tmp_path) as b:
        b.get(f"{base}/docs")
        b.wait_for(lambda: b.run("return !!document.querySelector('button.authorize');"))
        b.click("button.authorize")
        b.wait_for(lambda: b.run("return !!document.querySelector('.modal-ux');"))
        # One form per scheme of the document: bearer, API keys, basic, OAuth 2.0, OIDC.
        names = b.run(
            "return Array.from(document.querySelectorAll('.modal-ux .auth-container h4'))"
            ".map(h => h.textContent);"
        )
        for name in ("bearerAuth", "apiKey", "basicAuth", "oauth2"):
            assert any(name in n for n in names), names
        b.run(
            "Array.from(document.querySelectorAll('.modal-ux .auth-container'))"
            ".find(c => c.querySelector('h4').textContent.startsWith('apiKey'))"
            ".setAttribute('data-scheme', 'apiKey');"
        )
        b.type("[data-scheme=apiKey] input", "k-123")
        b.click("[data-scheme=apiKey] button.authorize")
        authorized = b.wait_for(
            lambda: b.run("return window.ui.authSelectors.authorized().toJS().apiKey;")
        )
        assert authorized["value"] == "k-123"
        b.click(".modal-ux button.close-modal")
        b.click("#operations-default-getWhoAmI .opblock-summary-control")
        b.wait_for(lambda: b.run("return !!document.querySelector('.try-out__btn');"))
        b.click("#operations-default-getWhoAmI .try-out__btn")
        b.click("#operations-default-getWhoAmI button.execute")
        live = "#operations-default-getWhoAmI .live-responses-table tr.response"
        status = b.wait_for(
            lambda: b.run(
                "const c = document.querySelector(arguments[0]);return c && c.textContent.trim();",
                f"{live} .response-col_status",
            )
        )
        assert status == "200"
        body = b.text(f"{live} .microlight")
        assert '"client": "ci"' in body
