"""The request pipeline: route, negotiate, run the operation's features, call, render.

Each step follows RFC 9110: 404/405/308 from routing (§15.5.5, §15.5.6,
§15.4.9), ``OPTIONS`` answered with ``Allow`` (§9.3.7), ``HEAD`` answered by the
``GET`` handler without content (§9.3.2), 406 chosen before the handler runs so
an unacceptable unsafe request changes nothing (§15.5.7). What an operation
does beyond that (authentication, preconditions, argument loading, patches,
pages...) is its features' (:mod:`heron.core.features`): the dispatcher runs
their phases in stage order and knows none of them by name.

An operation with no features and no guards takes the shortest path: the
handler is called with the path parameters and its result rendered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as _WZResponse

from ..http.errors import (
    PROBLEM_JSON,
    BadRequest,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    error_for_status,
)
from ..http.negotiation import format_parameter, negotiate, query_value, select_renderer
from ..media.base import MediaHandler
from ..media.json import JSONHandler
from .features import Call, Stage, phases
from .hooks import Chain, flatten
from .request import Request
from .response import Response, adopt, lean_fields
from .routing import MatchKind, RouteMatch

if TYPE_CHECKING:
    from .app import App
    from .operations import Operation, Pipeline
    from .resources import Route

__all__ = ["Dispatcher"]

log = logging.getLogger("heron")

#: Every method Heron may answer, for ``OPTIONS *`` (RFC 9110 §9.3.7).
ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
_NO_CONTENT = frozenset({204, 304})
_JSON = JSONHandler()
_NONE = MatchKind.NONE
_REDIRECT = MatchKind.REDIRECT
_RENDER = MediaHandler.render


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


def _options_headers(route: Route) -> dict[str, str]:
    """Return the headers of an ``OPTIONS`` answer: ``Allow`` (RFC 9110 §9.3.7).

    Plus ``Accept-Patch`` (RFC 5789 §3.1) when the resource's ``PATCH`` reads
    content of its own media types (a patch document).
    """
    headers = {"Allow": route.allow}
    patch = route.operations.get("PATCH")
    if patch is not None and patch.content_types:
        headers["Accept-Patch"] = ", ".join(patch.content_types)
    return headers


def _user_handler(
    handlers: Mapping[type[BaseException], Callable[[Request, Any], Any]], exc: Exception
) -> Callable[[Request, Any], Any] | None:
    for cls in type(exc).__mro__:
        found = handlers.get(cls)
        if found is not None:
            return found
    return None


def _guard_step(guards: tuple[Callable[[Request, Operation], None], ...]) -> Callable[..., None]:
    """Return the pipeline step running the scope's guard hooks (:attr:`Stage.GUARD`)."""

    def run_guards(req: Request, call: Call) -> None:
        for guard in guards:
            guard(req, call.operation)

    return run_guards


