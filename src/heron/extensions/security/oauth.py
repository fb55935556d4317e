"""OAuth 2.0 and OpenID Connect: bearer tokens whose provider the document describes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .schemes import BearerToken, TokenVerifier

__all__ = ["OAuth2", "OpenIDConnect"]

#: OAuth 2.0 flows and the URLs each needs (OpenAPI 3.1 §4.8.28).
_FLOW_URLS = {
    "implicit": ("authorizationUrl",),
    "password": ("tokenUrl",),
    "clientCredentials": ("tokenUrl",),
    "authorizationCode": ("authorizationUrl", "tokenUrl"),
}


class OAuth2(BearerToken):
    """OAuth 2.0 (RFC 6749): access tokens sent as bearer tokens (RFC 6750).

    The document describes the flows, so Swagger UI's Authorize button can get
    a token; ``verify(req, token)`` checks one (introspection, a JWT library...)
    and returns the principal, whose scopes :func:`requires` checks.

    Args:
        verify: The callback.
        flows: The OAuth Flows Object (OpenAPI 3.1 §4.8.28): flow name
            (``authorizationCode``, ``clientCredentials``, ``password``,
            ``implicit``) → ``{"authorizationUrl": ..., "tokenUrl": ...,
            "scopes": {name: description}}``.
        name: The component name.
        **options: ``description``, ``realm``, ``scopes_of`` (see
            :class:`SecurityScheme`).

    Raises:
        ValueError: If a flow is unknown or lacks a URL or its scopes.
    """

    type = "oauth2"
    scoped = True

    def __init__(
        self,
        verify: TokenVerifier,
        *,
        flows: Mapping[str, Mapping[str, Any]],
        name: str = "oauth2",
        **options: Any,
    ) -> None:
        super().__init__(verify, name=name, **options)
        if not flows:
            raise ValueError("OAuth2 needs at least one flow")
        for flow, spec in flows.items():
            if flow not in _FLOW_URLS:
                raise ValueError(f"Unknown OAuth 2.0 flow {flow!r}; use one of {list(_FLOW_URLS)}")
            missing = [key for key in (*_FLOW_URLS[flow], "scopes") if key not in spec]
            if missing:
                raise ValueError(f"The {flow} flow needs {', '.join(missing)}")
        self.flows = {flow: dict(spec) for flow, spec in flows.items()}
        self.scopes = frozenset(s for spec in self.flows.values() for s in spec["scopes"])

    def check_scopes(self, scopes: Iterable[str]) -> None:
        """Refuse scopes that none of the flows declares.

        Raises:
            ValueError: For an undeclared scope (a typo, most likely).
        """
        unknown = sorted(set(scopes) - self.scopes)
        if unknown:
            raise ValueError(
                f"Scope(s) {', '.join(unknown)} required of {self.name} are declared by none"
                " of its flows"
            )

    def describe(self) -> str:
        """Say how to send the token."""
        return "an OAuth 2.0 access token (Authorization: Bearer)"

    def _openapi(self) -> dict[str, Any]:
        return {"flows": self.flows}


class OpenIDConnect(BearerToken):
    """OpenID Connect: tokens from the provider at ``url``, sent as bearer tokens.

    Args:
        verify: ``verify(req, token)``, returning the principal or None.
        url: The OpenID Connect discovery URL
            (``.../.well-known/openid-configuration``).
        name: The component name.
        **options: ``description``, ``realm``, ``scopes_of`` (see
            :class:`SecurityScheme`).
    """

    type = "openIdConnect"
    scoped = True

    def __init__(
        self, verify: TokenVerifier, *, url: str, name: str = "openIdConnect", **options: Any
    ) -> None:
        super().__init__(verify, name=name, **options)
        self.url = url

    def describe(self) -> str:
        """Say how to send the token."""
        return "an OpenID Connect token (Authorization: Bearer)"

    def _openapi(self) -> dict[str, Any]:
        return {"openIdConnectUrl": self.url}
