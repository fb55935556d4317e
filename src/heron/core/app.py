"""The WSGI application: registries and wiring, no HTTP logic of its own."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import marshmallow as ma
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Request as _WZRequest

from ..docs.templating import Templates
from ..extensions.security import Alternative, Security
from ..http.limits import CappedInput
from ..media import MediaRegistry, default_registry
from .blueprints import Blueprint
from .dispatch import Dispatcher
from .hooks import Extension, HookMixin, Hooks
from .request import Request
from .resources import Route, build_route
from .routing import Router

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ..http.errors import HTTPError
    from ..media.base import MediaHandler
    from ..testing import TestClient

__all__ = ["Api"]

T = TypeVar("T")
#: ``formatter(req, error) -> data``: the body of an error response.
ProblemFormatter = Callable[[Request, "HTTPError"], Any]
E = TypeVar("E", bound=Exception)
OPENAPI_VERSIONS = ("3.0.3", "3.1.0")
_WZ_CLOSE = _WZRequest.close


class Api(HookMixin):
    """A Heron application: a PEP 3333 WSGI callable serving resources.

    Args:
        title: The API's title (OpenAPI ``info.title``).
        version: The API's version (OpenAPI ``info.version``).
        description: Description for ``info.description`` (CommonMark).
        openapi_version: ``"3.1.0"`` (default: JSON Schema 2020-12 schemas,
            ``null`` as a type; rendered by the bundled Swagger UI 5) or
            ``"3.0.3"`` for tools that predate 3.1.
        spec_path: Where the spec is served, without extension: ``{spec_path}.json``
            and ``{spec_path}.yaml``. None serves no spec (and no docs).
        docs_path: Where Swagger UI is served. None switches it off.
        unknown: Default policy for unknown fields in arguments: ``"raise"``
            (reject with 422), ``"exclude"`` or ``"include"``.
        converters: Extra Werkzeug URL converters by name.
        servers: OpenAPI ``servers`` entries.
        info: Further OpenAPI ``info`` fields (``contact``, ``license``...).
        debug: Let unhandled exceptions propagate (to Werkzeug's debugger)
            instead of answering 500.
        format_param: Query parameter that picks a representation by its
            handler's ``format`` (``?format=yaml``), overriding ``Accept``;
            None switches the override off.
        problem_formatter: ``formatter(req, error) -> data`` replacing the
            RFC 9457 problem details object as the body of every error, for
            APIs with a prescribed error shape.
        problem_schema: What error bodies look like, for the spec (and, as a
            marshmallow schema, to dump the formatter's data): a schema class
            or instance, or a JSON Schema dict. Defaults to RFC 9457's.
        problem_content_type: Send every error body as this media type,
            serialized by its handler, instead of negotiating it (e.g.
            ``"application/json"`` for a prescribed error shape).
        max_content_length: Largest request content read, in bytes; more is
            a 413 problem (RFC 9110 §15.5.14). None: no limit of Heron's.
        max_form_memory_size: Largest non-file part of ``multipart/form-data``
            content, in bytes (files are spooled to disk); more is a 413
            problem. Werkzeug's default; None: no limit.
        max_form_parts: Most parts read from ``multipart/form-data`` content;
            more is a 413 problem. Werkzeug's default; None: no limit.
        template_folder: The application's Jinja2 template folder (see
            :mod:`heron.templating`).
        security: The security requirement of every operation (see
            :mod:`heron.extensions.security`): a list of alternatives, each a scheme or
            a mapping of schemes to scopes. Blueprints, resources and
            :func:`heron.extensions.security.requires` override it.

    Raises:
        ValueError: If ``openapi_version`` or ``unknown`` is not supported.
    """

    request_class = Request

    def __init__(
        self,
        title: str = "Heron API",
        version: str = "0.1.0",
        *,
        description: str | None = None,
        openapi_version: str = "3.1.0",
        spec_path: str | None = "/openapi",
        docs_path: str | None = "/docs",
        unknown: str = ma.RAISE,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        servers: Iterable[Mapping[str, Any]] = (),
        info: Mapping[str, Any] | None = None,
        debug: bool = False,
        format_param: str | None = "format",
        problem_formatter: ProblemFormatter | None = None,
        problem_schema: ma.Schema | type[ma.Schema] | Mapping[str, Any] | None = None,
        problem_content_type: str | None = None,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = 500_000,
        max_form_parts: int | None = 1000,
        template_folder: str | os.PathLike[str] | None = None,
        security: Iterable[Alternative] | None = None,
    ) -> None:
        if openapi_version not in OPENAPI_VERSIONS:
            raise ValueError(f"openapi_version must be one of {OPENAPI_VERSIONS}")
        if unknown not in (ma.RAISE, ma.EXCLUDE, ma.INCLUDE):
            raise ValueError("unknown must be 'raise', 'exclude' or 'include'")
        self.title = title
        self.version = version
        self.description = description
        self.openapi_version = openapi_version
        self.spec_path = spec_path
        self.docs_path = docs_path if spec_path else None
        self.unknown = unknown
        self.servers = [dict(s) for s in servers]
        self.info = dict(info or {})
        self.debug = debug
        self.format_param = format_param
        self.problem_formatter = problem_formatter
        self.problem_schema = problem_schema
        self.problem_content_type = problem_content_type
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.router = Router(converters)
        #: The Jinja2 environment and where it finds templates.
        self.templates = Templates(template_folder)
        self.media: MediaRegistry = default_registry()
        self.error_handlers: dict[type[Exception], Callable[[Request, Any], Any]] = {}
        #: OpenAPI tags in registration order: name → tag object.
        self.tags: dict[str, dict[str, Any]] = {}
        #: Custom converter → OpenAPI parameter schema.
        self.converter_schemas: dict[type[BaseConverter], dict[str, Any]] = {}
        #: Hooks run for every request (see :mod:`heron.hooks`).
        self.hooks = Hooks()
        #: Hooks of each registered blueprint, by blueprint name.
        self.blueprint_hooks: dict[str, Hooks] = {}
        #: Extensions registered with :meth:`register_extension`, by name.
        self.extensions: dict[str, Any] = {}
        #: Security schemes and each operation's requirement, enforced by the first guard.
        self.security = Security(security)
        self.hooks.guards.append(self.security.guard)
        self._dispatcher = Dispatcher(self)
        self._spec_cache: dict[str, dict[str, Any]] = {}
        self._refresh_media()
        self._install_builtin_routes()

    # -- registration -------------------------------------------------------

    def route(
        self, rule: str, *, endpoint: str | None = None, include_in_schema: bool = True
    ) -> Callable[[type[T]], type[T]]:
        """Register the decorated resource class at ``rule``.

        Args:
            rule: A Werkzeug rule, e.g. ``"/pets/<int:pet_id>"``.
            endpoint: Name for :meth:`Request.url_for`; defaults to the class name.
            include_in_schema: False to leave the resource out of the spec.

        Returns:
            The decorator, which returns the class unchanged.
        """

        def decorator(cls: type[T]) -> type[T]:
            self.add_resource(cls, rule, endpoint=endpoint, include_in_schema=include_in_schema)
            return cls

        return decorator

    def add_resource(
        self,
        resource: Any,
        rule: str,
        *,
        endpoint: str | None = None,
        include_in_schema: bool = True,
        blueprint: Blueprint | None = None,
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

        Returns:
            The route record.

        Raises:
            ValueError: If the endpoint or rule is taken, an operationId repeats,
                or the declarations are inconsistent.
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
            blueprint=blueprint.name if blueprint else None,
            tags=tags,
            default_unknown=self.unknown,
            include_in_schema=include_in_schema,
            media=blueprint.media_handlers if blueprint else None,
        )
        self._check_operation_ids(route)
        self.security.resolve(route, blueprint)
        self.router.add(route)
        self._spec_cache.clear()
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
        self.blueprint_hooks[blueprint.name] = blueprint.hooks
        self.templates.add_blueprint(blueprint)
        for resource, rule, options in blueprint.deferred:
            self.add_resource(resource, prefix.rstrip("/") + rule, blueprint=blueprint, **options)

    def register_extension(self, extension: Extension) -> None:
        """Attach an extension: call its ``init_app(api)`` and keep it by name.

        Args:
            extension: An object with a ``name`` and an ``init_app(api)`` method
                (:class:`heron.hooks.Extension`).

        Raises:
            ValueError: If an extension with that name is already registered.
        """
        if extension.name in self.extensions:
            raise ValueError(f"An extension named {extension.name!r} is already registered")
        extension.init_app(self)
        self.extensions[extension.name] = extension

    def error_handler(
        self, exc_class: type[E]
    ) -> Callable[[Callable[[Request, E], Any]], Callable[[Request, E], Any]]:
        """Register a handler for exceptions of ``exc_class`` (and subclasses).

        The handler is called as ``handler(req, exc)`` and returns a response,
        or returns or raises an :class:`~heron.HTTPError` to answer as problem
        details.

        Returns:
            The decorator.
        """

        def decorator(func: Callable[[Request, E], Any]) -> Callable[[Request, E], Any]:
            self.error_handlers[exc_class] = func
            return func

        return decorator

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
        if hasattr(self, "_spec_cache"):
            self._spec_cache.clear()

    def add_media_handler(self, handler: MediaHandler, *, first: bool = False) -> None:
        """Register a media handler (replacing one with the same media type).

        Args:
            handler: The handler.
            first: Make it the default representation.
        """
        self.media.add(handler, first=first)
        self._refresh_media()

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
        self._refresh_media()
        return handler

    def _refresh_media(self) -> None:
        self._spec_cache.clear()

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

    def _install_builtin_routes(self) -> None:
        from ..docs.openapi.resources import OpenAPIDocument
        from ..docs.swagger_ui import SwaggerUI, SwaggerUIAssets

        if self.spec_path:
            for fmt in ("json", "yaml"):
                self.add_resource(
                    OpenAPIDocument(self, fmt),
                    f"{self.spec_path}.{fmt}",
                    endpoint=f"heron.openapi_{fmt}",
                    include_in_schema=False,
                )
        if self.docs_path:
            self.add_resource(
                SwaggerUI(self), self.docs_path, endpoint="heron.docs", include_in_schema=False
            )
            self.add_resource(
                SwaggerUIAssets(),
                f"{self.docs_path.rstrip('/')}/swagger-ui/<path:filename>",
                endpoint="heron.docs_assets",
                include_in_schema=False,
            )

    # -- the OpenAPI document ---------------------------------------------------

    def openapi(self, openapi_version: str | None = None) -> dict[str, Any]:
        """Return the OpenAPI document, built once per version and cached.

        Args:
            openapi_version: ``"3.0.3"`` or ``"3.1.0"``; defaults to the app's.

        Returns:
            The document as plain data (do not mutate it).

        Raises:
            ValueError: If the version is not supported.
        """
        from ..docs.openapi.generator import build_spec

        version = openapi_version or self.openapi_version
        if version not in OPENAPI_VERSIONS:
            raise ValueError(f"openapi_version must be one of {OPENAPI_VERSIONS}")
        spec = self._spec_cache.get(version)
        if spec is None:
            spec = self._spec_cache[version] = build_spec(self, version)
        return spec

    # -- WSGI -------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (PEP 3333)."""
        req = self.request_class(environ, self)
        if self.max_content_length is not None:
            if req.content_length is None and environ.get("wsgi.input_terminated"):
                # Chunked content: counted while read (see heron.limits).
                environ["wsgi.input"] = CappedInput(environ["wsgi.input"], self.max_content_length)
            else:
                req.max_content_length = self.max_content_length
        req.max_form_memory_size = self.max_form_memory_size
        req.max_form_parts = self.max_form_parts  # type: ignore[assignment]  # None: no limit
        try:
            response = self._dispatcher.handle(req)
            return response(environ, start_response)
        finally:
            if "files" in req.__dict__ or type(req).close is not _WZ_CLOSE:
                req.close()  # uploaded files' temporary files
            # Break the request <-> environ cycle, so the request is freed now,
            # not at the garbage collector's next pass (as Flask does).
            environ["werkzeug.request"] = None

    def test_client(self) -> TestClient:
        """Return a Werkzeug test client for this application."""
        from ..testing import TestClient

        return TestClient(self)
