"""Conditional requests (RFC 9110 §13): validators, 304, 412 and 428.

``@conditional()`` on a handler gives its responses validators and evaluates
the request's preconditions:

- on ``GET``/``HEAD``, a strong ``ETag`` computed from the representation
  (a hash of the body, so the JSON and YAML representations of one state
  have different tags, as strong validators must, §8.8.3), or built from
  the current state's validators when the resource supplies them, plus
  ``Last-Modified`` when known; ``If-None-Match``/``If-Modified-Since`` turn a
  200 into a 304 without content (§15.4.5);
- on unsafe methods, ``If-Match``/``If-Unmodified-Since`` (and
  ``If-None-Match``) are evaluated *before* the handler runs, against the
  current state, so a failed precondition (412) changes nothing; with
  ``required=True`` a request carrying neither ``If-Match`` nor
  ``If-Unmodified-Since`` is refused with 428 (RFC 6585 §3).

Preconditions are evaluated in the order of §13.2.2; ``If-Match`` uses the
strong comparison and ``If-None-Match`` the weak one (§8.8.3.2)
(:mod:`heron.preconditions`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from werkzeug.http import generate_etag, http_date, quote_etag
from werkzeug.wrappers import Response as _WZResponse

from ..core.features import BindSite, Call, Feature, Stage, declare
from ..core.response import Response
from ..http.errors import PreconditionFailed, PreconditionRequired
from ..http.preconditions import (
    OPAQUE_TAG,
    SAFE_METHODS,
    State,
    evaluate_preconditions,
    http_time,
    not_modified_fields,
)
from ._resolve import path_only_get, read_through_get, resource_method

if TYPE_CHECKING:
    from ..core.features import OperationDocument
    from ..core.operations import Operation
    from ..core.request import Request
    from ..media.base import MediaHandler, MediaRegistry

__all__ = ["Conditional", "Validators", "conditional", "evaluate_preconditions", "not_modified"]


F = TypeVar("F", bound=Callable[..., Any])
#: ``validators(req, **path_params)``: the current state's validators, or None.
ValidatorsFunc = Callable[..., "Validators | str | int | None"]


@dataclass(frozen=True, slots=True)
class Validators:
    """The validators of a resource's current state (RFC 9110 §8.8).

    Attributes:
        etag: The opaque tag of the state, unquoted (a version number, a hash
            of the row...); None if there is none. Heron sends it per
            representation (see :func:`conditional`).
        weak: Whether ``etag`` is a weak validator (§8.8.1): it may stay the
            same over changes that do not matter. Weak tags satisfy
            ``If-None-Match`` but never ``If-Match`` (§13.1.1).
        last_modified: When the state last changed (timezone-aware, or naive
            in UTC); sent as ``Last-Modified`` with whole seconds (§8.8.2).
    """

    etag: str | None = None
    weak: bool = False
    last_modified: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.etag is not None and not OPAQUE_TAG.fullmatch(self.etag):
            raise ValueError(
                f"ETag {self.etag!r} has a character an entity tag cannot hold"
                " (a double quote, space or control character; RFC 9110 §8.8.3)"
            )


@dataclass(frozen=True, slots=True)
class Precheck:
    """What :meth:`Conditional.before` found, handed on to :meth:`Conditional.after`.

    Attributes:
        response: A 304 to send instead of running the handler, or None.
        validators: The validators the resource supplied, or None.
    """

    response: Response | None = None
    validators: Validators | None = None


def _coerce(value: Validators | str | int | None) -> Validators | None:
    if value is None or isinstance(value, Validators):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(
            f"A validators function returned {type(value).__name__}; return Validators,"
            " a str or int entity tag, or None"
        )
    return Validators(etag=str(value))


def _tag(opaque: str, handler: MediaHandler | None) -> str:
    """Return the opaque tag of one representation of a state whose tag is ``opaque``.

    Each representation of a negotiated resource gets its own strong tag
    (``"7-json"``, ``"7-yaml"``): a strong validator must tell apart every
    representation of the resource (§8.8.3), and caches holding both must be
    able to tell which one a 304 validates (RFC 9111 §4.3.4).
    """
    return opaque if handler is None else f"{opaque}-{handler.format}"


@dataclass(frozen=True, eq=False)
class Conditional(Feature):
    """The conditional requests of one operation (an operation feature; see :func:`conditional`).

    Attributes:
        validators: ``validators(req, **path_params)`` returning the current
            state's :class:`Validators` (or an entity tag, or None when the
            resource has no current representation), the name of a method of
            the resource doing that, or None for ETags computed from the
            representation.
        required: Refuse unsafe requests without ``If-Match`` or
            ``If-Unmodified-Since`` with 428 (RFC 6585 §3).
        cache_control: ``Cache-Control`` sent on 2xx and 304 responses.
        source: Set at registration for unsafe methods without validators:
            the route's ``GET`` operation, which gives the current
            representation.
        representations: Set at registration: the media handlers of the
            resource's representations (its ``GET``'s), None when the route
            does not negotiate.
    """

    stage: ClassVar[int] = Stage.PRECONDITION

    validators: ValidatorsFunc | str | None = None
    required: bool = False
    cache_control: str | None = None
    source: Operation | None = None
    representations: MediaRegistry | None = None

    def bind(self, site: BindSite) -> Conditional:
        """Resolve the declaration for its operation (at registration).

        Args:
            site: The operation being registered.

        Returns:
            The resolved declaration.

        Raises:
            ValueError: If ``validators`` names no method of the resource, an
                unsafe method has neither validators nor a ``GET`` operation
                taking only path parameters, or ``required`` is set on
                ``GET``.
        """
        validators = self.validators
        method = site.method
        if isinstance(validators, str):
            validators = resource_method(site.resource, validators, "conditional()")
        representations = None
        if getattr(site.resource, "negotiate", True):
            source_op = site.operations.get("GET") or site.operations[method]
            representations = source_op.media or site.app_media
        if method in SAFE_METHODS:
            if self.required:
                raise ValueError(
                    f"conditional(required=True) on {site.name}: only unsafe"
                    " methods can require a precondition (RFC 6585 §3)"
                )
            return dataclasses.replace(self, validators=validators, representations=representations)
        source = None
        if validators is None:
            source = path_only_get(site.operations)
            if source is None:
                raise ValueError(
                    f"conditional() on {site.name} needs validators=: without them"
                    " the current ETag comes from the GET representation, and this resource"
                    " has no GET taking only path parameters"
                )
        return dataclasses.replace(
            self, validators=validators, source=source, representations=representations
        )

    # -- request time ---------------------------------------------------------------

    def _serializers(self) -> tuple[MediaHandler, ...] | None:
        """The representations' handlers, looked up now (handlers may be added late)."""
        if self.representations is None:
            return None
        return self.representations.serializers()

    def _current(self, req: Request, path_values: Mapping[str, Any]) -> Validators | None:
        assert callable(self.validators)
        return _coerce(self.validators(req, **path_values))

    def _state(self, found: Validators | None, handlers: tuple[MediaHandler | None, ...]) -> State:
        if found is None:
            return State(exists=False)
        lm = http_time(found.last_modified) if found.last_modified is not None else None
        tags = (
            () if found.etag is None else tuple((_tag(found.etag, h), found.weak) for h in handlers)
        )
        return State(True, tags, lm)

    def _representation_state(self, req: Request, path_values: Mapping[str, Any]) -> State:
        """The state of the resource from its ``GET`` representations' hashes."""
        source = self.source
        assert source is not None
        data = read_through_get(source, req, path_values, "conditional() validators=")
        if source.success.schema is not None:
            data = source.success.schema.dump(data)
        structured = [h for h in self._serializers() or () if h.structured]
        return State(
            True, tuple((generate_etag(h.render(data, req, 200)), False) for h in structured)
        )

    def before(self, req: Request, call: Call) -> Response | None:
        """Evaluate what can be evaluated before the handler runs (a 304 answers in its place).

        What was found is kept for :meth:`finish` (:meth:`precheck`).
        """
        checked = self.precheck(req, call.renderer, call.path)
        call.notes[self] = checked
        return checked.response

    def precheck(
        self, req: Request, renderer: MediaHandler | None, path_values: Mapping[str, Any]
    ) -> Precheck:
        """Evaluate what can be evaluated before the handler runs.

        On unsafe methods: 428 when required and missing, then every
        precondition against the current state (412 when false), all before
        any change (§13.2.2). On ``GET``/``HEAD`` with validators: the
        preconditions, answering 304 without running the handler.

        Args:
            req: The request.
            renderer: The negotiated representation's handler, None when the
                route does not negotiate.
            path_values: The path parameters.

        Returns:
            What was found; its ``response`` is a 304 to send as it is.

        Raises:
            PreconditionRequired: 428 (RFC 6585 §3).
            PreconditionFailed: 412 (RFC 9110 §15.5.13).
            BadRequest: If an entity-tag header is malformed.
        """
        headers = req.headers
        if req.method in SAFE_METHODS:
            if self.validators is None:
                return Precheck()
            found = self._current(req, path_values)
            if found is None:  # no representation: the handler answers (a 404, §13.2.1)
                return Precheck()
            outcome = evaluate_preconditions(req, self._state(found, (renderer,)))
            if outcome is None:
                return Precheck(validators=found)
            if outcome[0] == 412:
                raise PreconditionFailed(outcome[1])
            return Precheck(response=self._not_modified(found, renderer), validators=found)
        if self.required and "If-Match" not in headers and "If-Unmodified-Since" not in headers:
            raise PreconditionRequired(
                f"{req.method} requests on this resource must be conditional: send If-Match"
                " with the ETag of the representation being changed (RFC 6585 §3).",
            )
        if self.validators is None:
            state = self._representation_state(req, path_values)
            found = None
        else:
            found = self._current(req, path_values)
            handlers: tuple[MediaHandler | None, ...] = self._serializers() or (None,)
            state = self._state(found, handlers)
        outcome = evaluate_preconditions(req, state)
        if outcome is not None:
            raise PreconditionFailed(outcome[1])
        return Precheck(validators=found)

    def _not_modified(self, found: Validators, renderer: MediaHandler | None) -> Response:
        """Return the 304 for ``found``: what the 200 would carry that a 304 keeps (§15.4.5)."""
        fields: list[tuple[str, str]] = []
        if found.etag is not None:
            fields.append(("ETag", quote_etag(_tag(found.etag, renderer), found.weak)))
        elif found.last_modified is not None:
            fields.append(("Last-Modified", http_date(http_time(found.last_modified))))
        if renderer is not None:
            fields.append(("Vary", "Accept"))
        if self.cache_control:
            fields.append(("Cache-Control", self.cache_control))
        return Response.no_content(304, fields)

    def _decorate(
        self,
        resp: Response,
        found: Validators | None,
        renderer: MediaHandler | None,
        present: set[str],
    ) -> None:
        """Set ``ETag``, ``Last-Modified`` and ``Cache-Control`` unless ``present`` (lower case)."""
        if found is not None:
            if found.etag is not None and "etag" not in present:
                resp.set_etag(_tag(found.etag, renderer), weak=found.weak)
                present.add("etag")
            if found.last_modified is not None and "last-modified" not in present:
                resp.last_modified = http_time(found.last_modified)
                present.add("last-modified")
        if self.cache_control and "cache-control" not in present:
            resp.headers["Cache-Control"] = self.cache_control

    def finish(self, req: Request, call: Call, response: Response) -> Response:
        """Give the response its validators, or answer 304/412 instead (:meth:`validate`)."""
        return self.validate(req, response, call.renderer, call.notes[self], call.path)

    def validate(
        self,
        req: Request,
        resp: Response,
        renderer: MediaHandler | None,
        checked: Precheck,
        path_values: Mapping[str, Any],
    ) -> Response:
        """Give a 2xx response its validators; on ``GET``/``HEAD``, evaluate what is left.

        ``GET``/``HEAD``: the ``ETag`` is the resource's (when it supplies
        validators), the handler's own ``ETag`` header, or a hash of the
        body; the preconditions not evaluated before are evaluated now (304
        or 412). ``PATCH``: the new state's validators (RFC 5789 §2 shows an
        ``ETag`` on a PATCH response). ``PUT`` gets none: RFC 9110 §9.3.4
        forbids it unless the content was stored unchanged.

        Args:
            req: The request.
            resp: The handler's response.
            renderer: The negotiated representation's handler, or None.
            checked: What :meth:`before` found.
            path_values: The path parameters.

        Returns:
            The response, a 304 in its place, or ``resp`` untouched when it
            is not a 2xx (§13.2.1: preconditions apply to 2xx answers only).

        Raises:
            PreconditionFailed: If ``If-Match``/``If-Unmodified-Since`` fail
                on a ``GET`` (§13.2.2 steps 1 and 2).
        """
        if not 200 <= resp.status_code < 300:
            return resp
        # Werkzeug's header lookups raise and catch an exception per miss: look once.
        present = {name.lower() for name in resp.headers.keys()}
        if req.method not in SAFE_METHODS:
            patched = req.method == "PATCH" and self.validators is not None
            found = self._current(req, path_values) if patched else None
            self._decorate(resp, found, renderer, present)
            return resp
        self._decorate(resp, checked.validators, renderer, present)
        if checked.validators is None:
            if "etag" not in present:
                if resp.is_streamed or resp.direct_passthrough:
                    return resp  # a stream: hashing it would consume it
                resp.set_etag(generate_etag(resp.get_data()))
            tag, weak = resp.get_etag()
            assert tag is not None and weak is not None
            lm = resp.last_modified if "last-modified" in present else None
            state = State(True, ((tag, weak),), http_time(lm) if lm is not None else None)
            outcome = evaluate_preconditions(req, state)
            if outcome is not None:
                if outcome[0] == 412:
                    raise PreconditionFailed(outcome[1])
                return not_modified(resp)
        return resp

    # -- documentation --------------------------------------------------------------

    def document(self, doc: OperationDocument) -> None:
        """Document the ``If-*`` parameters, the validators, 304, 412 and 428 (RFC 9110 §13)."""
        responses: dict[str, Any] = doc.operation["responses"]
        safe = doc.op.method in SAFE_METHODS
        if safe:
            names = ["IfNoneMatch", "IfModifiedSince", "IfMatch", "IfUnmodifiedSince"]
        else:
            names = ["IfMatch", "IfUnmodifiedSince", "IfNoneMatch"]
        parameters = doc.operation.setdefault("parameters", [])
        parameters.extend(doc.component("parameters", n, _parameter(n)) for n in names)
        if safe or (doc.op.method == "PATCH" and self.validators is not None):
            headers = doc.success().setdefault("headers", {})
            headers["ETag"] = doc.component("headers", "ETag", lambda: dict(_HEADERS["ETag"]))
            headers["Last-Modified"] = doc.component(
                "headers", "LastModified", lambda: dict(_HEADERS["LastModified"])
            )
        if safe:
            responses.setdefault(
                "304", doc.component("responses", "NotModified", _not_modified_doc(doc))
            )
        responses.setdefault("400", "BadRequest")  # a malformed If-Match / If-None-Match
        responses.setdefault(
            "412",
            doc.component(
                "responses", "PreconditionFailed", lambda: doc.error_response(_PRECONDITION_FAILED)
            ),
        )
        if self.required:
            responses.setdefault(
                "428",
                doc.component(
                    "responses",
                    "PreconditionRequired",
                    lambda: doc.error_response(_PRECONDITION_REQUIRED),
                ),
            )
        doc.operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))


