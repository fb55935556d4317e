"""The data, marshmallow schemas and payload floor shared by every benchmarked app.

Everything here follows ``SCENARIOS.md``: 100 items, an item schema for E2 and
E3, a query schema for E3, and a schema for the E4/E5 request body. The
*payload floor* (:data:`PAYLOAD_FLOOR`) is the schema and JSON work of E2–E5
alone, with no HTTP around it: what no framework can go under.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

__all__ = [
    "ITEMS",
    "ITEM_LIST",
    "PAYLOAD_FLOOR",
    "DimensionsSchema",
    "ItemQuerySchema",
    "ItemSchema",
    "NewItemSchema",
    "NEW_ITEM_ID",
    "list_items",
]

#: The id given to the item created by E4 (nothing is stored).
NEW_ITEM_ID = 1001


def _item(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "name": f"item-{i}",
        "price": round(1.5 * i + 0.99, 2),
        "tags": ["tag-a", "tag-b", f"t{i % 7}"],
    }


#: Items 1..100 by id.
ITEMS: dict[int, dict[str, Any]] = {i: _item(i) for i in range(1, 101)}
#: The same items in id order.
ITEM_LIST: list[dict[str, Any]] = [ITEMS[i] for i in sorted(ITEMS)]


def list_items(limit: int, offset: int) -> list[dict[str, Any]]:
    """Return one page of items (E3).

    Args:
        limit: Page size.
        offset: Items skipped.

    Returns:
        Items ``offset + 1`` to ``offset + limit``.
    """
    return ITEM_LIST[offset : offset + limit]


class ItemSchema(ma.Schema):
    """An item as E2 and E3 send it."""

    id = fields.Integer()
    name = fields.String()
    price = fields.Float()
    tags = fields.List(fields.String())


class ItemQuerySchema(ma.Schema):
    """The E3 query string."""

    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class DimensionsSchema(ma.Schema):
    """The nested ``dimensions`` of a new item."""

    width = fields.Float(required=True, validate=validate.Range(min=0))
    height = fields.Float(required=True, validate=validate.Range(min=0))
    unit = fields.String(load_default="cm", validate=validate.OneOf(["cm", "in"]))


class NewItemSchema(ma.Schema):
    """The E4/E5 request body, and the E4 response (with its ``id``)."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sku = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}-\d{4}$"))
    price = fields.Float(required=True, validate=validate.Range(min=0))
    in_stock = fields.Boolean(load_default=True)
    tags = fields.List(
        fields.String(validate=validate.Length(max=20)),
        validate=validate.Length(max=10),
        load_default=list,
    )
    dimensions = fields.Nested(DimensionsSchema, required=True)


# -- the payload floor: marshmallow + json alone --------------------------------

_ITEM = ItemSchema()
_ITEMS = ItemSchema(many=True)
_QUERY = ItemQuerySchema()
_NEW_ITEM = NewItemSchema()


def _floor_e2(body: bytes) -> bytes:
    return json.dumps(_ITEM.dump(ITEMS[42])).encode()


def _floor_e3(body: bytes) -> bytes:
    query = _QUERY.load({"limit": "10", "offset": "0"})
    return json.dumps(_ITEMS.dump(list_items(query["limit"], query["offset"]))).encode()


def _floor_e4(body: bytes) -> bytes:
    item = _NEW_ITEM.load(json.loads(body))
    item["id"] = NEW_ITEM_ID
    return json.dumps(_NEW_ITEM.dump(item)).encode()


def _floor_e5(body: bytes) -> bytes:
    try:
        _NEW_ITEM.load(json.loads(body))
    except ma.ValidationError as exc:
        return json.dumps({"errors": exc.messages}).encode()
    raise AssertionError("the E5 body must be invalid")


#: Scenario key → ``work(request_body) -> response_body``: the schema and JSON
#: work of the scenario, without routing, requests or responses.
PAYLOAD_FLOOR: dict[str, Callable[[bytes], bytes]] = {
    "E2": _floor_e2,
    "E3": _floor_e3,
    "E4": _floor_e4,
    "E5": _floor_e5,
}
