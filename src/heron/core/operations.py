"""Declarations on handlers and the typed record of each operation.

The decorators :func:`arguments`, :func:`response` and :func:`doc` attach an
:class:`OperationDecl` to a handler. When a resource is registered, Heron turns
it into a frozen :class:`Operation`: the one record that request validation reads
at request time and the OpenAPI generator reads at build time, so the spec cannot
drift from behaviour.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import marshmallow as ma

from ..media.base import MediaHandler, MediaRegistry

if TYPE_CHECKING:
    from .features import OperationFeature

__all__ = [
    "Argument",
    "Location",
    "Operation",
    "OperationDecl",
    "ResponseSpec",
    "arguments",
    "declarations",
    "doc",
    "media_handlers",
    "response",
    "schema_instance",
]

Location = Literal["json", "query", "path", "headers", "cookies", "form"]
LOCATIONS: tuple[str, ...] = ("json", "query", "path", "headers", "cookies", "form")
#: Keyword argument under which a handler receives the data of each location.
DEFAULT_ARG_NAMES: dict[str, str] = {
    "json": "body",
    "form": "form",
    "query": "query",
    "headers": "headers",
    "cookies": "cookies",
    "path": "path",
}
BODY_LOCATIONS = frozenset({"json", "form"})
F = TypeVar("F", bound=Callable[..., Any])
SchemaLike = ma.Schema | type[ma.Schema]


@dataclass(frozen=True, slots=True)
class Argument:
    """What an operation takes from one location of the request.

    Attributes:
        schema: The marshmallow schema instance that loads the data.
        location: Where the data comes from: ``json``, ``form``, ``query``,
            ``path``, ``headers`` or ``cookies``.
        name: Keyword argument the handler receives the loaded data under.
        required: For body locations, whether content must be sent.
        unknown: Marshmallow's policy for unknown fields (``raise``,
            ``exclude`` or ``include``).
        description: Description for the request body in the spec.
        example: Example for the spec.
        multi: Data keys of fields taking several values (``List``, ``Tuple``),
            read with ``getlist`` from query strings, forms and headers.
        read_only: Data keys of ``dump_only`` fields (``readOnly`` in the spec),
            ignored when a client sends them back in content: JSON Schema
            2020-12 Validation §9.4 lets the server ignore them, so a client may
            PUT the representation it got.
    """

    schema: ma.Schema
    location: str
    name: str
    required: bool = True
    unknown: str = ma.RAISE
    description: str | None = None
    example: Any = None
    multi: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """One documented response of an operation.

    Attributes:
        status: HTTP status code, or ``"default"``.
        schema: Schema that dumps the handler's data, or None for no body or
            data passed through as it is.
        description: Description for the spec; defaults to the status phrase.
        headers: Response headers for the spec: name → description or a
            header object (OpenAPI 3.1 §4.8.21).
        example: Example body for the spec.
        content_type: The media type of a body that is not a representation of
            data but bytes the handler sends itself (a file: ``image/png``),
            documented as ``type: string, format: binary``; None for data.
    """

    status: int | str
    schema: ma.Schema | None = None
    description: str | None = None
    headers: Mapping[str, str | Mapping[str, Any]] = field(default_factory=dict)
    example: Any = None
    content_type: str | None = None


@dataclass(slots=True)
class OperationDecl:
    """Mutable declarations collected by the decorators on one handler."""

    arguments: list[dict[str, Any]] = field(default_factory=list)
    responses: list[ResponseSpec] = field(default_factory=list)
    doc: dict[str, Any] = field(default_factory=dict)
    media: tuple[MediaHandler, ...] | None = None
    #: Unbound features declared by decorators (``@conditional()``...), top first.
    features: list[OperationFeature] = field(default_factory=list)


class Pipeline:
    """The compiled phases of one operation (filled by the dispatcher, once per change).

    Attributes:
        version: The application version the phases were compiled for.
        before: The ``before`` phases, in stage order (guard hooks included).
        tails: For each ``before`` phase, the ``finish`` phases of the
            features after it (a response it answers with goes through them).
        after: The ``after`` phases.
        finish: The ``finish`` phases.
    """

    __slots__ = ("after", "before", "finish", "tails", "version")

    def __init__(self) -> None:
        self.version = -1
        self.before: tuple[Callable[..., Any], ...] = ()
        self.tails: tuple[tuple[Callable[..., Any], ...], ...] = ()
        self.after: tuple[Callable[..., Any], ...] = ()
        self.finish: tuple[Callable[..., Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Operation:
    """The typed record of one operation (a method on a path item).

    Attributes:
        method: Upper-case HTTP method (``GET``, ``POST``, ...).
        handler: The bound handler method.
        operation_id: Unique operationId in the spec.
        summary: First line of the handler's docstring, or as declared.
        description: Rest of the docstring, or as declared.
        tags: OpenAPI tags (from the blueprint, or declared).
        arguments: What the operation takes, one entry per location.
        responses: Documented responses, in declaration order.
        success: The response sent when the handler returns plain data.
        deprecated: Whether the spec marks the operation deprecated.
        include_in_schema: Whether the operation appears in the spec.
        extra: Extra OpenAPI operation fields merged in verbatim.
        responses_by_status: ``responses`` keyed by status.
        media: The media handlers of this operation when they differ from the
            application's (declared on the operation, resource or blueprint).
        conditional: Its conditional-request declaration
            (:func:`heron.conditional.conditional`), or None.
        pagination: Its pagination (:func:`heron.pagination.paginate`), or None.
        patch: What its PATCH content patches (:func:`heron.patch.patch_body`),
            or None.
        query_keys: The data keys of its query arguments' fields (computed):
            a ``?format=`` parameter of that name is the operation's own.
    """

    method: str
    handler: Callable[..., Any]
    operation_id: str
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    arguments: tuple[Argument, ...]
    responses: tuple[ResponseSpec, ...]
    success: ResponseSpec
    deprecated: bool = False
    include_in_schema: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)
    responses_by_status: Mapping[int | str, ResponseSpec] = field(default_factory=dict)
    media: MediaRegistry | None = None
    features: tuple[OperationFeature, ...] = ()
    negotiate: bool = True
    content: Argument | None = None
    content_types: tuple[str, ...] = ()
    pipeline: Pipeline = field(default_factory=Pipeline, repr=False, compare=False)
    query_keys: frozenset[str] = field(init=False, default=frozenset(), repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = frozenset(
            fld.data_key or key
            for arg in self.arguments
            if arg.location == "query"
            for key, fld in arg.schema.load_fields.items()
        )
        object.__setattr__(self, "query_keys", keys)

    @property
    def body_argument(self) -> Argument | None:
        """The argument read from the request content, if any (a patch document too)."""
        if self.content is not None:
            return self.content
        for arg in self.arguments:
            if arg.location in BODY_LOCATIONS:
                return arg
        return None


def declarations(func: Callable[..., Any]) -> OperationDecl:
    """Return the declarations recorded on the handler ``func`` (created empty)."""
    decl: OperationDecl | None = getattr(func, "__heron_operation__", None)
    if decl is None:
        decl = OperationDecl()
        func.__heron_operation__ = decl  # type: ignore[attr-defined]
    return decl


def arguments(
    schema: SchemaLike,
    *,
    location: Location = "json",
    name: str | None = None,
    required: bool = True,
    unknown: str | None = None,
    description: str | None = None,
    example: Any = None,
) -> Callable[[F], F]:
    """Declare what a handler takes from one location of the request.

    The data is loaded with ``schema`` before the handler runs and passed to it
    as the keyword argument ``name``. Failures from every location are gathered
    into one 422 problem (RFC 9110 §15.5.21).

    Args:
        schema: A marshmallow schema class or instance (``only``, ``exclude``,
            ``partial`` allowed).
        location: ``json`` (request content), ``form``
            (``application/x-www-form-urlencoded`` or ``multipart/form-data``),
            ``query``, ``path``, ``headers`` or ``cookies``.
        name: Handler keyword argument; defaults to ``body`` for ``json``,
            otherwise the location's name.
        required: For ``json``/``form``: whether content must be sent.
        unknown: Policy for unknown fields; defaults to the application's
            (``raise``). Headers and cookies always exclude unknown names.
        description: Request body description for the spec.
        example: Example for the spec.

    Returns:
        The decorator.

    Raises:
        ValueError: If ``location`` is not one of the above.
    """
    if location not in LOCATIONS:
        raise ValueError(f"Unknown argument location {location!r}; use one of {LOCATIONS}")

    def decorator(func: F) -> F:
        declarations(func).arguments.insert(
            0,
            {
                "schema": schema,
                "location": location,
                "name": name or DEFAULT_ARG_NAMES[location],
                "required": required,
                "unknown": unknown,
                "description": description,
                "example": example,
            },
        )
        return func

    return decorator


def response(
    status: int | str,
    schema: SchemaLike | None = None,
    *,
    description: str | None = None,
    many: bool = False,
    headers: Mapping[str, str | Mapping[str, Any]] | None = None,
    example: Any = None,
    content_type: str | None = None,
) -> Callable[[F], F]:
    """Declare a response of a handler.

    The lowest declared 2xx status is the operation's success response: plain
    data returned by the handler is dumped with its schema and sent with that
    status. Other statuses document alternatives (error statuses without a
    schema are documented as problem details, RFC 9457).

    Args:
        status: HTTP status code, or ``"default"``.
        schema: Schema class or instance that dumps the body; None for no body
            (e.g. 204) or to send the handler's data as it is.
        description: Description for the spec; defaults to the status phrase.
        many: Whether the body is a list of ``schema`` items.
        headers: Headers for the spec: name → description or header object.
        example: Example body for the spec.
        content_type: For a file or other bytes the handler sends as a
            response (:func:`heron.files.send_file`): their media type, e.g.
            ``"image/png"``, documented as ``format: binary`` content.

    Returns:
        The decorator.
    """

    def decorator(func: F) -> F:
        instance = schema_instance(schema, many) if schema is not None else None
        spec = ResponseSpec(
            status, instance, description, dict(headers or {}), example, content_type
        )
        declarations(func).responses.insert(0, spec)
        return func

    return decorator


def media_handlers(*handlers: MediaHandler) -> Callable[[F], F]:
    """Serve and read this operation with ``handlers`` instead of the application's.

    The order is the server's preference for content negotiation (RFC 9110
    §12.1): the first handler is the default representation. Resources
    (``media_handlers`` class attribute) and blueprints
    (``Blueprint(media_handlers=...)``) set the same for all their operations;
    the most specific declaration wins. Error bodies keep the application's
    handlers.

    Args:
        *handlers: Media handler instances, most preferred first.

    Returns:
        The decorator.

    Raises:
        ValueError: If no handler is given.
    """
    if not handlers:
        raise ValueError("media_handlers() needs at least one handler")

    def decorator(func: F) -> F:
        declarations(func).media = tuple(handlers)
        return func

    return decorator


def doc(
    *,
    operation_id: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    deprecated: bool | None = None,
    include_in_schema: bool | None = None,
    **extra: Any,
) -> Callable[[F], F]:
    """Override what the spec says of an operation.

    Args:
        operation_id: The operationId, instead of the derived one.
        summary: Summary instead of the docstring's first line.
        description: Description instead of the docstring's body.
        tags: Tags instead of the blueprint's.
        deprecated: Mark the operation deprecated.
        include_in_schema: False to leave the operation out of the spec.
        **extra: Further OpenAPI operation fields (``externalDocs``, ``x-*``...).

    Returns:
        The decorator.
    """
    values = {
        "operation_id": operation_id,
        "summary": summary,
        "description": description,
        "tags": tags,
        "deprecated": deprecated,
        "include_in_schema": include_in_schema,
    }

    def decorator(func: F) -> F:
        d = declarations(func).doc
        d.update({k: v for k, v in values.items() if v is not None})
        d.setdefault("extra", {}).update(extra)
        return func

    return decorator


def schema_instance(schema: SchemaLike, many: bool = False) -> ma.Schema:
    """Return a schema instance (instantiating a class once, at registration).

    Raises:
        ValueError: If ``many`` is asked of an instance built without it.
    """
    if isinstance(schema, type):
        return schema(many=many)
    if many and not schema.many:
        raise ValueError(
            f"many=True given with an instance of {type(schema).__name__} built with many=False;"
            " pass the class or an instance with many=True"
        )
    return schema


def _multi_keys(schema: ma.Schema) -> frozenset[str]:
    return frozenset(
        f.data_key or name
        for name, f in schema.fields.items()
        if isinstance(f, (ma.fields.List, ma.fields.Tuple))
    )


def split_docstring(func: Callable[..., Any]) -> tuple[str | None, str | None]:
    """Return the summary (first paragraph) and description (the rest) of a docstring."""
    text = inspect.getdoc(func)
    if not text:
        return None, None
    summary, _, rest = text.strip().partition("\n\n")
    return " ".join(summary.split()), rest.strip() or None


def build_arguments(decl: OperationDecl, default_unknown: str) -> tuple[Argument, ...]:
    """Turn declared arguments into :class:`Argument` records.

    Args:
        decl: The handler's declarations.
        default_unknown: The application's unknown-field policy.

    Returns:
        The arguments, in declaration order.

    Raises:
        ValueError: If two arguments share a location or a handler keyword, or
            both ``json`` and ``form`` are declared.
    """
    result: list[Argument] = []
    seen_loc: set[str] = set()
    seen_names: set[str] = set()
    for raw in decl.arguments:
        loc = raw["location"]
        if loc in seen_loc:
            raise ValueError(f"Two argument declarations for location {loc!r}")
        if raw["name"] in seen_names:
            raise ValueError(f"Two arguments passed as {raw['name']!r}")
        seen_loc.add(loc)
        seen_names.add(raw["name"])
        schema = schema_instance(raw["schema"])
        unknown = raw["unknown"] or default_unknown
        if loc in ("headers", "cookies"):
            unknown = ma.EXCLUDE
        result.append(
            Argument(
                schema=schema,
                location=loc,
                name=raw["name"],
                required=raw["required"],
                unknown=unknown,
                description=raw["description"],
                example=raw["example"],
                multi=_multi_keys(schema),
                read_only=frozenset(
                    f.data_key or name for name, f in schema.fields.items() if f.dump_only
                ),
            )
        )
    if {"json", "form"} <= seen_loc:
        raise ValueError("An operation takes either 'json' or 'form' content, not both")
    return tuple(result)


def success_response(responses: tuple[ResponseSpec, ...]) -> ResponseSpec:
    """Return the response sent when a handler returns plain data.

    The lowest declared 2xx status; without one, ``200`` with the data sent as
    it is (``201`` is not guessed for POST: declare it).
    """
    successes = [r for r in responses if isinstance(r.status, int) and 200 <= r.status < 300]
    if successes:
        return min(successes, key=lambda r: int(r.status))
    return ResponseSpec(200, None, None)
