"""Content negotiation (RFC 9110 §12).

:func:`select_renderer` picks the representation for a response from ``Accept``
(proactive negotiation, RFC 9110 §12.1 and §12.5.1), :func:`select_format` from
a ``?format=`` query parameter, and :func:`negotiate` does either for a request;
:func:`select_parser` picks the handler that reads request content from
``Content-Type`` (RFC 9110 §8.3).
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from .errors import NotAcceptable, UnsupportedMediaType


class Representation(Protocol):
    """What negotiation reads of a media handler (:class:`heron.media.MediaHandler`)."""

    @property
    def media_type(self) -> str:
        """The media type sent in ``Content-Type``."""

    @property
    def format(self) -> str:
        """The short name ``?format=`` asks for."""

    def matches(self, media_type: str) -> bool:
        """Tell whether the handler serves the concrete ``media_type``."""


class _Operation(Protocol):
    @property
    def query_keys(self) -> frozenset[str]: ...


class _Request(Protocol):
    @property
    def environ(self) -> Any: ...

    @property
    def args(self) -> Any: ...


MediaHandler = TypeVar("MediaHandler", bound=Representation)

__all__ = [
    "Memo",
    "Representation",
    "accept_media_type",
    "format_parameter",
    "media_range_quality",
    "negotiate",
    "query_value",
    "select_format",
    "select_parser",
    "select_renderer",
    "unsupported_media_type",
]

#: Python codecs that are not charsets (RFC 9110 §8.3.2 names IANA charsets).
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode"})
#: Largest number of entries in each memo of negotiation outcomes (then emptied).
MEMO_SIZE = 512


class Memo(Generic[MediaHandler]):
    """Negotiation outcomes remembered for one application, bounded.

    Selecting a renderer or a parser is a pure function of a header value and
    the candidate handlers: an application keeps one memo of each, emptied
    when it reaches :data:`MEMO_SIZE` entries.

    Attributes:
        renderers: ``(Accept value, handlers)`` → (the handler, its media
            type) or (None, the 406 detail).
        parsers: ``(Content-Type value, handlers)`` → (the handler, the
            charset) or (None, the 415 detail).
    """

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self.renderers: dict[
            tuple[str, tuple[MediaHandler, ...]], tuple[MediaHandler | None, str]
        ] = {}
        self.parsers: dict[
            tuple[str, tuple[MediaHandler, ...]], tuple[MediaHandler | None, str | None]
        ] = {}


#: The header listing acceptable content types in a 415, by request method:
#: ``Accept-Post`` (W3C LDP §7.1, named by RFC 9110 §15.5.16) and
#: ``Accept-Patch`` (RFC 5789 §3.1).
_ACCEPT_HEADER = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}


def _split(media_type: str) -> tuple[str, str]:
    main, _, sub = media_type.partition("/")
    return main.strip().lower(), sub.strip().lower()


def _range_specificity(rng: str, handler: MediaHandler) -> int:
    """Return how specifically the ``Accept`` range ``rng`` matches ``handler``, or -1.

    3: the handler's own type; 2: another concrete type it serves, such as a
    ``+json`` type (RFC 6839); 1: ``type/*``; 0: ``*/*``. Parameters of the
    range (``application/json; charset=utf-8``) are not compared: Heron's
    representations carry none but UTF-8 as their charset.
    """
    r_main, r_sub = _split(rng.partition(";")[0])
    t_main, _ = _split(handler.media_type)
    if r_main == "*":
        return 0 if r_sub == "*" else -1
    if r_sub == "*":
        return 1 if r_main == t_main else -1
    concrete = f"{r_main}/{r_sub}"
    if concrete == handler.media_type:
        return 3
    return 2 if handler.matches(concrete) else -1


def media_range_quality(accept: MIMEAccept, handler: MediaHandler) -> float:
    """Return the quality ``Accept`` gives the representations of ``handler``.

    The most specific matching range decides the quality (RFC 9110 §12.5.1), so
    ``q=0`` on a specific type excludes it even when a wider range accepts it.

    Args:
        accept: The parsed ``Accept`` header.
        handler: The candidate serializer.

    Returns:
        The quality, 0 when no range matches.
    """
    best_spec = -1
    best_q = 0.0
    for rng, q in accept:
        spec = _range_specificity(rng, handler)
        if spec < 0:  # the range does not match this handler
            continue
        if spec > best_spec or (spec == best_spec and q > best_q):
            best_spec, best_q = spec, q
    return best_q


def select_renderer(
    accept_header: str | None,
    handlers: Sequence[MediaHandler],
    memo: Memo[MediaHandler] | None = None,
) -> tuple[MediaHandler, str]:
    """Select the handler that best satisfies the ``Accept`` header.

    An absent ``Accept`` accepts anything (RFC 9110 §12.5.1). Otherwise each
    handler's media type gets the quality of the most specific matching range;
    a range naming another type the handler serves (``application/vnd.x+json``
    for JSON, RFC 6839) counts too. The highest quality wins; ties go to the
    server's preference order (``handlers`` order).

    Args:
        accept_header: The raw ``Accept`` value, or None.
        handlers: Candidate serializers, most preferred first (at least one).
        memo: The application's memo of outcomes, if any.

    Returns:
        The handler and the media type to send in ``Content-Type``.

    Raises:
        NotAcceptable: If no handler is acceptable (RFC 9110 §15.5.7); the
            problem lists the available media types.
    """
    if not accept_header or not accept_header.strip():
        return handlers[0], handlers[0].media_type
    # A pure function of the header and the handlers: decided once per pair.
    key = (accept_header, handlers if type(handlers) is tuple else tuple(handlers))
    found = memo.renderers.get(key) if memo is not None else None
    if found is None:
        found = _select_renderer(accept_header, key[1])
        if memo is not None:
            if len(memo.renderers) >= memo.size:
                memo.renderers.clear()
            memo.renderers[key] = found
    chosen, media_type = found
    if chosen is not None:
        return chosen, media_type
    raise NotAcceptable(media_type, available=[h.media_type for h in handlers])


def _select_renderer(
    accept_header: str, handlers: tuple[MediaHandler, ...]
) -> tuple[MediaHandler | None, str]:
    """Return the chosen handler and its media type, or None and the 406 detail."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    best: MediaHandler | None = None
    best_q = 0.0
    for handler in handlers:
        q = media_range_quality(accept, handler)
        if q > best_q:
            best, best_q = handler, q
    if best is None:
        available = [h.media_type for h in handlers]
        return None, (
            f"None of the media types in Accept ({accept_header}) is available; "
            f"this resource is available as: {', '.join(available)}."
        )
    return best, best.media_type


