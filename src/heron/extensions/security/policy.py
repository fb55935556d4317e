"""Requirements: declaring them, resolving each operation's once, enforcing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ...http.errors import Forbidden, Unauthorized
from .schemes import Attempt, SecurityScheme

if TYPE_CHECKING:
    from ...core.blueprints import Blueprint
    from ...core.operations import Operation
    from ...core.request import Request
    from ...core.resources import Route

__all__ = ["Alternative", "Requirement", "Security", "authenticate", "requirements", "requires"]

F = TypeVar("F", bound=Callable[..., Any])

#: One alternative: a scheme, or scheme → scopes (every scheme must succeed).
Alternative = SecurityScheme | Mapping[SecurityScheme, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One alternative of a requirement: every scheme must succeed, with its scopes."""

    schemes: tuple[tuple[SecurityScheme, tuple[str, ...]], ...]


def requirements(declared: Iterable[Alternative] | None) -> tuple[Requirement, ...] | None:
    """Normalize a declaration: None (none made), ``()`` (public) or the alternatives.

    Raises:
        TypeError: If an alternative is neither a scheme nor a mapping of schemes.
    """
    if declared is None:
        return None
    if isinstance(declared, (SecurityScheme, Mapping)):
        raise TypeError("security is a list of alternatives: write [scheme], not scheme")
    result: list[Requirement] = []
    for alternative in declared:
        items = alternative if isinstance(alternative, Mapping) else {alternative: ()}
        schemes: list[tuple[SecurityScheme, tuple[str, ...]]] = []
        for scheme, scopes in items.items():
            if not isinstance(scheme, SecurityScheme):
                raise TypeError(f"Not a security scheme: {scheme!r}")
            if isinstance(scopes, str):
                raise TypeError(f"The scopes of {scheme.name} are a list, not {scopes!r}")
            schemes.append((scheme, tuple(scopes)))
        result.append(Requirement(tuple(schemes)))
    if all(not r.schemes for r in result):
        return ()  # nothing (or only "anonymous") required: public
    return tuple(result)


def requires(*schemes: Alternative, scopes: Iterable[str] = ()) -> Callable[[F], F]:
    """Declare one alternative way to authenticate for an operation.

    The schemes given must all succeed (AND); stacking the decorator adds
    alternatives (OR), tried top to bottom. ``@requires()`` alone makes the
    operation public; stacked with others it makes authentication optional
    (rejected credentials are still a 401).

    Args:
        *schemes: Schemes, or mappings of scheme → scopes.
        scopes: Scopes (OAuth 2.0) or roles required of each scheme given bare.

    Returns:
        The decorator.

    Raises:
        ValueError: If ``scopes`` is given without a bare scheme.
    """
    scopes = tuple(scopes)
    alternative: dict[SecurityScheme, Sequence[str]] = {}
    for item in schemes:
        if isinstance(item, SecurityScheme):
            alternative[item] = scopes
        else:
            alternative.update(item)
    if scopes and not any(isinstance(item, SecurityScheme) for item in schemes):
        raise ValueError("scopes= applies to the schemes passed to requires()")
    requirements([alternative])  # fail at import time on a bad declaration

    def decorator(func: F) -> F:
        declared: list[Alternative] = func.__dict__.setdefault("__heron_security__", [])
        declared.insert(0, alternative)
        return func

    return decorator


Resolved = tuple[Requirement, ...] | None


