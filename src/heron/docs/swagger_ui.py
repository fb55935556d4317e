"""Swagger UI, served by the application itself with no external requests.

The static assets come from the ``swagger-ui-bundle-v2`` package (Swagger UI
5.x, which renders OpenAPI 3.0 and 3.1 documents); the page is rendered from
Heron's Jinja2 template ``heron/swagger_ui.html`` (an application may replace
it, see :mod:`heron.templating`) so every script, stylesheet and image URL points
back at the application.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.security import safe_join

from ..core.resources import Resource
from ..core.response import Response
from ..features.files import send_file
from ..http.errors import NotFound

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.request import Request
    from ..core.scaffold import Scaffold
    from .templating import Templates

__all__ = ["SwaggerUI", "SwaggerUIAssets", "SwaggerUIRoutes", "swagger_ui_dir"]

#: The assets the page loads; nothing else is served from the bundle.
ASSETS = frozenset(
    {
        "swagger-ui.css",
        "index.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-32x32.png",
        "favicon-16x16.png",
        "oauth2-redirect.html",
        "oauth2-redirect.js",
    }
)


@cache
def swagger_ui_dir() -> Path:
    """Return the directory holding Swagger UI's static distribution."""
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


class SwaggerUI(Resource):
    """The Swagger UI page for the application's OpenAPI document.

    Args:
        templates: The application's templates (``heron/swagger_ui.html`` may be replaced).
        title: The page's title.
        docs_path: Where the page is served.
        spec_path: Where the document is served, without extension.
    """

    negotiate = False

    def __init__(self, templates: Templates, title: str, docs_path: str, spec_path: str) -> None:
        self.templates = templates
        self.title = title
        self.docs_path = docs_path
        self.spec_path = spec_path
        #: The rendered page per mount point (``SCRIPT_NAME``).
        self._pages: dict[str, bytes] = {}

    def get(self, req: Request) -> Response:
        """Return the Swagger UI page, its URLs below the application's mount point."""
        root = req.script_root
        page = self._pages.get(root)
        if page is None:
            template = self.templates.get_template("heron/swagger_ui.html")
            page = self._pages[root] = template.render(
                title=f"{self.title} - Swagger UI",
                assets=f"{root}{self.docs_path.rstrip('/')}/swagger-ui",
                spec_url=f"{root}{self.spec_path}.json",
            ).encode("utf-8")
        return Response(page, content_type="text/html; charset=utf-8")


class SwaggerUIAssets(Resource):
    """Serves Swagger UI's scripts, stylesheets and images from the package."""

    negotiate = False

    def get(self, req: Request, filename: str) -> WZResponse:
        """Return one static asset, with conditional request support (RFC 9110 §13).

        Raises:
            NotFound: For any file that is not one of Swagger UI's assets.
        """
        if filename not in ASSETS:
            raise NotFound(f"No Swagger UI asset named '{filename}'.")
        path = safe_join(str(swagger_ui_dir()), filename)
        if path is None:  # pragma: no cover - ASSETS holds plain names
            raise NotFound(f"No Swagger UI asset named '{filename}'.")
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return send_file(req, path, mimetype=mimetype, max_age=3600)


class SwaggerUIRoutes:
    """The extension serving Swagger UI at ``docs_path``, with its assets, offline.

    Args:
        templates: The application's templates.
        title: The API's title.
        docs_path: Where the page is served (``"/docs"``).
        spec_path: Where the document is served, without extension.
    """

    name = "swagger-ui"

    def __init__(self, templates: Templates, title: str, docs_path: str, spec_path: str) -> None:
        self.page = SwaggerUI(templates, title, docs_path, spec_path)

    def init_app(self, api: Scaffold) -> None:
        """Register the page and its assets (documentation routes, left out of the spec)."""
        docs_path = self.page.docs_path
        api.add_resource(
            self.page,
            docs_path,
            endpoint="heron.docs",
            include_in_schema=False,
            documentation=True,
        )
        api.add_resource(
            SwaggerUIAssets(),
            f"{docs_path.rstrip('/')}/swagger-ui/<path:filename>",
            endpoint="heron.docs_assets",
            include_in_schema=False,
            documentation=True,
        )
