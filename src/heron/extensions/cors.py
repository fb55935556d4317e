"""Cross-origin resource sharing: the CORS protocol of the Fetch standard (§3.2).

A browser lets a page read a response from another origin only if the response
says so. :class:`CORS` answers for an application or a blueprint::

    api.register_extension(CORS(origins=["https://app.example"], credentials=True))

- **Preflights** (``OPTIONS`` with ``Origin`` and
  ``Access-Control-Request-Method``, Fetch §3.2.2) are answered before any
  other hook and guard: ``204`` with ``Access-Control-Allow-Origin``,
  ``-Methods``, ``-Headers`` (and ``-Credentials``, ``-Max-Age``) when the
  origin, the method and every requested header are allowed; otherwise a
  ``403`` problem without any ``Access-Control-*`` header, so the browser
  refuses the request and a developer reading the network log sees why.
- **Other requests** from an allowed origin get ``Access-Control-Allow-Origin``
  (and ``-Credentials``, ``-Expose-Headers``) on every response, error
  responses included. CORS does not refuse them: the browser keeps the
  response from the page (CORS is not a defence against CSRF).
- ``Vary: Origin`` on every response whose CORS headers depend on ``Origin``
  (RFC 9110 §12.5.5), i.e. unless every origin gets ``*``.
- ``*`` is never combined with credentials (Fetch §3.2.5): the allowed origin
  is echoed, and ``CORS(origins="*", credentials=True)`` is refused when
  created, since it would let every site read responses with the user's
  cookies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from ..core.response import Response, add_vary
from ..http.errors import BadRequest, Forbidden

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WZResponse

    from ..core.request import Request
    from ..core.scaffold import Scaffold

__all__ = ["CORS"]

#: Which origins may read responses: ``"*"``, a list of origins, a regular
#: expression (full match) or ``allowed(origin) -> bool``.
Origins = str | Iterable[str] | re.Pattern[str] | Callable[[str], bool]

#: Response headers a page can always read (Fetch §2.2.2 CORS-safelisted response-header names).
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
#: Request headers every preflight may ask for: the CORS-safelisted request-header
#: names (Fetch §2.2.2), listed by browsers when their value is not safelisted
#: (``Content-Type: application/json``), which every JSON API takes.
ALWAYS_ALLOWED_HEADERS = frozenset(
    {"accept", "accept-language", "content-language", "content-type"}
)
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Never listed in ``Access-Control-Expose-Headers`` (Fetch forbids exposing ``Set-Cookie``).
_NEVER_EXPOSED = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "set-cookie",
    }
)
_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def _short(text: str, limit: int = 100) -> str:
    """Return ``text`` cut to ``limit`` characters: what a refusal echoes stays small."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_preflight(req: Request) -> bool:
    """Whether ``req`` is a CORS-preflight request (Fetch §3.2.2)."""
    return (
        req.method == "OPTIONS"
        and "Origin" in req.headers
        and "Access-Control-Request-Method" in req.headers
    )


def _names(values: str | Iterable[str], what: str) -> frozenset[str] | None:
    """Return lower-case header names, or None for ``"*"`` (all)."""
    if values == "*":
        return None
    names = [values] if isinstance(values, str) else list(values)
    for name in names:
        if not _TOKEN.fullmatch(name) or name == "*":
            raise ValueError(f"{what}: {name!r} is not a header name")
    return frozenset(n.lower() for n in names)