class Dispatcher:
    """Turns a request into a response for one application.

    Args:
        app: The application whose router, media handlers, hooks and error
            handlers are used.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        #: Scope (blueprint name, None for the application's) → its flattened hooks.
        self._chains: dict[str | None, Chain] = {}
        self._chains_version = -1
        #: Serializers → (the problem JSON handler, serializers with it first).
        self._problem_preferences: dict[
            tuple[MediaHandler, ...], tuple[MediaHandler, tuple[MediaHandler, ...]]
        ] = {}

    # -- hook chains, flattened once per change ---------------------------------------

    def chain(self, route: Route | None) -> Chain:
        """Return the hooks and error handlers that apply to requests of ``route``."""
        scope = route.blueprint if route is not None else None
        if self._chains_version == self.app.version_stamp:
            found = self._chains.get(scope)
            if found is not None:
                return found
        else:
            self._chains = {}
            self._chains_version = self.app.version_stamp
        found = self._chains[scope] = self._flatten(scope)
        return found

    def _flatten(self, scope: str | None) -> Chain:
        app = self.app
        blueprint = app.blueprints.get(scope) if scope is not None else None
        if blueprint is None:
            return flatten(app.hooks, app.error_handlers)
        replaced = frozenset(blueprint.extensions) & frozenset(app.extensions)
        return flatten(
            app.hooks, app.error_handlers, blueprint.hooks, blueprint.error_handlers, replaced
        )

    def _compile(self, op: Operation, chain: Chain) -> Pipeline:
        """Compile the phases of ``op``'s features, with the scope's guards at their stage.

        Each ``before`` phase is paired with the ``finish`` phases of the
        features after it: a response it answers with goes through those
        (a 304 gets the caching policy a 200 would have had).
        """
        pipe = op.pipeline
        steps: list[tuple[Callable[..., Any] | None, Callable[..., Any] | None]] = []
        after: list[Callable[..., Any]] = []
        guards = chain.guards
        for feature in op.features:
            if guards and feature.stage > Stage.GUARD:
                steps.append((_guard_step(guards), None))
                guards = ()
            has_before, has_after, has_finish = phases(feature)
            steps.append(
                (feature.before if has_before else None, feature.finish if has_finish else None)
            )
            if has_after:
                after.append(feature.after)
        if guards:
            steps.append((_guard_step(guards), None))
        before: list[Callable[..., Any]] = []
        tails: list[tuple[Callable[..., Any], ...]] = []
        for i, (step, _) in enumerate(steps):
            if step is not None:
                before.append(step)
                tails.append(tuple(f for _, f in steps[i + 1 :] if f is not None))
        pipe.before, pipe.tails, pipe.after = tuple(before), tuple(tails), tuple(after)
        pipe.finish = tuple(f for _, f in steps if f is not None)
        pipe.version = self.app.version_stamp
        return pipe

    # -- a request ------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Answer ``req``, turning every error into a problem details response.

        ``after_request`` hooks run on every response (error responses too);
        ``teardown_request`` hooks always run last (see :mod:`heron.core.hooks`).
        The chains are read again after the operation ran, so a hook
        registered during a request already runs on its response.
        """
        failure: BaseException | None = None
        chain: Chain | None = None
        try:
            try:
                resp = self._dispatch(req)
            except Exception as exc:  # noqa: BLE001 - every error becomes a response
                failure = exc if not isinstance(exc, (HTTPError, HTTPException)) else None
                resp = self.handle_exception(req, exc)
            route = req.route
            chain = self._chains.get(route.blueprint if route is not None else None)
            if chain is None or self._chains_version != self.app.version_stamp:
                chain = self.chain(route)  # read again: a hook registered meanwhile runs
            if chain.after:
                if isinstance(resp, Response):
                    resp.settle()  # hooks are handed Werkzeug's Response, state and all
                try:
                    for hook in chain.after:
                        resp = adopt(hook(req, resp) or resp)  # type: ignore[assignment]
                except Exception as exc:  # noqa: BLE001
                    failure = exc if not isinstance(exc, (HTTPError, HTTPException)) else None
                    resp = self.handle_exception(req, exc)
            return resp
        except BaseException as exc:
            failure = exc
            raise
        finally:
            if chain is None:
                chain = self.chain(req.route)
            if chain.teardown:
                for last in chain.teardown:
                    try:
                        last(req, failure)
                    except Exception:  # noqa: BLE001 - teardown must reach every hook
                        log.exception("teardown_request hook %r failed", last)

    def _dispatch(self, req: Request) -> Response:
        app = self.app
        method = req.method
        environ = req.environ
        # Werkzeug's ``req.path`` turns the asterisk-form target into "/*".
        if method == "OPTIONS" and environ.get("PATH_INFO") == "*":
            return Response.no_content(204, {"Allow": ALL_METHODS})
        match, values = app.router.lookup(environ, method)
        route = req.route = match.route
        chain = self._chains.get(route.blueprint if route is not None else None)
        if chain is None or self._chains_version != app.version_stamp:
            chain = self.chain(route)
        if chain.before:
            for before in chain.before:
                early = before(req)
                if early is not None:
                    return adopt(early)  # type: ignore[return-value]
        op = match.operation
        if op is None:
            return self._unmatched(req, match)
        assert route is not None
        req.operation = op
        if values:
            req.path_params = values
        renderer: MediaHandler | None = None
        media_type = ""
        if route.negotiate and op.negotiate:
            media = op.media or app.media
            fmt_name = app.format_param
            renderer = media.first_serializer
            if (
                renderer is not None
                and not environ.get("HTTP_ACCEPT")
                and (
                    not fmt_name or fmt_name in op.query_keys or query_value(req, fmt_name) is None
                )
            ):
                # No Accept and no ?format=: the server's first preference
                # (RFC 9110 §12.5.1), what negotiate() would answer.
                media_type = renderer.media_type
            else:
                renderer, media_type = negotiate(
                    req, media.serializers(), format_parameter(fmt_name, op), app.negotiation
                )
        pipe = op.pipeline
        if pipe.version != app.version_stamp:
            pipe = self._compile(op, chain)
        if pipe.before or pipe.after or pipe.finish:
            return self._run(req, op, pipe, Call(op, values, renderer, media_type))
        return self.make_response(req, op, op.handler(req, **values), renderer, media_type)

    def _run(self, req: Request, op: Operation, pipe: Pipeline, call: Call) -> Response:
        """Run ``op``'s phases around its handler (see :mod:`heron.core.features`)."""
        for step in pipe.before:
            early = step(req, call)
            if early is not None:
                if isinstance(early, HTTPError):  # answered as if raised, without unwinding
                    return self.handle_exception(req, early)
                resp: Response = early
                for later in pipe.tails[pipe.before.index(step)]:
                    resp = later(req, call, resp)
                return resp
        rv = op.handler(req, **call.kwargs)
        for step in pipe.after:
            rv = step(req, call, rv)
        resp = self.make_response(req, op, rv, call.renderer, call.media_type)
        for finish in pipe.finish:
            resp = finish(req, call, resp)
        return resp

    def _unmatched(self, req: Request, match: RouteMatch) -> Response:
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
            return Response.no_content(308, {"Location": match.location})
        route = match.route
        assert route is not None
        if req.method == "OPTIONS":
            return Response.no_content(204, _options_headers(route))
        raise MethodNotAllowed(
            route.allow.split(", "),
            f"{req.method} is not allowed on '{req.path}'; allowed: {route.allow}.",
        )

    def make_response(
        self,
        req: Request,
        op: Operation,
        rv: Any,
        renderer: MediaHandler | None,
        media_type: str,
    ) -> Response:
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
            return adopt(rv)  # type: ignore[return-value]
        status = op.success.status
        headers: Mapping[str, str] | None = None
        if isinstance(rv, tuple):
            rv, status, headers = _unpack(op, rv)
        if rv is None and not op.responses and status == 200:
            status = 204
        if status in _NO_CONTENT:
            return Response.no_content(status, headers)
        spec = op.success if status == op.success.status else op.responses_by_status.get(status)
        if spec is not None and spec.schema is not None:
            rv = spec.schema.dump(rv)
        if type(status) is not int:  # a status line, an HTTPStatus: Werkzeug reads it
            return self._werkzeug_response(req, op, rv, None, renderer, media_type, status, headers)
        if renderer is not None and type(renderer).render is _RENDER:  # the request plays no part
            body = renderer.serialize(rv)
            content_type = media_type
        else:
            body, content_type = self._render(req, op, rv, renderer, media_type, status)
        if type(body) is not bytes and isinstance(body, str):
            body = body.encode()
        fields = lean_fields(headers) if headers is not None else []
        if fields is None:
            return self._werkzeug_response(
                req, op, None, body, renderer, content_type, status, headers
            )
        fields.append(("Content-Type", content_type))
        if renderer is not None:
            # The representation was chosen by Accept (RFC 9110 §12.5.5).
            fields.append(("Vary", "Accept"))
        fields.append(("Content-Length", str(len(body))))
        return Response.lean(status, fields, body)

    def _werkzeug_response(
        self,
        req: Request,
        op: Operation,
        data: Any,
        body: bytes | None,
        renderer: MediaHandler | None,
        media_type: str,
        status: Any,
        headers: Any,
    ) -> Response:
        """Build the response with Werkzeug's constructor: a status or fields it must read.

        ``data`` is rendered first, unless the ``body`` is given (rendered already).
        """
        resp = Response(status=status, headers=headers)
        if renderer is not None:
            resp.vary.add("Accept")  # chosen by Accept (RFC 9110 §12.5.5)
        if body is None:
            body, media_type = self._render(req, op, data, renderer, media_type, resp.status_code)
        resp.set_data(body)
        resp.content_type = media_type
        return resp

    def _render(
        self,
        req: Request,
        op: Operation,
        data: Any,
        renderer: MediaHandler | None,
        media_type: str,
        status: int,
    ) -> tuple[bytes, str]:
        """Return the representation of ``data`` and its media type.

        With no negotiated renderer (a route that does not negotiate), the
        operation's first serializer renders it.
        """
        if renderer is None:
            default = (op.media or self.app.media).serializers()[0]
            body = default.render(data, req, status)
            media_type = default.media_type
        elif type(renderer).render is _RENDER:  # the request plays no part
            body = renderer.serialize(data)
        else:
            body = renderer.render(data, req, status)
        if type(body) is not bytes and isinstance(body, str):
            body = body.encode()
        return body, media_type

    def handle_exception(self, req: Request, exc: Exception) -> Response:
        """Answer an exception raised while handling ``req``.

        User handlers registered with :meth:`~heron.Api.error_handler` are tried
        first (most specific class first). Werkzeug's HTTP exceptions and
        :class:`HTTPError` become problem details; anything else is a 500 whose
        body never shows the exception unless the application is in debug
        mode, where it propagates to the debugger.

        Raises:
            Exception: ``exc`` itself, in debug mode, when nothing handles it.
        """
        route = req.route
        chain = self._chains.get(route.blueprint if route is not None else None)
        if chain is None or self._chains_version != self.app.version_stamp:
            chain = self.chain(route)
        handlers = chain.error_handlers
        handler = _user_handler(handlers, exc) if handlers else None
        if handler is not None:
            try:
                rv = handler(req, exc)
            except Exception as raised:  # noqa: BLE001 - e.g. ``raise Forbidden()``
                exc = raised
            else:
                if isinstance(rv, _WZResponse):
                    return adopt(rv)  # type: ignore[return-value]
                if isinstance(rv, HTTPError):
                    exc = rv
        if isinstance(exc, HTTPException) and not isinstance(exc, HTTPError):
            if exc.response is not None or (exc.code is not None and 300 <= exc.code < 400):
                return adopt(exc.get_response(req.environ))  # type: ignore[return-value]
            # Keep what the status requires, e.g. ``Allow`` on 405 (RFC 9110 §15.5.6).
            headers = {k: v for k, v in exc.get_headers(req.environ) if k.lower() != "content-type"}
            detail = exc.description
            if isinstance(exc, RequestEntityTooLarge) and req.max_content_length is not None:
                detail = f"The request content is larger than {req.max_content_length} bytes."
            exc = error_for_status(exc.code or 500, detail, headers=headers)
        if not isinstance(exc, HTTPError):
            if self.app.debug:
                raise exc
            log.exception("Unhandled exception on %s %s", req.method, req.path, exc_info=exc)
            exc = InternalServerError("The server could not complete the request.")
        return self.render_problem(req, exc)

    def _problem_renderer(self, req: Request) -> tuple[MediaHandler, bool]:
        """Choose the serializer of an error body, and whether ``Accept`` chose it.

        The body is negotiated like any representation (``?format=`` and
        ``Accept``), unless ``Api.problem_content_type`` fixes it, with JSON
        (``application/problem+json``) as the server's first preference: the
        default when the client has none. When nothing is acceptable the
        error is still sent, as JSON: RFC 9110 §15.5.7 lets a server disregard
        ``Accept`` rather than answer 406.
        """
        app = self.app
        if app.problem_content_type:
            fixed = app.media.for_media_type(app.problem_content_type.lower())
            return (fixed if fixed is not None and fixed.can_serialize else _JSON), False
        serializers = app.media.serializers()
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
        format_param = format_parameter(app.format_param, req.operation)
        try:
            asked = query_value(req, format_param) if format_param else None
        except BadRequest:  # a query string that is not UTF-8: no format was asked for
            format_param = asked = None
        if not accept and asked is None:
            return json_handler, True
        try:
            return negotiate(req, preference, format_param, app.negotiation)[0], True
        except NotAcceptable:
            pass
        if asked is not None:  # an unknown format: Accept decides
            try:
                return (
                    select_renderer(req.environ.get("HTTP_ACCEPT"), preference, app.negotiation)[0],
                    True,
                )
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
        formatter = self.app.problem_formatter
        if formatter is not None:
            try:
                data = formatter(req, error)
                schema = self.app.problem_schema
                if schema is not None and isinstance(schema, ma.Schema):
                    return schema.dump(data)
                return data
            except Exception:
                if self.app.debug:
                    raise
                log.exception("problem_formatter failed on %s %s", req.method, req.path)
        problem = error.to_problem()
        if error.instance is None:
            problem.setdefault("instance", req.path)
        return problem

    def render_problem(self, req: Request, error: HTTPError) -> Response:
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
        app = self.app
        try:
            body, content_type = handler.render_problem(data, req, error.code)
        except Exception:
            if app.debug:
                raise
            log.exception("%s could not render a %d problem", type(handler).__name__, error.code)
            handler = _JSON
            body, content_type = _JSON.render_problem(data, req, error.code)
        if app.problem_content_type:
            content_type = app.problem_content_type
        elif app.problem_formatter is not None and content_type == handler.problem_media_type:
            # The formatter's data is not RFC 9457 problem details.
            content_type = handler.media_type
        if "\n" not in content_type and "\r" not in content_type:
            fields = lean_fields(error.headers) if error.headers else []
            if fields is not None:
                if isinstance(body, str):
                    body = body.encode()
                fields += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
                if negotiated:
                    fields.append(("Vary", "Accept"))
                return Response.lean(error.code, fields, body)
        resp = Response(body, status=error.code, headers=error.headers)
        resp.content_type = content_type
        if negotiated:
            resp.vary.add("Accept")
        return resp
