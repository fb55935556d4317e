"""Heron's request and response objects (Werkzeug's, with per-request state).

A :class:`Request` is a Werkzeug request, built lazily: Werkzeug computes the
method, URL parts, headers and client address of every request in its
constructor; Heron's constructor only keeps the WSGI environment, and each of
those attributes is computed from it the first time it is read (and then kept
in the instance, so later reads are plain attribute lookups). A request that
never reads its ``Host`` never parses it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders, MultiDict
from werkzeug.wrappers import Request as _WZRequest
from werkzeug.wsgi import get_content_length

from ..http.errors import BadRequest
from ._lazy import lazy as _lazy

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

    from .app import App
    from .operations import Operation
    from .resources import Route

__all__ = ["NOT_UTF8_QUERY", "Request", "parse_query", "query_text", "wsgi_path"]


#: Why a query string that is not UTF-8 is refused.
NOT_UTF8_QUERY = (
    "The query string is not UTF-8: percent-encode its bytes (RFC 3986 §2.1) as UTF-8"
    " text (RFC 3986 §2.5)."
)


def query_text(environ: dict[str, Any]) -> str:
    """Return the query string of ``environ`` as text (PEP 3333 carries it as latin-1 bytes).

    Raises:
        BadRequest: If its bytes are not UTF-8 (RFC 3986 §2.5); percent-encoded
            bytes that are not are kept percent-encoded, as Werkzeug does.
    """
    query: str = environ.get("QUERY_STRING", "")
    if query.isascii():
        return query
    try:
        return query.encode("latin1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadRequest(NOT_UTF8_QUERY) from None


def parse_query(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the query string's ``(name, value)`` pairs, as Werkzeug parses ``args``.

    ``parse_qsl`` with blank values kept and percent-encoded bytes that are
    not UTF-8 left percent-encoded.

    Raises:
        BadRequest: If the query string's own bytes are not UTF-8 (:func:`query_text`).
    """
    return parse_qsl(query_text(environ), keep_blank_values=True, errors="werkzeug.url_quote")


def wsgi_path(environ: dict[str, Any], key: str = "PATH_INFO") -> str:
    """Return a path of the WSGI environment as text (PEP 3333 carries it as latin-1).

    The bytes are decoded as UTF-8, as Werkzeug does; an ASCII path, the
    common case, is returned as it is.
    """
    value: str = environ.get(key) or ""
    if value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def _server(environ: dict[str, Any]) -> tuple[str, int | None] | None:
    name = environ.get("SERVER_NAME")
    if name is None:
        return None
    try:
        port: int | None = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        port = None  # a unix socket
    return name, port


