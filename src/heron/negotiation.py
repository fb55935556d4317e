"""Content negotiation (RFC 9110 §12).

:func:`select_renderer` picks the representation for a response from ``Accept``
(proactive negotiation, RFC 9110 §12.1 and §12.5.1); :func:`select_parser` picks
the handler that reads request content from ``Content-Type`` (RFC 9110 §8.3).
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from .errors import NotAcceptable, UnsupportedMediaType
from .media.base import MediaHandler

__all__ = ["media_range_quality", "select_parser", "select_renderer"]


def _split(media_type: str) -> tuple[str, str]:
    main, _, sub = media_type.partition("/")
    return main.strip().lower(), sub.strip().lower()


def _range_specificity(rng: str, handler: MediaHandler) -> int:
    """Return how specifically the ``Accept`` range ``rng`` matches ``handler``, or -1.

    3: the handler's own type; 2: another concrete type it serves, such as a
    ``+json`` type (RFC 6839); 1: ``type/*``; 0: ``*/*``.
    """
    r_main, r_sub = _split(rng)
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
    accept_header: str | None, handlers: Sequence[MediaHandler]
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

    Returns:
        The handler and the media type to send in ``Content-Type``.

    Raises:
        NotAcceptable: If no handler is acceptable (RFC 9110 §15.5.7); the
            problem lists the available media types.
    """
    if not accept_header or not accept_header.strip():
        return handlers[0], handlers[0].media_type
    accept = parse_accept_header(accept_header, MIMEAccept)
    best: MediaHandler | None = None
    best_q = 0.0
    for handler in handlers:
        q = media_range_quality(accept, handler)
        if q > best_q:
            best, best_q = handler, q
    if best is None:
        available = [h.media_type for h in handlers]
        raise NotAcceptable(
            f"None of the media types in Accept ({accept_header}) is available; "
            f"this resource is available as: {', '.join(available)}.",
            available=available,
        )
    return best, best.media_type


def select_parser(
    content_type: str | None, handlers: Sequence[MediaHandler]
) -> tuple[MediaHandler, str | None]:
    """Select the handler that reads content of type ``content_type``.

    Args:
        content_type: The raw ``Content-Type`` value, or None.
        handlers: The parsers the operation takes, most preferred first.

    Returns:
        The handler and the ``charset`` parameter, if any.

    Raises:
        UnsupportedMediaType: If ``content_type`` is absent or no handler takes
            it (RFC 9110 §15.5.16); the problem lists the accepted types.
    """
    mimetype, options = parse_options_header(content_type or "")
    mimetype = mimetype.lower()
    if mimetype:
        for handler in handlers:
            if handler.matches(mimetype):
                return handler, options.get("charset")
    accepted = [h.media_type for h in handlers]
    what = f"'{mimetype}'" if mimetype else "content without a Content-Type"
    raise UnsupportedMediaType(
        f"This operation does not accept {what}; send one of: {', '.join(accepted)}.",
        accepted=accepted,
    )
