"""Over HTTP: each app under gunicorn (one sync worker) on 127.0.0.1, loaded by ``wrk``.

Every server's answers are checked over HTTP before it is loaded. ``wrk`` runs
for a bounded duration per scenario; POST scenarios use a small Lua script.
Only 127.0.0.1 is ever contacted. Where the machine has two CPUs or more and
lets a process choose them (``os.sched_setaffinity``), gunicorn runs on the
first and ``wrk`` on the others, so the load generator does not take turns
with the server on one core; read ratios, not absolute figures, all the same.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .scenarios import SCENARIOS, Answer, Scenario, check

__all__ = ["Server", "available", "requests_per_second"]

ROOT = Path(__file__).resolve().parent.parent
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def available() -> str | None:
    """Return the path of ``wrk``, or None when it is not installed."""
    return shutil.which("wrk")


def cpu_split() -> tuple[set[int], set[int]] | None:
    """Return (the server's CPUs, wrk's CPUs), or None when they cannot be kept apart.

    The first CPU this process may run on serves; the rest load. None on a
    single CPU or where affinity cannot be set (not Linux).
    """
    if not hasattr(os, "sched_getaffinity"):
        return None  # pragma: no cover - Linux has it
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def _pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"gunicorn not listening on 127.0.0.1:{port} after {timeout}s")


def _fetch(port: int, scenario: Scenario) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if scenario.body else {}
        conn.request(scenario.method, scenario.url, body=scenario.body or None, headers=headers)
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def _script(scenario: Scenario, folder: Path) -> Path | None:
    if not scenario.body:
        return None
    path = folder / f"{scenario.key}.lua"
    path.write_text(
        f'wrk.method = "{scenario.method}"\n'
        f"wrk.body = [==[{scenario.body.decode()}]==]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


def _wrk(
    wrk: str,
    port: int,
    scenario: Scenario,
    seconds: float,
    connections: int,
    tmp: Path,
    cpus: set[int] | None = None,
) -> float:
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s"]
    script = _script(scenario, tmp)
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{scenario.url}")
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
        preexec_fn=_pinned(cpus),
    )
    rps = _RPS.search(out.stdout)
    if rps is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{out.stdout}\n{out.stderr}")
    errors = _ERRORS.search(out.stdout)
    if errors is not None and any(int(n) for n in errors.groups()[1:]):
        raise RuntimeError(f"wrk saw socket errors:\n{out.stdout}")
    bad = _NON_2XX.search(out.stdout)
    if scenario.status < 400 and bad is not None and int(bad.group(1)):
        raise RuntimeError(f"{scenario.key}: wrk got non-2xx answers:\n{out.stdout}")
    return float(rps.group(1))


class Server:
    """One app under gunicorn (one sync worker) on a free port of 127.0.0.1.

    Args:
        target: gunicorn's application target (``benchmarks.apps:heron_app()``).
        folder: Where the server's log goes.
        cpus: The CPUs gunicorn (master and worker) may run on; None: any.
    """

    def __init__(self, target: str, folder: Path, cpus: set[int] | None = None) -> None:
        self.port = _free_port()
        self.log = folder / f"gunicorn-{self.port}.log"
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=1",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            "--log-level=warning",
            target,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_pinned(cpus),
            )
        try:
            _wait(self.port, self.proc, self.log)
        except BaseException:
            self.stop()
            raise

    def check(self, keys: Iterable[str]) -> None:
        """Check the server's answer to each scenario over HTTP.

        Raises:
            AssertionError: On a wrong answer.
        """
        for key in keys:
            check(SCENARIOS[key], _fetch(self.port, SCENARIOS[key]))

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL after 10 s)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def requests_per_second(
    apps: Iterable[tuple[str, str, Sequence[str]]],
    *,
    seconds: float,
    rounds: int = 3,
    connections: int = 8,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Serve every app, check it over HTTP, then load each (app, scenario) with wrk.

    All servers start first; the wrk runs are interleaved over ``rounds``
    rounds (one run at a time: they would share the cores), grouped by
    scenario so that the apps compared on it run back to back, in reverse
    order every other round so that no app always follows the same one. An
    idle server costs nothing. Servers and ``wrk`` run on separate CPUs where
    :func:`cpu_split` finds them.

    Args:
        apps: (app name, gunicorn target, scenario keys) triples.
        seconds: wrk's duration per run.
        rounds: Runs per (app, scenario); the median is reported.
        connections: wrk's open connections.
        progress: Called with a line of text as each round ends.

    Returns:
        App name → scenario → ``{"median": req/s, "samples": [req/s per round]}``.

    Raises:
        AssertionError: If a server answers a scenario wrongly.
        RuntimeError: If wrk is missing, gunicorn fails to start, or wrk sees errors.
    """
    wrk = available()
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    todo = list(apps)
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="heron-wrk-") as folder:
        tmp = Path(folder)
        servers: dict[str, Server] = {}
        split = cpu_split()
        server_cpus, wrk_cpus = split if split is not None else (None, None)
        try:
            for name, target, keys in todo:
                servers[name] = Server(target, tmp, server_cpus)
                servers[name].check(keys)
            runs = [  # grouped by scenario: the apps compared on it run back to back
                (name, key)
                for key in dict.fromkeys(k for _name, _target, keys in todo for k in keys)
                for name, _target, keys in todo
                if key in keys
            ]
            for r in range(rounds):
                for name, key in runs if r % 2 == 0 else runs[::-1]:
                    rps = _wrk(
                        wrk, servers[name].port, SCENARIOS[key], seconds, connections, tmp, wrk_cpus
                    )
                    samples.setdefault((name, key), []).append(rps)
                if progress is not None:
                    progress(f"wrk round {r + 1}/{rounds}")
        finally:
            for server in servers.values():
                server.stop()
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for (name, key), values in samples.items():
        result.setdefault(name, {})[key] = {
            "median": statistics.median(values),
            "samples": values,
        }
    return result
