"""File downloads: ``Content-Disposition``, conditional and range requests, and their docs.

:func:`send_file` sends a file (a path or a binary file object) with
Werkzeug's ``send_file``:

- ``Content-Disposition`` (RFC 6266): ``inline`` or ``attachment``, with the
  file name; a non-ASCII name is sent as ``filename*=UTF-8''...`` (RFC 8187)
  beside an ASCII ``filename`` fallback (RFC 6266 §4.3).
- ``ETag`` and ``Last-Modified`` for paths; ``If-None-Match`` and
  ``If-Modified-Since`` answered with 304 (RFC 9110 §13.1).
- Range requests (RFC 9110 §14): ``Accept-Ranges: bytes``; a satisfiable
  ``Range`` gets 206 Partial Content with ``Content-Range`` (§15.3.7); an
  ``If-Range`` validator that no longer matches gets the whole file (§13.1.5);
  an unsatisfiable range gets a 416 problem with ``Content-Range: bytes */N``
  (§15.5.17).

:func:`file_response` documents all of that on an operation, one declaration
for what the handler sends: ``content: {image/png: {schema: {type: string,
format: binary}}}``, the headers, and the 206, 304 and 416 responses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, TypeVar

from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.utils import send_file as _send_file

from ..core.operations import response
from ..core.response import Response
from ..http.errors import HTTPError, NotFound

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.request import Request

__all__ = ["file_response", "send_file", "send_from_directory"]

F = TypeVar("F", bound=Callable[..., Any])

_CONTENT_DISPOSITION = {
    "description": "`inline` or `attachment`, with the file's name; a non-ASCII name as"
    " `filename*` (RFC 6266 §4.3, RFC 8187) beside an ASCII `filename`.",
    "schema": {"type": "string"},
}
_ACCEPT_RANGES = {
    "description": "`bytes`: a `Range` request gets part of the file (RFC 9110 §14.3).",
    "schema": {"type": "string"},
}
_ETAG = {"description": "Validator of the file (RFC 9110 §8.8.3).", "schema": {"type": "string"}}
_LAST_MODIFIED = {
    "description": "When the file last changed (RFC 9110 §8.8.2).",
    "schema": {"type": "string"},
}
_CONTENT_RANGE = {
    "description": "The part sent and the file's length: `bytes 0-499/1234` (RFC 9110 §14.4).",
    "schema": {"type": "string"},
}
_UNSATISFIED_RANGE = {
    "description": "The file's length: `bytes */1234` (RFC 9110 §15.5.17).",
    "schema": {"type": "string"},
}


def send_file(
    req: Request,
    path_or_file: str | os.PathLike[str] | IO[bytes],
    *,
    mimetype: str | None = None,
    download_name: str | None = None,
    as_attachment: bool = False,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | None = None,
) -> WZResponse:
    """Send a file as the response to ``req``, answering range and conditional requests.

    Never pass a path that comes from the client: use
    :func:`send_from_directory`.

    Args:
        req: The request (its ``Range``, ``If-Range``, ``If-None-Match`` and
            ``If-Modified-Since`` headers are honoured).
        path_or_file: A path, or a file object opened in binary mode and at
            the start of the data (``io.BytesIO`` for bytes in memory).
        mimetype: ``Content-Type``; guessed from the file name when None.
        download_name: The file name offered to the client
            (``Content-Disposition``); defaults to the path's last segment.
            Any Unicode name works (RFC 6266 §4.3); control characters are
            replaced by ``_``.
        as_attachment: ``attachment`` (save it) instead of ``inline`` (show
            it) in ``Content-Disposition`` (RFC 6266 §4.2).
        conditional: Answer conditional and range requests (RFC 9110 §13, §14).
        etag: Send an ``ETag`` computed from a path's modification time and
            size (True), this one (a string), or none (False).
        last_modified: ``Last-Modified``; a path's modification time by default.
        max_age: ``Cache-Control: max-age`` in seconds; None sends
            ``no-cache`` (revalidate every time).

    Returns:
        200 with the file, 206 with a part of it, or 304.

    Raises:
        HTTPError: 416 with ``Content-Range: bytes */<length>`` if the range
            asked for is not satisfiable (RFC 9110 §15.5.17).
        TypeError: If a file object is given with neither ``mimetype`` nor
            ``download_name``.
    """
    if download_name is not None and not download_name.isprintable():
        # A line break would split Content-Disposition (RFC 6266 §4.1): not a header value.
        download_name = "".join(c if c.isprintable() else "_" for c in download_name)
    environ = req.environ
    ranged = environ.get("HTTP_RANGE")
    if ranged is not None and ranged.partition("=")[0].strip().lower() != "bytes":
        # A range unit this server does not know is ignored (RFC 9110 §14.2): the whole file.
        environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    try:
        return _send_file(
            path_or_file,
            environ,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
            response_class=Response,
        )
    except RequestedRangeNotSatisfiable as exc:
        length = exc.length
        detail = f"The range '{req.headers.get('Range', '')}' is not satisfiable"
        raise HTTPError(
            f"{detail}: the file is {length} bytes long." if length is not None else f"{detail}.",
            status=416,
            headers={"Content-Range": f"bytes */{length}"} if length is not None else None,
        ) from None


def send_from_directory(
    req: Request, directory: str | os.PathLike[str], filename: str, **options: Any
) -> WZResponse:
    """Send the file ``filename`` names below ``directory``; ``filename`` may come from the client.

    The name is resolved as :class:`heron.static.StaticFiles` resolves it:
    joined safely (no ``..``, no absolute path), hidden names and symbolic
    links leading out of the directory refused.

    Args:
        req: The request.
        directory: The directory files are served from.
        filename: The untrusted, ``/``-separated name.
        **options: Passed to :func:`send_file` (``download_name``,
            ``as_attachment``, ``mimetype``...).

    Returns:
        The response of :func:`send_file`.

    Raises:
        NotFound: If no file is served under that name (RFC 9110 §15.5.5).
    """
    from .static import StaticFiles

    path = StaticFiles(directory).resolve(filename)
    if path is None:
        raise NotFound(f"No file named '{filename}'.")
    return send_file(req, path, **options)


def file_response(
    content_type: str = "application/octet-stream",
    *,
    description: str | None = None,
    ranges: bool = True,
    conditional: bool = True,
) -> Callable[[F], F]:
    """Document that a handler sends a file with :func:`send_file`.

    Declares the 200 response as ``content_type`` bytes (``type: string,
    format: binary``) with ``Content-Disposition``; with ``conditional``,
    ``ETag``/``Last-Modified`` and a 304; with ``ranges``, ``Accept-Ranges``,
    206 Partial Content with ``Content-Range`` and a 416 problem.

    The operation is negotiated against ``content_type``, not against the
    JSON and YAML representations of data: ``Accept: image/png`` gets an
    ``image/*`` file, ``Accept: application/json`` a 406 (RFC 9110 §15.5.7);
    the resource's other operations stay negotiated as usual.

    Args:
        content_type: The file's media type (``image/png``, ``image/*``,
            ``application/pdf``...).
        description: Description of the 200 response.
        ranges: Whether range requests are answered (``send_file`` does).
        conditional: Whether conditional requests are answered (likewise).

    Returns:
        The decorator.
    """
    headers: dict[str, Any] = {"Content-Disposition": _CONTENT_DISPOSITION}
    if conditional:
        headers.update({"ETag": _ETAG, "Last-Modified": _LAST_MODIFIED})
    if ranges:
        headers["Accept-Ranges"] = _ACCEPT_RANGES
    declarations = [
        response(
            200, description=description or "The file.", headers=headers, content_type=content_type
        )
    ]
    if conditional:
        declarations.append(
            response(304, description="Not Modified: the copy the client has is current.")
        )
    if ranges:
        declarations.append(
            response(
                206,
                description="Partial Content: the range of the file asked for (RFC 9110 §15.3.7).",
                headers={"Content-Range": _CONTENT_RANGE, **headers},
                content_type=content_type,
            )
        )
        declarations.append(
            response(
                416,
                description="Range Not Satisfiable: the range lies outside the file"
                " (RFC 9110 §15.5.17).",
                headers={"Content-Range": _UNSATISFIED_RANGE},
            )
        )

    def decorator(func: F) -> F:
        for declare in reversed(declarations):
            func = declare(func)
        return func

    return decorator
