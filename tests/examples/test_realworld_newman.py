"""The official RealWorld Postman collection, run by newman against the Conduit example.

Two deployments: (a) ``heron run`` (Werkzeug's threaded development server) on
an SQLite file, (b) gunicorn with 4 sync workers on a real PostgreSQL started
for the test. Success is read from newman's JSON report (no failed assertion,
no failure of any kind, every request of the collection executed), not only
from its exit code.

The collection is third-party test data kept outside the repository, in
``../shared/realworld`` (see its README); newman comes from
``tests/realworld/node_modules`` (``npm ci --prefix tests/realworld``) or PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, free_port, heron_server, postgres_server, require, wait_for_port

APP = "examples.realworld.app:app"
SHARED = ROOT.parent / "shared" / "realworld"
COLLECTION = SHARED / "v1-postman" / "Conduit.postman_collection.json"
LOCAL_NEWMAN = ROOT / "tests" / "realworld" / "node_modules" / ".bin" / "newman"

pytestmark = [pytest.mark.live, pytest.mark.external]


def collection() -> Path:
    """Return the collection's path, skipping (failing under CI) where ../shared is absent."""
    require(
        COLLECTION.exists(),
        f"the RealWorld collection is absent ({COLLECTION}): it lives in ../shared/realworld,"
        " outside the repository",
    )
    return COLLECTION


def newman() -> str:
    """Return newman: the pinned one (``npm ci --prefix tests/realworld``), else PATH's."""
    if LOCAL_NEWMAN.exists():
        return str(LOCAL_NEWMAN)
    found = shutil.which("newman")
    require(
        found is not None,
        "newman is not installed: run `npm ci --prefix tests/realworld` (Node.js and npm needed)",
    )
    assert found is not None
    return found


def requests_in(items: list[dict[str, Any]]) -> int:
    """Count the requests of a collection's (nested) items."""
    return sum(requests_in(i["item"]) if "item" in i else 1 for i in items)


def run_newman(api_url: str, workdir: Path) -> dict[str, Any]:
    """Run the whole collection once against ``api_url`` with a fresh user; return the report.

    Asserts that the JSON report shows every request executed, no failed
    assertion and no failure at all (scripts, requests), and that newman exited 0.
    """
    path = collection()
    user = "u" + uuid.uuid4().hex[:12]
    report = workdir / f"newman-{user}.json"
    cmd = [
        newman(), "run", str(path),
        "--global-var", f"APIURL={api_url}",
        "--global-var", f"USERNAME={user}",
        "--global-var", f"EMAIL={user}@mail.com",
        "--global-var", "PASSWORD=password",
        "--reporters", "cli,json",
        "--reporter-json-export", str(report),
        "--color", "off",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.monotonic() - started
    output = done.stdout[-6000:] + done.stderr[-2000:]
    assert report.exists(), f"newman wrote no report (exit {done.returncode}):\n{output}"
    run: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))["run"]
    stats = run["stats"]
    expected = requests_in(json.loads(path.read_text(encoding="utf-8"))["item"])
    assert stats["requests"]["total"] == expected, output
    assert stats["requests"]["failed"] == 0, output
    assert stats["assertions"]["total"] > 0, output
    assert stats["assertions"]["failed"] == 0, output
    assert run["failures"] == [], output
    assert done.returncode == 0, output
    timings = run["timings"]
    print(
        f"\nnewman on {api_url}: {stats['assertions']['total']} assertions,"
        f" {stats['assertions']['failed']} failed, {stats['requests']['total']} requests;"
        f" run {timings['completed'] - timings['started']} ms"
        f" (newman process {elapsed:.1f} s)"
    )
    return run


@contextmanager
def gunicorn_server(app: str, env: dict[str, str], workers: int = 4) -> Iterator[tuple[str, Path]]:
    """Serve ``app`` with gunicorn's sync workers on a free port; yield its URL and log.

    The access log names the worker (pid) that answered each request.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    require(gunicorn.exists(), "gunicorn is not installed in the virtual environment")
    port = free_port()
    cmd = [str(gunicorn), "--workers", str(workers), "--worker-class", "sync",
           "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
           "--access-logformat", "worker=%(p)s %(m)s %(U)s %(s)s", app]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="heron-gunicorn-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
            )
            try:
                wait_for_port(port, proc, log)
                yield f"http://127.0.0.1:{port}", log
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_collection_passes_on_the_dev_server_with_sqlite(tmp_path: Path) -> None:
    """(a) ``heron run`` on a fresh SQLite file, created on first use."""
    collection()
    newman()
    db = tmp_path / "conduit.sqlite3"
    env = {"CONDUIT_DB": str(db), "DATABASE_URL": "", "JWT_SECRET": ""}
    with heron_server(APP, env=env) as base:
        run_newman(f"{base}/api", tmp_path)
        run_newman(f"{base}/api", tmp_path)  # again, on the same database
    with sqlite3.connect(db) as conn:
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert users == 4  # each run registers a user and a celebrity
    assert articles == 0  # each run deletes the article it wrote


def test_collection_passes_on_gunicorn_workers_with_postgresql(tmp_path: Path) -> None:
    """(b) gunicorn, 4 sync workers, PostgreSQL: tokens and data shared by every worker.

    One run alone, then two at once on the same server (each with its own
    users, both writing "How to train your dragon": the slugs must differ).
    """
    collection()
    newman()
    import psycopg

    with postgres_server("conduit") as url:
        env = {"DATABASE_URL": url, "JWT_SECRET": ""}
        with gunicorn_server(APP, env) as (base, log):
            run_newman(f"{base}/api", tmp_path)
            with ThreadPoolExecutor(2) as pool:
                runs = list(pool.map(lambda _: run_newman(f"{base}/api", tmp_path), range(2)))
            assert len(runs) == 2
            access = log.read_text(errors="replace")
        with psycopg.connect(url) as conn:
            users = conn.execute("SELECT count(*) FROM users").fetchone()
            secrets = conn.execute("SELECT count(*) FROM secrets").fetchone()
    assert access.count("Booting worker") == 4
    assert "Traceback" not in access
    # Requests that need a token, answered with success, by worker pid: each
    # worker checked tokens signed by whichever worker issued them.
    authed = set(
        re.findall(
            r"worker=<(\d+)> (?:GET /api/user|GET /api/articles/feed"
            r"|(?:POST|PUT|DELETE) /api/(?!users)\S*) 2\d\d",
            access,
        )
    )
    assert len(authed) > 1, access[-2000:]
    assert users == (6,)
    assert secrets == (1,)  # one signing key, made once, shared by the 4 workers
