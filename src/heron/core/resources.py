"""The :class:`Resource` base class and the route record built at registration.

Registering a resource builds, once, its method → :class:`~heron.core.operations.Operation`
map: each handler's declarations become a record, each declared feature is
bound (:mod:`heron.core.features`), and the handler's signature is checked
against what the rule and the declarations pass it, so a mistake is refused
when the resource is registered, not answered with a 500 at request time.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

from ..http.negotiation import Memo
from ..media.base import MediaHandler, MediaRegistry
from .arguments import ArgumentLoader
from .features import BindSite, OperationFeature
from .media_type import DeclaredMediaType
from .naming import derive_operation_id
from .operations import (
    Operation,
    OperationDecl,
    build_arguments,
    split_docstring,
    success_response,
)

__all__ = [
    "HANDLER_METHODS",
    "FeatureProvider",
    "Resource",
    "Route",
    "build_route",
    "check_signature",
]

#: Handler method names a resource may define, and the HTTP methods they answer.
HANDLER_METHODS: tuple[str, ...] = ("get", "post", "put", "patch", "delete")


class Resource:
    """Base class of a resource: one handler method per HTTP method it supports.

    Define any of ``get``, ``post``, ``put``, ``patch`` and ``delete``. Each
    receives the request as ``req``, the path parameters and the declared
    arguments as keyword arguments, and returns plain data (dumped with the
    declared success schema), ``(data, status)``, ``(data, headers)``,
    ``(data, status, headers)`` or a :class:`~heron.Response`. ``HEAD`` is
    answered with ``get`` and ``OPTIONS`` by Heron (RFC 9110 §9.3.2, §9.3.7).

    Attributes:
        tags: OpenAPI tags for every operation of the resource (added to the
            blueprint's tag).
        negotiate: Whether responses are negotiated representations of data
            (True) or responses the handlers build themselves (False).
        media_handlers: Media handlers for every operation of the resource,
            most preferred first, instead of the blueprint's or application's.
        security: The security requirement of its operations, instead of the
            blueprint's or application's (see :mod:`heron.extensions.security`);
            ``[]`` makes them public.
    """

    tags: ClassVar[tuple[str, ...]] = ()
    media_handlers: ClassVar[Sequence[MediaHandler] | None] = None
    negotiate: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Route:
    """A resource registered at a URL rule.

    Attributes:
        rule: The full Werkzeug rule (blueprint prefix included).
        endpoint: Unique endpoint name, the Werkzeug rule's endpoint.
        resource: The resource instance (one per registration).
        operations: Upper-case method → operation, built once here. ``HEAD``
            maps to the ``GET`` operation.
        allow: The ``Allow`` header value (RFC 9110 §10.2.1).
        blueprint: The blueprint's name, or None.
        include_in_schema: Whether the route appears in the spec.
        negotiate: Whether responses are negotiated (see :class:`Resource`).
        documentation: Whether the route serves the API's own documentation
            (the OpenAPI document, Swagger UI): application- and blueprint-wide
            requirements (security, rate limits) leave it open, so clients can
            always learn how to call the API.
    """

    rule: str
    endpoint: str
    resource: Any
    operations: Mapping[str, Operation]
    allow: str
    blueprint: str | None = None
    include_in_schema: bool = True
    negotiate: bool = True
    documentation: bool = False


class FeatureProvider(Protocol):
    """An extension that gives operations features of its own (security, rate limits).

    Asked once per operation when its resource is registered (and, for the
    operations registered before the extension was, when it is).
    """

    def operation_features(self, site: BindSite, blueprint: Any) -> Iterable[OperationFeature]:
        """Return the (unbound) features the operation at ``site`` gets.

        Args:
            site: The operation being registered.
            blueprint: Its blueprint, or None.
        """


def handlers_of(resource: Any) -> dict[str, Callable[..., Any]]:
    """Return upper-case method → bound handler for the handlers ``resource`` defines."""
    found: dict[str, Callable[..., Any]] = {}
    for name in HANDLER_METHODS:
        handler = getattr(resource, name, None)
        if callable(handler):
            found[name.upper()] = handler
    return found


def _item_rule(rule: str) -> bool:
    return rule.rstrip("/").endswith(">")


def _declarations(handler: Callable[..., Any]) -> OperationDecl:
    decl: OperationDecl | None = getattr(handler, "__heron_operation__", None)
    return decl or OperationDecl()


def build_operation(
    resource: Any,
    method: str,
    handler: Callable[..., Any],
    *,
    rule: str,
    tags: tuple[str, ...],
    default_unknown: str,
    include_in_schema: bool,
    media: Sequence[MediaHandler] | None = None,
) -> Operation:
    """Build the :class:`Operation` record of one handler, before its features are bound.

    Args:
        resource: The resource instance.
        method: Upper-case HTTP method.
        handler: The bound handler.
        rule: The full URL rule.
        tags: Tags from the blueprint and the resource.
        default_unknown: The application's unknown-field policy.
        include_in_schema: Whether the route is documented.
        media: Media handlers of the resource or blueprint, if they override
            the application's; the operation's own declaration wins.

    Returns:
        The operation record.

    Raises:
        ValueError: If two arguments share a location or a keyword.
    """
    decl = _declarations(handler)
    responses = tuple(decl.responses)
    success = success_response(responses)
    many = bool(success.schema is not None and success.schema.many)  # a list: ``list<Plural>``
    summary, description = split_docstring(handler)
    doc = decl.doc
    op_id = doc.get("operation_id") or derive_operation_id(
        type(resource).__name__, method, item=_item_rule(rule), many=many
    )
    return Operation(
        method=method,
        handler=handler,
        operation_id=op_id,
        summary=doc.get("summary", summary),
        description=doc.get("description", description),
        tags=tuple(doc["tags"]) if "tags" in doc else tags,
        arguments=build_arguments(decl, default_unknown),
        responses=responses,
        success=success,
        deprecated=bool(doc.get("deprecated", False)),
        include_in_schema=include_in_schema and doc.get("include_in_schema", True),
        extra=dict(doc.get("extra", {})),
        responses_by_status={r.status: r for r in responses},
        media=MediaRegistry(chosen) if (chosen := decl.media or media) else None,
    )


def bind_features(
    op: Operation,
    site: BindSite,
    declared: Iterable[OperationFeature],
    *,
    check: bool = True,
) -> Operation:
    """Bind ``declared`` features to ``op`` and return the operation record holding them.

    Features bind in the order given (declarations, then what extensions
    contribute, then argument loading); they run in the order of their
    :attr:`~heron.core.features.OperationFeature.stage`.

    Args:
        op: The operation, as built without these features.
        site: Its binding site (``arguments`` and ``responses`` start as ``op``'s).
        declared: The unbound features.
        check: Check the handler's signature against what is passed to it.

    Returns:
        The new record (``op`` itself when nothing changed).

    Raises:
        ValueError: If a feature refuses the handler, or the signature cannot
            take what the rule and the declarations pass it.
    """
    bound: list[OperationFeature] = list(op.features)
    for feature in declared:
        result = feature.bind(site)
        if result is not None:
            bound.append(result)
    if check:
        check_signature(site)
    bound.sort(key=lambda f: f.stage)
    responses = tuple(site.responses)
    changed = (
        len(bound) != len(op.features)
        or tuple(site.arguments) != op.arguments
        or responses != op.responses
        or site.negotiate != op.negotiate
        or site.content is not op.content
    )
    if not changed:
        return op

    return replace(
        op,
        arguments=tuple(site.arguments),
        responses=responses,
        success=success_response(responses),
        responses_by_status={r.status: r for r in responses},
        features=tuple(bound),
        negotiate=site.negotiate,
        content=site.content,
        content_types=site.content_types,
    )


def check_signature(site: BindSite) -> None:
    """Check that the handler can take what its rule and declarations pass it.

    The handler is called as ``handler(req, **kwargs)``: ``kwargs`` holds the
    rule's path parameters and what each declaration passes
    (:meth:`~heron.core.features.BindSite.supplies`). A handler taking
    ``**kwargs`` takes anything.

    Raises:
        ValueError: Naming the handler, the parameter and the declaration: a
            keyword passed that the handler has no parameter for, or a
            parameter without a default that nothing passes.
    """
    try:
        signature = inspect.signature(site.handler)
    except ValueError:  # a method defined without ``self``: it cannot take anything
        raise ValueError(
            f"{site.name}() must take the request as its first parameter (req), after self"
        ) from None
    except TypeError:  # no signature to read (a builtin): trust it
        return
    params = list(signature.parameters.values())
    first = next((p for p in params if p.kind is not p.KEYWORD_ONLY), None)
    if first is None or first.kind is first.VAR_KEYWORD:
        raise ValueError(f"{site.name}() must take the request as its first parameter (req)")
    named = {
        p.name: p
        for p in params
        if p is not first and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in params)
    supplied = {name: f"the rule {site.rule!r}" for name in site.path_params}
    path_argument = any(a.location == "path" for a in site.arguments)
    if path_argument:  # the path schema's fields replace the rule's parameters
        supplied = {}
    supplied.update(site.supplied)
    for name in site.withdrawn:
        supplied.pop(name, None)
    if not var_keyword:
        for name, by in supplied.items():
            if name not in named:
                raise ValueError(
                    f"{site.name}() has no parameter {name!r}, which {by} passes to it;"
                    f" add {name!r} to its parameters" + _hint(name, named)
                )
    for name, param in named.items():
        if param.default is param.empty and name not in supplied:
            raise ValueError(
                f"{site.name}() requires the parameter {name!r}, which nothing passes to it"
                + _passed(site, supplied)
                + _KNOWN.get(name, _hint(name, supplied))
            )


def _passed(site: BindSite, supplied: Mapping[str, str]) -> str:
    if not supplied:
        return f" (the rule {site.rule!r} has no path parameters and nothing is declared)"
    listed = ", ".join(f"{name!r} ({by})" for name, by in supplied.items())
    return f"; it gets {listed}"


#: What a handler finds elsewhere than in its keyword arguments.
_KNOWN = {
    "principal": "; the caller is req.principal (set by the operation's security requirement)",
    "session": "; the session is req.session (the Sessions extension)",
}


def _hint(name: str, candidates: Iterable[str]) -> str:

    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _site(
    resource: Any,
    rule: str,
    path_params: tuple[str, ...],
    op: Operation,
    operations: Mapping[str, Operation],
    media_registry: MediaRegistry,
    format_param: str | None,
    memo: Memo[MediaHandler] | None,
    unknown: str,
    *,
    negotiate: bool,
    documentation: bool,
) -> BindSite:
    """Return the binding site of ``op``, as the operation record stands."""
    return BindSite(
        resource=resource,
        method=op.method,
        handler=op.handler,
        rule=rule,
        path_params=path_params,
        arguments=list(op.arguments),
        responses=list(op.responses),
        operations=operations,
        unknown=unknown,
        format_param=format_param,
        memo=memo,
        media=op.media or media_registry,
        app_media=media_registry,
        negotiate=negotiate,
        documentation=documentation,
        content=op.content,
        content_types=op.content_types,
    )


def build_route(
    resource: Any,
    rule: str,
    *,
    endpoint: str,
    path_params: tuple[str, ...],
    media_registry: MediaRegistry,
    format_param: str | None,
    memo: Memo[MediaHandler] | None = None,
    blueprint: Any = None,
    tags: tuple[str, ...] = (),
    default_unknown: str = "raise",
    include_in_schema: bool = True,
    media: Sequence[MediaHandler] | None = None,
    providers: Sequence[FeatureProvider] = (),
    documentation: bool = False,
) -> Route:
    """Build the route record: the method → operation map, decided once.

    Args:
        resource: The resource instance.
        rule: The full URL rule.
        endpoint: Unique endpoint name.
        path_params: The rule's path parameter names.
        media_registry: The application's media handlers.
        format_param: The application's ``?format=`` parameter.
        memo: The application's memo of negotiation outcomes.
        blueprint: The blueprint registering it, if any.
        tags: Tags from the blueprint.
        default_unknown: The application's unknown-field policy.
        include_in_schema: Whether the route is documented.
        media: The blueprint's media handlers, if it overrides the application's.
        providers: The extensions giving operations features of their own.
        documentation: Whether the route serves the API's own documentation.

    Returns:
        The route.

    Raises:
        ValueError: If the resource defines no handler, a declaration does not
            apply, or a handler's signature cannot take what it is passed.
    """
    handlers = handlers_of(resource)
    if not handlers:
        raise ValueError(f"{type(resource).__name__} defines none of {', '.join(HANDLER_METHODS)}")
    all_tags = tags + tuple(t for t in getattr(resource, "tags", ()) if t not in tags)
    negotiate = bool(getattr(resource, "negotiate", True))
    base = {
        method: build_operation(
            resource,
            method,
            handler,
            rule=rule,
            tags=all_tags,
            default_unknown=default_unknown,
            include_in_schema=include_in_schema,
            media=getattr(resource, "media_handlers", None) or media,
        )
        for method, handler in handlers.items()
    }
    operations: dict[str, Operation] = {}
    for method, op in base.items():
        site = _site(
            resource, rule, path_params, op, base, media_registry, format_param, memo,
            default_unknown, negotiate=negotiate, documentation=documentation,
        )  # fmt: skip
        declared: list[OperationFeature] = [DeclaredMediaType()]
        declared.extend(_declarations(op.handler).features)
        for provider in providers:
            declared.extend(provider.operation_features(site, blueprint))
        declared.append(ArgumentLoader())  # last: it loads what the others declared
        operations[method] = bind_features(op, site, declared)
    if "GET" in operations:
        operations["HEAD"] = operations["GET"]
    allow = ", ".join(sorted({*operations, "OPTIONS"}))
    return Route(
        rule=rule,
        endpoint=endpoint,
        resource=resource,
        operations=operations,
        allow=allow,
        blueprint=blueprint.name if blueprint is not None else None,
        include_in_schema=include_in_schema,
        negotiate=negotiate,
        documentation=documentation,
    )


def with_features(
    route: Route,
    provider: FeatureProvider,
    blueprint: Any,
    *,
    media_registry: MediaRegistry,
    format_param: str | None,
    memo: Memo[MediaHandler] | None,
    unknown: str,
    path_params: tuple[str, ...],
) -> Route:
    """Return ``route`` with the features ``provider`` gives its operations (a late extension).

    Args:
        route: A route registered before the extension.
        provider: The extension.
        blueprint: The route's blueprint, or None.
        media_registry: The application's media handlers.
        format_param: The application's ``?format=`` parameter.
        memo: The application's memo of negotiation outcomes.
        unknown: The application's unknown-field policy.
        path_params: The rule's path parameter names.

    Returns:
        The route, its operations rebuilt where the extension adds features.
    """
    operations: dict[str, Operation] = {}
    originals = {m: op for m, op in route.operations.items() if m != "HEAD"}
    for method, op in originals.items():
        site = _site(
            route.resource, route.rule, path_params, op, originals, media_registry,
            format_param, memo, unknown, negotiate=op.negotiate,
            documentation=route.documentation,
        )  # fmt: skip
        operations[method] = bind_features(
            op, site, provider.operation_features(site, blueprint), check=False
        )
    if "GET" in operations:
        operations["HEAD"] = operations["GET"]

    return replace(route, operations=operations)
