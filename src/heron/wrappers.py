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

__all__ = ["Request", "Response"]


class Request(_WZRequest):
    """The request passed to every handler as ``req``.

    Attributes:
        api: The application handling the request.
        state: Per-request state for hooks and handlers to share (explicit, in
            place of Flask's ``g``).
        operation: The matched operation, once routing succeeded.
        route: The matched route (its ``allow`` header, resource, rule).
        path_params: Path parameters as converted by the rule's converters.
    """

    def __init__(self, environ: dict[str, Any], api: Api) -> None:
        super().__init__(environ)
        self.api = api
        self.state = SimpleNamespace()
        self.operation: Operation | None = None
        self.route: Route | None = None
        self.path_params: dict[str, Any] = {}
        self.url_adapter: MapAdapter | None = None

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
