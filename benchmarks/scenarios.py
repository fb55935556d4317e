"""The six scenarios (E1–E6): requests, WSGI environs, and the check of each answer.

A benchmarked app is timed only after :func:`check_app` has found every one of
its answers right: the status, a JSON body where one is expected, and, for E5,
an error naming exactly the invalid fields.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from werkzeug.test import EnvironBuilder

from .schemas import ITEMS, NEW_ITEM_ID, list_items

__all__ = [
    "SCENARIOS",
    "WSGIApp",
    "Answer",
    "Scenario",
    "call",
    "check",
    "check_app",
    "error_paths",
]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

VALID_BODY: dict[str, Any] = {
    "name": "Widget",
    "sku": "WID-0042",
    "price": 19.99,
    "in_stock": True,
    "tags": ["blue", "small", "sale"],
    "dimensions": {"width": 10.5, "height": 4.25, "unit": "cm"},
}
INVALID_BODY: dict[str, Any] = {
    "name": "",
    "sku": "not-a-sku",
    "price": -1,
    "tags": ["ok"],
    "dimensions": {"width": "wide", "height": 3},
}
#: The fields E5 must name, as dotted paths.
INVALID_FIELDS = frozenset({"name", "sku", "price", "dimensions.width"})


@dataclass(frozen=True)
class Scenario:
    """One benchmarked request and what a right answer to it is.

    Attributes:
        key: ``E1`` .. ``E6``.
        title: A short description, for tables.
        method: The HTTP method.
        path: The path, without query string.
        query: The query string, without ``?``.
        body: The request content (JSON), or empty.
        status: The expected status; E5 takes any of :attr:`statuses`.
        expected: The expected JSON body, or None when only the status (E6)
            or the named fields (E5) are checked.
        statuses: Statuses accepted instead of :attr:`status` (E5: 422, or 400
            for frameworks whose native validation status it is).
    """

    key: str
    title: str
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    status: int = 200
    expected: Any = None
    statuses: tuple[int, ...] = ()

    @property
    def url(self) -> str:
        """The request target (path and query)."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def environ(self) -> dict[str, Any]:
        """Build the request's WSGI environ once, with Werkzeug's ``EnvironBuilder``.

        Returns:
            The environ; copy it per call and give it a fresh ``wsgi.input``.
        """
        builder = EnvironBuilder(
            path=self.path,
            method=self.method,
            query_string=self.query or None,
            data=self.body or None,
            content_type="application/json" if self.body else None,
            base_url="http://127.0.0.1:8000/",
        )
        try:
            return builder.get_environ()
        finally:
            builder.close()


def _e4_expected() -> dict[str, Any]:
    return {**VALID_BODY, "id": NEW_ITEM_ID}


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario("E1", "GET /hello", "GET", "/hello", expected={"message": "hello"}),
        Scenario("E2", "GET /items/42", "GET", "/items/42", expected=ITEMS[42]),
        Scenario(
            "E3",
            "GET /items?limit=10&offset=0",
            "GET",
            "/items",
            query="limit=10&offset=0",
            expected=list_items(10, 0),
        ),
        Scenario(
            "E4",
            "POST /items (valid)",
            "POST",
            "/items",
            body=json.dumps(VALID_BODY).encode(),
            status=201,
            expected=_e4_expected(),
        ),
        Scenario(
            "E5",
            "POST /items (invalid)",
            "POST",
            "/items",
            body=json.dumps(INVALID_BODY).encode(),
            status=422,
            statuses=(400,),
        ),
        Scenario("E6", "GET /nope", "GET", "/nope", status=404),
    )
}


@dataclass(frozen=True)
class Answer:
    """A response as received: status code, headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first header named ``name`` (case-insensitive), if any."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)


def call(app: WSGIApp, environ: dict[str, Any], body: bytes = b"") -> Answer:
    """Call a WSGI app once with a copy of ``environ`` (PEP 3333).

    Args:
        app: The WSGI callable.
        environ: A prepared environ (copied, not changed).
        body: The request content, read from a fresh ``wsgi.input``.

    Returns:
        The answer, after consuming and closing the response iterable.
    """
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(body)
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    iterable = app(env, start_response)
    try:
        data = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, headers = started
    return Answer(int(status.split(" ", 1)[0]), list(headers), data)


def _walk(value: Any, prefix: str) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("path"), str) and "message" in value:
            yield value["path"]  # Heron's RFC 9457 "errors" entries
            return
        for key, item in value.items():
            yield from _walk(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            yield prefix  # marshmallow's {"field": ["message", ...]}
        else:
            for item in value:
                yield from _walk(item, prefix)


def error_paths(data: Any) -> set[str]:
    """Return the dotted paths of the fields an error body names.

    Understands RFC 9457 ``errors`` lists with a ``path`` per entry (Heron) and
    marshmallow's nested messages, wrapped in any envelope (``errors.json``
    for flask-smorest, ``detail.json`` for APIFlask).

    Args:
        data: The parsed error body.

    Returns:
        The paths found, envelope included (``errors.json.dimensions.width``).
    """
    return set(_walk(data, ""))


def _names(paths: set[str], field: str) -> bool:
    return any(p == field or p.endswith("." + field) for p in paths)


def check(scenario: Scenario, answer: Answer) -> None:
    """Check one answer to ``scenario``.

    Raises:
        AssertionError: Naming what is wrong: the status, a body that is not
            JSON, a different body, or (E5) a field not named or one named
            that is valid.
    """
    accepted = (scenario.status, *scenario.statuses)
    snippet = answer.body[:300]
    assert answer.status in accepted, f"{scenario.key}: status {answer.status}, body {snippet!r}"
    if scenario.key == "E6":
        return
    content_type = answer.header("Content-Type") or ""
    assert "json" in content_type, f"{scenario.key}: Content-Type {content_type!r}"
    data = json.loads(answer.body)
    if scenario.expected is not None:
        assert data == scenario.expected, f"{scenario.key}: body {data!r}"
    if scenario.key == "E5":
        paths = error_paths(data)
        missing = [f for f in sorted(INVALID_FIELDS) if not _names(paths, f)]
        extra = [p for p in sorted(paths) if not any(_names({p}, f) for f in INVALID_FIELDS)]
        assert not missing, f"E5: fields not named: {missing} in {data!r}"
        assert not extra, f"E5: valid fields named as invalid: {extra} in {data!r}"


def check_app(app: WSGIApp, keys: Iterable[str]) -> None:
    """Check an app's answers to the scenarios ``keys`` (each twice: state must not leak).

    Raises:
        AssertionError: On the first wrong answer.
    """
    for key in keys:
        scenario = SCENARIOS[key]
        environ = scenario.environ()
        for _ in range(2):
            check(scenario, call(app, environ, scenario.body))
