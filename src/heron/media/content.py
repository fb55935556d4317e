"""Reading request content: whether any was sent, and its bytes, read once.

Media handlers read request content through :func:`read_content`; a
request's content is read from its input stream (the front end's, e.g.
WSGI's ``wsgi.input``) at most once and kept.
"""

from __future__ import annotations

import io
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request as _WZRequest

__all__ = ["content_sent", "read_content"]


def content_sent(req: _WZRequest) -> bool:
    """Tell whether the request carries content (RFC 9110 §8.6).

    A ``Content-Length`` above 0 does; without one, chunked content does when
    it is not empty (it is read to know). A ``Content-Type`` alone does not,
    as clients sending ``Content-Type: application/json`` on every GET or
    DELETE assume.
    """
    return bool(req.content_length) or (
        "HTTP_TRANSFER_ENCODING" in req.environ and bool(read_content(req))
    )


def read_content(req: _WZRequest) -> bytes:
    """Return the request content, read once and kept: ``req.get_data(cache=True)``.

    Content of a known length within the limits is read from ``wsgi.input``
    directly, where Werkzeug would wrap it in a ``LimitedStream`` that only
    passes the same bytes through; everything else (chunked content, a limit
    to enforce, a stream or form already read) is Werkzeug's. A client that
    sends less than its ``Content-Length`` gets the same 400 as Werkzeug's
    (``ClientDisconnected``), also from a server that ends the stream early
    (gunicorn sets ``wsgi.input_terminated``), so content cut off by a dropped
    connection is never taken for the whole; ``req.stream`` is left consumed.

    Args:
        req: The request.

    Returns:
        The content (also what ``req.get_data()`` returns afterwards).

    Raises:
        ClientDisconnected: If the content ends before its ``Content-Length``.
    """
    state = req.__dict__
    cached: bytes | None = state.get("_cached_data")
    if cached is not None:
        return cached
    length = req.content_length
    limit = req.max_content_length
    environ = req.environ
    if (
        length is None
        or limit is not None
        or req.shallow
        or "stream" in state
        or "form" in state
        or type(req).get_data is not _WZ_GET_DATA
    ):
        fresh = "stream" not in state and "form" not in state  # nothing read before
        content = req.get_data(cache=True)
        if fresh and length is not None and len(content) < length:
            raise ClientDisconnected()  # a server that ends the stream early (gunicorn)
        return content
    stream = environ["wsgi.input"]
    data: bytes
    if "wsgi.input_terminated" in environ:
        data = stream.read()  # the server ends the stream where the content ends
        if len(data) < length:  # ... or where the client stopped sending
            raise ClientDisconnected()
    else:
        try:
            data = stream.read(length)
            while len(data) < length:  # a short read: read on, as LimitedStream does
                chunk = stream.read(length - len(data))
                if not chunk:
                    raise ClientDisconnected()
                data += chunk
        except (OSError, ValueError) as exc:
            raise ClientDisconnected() from exc
    state["_cached_data"] = data
    state["stream"] = _CONSUMED  # consumed, as after ``get_data``
    return data


class _Consumed(io.RawIOBase):
    """A read stream: what ``req.stream`` is once :func:`read_content` read the content.

    One instance serves every request; it stays open and empty.
    """

    def readable(self) -> bool:
        """Return True."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read nothing: the content was read."""
        return 0

    def close(self) -> None:
        """Do nothing: the stream is shared."""


_CONSUMED = _Consumed()
_WZ_GET_DATA = _WZRequest.get_data
