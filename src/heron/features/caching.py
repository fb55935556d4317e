"""Response caching policy per operation: ``Cache-Control`` and ``Expires`` (RFC 9111).

``@cache_control(max_age=60, public=True)`` on a handler sends, on each of its
2xx and 304 responses (a 304 repeats what the 200 would carry, RFC 9110
§15.4.5), the ``Cache-Control`` response directives of RFC 9111 §5.2.2 (plus
``immutable``, RFC 8246, and ``stale-while-revalidate``/``stale-if-error``,
RFC 5861) and, with ``expires=True``, an ``Expires`` date ``max_age`` seconds
ahead (RFC 9111 §5.3) for HTTP/1.0 caches. A response whose handler set its
own ``Cache-Control`` (or ``Expires``) keeps it; error responses get none.
The spec documents both headers on the success response.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from werkzeug.http import http_date

from ..core.features import BindSite, Call, Feature, Stage, declare

if TYPE_CHECKING:
    from ..core.features import OperationDocument
    from ..core.request import Request
    from ..core.response import Response

__all__ = ["CacheControl", "cache_control"]

F = TypeVar("F", bound=Callable[..., Any])


class CacheControl(Feature):
    """The caching policy of one operation (an operation feature; see :func:`cache_control`).

    Args:
        directives: The ``Cache-Control`` value, e.g. ``"public, max-age=60"``.
        max_age: Freshness lifetime in seconds, or None.
        expires: Send ``Expires``: now plus ``max_age`` seconds.
    """

    stage: ClassVar[int] = Stage.RESPONSE

    def __init__(self, directives: str, max_age: int | None, expires: bool) -> None:
        self.directives = directives
        self.max_age = max_age
        self.expires = expires

    def bind(self, site: BindSite) -> CacheControl:
        """Keep the policy for the operation (it applies to any method)."""
        return self

    def finish(self, req: Request, call: Call, response: Response) -> Response:
        """Add ``Cache-Control`` (and ``Expires``) to a 2xx or 304 response that has none."""
        status = response.status_code
        if not (200 <= status < 300 or status == 304):
            return response
        headers = response.headers
        if "Cache-Control" not in headers:
            headers["Cache-Control"] = self.directives
        if self.expires and self.max_age is not None and "Expires" not in headers:
            headers["Expires"] = http_date(time.time() + self.max_age)
        return response

    def document(self, doc: OperationDocument) -> None:
        """Document ``Cache-Control`` (and ``Expires``) on the success response."""
        headers = doc.success().setdefault("headers", {})
        headers["Cache-Control"] = {
            "description": "How caches may store and reuse the response (RFC 9111 §5.2.2).",
            "schema": {"type": "string", "example": self.directives},
        }
        if self.expires and self.max_age is not None:
            headers["Expires"] = {
                "description": f"When the response goes stale: {self.max_age} seconds after"
                " it was sent, an HTTP-date (RFC 9111 §5.3).",
                "schema": {"type": "string", "example": "Sun, 06 Nov 1994 08:49:37 GMT"},
            }


def _seconds(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"cache_control({name}=...) takes whole seconds, 0 or more: {value!r}")
    return value


def cache_control(
    *,
    max_age: int | None = None,
    s_maxage: int | None = None,
    public: bool = False,
    private: bool = False,
    no_cache: bool = False,
    no_store: bool = False,
    must_revalidate: bool = False,
    proxy_revalidate: bool = False,
    immutable: bool = False,
    stale_while_revalidate: int | None = None,
    stale_if_error: int | None = None,
    expires: bool = False,
) -> Callable[[F], F]:
    """Give the operation's 2xx and 304 responses a caching policy (RFC 9111 §5.2.2).

    Args:
        max_age: ``max-age``: seconds the response stays fresh (§5.2.2.1).
        s_maxage: ``s-maxage``: the same for shared caches (§5.2.2.10).
        public: ``public``: any cache may store it (§5.2.2.9).
        private: ``private``: only the client's own cache may (§5.2.2.7).
        no_cache: ``no-cache``: revalidate before each reuse (§5.2.2.4).
        no_store: ``no-store``: store nothing (§5.2.2.5).
        must_revalidate: ``must-revalidate``: never reuse stale (§5.2.2.2).
        proxy_revalidate: ``proxy-revalidate``: the same for shared caches (§5.2.2.8).
        immutable: ``immutable``: it will not change while fresh (RFC 8246).
        stale_while_revalidate: Seconds a stale response may be reused while
            revalidated in the background (RFC 5861 §3).
        stale_if_error: Seconds a stale response may be reused when the
            origin fails (RFC 5861 §4).
        expires: Also send ``Expires``, ``max_age`` seconds ahead (§5.3).

    Returns:
        The decorator.

    Raises:
        ValueError: For a negative or non-integer duration, ``public`` with
            ``private``, ``no_store`` with a freshness lifetime, ``immutable``
            or ``expires`` without ``max_age``, or no directive at all.
    """
    max_age = _seconds("max_age", max_age)
    durations = {
        "s-maxage": _seconds("s_maxage", s_maxage),
        "stale-while-revalidate": _seconds("stale_while_revalidate", stale_while_revalidate),
        "stale-if-error": _seconds("stale_if_error", stale_if_error),
    }
    if public and private:
        raise ValueError("cache_control(): public and private contradict each other")
    if no_store and (max_age is not None or durations["s-maxage"] is not None):
        raise ValueError("cache_control(): no_store with a max_age stores nothing to reuse")
    if (immutable or expires) and max_age is None:
        raise ValueError("cache_control(): immutable and expires need max_age")
    flags = {
        "public": public,
        "private": private,
        "no-cache": no_cache,
        "no-store": no_store,
        "must-revalidate": must_revalidate,
        "proxy-revalidate": proxy_revalidate,
        "immutable": immutable,
    }
    parts = [name for name, on in flags.items() if on]
    if max_age is not None:
        parts.append(f"max-age={max_age}")
    parts.extend(f"{name}={value}" for name, value in durations.items() if value is not None)
    if not parts:
        raise ValueError("cache_control() needs at least one directive")
    policy = CacheControl(", ".join(parts), max_age, expires)

    def decorator(func: F) -> F:
        return declare(func, policy)

    return decorator
