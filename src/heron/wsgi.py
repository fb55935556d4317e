"""The WSGI front end (PEP 3333): the one module that speaks to a WSGI server.

:func:`serve` turns the server's ``environ`` into a
:class:`~heron.core.request.Request`, caps chunked request content at the
application's limit while it is read (``wsgi.input``), hands the request to
the pipeline (``App.handle``), and writes the response with
``start_response``. Nothing else in Heron calls ``start_response`` or wraps
``wsgi.input``; :class:`heron.Api` is a WSGI callable because its
``__call__`` is :func:`serve`.

The pipeline takes a ``Request`` and returns a ``Response``; a second front
end (ASGI) is a module beside this one that builds the same ``Request`` from
the connection scope (its environ, with the content read from ``receive()``)
and sends the response's status line, fields and content with ``send()``
(:meth:`heron.core.response.Response.wsgi_parts` gives them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request as _WZRequest

from .http.limits import CappedInput

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .core.app import App

__all__ = ["serve"]

_WZ_CLOSE = _WZRequest.close


def serve(app: App, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answer one request of ``app`` (PEP 3333).

    Args:
        app: The application.
        environ: The WSGI environment.
        start_response: The server's callable.

    Returns:
        The content iterable.
    """
    req = app.request_class(environ, app)
    limit = app.max_content_length
    if limit is not None:
        if req.content_length is None and environ.get("wsgi.input_terminated"):
            # Chunked content: counted while read (see heron.http.limits).
            environ["wsgi.input"] = CappedInput(environ["wsgi.input"], limit)
        else:
            req.max_content_length = limit
    req.max_form_memory_size = app.max_form_memory_size
    req.max_form_parts = app.max_form_parts  # type: ignore[assignment]  # None: no limit
    try:
        response = app.handle(req)
        parts = getattr(response, "wsgi_parts", None)
        if parts is None:  # an application's own Werkzeug response class: a WSGI app
            return response(environ, start_response)
        status, fields, body = parts(environ)
        start_response(status, fields)
        sent: Iterable[bytes] = body
        return sent
    finally:
        if "files" in req.__dict__ or type(req).close is not _WZ_CLOSE:
            req.close()  # uploaded files' temporary files
        # Break the request <-> environ cycle, so the request is freed now,
        # not at the garbage collector's next pass (as Flask does).
        environ["werkzeug.request"] = None
