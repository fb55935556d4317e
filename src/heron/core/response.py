"""Responses sent without building Werkzeug's ``Response`` object.

A Werkzeug ``Response`` costs more to build and to send than most of what a small
request does. When nothing after the handler needs one (no ``after_request``
hook applies to the route), :mod:`heron.dispatch` answers with a
:class:`PlainResponse` instead: the status line, header fields and content the
``Response`` would have sent, in the same order, handed to ``start_response``
directly. Anything Werkzeug would rewrite on the way out (``Location``, a
computed ``Vary``, fields with line breaks, which it refuses) keeps the
``Response`` path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response as _WZResponse

from .request import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["AnyResponse", "PlainResponse", "plain_fields", "status_line"]

#: Fields Werkzeug's ``Response`` computes or rewrites when it sends a response:
#: a response setting one of them is built as a ``Response``.
_COMPUTED_FIELDS = frozenset(
    {"content-type", "content-length", "vary", "location", "content-location"}
)
#: Status lines as Werkzeug writes them (``404 NOT FOUND``), by code.
_STATUS_LINES: dict[int, str] = {}


def status_line(code: int) -> str:
    """Return the WSGI status line of ``code`` as Werkzeug's ``Response`` writes it.

    Lines of codes 100 to 999 are kept in ``_STATUS_LINES``, which callers read first.
    """
    phrase = HTTP_STATUS_CODES.get(code)
    line = f"{code} {phrase.upper()}" if phrase else f"{code} UNKNOWN"
    if 100 <= code <= 999:
        _STATUS_LINES[code] = line
    return line


class PlainResponse:
    """A response sent without building Werkzeug's ``Response``: status, fields, content.

    The dispatcher answers with one when nothing after the handler needs a
    response object (no ``after_request`` hook applies to the route, no
    conditional request is evaluated, no field Werkzeug rewrites is set): the
    fields are the ones a ``Response`` would send, in the same order. It is
    called like a WSGI application; a ``HEAD`` request gets the fields
    without the content (RFC 9110 §9.3.2).

    Args:
        status: The status code.
        headers: The header fields, as WSGI's ``(name, value)`` list.
        body: The content.
    """

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def status_code(self) -> int:
        """The status code (as on Werkzeug's ``Response``)."""
        return self.status

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        """Send the response (PEP 3333)."""
        start_response(_STATUS_LINES.get(self.status) or status_line(self.status), self.headers)
        if not self.body or environ["REQUEST_METHOD"] == "HEAD":
            return []
        return [self.body]

    def to_response(self) -> Response:
        """Return the same response as a Werkzeug ``Response`` (for hooks that need one)."""
        resp = Response(status=self.status, headers=self.headers)
        if not any(name.lower() == "content-type" for name, _ in self.headers):
            del resp.headers["Content-Type"]
        if self.body:
            resp.set_data(self.body)
        return resp


def plain_fields(headers: Any) -> list[tuple[str, str]] | None:
    """Return ``headers`` as WSGI fields, or None where Werkzeug's ``Response`` must build them.

    Only a dict of string names and string values, none of them a field
    Werkzeug computes or rewrites, none with a line break (which Werkzeug
    refuses), is taken as it is.
    """
    if not headers:
        return []
    if type(headers) is not dict:
        return None
    fields: list[tuple[str, str]] = []
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


#: What the dispatcher answers with: a Werkzeug ``Response`` or a :class:`PlainResponse`.
AnyResponse = _WZResponse | PlainResponse
