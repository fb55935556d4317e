"""Opaque pagination cursors: base64url JSON, optionally signed with HMAC-SHA256.

A cursor tells a paginated handler where a page starts (the last key seen...).
Clients must treat it as opaque (they follow ``next``/``prev`` links); signing
it with a secret key stops them from making their own, and a cursor that does
not decode or verify is refused (:mod:`heron.pagination` answers 422).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

__all__ = ["decode_cursor", "encode_cursor"]

_CURSOR_CONTEXT = b"heron.pagination.cursor"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str | bytes | None) -> bytes | None:
    if not secret:
        return None
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, _CURSOR_CONTEXT, hashlib.sha256).digest()


def encode_cursor(value: Any, secret: str | bytes | None = None) -> str:
    """Return the opaque cursor for ``value`` (any JSON value).

    Args:
        value: Where the page starts, as the handler understands it.
        secret: The application's secret key: the cursor is then signed
            (HMAC-SHA256, truncated to 128 bits).

    Returns:
        base64url JSON, with ``.`` and the signature when signed.
    """
    payload = _b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    key = _key(secret)
    if key is None:
        return payload
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:16]
    return f"{payload}.{_b64(mac)}"


def decode_cursor(cursor: str, secret: str | bytes | None = None) -> Any:
    """Return the value of a cursor made by :func:`encode_cursor`.

    Args:
        cursor: The cursor the client sent.
        secret: The key it was signed with, if any.

    Returns:
        The JSON value.

    Raises:
        ValueError: If it does not decode, or its signature does not verify.
    """
    key = _key(secret)
    payload, _, mac = cursor.partition(".")
    if key is not None:
        expected = hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest()[:16]
        try:
            valid = hmac.compare_digest(_unb64(mac), expected)
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ValueError("signature mismatch")
    elif mac:
        raise ValueError("unexpected signature")
    try:
        return json.loads(_unb64(payload).decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:  # a crafted cursor nested past the parser's depth
        raise ValueError("nested too deeply") from None