class Security:
    """The security of one application: schemes, resolved requirements, the guard.

    :class:`~heron.Api` owns one, as ``api.security``; it resolves each
    operation's requirement when its resource is registered and enforces it as
    the application's first guard.

    Args:
        default: The application's requirement (``Api(security=...)``).
    """

    def __init__(self, default: Iterable[Alternative] | None = None) -> None:
        #: Every scheme used, by component name.
        self.schemes: dict[str, SecurityScheme] = {}
        self.default = self._register(requirements(default))
        self._resolved: dict[int, tuple[Operation, Resolved]] = {}

    def _register(self, resolved: Resolved) -> Resolved:
        for requirement in resolved or ():
            for scheme, scopes in requirement.schemes:
                known = self.schemes.setdefault(scheme.name, scheme)
                if known is not scheme:
                    raise ValueError(f"Two security schemes are named {scheme.name!r}")
                scheme.check_scopes(scopes)
        return resolved

    def resolve(self, route: Route, blueprint: Blueprint | None = None) -> None:
        """Resolve the requirement of each operation of ``route``, once.

        The operation's :func:`requires`, else the resource's ``security``,
        else the blueprint's, else the application's. Heron's own routes (the
        OpenAPI document and Swagger UI, which must load before anyone can
        authorize in it) stay public.

        Raises:
            ValueError: If a scheme name repeats or a scope is unknown.
            TypeError: If a declaration is malformed.
        """
        from ...docs.openapi.resources import OpenAPIDocument
        from ...docs.swagger_ui import SwaggerUI, SwaggerUIAssets

        builtin = isinstance(route.resource, (OpenAPIDocument, SwaggerUI, SwaggerUIAssets))
        for op in route.operations.values():
            if id(op) in self._resolved:
                continue
            declared = (
                getattr(op.handler, "__heron_security__", None),
                getattr(route.resource, "security", None),
                getattr(blueprint, "security", None),
            )
            resolved = self.default
            for candidate in declared:
                if candidate is not None:
                    resolved = requirements(candidate)
                    break
            self._resolved[id(op)] = (op, () if builtin else self._register(resolved))

    def requirement(self, op: Operation) -> Resolved:
        """Return the resolved requirement of ``op`` (the default if unregistered)."""
        entry = self._resolved.get(id(op))
        return self.default if entry is None else entry[1]

    def guard(self, req: Request, op: Operation) -> None:
        """Authenticate ``req`` for ``op``: set ``req.principal`` or refuse.

        Raises:
            Unauthorized: 401 with ``WWW-Authenticate`` (RFC 9110 §15.5.2).
            Forbidden: 403 when the credentials lack a scope (RFC 6750 §3.1).
        """
        entry = self._resolved.get(id(op))
        alternatives = self.default if entry is None else entry[1]
        if alternatives:
            authenticate(req, alternatives)


def authenticate(req: Request, alternatives: Sequence[Requirement]) -> None:
    """Try each alternative in order; the first that succeeds sets the principal.

    Each scheme reads and verifies the request once, however many alternatives
    name it. An empty alternative admits anonymous requests, unless credentials
    were sent and rejected.

    Raises:
        Unauthorized: If no alternative succeeds, with a challenge per scheme.
        Forbidden: If credentials succeed but lack scopes.
    """
    attempts: dict[SecurityScheme, Attempt] = {}
    insufficient: list[tuple[SecurityScheme, tuple[str, ...]]] = []
    anonymous = False
    for requirement in alternatives:
        if not requirement.schemes:
            anonymous = True
            continue
        principals: dict[str, Any] = {}
        for scheme, scopes in requirement.schemes:
            attempt = attempts.get(scheme)
            if attempt is None:
                attempt = attempts[scheme] = scheme.authenticate(req)
            if attempt.principal is None:
                break
            if not set(scopes) <= scheme.granted(attempt.principal):
                insufficient.append((scheme, scopes))
                break
            principals[scheme.name] = attempt.principal
        else:
            req.principals = principals
            req.principal = next(iter(principals.values()))
            return
    rejected = [a for a in attempts.values() if a.error]
    if anonymous and not rejected:
        return
    realm_default = req.api.title
    if insufficient and not rejected:
        challenges = [
            c
            for scheme, scopes in insufficient
            if (c := scheme.scope_challenge(scheme.realm or realm_default, scopes))
        ]
        needed = sorted({s for _, scopes in insufficient for s in scopes})
        raise Forbidden(
            "The credentials sent lack the scope or role this operation requires: "
            + ", ".join(needed)
            + ".",
            headers={"WWW-Authenticate": ", ".join(challenges)} if challenges else None,
        )
    raise _unauthorized(alternatives, attempts, rejected, realm_default)


def _unauthorized(
    alternatives: Sequence[Requirement],
    attempts: Mapping[SecurityScheme, Attempt],
    rejected: Sequence[Attempt],
    realm_default: str,
) -> Unauthorized:
    challenges: dict[str, None] = {}
    for requirement in alternatives:
        for scheme, scopes in requirement.schemes:
            realm = scheme.realm or realm_default
            challenges[scheme.challenge(realm, attempts.get(scheme), scopes)] = None
    if rejected:
        detail = " ".join(a.reason for a in rejected if a.reason)
    else:
        ways = [
            " and ".join(scheme.describe() for scheme, _ in r.schemes)
            for r in alternatives
            if r.schemes
        ]
        detail = "This operation requires authentication: send " + ", or ".join(ways) + "."
    return Unauthorized(detail, headers={"WWW-Authenticate": ", ".join(challenges)})
