"""Marshmallow fields for what only HTTP requests carry: uploaded files."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.datastructures import FileStorage

__all__ = ["Upload", "takes_files"]

if TYPE_CHECKING:
    _Field = ma.fields.Field[FileStorage]
else:  # marshmallow 3's Field is not generic
    _Field = ma.fields.Field


class Upload(_Field):
    """A file sent as a part of ``multipart/form-data`` content (RFC 7578 §4.2).

    Loads to the Werkzeug ``FileStorage`` of the part (``.filename``,
    ``.mimetype``, ``.stream``, ``.save()``); anything else, such as a plain
    form value, is invalid. The spec documents it as ``type: string, format:
    binary``, and an operation taking one reads only ``multipart/form-data``.

    Args:
        content_types: If given, the media types the part's ``Content-Type``
            may have; ``type/*`` accepts a whole type (``image/*``).
        **kwargs: Passed to :class:`marshmallow.fields.Field`.
    """

    default_error_messages = {
        "invalid": "Not a file: send it as a part of multipart/form-data.",
        "content_type": "A file of type {content_type} is not accepted; send one of: {accepted}.",
    }

    def __init__(self, *, content_types: Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_types = tuple(t.lower() for t in content_types or ())

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        if self.content_types and not self._accepts(value.mimetype.lower()):
            raise self.make_error(
                "content_type",
                content_type=value.mimetype or "(none)",
                accepted=", ".join(self.content_types),
            )
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.filename if isinstance(value, FileStorage) else value

    def _accepts(self, mimetype: str) -> bool:
        main = mimetype.partition("/")[0]
        return any(t == mimetype or t == f"{main}/*" for t in self.content_types)


@functools.cache
def takes_files(schema: ma.Schema) -> bool:
    """Tell whether ``schema`` has an :class:`Upload` field (computed once per schema).

    Such content can only be ``multipart/form-data``: an urlencoded form has
    no way to carry a file.
    """
    return any(isinstance(f, Upload) for f in schema.fields.values())