def select_format(fmt: str, handlers: Sequence[MediaHandler]) -> tuple[MediaHandler, str]:
    """Select the handler whose ``format`` is ``fmt`` (``?format=yaml``).

    A client-chosen format overrides ``Accept``: it is the part of the target
    URI that names the representation, so links to it stay stable.

    Args:
        fmt: The requested format name (case-insensitive).
        handlers: Candidate serializers, most preferred first.

    Returns:
        The handler and the media type to send in ``Content-Type``.

    Raises:
        NotAcceptable: If no handler has that format (RFC 9110 §15.5.7); the
            problem lists the available formats and media types.
    """
    wanted = fmt.strip().lower()
    for handler in handlers:
        if handler.format == wanted:
            return handler, handler.media_type
    formats = [h.format for h in handlers]
    raise NotAcceptable(
        f"The format {fmt!r} is not available; this resource is available in the formats:"
        f" {', '.join(formats)}.",
        available=[h.media_type for h in handlers],
        formats=formats,
    )


def format_parameter(name: str | None, operation: _Operation | None) -> str | None:
    """Return the format query parameter in effect for ``operation``, or None.

    An operation whose query schema declares a parameter of that name keeps
    it as its own argument; the override is off there.

    Args:
        name: The application's ``format_param`` (None: switched off).
        operation: The matched operation, if any.
    """
    if not name or operation is None:
        return name
    return None if name in operation.query_keys else name


def accept_media_type(accept_header: str | None, content_type: str) -> None:
    """Check that ``Accept`` admits ``content_type``, the type of bytes an operation sends.

    An operation whose success response declares a ``content_type`` (a file)
    sends bytes of that type, not a representation of data: the most specific
    range matching the type gives its quality (RFC 9110 §12.5.1); a declared
    range (``image/*``) is acceptable when any range overlapping it has a
    quality above 0 (``Accept: image/png`` takes an ``image/*`` photo).

    Args:
        accept_header: The raw ``Accept`` value, or None.
        content_type: The declared media type or range (``image/png``, ``image/*``).

    Raises:
        NotAcceptable: If ``Accept`` excludes the type (RFC 9110 §15.5.7).
    """
    if not accept_header or not accept_header.strip():
        return
    main, _, sub = content_type.partition(";")[0].strip().lower().partition("/")
    best_spec, best_q = -1, 0.0
    for rng, q in parse_accept_header(accept_header, MIMEAccept):
        r_main, _, r_sub = rng.partition(";")[0].strip().lower().partition("/")
        if r_main == "*" and r_sub == "*":
            spec = 0
        elif r_main != main:
            continue
        elif r_sub == "*":
            spec = 1
        elif sub == "*":  # a declared range: a concrete type in it, unless refused
            if q <= 0:
                continue
            spec = 1
        elif r_sub == sub:
            spec = 2
        else:
            continue
        if spec > best_spec or (spec == best_spec and q > best_q):
            best_spec, best_q = spec, q
    if best_q <= 0:
        raise NotAcceptable(
            f"None of the media types in Accept ({accept_header}) is available; "
            f"this resource is available as: {content_type}.",
            available=[content_type],
        )