_DATE_EXAMPLE = "Sun, 06 Nov 1994 08:49:37 GMT"
#: Header parameter components: name → (header, description).
_PARAMETERS: dict[str, tuple[str, str]] = {
    "IfMatch": (
        "If-Match",
        "Perform the request only if the resource's current entity tag is one of these"
        " (strong comparison), or `*` for any current representation; otherwise 412"
        " (RFC 9110 §13.1.1). Send the `ETag` of the representation being changed.",
    ),
    "IfNoneMatch": (
        "If-None-Match",
        "Perform the request only if the current entity tag is none of these (weak"
        " comparison), or with `*` only if there is no current representation; otherwise"
        " 304 on GET and HEAD, 412 on other methods (RFC 9110 §13.1.2).",
    ),
    "IfModifiedSince": (
        "If-Modified-Since",
        "An HTTP-date: answer 304 unless the resource changed after it; ignored with"
        " `If-None-Match` (RFC 9110 §13.1.3).",
    ),
    "IfUnmodifiedSince": (
        "If-Unmodified-Since",
        "An HTTP-date: perform the request only if the resource has not changed since;"
        " otherwise 412; ignored with `If-Match` (RFC 9110 §13.1.4).",
    ),
}
_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The entity tag of the representation (RFC 9110 §8.8.3), for"
        " `If-None-Match` and `If-Match`.",
        "schema": {"type": "string"},
    },
    "LastModified": {
        "description": "When the resource last changed (RFC 9110 §8.8.2), for"
        " `If-Modified-Since` and `If-Unmodified-Since`.",
        "schema": {"type": "string", "example": _DATE_EXAMPLE},
    },
}
_PRECONDITION_FAILED = (
    "A precondition (`If-Match`, `If-None-Match`, `If-Unmodified-Since`) is false: the"
    " resource changed; nothing was done (RFC 9110 §15.5.13)."
)
_PRECONDITION_REQUIRED = (
    "This request must be conditional: send `If-Match` with the `ETag` of the"
    " representation being changed (RFC 6585 §3)."
)


