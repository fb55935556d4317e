"""URL routing on Werkzeug's ``Map``: a match is data, not an exception.

The rule table is compiled once (when the first request arrives after a route
was added). :meth:`Router.match` answers with a :class:`RouteMatch` whose
:attr:`RouteMatch.kind` says FULL (path and method), PARTIAL (path only: 405),
REDIRECT (canonical URL differs, e.g. trailing slash: 308) or NONE (404).

Matching follows Werkzeug's rules exactly, without its per-request costs:

- a rule without converters is found by one dictionary lookup of the path,
  its :class:`RouteMatch` for each method built at compile time;
- other paths walk a copy of the state machine Werkzeug's ``Map`` compiles
  (static segments before converters, converters in Werkzeug's order), with
  its regular expressions compiled once, and without binding a
  ``MapAdapter`` to each request: Heron's rules match whatever the host and
  script root, and the adapter is bound only to build a URL;
- what that walk does not decide (a redirect to the canonical URL, a
  WebSocket upgrade, a path Werkzeug would normalize) is left to Werkzeug's
  own ``MapAdapter``, so its answers are the reference.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed as _WZMethodNotAllowed
from werkzeug.exceptions import NotFound as _WZNotFound
from werkzeug.routing import (
    BaseConverter,
    IntegerConverter,
    Map,
    MapAdapter,
    RequestRedirect,
    Rule,
)
from werkzeug.routing import ValidationError as _ConverterRejected

from ._werkzeug import State, matcher_root, rule_converters
from .operations import Operation
from .request import wsgi_path
from .resources import Route

__all__ = ["MatchKind", "RouteMatch", "Router"]


class MatchKind(enum.Enum):
    """How a request matched the rule table."""

    FULL = "full"
    PARTIAL = "partial"
    REDIRECT = "redirect"
    NONE = "none"


_FULL = MatchKind.FULL
_PARTIAL = MatchKind.PARTIAL
_EMPTY: dict[str, Any] = {}


class RouteMatch:
    """The outcome of matching a request path and method.

    Matches of rules without converters are built once and shared: treat a
    match, and its ``values``, as read-only.

    Attributes:
        kind: FULL, PARTIAL, REDIRECT or NONE.
        route: The matched route (FULL and PARTIAL).
        operation: The operation for the method (FULL).
        values: Path parameters converted by the rule's converters.
        location: The canonical URL to redirect to (REDIRECT).
        adapter: The Werkzeug adapter bound to the request when matching
            needed one (a redirect), else None.
    """

    __slots__ = ("adapter", "kind", "location", "operation", "route", "values")

    def __init__(
        self,
        kind: MatchKind,
        route: Route | None = None,
        operation: Operation | None = None,
        values: dict[str, Any] | None = None,
        location: str | None = None,
        adapter: MapAdapter | None = None,
    ) -> None:
        self.kind = kind
        self.route = route
        self.operation = operation
        self.values = _EMPTY if values is None else values
        self.location = location
        self.adapter = adapter

    def __repr__(self) -> str:
        endpoint = self.route.endpoint if self.route is not None else None
        return f"RouteMatch({self.kind.name}, {endpoint!r}, {self.values!r})"


_NONE = RouteMatch(MatchKind.NONE)


class _Slow(Exception):
    """Raised by the walk where Werkzeug's adapter must decide (a redirect)."""


#: How a converter's value is turned into Python: kept as text, ``int``, or ``to_python``.
_TEXT, _INT, _CONVERT = 0, 1, 2


def _conversion(converter: BaseConverter) -> int:
    """Decide at compile time how values of ``converter`` are converted.

    Werkzeug's own converters whose ``to_python`` returns the text (string,
    path, any) or calls ``int`` with no limits (int) are done inline; any
    other converter's ``to_python`` is called.
    """
    kind = type(converter)
    if kind.to_python is BaseConverter.to_python:
        return _TEXT
    if (
        kind is IntegerConverter
        and not converter.fixed_digits  # type: ignore[attr-defined]
        and converter.min is None  # type: ignore[attr-defined]
        and converter.max is None  # type: ignore[attr-defined]
    ):
        return _INT
    return _CONVERT


