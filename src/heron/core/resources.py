"""The :class:`Resource` base class and the route record built at registration."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..media.base import MediaHandler, MediaRegistry
from .naming import derive_operation_id
from .operations import (
    Argument,
    Operation,
    OperationDecl,
    ResponseSpec,
    build_arguments,
    split_docstring,
    success_response,
)

if TYPE_CHECKING:
    from ..features.pagination import Pagination
    from ..features.patch import PatchBody

__all__ = ["HANDLER_METHODS", "Resource", "Route", "build_route"]

#: Handler method names a resource may define, and the HTTP methods they answer.
HANDLER_METHODS: tuple[str, ...] = ("get", "post", "put", "patch", "delete")


class Resource:
    """Base class of a resource: one handler method per HTTP method it supports.

    Define any of ``get``, ``post``, ``put``, ``patch`` and ``delete``. Each
    receives the request as ``req``, the path parameters and the declared
    arguments as keyword arguments, and returns plain data (dumped with the
    declared success schema), ``(data, status)``, ``(data, status, headers)`` or
    a :class:`~heron.Response`. ``HEAD`` is answered with ``get`` and
    ``OPTIONS`` by Heron (RFC 9110 §9.3.2, §9.3.7).

    Attributes:
        tags: OpenAPI tags for every operation of the resource (added to the
            blueprint's tag).
        negotiate: Whether responses are negotiated representations of data
            (True) or responses the handlers build themselves (False).
        media_handlers: Media handlers for every operation of the resource,
            most preferred first, instead of the blueprint's or application's.
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
    """

    rule: str
    endpoint: str
    resource: Any
    operations: Mapping[str, Operation]
    allow: str
    blueprint: str | None = None
    include_in_schema: bool = True
    negotiate: bool = True


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
    """Build the :class:`Operation` record of one handler.

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
    """
    decl: OperationDecl = getattr(handler, "__heron_operation__", None) or OperationDecl()
    raw_arguments = decl.arguments
    responses = tuple(decl.responses)
    declared = success_response(responses)
    many = bool(declared.schema is not None and declared.schema.many)  # a list: ``list<Plural>``
    pagination = decl.pagination
    if pagination is not None:
        raw_arguments, pagination = pagination.with_query(raw_arguments, method)
        if pagination.envelope:
            responses = _envelope_responses(pagination, responses, type(resource).__name__)
    success = success_response(responses)
    arguments = build_arguments(OperationDecl(arguments=raw_arguments), default_unknown)
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
        arguments=arguments,
        responses=responses,
        success=success,
        deprecated=bool(doc.get("deprecated", False)),
        include_in_schema=include_in_schema and doc.get("include_in_schema", True),
        extra=dict(doc.get("extra", {})),
        responses_by_status={r.status: r for r in responses},
        media=MediaRegistry(chosen) if (chosen := decl.media or media) else None,
        conditional=decl.conditional,
        pagination=pagination,
        patch=_patch_body(decl.patch, default_unknown, method, arguments),
    )


def _patch_body(
    declared: dict[str, Any] | None,
    default_unknown: str,
    method: str,
    arguments: tuple[Argument, ...],
) -> PatchBody | None:
    """Build what an operation's PATCH content patches (:func:`heron.patch.patch_body`)."""
    if not declared:
        return None
    from ..features.patch import build_patch_body

    return build_patch_body(declared, default_unknown, method, arguments)


def _envelope_responses(
    pagination: Pagination, responses: tuple[ResponseSpec, ...], resource: str
) -> tuple[ResponseSpec, ...]:
    """Replace the success response's list schema by the pagination envelope's."""
    success = success_response(responses)
    if success.schema is None or not success.schema.many:
        raise ValueError(
            f"paginate(envelope=True) on {resource}.get needs a list response:"
            " @response(200, ItemSchema, many=True)"
        )
    envelope = dataclasses.replace(success, schema=pagination.envelope_schema(success.schema))
    return tuple(envelope if r is success else r for r in responses)


def _bind(resource: Any, operations: dict[str, Operation]) -> None:
    """Resolve what operations take from their route's other operations (in place).

    Conditional requests on unsafe methods and patches read the current state
    through the route's ``GET`` unless told otherwise.
    """
    get = operations.get("GET")
    for method, op in list(operations.items()):
        changes: dict[str, Any] = {}
        if op.conditional is not None:
            negotiated = (get or op) if getattr(resource, "negotiate", True) else None
            changes["conditional"] = op.conditional.bind(resource, method, operations, negotiated)
        if op.patch is not None:
            changes["patch"] = op.patch.bind(resource, operations)
        if changes:
            operations[method] = dataclasses.replace(op, **changes)


def build_route(
    resource: Any,
    rule: str,
    *,
    endpoint: str,
    blueprint: str | None = None,
    tags: tuple[str, ...] = (),
    default_unknown: str = "raise",
    include_in_schema: bool = True,
    media: Sequence[MediaHandler] | None = None,
) -> Route:
    """Build the route record: the method → operation map, decided once.

    Args:
        resource: The resource instance.
        rule: The full URL rule.
        endpoint: Unique endpoint name.
        blueprint: The blueprint's name, if any.
        tags: Tags from the blueprint.
        default_unknown: The application's unknown-field policy.
        include_in_schema: Whether the route is documented.
        media: The blueprint's media handlers, if it overrides the application's.

    Returns:
        The route.

    Raises:
        ValueError: If the resource defines no handler.
    """
    handlers = handlers_of(resource)
    if not handlers:
        raise ValueError(f"{type(resource).__name__} defines none of {', '.join(HANDLER_METHODS)}")
    all_tags = tags + tuple(t for t in getattr(resource, "tags", ()) if t not in tags)
    operations = {
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
    _bind(resource, operations)
    if "GET" in operations:
        operations["HEAD"] = operations["GET"]
    allow = ", ".join(sorted({*operations, "OPTIONS"}))
    return Route(
        rule=rule,
        endpoint=endpoint,
        resource=resource,
        operations=operations,
        allow=allow,
        blueprint=blueprint,
        include_in_schema=include_in_schema,
        negotiate=bool(getattr(resource, "negotiate", True)),
    )