class Request(_WZRequest):
    """The request passed to every handler as ``req``.

    Everything Werkzeug's request offers (``headers``, ``args``, ``path``,
    ``get_data()``...) is there; what the request does not use is never
    computed.

    Attributes:
        api: The application handling the request.
        state: Per-request state for hooks and handlers to share (explicit, in
            place of Flask's ``g``).
        operation: The matched operation, once routing succeeded.
        route: The matched route (its ``allow`` header, resource, rule).
        path_params: Path parameters as converted by the rule's converters.
        principal: Who is calling, as the security scheme's verify callback
            returned it (see :mod:`heron.extensions.security`); None for an operation
            without a security requirement or an anonymous request.
        principals: Every authenticated scheme's principal, by scheme name
            (several when an alternative combines schemes).
        opened_session: The session if ``req.session`` was used, else None.
        url_adapter: Werkzeug's URL adapter bound to this request (its host and
            script root), for building URLs; bound on first use.
    """

    operation: Operation | None = None
    route: Route | None = None
    principal: Any = None
    opened_session: Any = None
    # Computed on first read (the ``_lazy`` attributes below).
    state: SimpleNamespace
    path_params: dict[str, Any]
    principals: dict[str, Any]
    url_adapter: MapAdapter

    def __init__(self, environ: dict[str, Any], api: App) -> None:
        # Werkzeug's constructor computes every URL part and the headers;
        # here they are computed when first read (see the ``_lazy`` attributes).
        self.environ = environ
        self.shallow = False
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        environ["werkzeug.request"] = self
        self.api = api

    if not TYPE_CHECKING:  # Werkzeug declares them as plain attributes.

        @_lazy
        def scheme(self) -> str:
            """The URL scheme (``http``, ``https``)."""
            return self.environ.get("wsgi.url_scheme", "http")

        @_lazy
        def server(self) -> tuple[str, int | None] | None:
            """The server's ``(host, port)``, ``(path, None)`` for a unix socket, or None."""
            return _server(self.environ)

        @_lazy
        def root_path(self) -> str:
            """The prefix the application is mounted under, without a trailing slash."""
            return wsgi_path(self.environ, "SCRIPT_NAME").rstrip("/")

        @_lazy
        def path(self) -> str:
            """The path after ``root_path``, always starting with ``/``."""
            return "/" + wsgi_path(self.environ).lstrip("/")

        @_lazy
        def query_string(self) -> bytes:
            """The raw query string (what follows ``?``)."""
            return self.environ.get("QUERY_STRING", "").encode("latin1")

        @_lazy
        def headers(self) -> EnvironHeaders:
            """The request header fields."""
            return EnvironHeaders(self.environ)

        @_lazy
        def args(self) -> MultiDict[str, str]:
            """The query string's parameters, as Werkzeug parses them.

            Raises:
                BadRequest: If the query string is not UTF-8 (see :func:`query_text`).
            """
            return MultiDict(parse_query(self.environ))

        @_lazy
        def remote_addr(self) -> str | None:
            """The client's address."""
            return self.environ.get("REMOTE_ADDR")

        @_lazy
        def content_length(self) -> int | None:
            """The ``Content-Length`` as an int (None when absent or chunked)."""
            environ = self.environ
            value = environ.get("CONTENT_LENGTH")
            if (
                value is not None
                and value.isdigit()
                and value.isascii()
                and "HTTP_TRANSFER_ENCODING" not in environ
            ):
                return int(value)  # the common case, decided as Werkzeug would
            return get_content_length(environ)

        @property
        def content_type(self) -> str | None:
            """The ``Content-Type`` header (None when absent)."""
            return self.environ.get("CONTENT_TYPE")

        @_lazy
        def state(self) -> SimpleNamespace:
            """Per-request state for hooks and handlers."""
            return SimpleNamespace()

        @_lazy
        def path_params(self) -> dict[str, Any]:
            """Path parameters as converted by the rule's converters."""
            return {}

        @_lazy
        def principals(self) -> dict[str, Any]:
            """Every authenticated scheme's principal, by scheme name."""
            return {}

        @_lazy
        def url_adapter(self) -> MapAdapter:
            """Werkzeug's URL adapter bound to this request, for building URLs."""
            return self.api.router.map.bind_to_environ(self.environ)

    @property
    def session(self) -> Any:
        """The session, loaded on first use by the application's session interface.

        The sessions extension (:class:`heron.Sessions`) is the interface:
        signed-cookie sessions (:mod:`heron.extensions.sessions`).

        Raises:
            RuntimeError: If the application has no session interface.
        """
        if self.opened_session is None:
            interface = self.api.session_interface
            if interface is None:
                raise RuntimeError(
                    "req.session needs the Sessions extension:"
                    " api.register_extension(heron.Sessions(secret_key=...))"
                )
            self.opened_session = interface.open(self)
        return self.opened_session

    def url_for(self, endpoint: str, *, external: bool = False, **values: Any) -> str:
        """Build the URL of a registered route.

        Args:
            endpoint: The route's endpoint (``"Pet"``, or ``"pets.Pet"`` in a
                blueprint named ``pets``).
            external: Return an absolute URL (scheme and host of this request).
            **values: Path parameters; others become the query string.

        Returns:
            The URL.

        Raises:
            werkzeug.routing.BuildError: If no route matches.
        """
        return self.url_adapter.build(endpoint, values, force_external=external)