class _Leaf:
    """The rule reached at a state: its route and converters."""

    __slots__ = ("converters", "int_name", "matches", "route")

    def __init__(self, route: Route, rule: Rule) -> None:
        self.route = route
        self.converters: tuple[tuple[str, int, BaseConverter], ...] = tuple(
            (str(name), _conversion(conv), conv) for name, conv in rule_converters(rule)
        )
        #: The parameter's name when the rule has one plain ``int`` (``/pets/<int:id>``).
        self.int_name: str | None = None
        if len(self.converters) == 1 and self.converters[0][1] == _INT:
            self.int_name = self.converters[0][0]
        #: Method → the match (values aside), built once; ``""``: any other method.
        self.matches = {m: RouteMatch(_FULL, route, op) for m, op in route.operations.items()}
        self.matches[""] = RouteMatch(_PARTIAL, route)

    def convert(self, raw: list[str | None]) -> dict[str, Any] | None:
        """Convert the matched text of each parameter; None where Werkzeug answers 404.

        A converter refusing the text (``ValidationError``) makes the path
        match nothing, as in Werkzeug (no other rule is tried).
        """
        if self.int_name is not None:
            try:
                return {self.int_name: int(raw[0])}  # type: ignore[arg-type]
            except ValueError:  # more digits than int() reads
                return None
        values: dict[str, Any] = {}
        for (name, kind, converter), value in zip(self.converters, raw, strict=True):
            if kind == _TEXT:
                values[name] = value
                continue
            try:
                if kind == _INT:
                    values[name] = int(value)  # type: ignore[arg-type]
                else:
                    values[name] = converter.to_python(value)  # type: ignore[arg-type]
            except _ConverterRejected:
                return None
            except ValueError:
                if kind == _INT:
                    return None
                raise
        return values


_Dynamic = tuple["re.Pattern[str]", bool, bool, tuple[int, ...], "_Node"]


