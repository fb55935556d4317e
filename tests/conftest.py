"""Shared fixtures: real servers on 127.0.0.1 and the rules for optional parts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
#: Flags for Debian's headless Chromium: no sandbox (root in containers), nothing
#: fetched from the network behind the test's back.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


def require(condition: bool, reason: str) -> None:
    """Skip when a real part is missing, but fail under CI=true (where .ci/run installs it)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run must install it)")
    pytest.skip(reason)


def require_executable(name: str) -> str:
    """Return the path of an executable, skipping (or failing under CI) when absent."""
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed")
    assert path is not None
    return path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes], log: Path | None = None, timeout: float = 20.0
) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(errors="replace") if log else ""
            raise RuntimeError(f"server exited with {proc.returncode}:\n{out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@contextmanager
def heron_server(app: str, env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> Iterator[str]:
    """Run ``heron run --app APP`` on a free loopback port; yield its base URL.

    The server's output goes to a temporary log file (never a pipe that could
    fill up and block it); it is shown if the server fails to start.
    """
    port = free_port()
    heron = Path(sys.executable).with_name("heron")
    cmd = [str(heron), "run", "--app", app, "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryDirectory(prefix="heron-server-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_for_port(port, proc, log)
                yield f"http://127.0.0.1:{port}"
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
