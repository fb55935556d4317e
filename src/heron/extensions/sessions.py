"""Signed-cookie sessions, like Flask's secure cookies.

The session is a small dict kept by the client in one cookie, signed with
itsdangerous so the client can read it but not change it: never put secrets in
it. Register the extension, then use ``req.session`` in handlers and hooks::

    api.register_extension(Sessions(secret_key=os.environ["SECRET_KEY"]))

The cookie is signed with HMAC-SHA256 over a key derived from the secret key
and a salt (itsdangerous' ``hmac`` key derivation, as Flask's
``SecureCookieSessionInterface``), and carries its signing time: a cookie
older than ``max_age`` or with a bad signature is ignored (an empty session,
logged at debug level on the ``heron.sessions`` logger). Several secret keys
rotate: the first signs, every one verifies, and a cookie signed with an older
key is signed again with the first.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` by default
(RFC 6265bis §4.1.2.5-7), sent only when the session changed (and deleted
when it becomes empty), and a response whose handler read the session gets
``Vary: Cookie`` (RFC 9110 §12.5.5).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.response import add_vary

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.app import App as Api
    from ..core.request import Request

__all__ = ["Session", "Sessions"]

log = logging.getLogger("heron.sessions")

SecretKey = str | bytes
_SAMESITE = ("Strict", "Lax", "None")


class Session(MutableMapping[str, Any]):
    """The session of one request: a dict of JSON values, tracked for changes.

    Setting or deleting a key marks it modified; a change inside a value
    (``session["cart"].append(...)``) does not: set :attr:`modified` yourself.

    Args:
        data: The values loaded from the cookie.
        new: Whether no valid cookie was sent.

    Attributes:
        modified: Whether the cookie must be sent again.
        new: Whether no valid cookie was sent.
    """

    def __init__(self, data: Mapping[str, Any] | None = None, *, new: bool = True) -> None:
        self._data: dict[str, Any] = dict(data or {})
        self.modified = False
        self.new = new

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Session({self._data!r}, modified={self.modified})"


def _seconds(value: int | float | timedelta | None) -> int | None:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return None if value is None else int(value)


class Sessions:
    """The signed-cookie session extension (``api.register_extension(Sessions(...))``).

    Args:
        secret_key: The key that signs cookies, or several (the first signs,
            all verify: rotate by putting the new key first and dropping the
            old one after ``max_age``). Use 32 random bytes or more, e.g.
            ``python -c "import secrets; print(secrets.token_hex(32))"``.
        cookie_name: The cookie's name.
        max_age: How long a cookie is valid after it was last sent, in seconds
            or as a timedelta (default 31 days); it is also the cookie's
            ``Max-Age``. None: a browser-session cookie whose signature never
            expires.
        secure: Send the cookie with ``Secure`` (HTTPS only). Switch off only
            for plain-HTTP development on hosts other than ``localhost``.
        httponly: Send the cookie with ``HttpOnly`` (no JavaScript access).
        samesite: ``"Lax"`` (default), ``"Strict"``, ``"None"`` (needs
            ``secure``) or None for no attribute.
        domain: The cookie's ``Domain``; None: this host only.
        path: The cookie's ``Path``.
        salt: Separates the session's signing key from other uses of the secret.
    """

    name = "sessions"

    def __init__(
        self,
        secret_key: SecretKey | Sequence[SecretKey] | None,
        *,
        cookie_name: str = "session",
        max_age: int | timedelta | None = timedelta(days=31),
        secure: bool = True,
        httponly: bool = True,
        samesite: str | None = "Lax",
        domain: str | None = None,
        path: str = "/",
        salt: str = "heron.session",
    ) -> None:
        if samesite is not None and samesite not in _SAMESITE:
            raise ValueError(f"samesite must be one of {_SAMESITE} or None")
        if samesite == "None" and not secure:
            raise ValueError("samesite='None' needs secure=True (browsers drop the cookie)")
        self.secret_key = secret_key
        self.cookie_name = cookie_name
        self.max_age = _seconds(max_age)
        self.secure = secure
        self.httponly = httponly
        self.samesite = samesite
        self.domain = domain
        self.path = path
        self.salt = salt
        self._serializer: URLSafeTimedSerializer | None = None
        self._current: URLSafeTimedSerializer | None = None

    def _keys(self) -> list[bytes]:
        """Return the secret keys, newest first, as bytes.

        Raises:
            ValueError: If there is no key or an empty one.
        """
        key = self.secret_key
        keys = [key] if isinstance(key, (str, bytes)) else list(key or ())
        if not keys or not all(keys):
            raise ValueError(
                "Sessions need a secret key: Sessions(secret_key=...), e.g. from an environment"
                " variable; make one with"
                ' python -c "import secrets; print(secrets.token_hex(32))"'
            )
        return [k.encode("utf-8") if isinstance(k, str) else k for k in keys]

    def _make_serializer(self, keys: list[bytes]) -> URLSafeTimedSerializer:
        # itsdangerous takes keys oldest to newest and signs with the last.
        return URLSafeTimedSerializer(
            list(reversed(keys)),
            salt=self.salt,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )

    def init_app(self, api: Api) -> None:
        """Check the secret key and save sessions after every request.

        Raises:
            ValueError: If there is no secret key.
        """
        keys = self._keys()
        self._serializer = self._make_serializer(keys)
        self._current = self._make_serializer(keys[:1])
        api.session_interface = self  # req.session opens the session with it
        api.after_request(self.save)

    def open(self, req: Request) -> Session:
        """Load the session from the request's cookie.

        A missing, tampered or expired cookie gives an empty session; a cookie
        signed with an older key is marked modified so it is signed again.

        Raises:
            RuntimeError: If the extension was not registered.
        """
        if self._serializer is None or self._current is None:
            raise RuntimeError("Sessions is not registered: api.register_extension(Sessions(...))")
        value = req.cookies.get(self.cookie_name)
        if not value:
            return Session()
        stale = False
        try:
            data = self._current.loads(value, max_age=self.max_age)
        except SignatureExpired:
            log.debug("Ignoring an expired session cookie on %s %s", req.method, req.path)
            return self._discard()
        except BadSignature:
            try:
                data = self._serializer.loads(value, max_age=self.max_age)
            except SignatureExpired:
                log.debug("Ignoring an expired session cookie on %s %s", req.method, req.path)
                return self._discard()
            except BadSignature:
                log.debug("Ignoring a session cookie with a bad signature on %s", req.path)
                return self._discard()
            stale = True  # signed with an older key: sign it again
        if not isinstance(data, dict):
            log.debug("Ignoring a session cookie that does not hold an object")
            return self._discard()
        session = Session(data, new=False)
        session.modified = stale
        return session

    @staticmethod
    def _discard() -> Session:
        """Return an empty session that deletes the bad cookie if it stays empty."""
        session = Session()
        session.modified = True
        return session

    def save(self, req: Request, response: WZResponse) -> None:
        """Send the session's cookie if it changed (an after-request hook).

        A read session adds ``Vary: Cookie``; a modified one sets the cookie,
        or deletes it once the session is empty.
        """
        session = req.opened_session
        if session is None:
            return
        add_vary(response, "Cookie")
        if not session.modified:
            return
        if not session:
            if not session.new or self.cookie_name in req.cookies:
                response.delete_cookie(
                    self.cookie_name,
                    path=self.path,
                    domain=self.domain,
                    secure=self.secure,
                    httponly=self.httponly,
                    samesite=self.samesite,
                )
            return
        assert self._current is not None
        response.set_cookie(
            self.cookie_name,
            self._current.dumps(dict(session)),
            max_age=self.max_age,
            path=self.path,
            domain=self.domain,
            secure=self.secure,
            httponly=self.httponly,
            samesite=self.samesite,
        )
