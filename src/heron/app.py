"""The application as users build it: the core, its default extensions, its front end.

:class:`Api` is :class:`heron.core.app.App` (routes, hooks, media handlers,
the pipeline) with what a Heron application has out of the box, each an
extension installed through the one registry (``api.extensions``):

- ``security``: the security schemes and each operation's requirement
  (:class:`heron.extensions.security.Security`, also ``api.security``);
- ``openapi``: the OpenAPI document at ``{spec_path}.json`` and ``.yaml``;
- ``swagger-ui``: Swagger UI at ``docs_path``, served offline;
- ``browsable``: the browsable API (``text/html`` for browsers);

and the WSGI front end (:mod:`heron.wsgi`): an ``Api`` is a PEP 3333
callable. This is the wiring: the one place, with the CLI, that knows every
layer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.routing import BaseConverter

from . import wsgi
from .core.app import App, ProblemFormatter
from .core.blueprints import Blueprint
from .docs.browsable import BrowsableAPI
from .docs.openapi.resources import OpenAPIRoutes
from .docs.swagger_ui import SwaggerUIRoutes
from .docs.templating import Templates
from .extensions.security import Alternative, Security

if TYPE_CHECKING:
    from .testing import TestClient

__all__ = ["OPENAPI_VERSIONS", "Api"]

OPENAPI_VERSIONS = ("3.0.3", "3.1.0")


class Api(App):
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
        trusted_hosts: The host names requests may name in ``Host`` (or
            ``X-Forwarded-Host`` behind Werkzeug's ``ProxyFix``), each exact
            or, with a leading dot, a domain and its subdomains
            (``".example.org"``); any other is a 400 problem before routing,
            so an attacker's ``Host`` never reaches an absolute URL Heron
            builds (pagination links, redirects). None: every host.
        template_folder: The application's Jinja2 template folder (see
            :mod:`heron.docs.templating`).
        security: The security requirement of every operation (see
            :mod:`heron.extensions.security`): a list of alternatives, each a
            scheme or a mapping of schemes to scopes. Blueprints, resources and
            :func:`heron.requires` override it.

    Raises:
        ValueError: If ``openapi_version`` or ``unknown`` is not supported.
    """

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
        trusted_hosts: Iterable[str] | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        security: Iterable[Alternative] | None = None,
    ) -> None:
        if openapi_version not in OPENAPI_VERSIONS:
            raise ValueError(f"openapi_version must be one of {OPENAPI_VERSIONS}")
        self._spec_cache: dict[str, dict[str, Any]] = {}
        super().__init__(
            title,
            version,
            description=description,
            unknown=unknown,
            converters=converters,
            debug=debug,
            format_param=format_param,
            problem_formatter=problem_formatter,
            problem_schema=problem_schema,
            problem_content_type=problem_content_type,
            max_content_length=max_content_length,
            max_form_memory_size=max_form_memory_size,
            max_form_parts=max_form_parts,
            trusted_hosts=trusted_hosts,
        )
        self.openapi_version = openapi_version
        self.spec_path = spec_path
        self.docs_path = docs_path if spec_path else None
        self.servers = [dict(s) for s in servers]
        self.info = dict(info or {})
        #: The Jinja2 environment and where it finds templates.
        self.templates = Templates(template_folder)
        #: Security schemes and each operation's requirement.
        self.security = Security(security, realm=title)
        self.register_extension(self.security)
        self.register_extension(BrowsableAPI())
        if spec_path:
            self.register_extension(OpenAPIRoutes(self.openapi, spec_path))
        if self.docs_path and spec_path:
            self.register_extension(
                SwaggerUIRoutes(self.templates, title, self.docs_path, spec_path)
            )

    def _changed(self) -> None:
        super()._changed()
        self._spec_cache.clear()

    def register_blueprint(self, blueprint: Blueprint, *, url_prefix: str | None = None) -> None:
        """Mount ``blueprint``'s resources under its URL prefix, tagged with its tag.

        Its template folder is searched after the application's.

        Args:
            blueprint: The blueprint.
            url_prefix: Overrides the blueprint's own prefix.
        """
        self.templates.add_blueprint(blueprint)
        super().register_blueprint(blueprint, url_prefix=url_prefix)

    # -- the OpenAPI document ---------------------------------------------------

    def openapi(self, openapi_version: str | None = None) -> dict[str, Any]:
        """Return the OpenAPI document, built once per version and change, and cached.

        Args:
            openapi_version: ``"3.0.3"`` or ``"3.1.0"``; defaults to the app's.

        Returns:
            The document as plain data (do not mutate it).

        Raises:
            ValueError: If the version is not supported.
        """
        from .docs.openapi.generator import build_spec

        version = openapi_version or self.openapi_version
        if version not in OPENAPI_VERSIONS:
            raise ValueError(f"openapi_version must be one of {OPENAPI_VERSIONS}")
        spec = self._spec_cache.get(version)
        if spec is None:
            spec = self._spec_cache[version] = build_spec(
                self, version, info=self.info, servers=self.servers
            )
        return spec

    # -- WSGI -------------------------------------------------------------------

    #: Answer one request (PEP 3333): the WSGI front end, :func:`heron.wsgi.serve`.
    __call__ = wsgi.serve

    def test_client(self) -> TestClient:
        """Return a Werkzeug test client for this application."""
        from .testing import TestClient

        return TestClient(self)
