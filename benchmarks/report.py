"""The markdown report: machine details, the tables, and issue 6's targets met or not."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from .apps import APPS
from .timing import paired_difference, paired_ratio

__all__ = ["machine", "render", "targets"]

KEYS = ("E1", "E2", "E3", "E4", "E5", "E6")
PACKAGES = (
    "heron",
    "werkzeug",
    "marshmallow",
    "apispec",
    "falcon",
    "flask",
    "flask-smorest",
    "apiflask",
    "flask-restx",
    "webargs",
    "gunicorn",
)
#: Table labels: the apps', then the payload floor.
LABELS = {**{name: info.label for name, info in APPS.items()}, "payload": "payload floor"}


def _tool_version(cmd: list[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """Describe the machine and software of a run.

    Returns:
        Date, CPU model, core count (``nproc``), OS, Python, package versions
        and the versions of valgrind and wrk.
    """
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "os": platform.platform(),
        "python": sys.version.split()[0] + f" ({platform.python_implementation()})",
        "packages": versions,
        "valgrind": _tool_version(["valgrind", "--version"]),
        "wrk": _tool_version(["wrk", "-v"]),
    }


# -- formatting ---------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _apps(data: dict[str, dict[str, Any]]) -> list[str]:
    order = list(LABELS)
    return sorted(data, key=lambda n: order.index(n) if n in order else len(order))


def _grid(
    data: dict[str, dict[str, Any]],
    cell: Callable[[str, str, Any], str],
    keys: tuple[str, ...] = KEYS,
) -> str:
    apps = _apps(data)
    rows = []
    for key in keys:
        if not any(key in data[a] for a in apps):
            continue
        rows.append([key] + [cell(a, key, data[a][key]) if key in data[a] else "—" for a in apps])
    return _table(["", *(LABELS.get(a, a) for a in apps)], rows)


def _ratios(data: dict[str, dict[str, Any]], ratio: Callable[[Any, Any], float]) -> str:
    peers = [a for a in _apps(data) if a != "heron"]
    heron = data.get("heron", {})
    rows = []
    for key in KEYS:
        if key not in heron:
            continue
        row = [key]
        for peer in peers:
            if key in data[peer]:
                row.append(f"{ratio(heron[key], data[peer][key]):.2f}")
            else:
                row.append("—")
        rows.append(row)
    return _table(["Heron ÷", *(LABELS.get(a, a) for a in peers)], rows)


# -- targets --------------------------------------------------------------------------


Row = tuple[str, str, "bool | None"]


def _timing(timing: dict[str, Any], app: str, key: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = timing.get(app, {}).get(key)
    return found


def _instr(counts: dict[str, Any], app: str, key: str) -> float | None:
    found = counts.get(app, {}).get(key)
    return None if found is None else float(found)


def _inprocess_targets(timing: dict[str, Any], counts: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []

    def ratio_row(peer: str, key: str, bound: float) -> None:
        h, p = _timing(timing, "heron", key), _timing(timing, peer, key)
        label = f"{key}: Heron / {LABELS[peer]} ≤ {bound:.2f}"
        if h is None or p is None:
            rows.append((label, "not measured", None))
            return
        ratio = paired_ratio(h, p)
        measured = f"{ratio:.2f} ({h['median']:.1f} / {p['median']:.1f} µs)"
        hi, pi = _instr(counts, "heron", key), _instr(counts, peer, key)
        if hi is not None and pi is not None:
            measured += f"; instructions {hi / pi:.2f}"
        rows.append((label, measured, ratio <= bound))

    for key in KEYS:
        ratio_row("falcon", key, 1.00 if key in ("E1", "E2", "E6") else 0.95)
    for key in ("E2", "E3", "E4", "E5"):
        h, f = _timing(timing, "heron", key), _timing(timing, "payload", key)
        label = f"{key}: Heron − payload floor ≤ 5 µs"
        if h is None or f is None:
            rows.append((label, "not measured", None))
            continue
        above = paired_difference(h, f)
        measured = f"{above:.1f} µs ({h['median']:.1f} − {f['median']:.1f})"
        hi, fi = _instr(counts, "heron", key), _instr(counts, "payload", key)
        if hi is not None and fi is not None:
            measured += f"; {(hi - fi) / 1000:.0f}k instructions"
        rows.append((label, measured, above <= 5.0))
    for peer in ("smorest", "apiflask"):
        for key in KEYS:
            ratio_row(peer, key, 0.50)
    return rows


def _startup_targets(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    spec = results.get("spec")
    if spec:
        s = spec["seconds"]
        rows.append((f"Spec of {spec['operations']} operations ≤ 1 s", f"{s:.3f} s", s <= 1.0))
    else:
        rows.append(("Spec of 500 operations ≤ 1 s", "not measured", None))
    imported = results.get("import")
    label = "`import heron` ≤ 100 ms (`-X importtime`, cumulative)"
    if imported:
        ms = imported["importtime_ms"]
        measured = f"{ms:.0f} ms (wall {imported['wall_ms']:.0f} ms"
        if "dependencies_ms" in imported:
            measured += f"; Werkzeug + marshmallow alone {imported['dependencies_ms']:.0f} ms"
            if "validate_ms" in imported:
                measured += (
                    f" (`marshmallow.validate` {imported['validate_ms']:.0f} ms of it);"
                    f" Heron's own modules {imported['heron_own_ms']:.0f} ms"
                )
        rows.append((label, measured + ")", ms <= 100))
    else:
        rows.append((label, "not measured", None))
    return rows


def _rps(value: Any) -> float:
    """Requests per second of a saved HTTP result (a dict, or a bare median)."""
    return float(value["median"]) if isinstance(value, dict) else float(value)


def _rps_ratio(heron: Any, peer: Any) -> float:
    """Heron's throughput ÷ the peer's: the median of the per-round ratios."""
    if isinstance(heron, dict) and isinstance(peer, dict):
        return paired_ratio(heron, peer)
    return _rps(heron) / _rps(peer)


def _http_targets(load: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key in ("E1", "E4"):
        h = load.get("heron", {}).get(key)
        f = load.get("falcon", {}).get(key)
        label = f"{key}: gunicorn + wrk, Heron req/s ≥ Falcon's"
        if h is None or f is None:
            rows.append((label, "not measured", None))
        else:
            ratio = _rps_ratio(h, f)
            rows.append(
                (label, f"{_rps(h):.0f} vs {_rps(f):.0f} req/s ({ratio:.2f}×)", ratio >= 1.0)
            )
    return rows


def targets(results: dict[str, Any]) -> list[Row]:
    """Check issue 6's targets against a run.

    The ratios are of in-process medians, as the issue states them; the
    instruction ratio (callgrind) is shown beside them when measured.

    Args:
        results: The run's results (see :func:`render`).

    Returns:
        (target, measured, met) rows; ``met`` is None when the run did not
        measure what the target needs.
    """
    return [
        *_inprocess_targets(results.get("inprocess") or {}, results.get("callgrind") or {}),
        *_startup_targets(results),
        *_http_targets(results.get("http") or {}),
    ]


# -- the report -----------------------------------------------------------------------


def _machine_section(info: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    return "\n".join(
        [
            f"- Date: {info['date']}",
            f"- CPU: {info['cpu']}, {info['nproc']} cores (`nproc`)",
            f"- OS: {info['os']}",
            f"- Python: {info['python']}",
            f"- Packages: {packages}",
            f"- valgrind: {info.get('valgrind') or 'not installed'}",
            f"- wrk: {info.get('wrk') or 'not installed'}",
        ]
    )


def render(results: dict[str, Any]) -> str:
    """Render a run as markdown.

    Args:
        results: ``machine``, ``settings``, and each part measured:
            ``inprocess`` (app → scenario → timing dict), ``callgrind`` (app →
            scenario → instructions), ``http`` (app → scenario → req/s),
            ``spec`` and ``import``.

    Returns:
        The report.
    """
    out = ["## Machine", "", _machine_section(results["machine"]), ""]
    settings = results.get("settings")
    if settings:
        out += [f"Settings: {', '.join(f'{k}={v}' for k, v in settings.items())}", ""]
    timing = results.get("inprocess")
    if timing:
        out += [
            "## In-process: µs per request",
            "",
            "Median over rounds (min–max).",
            "",
            _grid(timing, lambda a, k, t: f"{t['median']:.1f} ({t['min']:.1f}–{t['max']:.1f})"),
            "",
            "Heron's time ÷ each peer's, the median of the ratios in each round"
            " (below 1: Heron is faster):",
            "",
            _ratios(timing, paired_ratio),
            "",
        ]
    counts = results.get("callgrind")
    if counts:
        out += [
            "## Instructions per request (callgrind), thousands",
            "",
            _grid(counts, lambda a, k, v: f"{v / 1000:.0f}"),
            "",
            "Heron's instructions ÷ each peer's:",
            "",
            _ratios(counts, lambda h, p: float(h) / float(p)),
            "",
        ]
    load = results.get("http")
    if load:
        out += [
            "## Over HTTP: gunicorn (1 sync worker) + wrk, requests per second",
            "",
            "Median over rounds.",
            "",
            _grid(load, lambda a, k, v: f"{_rps(v):.0f}"),
            "",
            "Heron's throughput ÷ each peer's, the median of the ratios in each round"
            " (above 1: Heron is faster):",
            "",
            _ratios(load, _rps_ratio),
            "",
        ]
    rows = targets(results)
    out += [
        "## Targets (issue 6)",
        "",
        _table(
            ["target", "measured", "status"],
            [[t, m, "—" if ok is None else ("met" if ok else "**not met**")] for t, m, ok in rows],
        ),
        "",
    ]
    return "\n".join(out)
