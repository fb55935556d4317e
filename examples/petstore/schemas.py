"""Marshmallow schemas: one declaration validates requests and documents the API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from heron.core.fields import Upload

__all__ = [
    "MAX_PHOTO_SIZE",
    "STATUSES",
    "DimensionsSchema",
    "PetQuerySchema",
    "PetSchema",
    "PhotoSchema",
    "PhotoUploadSchema",
]

#: The states a pet goes through.
STATUSES = ("available", "pending", "sold")
#: Largest photo accepted, in bytes (5 MiB).
MAX_PHOTO_SIZE = 5 * 1024 * 1024

_POSITIVE = validate.Range(min=0, min_inclusive=False)


class DimensionsSchema(ma.Schema):
    """Size of a pet, in centimetres."""

    width = fields.Float(required=True, validate=_POSITIVE, metadata={"description": "In cm."})
    height = fields.Float(required=True, validate=_POSITIVE, metadata={"description": "In cm."})


class PetSchema(ma.Schema):
    """A pet in the store."""

    id = fields.Integer(dump_only=True, metadata={"description": "Assigned by the store."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    tag = fields.String(load_default=None, allow_none=True, metadata={"description": "Free label."})
    status = fields.String(load_default="available", validate=validate.OneOf(STATUSES))
    dimensions = fields.Nested(DimensionsSchema, load_default=None, allow_none=True)
    created_at = fields.DateTime(dump_only=True, metadata={"description": "When it was added."})


class PetQuerySchema(ma.Schema):
    """Query parameters of the pet list (the page is chosen by ``offset`` and ``limit``)."""

    tag = fields.String(metadata={"description": "Only pets with this tag."})


class PhotoUploadSchema(ma.Schema):
    """A photo, sent as ``multipart/form-data``."""

    photo = Upload(
        required=True,
        content_types=["image/*"],
        max_size=MAX_PHOTO_SIZE,
        metadata={"description": "The image: any `image/*` type."},
    )


class PhotoSchema(ma.Schema):
    """A pet's photo, as stored."""

    pet_id = fields.Integer(metadata={"description": "The pet it shows."})
    content_type = fields.String(metadata={"description": "Its media type, as uploaded."})
    filename = fields.String(metadata={"description": "The name it was uploaded under."})
    size = fields.Integer(metadata={"description": "In bytes."})
    sha256 = fields.String(metadata={"description": "SHA-256 of its bytes, in hex."})
    uploaded_at = fields.DateTime(metadata={"description": "When it was uploaded."})
