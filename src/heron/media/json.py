"""JSON (RFC 8259) and ``+json`` structured-syntax suffix types (RFC 6839 §3.1)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import re
import sys
import uuid
from json.encoder import encode_basestring
from typing import Any

from ..http.errors import BadRequest, UnsupportedMediaType
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


class _NotFinite(ValueError):
    """A number too large for a float (``1e400``): Python reads it as infinity."""


def _finite_float(text: str) -> float:
    """Read a JSON number with a fraction or exponent, refusing what overflows to infinity."""
    value = float(text)
    if value in _INFINITIES:
        raise _NotFinite(text if len(text) <= 40 else text[:37] + "...")
    return value


_INFINITIES = (float("inf"), float("-inf"))
#: A ``\uD800``-``\uDFFF`` escape: a UTF-16 surrogate, which must come in a pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

#: The decoder ``json.loads(..., parse_constant=...)`` would build on every call, built once.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__
#: ``json.decoder.WHITESPACE``: what the decoder skips around a document.
_SPACE = re.compile(r"[ \t\n\r]*", re.VERBOSE | re.MULTILINE | re.DOTALL).match
#: The C encoder ``JSONEncoder.iterencode`` uses (None without the ``_json`` module).
_C_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)


def _loads(text: str | bytes) -> Any:
    """``json.loads(text, parse_constant=_reject_constant)``, with a decoder built once.

    Bytes are decoded as ``json.loads`` decodes them (the encoding
    ``json.detect_encoding`` finds: UTF-8 for a document that starts with
    ``{`` or ``[`` and no NUL byte), and the document is scanned as
    ``JSONDecoder.decode`` scans it, with the same errors.
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    elif text[:1] in _OPENERS and (len(text) < 2 or text[1]):
        text = text.decode("utf-8")  # strict: CESU-8 surrogates are not UTF-8 (RFC 3629 §3)
    else:
        text = text.decode(json.detect_encoding(text))
    try:
        value, end = _SCAN(text, _SPACE(text, 0).end())  # type: ignore[union-attr]
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    end = _SPACE(text, end).end()  # type: ignore[union-attr]  # matches the empty string
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    if _SURROGATE_ESCAPE.search(text) is not None:
        _check_surrogates(value)
    return value


class _LoneSurrogate(ValueError):
    """A surrogate escape (U+D800 to U+DFFF) without its pair: no character (RFC 8259 §8.2)."""


def _check_surrogates(value: Any) -> None:
    """Refuse a string holding a lone surrogate, anywhere in ``value`` (keys too).

    Only called when the text has a surrogate escape: a pair decodes to one
    character, a lone one stays a surrogate, which no UTF-8 text can carry.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise _LoneSurrogate(ascii(item)[:60]) from None
        elif type(item) is dict:
            stack.extend(item)
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)


_OPENERS = (b"{", b"[")


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
        # The C encoder ``JSONEncoder.encode`` builds on every call, built once:
        # without a circular-reference check (a cycle is a RecursionError, not a
        # ValueError; a 500 either way), it keeps no state between calls.
        self._c_encode = (
            _C_MAKE_ENCODER(None, _default, encode_basestring, None, ":", ",", False, False, False)
            if _C_MAKE_ENCODER is not None
            else None
        )

    def serialize(self, data: Any) -> bytes:
        """Return ``data`` as compact UTF-8 JSON."""
        if self._c_encode is not None:
            return "".join(self._c_encode(data, 0)).encode("utf-8")
        return self._encoder.encode(data).encode("utf-8")  # pragma: no cover - no _json

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
            return _loads(text)
        except UnicodeDecodeError as exc:
            raise BadRequest(f"Request body could not be decoded as UTF-8: {exc}") from None
        except _NotJSONConstant as exc:
            raise BadRequest(
                f"Malformed JSON in request body: {exc} is not a JSON value (RFC 8259 §6)."
            ) from None
        except RecursionError:
            raise BadRequest("Malformed JSON in request body: nested too deeply.") from None
        except _NotFinite as exc:
            raise BadRequest(
                f"Malformed JSON in request body: the number {exc} is too large for a"
                " double-precision number (RFC 8259 §6)."
            ) from None
        except _LoneSurrogate as exc:
            raise BadRequest(
                f"Malformed JSON in request body: the string {exc} holds a lone UTF-16"
                " surrogate escape, which is no Unicode character (RFC 8259 §8.2)."
            ) from None
        except json.JSONDecodeError as exc:
            raise BadRequest(
                f"Malformed JSON in request body: {exc.msg} at line {exc.lineno} column {exc.colno}"
                f" (char {exc.pos})."
            ) from None
        except ValueError:  # an integer longer than int() converts (sys.int_info)
            raise BadRequest(
                "Malformed JSON in request body: an integer has more than"
                f" {getattr(sys, 'get_int_max_str_digits', lambda: 4300)()} digits."
            ) from None
