"""The one response type: a Werkzeug ``Response`` that can be built lean.

Every part of Heron answers with a :class:`Response`. Building Werkzeug's
``Response`` (its ``Headers``, the status parsing, the content type) and
sending it (``get_wsgi_response``) costs more than most of a small request, so
Heron builds its own responses with :meth:`Response.lean`: the status, the
header fields as a ``(name, value)`` list and the content, nothing else.
Werkzeug's state (``headers``, ``status``, ``response``...) is made from them
the first time anything reads it (an ``after_request`` hook, a feature adding
a header), each attribute once, as :class:`~heron.core.request.Request` does
for the request. A response nothing touched is sent as it was built: the
status line and fields Werkzeug's ``Response`` would have sent, in the same
order. Fields Werkzeug rewrites on the way out (``Location``, a computed
``Vary``, values with line breaks, which it refuses) make a response that
Werkzeug builds from the start.

A response of Werkzeug's own class that a handler or hook returns is adopted
at one boundary (:func:`adopt`), so the pipeline sees one type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response as _WZResponse

from ._lazy import lazy

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["Fields", "Response", "adopt", "add_vary", "lean_fields", "status_line"]

#: Header fields as WSGI lists them: ``(name, value)`` pairs, in order.
Fields = list[tuple[str, str]]
#: Fields Werkzeug's ``Response`` computes or rewrites when it sends a response:
#: a response setting one of them is built by Werkzeug.
_COMPUTED_FIELDS = frozenset(
    {"content-type", "content-length", "vary", "location", "content-location"}
)
#: Status lines as Werkzeug writes them (``404 NOT FOUND``), by code.
_STATUS_LINES: dict[int, str] = {}


def status_line(code: int) -> str:
    """Return the WSGI status line of ``code`` as Werkzeug's ``Response`` writes it.

    Args:
        code: The status code.

    Returns:
        ``"<code> <PHRASE>"``, e.g. ``"404 NOT FOUND"``; ``UNKNOWN`` for an
        unregistered code (as Werkzeug).
    """
    line = _STATUS_LINES.get(code)
    if line is None:
        phrase = HTTP_STATUS_CODES.get(code)
        line = f"{code} {phrase.upper()}" if phrase else f"{code} UNKNOWN"
        if 100 <= code <= 999:
            _STATUS_LINES[code] = line
    return line


def lean_fields(headers: Any) -> Fields | None:
    """Return ``headers`` as a field list, or None where Werkzeug must build the response.

    Only a dict of string names and string values, none of them a field
    Werkzeug computes or rewrites, none with a line break (which Werkzeug
    refuses), is taken as it is.

    Args:
        headers: What a handler gave: a dict, a list of pairs, Werkzeug's
            ``Headers``, or None.

    Returns:
        The fields, in order; None when the response must be built by Werkzeug.
    """
    if not headers:
        return []
    if type(headers) is not dict:
        return None
    fields: Fields = []
    for name, value in headers.items():
        if (
            type(name) is not str
            or type(value) is not str
            or name.lower() in _COMPUTED_FIELDS
            or "\n" in value
            or "\r" in value
        ):
            return None
        fields.append((name, value))
    return fields


class Response(_WZResponse):
    """An HTTP response: Werkzeug's, with a cheaper way to build and send it.

    Handlers may return one for full control (``Response(data, status=...,
    headers=..., content_type=...)``, Werkzeug's constructor); every response
    Heron builds is one too, and ``after_request`` hooks get one.
    """

    default_mimetype = "application/json"

    # A lean response's own state, set by ``lean``; a response built by
    # Werkzeug's constructor has none of it.
    _code: int
    _fields: Fields
    _body: bytes

    @classmethod
    def lean(cls, status: int, fields: Fields, body: bytes = b"") -> Response:
        """Build a response from its status, header fields and content, nothing else.

        Args:
            status: The status code.
            fields: The header fields, in order, none Werkzeug rewrites (see
                :func:`lean_fields`); kept, not copied.
            body: The content.

        Returns:
            The response; Werkzeug's state is made when first read.
        """
        self = cls.__new__(cls)
        state = self.__dict__
        state["_code"] = status
        state["_fields"] = fields
        state["_body"] = body
        return self

    @classmethod
    def no_content(cls, status: int, headers: Mapping[str, str] | Fields | None = None) -> Response:
        """Build a response without content, and so without ``Content-Type``.

        The one builder of 204, 304 and 308 responses (RFC 9110 §15.3.5,
        §15.4.5, §15.4.9): fields Werkzeug rewrites (``Location``) are left
        to Werkzeug.

        Args:
            status: The status code.
            headers: The header fields: a dict or a ``(name, value)`` list.

        Returns:
            The response.
        """
        if isinstance(headers, list):
            fields: Fields | None = [(n, v) for n, v in headers if n.lower() != "content-type"]
            if any(  # left to Werkzeug, which rewrites or refuses them
                n.lower() in _COMPUTED_FIELDS or "\n" in v or "\r" in v
                for n, v in fields  # type: ignore[union-attr]
            ):
                fields = None
        else:
            fields = lean_fields(headers)
        if fields is not None and status != 304:
            return cls.lean(status, fields)
        resp = cls(status=status, headers=headers)
        del resp.headers["Content-Type"]
        return resp

    @property
    def is_lean(self) -> bool:
        """Whether the response is still only its status, fields and content.

        True until something reads or sets Werkzeug's state (its headers,
        status or body): it is then sent without Werkzeug's send path.
        """
        state = self.__dict__
        return "_fields" in state and not (
            "headers" in state or "response" in state or "_status" in state
        )

    # -- Werkzeug's state, made from the lean one when first read ---------------------

    @lazy
    def headers(self) -> Headers:
        """The header fields (Werkzeug's ``Headers``)."""
        return Headers(self._fields)

    @lazy
    def _status_code(self) -> int:
        return self._code

    @lazy
    def _status(self) -> str:
        return status_line(self._code)

    @lazy
    def response(self) -> Iterable[bytes]:
        """The content, as Werkzeug's iterable."""
        return [self._body] if self._body else []

    @lazy
    def direct_passthrough(self) -> bool:
        """Whether the iterable is passed through as it is (never, for a lean response)."""
        return False

    @lazy
    def _on_close(self) -> list[Callable[[], Any]]:
        return []

    # -- sending ---------------------------------------------------------------------------

    def wsgi_parts(self, environ: WSGIEnvironment) -> tuple[str, Fields, Iterable[bytes]]:
        """Return the status line, the header fields and the content iterable to send.

        A lean response nothing touched is sent as built (without content for
        ``HEAD``, RFC 9110 §9.3.2); any other goes through Werkzeug's
        ``get_wsgi_response``.

        Args:
            environ: The request's WSGI environment.

        Returns:
            ``(status line, fields, content)``.
        """
        if self.is_lean:
            body = self._body
            if not body or environ["REQUEST_METHOD"] == "HEAD":
                return status_line(self._code), self._fields, []
            return status_line(self._code), self._fields, [body]
        app_iter, status, fields = self.get_wsgi_response(environ)
        return status, fields, app_iter


def adopt(response: _WZResponse) -> _WZResponse:
    """Return a response a handler or hook gave as Heron's :class:`Response`.

    A response of Werkzeug's own class becomes a :class:`Response` in place
    (Werkzeug's ``force_type`` does the same); a subclass (a Heron response, or
    one of the application's with behaviour of its own) is kept as it is.

    Args:
        response: The response.

    Returns:
        The same object.
    """
    if type(response) is _WZResponse:
        response.__class__ = Response
    return response


def add_vary(response: _WZResponse, name: str) -> None:
    """Add ``name`` to the response's ``Vary`` field, once (RFC 9110 §12.5.5).

    Cheaper than Werkzeug's ``response.vary.add`` (which parses and rebuilds a
    header set); a ``Vary: *`` is left alone.

    Args:
        response: The response.
        name: A header field name.
    """
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
        return
    listed = {item.strip().lower() for item in current.split(",")}
    if "*" not in listed and name.lower() not in listed:
        response.headers["Vary"] = f"{current}, {name}"
