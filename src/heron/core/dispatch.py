"""The request pipeline: route, negotiate, load arguments, call, render.

Each step follows RFC 9110: 404/405/308 from routing (§15.5.5, §15.5.6,
§15.4.9), ``OPTIONS`` answered with ``Allow`` (§9.3.7), ``HEAD`` answered by the
``GET`` handler without content (§9.3.2), 406 chosen before the handler runs so
an unacceptable unsafe request changes nothing (§15.5.7), and preconditions
(``@conditional``) evaluated before the content is read, so a 412 changes
nothing either (§13.2.2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response as _WZResponse

from ..http.errors import (
    PROBLEM_JSON,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    error_for_status,
)
from ..http.negotiation import format_parameter, negotiate, select_renderer
from ..media.base import MediaHandler
from ..media.json import JSONHandler
from .request import Request, Response
from .response import AnyResponse, PlainResponse, plain_fields
from .routing import MatchKind, RouteMatch
from .validation import InvalidArguments, collect_arguments, load_arguments

if TYPE_CHECKING:
    from ..media.base import MediaRegistry
    from .app import Api
    from .hooks import Hooks
    from .operations import Operation, ResponseSpec

__all__ = ["Dispatcher"]  # the last three: heron.plain

log = logging.getLogger("heron")

#: Every method Heron may answer, for ``OPTIONS *`` (RFC 9110 §9.3.7).
ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
_NO_CONTENT = frozenset({204, 304})
_JSON = JSONHandler()
_FULL = MatchKind.FULL
_NONE = MatchKind.NONE
_REDIRECT = MatchKind.REDIRECT
_RENDER = MediaHandler.render


def _options_headers(allow: str, operations: Mapping[str, Operation]) -> dict[str, str]:
    """Return the headers of an ``OPTIONS`` answer: ``Allow`` (RFC 9110 §9.3.7).

    Plus ``Accept-Patch`` (RFC 5789 §3.1) when the resource takes patch
    documents.
    """
    headers = {"Allow": allow}
    patch = operations.get("PATCH")
    if patch is not None and patch.patch is not None:
        headers["Accept-Patch"] = ", ".join(patch.patch.media_types)
    return headers


def _accept_file(req: Request, content_type: str) -> None:
    """Check that ``Accept`` admits the type of the file an operation sends.

    An operation whose success response declares a ``content_type``
    (:func:`heron.files.file_response`, ``response(content_type=...)``) sends
    bytes of that type, not a representation of data: the JSON, YAML and
    HTML serializers do not apply, and neither does ``?format=``. The most
    specific range matching the type gives its quality (RFC 9110 §12.5.1); a
    declared range (``image/*``) is acceptable when any range overlapping it
    has a quality above 0 (``Accept: image/png`` takes an ``image/*`` photo).

    Args:
        req: The request.
        content_type: The declared media type or range (``image/png``, ``image/*``).

    Raises:
        NotAcceptable: If ``Accept`` excludes the type (RFC 9110 §15.5.7),
            decided before the handler runs.
    """
    header = req.environ.get("HTTP_ACCEPT")
    if not header or not header.strip():
        return
    main, _, sub = content_type.partition(";")[0].strip().lower().partition("/")
    best_spec, best_q = -1, 0.0
    for rng, q in parse_accept_header(header, MIMEAccept):
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
            f"None of the media types in Accept ({header}) is available; "
            f"this resource is available as: {content_type}.",
            available=[content_type],
        )


def _unpack(op: Operation, rv: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """Split a handler's tuple into data, status and headers.

    Raises:
        TypeError: If the tuple has another shape.
    """
    if len(rv) == 2 and isinstance(rv[1], Mapping):
        return rv[0], op.success.status, rv[1]
    if len(rv) == 2:
        return rv[0], rv[1], None
    if len(rv) == 3:
        return rv
    raise TypeError(
        f"{op.operation_id} returned a tuple of {len(rv)} items;"
        " return data, (data, status), (data, headers) or (data, status, headers)"
    )


def _format_asked(req: Request, name: str | None) -> str | None:
    """Return the ``?format=`` value of ``req`` as :func:`negotiate` reads it, or None.

    Args:
        req: The request.
        name: The format parameter in effect (:func:`format_parameter`), or None.

    The query string is parsed only when it may hold the parameter.
    """
    if not name:
        return None
    if "args" not in req.__dict__:
        query = req.environ.get("QUERY_STRING")
        if not query or (name not in query and "%" not in query and "+" not in query):
            return None
    return req.args.get(name)


class Dispatcher:
    """Turns a request into a response for one :class:`~heron.Api`.

    Args:
        api: The application whose router, media handlers and error handlers
            are used.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        #: Serializers → (the problem JSON handler, serializers with it first).
        self._problem_preferences: dict[
            tuple[MediaHandler, ...], tuple[MediaHandler, tuple[MediaHandler, ...]]
        ] = {}

    def _blueprint_hooks(self, req: Request) -> Hooks | None:
        """Return the hooks of the blueprint of the matched route, if any."""
        route = req.route
        if route is None or route.blueprint is None:
            return None
        return self.api.blueprint_hooks.get(route.blueprint)

    def needs_response(self, req: Request) -> bool:
        """Tell whether ``after_request`` hooks will see the response to ``req``.

        Those hooks get Werkzeug ``Response`` objects; without them, the
        dispatcher answers with a :class:`PlainResponse` where it can.
        """
        if self.api.hooks.after:
            return True
        route = req.route
        if route is None or route.blueprint is None:
            return False
        bp_hooks = self.api.blueprint_hooks.get(route.blueprint)
        return bp_hooks is not None and bool(bp_hooks.after)

    def handle(self, req: Request) -> AnyResponse:
        """Answer ``req``, turning every error into a problem details response.

        ``after_request`` hooks run on every response (error responses too);
        ``teardown_request`` hooks always run last (see :mod:`heron.hooks`).
        """
        failure: BaseException | None = None
        try:
            try:
                resp = self._dispatch(req)
            except Exception as exc:  # noqa: BLE001 - every error becomes a response
                failure = exc if not isinstance(exc, (HTTPError, HTTPException)) else None
                resp = self.handle_exception(req, exc)
            app_after = self.api.hooks.after
            route = req.route
            bp_hooks = (
                None if route is None or route.blueprint is None else self._blueprint_hooks(req)
            )
            if app_after or (bp_hooks is not None and bp_hooks.after):
                hooks = [*app_after, *(bp_hooks.after if bp_hooks is not None else ())]
                if isinstance(resp, PlainResponse):
                    resp = resp.to_response()
                try:
                    for hook in hooks:
                        resp = hook(req, resp) or resp
                except Exception as exc:  # noqa: BLE001
                    failure = exc if not isinstance(exc, (HTTPError, HTTPException)) else None
                    resp = self.handle_exception(req, exc)
            return resp
        except BaseException as exc:
            failure = exc
            raise
        finally:
            route = req.route
            if self.api.hooks.teardown or (route is not None and route.blueprint is not None):
                self._teardown(req, failure)

    def _teardown(self, req: Request, failure: BaseException | None) -> None:
        app_hooks = self.api.hooks.teardown
        bp_hooks = self._blueprint_hooks(req)
        if not app_hooks and (bp_hooks is None or not bp_hooks.teardown):
            return
        for hook in [*app_hooks, *(bp_hooks.teardown if bp_hooks is not None else ())]:
            try:
                hook(req, failure)
            except Exception:  # noqa: BLE001 - teardown must reach every hook
                log.exception("teardown_request hook %r failed", hook)

    def _dispatch(self, req: Request) -> AnyResponse:
        api = self.api
        method = req.method
        environ = req.environ
        # Werkzeug's ``req.path`` turns the asterisk-form target into "/*".
        if method == "OPTIONS" and environ.get("PATH_INFO") == "*":
            return self.no_content(req, 204, {"Allow": ALL_METHODS})
        match, values = api.router.lookup(environ, method)
        route = req.route = match.route
        bp_hooks = None if route is None or route.blueprint is None else self._blueprint_hooks(req)
        if api.hooks.before or (bp_hooks is not None and bp_hooks.before):
            early = self._before(req, bp_hooks)
            if early is not None:
                return early
        op = match.operation
        if op is None:
            return self._unmatched(req, match)
        assert route is not None
        req.operation = op
        if values:
            req.path_params = values
        renderer: MediaHandler | None = None
        media_type = ""
        media = op.media or api.media
        if route.negotiate:
            fmt_name = api.format_param
            renderer = media.first_serializer
            if (
                renderer is not None
                and op.success.content_type is None
                and not environ.get("HTTP_ACCEPT")
                and (
                    not fmt_name
                    or fmt_name in op.query_keys
                    or _format_asked(req, fmt_name) is None
                )
            ):
                # No Accept and no ?format=: the server's first preference
                # (RFC 9110 §12.5.1), what negotiate() would answer.
                media_type = renderer.media_type
            else:
                renderer, media_type = self._negotiate(req, op, media)
        if api.hooks.guards or (bp_hooks is not None and bp_hooks.guards):
            self._guard(req, op, bp_hooks)
        if op.conditional is not None or op.patch is not None or op.pagination is not None:
            return self._call(req, op, values, renderer, media_type, media)
        if op.arguments:
            kwargs = collect_arguments(req, op, values, media.by_location)
            if isinstance(kwargs, InvalidArguments):  # answered as if raised, without unwinding
                return self.handle_exception(req, kwargs)
        else:
            kwargs = values
        rv = op.handler(req, **kwargs)
        plain = not (api.hooks.after or (bp_hooks is not None and bp_hooks.after))
        return self.make_response(req, op, rv, renderer, media_type, plain=plain)

    def _guard(self, req: Request, op: Operation, bp_hooks: Hooks | None) -> None:
        """Run the application's guards, then the blueprint's (see :mod:`heron.hooks`)."""
        for guard in self.api.hooks.guards:
            guard(req, op)
        if bp_hooks is not None:
            for guard in bp_hooks.guards:
                guard(req, op)

    def _negotiate(
        self, req: Request, op: Operation, media: MediaRegistry
    ) -> tuple[MediaHandler | None, str]:
        """Choose the representation of the response to ``op`` (RFC 9110 §12).

        Returns:
            The serializer and the media type to send; no serializer for an
            operation sending a file of its own type.

        Raises:
            NotAcceptable: If nothing acceptable is available (RFC 9110 §15.5.7).
        """
        if op.success.content_type is not None:
            # Bytes of their own type (a file): Accept is matched against it.
            _accept_file(req, op.success.content_type)
            return None, ""
        return negotiate(req, media.serializers(), format_parameter(self.api.format_param, op))

    def _before(self, req: Request, bp_hooks: Hooks | None) -> _WZResponse | None:
        """Run the ``before_request`` hooks; return the first response one returns."""
        for before in [*self.api.hooks.before, *(bp_hooks.before if bp_hooks else ())]:
            early: _WZResponse | None = before(req)
            if early is not None:
                return early
        return None

    def _unmatched(self, req: Request, match: RouteMatch) -> AnyResponse:
        """Answer a request no operation matched: 404, 308, 405 or ``OPTIONS``.

        Raises:
            NotFound: No rule matches the path (RFC 9110 §15.5.5).
            MethodNotAllowed: The resource does not take the method, with
                ``Allow`` (RFC 9110 §15.5.6).
        """
        kind = match.kind
        if kind is _NONE:
            raise NotFound(f"No resource at '{req.path}'.")
        if kind is _REDIRECT:
            assert match.location is not None
            return self.no_content(req, 308, {"Location": match.location})
        route = match.route
        assert route is not None
        if req.method == "OPTIONS":
            return self.no_content(req, 204, _options_headers(route.allow, route.operations))
        raise MethodNotAllowed(
            route.allow.split(", "),
            f"{req.method} is not allowed on '{req.path}'; allowed: {route.allow}.",
        )

    def _call(
        self,
        req: Request,
        op: Operation,
        path_values: dict[str, Any],
        renderer: MediaHandler | None,
        media_type: str,
        media: MediaRegistry,
    ) -> AnyResponse:
        """Call an operation with preconditions, a patch or pagination, and respond."""
        cond = op.conditional
        checked = cond.before(req, renderer, path_values) if cond is not None else None
        if checked is not None and checked.response is not None:
            return checked.response  # 304: the handler need not run (RFC 9110 §13.2.2)
        if op.arguments:
            kwargs = load_arguments(req, op, path_values, media.body_parsers())
        else:
            kwargs = dict(path_values)
        if op.patch is not None:
            kwargs[op.patch.argument.name] = op.patch.load(req, path_values)
        page = op.pagination.take_page(req, kwargs) if op.pagination is not None else None
        rv = op.handler(req, **kwargs)
        if page is not None:
            assert op.pagination is not None
            rv = op.pagination.finish(req, page, rv)
        if checked is None:
            plain = not self.needs_response(req)
            return self.make_response(req, op, rv, renderer, media_type, plain=plain)
        assert cond is not None
        resp = self.make_response(req, op, rv, renderer, media_type)
        assert isinstance(resp, _WZResponse)
        return cond.after(req, resp, renderer, checked, path_values)

    def no_content(
        self, req: Request, status: int, headers: Mapping[str, str] | None
    ) -> AnyResponse:
        """Return a response without content (and so without ``Content-Type``).

        Args:
            req: The request.
            status: The status (204, 304, 308...).
            headers: Its header fields.

        Returns:
            The response.
        """
        if status != 304 and not self.needs_response(req):
            fields = plain_fields(headers)
            if fields is not None:
                return PlainResponse(
                    status, [(n, v) for n, v in fields if n.lower() != "content-type"]
                )
        resp = Response(status=status, headers=headers)
        del resp.headers["Content-Type"]
        return resp

    def make_response(
        self,
        req: Request,
        op: Operation,
        rv: Any,
        renderer: MediaHandler | None,
        media_type: str,
        *,
        plain: bool = False,
    ) -> AnyResponse:
        """Turn a handler's return value into a response.

        Args:
            req: The request.
            op: The operation that ran.
            rv: Plain data, ``(data, status)``, ``(data, headers)``,
                ``(data, status, headers)`` or a response.
            renderer: The negotiated serializer (None for routes that do not
                negotiate).
            media_type: The media type to send.
            plain: Whether a :class:`PlainResponse` may be returned: no hook
                needs a ``Response`` object (see :meth:`needs_response`).

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
            rv, status, headers = _unpack(op, rv)
        if rv is None and not op.responses and status == 200:
            status = 204
        if status in _NO_CONTENT:
            if plain:
                return self.no_content(req, status, headers)
            resp = Response(status=status, headers=headers)
            del resp.headers["Content-Type"]
            return resp
        spec = op.success if status == op.success.status else op.responses_by_status.get(status)
        if not plain or headers is not None or type(status) is not int:
            return self._data_response(req, op, rv, spec, status, headers, renderer, media_type)
        if spec is not None and spec.schema is not None:
            rv = spec.schema.dump(rv)
        if renderer is None:
            default = (op.media or self.api.media).serializers()[0]
            body = default.render(rv, req, status)
            fields = [("Content-Type", default.media_type)]
        else:
            # The representation was chosen by Accept (RFC 9110 §12.5.5).
            if type(renderer).render is _RENDER:  # the request plays no part
                body = renderer.serialize(rv)
            else:
                body = renderer.render(rv, req, status)
            fields = [("Content-Type", media_type), ("Vary", "Accept")]
        if type(body) is not bytes and isinstance(body, str):
            body = body.encode()
        fields.append(("Content-Length", str(len(body))))
        return PlainResponse(status, fields, body)

    def _data_response(
        self,
        req: Request,
        op: Operation,
        rv: Any,
        spec: ResponseSpec | None,
        status: Any,
        headers: Mapping[str, str] | None,
        renderer: MediaHandler | None,
        media_type: str,
    ) -> _WZResponse:
        """Build the Werkzeug ``Response`` carrying ``rv`` (see :meth:`make_response`)."""
        resp = Response(status=status, headers=headers)
        if renderer is not None:
            # The representation was chosen by Accept (RFC 9110 §12.5.5).
            resp.vary.add("Accept")
        if spec is not None and spec.schema is not None:
            rv = spec.schema.dump(rv)
        if renderer is None:
            renderer = (op.media or self.api.media).serializers()[0]
            media_type = renderer.media_type
        resp.set_data(renderer.render(rv, req, resp.status_code))
        resp.content_type = media_type
        return resp

    def handle_exception(self, req: Request, exc: Exception) -> AnyResponse:
        """Answer an exception raised while handling ``req``.

        User handlers registered with :meth:`~heron.Api.error_handler` are tried
        first (most specific class first). Werkzeug's HTTP exceptions and
        :class:`HTTPError` become problem details; anything else is a 500 whose
        body never shows the exception unless the application is in debug
        mode, where it propagates to the debugger.

        Raises:
            Exception: ``exc`` itself, in debug mode, when nothing handles it.
        """
        handler = self._user_handler(exc) if self.api.error_handlers else None
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
            detail = exc.description
            if isinstance(exc, RequestEntityTooLarge) and req.max_content_length is not None:
                detail = f"The request content is larger than {req.max_content_length} bytes."
            exc = error_for_status(exc.code or 500, detail, headers=headers)
        if not isinstance(exc, HTTPError):
            if self.api.debug:
                raise exc
            log.exception("Unhandled exception on %s %s", req.method, req.path, exc_info=exc)
            exc = InternalServerError("The server could not complete the request.")
        return self.render_problem(req, exc)

    def _user_handler(self, exc: Exception) -> Callable[[Request, Any], Any] | None:
        handlers = self.api.error_handlers
        for cls in type(exc).__mro__:
            found = handlers.get(cls)
            if found is not None:
                return found
        return None

    def _problem_renderer(self, req: Request) -> tuple[MediaHandler, bool]:
        """Choose the serializer of an error body, and whether ``Accept`` chose it.

        The body is negotiated like any representation (``?format=`` and
        ``Accept``), unless ``Api.problem_content_type`` fixes it, with JSON
        (``application/problem+json``) as the server's first preference: the
        default when the client has none. When nothing is acceptable the
        error is still sent, as JSON: RFC 9110 §15.5.7 lets a server disregard
        ``Accept`` rather than answer 406.
        """
        api = self.api
        if api.problem_content_type:
            fixed = api.media.for_media_type(api.problem_content_type.lower())
            return (fixed if fixed is not None and fixed.can_serialize else _JSON), False
        serializers = api.media.serializers()
        found = self._problem_preferences.get(serializers)
        if found is None:
            if len(self._problem_preferences) > 16:  # the registry changed: start afresh
                self._problem_preferences.clear()
            json_handler = next((h for h in serializers if h.matches(PROBLEM_JSON)), _JSON)
            preference = (json_handler, *(h for h in serializers if h is not json_handler))
            found = self._problem_preferences[serializers] = (json_handler, preference)
        json_handler, preference = found
        accept = req.environ.get("HTTP_ACCEPT")
        if not accept and not req.environ.get("QUERY_STRING"):
            return json_handler, True  # what negotiate() answers: the first preference
        format_param = format_parameter(api.format_param, req.operation)
        if not accept and _format_asked(req, format_param) is None:
            return json_handler, True
        try:
            return negotiate(req, preference, format_param)[0], True
        except NotAcceptable:
            pass
        if format_param and format_param in req.args:  # an unknown format: Accept decides
            try:
                return select_renderer(req.environ.get("HTTP_ACCEPT"), preference)[0], True
            except NotAcceptable:
                pass
        return json_handler, True

    def problem_data(self, req: Request, error: HTTPError) -> Any:
        """Return the body data of ``error``: its problem details object (RFC 9457 §3.1).

        ``instance`` defaults to the request path. An application's
        ``problem_formatter`` replaces the object (its ``problem_schema``, if
        a marshmallow schema, dumps the result); if the formatter fails, the
        problem details object is sent and the failure logged.

        Raises:
            Exception: What the formatter raised, in debug mode.
        """
        formatter = self.api.problem_formatter
        if formatter is not None:
            try:
                data = formatter(req, error)
                schema = self.api.problem_schema
                if schema is not None and isinstance(schema, ma.Schema):
                    return schema.dump(data)
                return data
            except Exception:
                if self.api.debug:
                    raise
                log.exception("problem_formatter failed on %s %s", req.method, req.path)
        problem = error.to_problem()
        if error.instance is None:
            problem.setdefault("instance", req.path)
        return problem

    def render_problem(self, req: Request, error: HTTPError) -> AnyResponse:
        """Answer with ``error`` as problem details (RFC 9457 §3) in a negotiated format.

        ``application/problem+json`` for JSON clients, the YAML handler's
        problem type for YAML clients, an error page for browsers: each
        handler's :meth:`~heron.media.MediaHandler.render_problem` renders it.
        Responses whose body ``Accept`` chose vary on it (RFC 9110 §12.5.5).

        Args:
            req: The request that failed.
            error: The error.

        Returns:
            The response, with the error's headers (``Allow``, ``Retry-After``...).
        """
        handler, negotiated = self._problem_renderer(req)
        data = self.problem_data(req, error)
        api = self.api
        try:
            body, content_type = handler.render_problem(data, req, error.code)
        except Exception:
            if api.debug:
                raise
            log.exception("%s could not render a %d problem", type(handler).__name__, error.code)
            handler = _JSON
            body, content_type = _JSON.render_problem(data, req, error.code)
        if api.problem_content_type:
            content_type = api.problem_content_type
        elif api.problem_formatter is not None and content_type == handler.problem_media_type:
            # The formatter's data is not RFC 9457 problem details.
            content_type = handler.media_type
        if not self.needs_response(req) and "\n" not in content_type and "\r" not in content_type:
            fields = plain_fields(error.headers) if error.headers else []
            if fields is not None:
                if isinstance(body, str):
                    body = body.encode()
                fields += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
                if negotiated:
                    fields.append(("Vary", "Accept"))
                return PlainResponse(error.code, fields, body)
        resp = Response(body, status=error.code, headers=error.headers)
        resp.content_type = content_type
        if negotiated:
            resp.vary.add("Accept")
        return resp