def query_value(req: _Request, name: str) -> str | None:
    """Return the first value of the query parameter ``name``, or None.

    The query string is parsed (``req.args``) only when it may hold the
    parameter: a query string that neither names it nor percent-encodes
    anything cannot.
    """
    if "args" not in req.__dict__:
        query = req.environ.get("QUERY_STRING")
        if not query or (name not in query and "%" not in query and "+" not in query):
            return None
    value: str | None = req.args.get(name)
    return value


def negotiate(
    req: _Request,
    handlers: Sequence[MediaHandler],
    format_param: str | None,
    memo: Memo[MediaHandler] | None = None,
) -> tuple[MediaHandler, str]:
    """Select the representation for the response to ``req``.

    The query parameter ``format_param``, when enabled and present, decides
    (:func:`select_format`); otherwise ``Accept`` does (:func:`select_renderer`).

    Args:
        req: The request.
        handlers: Candidate serializers, most preferred first (at least one).
        format_param: The name of the format query parameter, or None.
        memo: The application's memo of outcomes, if any.

    Returns:
        The handler and the media type to send in ``Content-Type``.

    Raises:
        NotAcceptable: If nothing acceptable is available (RFC 9110 §15.5.7).
    """
    if format_param:
        fmt = query_value(req, format_param)
        if fmt is not None:
            return select_format(fmt, handlers)
    return select_renderer(req.environ.get("HTTP_ACCEPT"), handlers, memo)


def unsupported_media_type(
    detail: str, handlers: Sequence[MediaHandler], method: str | None
) -> UnsupportedMediaType:
    """Build the 415 problem for content an operation cannot read.

    Args:
        detail: What was wrong with the content.
        handlers: The parsers the operation takes.
        method: The request method: a ``POST`` answer carries ``Accept-Post``,
            a ``PATCH`` answer ``Accept-Patch`` (RFC 9110 §15.5.16, RFC 5789
            §3.1), listing the types the operation takes.

    Returns:
        The error; its ``accepted`` member lists the media types taken.
    """
    accepted = [h.media_type for h in handlers]
    header = _ACCEPT_HEADER.get(method or "")
    headers = {header: ", ".join(accepted)} if header and accepted else None
    return UnsupportedMediaType(
        f"{detail} Send one of: {', '.join(accepted)}.", accepted=accepted, headers=headers
    )


def _is_charset(name: str) -> bool:
    """Tell whether ``name`` is a text encoding Python can decode."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return False
    # Bytes-to-bytes codecs (base64, zlib) and str-to-str ones (rot13) are not charsets.
    return bool(getattr(info, "_is_text_encoding", True)) and info.name not in _NOT_CHARSETS


def select_parser(
    content_type: str | None,
    handlers: Sequence[MediaHandler],
    method: str | None = None,
    memo: Memo[MediaHandler] | None = None,
) -> tuple[MediaHandler, str | None]:
    """Select the handler that reads content of type ``content_type``.

    A ``charset`` parameter (RFC 9110 §8.3.2) naming no encoding the server
    can decode makes the content's format unsupported: a 415, since the
    client can resend it in another encoding, not a malformed request (400).

    Args:
        content_type: The raw ``Content-Type`` value, or None.
        handlers: The parsers the operation takes, most preferred first.
        method: The request method, for the 415's ``Accept-Post`` or
            ``Accept-Patch`` header.
        memo: The application's memo of outcomes, if any.

    Returns:
        The handler and the ``charset`` parameter, if any.

    Raises:
        UnsupportedMediaType: If ``content_type`` is absent, no handler takes
            it, or its charset is unknown (RFC 9110 §15.5.16); the problem
            lists the accepted types.
    """
    # A pure function of the header and the handlers: decided once per pair.
    key = (content_type or "", handlers if type(handlers) is tuple else tuple(handlers))
    found = memo.parsers.get(key) if memo is not None else None
    if found is None:
        found = _select_parser(*key)
        if memo is not None:
            if len(memo.parsers) >= memo.size:
                memo.parsers.clear()
            memo.parsers[key] = found
    handler, charset = found
    if handler is None:
        assert charset is not None
        raise unsupported_media_type(charset, handlers, method)
    return handler, charset


def _select_parser(
    content_type: str, handlers: tuple[MediaHandler, ...]
) -> tuple[MediaHandler | None, str | None]:
    """Return the parser and the charset for ``content_type``, or None and the 415 detail."""
    mimetype, options = parse_options_header(content_type)
    mimetype = mimetype.lower()
    charset = options.get("charset")
    if mimetype:
        for handler in handlers:
            if handler.matches(mimetype):
                if charset is not None and not _is_charset(charset):
                    return None, (
                        f"The charset {charset!r} of the content is not supported;"
                        " resend it in UTF-8."
                    )
                return handler, charset
    what = f"'{mimetype}'" if mimetype else "content without a Content-Type"
    return None, f"This operation does not accept {what}."
