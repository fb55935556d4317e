"""URL routing on Werkzeug's ``Map``: a match is data, not an exception.

The rule table is compiled once (when the first request arrives after a route
was added). :meth:`Router.match` answers with a :class:`RouteMatch` whose
:attr:`RouteMatch.kind` says FULL (path and method), PARTIAL (path only: 405),
REDIRECT (canonical URL differs, e.g. trailing slash: 308) or NONE (404).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import MethodNotAllowed as _WZMethodNotAllowed
from werkzeug.exceptions import NotFound as _WZNotFound
from werkzeug.routing import BaseConverter, Map, MapAdapter, RequestRedirect, Rule

from .operations import Operation
from .resources import Route

__all__ = ["MatchKind", "RouteMatch", "Router"]


class MatchKind(enum.Enum):
    """How a request matched the rule table."""

    FULL = "full"
    PARTIAL = "partial"
    REDIRECT = "redirect"
    NONE = "none"


@dataclass(slots=True)
class RouteMatch:
    """The outcome of matching a request path and method.

    Attributes:
        kind: FULL, PARTIAL, REDIRECT or NONE.
        route: The matched route (FULL and PARTIAL).
        operation: The operation for the method (FULL).
        values: Path parameters converted by the rule's converters.
        location: The canonical URL to redirect to (REDIRECT).
        adapter: The Werkzeug adapter bound to the request, for building URLs.
    """

    kind: MatchKind
    route: Route | None = None
    operation: Operation | None = None
    values: dict[str, Any] = field(default_factory=dict)
    location: str | None = None
    adapter: MapAdapter | None = None


class Router:
    """Holds the routes and Werkzeug's compiled rule table.

    Args:
        converters: Extra Werkzeug converters by name (``<name:param>``).
    """

    def __init__(self, converters: Mapping[str, type[BaseConverter]] | None = None) -> None:
        self.converters: dict[str, type[BaseConverter]] = dict(converters or {})
        self._routes: dict[str, Route] = {}
        self._map: Map | None = None

    def add(self, route: Route) -> None:
        """Add ``route``; the table is recompiled on the next match.

        Raises:
            ValueError: If the endpoint name or the rule is already registered.
        """
        if route.endpoint in self._routes:
            raise ValueError(f"A route named {route.endpoint!r} is already registered")
        for other in self._routes.values():
            if other.rule == route.rule:
                raise ValueError(
                    f"Rule {route.rule!r} is already served by {type(other.resource).__name__}"
                )
        self._routes[route.endpoint] = route
        self._map = None

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes.values())

    @property
    def map(self) -> Map:
        """The compiled Werkzeug ``Map`` (built on first use)."""
        if self._map is None:
            self._map = Map(
                [Rule(r.rule, endpoint=r.endpoint) for r in self._routes.values()],
                converters=self.converters,
                strict_slashes=True,
                merge_slashes=False,
            )
        return self._map

    def match(self, environ: Mapping[str, Any], method: str) -> RouteMatch:
        """Match the request described by ``environ``.

        Args:
            environ: The WSGI environment (path, host and script name are read).
            method: The upper-case request method.

        Returns:
            The match; never raises for an unknown path or method.
        """
        adapter = self.map.bind_to_environ(environ)  # type: ignore[arg-type]
        try:
            endpoint, values = adapter.match(method=method)
        except RequestRedirect as redirect:
            return RouteMatch(MatchKind.REDIRECT, location=redirect.new_url, adapter=adapter)
        except (_WZNotFound, _WZMethodNotAllowed):
            return RouteMatch(MatchKind.NONE, adapter=adapter)
        values = dict(values)
        route = self._routes[endpoint]
        operation = route.operations.get(method)
        if operation is None:
            return RouteMatch(MatchKind.PARTIAL, route=route, values=values, adapter=adapter)
        return RouteMatch(
            MatchKind.FULL, route=route, operation=operation, values=values, adapter=adapter
        )
