"""HTML form content: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Parsing is Werkzeug's (``Request.form`` / ``Request.files``), with its limits on
form memory and parts; uploaded files arrive as Werkzeug ``FileStorage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import CombinedMultiDict

from .base import MediaHandler

if TYPE_CHECKING:
    from ..wrappers import Request

__all__ = ["FormHandler", "MultipartHandler"]


class FormHandler(MediaHandler):
    """``application/x-www-form-urlencoded`` request content (WHATWG URL §5)."""

    media_type = "application/x-www-form-urlencoded"
    format = "form"
    can_serialize = False
    form = True

    def read(self, req: Request, charset: str | None) -> Any:
        """Return the form fields as a ``MultiDict``."""
        return req.form


class MultipartHandler(MediaHandler):
    """``multipart/form-data`` request content (RFC 7578), files included."""

    media_type = "multipart/form-data"
    format = "multipart"
    can_serialize = False
    form = True

    def read(self, req: Request, charset: str | None) -> Any:
        """Return the form fields and files as one ``MultiDict``."""
        return CombinedMultiDict([req.form, req.files])
