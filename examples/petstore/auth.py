"""The API key that writes need, and the two ways it travels.

Programs (and Swagger UI's *Authorize*) send it in the ``X-API-Key`` header.
Browsers using the browsable API cannot add a header to its forms, so the home
page can also keep it in a cookie (``petstore_api_key``: ``HttpOnly``,
``SameSite=Strict``), honoured only on same-origin requests.

Keys are compared with :func:`hmac.compare_digest`, in time independent of
where they differ.
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Any

from heron import APIKey

if TYPE_CHECKING:
    from heron import Request
    from heron.extensions.security import Alternative

__all__ = ["API_KEY_COOKIE", "API_KEY_HEADER", "ApiKeys"]

#: The header programs send the key in.
API_KEY_HEADER = "X-API-Key"
#: The cookie the home page keeps the key in, for the browsable API.
API_KEY_COOKIE = "petstore_api_key"
#: What a key may hold: visible ASCII (RFC 9110 §5.5 field-vchar, without obs-text).
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
#: The principal of a request that sent the key.
CLIENT = "api-key"


class ApiKeys:
    """The Petstore's API key and the security schemes that check it.

    Args:
        key: The key writes need.

    Raises:
        ValueError: If the key is empty or not printable ASCII without spaces.
    """

    def __init__(self, key: str) -> None:
        if not _PRINTABLE.fullmatch(key):
            raise ValueError(
                "The Petstore's API key must be printable ASCII without spaces (it travels in"
                " a header); make one with: python -c 'import secrets;"
                " print(secrets.token_urlsafe(32))'"
            )
        self._key = key.encode("utf-8")
        self.header = APIKey(
            self._verify,
            header=API_KEY_HEADER,
            name="apiKey",
            description="The Petstore's API key (`PETSTORE_API_KEY`): writes need it.",
        )
        self.cookie = APIKey(
            self._verify_cookie,
            cookie=API_KEY_COOKIE,
            name="apiKeyCookie",
            description="The API key kept by the home page for the browsable API"
            " (same-origin requests only).",
        )

    @property
    def requirement(self) -> list[Alternative]:
        """The security requirement of writes: the key in the header, or in the cookie."""
        return [self.header, self.cookie]

    def matches(self, key: str) -> bool:
        """Tell whether ``key`` is the API key, in constant time."""
        return hmac.compare_digest(key.encode("utf-8", "replace"), self._key)

    def _verify(self, req: Request, key: str) -> Any:
        return CLIENT if self.matches(key) else None

    def _verify_cookie(self, req: Request, key: str) -> Any:
        # Fetch Metadata (W3C): a browser names where a request comes from. The cookie
        # is SameSite=Strict already; refusing other origins of the same site too
        # keeps pages on another port of this host from writing with it.
        site = req.headers.get("Sec-Fetch-Site")
        if site is not None and site != "same-origin":
            return None
        return self._verify(req, key)

    def signed_in(self, req: Request) -> bool:
        """Tell whether ``req`` carries the key in the cookie (for the home page)."""
        key = req.cookies.get(API_KEY_COOKIE)
        return bool(key) and self.matches(key or "")
