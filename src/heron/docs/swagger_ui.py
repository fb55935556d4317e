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
from werkzeug.utils import send_file

from ..core.request import Request, Response
from ..core.resources import Resource
from ..http.errors import NotFound

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.app import Api

__all__ = ["SwaggerUI", "SwaggerUIAssets", "swagger_ui_dir"]

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
        api: The application (its title, spec and docs paths).
    """

    negotiate = False

    def __init__(self, api: Api) -> None:
        self.api = api
        #: The rendered page per mount point (``SCRIPT_NAME``).
        self._pages: dict[str, bytes] = {}

    def get(self, req: Request) -> Response:
        """Return the Swagger UI page, its URLs below the application's mount point."""
        root = req.script_root
        page = self._pages.get(root)
        if page is None:
            assert self.api.docs_path is not None
            # The application's templates: ``heron/swagger_ui.html`` may be replaced.
            template = self.api.templates.get_template("heron/swagger_ui.html")
            page = self._pages[root] = template.render(
                title=f"{self.api.title} - Swagger UI",
                assets=f"{root}{self.api.docs_path.rstrip('/')}/swagger-ui",
                spec_url=f"{root}{self.api.spec_path}.json",
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
        return send_file(path, req.environ, mimetype=mimetype, max_age=3600)