class CORS:
    """The CORS extension, for an application or a blueprint.

    Register it on an application with ``api.register_extension(CORS(...))``,
    or on a blueprint with ``blueprint.register_extension(CORS(...))`` (or
    ``CORS(...).init_app(blueprint)``), before ``api.register_blueprint``: a
    blueprint's policy replaces the application's for its routes.

    Args:
        origins: The origins allowed to read responses: ``"*"`` (any, without
            credentials), a list of serialized origins
            (``"https://app.example:8443"``, RFC 6454 §6.2; ``"null"`` only if
            listed), a compiled regular expression matched against the whole
            ``Origin``, or a callable ``allowed(origin) -> bool``.
        methods: The methods cross-origin requests may use; default: each
            route's own methods.
        headers: The request headers they may send: ``"*"`` (any, the
            default: the requested ones are echoed, which also covers
            ``Authorization``) or a list; ``Accept``, ``Accept-Language``,
            ``Content-Language`` and ``Content-Type`` are always allowed.
        expose_headers: The response headers pages may read beyond the
            safelisted ones: ``"*"`` (all, the default; with credentials the
            response's own header names are listed, as ``*`` would not count)
            or a list.
        credentials: Allow requests with cookies or HTTP authentication
            (``Access-Control-Allow-Credentials: true``).
        max_age: How long browsers may cache a preflight's answer, in
            seconds or as a timedelta (``Access-Control-Max-Age``); None
            leaves it to the browser (5 seconds in Fetch).

    Raises:
        ValueError: For ``origins="*"`` with ``credentials=True``, an origin
            that is not ``scheme://host[:port]``, or a bad method or header name.
    """

    name = "cors"

    def __init__(
        self,
        origins: Origins = "*",
        *,
        methods: Iterable[str] | None = None,
        headers: str | Iterable[str] = "*",
        expose_headers: str | Iterable[str] = "*",
        credentials: bool = False,
        max_age: int | timedelta | None = None,
    ) -> None:
        self.any_origin = origins == "*"
        if self.any_origin and credentials:
            raise ValueError(
                "CORS(origins='*', credentials=True) would let every site read responses with"
                " the user's cookies; list the origins, or give a pattern or a callable"
            )
        self._origins: frozenset[str] = frozenset()
        self._match: Callable[[str], object] | None = None
        if isinstance(origins, re.Pattern):
            self._match = origins.fullmatch
        elif callable(origins):
            self._match = origins
        elif not self.any_origin:
            self._origins = self._check_origins([origins] if isinstance(origins, str) else origins)
        self.methods = None if methods is None else tuple(m.upper() for m in methods)
        for method in self.methods or ():
            if not _TOKEN.fullmatch(method) or method == "*":
                raise ValueError(f"CORS methods: {method!r} is not a method")
        self.headers = _names(headers, "CORS headers")
        self.expose_headers = _names(expose_headers, "CORS expose_headers")
        self.credentials = credentials
        #: The ``Access-Control-Expose-Headers`` value, or None to list each response's.
        self._exposed: str | None = None
        if self.expose_headers is not None:
            self._exposed = ", ".join(sorted(self.expose_headers - SAFELISTED_RESPONSE_HEADERS))
        elif not credentials:
            self._exposed = "*"
        seconds = max_age.total_seconds() if isinstance(max_age, timedelta) else max_age
        if seconds is not None and seconds < 0:
            raise ValueError("CORS max_age must be 0 or more seconds")
        self.max_age = None if seconds is None else int(seconds)

    @staticmethod
    def _check_origins(origins: Iterable[str]) -> frozenset[str]:
        result = set()
        for origin in origins:
            lowered = origin.lower()
            if lowered != "null" and not _ORIGIN.fullmatch(lowered):
                raise ValueError(
                    f"CORS origin {origin!r} must be scheme://host[:port] with no path"
                    " (RFC 6454 §6.2), or 'null'; use origins='*' for any origin"
                )
            result.add(lowered)
        return frozenset(result)

    def allows_origin(self, origin: str) -> bool:
        """Whether ``origin`` (an ``Origin`` header value) may read responses."""
        if self.any_origin:
            return True
        if self._match is not None:
            return bool(self._match(origin))
        return origin.lower() in self._origins

    def init_app(self, target: Scaffold) -> None:
        """Answer preflights first, and add CORS headers to every response.

        Called by ``register_extension``; calling it directly on a blueprint
        (``CORS(...).init_app(blueprint)``) registers the extension there. A
        blueprint's policy replaces the application's for its routes (an
        extension of the same name, :mod:`heron.core.hooks`).

        Args:
            target: An application, or a blueprint (its routes only).
        """
        if target.installing != self.name:
            target.register_extension(self)
            return
        target.add_hook("before", self._preflight_hook, first=True)
        target.add_hook("after", self._headers_hook)

    def _preflight_hook(self, req: Request) -> WZResponse | None:
        """Answer a preflight to a known route (a before-request hook)."""
        if not is_preflight(req) or req.route is None:
            return None
        methods = sorted({*req.route.operations, "OPTIONS"})
        return self.preflight(req, methods)

    def _headers_hook(self, req: Request, resp: WZResponse) -> None:
        """Add CORS headers to every other response (an after-request hook)."""
        if not is_preflight(req):
            self.add_headers(req, resp)

    def preflight(self, req: Request, methods: Iterable[str]) -> WZResponse:
        """Answer a preflight request for a route answering ``methods``.

        Raises:
            Forbidden: If the origin, the method or a requested header is not
                allowed (the response has no CORS headers, so the browser
                refuses the actual request).
        """
        origin = req.headers["Origin"]
        method = req.headers["Access-Control-Request-Method"].strip()
        requested = [
            name.strip().lower()
            for name in req.headers.get("Access-Control-Request-Headers", "").split(",")
            if name.strip()
        ]
        malformed = [name for name in requested if not _TOKEN.fullmatch(name)]
        if malformed or not _TOKEN.fullmatch(method):
            # Echoed into Access-Control-Allow-*: only field names and methods
            # (tokens, RFC 9110 §5.1 and §9.1) may be.
            raise BadRequest(
                "Access-Control-Request-Method must be a method and"
                " Access-Control-Request-Headers a list of header names (RFC 9110 §5.1);"
                f" got {ascii((malformed or [method])[0])[:80]}.",
                headers={"Vary": _PREFLIGHT_VARY},
            )
        allowed_methods = self.methods or tuple(methods)
        refusal = None
        if not self.allows_origin(origin):
            refusal = f"Cross-origin requests from {_short(origin)} are not allowed."
        elif method not in allowed_methods:
            refusal = (
                f"Cross-origin {_short(method)} requests to '{_short(req.path)}' are not allowed;"
                f" allowed: {', '.join(allowed_methods)}."
            )
        elif self.headers is not None:
            refused = [h for h in requested if h not in self.headers | ALWAYS_ALLOWED_HEADERS]
            if refused:
                refusal = f"Cross-origin requests may not send {_short(', '.join(refused))}."
        if refusal is not None:
            raise Forbidden(refusal, headers={"Vary": _PREFLIGHT_VARY})
        resp = Response.no_content(204)
        headers = resp.headers
        headers["Access-Control-Allow-Origin"] = (
            "*" if self.any_origin and not self.credentials else origin
        )
        if self.credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        headers["Access-Control-Allow-Methods"] = ", ".join(allowed_methods)
        if requested:
            headers["Access-Control-Allow-Headers"] = ", ".join(requested)
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        headers["Vary"] = _PREFLIGHT_VARY
        return resp

    def add_headers(self, req: Request, resp: WZResponse) -> None:
        """Add the CORS headers of a response to a request that is not a preflight."""
        origin = req.headers.get("Origin")
        headers = resp.headers
        # One policy answers a request, so ``add`` (cheaper than ``set``) adds each once.
        if self.any_origin:
            headers.add("Access-Control-Allow-Origin", "*")
        else:
            add_vary(resp, "Origin")
            if origin is None or not self.allows_origin(origin):
                return
            headers.add("Access-Control-Allow-Origin", origin)
            if self.credentials:
                headers.add("Access-Control-Allow-Credentials", "true")
        if origin is None:
            return
        exposed = self._exposed
        if exposed is None:  # "*" with credentials: name the response's own headers
            exposed = ", ".join(
                sorted(
                    {name.lower() for name, _ in headers.items()}
                    - SAFELISTED_RESPONSE_HEADERS
                    - _NEVER_EXPOSED
                )
            )
        if exposed:
            headers.add("Access-Control-Expose-Headers", exposed)
