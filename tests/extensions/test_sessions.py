"""Signed-cookie sessions: roundtrip, tampering, expiry, key rotation, cookie attributes."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import itsdangerous
import pytest

from heron import Api, Resource, Sessions, abort
from tests.extensions.test_security import serve

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def build(sessions: Sessions | None = None, **api_options: Any) -> Api:
    api = Api("Sessions", **api_options)

    @api.route("/cart")
    class Cart(Resource):
        def get(self, req: Any) -> Any:
            return {"items": req.session.get("items", [])}

        def post(self, req: Any) -> Any:
            req.session["items"] = [
                *req.session.get("items", []),
                len(req.session.get("items", [])),
            ]
            return {"items": req.session["items"]}

        def delete(self, req: Any) -> Any:
            req.session.clear()
            return None

    @api.route("/append")
    class Append(Resource):
        def post(self, req: Any) -> Any:
            req.session.setdefault("items", []).append("x")  # setdefault marks a new key only
            if req.args.get("mark"):
                req.session.modified = True
            return {"items": req.session["items"]}

    @api.route("/scratch")
    class Scratch(Resource):
        def post(self, req: Any) -> Any:
            req.session["tmp"] = 1
            del req.session["tmp"]
            return {"session": repr(req.session)}

    @api.route("/fail")
    class Fail(Resource):
        def post(self, req: Any) -> Any:
            req.session["failed"] = True
            abort(409, "Conflict, but the session is kept.")

    @api.route("/plain")
    class Plain(Resource):
        def get(self, req: Any) -> Any:
            return {"plain": True}

    api.register_extension(sessions or Sessions(SECRET))
    return api


def set_cookie(resp: Any) -> SimpleCookie:
    cookies: SimpleCookie = SimpleCookie()
    for header in resp.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return cookies


def test_roundtrip() -> None:
    client = build().test_client()
    first = client.post("/cart")
    assert first.json == {"items": [0]}
    assert "session" in set_cookie(first)
    assert client.post("/cart").json == {"items": [0, 1]}
    read = client.get("/cart")
    assert read.json == {"items": [0, 1]}
    assert "Set-Cookie" not in read.headers  # not modified: not sent
    assert "Cookie" in read.headers["Vary"]


def test_untouched_session_sends_nothing() -> None:
    client = build().test_client()
    client.post("/cart")
    resp = client.get("/plain")
    assert "Set-Cookie" not in resp.headers
    assert "Cookie" not in resp.headers.get("Vary", "")


def test_cookie_attributes_by_default() -> None:
    resp = build().test_client().post("/cart")
    header = resp.headers["Set-Cookie"]
    morsel = set_cookie(resp)["session"]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(31 * 24 * 3600)
    assert "Domain" not in header


def test_cookie_attributes_configured() -> None:
    sessions = Sessions(
        SECRET,
        cookie_name="sid",
        secure=False,
        samesite="Strict",
        domain="shop.example",
        path="/api",
        max_age=timedelta(hours=1),
    )
    resp = build(sessions).test_client().post("/cart")
    morsel = set_cookie(resp)["sid"]
    assert morsel["secure"] == ""
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["domain"] == "shop.example"
    assert morsel["path"] == "/api"
    assert morsel["max-age"] == "3600"


def test_browser_session_cookie_without_max_age() -> None:
    resp = build(Sessions(SECRET, max_age=None)).test_client().post("/cart")
    assert "Max-Age" not in resp.headers["Set-Cookie"]
    assert "Expires" not in resp.headers["Set-Cookie"]


def test_emptied_session_deletes_the_cookie() -> None:
    client = build().test_client()
    client.post("/cart")
    resp = client.delete("/cart")
    assert resp.status_code == 204
    morsel = set_cookie(resp)["session"]
    assert morsel.value == ""
    assert morsel["max-age"] == "0"
    assert client.get("/cart").json == {"items": []}
    # Clearing a session that had no cookie sends nothing.
    assert "Set-Cookie" not in build().test_client().delete("/cart").headers


def test_a_session_emptied_in_its_first_request_sends_nothing() -> None:
    resp = build().test_client().post("/scratch")
    assert resp.json == {"session": "Session({}, modified=True)"}
    assert "Set-Cookie" not in resp.headers


def test_nested_changes_need_modified() -> None:
    client = build().test_client()
    assert client.post("/append").json == {"items": ["x"]}
    assert client.post("/append").json == {"items": ["x", "x"]}
    assert client.get("/cart").json == {"items": ["x"]}  # the append was not saved
    client.post("/append?mark=1")
    assert client.get("/cart").json == {"items": ["x", "x"]}


def test_error_responses_save_the_session() -> None:
    client = build().test_client()
    assert client.post("/fail").status_code == 409
    assert "session" in set_cookie(client.post("/fail"))


def tamper(value: str) -> str:
    payload, _, signature = value.partition(".")
    forged = itsdangerous.encoding.base64_encode(b'{"items":["forged"]}').decode()
    return f"{forged}.{signature}"


def test_tampered_cookie_gives_an_empty_session(caplog: pytest.LogCaptureFixture) -> None:
    client = build().test_client()
    cookie = set_cookie(client.post("/cart"))["session"].value
    client.set_cookie("session", tamper(cookie))
    with caplog.at_level(logging.DEBUG, logger="heron.sessions"):
        resp = client.get("/cart")
    assert resp.json == {"items": []}
    assert "bad signature" in caplog.text
    # The bad cookie is deleted, so the browser stops sending it.
    assert set_cookie(resp)["session"]["max-age"] == "0"
    for garbage in ("", "x", "not.a.cookie", "a" * 200):
        client.set_cookie("session", garbage)
        assert client.get("/cart").json == {"items": []}


def test_expired_cookie_gives_an_empty_session(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = build(Sessions(SECRET, max_age=60)).test_client()
    with monkeypatch.context() as patch:
        two_minutes_ago = int(time.time()) - 120
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: two_minutes_ago)
        expired = set_cookie(client.post("/cart"))["session"].value
    with caplog.at_level(logging.DEBUG, logger="heron.sessions"):
        resp = client.get("/cart")
    assert resp.json == {"items": []}
    assert "expired" in caplog.text
    assert set_cookie(resp)["session"]["max-age"] == "0"  # and deleted
    # Expired and signed with a retired key: ignored too.
    rotated = build(Sessions(["new-key", SECRET], max_age=60)).test_client()
    rotated.set_cookie("session", expired)
    assert rotated.get("/cart").json == {"items": []}
    fresh = build(Sessions(SECRET, max_age=60)).test_client()
    fresh.post("/cart")
    assert fresh.get("/cart").json == {"items": [0]}


def test_key_rotation() -> None:
    old = build(Sessions("old-key")).test_client()
    old_cookie = set_cookie(old.post("/cart"))["session"].value

    rotated = build(Sessions(["new-key", "old-key"])).test_client()
    rotated.set_cookie("session", old_cookie)
    resp = rotated.get("/cart")
    assert resp.json == {"items": [0]}  # the old key still verifies...
    new_cookie = set_cookie(resp)["session"].value  # ...and the cookie is signed again
    assert new_cookie != old_cookie

    new_only = build(Sessions(["new-key"])).test_client()
    new_only.set_cookie("session", new_cookie)
    assert new_only.get("/cart").json == {"items": [0]}  # signed with the first key
    new_only.set_cookie("session", old_cookie)
    assert new_only.get("/cart").json == {"items": []}  # the retired key no longer verifies


def test_cookie_format_is_documented() -> None:
    """itsdangerous' URLSafeTimedSerializer, HMAC key derivation, SHA-256, the salt."""
    serializer = itsdangerous.URLSafeTimedSerializer(
        SECRET,
        salt="heron.session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    client = build().test_client()
    client.set_cookie("session", serializer.dumps({"items": ["made", "elsewhere"]}))
    assert client.get("/cart").json == {"items": ["made", "elsewhere"]}
    client.set_cookie("session", serializer.dumps(["not", "an", "object"]))
    assert client.get("/cart").json == {"items": []}
    cookie = set_cookie(client.post("/cart"))["session"].value
    assert serializer.loads(cookie) == {"items": [0]}


@pytest.mark.parametrize("secret", [None, "", [], ["key", ""]])
def test_no_secret_key_is_an_error_at_registration(secret: Any) -> None:
    with pytest.raises(ValueError, match="Sessions need a secret key"):
        Api("No secret").register_extension(Sessions(secret))


def test_session_without_the_extension_is_a_clear_error() -> None:
    api = Api("No sessions", debug=True)

    @api.route("/x")
    class X(Resource):
        def get(self, req: Any) -> Any:
            return dict(req.session)

    with pytest.raises(RuntimeError, match="needs the Sessions extension"):
        api.test_client().get("/x")


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="samesite must be"):
        Sessions(SECRET, samesite="lax")
    with pytest.raises(ValueError, match="needs secure=True"):
        Sessions(SECRET, samesite="None", secure=False)
    with pytest.raises(RuntimeError, match="not registered"):
        Sessions(SECRET).open(None)  # type: ignore[arg-type]


