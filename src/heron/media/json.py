"""JSON (RFC 8259) and ``+json`` structured-syntax suffix types (RFC 6839 §3.1)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from typing import Any

from ..errors import BadRequest, UnsupportedMediaType
from .base import MediaHandler

__all__ = ["JSONHandler"]


def _default(value: Any) -> Any:
    """Encode the common non-JSON types handlers return without a schema."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _NotJSONConstant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: accepted by Python's parser, not JSON."""


def _reject_constant(name: str) -> Any:
    raise _NotJSONConstant(name)


class JSONHandler(MediaHandler):
    """``application/json`` and every ``application/*+json`` type.

    Serializes compactly as UTF-8 (RFC 8259 §8.1). Parses UTF-8 (a BOM-free
    UTF-16/32 body is detected as RFC 8259 §8.1 allows readers to); anything
    that is not a JSON text is a 400 naming the parse error.
    """

    media_type = "application/json"
    media_ranges = ("application/*+json",)
    format = "json"
    problem_media_type = "application/problem+json"

    def __init__(self) -> None:
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False
        )

    def serialize(self, data: Any) -> bytes:
        """Return ``data`` as compact UTF-8 JSON."""
        return self._encoder.encode(data).encode("utf-8")

    def parse(self, body: bytes, charset: str | None) -> Any:
        """Return the JSON value in ``body``.

        ``application/json`` defines no ``charset`` (RFC 8259 §11): without
        one, UTF-8 is read, and a BOM-free UTF-16 or UTF-32 text is detected
        (§8.1). One that is sent is honoured, as senders that add it mean it.

        Raises:
            BadRequest: If ``body`` is not valid JSON text (RFC 8259 §2) or not
                decodable in ``charset``.
            UnsupportedMediaType: If ``charset`` names no known encoding.
        """
        try:
            text = body.decode(charset) if charset else body
        except LookupError:
            raise UnsupportedMediaType(f"The charset {charset!r} is not supported.") from None
        except UnicodeDecodeError as exc:
            raise BadRequest(f"Request body could not be decoded as {charset}: {exc}") from None
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            raise BadRequest(f"Request body could not be decoded as UTF-8: {exc}") from None
        except _NotJSONConstant as exc:
            raise BadRequest(
                f"Malformed JSON in request body: {exc} is not a JSON value (RFC 8259 §6)."
            ) from None
        except RecursionError:
            raise BadRequest("Malformed JSON in request body: nested too deeply.") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(
                f"Malformed JSON in request body: {exc.msg} at line {exc.lineno} column {exc.colno}"
                f" (char {exc.pos})."
            ) from None
