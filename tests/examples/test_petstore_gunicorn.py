"""The Petstore under gunicorn: 4 sync workers, one rate limit counted in a real Redis.

``redis-server`` (Debian package ``redis-server``) is started by the test on a
free loopback port (the fixture of :mod:`test_ratelimit_redis`); gunicorn serves
``examples.petstore.app:app`` with ``PETSTORE_REDIS_URL`` pointing at it and a
small ``PETSTORE_RATE_LIMIT``. Every request goes on a fresh connection, so the
workers share them; gunicorn's access log names the worker process that
answered each one. Whatever the worker, the quota is one: exactly N requests
succeed, sequentially and concurrently, and the rest get 429 with
``Retry-After``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ROOT, free_port, require, wait_for_port
from tests.extensions.test_ratelimit_redis import redis, redis_url

__all__ = ["redis", "redis_url"]  # the fixtures, shared with test_ratelimit_redis

pytestmark = pytest.mark.live

KEY = "gunicorn-test-key"
LIMIT = 10
QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded"


@contextmanager
def gunicorn(tmp_path: Path, redis_url: str) -> Iterator[tuple[str, Path]]:
    """Serve the Petstore with 4 sync workers; yield its URL and the access log."""
    executable = Path(sys.executable).with_name("gunicorn")
    require(executable.exists(), "gunicorn is not installed in the virtual environment")
    port = free_port()
    access = tmp_path / "access.log"
    log = tmp_path / "gunicorn.log"
    cmd = [
        str(executable),
        "--workers", "4",
        "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", str(access),
        "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",  # <pid> status method path
        "examples.petstore.app:app",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PETSTORE_DB": str(tmp_path / "pets.db"),
        "PETSTORE_API_KEY": KEY,
        "PETSTORE_REDIS_URL": redis_url,
        "PETSTORE_RATE_LIMIT": f"{LIMIT}/minute",
        "PETSTORE_CORS_ORIGINS": "",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, proc, log)
            yield f"http://127.0.0.1:{port}", access
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert log.read_text().count("Booting worker") == 4, log.read_text()


def fresh(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request on a connection of its own (sync workers take one at a time)."""
    with httpx.Client(timeout=20) as client:
        return client.request(method, url, **kwargs)


def workers(access: Path) -> Counter[str]:
    """Count the requests each worker process answered, from the access log."""
    return Counter(re.findall(r"^<(\d+)> ", access.read_text(), flags=re.MULTILINE))


def assert_refused(resp: httpx.Response) -> None:
    assert resp.status_code == 429, resp.text
    assert 1 <= int(resp.headers["retry-after"]) <= 60
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["ratelimit"].startswith('"default";r=0;t=')
    problem = resp.json()
    assert problem["type"] == QUOTA_EXCEEDED
    assert problem["violated-policies"] == ["default"]


def test_four_workers_enforce_one_shared_limit(redis: Any, redis_url: str, tmp_path: Path) -> None:
    with gunicorn(tmp_path, redis_url) as (base, access):
        # Sequential reads, each on a fresh connection: 10 answered, then 429s.
        sequential = [fresh("GET", f"{base}/pets") for _ in range(2 * LIMIT)]
        assert [r.status_code for r in sequential] == [200] * LIMIT + [429] * LIMIT
        assert [r.headers["ratelimit"].split(";")[1] for r in sequential[:LIMIT]] == [
            f"r={left}" for left in range(LIMIT - 1, -1, -1)
        ]
        assert sequential[0].headers["ratelimit-policy"] == f'"default";q={LIMIT};w=60'
        for refused in sequential[LIMIT:]:
            assert_refused(refused)
        # Writes without the key are refused before they count (401, not 429).
        assert fresh("POST", f"{base}/pets", json={"name": "Rex"}).status_code == 401

        # A new window (the counts are Redis's: empty it), then 24 writes at once.
        redis.flushdb()
        with ThreadPoolExecutor(12) as pool:
            concurrent = list(
                pool.map(
                    lambda i: fresh(
                        "POST",
                        f"{base}/pets",
                        json={"name": f"pet {i}", "tag": "burst"},
                        headers={"X-API-Key": KEY},
                    ),
                    range(24),
                )
            )
        statuses = Counter(r.status_code for r in concurrent)
        assert statuses == {201: LIMIT, 429: 24 - LIMIT}, statuses
        for refused in (r for r in concurrent if r.status_code == 429):
            assert_refused(refused)
        created = sorted(r.json()["id"] for r in concurrent if r.status_code == 201)
        assert created == list(range(1, LIMIT + 1))  # every write of the quota, once
        answered = workers(access)

    # Exactly the pets the quota let through were written, by several processes.
    with sqlite3.connect(tmp_path / "pets.db") as conn:
        rows = conn.execute("SELECT id, name, version FROM pets ORDER BY id").fetchall()
    assert [row[0] for row in rows] == created
    assert {row[2] for row in rows} == {1}
    assert sum(answered.values()) == 2 * LIMIT + 1 + 24
    assert len(answered) > 1, f"one worker answered everything: {answered}"
    # The quota lives in Redis under the Petstore's prefix, the client hashed.
    keys = [key.decode() for key in redis.keys("*")]
    assert keys and all("/petstore/default/" in key for key in keys), keys
    assert not any("127.0.0.1" in key for key in keys)