def _parameter(name: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        header, description = _PARAMETERS[name]
        schema: dict[str, Any] = {"type": "string"}
        if "Since" in name:
            schema["example"] = _DATE_EXAMPLE
        return {
            "in": "header",
            "name": header,
            "required": False,
            "description": description,
            "schema": schema,
        }

    return build


def _not_modified_doc(doc: OperationDocument) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        return {
            "description": "The representation has not changed since the one the"
            " client holds (RFC 9110 §15.4.5); no content.",
            "headers": {
                "ETag": doc.component("headers", "ETag", lambda: dict(_HEADERS["ETag"])),
                "Cache-Control": {
                    "description": "As on the 200 response.",
                    "schema": {"type": "string"},
                },
                "Vary": {"description": "As on the 200 response.", "schema": {"type": "string"}},
            },
        }

    return build


def not_modified(resp: _WZResponse) -> Response:
    """Return the 304 (Not Modified) answering in place of the 2xx ``resp`` (RFC 9110 §15.4.5).

    Its fields are :func:`~heron.http.preconditions.not_modified_fields` of
    ``resp``'s; the content is dropped and ``resp`` closed (a file it would
    have streamed is released).

    Args:
        resp: The response that would have been sent.

    Returns:
        The 304 response, without content.
    """
    resp.close()
    # Werkzeug's header lookups raise and catch an exception per miss: filter once.
    return Response.no_content(304, not_modified_fields(resp.headers.to_wsgi_list()))


def conditional(
    validators: ValidatorsFunc | str | None = None,
    *,
    required: bool = False,
    cache_control: str | None = None,
) -> Callable[[F], F]:
    """Give the operation's responses validators and evaluate preconditions (RFC 9110 §13).

    Without ``validators``, a ``GET`` gets a strong ``ETag`` hashed from the
    body of each response (SHA-1): JSON and YAML representations differ, so
    their tags do, as strong validators must (§8.8.3), and every negotiated
    response already carries ``Vary: Accept``. An unsafe method without
    ``validators`` computes the current tags from the route's ``GET`` (its
    handler called with the path parameters, each structured representation
    hashed) before it runs.

    With ``validators`` the resource says what its current state is, cheaply
    (a version column, an ``updated_at``), before the handler runs: a ``GET``
    answers 304 without calling the handler, and an unsafe method is refused
    with 412 before anything changes. The tag is sent per representation:
    version ``7`` is ``"7-json"`` as JSON and ``"7-yaml"`` as YAML (the bare
    ``"7"`` on routes that do not negotiate); ``If-Match`` accepts the tag
    of any representation of the current state.

    Args:
        validators: ``validators(req, **path_params)`` returning
            :class:`Validators`, a str or int entity tag, or None when the
            resource has no current representation (``If-Match`` then fails
            and ``If-None-Match: *`` passes: a ``PUT`` that creates); or the
            name of a resource method (``"validators"``), bound at
            registration. Raise :class:`~heron.NotFound` for a 404: §13.2.1
            ignores preconditions on requests that would fail anyway.
        required: On unsafe methods: refuse requests with neither
            ``If-Match`` nor ``If-Unmodified-Since`` with 428 (RFC 6585 §3).
        cache_control: ``Cache-Control`` for 2xx and 304 responses (a 304
            must repeat it, §15.4.5), e.g. ``"no-cache"`` or ``"max-age=60"``.

    Returns:
        The decorator.
    """

    def decorator(func: F) -> F:
        return declare(func, Conditional(validators, required, cache_control))

    return decorator
