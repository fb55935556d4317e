"""Evaluating preconditions (RFC 9110 §13): entity tags, dates, 304 responses.

:func:`evaluate_preconditions` applies the rules of §13.2.2 to a request and
the :class:`State` of its target resource; :func:`not_modified` turns a 2xx
into the 304 that answers in its place (§15.4.5). :mod:`heron.conditional`
decides when they run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from werkzeug.datastructures import ETags
from werkzeug.http import parse_date

from .errors import BadRequest


class Conditional(Protocol):
    """What preconditions read of a request: its method and header fields."""

    method: str

    @property
    def headers(self) -> Any:
        """The request header fields (``get(name)``, ``name in headers``)."""


__all__ = [
    "OPAQUE_TAG",
    "SAFE_METHODS",
    "State",
    "evaluate_preconditions",
    "http_time",
    "not_modified_fields",
]

SAFE_METHODS = frozenset({"GET", "HEAD"})
# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (§8.8.3).
_ETAGC = "\x21\x23-\x7e\x80-\xff"
_ENTITY_TAG = re.compile(rf'(W/)?"([{_ETAGC}]*)"')
# #entity-tag (§5.6.1): elements separated by OWS "," OWS, empty ones allowed.
_SEPARATORS = re.compile(r"[ \t,]*")
_AFTER_TAG = re.compile(r"[ \t]*(?:,|$)")
OPAQUE_TAG = re.compile(rf"[{_ETAGC}]*")
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"\d\d:\d\d:\d\d"
# HTTP-date = IMF-fixdate / rfc850-date / asctime-date (§5.6.7): one date, not a list.
_HTTP_DATE = re.compile(
    rf"{_DAY}, \d\d {_MONTH} \d{{4}} {_TIME} GMT"
    rf"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d\d-{_MONTH}-\d\d"
    rf" {_TIME} GMT"
    rf"|{_DAY} {_MONTH} [ \d]\d {_TIME} \d{{4}}"
)
#: Headers a 304 drops: representation metadata (§15.4.5), but ``Content-Location``.
_NOT_MODIFIED_DROPS = frozenset(
    {"content-type", "content-length", "content-encoding", "content-language"}
)


@dataclass(frozen=True, slots=True)
class State:
    """The current state as preconditions see it.

    Attributes:
        exists: Whether the resource has a current representation.
        tags: ``(opaque tag, weak)`` of each representation of that state.
        last_modified: Its modification date, in UTC, whole seconds.
    """

    exists: bool
    tags: tuple[tuple[str, bool], ...] = ()
    last_modified: dt.datetime | None = None


def http_time(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` in UTC with whole seconds (HTTP dates have no fractions)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)


def _http_date(value: str) -> dt.datetime | None:
    """Return the date of one HTTP-date field value, or None if it is not exactly one.

    An invalid date, or a list of dates, is ignored by the caller as §13.1.3
    and §13.1.4 require.
    """
    value = value.strip()
    if not _HTTP_DATE.fullmatch(value):
        return None
    return parse_date(value)


def _malformed(name: str, value: str) -> BadRequest:
    return BadRequest(
        f"The {name} header must be '*' or a list of entity tags such as"
        f' "abc" or W/"abc" (RFC 9110 §8.8.3, §13.1); got {value!r}.',
        header=name,
    )


def _entity_tags(name: str, value: str) -> ETags:
    """Parse an ``If-Match``/``If-None-Match`` value: ``*`` or a list of entity tags.

    Werkzeug's ``parse_etags`` skips what it cannot read; a precondition that cannot
    be read would silently turn a conditional write into an unconditional
    one, so anything but ``*`` or a list of entity tags (§13.1.1, §13.1.2)
    is a 400 here. Empty list elements are allowed (§5.6.1.2).

    Raises:
        BadRequest: If the value is malformed (RFC 9110 §15.5.1).
    """
    if value.strip() == "*":
        return ETags(star_tag=True)
    strong: list[str] = []
    weak: list[str] = []
    pos = _SEPARATORS.match(value).end()  # type: ignore[union-attr]  # always matches
    while pos < len(value):  # a scan in linear time: no backtracking over the list
        tag = _ENTITY_TAG.match(value, pos)
        after = _AFTER_TAG.match(value, tag.end()) if tag is not None else None
        if tag is None or after is None:
            raise _malformed(name, value)
        (weak if tag.group(1) else strong).append(tag.group(2))
        pos = _SEPARATORS.match(value, after.end()).end()  # type: ignore[union-attr]
    if not strong and not weak:
        raise _malformed(name, value)
    return ETags(strong, weak)


def _strong_match(tags: ETags, state: State) -> bool:
    """Strong comparison (§8.8.3.2): both tags strong and their opaque tags equal."""
    return any(not weak and tags.is_strong(tag) for tag, weak in state.tags)


def _weak_match(tags: ETags, state: State) -> bool:
    """Weak comparison (§8.8.3.2): the opaque tags are equal, weak or not."""
    return any(tags.contains_weak(tag) for tag, _ in state.tags)


def evaluate_preconditions(req: Conditional, state: State) -> tuple[int, str] | None:
    """Evaluate the preconditions of ``req`` against ``state`` (RFC 9110 §13.2.2).

    1. ``If-Match`` (strong comparison; ``*`` matches any current
       representation): false → 412.
    2. Without ``If-Match``, ``If-Unmodified-Since`` (only when the state has a
       modification date; invalid dates ignored): false → 412.
    3. ``If-None-Match`` (weak comparison; ``*`` matches any current
       representation): false → 304 for ``GET``/``HEAD``, 412 otherwise.
    4. Without ``If-None-Match``, on ``GET``/``HEAD``, ``If-Modified-Since``:
       false → 304.

    Args:
        req: The request.
        state: The current state of the target resource.

    Returns:
        None when the method may be performed, else the status (304 or 412)
        and the reason.

    Raises:
        BadRequest: If ``If-Match`` or ``If-None-Match`` is malformed.
    """
    headers = req.headers
    safe = req.method in SAFE_METHODS
    if_match = headers.get("If-Match")
    if if_match is not None:
        tags = _entity_tags("If-Match", if_match)
        if not state.exists or not (tags.star_tag or _strong_match(tags, state)):
            return 412, (
                "If-Match: the resource has no current representation."
                if not state.exists
                else "If-Match: no listed entity tag is the current one (strong comparison)."
            )
    else:
        since = headers.get("If-Unmodified-Since")
        date = _http_date(since) if since is not None else None
        if date is not None and state.exists and state.last_modified is not None:
            if state.last_modified > date:
                return 412, "If-Unmodified-Since: the resource has changed since that date."
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = _entity_tags("If-None-Match", if_none_match)
        if state.exists and (tags.star_tag or _weak_match(tags, state)):
            if safe:
                return 304, "If-None-Match"
            return 412, (
                "If-None-Match: the resource exists."
                if tags.star_tag
                else "If-None-Match: a listed entity tag is the current one."
            )
    elif safe:
        since = headers.get("If-Modified-Since")
        date = _http_date(since) if since is not None else None
        if date is not None and state.last_modified is not None and state.last_modified <= date:
            return 304, "If-Modified-Since"
    return None


def not_modified_fields(fields: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the fields of the 304 (Not Modified) answering in place of a 2xx with ``fields``.

    It keeps what RFC 9110 §15.4.5 asks a 304 to repeat (``ETag``, ``Vary``,
    ``Cache-Control``, ``Expires``, ``Content-Location``, ``Date``) and every
    other field that is not representation metadata (``Link``, hooks'
    headers), and drops the ``Content-*`` fields, and ``Last-Modified`` when
    there is an ``ETag`` (§15.4.5 lists it only for responses without one).

    Args:
        fields: The 2xx response's header fields, in order.

    Returns:
        The 304's fields, in the same order.
    """
    items = list(fields)
    drops = _NOT_MODIFIED_DROPS
    if any(name.lower() == "etag" for name, _ in items):
        drops = drops | {"last-modified"}
    return [(k, v) for k, v in items if k.lower() not in drops]
