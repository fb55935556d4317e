"""In-process timing: µs per request, median over interleaved rounds, with min and max.

Each request's WSGI environ is built once; every call copies it, gives it a
fresh ``wsgi.input``, calls the app, consumes the response iterable and closes
it. Rounds are interleaved across all (app, scenario) pairs, so a slow spell of
a shared machine spreads over every pair instead of landing on one.
"""

from __future__ import annotations

import gc
import io
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .scenarios import SCENARIOS, WSGIApp, check_app
from .schemas import PAYLOAD_FLOOR

__all__ = [
    "Batch",
    "Timing",
    "app_batch",
    "floor_batch",
    "inprocess",
    "paired_difference",
    "paired_ratio",
    "profile",
    "time_batches",
]

#: ``run(n) -> nanoseconds`` for n requests (or n payload-floor calls).
Batch = Callable[[int], int]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def app_batch(app: WSGIApp, key: str) -> Batch:
    """Return a batch runner calling ``app`` with scenario ``key``'s request.

    Args:
        app: The WSGI callable.
        key: The scenario key.

    Returns:
        ``run(n)``: the nanoseconds n calls take.
    """
    scenario = SCENARIOS[key]
    base = scenario.environ()
    body = scenario.body
    copy = base.copy
    bytes_io = io.BytesIO
    clock = time.perf_counter_ns

    def run(n: int) -> int:
        start = clock()
        for _ in range(n):
            environ = copy()
            environ["wsgi.input"] = bytes_io(body)
            iterable = app(environ, _start_response)
            for _chunk in iterable:
                pass
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return clock() - start

    return run


def floor_batch(key: str) -> Batch:
    """Return a batch runner of scenario ``key``'s payload floor (marshmallow + json)."""
    work = PAYLOAD_FLOOR[key]
    body = SCENARIOS[key].body
    clock = time.perf_counter_ns

    def run(n: int) -> int:
        start = clock()
        for _ in range(n):
            work(body)
        return clock() - start

    return run


@dataclass(frozen=True)
class Timing:
    """The timing of one (app, scenario) pair, in µs per request."""

    median: float
    min: float
    max: float
    rounds: int
    per_round: int
    #: µs per request in each round, in round order: pairs of apps are
    #: compared round by round (see :func:`paired_ratio`).
    samples: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the timing as plain data (for JSON)."""
        return asdict(self)


def _calibrate(run: Batch, seconds: float, warmup: int) -> int:
    run(warmup)
    n = 16
    while True:
        elapsed = run(n) / 1e9
        if elapsed >= seconds / 4 or n >= 1 << 20:
            return max(1, int(n * seconds / max(elapsed, 1e-9)))
        n *= 4


def time_batches(
    batches: Mapping[tuple[str, str], Batch],
    *,
    rounds: int,
    seconds: float,
    warmup: int = 200,
    progress: Callable[[str], None] | None = None,
) -> dict[tuple[str, str], Timing]:
    """Time every batch over interleaved rounds.

    In each round every pair runs once, grouped by scenario (every app's E1,
    then every app's E2...), so the apps compared on one endpoint run back to
    back; the order is reversed every other round, so that none always runs
    after the same one. A slow spell of a shared machine then falls on the
    apps compared in the same round, which :func:`paired_ratio` cancels.

    Args:
        batches: ``(app, scenario) → run(n)``.
        rounds: Rounds per pair; the median over rounds is reported.
        seconds: Target duration of one round of one pair, in seconds.
        warmup: Calls made before calibration (the interpreter specializes
            hot code in its first calls).
        progress: Called with a line of text as the work advances.

    Returns:
        ``(app, scenario) → Timing`` in µs per request.
    """
    sizes = {pair: _calibrate(run, seconds, warmup) for pair, run in batches.items()}
    samples: dict[tuple[str, str], list[float]] = {pair: [] for pair in batches}
    position = {pair: i for i, pair in enumerate(batches)}
    order = sorted(batches, key=lambda pair: (pair[1], position[pair]))
    for r in range(rounds):
        if progress is not None:
            progress(f"in-process round {r + 1}/{rounds}")
        for pair in order if r % 2 == 0 else order[::-1]:
            n = sizes[pair]
            gc.collect()
            samples[pair].append(batches[pair](n) / n / 1000)
    return {
        pair: Timing(
            median=statistics.median(values),
            min=min(values),
            max=max(values),
            rounds=rounds,
            per_round=sizes[pair],
            samples=tuple(values),
        )
        for pair, values in samples.items()
    }


def paired_ratio(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Return the median over rounds of ``a``'s time ÷ ``b``'s in the same round.

    Args:
        a: A timing as plain data (:meth:`Timing.as_dict`).
        b: Another, from the same run.

    Returns:
        The median of the per-round ratios; the ratio of the medians for
        timings saved without their rounds.
    """
    xs, ys = a.get("samples") or (), b.get("samples") or ()
    if not xs or len(xs) != len(ys):
        return float(a["median"]) / float(b["median"])
    return statistics.median(x / y for x, y in zip(xs, ys, strict=True))


def paired_difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Return the median over rounds of ``a``'s time − ``b``'s in the same round, in µs.

    Args:
        a: A timing as plain data (:meth:`Timing.as_dict`).
        b: Another, from the same run.

    Returns:
        The median of the per-round differences; the difference of the
        medians for timings saved without their rounds.
    """
    xs, ys = a.get("samples") or (), b.get("samples") or ()
    if not xs or len(xs) != len(ys):
        return float(a["median"]) - float(b["median"])
    return statistics.median(x - y for x, y in zip(xs, ys, strict=True))


def inprocess(
    apps: Mapping[str, tuple[Callable[[], WSGIApp], Iterable[str]]],
    floor_keys: Iterable[str],
    *,
    rounds: int,
    seconds: float,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Timing]]:
    """Check, then time, every app on its scenarios, and the payload floor.

    Args:
        apps: App name → (factory, scenario keys).
        floor_keys: Scenarios whose payload floor is timed (as app ``payload``).
        rounds: Rounds per pair.
        seconds: Duration of one round of one pair.
        progress: Called with a line of text as the work advances.

    Returns:
        App name → scenario → timing.

    Raises:
        AssertionError: If an app answers a scenario wrongly (nothing is timed).
    """
    batches: dict[tuple[str, str], Batch] = {}
    for name, (factory, keys) in apps.items():
        app = factory()
        keys = list(keys)
        check_app(app, keys)
        for key in keys:
            batches[(name, key)] = app_batch(app, key)
    for key in floor_keys:
        batches[("payload", key)] = floor_batch(key)
    timings = time_batches(batches, rounds=rounds, seconds=seconds, progress=progress)
    result: dict[str, dict[str, Timing]] = {}
    for (name, key), timing in timings.items():
        result.setdefault(name, {})[key] = timing
    return result


def profile(app: WSGIApp, key: str, requests: int, top: int = 30) -> str:
    """Profile ``requests`` calls of scenario ``key`` with cProfile (for optimizing).

    Args:
        app: The WSGI callable (checked first).
        key: The scenario key.
        requests: Calls profiled, after a warm-up.
        top: Functions listed.

    Returns:
        pstats' listing, by own time (``tottime``), then by cumulative time.
    """
    import cProfile
    import pstats

    check_app(app, [key])
    run = app_batch(app, key)
    run(200)
    profiler = cProfile.Profile()
    profiler.runcall(run, requests)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()
