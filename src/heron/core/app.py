"""The core application: registries and the pipeline's entry, no HTTP logic of its own.

:class:`App` holds what requests go through (the router, the media handlers,
the hooks, error handlers and extensions) and answers a
:class:`~heron.core.request.Request` with a :class:`~heron.core.response.Response`
(:meth:`App.handle`). It knows no server interface (the front ends,
:mod:`heron.wsgi`, drive it), no feature, no extension and no documentation:
:class:`heron.Api` adds those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.exceptions import SecurityError
from werkzeug.routing import BaseConverter
from werkzeug.wsgi import get_host

from ..http.errors import BadRequest
from ..http.negotiation import Memo
from ..media import MediaRegistry, default_registry
from ._werkzeug import rule_arguments
from .blueprints import Blueprint
from .dispatch import Dispatcher
from .request import Request
from .resources import FeatureProvider, Route, build_route, with_features
from .routing import Router
from .scaffold import Scaffold

if TYPE_CHECKING:
    from ..http.errors import HTTPError
    from ..media.base import MediaHandler
    from .response import Response

__all__ = ["App"]

#: ``formatter(req, error) -> data``: the body of an error response.
ProblemFormatter = Callable[[Request, "HTTPError"], Any]


class App(Scaffold):
    """The core of a Heron application (see :class:`heron.Api` for every argument).

    Args:
        title: The API's title (OpenAPI ``info.title``; the default realm of
            security challenges).
        version: The API's version (OpenAPI ``info.version``).
        description: Description for ``info.description`` (CommonMark).
        unknown: Default policy for unknown fields in arguments: ``"raise"``
            (reject with 422), ``"exclude"`` or ``"include"``.
        converters: Extra Werkzeug URL converters by name.
        debug: Let unhandled exceptions propagate (to Werkzeug's debugger)
            instead of answering 500.
        format_param: Query parameter that picks a representation by its
            handler's ``format`` (``?format=yaml``), overriding ``Accept``;
            None switches the override off.
        problem_formatter: ``formatter(req, error) -> data`` replacing the
            RFC 9457 problem details object as the body of every error.
        problem_schema: What error bodies look like: a schema class or
            instance, or a JSON Schema dict. Defaults to RFC 9457's.
        problem_content_type: Send every error body as this media type.
        max_content_length: Largest request content read, in bytes; more is
            a 413 problem (RFC 9110 §15.5.14). None: no limit of Heron's.
        max_form_memory_size: Largest non-file part of ``multipart/form-data``
            content, in bytes; more is a 413 problem. None: no limit.
        max_form_parts: Most parts read from ``multipart/form-data`` content;
            more is a 413 problem. None: no limit.
        trusted_hosts: The host names requests may name in ``Host`` (or
            ``X-Forwarded-Host`` behind Werkzeug's ``ProxyFix``), each exact
            or, with a leading dot, a domain and its subdomains
            (``".example.org"``); any other is a 400 problem before routing,
            so an attacker's ``Host`` never reaches an absolute URL Heron
            builds (pagination links, redirects). None: every host.

    Raises:
        ValueError: If ``unknown`` is not supported.
    """

    request_class = Request

    def __init__(
        self,
        title: str = "Heron API",
        version: str = "0.1.0",
        *,
        description: str | None = None,
        unknown: str = ma.RAISE,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        debug: bool = False,
        format_param: str | None = "format",
        problem_formatter: ProblemFormatter | None = None,
        problem_schema: ma.Schema | type[ma.Schema] | Mapping[str, Any] | None = None,
        problem_content_type: str | None = None,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = 500_000,
        max_form_parts: int | None = 1000,
        trusted_hosts: Iterable[str] | None = None,
    ) -> None:
        if unknown not in (ma.RAISE, ma.EXCLUDE, ma.INCLUDE):
            raise ValueError("unknown must be 'raise', 'exclude' or 'include'")
        self._init_scaffold()
        #: Incremented on every change to what requests go through (see :meth:`_changed`).
        self.version_stamp = 0
        self.title = title
        self.version = version
        self.description = description
        self.unknown = unknown
        self.debug = debug
        self.format_param = format_param
        self.problem_formatter = problem_formatter
        self.problem_schema = problem_schema
        self.problem_content_type = problem_content_type
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.router = Router(converters)
        self.media: MediaRegistry = default_registry()
        #: OpenAPI tags in registration order: name → tag object.
        self.tags: dict[str, dict[str, Any]] = {}
        #: Custom converter → OpenAPI parameter schema.
        self.converter_schemas: dict[type[BaseConverter], dict[str, Any]] = {}
        #: Registered blueprints by name.
        self.blueprints: dict[str, Blueprint] = {}
        #: Who opens ``req.session`` (the sessions extension), or None.
        self.session_interface: Any = None
        #: Negotiation outcomes remembered for this application (bounded).
        self.negotiation: Memo[MediaHandler] = Memo()
        self._dispatcher = Dispatcher(self)
        #: The host names requests may name, or None for any (see ``trusted_hosts``).
        self.trusted_hosts: list[str] | None = None
        if trusted_hosts is not None:
            self.trusted_hosts = [h.lower() for h in trusted_hosts]
            self.add_hook("before", self._check_host, first=True)
        #: ``handle(req) -> Response``: answer a request, the pipeline's one entry
        #: (route, negotiate, run the operation's features and handler, render;
        #: every error a problem details response, RFC 9457). Called by the front
        #: ends; the dispatcher's own method, so a request costs no extra call.
        self.handle: Callable[[Request], Response] = self._dispatcher.handle

    def _check_host(self, req: Request) -> None:
        """Refuse a request whose host is not trusted (a ``before_request`` hook).

        Raises:
            BadRequest: If ``Host`` (or the forwarded host Werkzeug's
                ``ProxyFix`` set) is not one of ``trusted_hosts``.
        """
        assert self.trusted_hosts is not None
        try:
            get_host(req.environ, self.trusted_hosts)
        except SecurityError:
            host = req.environ.get("HTTP_HOST") or req.environ.get("SERVER_NAME") or ""
            raise BadRequest(
                f"The host {ascii(host)[:100]} is not one this API serves; send one of:"
                f" {', '.join(self.trusted_hosts)}."
            ) from None

    def _changed(self) -> None:
        """Note a change to routes, hooks, extensions or media handlers.

        What the dispatcher compiled from them (hook chains, each operation's
        pipeline) is compiled again when next needed, never per request.
        """
        self.version_stamp += 1

    # -- registration -------------------------------------------------------

    def _providers(self, blueprint: Blueprint | None) -> list[FeatureProvider]:
        """The extensions giving operations of ``blueprint``'s scope features of their own."""
        scopes = [self.extensions]
        if blueprint is not None:
            scopes.append(blueprint.extensions)
        chosen: dict[str, FeatureProvider] = {}
        for scope in scopes:  # a blueprint's extension replaces the application's
            for name, ext in scope.items():
                if callable(getattr(ext, "operation_features", None)):
                    chosen[name] = ext
                else:
                    chosen.pop(name, None)
        return list(chosen.values())

    def add_resource(
        self,
        resource: Any,
        rule: str,
        *,
        endpoint: str | None = None,
        include_in_schema: bool = True,
        blueprint: Blueprint | None = None,
        documentation: bool = False,
    ) -> Route:
        """Register a resource at ``rule``; its method map is built here, once.

        Args:
            resource: A :class:`~heron.Resource` subclass (instantiated with no
                arguments) or an instance.
            rule: A Werkzeug rule; converters give typed path parameters.
            endpoint: Unique name; defaults to the class name (prefixed with
                ``"<blueprint>."`` in a blueprint).
            include_in_schema: False to leave the resource out of the spec.
            blueprint: The blueprint registering it (see :meth:`register_blueprint`).
            documentation: The route serves the API's own documentation (the
                OpenAPI document, Swagger UI): application- and blueprint-wide
                security requirements and rate limits leave it open.

        Returns:
            The route record.

        Raises:
            ValueError: If the endpoint or rule is taken, an operationId repeats,
                a declaration does not apply, or a handler's signature cannot
                take what it is passed (see :func:`heron.core.resources.check_signature`).
        """
        instance = resource() if isinstance(resource, type) else resource
        name = endpoint or type(instance).__name__
        tags: tuple[str, ...] = ()
        if blueprint is not None:
            name = f"{blueprint.name}.{name}"
            tags = (blueprint.tag,)
        route = build_route(
            instance,
            rule,
            endpoint=name,
            path_params=rule_arguments(rule, self.router.converters),
            media_registry=self.media,
            format_param=self.format_param,
            memo=self.negotiation,
            blueprint=blueprint,
            tags=tags,
            default_unknown=self.unknown,
            include_in_schema=include_in_schema,
            media=blueprint.media_handlers if blueprint else None,
            providers=self._providers(blueprint),
            documentation=documentation,
        )
        self._check_operation_ids(route)
        self.router.add(route)
        self._changed()
        return route

    def register_blueprint(self, blueprint: Blueprint, *, url_prefix: str | None = None) -> None:
        """Mount ``blueprint``'s resources under its URL prefix, tagged with its tag.

        Args:
            blueprint: The blueprint.
            url_prefix: Overrides the blueprint's own prefix.
        """
        prefix = blueprint.url_prefix if url_prefix is None else url_prefix
        tag: dict[str, Any] = {"name": blueprint.tag}
        if blueprint.description:
            tag["description"] = blueprint.description
        self.tags.setdefault(blueprint.tag, tag)
        self.blueprints[blueprint.name] = blueprint
        if self not in blueprint.apps:
            blueprint.apps.append(self)
        for resource, rule, options in blueprint.deferred:
            self.add_resource(resource, prefix.rstrip("/") + rule, blueprint=blueprint, **options)
        self._changed()

    def _extension_added(self, extension: Any) -> None:
        """Give the operations registered before ``extension`` the features it provides."""
        if not callable(getattr(extension, "operation_features", None)):
            return
        for route in list(self.router):
            blueprint = self.blueprints.get(route.blueprint) if route.blueprint else None
            if blueprint is not None and extension.name in blueprint.extensions:
                continue  # the blueprint's own replaces it
            self.router.replace(
                with_features(
                    route,
                    extension,
                    blueprint,
                    media_registry=self.media,
                    format_param=self.format_param,
                    memo=self.negotiation,
                    unknown=self.unknown,
                    path_params=rule_arguments(route.rule, self.router.converters),
                )
            )

    @property
    def problem_schema(self) -> ma.Schema | dict[str, Any] | None:
        """What error bodies look like: a schema instance, a JSON Schema, or None for RFC 9457's.

        A schema class is instantiated once, when set.
        """
        return self._problem_schema

    @problem_schema.setter
    def problem_schema(
        self, schema: ma.Schema | type[ma.Schema] | Mapping[str, Any] | None
    ) -> None:
        if isinstance(schema, type):
            schema = schema()
        self._problem_schema = dict(schema) if isinstance(schema, Mapping) else schema
        self._changed()

    def add_media_handler(self, handler: MediaHandler, *, first: bool = False) -> None:
        """Register a media handler (replacing one with the same media type).

        Args:
            handler: The handler.
            first: Make it the default representation.
        """
        self.media.add(handler, first=first)
        self._changed()

    def remove_media_handler(self, media_type: str) -> MediaHandler:
        """Unregister a media handler, e.g. ``"text/html"`` to switch off the browsable API.

        Args:
            media_type: The handler's ``media_type``.

        Returns:
            The removed handler.

        Raises:
            KeyError: If no handler has that media type.
        """
        handler = self.media.remove(media_type)
        self._changed()
        return handler

    def _check_operation_ids(self, route: Route) -> None:
        taken = {
            op.operation_id: r.endpoint
            for r in self.router
            for m, op in r.operations.items()
            if m != "HEAD" and op.include_in_schema
        }
        for method, op in route.operations.items():
            if method != "HEAD" and op.include_in_schema and op.operation_id in taken:
                raise ValueError(
                    f"operationId {op.operation_id!r} of {route.endpoint} {method} is already used"
                    f" by {taken[op.operation_id]}; set @doc(operation_id=...)"
                )