class _Node:
    """A state of the rule table's state machine (Werkzeug's ``State``, compiled)."""

    __slots__ = ("dynamic", "leaf", "slash", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        #: (pattern, consumes the rest, may end in a slash, converter groups, next state)
        self.dynamic: list[_Dynamic] = []
        self.leaf: _Leaf | None = None
        #: Whether the path with a trailing slash reaches a rule (a 308 to it).
        self.slash = False


def _compile_state(state: State, routes: Mapping[str, Route]) -> _Node:
    """Copy one of Werkzeug's matcher states (and those below it) into a :class:`_Node`."""
    node = _Node()
    if state.rule is not None and state.endpoint is not None:
        node.leaf = _Leaf(routes[state.endpoint], state.rule)
    for part, sub in state.static.items():
        node.static[part] = _compile_state(sub, routes)
    trailing = state.static.get("")
    node.slash = trailing is not None and trailing.rule is not None
    for dyn in state.dynamic:
        node.dynamic.append(
            (dyn.pattern, dyn.final, dyn.suffixed, dyn.groups, _compile_state(dyn.target, routes))
        )
    return node


def _walk(
    node: _Node, parts: list[str], i: int, values: list[str | None]
) -> tuple[_Leaf, list[str | None]] | None:
    """Match ``parts[i:]`` from ``node``, as Werkzeug's ``StateMachineMatcher`` does.

    Static transitions first, then the dynamic ones in Werkzeug's order,
    backtracking when a branch reaches no rule (a state without dynamic
    transitions has nothing to backtrack to: it is left in a loop).

    Raises:
        _Slow: Where Werkzeug redirects to the path with a trailing slash.
    """
    end = len(parts)
    while True:
        if i == end:
            if node.leaf is not None:
                return node.leaf, values
            if node.slash:  # strict slashes: Werkzeug redirects
                raise _Slow
            return None
        part = parts[i]
        sub = node.static.get(part)
        if not node.dynamic:
            if sub is None:
                return None
            node = sub
            i += 1
            continue
        if sub is not None:
            found = _walk(sub, parts, i + 1, values)
            if found is not None:
                return found
        return _walk_dynamic(node, parts, i, values)


def _walk_dynamic(
    node: _Node, parts: list[str], i: int, values: list[str | None]
) -> tuple[_Leaf, list[str | None]] | None:
    """Try the dynamic transitions of ``node`` on ``parts[i:]``, in Werkzeug's order."""
    part = parts[i]
    for pattern, final, suffixed, groups, sub in node.dynamic:
        rest, j = parts, i + 1
        if final:  # consumes the rest of the path
            matched = pattern.match("/".join(parts[i:]))
            j = len(parts)
        else:
            matched = pattern.match(part)
        if matched is None:
            continue
        if suffixed and matched.groups()[-1] == "/":
            rest, j = [""], 0
        if len(groups) == 1:
            found = _walk(sub, rest, j, [*values, matched.group(groups[0])])
        else:
            found = _walk(sub, rest, j, [*values, *matched.group(*groups)])
        if found is not None:
            return found
    return None


class Router:
    """Holds the routes and Werkzeug's compiled rule table.

    Args:
        converters: Extra Werkzeug converters by name (``<name:param>``).
    """

    def __init__(self, converters: Mapping[str, type[BaseConverter]] | None = None) -> None:
        self.converters: dict[str, type[BaseConverter]] = dict(converters or {})
        self._routes: dict[str, Route] = {}
        self._map: Map | None = None
        #: Path of a rule without converters → its leaf.
        self._static: dict[str, _Leaf] = {}
        #: The state below the (empty) domain part, or None to match with Werkzeug.
        self._root: _Node | None = None

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

    def replace(self, route: Route) -> None:
        """Replace the route registered under ``route.endpoint`` (its operations rebuilt).

        Raises:
            KeyError: If no route has that endpoint.
        """
        if route.endpoint not in self._routes:
            raise KeyError(route.endpoint)
        self._routes[route.endpoint] = route
        self._map = None

    @property
    def walks(self) -> bool:
        """Whether paths are matched by Heron's walk of the compiled table (the fast path).

        False only when this Werkzeug's matcher could not be read
        (:func:`heron.core._werkzeug.matcher_root`): every match then binds a
        Werkzeug ``MapAdapter``.
        """
        if self._map is None:
            self._compile()
        return self._root is not None

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes.values())

    @property
    def map(self) -> Map:
        """The compiled Werkzeug ``Map`` (built on first use)."""
        if self._map is None:
            self._compile()
        assert self._map is not None
        return self._map

    def _compile(self) -> None:
        table = Map(
            [Rule(r.rule, endpoint=r.endpoint) for r in self._routes.values()],
            converters=self.converters,
            strict_slashes=True,
            merge_slashes=False,
        )
        table.update()
        state = matcher_root(table)
        root = _compile_state(state, self._routes) if state is not None else None
        static: dict[str, _Leaf] = {}
        if root is not None:  # pragma: no branch
            for rule in table.iter_rules():
                if rule.arguments:
                    continue
                # Werkzeug finds a rule without converters at its own path.
                found = _walk(root, rule.rule.split("/"), 0, [])
                leaf = found[0] if found is not None else None
                if leaf is not None and leaf.route.endpoint == rule.endpoint:  # pragma: no branch
                    static[rule.rule] = leaf
        self._static = static
        self._root = root
        self._map = table

    def match(self, environ: Mapping[str, Any], method: str) -> RouteMatch:
        """Match the request described by ``environ``.

        Args:
            environ: The WSGI environment (path, host and script name are read).
            method: The upper-case request method.

        Returns:
            The match; never raises for an unknown path or method.
        """
        found, values = self.lookup(environ, method)
        if values:
            return RouteMatch(found.kind, found.route, found.operation, values)
        return found

    def lookup(self, environ: Mapping[str, Any], method: str) -> tuple[RouteMatch, dict[str, Any]]:
        """Match the request, returning the match and the path parameters apart.

        The match of a route is built once and shared by every request (its
        ``values`` are empty): the parameters come in a dict of their own.

        Args:
            environ: The WSGI environment.
            method: The upper-case request method.

        Returns:
            The match and the converted path parameters (a new dict, or a
            shared empty one: do not mutate it).
        """
        if self._map is None:
            self._compile()
        path = environ.get("PATH_INFO") or ""
        leaf = self._static.get(path)
        if leaf is not None and "HTTP_UPGRADE" not in environ:
            return leaf.matches.get(method) or leaf.matches[""], _EMPTY
        root = self._root
        if (
            root is None
            or "HTTP_UPGRADE" in environ  # a WebSocket handshake: Werkzeug refuses it
            or path[:1] != "/"
            or path[:2] == "//"
        ):
            found = self._match_werkzeug(environ, method)
            return found, found.values
        if not path.isascii():
            path = wsgi_path(environ)  # type: ignore[arg-type]
        try:
            walked = _walk(root, path.split("/"), 0, [])
        except _Slow:
            found = self._match_werkzeug(environ, method)
            return found, found.values
        if walked is None:
            return _NONE, _EMPTY
        leaf, raw = walked
        if not leaf.converters:
            return leaf.matches.get(method) or leaf.matches[""], _EMPTY
        values = leaf.convert(raw)
        if values is None:
            return _NONE, _EMPTY
        return leaf.matches.get(method) or leaf.matches[""], values

    def _match_werkzeug(self, environ: Mapping[str, Any], method: str) -> RouteMatch:
        """Match with Werkzeug's adapter: the reference for every case."""
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
            return RouteMatch(_PARTIAL, route, None, values, adapter=adapter)
        return RouteMatch(_FULL, route, operation, values, adapter=adapter)
