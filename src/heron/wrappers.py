"""Heron's request and response objects (Werkzeug's, with per-request state)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request as _WZRequest
from werkzeug.wrappers import Response as _WZResponse

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

    from .app import Api
    from .operations import Operation
    from .resources import Route
    from .sessions import Session

__all__ = ["Request", "Response", "add_vary"]


class Request(_WZRequest):
    """The request passed to every handler as ``req``.

    Attributes:
        api: The application handling the request.
        state: Per-request state for hooks and handlers to share (explicit, in
            place of Flask's ``g``).
        operation: The matched operation, once routing succeeded.
        route: The matched route (its ``allow`` header, resource, rule).
        path_params: Path parameters as converted by the rule's converters.
        principal: Who is calling, as the security scheme's verify callback
            returned it (see :mod:`heron.security`); None for an operation
            without a security requirement or an anonymous request.
        principals: Every authenticated scheme's principal, by scheme name
            (several when an alternative combines schemes).
        opened_session: The session if ``req.session`` was used, else None.
    """

    def __init__(self, environ: dict[str, Any], api: Api) -> None:
        super().__init__(environ)
        self.api = api
        self.state = SimpleNamespace()
        self.operation: Operation | None = None
        self.route: Route | None = None
        self.path_params: dict[str, Any] = {}
        self.url_adapter: MapAdapter | None = None
        self.principal: Any = None
        self.principals: dict[str, Any] = {}
        self.opened_session: Session | None = None

    @property
    def session(self) -> Session:
        """The signed-cookie session (:mod:`heron.sessions`), loaded on first use.

        Raises:
            RuntimeError: If the application has no ``Sessions`` extension.
        """
        if self.opened_session is None:
            from .sessions import load_session

            self.opened_session = load_session(self)
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
        adapter = self.url_adapter or self.api.router.map.bind_to_environ(self.environ)
        return adapter.build(endpoint, values, force_external=external)


class Response(_WZResponse):
    """A response; handlers may return one for full control."""

    default_mimetype = "application/json"


def add_vary(response: _WZResponse, name: str) -> None:
    """Add ``name`` to the response's ``Vary`` field, once (RFC 9110 §12.5.5).

    Cheaper than Werkzeug's ``response.vary.add`` (which parses and rebuilds a
    header set); a ``Vary: *`` is left alone.
    """
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
        return
    listed = {item.strip().lower() for item in current.split(",")}
    if "*" not in listed and name.lower() not in listed:
        response.headers["Vary"] = f"{current}, {name}"
