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


def _postgres_bindir() -> Path | None:
    """Return the directory of PostgreSQL's server programs (``initdb``, ``postgres``).

    Debian keeps them out of PATH, in ``/usr/lib/postgresql/<major>/bin``.
    """
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    candidates.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return candidates[-1] if candidates else None


@contextmanager
def postgres_server(database: str = "heron") -> Iterator[str]:
    """Run a throwaway PostgreSQL server on 127.0.0.1 (a free port); yield its URL.

    ``initdb`` makes a cluster in a temporary directory (trust authentication,
    reachable only on the loopback interface and a socket in that directory),
    ``postgres`` serves it with durability off, and ``database`` is created.
    PostgreSQL refuses to run as root: as root, both run as the ``postgres``
    user (``runuser``), which owns the directory. The server is stopped and the
    directory removed afterwards. Skips (fails under CI=true) without Debian's
    ``postgresql`` package.
    """
    import psycopg

    bindir = _postgres_bindir()
    require(bindir is not None, "PostgreSQL is not installed (Debian package: postgresql)")
    assert bindir is not None
    prefix: list[str] = []
    owner: tuple[int, int] | None = None
    if os.geteuid() == 0:
        import pwd

        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            entry = None
        require(entry is not None, "running as root needs the 'postgres' user to run PostgreSQL")
        assert entry is not None
        require(shutil.which("runuser") is not None, "runuser is not installed (util-linux)")
        prefix = ["runuser", "-u", "postgres", "--"]
        owner = (entry.pw_uid, entry.pw_gid)
    tmp = Path(tempfile.mkdtemp(prefix="heron-postgres-"))
    data = tmp / "data"
    log = tmp / "postgres.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        if owner is not None:
            os.chown(tmp, *owner)
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "heron", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*prefix, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={tmp}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(port, proc, log, timeout=60)
        admin = f"postgresql://heron@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 60
        while True:  # accepting connections is not yet accepting sessions
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{database}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(log.read_text(errors="replace")) from None
                time.sleep(0.1)
        yield f"postgresql://heron@127.0.0.1:{port}/{database}"
    finally:
        if proc is not None:
            if proc.poll() is None:
                subprocess.run(
                    [*prefix, str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"],
                    capture_output=True, timeout=60,
                )  # fmt: skip
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
