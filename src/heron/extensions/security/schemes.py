"""The security schemes: where credentials travel, challenges, documentation."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ...core.request import Request

__all__ = [
    "APIKey",
    "Attempt",
    "BearerToken",
    "HTTPBasic",
    "HTTPBearer",
    "SecurityScheme",
    "default_scopes",
]

#: A verify callback of a token or key scheme: ``verify(req, token) -> principal | None``.
TokenVerifier = Callable[["Request", str], Any]
#: ``verify(req, username, password) -> principal | None`` (HTTP Basic).
PasswordVerifier = Callable[["Request", str, str], Any]
#: ``scopes_of(principal) -> scopes``: what a principal is granted.
ScopesOf = Callable[[Any], Iterable[str]]

#: OpenAPI component names (OpenAPI 3.1 §4.8.7.1).
_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")
#: RFC 6750 §2.1 ``b64token``.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_CTL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedCredentials(ValueError):
    """Credentials that cannot be parsed (bad base64, missing parts...)."""


@dataclass(slots=True)
class Attempt:
    """What one scheme made of one request.

    Attributes:
        principal: What the verify callback returned, or None.
        sent: Whether credentials for the scheme were present.
        error: ``"invalid_token"`` (rejected) or ``"invalid_request"``
            (malformed), as RFC 6750 §3.1 names them; None if not sent or accepted.
        reason: Why, for the problem's ``detail``.
    """

    principal: Any = None
    sent: bool = False
    error: str | None = None
    reason: str | None = None


def quote(value: str) -> str:
    """Return ``value`` as an RFC 9110 §5.6.4 quoted-string, in printable ASCII."""
    text = _CTL.sub("", value).encode("ascii", "replace").decode("ascii")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_scopes(principal: Any) -> frozenset[str]:
    """Return the scopes (or roles) of ``principal``: its ``scopes`` attribute or key.

    A mapping's ``"scopes"`` or ``"scope"`` item is read too; a string is split
    on spaces, as OAuth 2.0 writes scopes (RFC 6749 §3.3).
    """
    if isinstance(principal, Mapping):
        value = principal.get("scopes", principal.get("scope"))
    else:
        value = getattr(principal, "scopes", None)
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(str(v) for v in value)


def _authorization(req: Request, scheme: str) -> str | None:
    """Return the credentials of an ``Authorization`` header using ``scheme``.

    Args:
        req: The request.
        scheme: The auth-scheme, lower case (matched case-insensitively,
            RFC 9110 §11.1).

    Returns:
        The token68 or parameters after the scheme, or None if the header is
        absent or names another scheme.

    Raises:
        MalformedCredentials: If the scheme is named with nothing after it.
    """
    header = req.headers.get("Authorization")
    if header is None:
        return None
    name, _, rest = header.strip().partition(" ")
    if name.lower() != scheme:
        return None
    rest = rest.strip()
    if not rest:
        raise MalformedCredentials(f"The Authorization header has no {name} credentials.")
    return rest


class SecurityScheme:
    """Base class of the security schemes.

    Args:
        verify: The callback that checks credentials and returns the principal,
            or None (or False) to refuse them. It may also raise an
            :class:`~heron.HTTPError`.
        name: The component name in ``components.securitySchemes``.
        description: Description for the document (CommonMark).
        realm: The protection space named in challenges (RFC 9110 §11.5);
            defaults to the application's title.
        scopes_of: ``scopes_of(principal)``: the scopes or roles the principal
            has; defaults to :func:`default_scopes`.

    Raises:
        TypeError: If ``verify`` is not callable.
        ValueError: If ``name`` is not a valid component name.
    """

    #: The OpenAPI ``type``.
    type: ClassVar[str] = ""
    #: Whether OpenAPI 3.0 documents required scopes for the scheme (only
    #: ``oauth2`` and ``openIdConnect``; 3.1 documents roles for every scheme).
    scoped: ClassVar[bool] = False
    #: What the scheme's credentials are called, in problem details.
    credential: ClassVar[str] = "credentials"

    def __init__(
        self,
        verify: Callable[..., Any],
        *,
        name: str,
        description: str | None = None,
        realm: str | None = None,
        scopes_of: ScopesOf | None = None,
    ) -> None:
        if not callable(verify):
            raise TypeError(f"{type(self).__name__} needs a verify callback, got {verify!r}")
        if not _COMPONENT_NAME.fullmatch(name):
            raise ValueError(f"Security scheme name {name!r} must match {_COMPONENT_NAME.pattern}")
        self.verify = verify
        self.name = name
        self.description = description
        self.realm = realm
        self.scopes_of = scopes_of or default_scopes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def extract(self, req: Request) -> Any:
        """Return the credentials sent, or None if there are none.

        Raises:
            MalformedCredentials: If they are sent but cannot be parsed.
        """
        raise NotImplementedError  # pragma: no cover

    def check(self, req: Request, credentials: Any) -> Any:
        """Call the verify callback; return the principal or None."""
        return self.verify(req, credentials)

    def authenticate(self, req: Request) -> Attempt:
        """Extract and verify the credentials of ``req``.

        Returns:
            The attempt: its principal if the credentials were accepted.
        """
        try:
            credentials = self.extract(req)
        except MalformedCredentials as exc:
            return Attempt(sent=True, error="invalid_request", reason=str(exc))
        if credentials is None:
            return Attempt()
        principal = self.check(req, credentials)
        if principal is None or principal is False:
            reason = f"{self.name} rejected the {self.credential} sent."
            return Attempt(sent=True, error="invalid_token", reason=reason)
        return Attempt(principal=principal, sent=True)

    def granted(self, principal: Any) -> frozenset[str]:
        """Return the scopes or roles ``principal`` has."""
        return frozenset(self.scopes_of(principal))

    def challenge(self, realm: str, attempt: Attempt | None, scopes: Sequence[str]) -> str:
        """Return the ``WWW-Authenticate`` challenge of a 401 (RFC 9110 §11.6.1)."""
        raise NotImplementedError  # pragma: no cover

    def scope_challenge(self, realm: str, scopes: Sequence[str]) -> str | None:
        """Return the challenge of a 403 for missing ``scopes``, if the scheme has one."""
        return None

    def describe(self) -> str:
        """Say how to send the credentials, for problem details."""
        raise NotImplementedError  # pragma: no cover

    def to_openapi(self) -> dict[str, Any]:
        """Return the Security Scheme Object (OpenAPI 3.1 §4.8.27)."""
        result = {"type": self.type, **self._openapi()}
        if self.description:
            result["description"] = self.description
        return result

    def _openapi(self) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover

    def check_scopes(self, scopes: Iterable[str]) -> None:
        """Check at registration that ``scopes`` may be required of this scheme.

        Raises:
            ValueError: If the scheme does not know one of them.
        """


class BearerToken(SecurityScheme):
    """A scheme whose credentials are an RFC 6750 bearer token in ``Authorization``."""

    credential = "token"

    def extract(self, req: Request) -> str | None:
        """Return the bearer token (RFC 6750 §2.1), or None.

        Raises:
            MalformedCredentials: If the token is missing or not a ``b64token``.
        """
        token = _authorization(req, "bearer")
        if token is not None and not _B64TOKEN.fullmatch(token):
            raise MalformedCredentials("The bearer token is malformed (RFC 6750 §2.1).")
        return token

    def challenge(self, realm: str, attempt: Attempt | None, scopes: Sequence[str]) -> str:
        """Return ``Bearer realm=..., scope=..., error=...`` (RFC 6750 §3).

        No ``error`` when no token was sent (RFC 6750 §3.1).
        """
        params = [f"realm={quote(realm)}"]
        if scopes:
            params.append(f"scope={quote(' '.join(scopes))}")
        if attempt is not None and attempt.error:
            params.append(f'error="{attempt.error}"')
        return "Bearer " + ", ".join(params)

    def scope_challenge(self, realm: str, scopes: Sequence[str]) -> str:
        """Return ``Bearer ..., error="insufficient_scope", scope=...`` (RFC 6750 §3.1)."""
        return (
            f'Bearer realm={quote(realm)}, error="insufficient_scope",'
            f" scope={quote(' '.join(scopes))}"
        )

    def describe(self) -> str:
        """Say how to send the token."""
        return "a bearer token (Authorization: Bearer)"


class HTTPBearer(BearerToken):
    """HTTP Bearer authentication (RFC 6750 §2.1; OpenAPI ``http``/``bearer``).

    ``verify(req, token)`` returns the principal, or None.

    Args:
        verify: The callback.
        name: The component name.
        bearer_format: A hint of the token's format for the document (``"JWT"``).
        **options: ``description``, ``realm``, ``scopes_of`` (see
            :class:`SecurityScheme`).
    """

    type = "http"

    def __init__(
        self,
        verify: TokenVerifier,
        *,
        name: str = "bearerAuth",
        bearer_format: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(verify, name=name, **options)
        self.bearer_format = bearer_format

    def _openapi(self) -> dict[str, Any]:
        result = {"scheme": "bearer"}
        if self.bearer_format:
            result["bearerFormat"] = self.bearer_format
        return result


class HTTPBasic(SecurityScheme):
    """HTTP Basic authentication (RFC 7617; OpenAPI ``http``/``basic``).

    ``verify(req, username, password)`` returns the principal, or None. The
    credentials are decoded as UTF-8, announced with ``charset="UTF-8"``
    (RFC 7617 §2.1). Send them over HTTPS only: they are not encrypted.

    Args:
        verify: The callback.
        name: The component name.
        **options: ``description``, ``realm``, ``scopes_of`` (see
            :class:`SecurityScheme`).
    """

    type = "http"

    def __init__(self, verify: PasswordVerifier, *, name: str = "basicAuth", **options: Any):
        super().__init__(verify, name=name, **options)

    def extract(self, req: Request) -> tuple[str, str] | None:
        """Return ``(username, password)``, or None.

        Raises:
            MalformedCredentials: If they are not base64 of UTF-8
                ``user-id:password`` without control characters (RFC 7617 §2).
        """
        token = _authorization(req, "basic")
        if token is None:
            return None
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise MalformedCredentials(
                "The Basic credentials are not base64-encoded UTF-8 (RFC 7617 §2)."
            ) from None
        username, colon, password = decoded.partition(":")
        if not colon or _CTL.search(decoded):
            raise MalformedCredentials(
                "The Basic credentials must be user-id:password without control"
                " characters (RFC 7617 §2)."
            )
        return username, password

    def check(self, req: Request, credentials: tuple[str, str]) -> Any:
        """Call ``verify(req, username, password)``."""
        return self.verify(req, *credentials)

    def challenge(self, realm: str, attempt: Attempt | None, scopes: Sequence[str]) -> str:
        """Return ``Basic realm="...", charset="UTF-8"`` (RFC 7617 §2, §2.1)."""
        return f'Basic realm={quote(realm)}, charset="UTF-8"'

    def describe(self) -> str:
        """Say how to send the credentials."""
        return "a user name and password (Authorization: Basic)"

    def _openapi(self) -> dict[str, Any]:
        return {"scheme": "basic"}


class APIKey(SecurityScheme):
    """An API key in a header, a query parameter or a cookie (OpenAPI ``apiKey``).

    ``verify(req, key)`` returns the principal, or None. Give exactly one of
    ``header``, ``query`` and ``cookie``. HTTP has no registered scheme for API
    keys, but a 401 must carry a challenge (RFC 9110 §15.5.2): Heron sends
    ``ApiKey realm="...", in="header", name="X-API-Key"`` (an unregistered
    auth-scheme that names where the key goes, and that browsers ignore).

    Args:
        verify: The callback.
        name: The component name.
        header: The header that carries the key.
        query: The query parameter that carries the key.
        cookie: The cookie that carries the key.
        **options: ``description``, ``realm``, ``scopes_of`` (see
            :class:`SecurityScheme`).

    Raises:
        ValueError: Unless exactly one location is given.
    """

    type = "apiKey"
    credential = "API key"

    def __init__(
        self,
        verify: TokenVerifier,
        *,
        name: str = "apiKey",
        header: str | None = None,
        query: str | None = None,
        cookie: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(verify, name=name, **options)
        locations = (("header", header), ("query", query), ("cookie", cookie))
        given = [(location, param) for location, param in locations if param]
        if len(given) != 1:
            raise ValueError("APIKey needs exactly one of header=, query= or cookie=")
        self.location, self.parameter = given[0]

    def extract(self, req: Request) -> str | None:
        """Return the key, or None if it is absent or empty."""
        if self.location == "header":
            value = req.headers.get(self.parameter)
        elif self.location == "query":
            value = req.args.get(self.parameter)
        else:
            value = req.cookies.get(self.parameter)
        return value or None

    def challenge(self, realm: str, attempt: Attempt | None, scopes: Sequence[str]) -> str:
        """Return ``ApiKey realm="...", in="...", name="..."`` (not a registered scheme)."""
        return (
            f"ApiKey realm={quote(realm)}, in={quote(self.location)}, name={quote(self.parameter)}"
        )

    def describe(self) -> str:
        """Say where to send the key."""
        where = {"header": "header", "query": "query parameter", "cookie": "cookie"}
        return f"an API key in the {self.parameter} {where[self.location]}"

    def _openapi(self) -> dict[str, Any]:
        return {"name": self.parameter, "in": self.location}
