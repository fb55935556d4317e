"""The security parts of the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .policy import Requirement
from .schemes import SecurityScheme

if TYPE_CHECKING:
    from apispec import APISpec

    from ...core.app import Api
    from ...core.operations import Operation

__all__ = ["SecurityDocument"]


class SecurityDocument:
    """The security parts of one OpenAPI document (for :mod:`heron.docs.openapi.generator`).

    ``components.securitySchemes`` lists every scheme the document uses; the
    application's requirement is the top-level ``security``; an operation
    whose requirement differs gets its own (``[]`` when public); operations
    that need authentication document 401, and 403 when they need scopes.

    Args:
        api: The application.
        openapi_version: ``"3.0.3"`` or ``"3.1.0"``. In 3.0 only ``oauth2`` and
            ``openIdConnect`` requirements list scopes; roles of other schemes
            are enforced but cannot be documented.
    """

    def __init__(self, api: Api, openapi_version: str) -> None:
        self.security = api.security
        self.roles = not openapi_version.startswith("3.0")
        self.used: dict[str, SecurityScheme] = {}
        self.statuses: set[int] = set()

    def _objects(self, resolved: Sequence[Requirement]) -> list[dict[str, list[str]]]:
        objects: list[dict[str, list[str]]] = []
        for requirement in resolved:
            obj: dict[str, list[str]] = {}
            for scheme, scopes in requirement.schemes:
                self.used[scheme.name] = scheme
                obj[scheme.name] = list(scopes) if scheme.scoped or self.roles else []
            objects.append(obj)
        return objects

    def top_level(self) -> dict[str, Any]:
        """Return the top-level ``security`` field, if the application has a requirement."""
        default = self.security.default
        return {"security": self._objects(default)} if default else {}

    def document_operation(self, op: Operation, operation: dict[str, Any]) -> None:
        """Add ``security`` and the 401/403 responses to an Operation Object."""
        resolved = self.security.requirement(op)
        if resolved != self.security.default:
            operation["security"] = self._objects(resolved or ())
        if not resolved:
            return
        responses = operation["responses"]
        responses.setdefault("401", "Unauthorized")
        self.statuses.add(401)
        if any(scopes for r in resolved for _, scopes in r.schemes):
            responses.setdefault("403", "Forbidden")
            self.statuses.add(403)
        operation["responses"] = dict(sorted(responses.items()))

    def add_components(
        self, spec: APISpec, error_response: Callable[[str], dict[str, Any]]
    ) -> None:
        """Register the schemes used and the 401/403 response components.

        Args:
            spec: The document being built.
            error_response: Builds an error Response Object from a description.
        """
        for name, scheme in self.used.items():
            spec.components.security_scheme(name, scheme.to_openapi())
        header = {
            "WWW-Authenticate": {
                "description": "A challenge for each scheme the operation accepts"
                " (RFC 9110 §11.6.1).",
                "schema": {"type": "string"},
            }
        }
        if 401 in self.statuses:
            response = error_response(
                "Authentication is required, or the credentials sent were rejected;"
                " `WWW-Authenticate` says how to authenticate (RFC 9110 §15.5.2)."
            )
            spec.components.response("Unauthorized", {**response, "headers": header})
        if 403 in self.statuses:
            response = error_response(
                "The credentials lack a scope or role this operation requires"
                " (RFC 9110 §15.5.4, RFC 6750 §3.1)."
            )
            spec.components.response("Forbidden", {**response, "headers": header})