@pytest.mark.live
def test_sessions_over_http() -> None:
    api = build(Sessions(SECRET, secure=False))
    with serve(api) as base, httpx.Client(base_url=base) as http:
        assert http.post("/cart").json() == {"items": [0]}
        assert http.post("/cart").json() == {"items": [0, 1]}
        assert http.get("/cart").json() == {"items": [0, 1]}
        forged = tamper(http.cookies["session"])
        http.cookies.clear()
        http.cookies.set("session", forged, domain="127.0.0.1")
        assert http.get("/cart").json() == {"items": []}


BROWSER_JS = """
window.result = null;
const post = () => fetch("/cart", {method: "POST"}).then(r => r.json());
post().then(post).then(j => { window.result = {cart: j, visible: document.cookie}; })
  .catch(e => { window.result = {error: String(e)}; });
"""


@pytest.mark.live
@pytest.mark.external
def test_sessions_in_chromium(tmp_path: Path) -> None:
    """The default cookie (Secure, HttpOnly, SameSite=Lax) works on http://127.0.0.1."""
    from tests.docs.test_browsable_browser import browser

    with serve(build()) as base, browser(tmp_path) as b:
        b.get(f"{base}/cart")
        b.run(BROWSER_JS)
        result = b.wait_for(lambda: b.run("return window.result;"))
    # Kept and sent back by the browser, and hidden from scripts (HttpOnly).
    assert result == {"cart": {"items": [0, 1]}, "visible": ""}
