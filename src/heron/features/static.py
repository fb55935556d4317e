"""Static files from a directory, served without path traversal.

:class:`StaticFiles` is a resource like any other; mount it on a ``path`` rule::

    api.add_resource(StaticFiles("static"), "/static/<path:filename>",
                     endpoint="static", include_in_schema=False)

or with :func:`mount_static`. A requested name is joined to the directory with
Werkzeug's ``safe_join`` (no ``..`` segment, no absolute path, no backslash
separator on Windows); hidden names (a segment starting with ``.``) are refused,
and so is a symbolic link leading out of the directory. Everything refused is a
plain 404, so a client learns nothing about the file system. Files are sent with
``ETag``, ``Last-Modified`` and range support, answering conditional requests
with 304 (RFC 9110 §13, §14).
"""

from __future__ import annotations

import mimetypes
import os
from typing import TYPE_CHECKING

from werkzeug.security import safe_join

from ..core.resources import Resource
from ..http.errors import NotFound
from .files import send_file

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.app import App as Api
    from ..core.request import Request

__all__ = ["StaticFiles", "mount_static"]


class StaticFiles(Resource):
    """Serves the files below one directory.

    Args:
        directory: The directory; only files below it are served.
        max_age: ``Cache-Control: max-age`` in seconds; None sends
            ``no-cache`` (revalidate with the ``ETag`` every time).
        allow_hidden: Serve names with a segment starting with ``.``
            (``.env``, ``.git/config``); off by default.
        follow_symlinks: Serve symbolic links that lead out of ``directory``;
            off by default.
    """

    negotiate = False

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_age: int | None = None,
        allow_hidden: bool = False,
        follow_symlinks: bool = False,
    ) -> None:
        self.directory = os.path.abspath(os.fspath(directory))
        self.max_age = max_age
        self.allow_hidden = allow_hidden
        self.follow_symlinks = follow_symlinks

    def resolve(self, filename: str) -> str | None:
        """Return the path of the file ``filename`` names, or None if it is not served.

        Args:
            filename: The untrusted, ``/``-separated name from the URL.

        Returns:
            An existing regular file below :attr:`directory`, or None.
        """
        if not self.allow_hidden and any(part.startswith(".") for part in filename.split("/")):
            return None
        path = safe_join(self.directory, filename)
        if path is None or not os.path.isfile(path):
            return None
        if not self.follow_symlinks:
            root = os.path.realpath(self.directory)
            if os.path.commonpath([root, os.path.realpath(path)]) != root:
                return None
        return path

    def get(self, req: Request, filename: str) -> WZResponse:
        """Send one file, answering conditional and range requests (RFC 9110 §13, §14).

        Args:
            req: The request.
            filename: The file's name below the directory.

        Returns:
            The file, or 304 Not Modified, or 206 Partial Content.

        Raises:
            NotFound: If no file is served under that name (RFC 9110 §15.5.5).
        """
        path = self.resolve(filename)
        if path is None:
            raise NotFound(f"No file named '{filename}'.")
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        resp = send_file(req, path, mimetype=mimetype, max_age=self.max_age)
        if self.max_age is None:
            resp.headers["Cache-Control"] = "no-cache"
        return resp


def mount_static(
    api: Api,
    directory: str | os.PathLike[str],
    url_path: str = "/static",
    *,
    endpoint: str = "static",
    max_age: int | None = None,
) -> StaticFiles:
    """Serve ``directory`` at ``url_path`` (left out of the OpenAPI document).

    Build URLs with ``req.url_for("static", filename="site.css")`` (or
    ``url_for`` in templates).

    Args:
        api: The application.
        directory: The directory to serve.
        url_path: The URL prefix, e.g. ``"/static"``.
        endpoint: The route's endpoint name.
        max_age: ``Cache-Control: max-age`` in seconds (None: ``no-cache``).

    Returns:
        The resource.
    """
    resource = StaticFiles(directory, max_age=max_age)
    api.add_resource(
        resource,
        f"{url_path.rstrip('/')}/<path:filename>",
        endpoint=endpoint,
        include_in_schema=False,
    )
    return resource
