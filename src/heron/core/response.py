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

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response as _WZResponse

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

    #: Whether the response is still only its status, fields and content: True
    #: for one :meth:`lean` built until anything reads or sets Werkzeug's state
    #: (its headers, status, body, close callbacks). Until then it is sent as
    #: built, without Werkzeug's send path.
    is_lean: ClassVar[bool] = False

    @staticmethod
    def lean(status: int, fields: Fields, body: bytes = b"") -> Response:
        """Build a response from its status, header fields and content, nothing else.

        Args:
            status: The status code.
            fields: The header fields, in order, none Werkzeug rewrites (see
                :func:`lean_fields`); kept, not copied.
            body: The content.

        Returns:
            The response; Werkzeug's state is made from these when first used.
        """
        self = _LeanResponse.__new__(_LeanResponse)
        self._code = status
        self._fields = fields
        self._body = body
        return self

    @classmethod
    def no_content(cls, status: int, headers: Mapping[str, str] | Fields | None = None) -> Response:
        """Build a response without content, and so without ``Content-Type``.

        The one builder of 204, 304 and 308 responses (RFC 9110 §15.3.5,
        §15.4.5, §15.4.9): fields Werkzeug rewrites (``Location``) or refuses
        (line breaks) are left to Werkzeug, and so is a 304 (it drops the
        representation's fields, §15.4.5).

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

    def settle(self) -> None:
        """Make Werkzeug's state now, if the response is lean (what hooks are handed)."""

    def wsgi_parts(self, environ: WSGIEnvironment) -> tuple[str, Fields, Iterable[bytes]]:
        """Return the status line, the header fields and the content iterable to send.

        A lean response is sent as built (without content for ``HEAD``, RFC
        9110 §9.3.2); any other goes through Werkzeug's ``get_wsgi_response``.

        Args:
            environ: The request's WSGI environment.

        Returns:
            ``(status line, fields, content)``.
        """
        app_iter, status, fields = self.get_wsgi_response(environ)
        return status, fields, app_iter


class _WerkzeugState:
    """One of Werkzeug's per-response attributes, on a lean response.

    Reading or setting it first turns the response into a plain
    :class:`Response` holding all of Werkzeug's state, made from the lean
    status, fields and content; from then on the attribute is an ordinary
    instance attribute.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: _LeanResponse | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        obj.settle()
        return obj.__dict__[self.name]

    def __set__(self, obj: _LeanResponse, value: Any) -> None:
        obj.settle()
        obj.__dict__[self.name] = value


class _LeanResponse(Response):
    """A :class:`Response` that is still only its status, fields and content."""

    is_lean: ClassVar[bool] = True
    _code: int
    _fields: Fields
    _body: bytes

    headers = _WerkzeugState()
    response = _WerkzeugState()
    direct_passthrough = _WerkzeugState()
    _on_close = _WerkzeugState()
    _status = _WerkzeugState()
    _status_code = _WerkzeugState()

    def settle(self) -> None:
        """Make Werkzeug's state from the lean one and become a plain :class:`Response`."""
        state = self.__dict__
        code = self._code
        body = self._body
        state["headers"] = Headers(self._fields)
        state["_status_code"] = code
        state["_status"] = status_line(code)
        state["response"] = [body] if body else []
        state["direct_passthrough"] = False
        state["_on_close"] = []
        self.__class__ = Response  # type: ignore[assignment]

    def wsgi_parts(self, environ: WSGIEnvironment) -> tuple[str, Fields, Iterable[bytes]]:
        """Return the status line, fields and content as built (see :meth:`Response.wsgi_parts`)."""
        code = self._code
        line = _STATUS_LINES.get(code) or status_line(code)
        body = self._body
        if not body or environ["REQUEST_METHOD"] == "HEAD":
            return line, self._fields, []
        return line, self._fields, [body]


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
