"""Requirements: declaring them, resolving each operation's once, enforcing and documenting them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ...core.features import BindSite, Call, Feature, Stage
from ...http.errors import Forbidden, Unauthorized
from .schemes import APIKey, Attempt, SecurityScheme

if TYPE_CHECKING:
    from ...core.extensions import SpecDocument
    from ...core.features import OperationDocument
    from ...core.operations import Operation
    from ...core.request import Request

__all__ = [
    "Alternative",
    "Requirement",
    "Security",
    "SecurityRequirement",
    "authenticate",
    "requirements",
    "requires",
]

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


class SecurityRequirement(Feature):
    """An operation's resolved security requirement (an operation feature).

    Args:
        alternatives: The requirement: alternatives tried in order; ``()`` public.
        differs: Whether it differs from the application's (documented on
            the operation, OpenAPI 3.1 §4.8.10 ``security``).
        realm: The realm of challenges for schemes without their own.
    """

    stage: ClassVar[int] = Stage.AUTHENTICATE

    def __init__(self, alternatives: tuple[Requirement, ...], differs: bool, realm: str) -> None:
        self.alternatives = alternatives
        self.differs = differs
        self.realm = realm

    def document(self, doc: OperationDocument) -> None:
        """Add ``security`` (when it differs from the document's) and the 401/403 responses."""
        notes = doc.notes.setdefault(_NOTES, _Used())
        if self.differs:
            doc.operation["security"] = notes.objects(self.alternatives, doc.openapi_version)
        if not self.alternatives:
            return
        responses = doc.operation["responses"]
        responses.setdefault("401", "Unauthorized")
        notes.statuses.add(401)
        if any(scopes for r in self.alternatives for _, scopes in r.schemes):
            responses.setdefault("403", "Forbidden")
            notes.statuses.add(403)
        doc.operation["responses"] = dict(sorted(responses.items()))


class _Enforced(SecurityRequirement):
    """A requirement with something to check: authenticates before the handler."""

    def before(self, req: Request, call: Call) -> None:
        """Authenticate ``req``: set ``req.principal`` or refuse (401, 403)."""
        authenticate(req, self.alternatives, self.realm)


class _Used:
    """What the operations of one document used: schemes, 401/403."""

    def __init__(self) -> None:
        self.schemes: dict[str, SecurityScheme] = {}
        self.statuses: set[int] = set()

    def objects(
        self, resolved: Sequence[Requirement], openapi_version: str
    ) -> list[dict[str, list[str]]]:
        roles = not openapi_version.startswith("3.0")
        objects: list[dict[str, list[str]]] = []
        for requirement in resolved:
            obj: dict[str, list[str]] = {}
            for scheme, scopes in requirement.schemes:
                self.schemes[scheme.name] = scheme
                obj[scheme.name] = list(scopes) if scheme.scoped or roles else []
            objects.append(obj)
        return objects


_NOTES = "heron.security"
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "A challenge for each scheme the operation accepts (RFC 9110 §11.6.1).",
        "schema": {"type": "string"},
    }
}


class Security:
    """The security of one application: schemes, each operation's requirement (an extension).

    :class:`~heron.Api` registers one, as ``api.security``: it resolves each
    operation's requirement when its resource is registered, gives the
    operation a :class:`SecurityRequirement` feature that enforces it before
    the guards, and documents the schemes (``components.securitySchemes``),
    the application's requirement (the top-level ``security``) and each
    operation's (OpenAPI 3.1 §4.8.30). In OpenAPI 3.0 only ``oauth2`` and
    ``openIdConnect`` requirements list scopes; roles of other schemes are
    enforced but cannot be documented.

    Args:
        default: The application's requirement (``Api(security=...)``).
        realm: The realm of challenges for schemes without their own.
    """

    name = "security"

    def __init__(self, default: Iterable[Alternative] | None = None, realm: str = "api") -> None:
        #: Every scheme used, by component name.
        self.schemes: dict[str, SecurityScheme] = {}
        self.default = self._register(requirements(default))
        self.realm = realm

    def init_app(self, api: Any) -> None:
        """Nothing to register: requirements are bound to operations as they are registered."""

    def _register(self, resolved: Resolved) -> Resolved:
        for requirement in resolved or ():
            for scheme, scopes in requirement.schemes:
                known = self.schemes.setdefault(scheme.name, scheme)
                if known is not scheme:
                    raise ValueError(f"Two security schemes are named {scheme.name!r}")
                scheme.check_scopes(scopes)
        return resolved

    def operation_features(self, site: BindSite, blueprint: Any) -> list[SecurityRequirement]:
        """Resolve the operation's requirement, once (a feature provider).

        The operation's :func:`requires`, else the resource's ``security``,
        else the blueprint's, else the application's. Routes serving the API's
        own documentation (the OpenAPI document and Swagger UI, which must
        load before anyone can authorize in it) stay public.

        Raises:
            ValueError: If a scheme name repeats or a scope is unknown.
            TypeError: If a declaration is malformed.
        """
        declared = (
            getattr(site.handler, "__heron_security__", None),
            getattr(site.resource, "security", None),
            getattr(blueprint, "security", None),
        )
        resolved = self.default
        for candidate in declared:
            if candidate is not None:
                resolved = requirements(candidate)
                break
        resolved = () if site.documentation else self._register(resolved)
        for requirement in resolved or ():
            for scheme, _ in requirement.schemes:
                if isinstance(scheme, APIKey) and scheme.location == "query":
                    site.consumed_query.add(scheme.parameter)  # the key is not an argument
        if resolved is None or (resolved == self.default and not resolved):
            return []
        kind = _Enforced if resolved else SecurityRequirement
        return [kind(resolved, resolved != self.default, self.realm)]

    def requirement(self, op: Operation) -> Resolved:
        """Return the resolved requirement of ``op`` (the default if it has none of its own)."""
        for feature in op.features:
            if isinstance(feature, SecurityRequirement):
                return feature.alternatives
        return self.default

    def document_spec(self, doc: SpecDocument) -> None:
        """Add the schemes used, the top-level ``security`` and the 401/403 components."""
        notes = doc.notes.setdefault(_NOTES, _Used())
        if self.default:
            doc.fields["security"] = notes.objects(self.default, doc.openapi_version)
        for name, scheme in notes.schemes.items():
            doc.component("securitySchemes", name, scheme.to_openapi)
        if 401 in notes.statuses:
            doc.component(
                "responses",
                "Unauthorized",
                lambda: _challenge_response(
                    doc,
                    "Authentication is required, or the credentials sent were rejected;"
                    " `WWW-Authenticate` says how to authenticate (RFC 9110 §15.5.2).",
                ),
            )
        if 403 in notes.statuses:
            doc.component(
                "responses",
                "Forbidden",
                lambda: _challenge_response(
                    doc,
                    "The credentials lack a scope or role this operation requires"
                    " (RFC 9110 §15.5.4, RFC 6750 §3.1).",
                ),
            )


def _challenge_response(doc: SpecDocument, description: str) -> dict[str, Any]:
    return {**doc.error_response(description), "headers": _WWW_AUTHENTICATE}


def authenticate(req: Request, alternatives: Sequence[Requirement], realm_default: str) -> None:
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
