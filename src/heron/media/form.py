"""HTML form content: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Parsing is Werkzeug's (``Request.form`` / ``Request.files``), streamed, with its
limits: ``Api(max_content_length=...)`` on the whole content,
``max_form_memory_size`` on each non-file part and ``max_form_parts`` on the
number of parts; going over any is a 413 problem saying which limits apply
(RFC 9110 §15.5.14). Uploaded files arrive as Werkzeug ``FileStorage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..http.errors import ContentTooLarge
from .base import MediaHandler

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

__all__ = ["FormHandler", "MultipartHandler"]


def _form(req: Request, *, multipart: bool) -> MultiDict[str, Any]:
    """Parse the form content of ``req``, turning a limit exceeded into a clear 413.

    Raises:
        ContentTooLarge: If the content, a part or the number of parts is over
            its limit (RFC 9110 §15.5.14).
    """
    try:
        return CombinedMultiDict([req.form, req.files]) if multipart else req.form
    except RequestEntityTooLarge:
        raise ContentTooLarge(_too_large_detail(req, multipart=multipart)) from None


def _too_large_detail(req: Request, *, multipart: bool) -> str:
    """Say which limit the form went over, or every limit that applies when Werkzeug cannot tell."""
    limit = req.max_content_length
    length = req.content_length
    if limit is not None and length is not None and length > limit:
        return f"The request content is larger than {limit} bytes."
    limits = [f"{limit} bytes of content"] if limit is not None else []
    if multipart and req.max_form_parts is not None:
        limits.append(f"{req.max_form_parts} parts")
    if multipart and req.max_form_memory_size is not None:
        limits.append(f"{req.max_form_memory_size} bytes in any part that is not a file")
    return "The form is larger than this server reads: at most " + ", ".join(limits) + "."


class FormHandler(MediaHandler):
    """``application/x-www-form-urlencoded`` request content (WHATWG URL §5)."""

    media_type = "application/x-www-form-urlencoded"
    format = "form"
    can_serialize = False
    form = True

    def read(self, req: Request, charset: str | None) -> Any:
        """Return the form fields as a ``MultiDict``."""
        return _form(req, multipart=False)


class MultipartHandler(MediaHandler):
    """``multipart/form-data`` request content (RFC 7578), files included."""

    media_type = "multipart/form-data"
    format = "multipart"
    can_serialize = False
    form = True

    def read(self, req: Request, charset: str | None) -> Any:
        """Return the form fields and files as one ``MultiDict``."""
        return _form(req, multipart=True)
