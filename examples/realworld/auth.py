"""Authentication: ``Authorization: Token <jwt>``, JSON Web Tokens and passwords.

RealWorld sends its JWT with the auth-scheme ``Token`` rather than ``Bearer``
(RFC 6750), and documents it as an OpenAPI ``apiKey`` in the ``Authorization``
header. :class:`TokenAuth` is Heron's :class:`~heron.APIKey` scheme with that
header parsed as ``<scheme> <credentials>`` (RFC 9110 §11.4), and a challenge
naming the ``Token`` scheme in the 401's ``WWW-Authenticate`` (§11.6.1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import jwt
from werkzeug.security import check_password_hash, generate_password_hash

from heron import Api, APIKey, Request, Unauthorized
from heron.extensions.security.schemes import Attempt, MalformedCredentials

from .database import session_of
from .models import User

__all__ = [
    "Accounts",
    "Passwords",
    "TokenAuth",
    "Tokens",
    "accounts_of",
    "caller",
    "current_user",
    "token_auth",
]

TOKEN_DESCRIPTION = """\
A JSON Web Token (HS256), as `/users` and `/users/login` return it, sent as

    Authorization: Token xxxxxx.yyyyyyy.zzzzzz
"""


class TokenAuth(APIKey):
    """``Authorization: Token <jwt>`` (OpenAPI ``apiKey`` named ``Token``).

    ``verify(req, token)`` returns the principal, or None to refuse the token.

    Args:
        verify: The callback.
        **options: ``realm``, ``scopes_of`` (see :class:`heron.security.SecurityScheme`).
    """

    def __init__(self, verify: Callable[[Request, str], Any], **options: Any) -> None:
        super().__init__(
            verify, name="Token", header="Authorization", description=TOKEN_DESCRIPTION, **options
        )

    def extract(self, req: Request) -> str | None:
        """Return the token of ``Authorization: Token <token>``, or None.

        The auth-scheme is case-insensitive (RFC 9110 §11.1); a header with
        another scheme (``Bearer``) sends no token of this kind.

        Raises:
            MalformedCredentials: If ``Token`` comes with nothing after it.
        """
        header = req.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "token":
            return None
        token = token.strip()
        if not token:
            raise MalformedCredentials("The Authorization header has no token after 'Token'.")
        return token

    def challenge(self, realm: str, attempt: Attempt | None, scopes: Sequence[str]) -> str:
        """Return ``Token realm="..."``, with RFC 6750's ``error`` when a token was refused."""
        params = [f'realm="{realm}"']
        if attempt is not None and attempt.error:
            params.append(f'error="{attempt.error}"')
        return "Token " + ", ".join(params)

    def describe(self) -> str:
        """Say how to send the token."""
        return "a token (Authorization: Token <jwt>)"


class Tokens:
    """Issue and read the JSON Web Tokens (RFC 7519) that identify users.

    Tokens are signed with HMAC-SHA256 (``HS256``) and carry the user's id as
    ``sub`` and an expiry (``exp``); only ``HS256`` is accepted when reading,
    so a token cannot choose its own algorithm (RFC 8725 §2.1).

    Args:
        secret: Returns the signing key (called when first needed).
        lifetime: How long a token is valid.
    """

    algorithm = "HS256"

    def __init__(self, secret: Callable[[], str], lifetime: dt.timedelta) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def issue(self, user_id: int) -> str:
        """Return a token for the user ``user_id``."""
        now = dt.datetime.now(dt.timezone.utc)
        claims = {"sub": str(user_id), "iat": now, "exp": now + self.lifetime}
        return jwt.encode(claims, self._secret(), algorithm=self.algorithm)

    def user_id(self, token: str) -> int | None:
        """Return the user id a valid token names, or None (bad signature, expired, malformed)."""
        try:
            claims = jwt.decode(
                token,
                self._secret(),
                algorithms=[self.algorithm],
                options={"require": ["exp", "sub"]},
            )
            return int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError):
            return None


class Passwords:
    """Hash and check passwords with Werkzeug's scrypt (salted, memory-hard).

    Args:
        method: Werkzeug's method string: ``"scrypt"`` (its default work
            factor, N=2**15, r=8, p=1: about 0.1 s and 32 MiB per hash) or
            ``"scrypt:N:r:p"``.
    """

    def __init__(self, method: str = "scrypt") -> None:
        self.method = method
        # Checked when no user has the e-mail address given, so a failed login
        # takes as long whether or not the address is registered.
        self._decoy = self.hash("not a password")

    def hash(self, password: str) -> str:
        """Return the salted hash of ``password``."""
        return generate_password_hash(password, method=self.method)

    def check(self, hashed: str | None, password: str) -> bool:
        """Tell whether ``password`` matches ``hashed`` (None: no such user)."""
        ok = check_password_hash(hashed or self._decoy, password)
        return ok and hashed is not None


class Accounts:
    """Who may sign in and how: the application's tokens and passwords (an extension).

    Registered as ``api.extensions["accounts"]``; handlers and the token
    scheme find it through the request (:func:`accounts_of`).

    Args:
        tokens: Issues and reads tokens.
        passwords: Hashes and checks passwords.
    """

    name = "accounts"

    def __init__(self, tokens: Tokens, passwords: Passwords) -> None:
        self.tokens = tokens
        self.passwords = passwords

    def init_app(self, api: Api) -> None:
        """Nothing to register: the scheme is declared on the application (``security=``)."""

    def user_for(self, req: Request, token: str) -> User | None:
        """Return the user a valid token names, or None (the scheme's verify callback)."""
        user_id = self.tokens.user_id(token)
        if user_id is None:
            return None
        return session_of(req).get(User, user_id)


def accounts_of(req: Request) -> Accounts:
    """Return the application's :class:`Accounts`."""
    accounts: Accounts = req.api.extensions[Accounts.name]
    return accounts


def _verify(req: Request, token: str) -> User | None:
    return accounts_of(req).user_for(req, token)


#: The scheme of every protected operation: ``Authorization: Token <jwt>``.
token_auth = TokenAuth(_verify)


def caller(req: Request) -> User | None:
    """Return the authenticated user (``req.principal``), or None for an anonymous request."""
    user: User | None = req.principal
    return user


def current_user(req: Request) -> User:
    """Return the signed-in user, in an operation that requires a token.

    Raises:
        Unauthorized: If nobody is signed in (an operation made public by mistake).
    """
    user = caller(req)
    if user is None:
        raise Unauthorized("This operation requires a token.")
    return user
