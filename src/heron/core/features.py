"""The operation-feature protocol: how every per-operation capability plugs in.

A capability of one operation (conditional requests, pagination, PATCH
documents, file downloads, security requirements, rate limits, argument
loading itself) is an :class:`OperationFeature`. It lives in one module and
has three parts, each called by the core without the core knowing which
feature it is:

1. **Binding**, at registration: :meth:`OperationFeature.bind` gets a
   :class:`BindSite` (the handler, the route's other operations, what the
   operation takes and returns), checks the handler, derives what it needs,
   may change what the operation takes (``site.arguments``) or documents
   (``site.responses``), and returns the bound feature. What it passes to
   the handler is declared with :meth:`BindSite.supplies`, so a handler whose
   signature cannot take it is refused there and then.
2. **Running**, per request, in the order of the features' :attr:`stage`:
   :meth:`~OperationFeature.before` runs before the handler (it may answer
   in its place or refuse), :meth:`~OperationFeature.after` transforms what the
   handler returned, :meth:`~OperationFeature.finish` the response built from
   it. A response a ``before`` phase answers with goes through the ``finish``
   phases of the features after it (a 304 gets the caching policy a 200
   would have). A phase a feature does not override is never called.
3. **Documenting**: :meth:`~OperationFeature.document` adds what the feature
   does to the operation's OpenAPI Operation Object, through the
   :class:`OperationDocument` the documentation layer hands it.

Decorators (``@conditional()``, ``@paginate()``...) record unbound features on
the handler (:func:`declare`); :class:`~heron.core.operations.Operation` holds
the bound ones in an ordered tuple and names none of them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from ..http.errors import HTTPError
    from ..http.negotiation import Memo
    from ..media.base import MediaHandler, MediaRegistry
    from .operations import Argument, Operation, ResponseSpec
    from .request import Request
    from .response import Response

__all__ = [
    "BindSite",
    "Call",
    "Feature",
    "OperationDocument",
    "OperationFeature",
    "Stage",
    "declare",
]

F = TypeVar("F", bound=Callable[..., Any])


class Stage(enum.IntEnum):
    """Where a feature's phases run in the pipeline, lowest first.

    ``before`` phases run in this order; ``after`` and ``finish`` phases run
    in it too (a feature's ``finish`` sees the response the earlier ones
    finished). 406 is decided before 401, 401 before 429, 412 before any
    argument is read, as RFC 9110 §13.2.2 and §15.5.7 ask.
    """

    #: The representation sent (a file's own media type): 406 first.
    NEGOTIATE = 100
    #: Who is calling (security requirements): 401, 403.
    AUTHENTICATE = 200
    #: The application's and blueprint's ``guard`` hooks (run by the core).
    GUARD = 300
    #: Quotas (rate limits): 429.
    LIMIT = 400
    #: Preconditions (conditional requests): 304, 412, 428, before anything is read.
    PRECONDITION = 500
    #: The declared arguments, loaded and validated: 400, 415, 422.
    ARGUMENTS = 600
    #: The request content read by a feature (patch documents).
    CONTENT = 700
    #: What the handler gets and returns reshaped (pagination).
    SHAPE = 800
    #: Response policies (caching).
    RESPONSE = 900


class Call:
    """The state of one call of an operation, shared by its features.

    Attributes:
        operation: The operation called.
        path: The path parameters, as the rule's converters gave them.
        kwargs: The handler's keyword arguments, filled by the features.
        renderer: The negotiated serializer, None for an operation sending
            bytes of its own type or a route that does not negotiate.
        media_type: The media type to send.
        notes: What a feature keeps between its phases, keyed by the feature.
    """

    __slots__ = ("kwargs", "media_type", "notes", "operation", "path", "renderer")

    def __init__(
        self,
        operation: Operation,
        path: dict[str, Any],
        renderer: MediaHandler | None,
        media_type: str,
    ) -> None:
        self.operation = operation
        self.path = path
        self.kwargs: dict[str, Any] = path
        self.renderer = renderer
        self.media_type = media_type
        self.notes: dict[object, Any] = {}

    def give(self, keyword: str, value: Any) -> None:
        """Pass ``value`` to the handler as ``keyword`` (``kwargs`` is copied first if shared)."""
        if self.kwargs is self.path:
            self.kwargs = dict(self.path)
        self.kwargs[keyword] = value


class OperationDocument(Protocol):
    """What a feature may add to the OpenAPI Operation Object of its operation.

    Implemented by the documentation layer (:mod:`heron.docs.openapi`); the
    feature writes plain OpenAPI data (OpenAPI 3.1 §4.8.10), marshmallow
    schema instances where a Schema Object goes.

    Attributes:
        op: The operation documented.
        operation: The Operation Object being built (a dict), ``responses``
            included.
        openapi_version: ``"3.0.3"`` or ``"3.1.0"``.
        notes: What features and extensions keep while one document is built
            (shared by every operation of the document), by a name of theirs.
    """

    op: Operation
    operation: dict[str, Any]
    openapi_version: str
    notes: dict[str, Any]

    def component(self, kind: str, name: str, build: Callable[[], dict[str, Any]]) -> str:
        """Add the component ``name`` of ``kind`` (``schemas``, ``parameters``...) once.

        Returns:
            ``name``, to reference it.
        """

    def error_response(self, description: str) -> dict[str, Any]:
        """Return an error Response Object: ``description`` and the problem content."""

    def success(self) -> dict[str, Any]:
        """Return the Response Object of the success status (created if missing)."""

    def add_responses(self, specs: Iterable[ResponseSpec]) -> None:
        """Document further responses.

        A status the operation does not document yet is added (an error
        status without a schema as problem details); for one it documents,
        the headers are added to it.
        """


@dataclass(eq=False)
class BindSite:
    """What a feature binds against, when its resource is registered.

    Attributes:
        resource: The resource instance.
        method: The upper-case HTTP method.
        handler: The bound handler method.
        rule: The full URL rule.
        path_params: The rule's path parameter names.
        arguments: What the operation takes, in order (a feature may add or
            replace entries).
        responses: What it documents, in order (likewise).
        operations: The route's operations by method, before their features
            were bound (to read the current state through the ``GET``).
        unknown: The application's policy for unknown fields.
        app_media: The application's media handlers.
        format_param: The application's ``?format=`` query parameter, or None.
        memo: The application's memo of negotiation outcomes (for ``select_parser``).
        media: The media handlers of the operation (its own, the resource's or
            blueprint's, else the application's registry).
        negotiate: Whether responses are negotiated representations of data;
            a feature sending bytes of their own type sets it False.
        documentation: Whether the route serves the API's own documentation
            (see :class:`~heron.core.resources.Route`).
        content: The argument read from the request content by a feature
            (a patch document), set with :meth:`takes_content`.
        content_types: The media types that feature reads.
        consumed_query: Query parameters another part reads (an API key in
            the query): argument loading leaves them out of the query data.
    """

    resource: Any
    method: str
    handler: Callable[..., Any]
    rule: str
    path_params: tuple[str, ...]
    arguments: list[Argument]
    responses: list[ResponseSpec]
    operations: Mapping[str, Operation]
    unknown: str
    format_param: str | None
    memo: Memo[MediaHandler] | None
    media: MediaRegistry
    app_media: MediaRegistry
    negotiate: bool = True
    documentation: bool = False
    content: Argument | None = None
    content_types: tuple[str, ...] = ()
    consumed_query: set[str] = field(default_factory=set)
    #: Handler keyword → what supplies it (for the signature check).
    supplied: dict[str, str] = field(default_factory=dict)
    #: Handler keywords a feature takes away (a query argument turned into a page).
    withdrawn: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """The handler as messages name it: ``Resource.method``."""
        return f"{type(self.resource).__name__}.{self.method.lower()}"

    def supplies(self, keyword: str, by: str) -> None:
        """Declare that the handler gets ``keyword``, from the declaration ``by``.

        Args:
            keyword: The handler's keyword argument.
            by: What passes it, for error messages (``"@paginate()"``).

        Raises:
            ValueError: If another declaration passes the same keyword.
        """
        other = self.supplied.get(keyword)
        if other is not None and other != by:
            raise ValueError(
                f"{self.name}: {by} and {other} both pass the keyword argument {keyword!r}"
            )
        self.supplied[keyword] = by

    def withdraw(self, keyword: str) -> None:
        """Declare that the handler does not get ``keyword``: a feature consumes it first."""
        self.withdrawn.add(keyword)

    def takes_content(self, argument: Argument, by: str, media_types: tuple[str, ...]) -> None:
        """Declare that a feature reads the request content as ``argument``.

        Args:
            argument: What the content is read as (for the spec, the
                browsable API and the signature check).
            by: The declaration, for error messages.
            media_types: The media types it reads.

        Raises:
            ValueError: If an argument or another feature reads the content.
        """
        if self.content is not None:
            raise ValueError(f"{self.name}: {by} and another declaration both read the content")
        self.content = argument
        self.content_types = media_types
        self.supplies(argument.name, by)

    def success(self) -> ResponseSpec:
        """Return the response sent when the handler returns plain data (as it stands)."""
        from .operations import success_response

        return success_response(tuple(self.responses))


class OperationFeature(Protocol):
    """A capability of one operation: bound at registration, run per request, documented.

    Attributes:
        stage: Where its phases run (:class:`Stage`).
    """

    stage: ClassVar[int]

    def bind(self, site: BindSite) -> OperationFeature | None:
        """Bind the declaration to its operation (at registration).

        Args:
            site: The operation being registered.

        Returns:
            The bound feature (often a new record), or None if it has nothing
            to do for this operation.

        Raises:
            ValueError: If the declaration cannot apply to the handler.
        """

    def before(self, req: Request, call: Call) -> Response | HTTPError | None:
        """Act before the handler runs.

        Returns:
            None to go on; a response to answer with instead of running the
            handler; or an :class:`~heron.HTTPError` to answer as if raised
            (without unwinding the stack).
        """

    def after(self, req: Request, call: Call, result: Any) -> Any:
        """Transform what the handler returned, before it is rendered."""

    def finish(self, req: Request, call: Call, response: Response) -> Response:
        """Transform the response built from the handler's result."""

    def document(self, doc: OperationDocument) -> None:
        """Add what the feature does to the operation's OpenAPI Operation Object."""


