"""The content limit on request content of unannounced length.

``Api(max_content_length=...)`` refuses content announced larger than the limit
before reading any of it (Werkzeug checks ``Content-Length``). Content sent
without a length (``Transfer-Encoding: chunked``, RFC 9112 §7.1) is counted
while it is read: Werkzeug's own cap stops reading at the limit and hands over
what it read as if it were all, so an oversized JSON document would be a
misleading 400 and an oversized form silently truncated. :class:`CappedInput`
reads on past the limit by one byte and refuses the content there, with the
same 413 problem (RFC 9110 §15.5.14).
"""

from __future__ import annotations

import io
from typing import IO, Any

from .errors import ContentTooLarge

__all__ = ["CappedInput", "too_large"]


def too_large(limit: int) -> ContentTooLarge:
    """Return the 413 problem for content over ``limit`` bytes (RFC 9110 §15.5.14)."""
    return ContentTooLarge(f"The request content is larger than {limit} bytes.")


class CappedInput(io.RawIOBase):
    """A WSGI input stream that refuses more than ``limit`` bytes.

    Args:
        stream: The server's ``wsgi.input``, which ends where the content
            ends (``wsgi.input_terminated``).
        limit: Largest content accepted, in bytes.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__()
        self._stream = stream
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        """Return True: the stream is read."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; return the number of bytes read, 0 at the end.

        Raises:
            ContentTooLarge: Once more than ``limit`` bytes have arrived.
        """
        data = self._stream.read(len(buffer))
        size = len(data)
        self._read += size
        if self._read > self._limit:
            raise too_large(self._limit)
        buffer[:size] = data
        return size
