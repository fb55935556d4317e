"""Instructions per request under ``valgrind --tool=callgrind``: the noise-free figure.

One valgrind process per app. The worker (``python -m benchmarks.callgrind APP
N KEY...``) builds and checks the app, warms each scenario up, then marks phase
boundaries by calling ``os.getppid()``: callgrind runs with
``--dump-before=getppid``, so each call dumps (and zeroes) the counts since the
previous one. The phases are: start-up, a zero-request batch (the baseline:
the harness with nothing in it), then N requests of each scenario. A
scenario's cost is ``(its phase - the baseline) / N`` instructions.

The counts include the harness's own per-call work (copying the environ, a
fresh ``wsgi.input``), the same for every app; the raw WSGI floor shows it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["available", "instructions", "measure_app"]

_TOTALS = re.compile(rb"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
ROOT = Path(__file__).resolve().parent.parent


def available() -> str | None:
    """Return the path of ``valgrind``, or None when it is not installed."""
    return shutil.which("valgrind")


def _totals(path: Path) -> int:
    found = _TOTALS.search(path.read_bytes())
    if found is None:
        raise RuntimeError(f"no totals in {path}")
    return int(found.group(1))


def measure_app(name: str, keys: Sequence[str], requests: int, valgrind: str) -> dict[str, float]:
    """Count the instructions per request of one app (or ``payload``) on ``keys``.

    Args:
        name: An app name from :data:`benchmarks.apps.APPS`, or ``payload``
            for the payload floor.
        keys: Scenario keys.
        requests: Requests per scenario.
        valgrind: The valgrind executable.

    Returns:
        Scenario → instructions per request.

    Raises:
        RuntimeError: If the worker fails (a wrong answer included) or the
            dumps are not the ones expected.
    """
    with tempfile.TemporaryDirectory(prefix="heron-callgrind-") as tmp:
        out = Path(tmp) / "cg.out"
        cmd = [
            valgrind,
            "--tool=callgrind",
            "--dump-before=getppid",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.callgrind",
            name,
            str(requests),
            *keys,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"callgrind run of {name} failed ({done.returncode}):\n"
                + done.stderr.decode(errors="replace")[-3000:]
            )
        dumps = sorted(Path(tmp).glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
        if len(dumps) != len(keys) + 2:
            raise RuntimeError(
                f"{name}: expected {len(keys) + 2} callgrind dumps, got {len(dumps)}"
            )
        counts = [_totals(p) for p in dumps]
    baseline = counts[1]
    return {key: (count - baseline) / requests for key, count in zip(keys, counts[2:], strict=True)}


def instructions(
    apps: Iterable[tuple[str, Sequence[str]]],
    requests: int,
    *,
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Count instructions per request for every app, ``jobs`` valgrind processes at a time.

    Args:
        apps: (app name, scenario keys) pairs; ``payload`` is the payload floor.
        requests: Requests per scenario.
        jobs: Concurrent valgrind processes (counts do not depend on it).
        progress: Called with a line of text as each app finishes.

    Returns:
        App name → scenario → instructions per request.

    Raises:
        RuntimeError: If valgrind is not installed or a run fails.
    """
    valgrind = available()
    if valgrind is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    pending = list(apps)

    def one(item: tuple[str, Sequence[str]]) -> tuple[str, dict[str, float]]:
        result = measure_app(item[0], item[1], requests, valgrind)
        if progress is not None:
            progress(f"callgrind: {item[0]} done")
        return item[0], result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, pending))


def _worker(name: str, requests: int, keys: list[str]) -> None:
    from .timing import Batch, app_batch, floor_batch

    batches: list[Batch]
    if name == "payload":
        batches = [floor_batch(key) for key in keys]
    else:
        from .apps import APPS
        from .scenarios import check_app

        app = APPS[name].factory()
        check_app(app, keys)
        batches = [app_batch(app, key) for key in keys]
    for run in batches:
        run(50)  # warm up: the interpreter specializes hot code in its first calls
    os.getppid()  # dump 1: start-up
    batches[0](0)
    os.getppid()  # dump 2: the zero-request baseline
    for run in batches:
        run(requests)
        os.getppid()  # dump per scenario


if __name__ == "__main__":
    _worker(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