class Feature:
    """A base for :class:`OperationFeature` implementations: every phase a no-op.

    The core calls only the phases a subclass overrides (found once, when the
    pipeline is compiled).
    """

    stage: ClassVar[int] = Stage.RESPONSE

    def bind(self, site: BindSite) -> OperationFeature | None:
        """Return the feature itself: nothing to bind."""
        return self

    def before(self, req: Request, call: Call) -> Response | HTTPError | None:
        """Do nothing."""
        return None

    def after(self, req: Request, call: Call, result: Any) -> Any:
        """Return ``result``."""
        return result

    def finish(self, req: Request, call: Call, response: Response) -> Response:
        """Return ``response``."""
        return response

    def document(self, doc: OperationDocument) -> None:
        """Document nothing."""


def phases(feature: OperationFeature) -> tuple[bool, bool, bool]:
    """Tell which of ``before``, ``after`` and ``finish`` ``feature`` implements.

    A :class:`Feature` subclass implements those it overrides; any other
    implementation of the protocol, all three.
    """
    kind = type(feature)
    if not isinstance(feature, Feature):
        return True, True, True
    return (
        kind.before is not Feature.before,
        kind.after is not Feature.after,
        kind.finish is not Feature.finish,
    )


def declare(func: F, feature: OperationFeature) -> F:
    """Record ``feature`` (unbound) on the handler ``func``, after those declared before.

    Decorators apply bottom-up: features are kept in the order they are
    written, top first.

    Args:
        func: The handler.
        feature: The declaration.

    Returns:
        ``func``.
    """
    from .operations import declarations

    declarations(func).features.insert(0, feature)
    return func
