"""One-off costs: building the OpenAPI document of a 500-operation API, and ``import heron``."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

__all__ = ["import_time", "spec_time", "synthetic_api"]

#: Operations per synthetic collection: list, create, read, replace, delete.
OPS_PER_COLLECTION = 5


def _schemas(i: int) -> tuple[type[ma.Schema], type[ma.Schema]]:
    thing = ma.Schema.from_dict(
        {
            "id": fields.Integer(dump_only=True),
            "name": fields.String(required=True, validate=validate.Length(min=1, max=100)),
            "price": fields.Float(validate=validate.Range(min=0)),
            "tags": fields.List(fields.String(), load_default=list),
            "created": fields.DateTime(dump_only=True),
            "kind": fields.String(validate=validate.OneOf(["a", "b", "c"])),
        },
        name=f"Thing{i}",
    )
    query = ma.Schema.from_dict(
        {
            "limit": fields.Integer(load_default=10, validate=validate.Range(min=1, max=100)),
            "offset": fields.Integer(load_default=0, validate=validate.Range(min=0)),
            "tag": fields.String(),
        },
        name=f"Thing{i}Query",
    )
    return thing, query


def synthetic_api(operations: int = 500) -> Any:
    """Build a Heron API of ``operations`` operations over distinct schemas.

    Each collection ``/things{i}`` has list (with a query schema) and create,
    and ``/things{i}/<int:thing_id>`` has read, replace and delete: five
    operations and two schemas per collection.

    Args:
        operations: How many operations (a multiple of 5).

    Returns:
        The :class:`heron.Api`.
    """
    from heron import Api, Resource, arguments, response

    api = Api("Synthetic", "1.0.0")
    for i in range(operations // OPS_PER_COLLECTION):
        thing, query = _schemas(i)

        class Collection(Resource):
            @arguments(query, location="query")
            @response(200, thing, many=True)
            def get(self, req: Any, query: Any) -> Any:
                """List things."""
                return []

            @arguments(thing)
            @response(201, thing)
            def post(self, req: Any, body: Any) -> Any:
                """Create a thing."""
                return body

        class Item(Resource):
            @response(200, thing)
            @response(404, description="No such thing.")
            def get(self, req: Any, thing_id: int) -> Any:
                """Read a thing."""
                return {}

            @arguments(thing)
            @response(200, thing)
            def put(self, req: Any, thing_id: int, body: Any) -> Any:
                """Replace a thing."""
                return body

            @response(204)
            def delete(self, req: Any, thing_id: int) -> None:
                """Delete a thing."""

        # operationIds are derived from class names (listThings0, createThings0...).
        Collection.__name__ = Collection.__qualname__ = f"Things{i}"
        Item.__name__ = Item.__qualname__ = f"Thing{i}"
        api.add_resource(Collection, f"/things{i}")
        api.add_resource(Item, f"/things{i}/<int:thing_id>")
    return api


def spec_time(operations: int = 500, rounds: int = 3) -> dict[str, Any]:
    """Time building the OpenAPI document of :func:`synthetic_api` (not its registration).

    Args:
        operations: Operations in the API.
        rounds: Fresh APIs built and timed; the median is reported.

    Returns:
        ``operations`` (counted in the document), ``seconds`` (median),
        ``min`` and ``max``.

    Raises:
        AssertionError: If the document does not hold ``operations`` operations.
    """
    times = []
    counted = 0
    for _ in range(rounds):
        api = synthetic_api(operations)
        start = time.perf_counter()
        spec = api.openapi()
        times.append(time.perf_counter() - start)
        counted = sum(
            1
            for path, item in spec["paths"].items()
            if path.startswith("/things")
            for method in item
            if method in ("get", "put", "post", "delete", "patch")
        )
    assert counted == operations, f"the spec has {counted} operations, not {operations}"
    return {
        "operations": counted,
        "seconds": statistics.median(times),
        "min": min(times),
        "max": max(times),
    }


# "import time: self | cumulative | name", nested imports indented by 2 spaces a level.
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\| (\S+)\s*$")
#: The modules Heron cannot serve a request without: the floor of ``import heron``.
DEPENDENCIES = ("werkzeug.wrappers", "werkzeug.routing", "marshmallow")


def _bytecode_env() -> dict[str, str]:
    """Return the environment of an import measurement: bytecode caches used and written.

    With ``PYTHONDONTWRITEBYTECODE`` set, a package whose caches were never
    written (an editable install) is compiled from source on every import:
    that measures the compiler, not the import an installed application pays.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: The one module whose own import time dominates the floor: marshmallow
#: compiles its e-mail regular expressions, with their Unicode letter
#: classes, when ``marshmallow.validate`` is imported.
FLOOR_MODULE = "marshmallow.validate"
_ANY_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\S+)\s*$")


def _importtime(modules: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """Import ``modules`` in a fresh interpreter under ``-X importtime``.

    Returns:
        The summed cumulative time of ``modules``' top-level imports, in ms;
        and own times, in ms: ``heron``, the sum over Heron's modules, and
        :data:`FLOOR_MODULE`'s.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {', '.join(modules)}"],
        capture_output=True,
        text=True,
        check=True,
        env=_bytecode_env(),
    )
    total = 0
    own = {"heron": 0.0, FLOOR_MODULE: 0.0}
    for line in done.stderr.splitlines():
        found = _IMPORT_LINE.match(line)  # top-level imports only: no indentation
        if found and found.group(3) in modules:
            total += int(found.group(2))
        nested = _ANY_IMPORT_LINE.match(line)
        if nested is None:
            continue
        name = nested.group(3)
        if name == FLOOR_MODULE:
            own[FLOOR_MODULE] += int(nested.group(1)) / 1000
        elif name == "heron" or name.startswith("heron."):
            own["heron"] += int(nested.group(1)) / 1000
    if not total:
        raise RuntimeError(f"-X importtime reported no top-level import of {modules}")
    return total / 1000, own


def import_time(rounds: int = 5) -> dict[str, Any]:
    """Measure ``python -X importtime -c "import heron"`` in fresh interpreters.

    Args:
        rounds: Interpreters started; medians are reported.

    Returns:
        ``importtime_ms``: the cumulative time of ``heron``'s top-level import
        as ``-X importtime`` reports it (with its own overhead);
        ``dependencies_ms``: the same for :data:`DEPENDENCIES` alone, the
        floor; ``wall_ms``: ``import heron`` timed with ``perf_counter``
        without ``-X importtime``; ``heron_own_ms``: the own time of
        Heron's modules, what ``import heron`` adds to the floor; and
        ``validate_ms``: the own time of :data:`FLOOR_MODULE`.
    """
    heron: list[float] = []
    floor: list[float] = []
    wall: list[float] = []
    heron_own: list[float] = []
    validate: list[float] = []
    probe = "import time; t = time.perf_counter(); import heron; print(time.perf_counter() - t)"
    # Write the bytecode caches first, as installing a package does.
    subprocess.run([sys.executable, "-c", "import heron"], check=True, env=_bytecode_env())
    for _ in range(rounds):
        heron_ms, own = _importtime(("heron",))
        heron.append(heron_ms)
        heron_own.append(own["heron"])
        validate.append(own[FLOOR_MODULE])
        floor.append(_importtime(DEPENDENCIES)[0])
        out = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            env=_bytecode_env(),
        )
        wall.append(float(out.stdout) * 1000)
    return {
        "importtime_ms": statistics.median(heron),
        "dependencies_ms": statistics.median(floor),
        "wall_ms": statistics.median(wall),
        "heron_own_ms": statistics.median(heron_own),
        "validate_ms": statistics.median(validate),
    }
