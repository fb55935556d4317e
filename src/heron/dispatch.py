"""The request pipeline: route, negotiate, load arguments, call, render.

Each step follows RFC 9110: 404/405/308 from routing (§15.5.5, §15.5.6,
§15.4.9), ``OPTIONS`` answered with ``Allow`` (§9.3.7), ``HEAD`` answered by the
``GET`` handler without content (§9.3.2), 406 chosen before the handler runs so
an unacceptable unsafe request changes nothing (§15.5.7).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as _WZResponse

from .errors import (
    PROBLEM_JSON,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    error_for_status,
)
from .media.json import JSONHandler
from .negotiation import select_renderer
from .routing import MatchKind
from .validation import load_arguments
from .wrappers import Request, Response

if TYPE_CHECKING:
    from .app import Api
    from .media.base import MediaHandler
    from .operations import Operation

__all__ = ["Dispatcher"]

log = logging.getLogger("heron")

#: Every method Heron may answer, for ``OPTIONS *`` (RFC 9110 §9.3.7).
ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
_NO_CONTENT = frozenset({204, 304})
_JSON = JSONHandler()


def _no_content(status: int, headers: Mapping[str, str] | None) -> Response:
    """Return a response without content (and so without ``Content-Type``)."""
    resp = Response(status=status, headers=headers)
    del resp.headers["Content-Type"]
    return resp


class Dispatcher:
    """Turns a request into a response for one :class:`~heron.Api`.

    Args:
        api: The application whose router, media handlers and error handlers
            are used.
    """

    def __init__(self, api: Api) -> None:
        self.api = api

    def handle(self, req: Request) -> _WZResponse:
        """Answer ``req``, turning every error into a problem details response."""
        try:
            return self._dispatch(req)
        except Exception as exc:  # noqa: BLE001 - every error becomes a response
            return self.handle_exception(req, exc)

    def _dispatch(self, req: Request) -> _WZResponse:
        api = self.api
        method = req.method
        # Werkzeug's ``req.path`` turns the asterisk-form target into "/*".
        if method == "OPTIONS" and req.environ.get("PATH_INFO") == "*":
            return _no_content(204, {"Allow": ALL_METHODS})
        match = api.router.match(req.environ, method)
        req.url_adapter = match.adapter
        if match.kind is MatchKind.NONE:
            raise NotFound(f"No resource at '{req.path}'.")
        if match.kind is MatchKind.REDIRECT:
            assert match.location is not None
            return _no_content(308, {"Location": match.location})
        route = match.route
        assert route is not None
        if match.kind is MatchKind.PARTIAL:
            if method == "OPTIONS":
                return _no_content(204, {"Allow": route.allow})
            raise MethodNotAllowed(
                route.allow.split(", "),
                f"{method} is not allowed on '{req.path}'; allowed: {route.allow}.",
            )
        op = match.operation
        assert op is not None
        req.operation = op
        req.route = route
        req.path_params = match.values
        renderer: MediaHandler | None = None
        media_type = ""
        if route.negotiate:
            renderer, media_type = select_renderer(
                req.headers.get("Accept"), api.media.serializers()
            )
        kwargs = load_arguments(req, op, match.values, api.body_parsers)
        rv = op.handler(req, **kwargs)
        return self.make_response(req, op, rv, renderer, media_type)

    def make_response(
        self,
        req: Request,
        op: Operation,
        rv: Any,
        renderer: MediaHandler | None,
        media_type: str,
    ) -> _WZResponse:
        """Turn a handler's return value into a response.

        Args:
            req: The request.
            op: The operation that ran.
            rv: Plain data, ``(data, status)``, ``(data, headers)``,
                ``(data, status, headers)`` or a response.
            renderer: The negotiated serializer (None for routes that do not
                negotiate).
            media_type: The media type to send.

        Returns:
            The response. Data is dumped with the schema declared for its
            status; 204 and 304 carry no content (RFC 9110 §15.3.5, §15.4.5).

        Raises:
            TypeError: If ``rv`` has an unsupported shape.
        """
        if isinstance(rv, _WZResponse):
            return rv
        status = op.success.status
        headers: Mapping[str, str] | None = None
        if isinstance(rv, tuple):
            if len(rv) == 2 and isinstance(rv[1], Mapping):
                rv, headers = rv
            elif len(rv) == 2:
                rv, status = rv
            elif len(rv) == 3:
                rv, status, headers = rv
            else:
                raise TypeError(
                    f"{op.operation_id} returned a tuple of {len(rv)} items;"
                    " return data, (data, status), (data, headers) or (data, status, headers)"
                )
        if rv is None and not op.responses and status == 200:
            status = 204
        if status in _NO_CONTENT:
            return _no_content(status, headers)
        resp = Response(status=status, headers=headers)
        spec = op.success if status == op.success.status else op.responses_by_status.get(status)
        if spec is not None and spec.schema is not None:
            rv = spec.schema.dump(rv)
        if renderer is None:
            renderer = self.api.media.serializers()[0]
            media_type = renderer.media_type
        resp.set_data(renderer.render(rv, req, resp.status_code))
        resp.content_type = media_type
        if len(self.api.media.serializers()) > 1:
            resp.vary.add("Accept")
        return resp

    def handle_exception(self, req: Request, exc: Exception) -> _WZResponse:
        """Answer an exception raised while handling ``req``.

        User handlers registered with :meth:`~heron.Api.error_handler` are tried
        first (most specific class first). Werkzeug's HTTP exceptions and
        :class:`HTTPError` become problem details; anything else is a 500 whose
        body never shows the exception unless the application is in debug
        mode, where it propagates to the debugger.

        Raises:
            Exception: ``exc`` itself, in debug mode, when nothing handles it.
        """
        handler = self._user_handler(exc)
        if handler is not None:
            try:
                rv = handler(req, exc)
            except Exception as raised:  # noqa: BLE001 - e.g. ``raise Forbidden()``
                exc = raised
            else:
                if isinstance(rv, _WZResponse):
                    return rv
                if isinstance(rv, HTTPError):
                    exc = rv
        if isinstance(exc, HTTPException) and not isinstance(exc, HTTPError):
            if exc.response is not None or (exc.code is not None and 300 <= exc.code < 400):
                return exc.get_response(req.environ)
            # Keep what the status requires, e.g. ``Allow`` on 405 (RFC 9110 §15.5.6).
            headers = {k: v for k, v in exc.get_headers(req.environ) if k.lower() != "content-type"}
            exc = error_for_status(exc.code or 500, exc.description, headers=headers)
        if not isinstance(exc, HTTPError):
            if self.api.debug:
                raise exc
            log.exception("Unhandled exception on %s %s", req.method, req.path, exc_info=exc)
            exc = InternalServerError("The server could not complete the request.")
        return self.render_problem(req, exc)

    def _user_handler(self, exc: Exception) -> Callable[[Request, Any], Any] | None:
        handlers = self.api.error_handlers
        if not handlers:
            return None
        for cls in type(exc).__mro__:
            found = handlers.get(cls)
            if found is not None:
                return found
        return None

    def _problem_serializer(self) -> MediaHandler:
        """Return a serializer of ``application/problem+json``, whatever the default is."""
        for handler in self.api.media.serializers():
            if handler.matches(PROBLEM_JSON):
                return handler
        return _JSON

    def render_problem(self, req: Request, error: HTTPError) -> _WZResponse:
        """Serialize ``error`` as ``application/problem+json`` (RFC 9457 §3)."""
        problem = error.to_problem()
        if error.instance is None:
            problem.setdefault("instance", req.path)
        resp = Response(
            self._problem_serializer().serialize(problem), status=error.code, headers=error.headers
        )
        resp.content_type = PROBLEM_JSON
        return resp
