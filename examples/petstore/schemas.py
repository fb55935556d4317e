"""Marshmallow schemas: one declaration validates requests and documents the API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

__all__ = ["STATUSES", "DimensionsSchema", "PetQuerySchema", "PetSchema"]

#: The states a pet goes through.
STATUSES = ("available", "pending", "sold")

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
    """Query parameters of the pet list."""

    tag = fields.String(metadata={"description": "Only pets with this tag."})
    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "At most this many pets."},
    )
