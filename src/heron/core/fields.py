"""Marshmallow fields for what only HTTP requests carry: uploaded files."""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.datastructures import FileStorage

__all__ = ["Upload", "file_size", "multipart_encoding", "takes_files", "upload_properties"]

if TYPE_CHECKING:
    _Field = ma.fields.Field[FileStorage]
else:  # marshmallow 3's Field is not generic
    _Field = ma.fields.Field


class Upload(_Field):
    """A file sent as a part of ``multipart/form-data`` content (RFC 7578 §4.2).

    Loads to the Werkzeug ``FileStorage`` of the part (``.filename``,
    ``.mimetype``, ``.stream``, ``.save()``); anything else, such as a plain
    form value, is invalid. A file input left empty, which browsers send as a
    part with an empty file name and no content (HTML Standard §4.10.21.4),
    counts as no file: missing if the field is required, None otherwise.

    The spec documents the field as ``type: string, format: binary`` (with
    ``contentMediaType`` in OpenAPI 3.1), its accepted types as the part's
    ``encoding.contentType`` and its size limit in its description.

    Size is a property of one field, so a file over ``max_size`` is a 422
    naming the field (RFC 9110 §15.5.21), reported with every other invalid
    field; 413 (RFC 9110 §15.5.14) stays what it means: the content as a whole
    is more than the server reads (``Api(max_content_length=...)``), refused
    before it is read. A file name with a control character (an encoded CR/LF
    would break the ``Content-Disposition`` it is later sent in) or longer than
    :attr:`max_filename_length` characters is a 422 too.

    Args:
        content_types: If given, the media types the part's ``Content-Type``
            may have; ``type/*`` accepts a whole type (``image/*``).
        max_size: Largest file accepted, in bytes.
        **kwargs: Passed to :class:`marshmallow.fields.Field`.

    Raises:
        ValueError: If ``max_size`` is negative.
    """

    default_error_messages = {
        "invalid": "Not a file: send it as a part of multipart/form-data.",
        "content_type": "A file of type {content_type} is not accepted; send one of: {accepted}.",
        "too_large": "The file is {size} bytes, larger than the {max_size} bytes accepted.",
        "filename": "The file name has a control character (a line break, a NUL...);"
        " send it without.",
        "filename_length": "The file name is {length} characters long; at most {max_length}"
        " are accepted.",
    }
    #: Longest file name accepted, in characters (most file systems store 255).
    max_filename_length = 255

    def __init__(
        self,
        *,
        content_types: Iterable[str] | None = None,
        max_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError("max_size must be a number of bytes, 0 or more")
        super().__init__(**kwargs)
        self.content_types = tuple(t.lower() for t in content_types or ())
        self.max_size = max_size

    def deserialize(
        self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any
    ) -> Any:
        """Load ``value``, treating an empty file input as no file at all."""
        if isinstance(value, FileStorage) and not value.filename and file_size(value) == 0:
            value = ma.missing
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        name = value.filename or ""
        if len(name) > self.max_filename_length:
            raise self.make_error(
                "filename_length", length=len(name), max_length=self.max_filename_length
            )
        if not name.isprintable():  # CR/LF would break the Content-Disposition it is sent in
            raise self.make_error("filename")
        if self.content_types and not self._accepts(value.mimetype.lower()):
            raise self.make_error(
                "content_type",
                content_type=value.mimetype or "(none)",
                accepted=", ".join(self.content_types),
            )
        if self.max_size is not None:
            size = file_size(value)
            if size > self.max_size:
                raise self.make_error("too_large", size=size, max_size=self.max_size)
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.filename if isinstance(value, FileStorage) else value

    def _accepts(self, mimetype: str) -> bool:
        main = mimetype.partition("/")[0]
        return any(t == mimetype or t == f"{main}/*" for t in self.content_types)


def file_size(file: FileStorage) -> int:
    """Return the size of an uploaded file in bytes, leaving its stream where it was.

    Werkzeug spools parts to memory or a temporary file, both seekable; a
    stream that cannot seek is measured by the part's ``Content-Length``, if
    it had one (0 otherwise).
    """
    stream = file.stream
    try:
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return file.content_length
    return size


@functools.cache
def takes_files(schema: ma.Schema) -> bool:
    """Tell whether ``schema`` has an :class:`Upload` field (computed once per schema).

    Such content can only be ``multipart/form-data``: an urlencoded form has
    no way to carry a file.
    """
    return any(isinstance(f, Upload) for f in schema.fields.values())


def upload_properties(
    converter: Any, field: ma.fields.Field[Any], ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Document an :class:`Upload` field's type and size (an apispec attribute function).

    In OpenAPI 3.1 the part's media type goes in ``contentMediaType`` (JSON
    Schema 2020-12 Validation §8.4) beside ``format: binary``, which tools
    written for 3.0 still read: the one accepted type, or
    ``application/octet-stream`` when any type is (OpenAPI 3.1 §4.8.15); a
    list or a ``type/*`` range is left to the part's ``encoding``
    (:func:`multipart_encoding`). ``max_size`` has no JSON Schema keyword for
    bytes, so the description states it.

    Args:
        converter: apispec's ``OpenAPIConverter`` (gives the OpenAPI version).
        field: The marshmallow field.
        ret: The property built so far.
        **kwargs: Unused.

    Returns:
        The keywords to merge into the property.
    """
    if not isinstance(field, Upload):
        return {}
    result: dict[str, Any] = {}
    if converter.openapi_version.major >= 3 and converter.openapi_version.minor >= 1:
        types = field.content_types
        if not types:
            result["contentMediaType"] = "application/octet-stream"
        elif len(types) == 1 and not types[0].endswith("/*"):
            result["contentMediaType"] = types[0]
    if field.max_size is not None:
        limit = f"At most {field.max_size} bytes."
        described = ret.get("description")
        result["description"] = f"{described} {limit}" if described else limit
    return result


def multipart_encoding(schema: ma.Schema) -> dict[str, Any]:
    """Return the ``encoding`` map of ``schema`` as ``multipart/form-data`` content.

    Each :class:`Upload` restricted to some media types gets an Encoding
    Object whose ``contentType`` lists them (a type, a ``type/*`` range or
    a comma-separated list of both: OpenAPI 3.0.3 and 3.1 §4.8.15).

    Args:
        schema: The schema of a ``form`` argument.

    Returns:
        Property name → encoding object; empty when no part is restricted.
    """
    return {
        field.data_key or name: {"contentType": ", ".join(field.content_types)}
        for name, field in schema.fields.items()
        if isinstance(field, Upload) and field.content_types and not field.dump_only
    }
