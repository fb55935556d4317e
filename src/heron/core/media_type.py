"""Operations that send bytes of a declared media type (a file), not representations of data.

An operation whose success response declares a ``content_type``
(``@response(200, content_type="image/png")``, :func:`heron.features.files.file_response`)
is not negotiated against the JSON, YAML and HTML serializers, and takes no
``?format=``: :class:`DeclaredMediaType`, the feature the core binds to it,
matches ``Accept`` against the declared type before anything else runs
(RFC 9110 §12.5.1, 406 per §15.5.7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..http.negotiation import accept_media_type
from .features import BindSite, Call, Feature, Stage

if TYPE_CHECKING:
    from .request import Request

__all__ = ["DeclaredMediaType"]


class DeclaredMediaType(Feature):
    """Checks ``Accept`` against the media type the operation's success response declares.

    Args:
        content_type: The declared type or range (``image/png``, ``image/*``).
    """

    stage: ClassVar[int] = Stage.NEGOTIATE

    def __init__(self, content_type: str = "") -> None:
        self.content_type = content_type

    def bind(self, site: BindSite) -> DeclaredMediaType | None:
        """Take the operation out of data negotiation; None unless it declares a type."""
        declared = site.success().content_type
        if declared is None:
            return None
        negotiated = site.negotiate
        site.negotiate = False
        return DeclaredMediaType(declared) if negotiated else None

    def before(self, req: Request, call: Call) -> None:
        """Refuse with 406 when ``Accept`` excludes the declared type (RFC 9110 §15.5.7)."""
        accept_media_type(req.environ.get("HTTP_ACCEPT"), self.content_type)
