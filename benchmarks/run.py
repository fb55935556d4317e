"""Run the benchmark suite and print a markdown report: ``python -m benchmarks``.

Parts: ``inprocess`` (µs/request), ``callgrind`` (instructions/request),
``http`` (gunicorn + wrk req/s), ``spec`` (OpenAPI document of 500 operations)
and ``import`` (``import heron``). Every app's answers are checked before it is
timed. Peers that are not installed are skipped (``pip install -e ".[bench]"``);
so are the parts whose tool (valgrind, wrk) is missing, with a note.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .apps import APPS
from .report import machine, render
from .scenarios import SCENARIOS

__all__ = ["main"]

PARTS = ("inprocess", "callgrind", "http", "spec", "import")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds and requests (a smoke run)")
    p.add_argument("--parts", type=_csv, default=list(PARTS), help=f"comma list of {PARTS}")
    p.add_argument("--apps", type=_csv, default=list(APPS), help=f"comma list of {list(APPS)}")
    p.add_argument("--scenarios", type=_csv, default=list(SCENARIOS), help="E1..E6")
    p.add_argument("--http-scenarios", type=_csv, default=["E1", "E4"], help="for wrk")
    p.add_argument("--rounds", type=int, help="in-process rounds (default 15, quick 5)")
    p.add_argument(
        "--round-seconds", type=float, help="one round of one pair (default 0.05 s, quick 0.02 s)"
    )
    p.add_argument("--callgrind-requests", type=int, help="per scenario (default 1000, quick 30)")
    p.add_argument("--jobs", type=int, default=2, help="concurrent valgrind processes")
    p.add_argument("--http-seconds", type=float, help="one wrk run (default 3 s, quick 1 s)")
    p.add_argument("--http-rounds", type=int, help="wrk runs per pair (default 7, quick 1)")
    p.add_argument("--connections", type=int, default=8, help="wrk connections")
    p.add_argument("--spec-operations", type=int, default=500)
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--output", type=Path, help="also write the markdown report here")
    p.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        help="render saved runs instead of measuring; parts of later files replace earlier ones",
    )
    p.add_argument(
        "--profile",
        metavar="APP:KEY",
        help="print a cProfile listing of one app on one scenario (e.g. heron:E4) and exit",
    )
    p.add_argument("--profile-requests", type=int, default=5000)
    return p


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Run:
    """What a command line selected, and the results as they come in."""

    def __init__(self, args: argparse.Namespace) -> None:
        unknown = (
            [p for p in args.parts if p not in PARTS]
            + [a for a in args.apps if a not in APPS]
            + [k for k in args.scenarios + args.http_scenarios if k not in SCENARIOS]
        )
        if unknown:
            raise SystemExit(f"unknown part, app or scenario: {', '.join(unknown)}")
        self.args = args
        self.quick: bool = args.quick
        self.notes: list[str] = []
        self.apps: list[str] = []
        for name in args.apps:
            if APPS[name].installed:
                self.apps.append(name)
            else:
                info = APPS[name]
                self.notes.append(f"{info.label} skipped: {info.package} is not installed.")
        self.keys = {n: [k for k in args.scenarios if k in APPS[n].scenarios] for n in self.apps}
        self.floor_keys = [k for k in args.scenarios if k in ("E2", "E3", "E4", "E5")]
        self.settings: dict[str, Any] = {"quick": self.quick}
        self.results: dict[str, Any] = {
            "machine": machine(),
            "settings": self.settings,
            "notes": self.notes,
        }

    def inprocess(self) -> None:
        from .timing import inprocess

        rounds = self.args.rounds or (5 if self.quick else 15)
        seconds = self.args.round_seconds or (0.02 if self.quick else 0.05)
        self.settings.update(rounds=rounds, round_seconds=seconds)
        found = inprocess(
            {name: (APPS[name].factory, self.keys[name]) for name in self.apps},
            self.floor_keys,
            rounds=rounds,
            seconds=seconds,
            progress=_log,
        )
        self.results["inprocess"] = {
            app: {k: t.as_dict() for k, t in by_key.items()} for app, by_key in found.items()
        }

    def callgrind(self) -> None:
        from . import callgrind

        if callgrind.available() is None:
            self.notes.append(
                "callgrind skipped: valgrind is not installed (apt-get install valgrind)."
            )
            return
        requests = self.args.callgrind_requests or (30 if self.quick else 1000)
        self.settings.update(callgrind_requests=requests)
        todo = [(name, self.keys[name]) for name in self.apps]
        if self.floor_keys:
            todo.append(("payload", self.floor_keys))
        self.results["callgrind"] = callgrind.instructions(
            todo, requests, jobs=self.args.jobs, progress=_log
        )

    def http(self) -> None:
        from . import load

        if load.available() is None:
            self.notes.append("HTTP run skipped: wrk is not installed (apt-get install wrk).")
            return
        if importlib.util.find_spec("gunicorn") is None:
            self.notes.append("HTTP run skipped: gunicorn is not installed.")
            return
        seconds = self.args.http_seconds or (1.0 if self.quick else 3.0)
        rounds = self.args.http_rounds or (1 if self.quick else 7)
        connections = self.args.connections
        split = load.cpu_split()
        self.settings.update(
            http_seconds=seconds,
            http_rounds=rounds,
            connections=connections,
            http_cpus=(
                "shared"
                if split is None
                else f"gunicorn on CPU {sorted(split[0])}, wrk on {sorted(split[1])}"
            ),
        )
        todo = []
        for name in self.apps:
            keys = [k for k in self.args.http_scenarios if k in APPS[name].scenarios]
            if keys:
                todo.append((name, APPS[name].target, keys))
        self.results["http"] = load.requests_per_second(
            todo, seconds=seconds, rounds=rounds, connections=connections, progress=_log
        )

    def spec(self) -> None:
        from .startup import spec_time

        _log("spec: building")
        rounds = 1 if self.quick else 5
        self.results["spec"] = spec_time(self.args.spec_operations, rounds=rounds)

    def import_(self) -> None:
        from .startup import import_time

        _log("import: timing")
        self.results["import"] = import_time(rounds=3 if self.quick else 7)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Measure the parts ``args`` selects, in the order of :data:`PARTS`.

    Args:
        args: The parsed command line.

    Returns:
        The results (see :func:`benchmarks.report.render`).

    Raises:
        SystemExit: On an unknown part, app or scenario.
    """
    run = _Run(args)
    steps = {
        "inprocess": run.inprocess,
        "callgrind": run.callgrind,
        "http": run.http,
        "spec": run.spec,
        "import": run.import_,
    }
    for part in PARTS:
        if part in args.parts:
            steps[part]()
    return run.results


def merge(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Merge saved runs: each part measured by a later run replaces the earlier one.

    Args:
        runs: Results as ``--json`` saves them, oldest first.

    Returns:
        One result: the first run's machine, settings updated by each run,
        the notes of all.
    """
    merged: dict[str, Any] = {"machine": runs[0]["machine"], "settings": {}, "notes": []}
    for run in runs:
        merged["settings"].update(run.get("settings", {}))
        merged["notes"] += run.get("notes", [])
        merged.update({part: run[part] for part in PARTS if part in run})
    return merged


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite and print the report.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 (targets not met are reported, not failed).
    """
    args = _parser().parse_args(argv)
    if args.profile:
        from .timing import profile

        name, _, key = args.profile.partition(":")
        if name not in APPS or key not in SCENARIOS:
            raise SystemExit(f"--profile takes APP:KEY, e.g. heron:E4; apps: {', '.join(APPS)}")
        print(profile(APPS[name].factory(), key, args.profile_requests))
        return 0
    if args.from_json:
        results = merge([json.loads(path.read_text()) for path in args.from_json])
    else:
        results = measure(args)
    report = render(results)
    for note in results.get("notes", []):
        report += f"\n> {note}\n"
    print(report)
    if args.json and not args.from_json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
