"""Rate limits in a real Redis: shared by applications, processes and gunicorn workers."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from heron import Api, Request, Resource, response
from heron.extensions.ratelimit import RateLimiter
from tests.conftest import ROOT, free_port, require, require_executable, wait_for_port

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A ``redis-server`` of its own on a free loopback port, nothing saved to disk."""
    server = require_executable("redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="heron-redis-") as tmp:
        log = Path(tmp) / "redis.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", tmp],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                wait_for_port(port, proc, log)
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                proc.terminate()
                proc.wait(timeout=10)


@pytest.fixture
def redis(redis_url: str) -> Iterator[Any]:
    redis_module = pytest.importorskip("redis")
    client = redis_module.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


def make_api(limiter: RateLimiter) -> Api:
    api = Api()

    @api.route("/pets")
    class Pets(Resource):
        @response(200)
        def get(self, req: Request) -> Any:
            return []

    api.register_extension(limiter)
    return api


def statuses(api: Api, count: int) -> list[int]:
    client = api.test_client()
    return [client.get("/pets").status_code for _ in range(count)]


@pytest.mark.parametrize("strategy", ["moving-window", "fixed-window", "sliding-window-counter"])
def test_redis_counts_like_memory(redis: Any, redis_url: str, strategy: str) -> None:
    api = make_api(RateLimiter("3/minute", storage=redis_url, strategy=strategy))
    assert statuses(api, 5) == [200, 200, 200, 429, 429]
    refused = api.test_client().get("/pets")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit"].startswith('"default";r=0;t=')


def test_two_applications_share_one_quota(redis: Any, redis_url: str) -> None:
    """As two processes would: each has its own limiter, the counts are Redis's."""
    first = make_api(RateLimiter("4/minute", storage=redis_url))
    second = make_api(RateLimiter("4/minute", storage=redis_url))
    assert statuses(first, 2) + statuses(second, 2) == [200] * 4
    assert statuses(first, 1) + statuses(second, 1) == [429, 429]
    other_app = make_api(RateLimiter("4/minute", storage=redis_url, key_prefix="other"))
    assert statuses(other_app, 1) == [200]  # its own prefix, its own counts


def test_keys_in_redis_are_prefixed_and_hashed(redis: Any, redis_url: str) -> None:
    api = make_api(RateLimiter("5/minute", storage=redis_url, key=lambda req: "secret-token"))
    statuses(api, 1)
    keys = [key.decode() for key in redis.keys("*")]
    assert len(keys) == 1
    assert "/heron/default/" in keys[0]
    assert "secret" not in keys[0]


def test_a_stopped_redis_is_a_503(redis_url: str) -> None:
    port = free_port()
    api = make_api(RateLimiter("5/minute", storage=f"redis://127.0.0.1:{port}/0"))
    assert statuses(api, 1) == [503]


# -- gunicorn, 4 worker processes, one quota -----------------------------------------------


def test_gunicorn_workers_enforce_one_shared_limit(redis: Any, redis_url: str) -> None:
    """Requests on new connections to 4 sync workers: the quota is one, not one per worker."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    require(gunicorn.exists(), "gunicorn is not installed in the virtual environment")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(gunicorn), "--workers", "4", "--worker-class", "sync",
           "--bind", f"127.0.0.1:{port}", "tests.apps_ratelimit:api"]  # fmt: skip
    env = {**os.environ, "HERON_TEST_REDIS": redis_url}
    with tempfile.TemporaryDirectory(prefix="heron-gunicorn-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                wait_for_port(port, proc, log)
                # 20 sequential requests, each on a fresh connection.
                sequential = [_fresh_get(f"{base}/ping", log) for _ in range(20)]
                # 12 at a time on 12 connections: 4 workers must share them.
                with ThreadPoolExecutor(12) as pool:
                    concurrent = list(
                        pool.map(lambda _: _fresh_get(f"{base}/slow", log), range(12))
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        assert log.read_text().count("Booting worker") == 4

    assert [a.status_code for a in sequential] == [200] * 10 + [429] * 10
    assert sequential[0].headers["ratelimit"] == '"default";r=9;t=60'
    assert [a.headers["ratelimit"].split(";")[1] for a in sequential[:10]] == [
        f"r={left}" for left in range(9, -1, -1)
    ]
    for refused in sequential[10:]:
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["ratelimit"].startswith('"default";r=0;t=')
        assert refused.json()["violated-policies"] == ["default"]
    assert sorted(a.status_code for a in concurrent) == [200] * 6 + [429] * 6
    workers = {a.headers["x-worker"] for a in sequential + concurrent}
    assert len(workers) > 1, "one worker answered everything: nothing was shared"


def _fresh_get(url: str, log: Path) -> httpx.Response:
    with httpx.Client(timeout=10) as client:  # a new connection each time
        try:
            return client.get(url)
        except httpx.HTTPError as exc:
            raise AssertionError(f"{exc}; the server said:\n{log.read_text()}") from exc
