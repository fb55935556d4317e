"""The caching policy feature (heron.features.caching): one module, through the feature protocol."""

from __future__ import annotations

import http.client
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.http import parse_date

from heron.features.caching import cache_control
from tests.apps_caching import api
from tests.conftest import heron_server


def test_a_2xx_gets_cache_control_and_expires() -> None:
    resp = api.test_client().get("/articles/1")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    expires = parse_date(resp.headers["Expires"])
    assert expires is not None
    assert 55 <= expires.timestamp() - time.time() <= 61


def test_a_304_repeats_the_policy() -> None:
    """RFC 9110 §15.4.5: a 304 sends the Cache-Control the 200 would have sent."""
    client = api.test_client()
    etag = client.get("/articles/1").headers["ETag"]
    resp = client.get("/articles/1", headers={"If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    assert "Expires" in resp.headers


def test_errors_get_no_policy() -> None:
    resp = api.test_client().get("/articles/9")
    assert resp.status_code == 404
    assert "Cache-Control" not in resp.headers
    assert "Expires" not in resp.headers


def test_the_handlers_own_cache_control_wins() -> None:
    client = api.test_client()
    assert client.get("/own").headers["Cache-Control"] == "no-store"
    private = client.get("/private")
    assert private.headers["Cache-Control"] == "private, no-cache"
    assert private.headers["X-Kind"] == "private"
    assert "Expires" not in private.headers


def test_the_spec_documents_the_headers() -> None:
    ok = api.openapi()["paths"]["/articles/{article_id}"]["get"]["responses"]["200"]
    assert ok["headers"]["Cache-Control"]["schema"]["example"] == (
        "public, max-age=60, stale-while-revalidate=30"
    )
    assert "Expires" in ok["headers"]
    assert "ETag" in ok["headers"]  # beside what @conditional documents


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_age": -1}, "whole seconds"),
        ({"max_age": 1.5}, "whole seconds"),
        ({"public": True, "private": True}, "contradict"),
        ({"no_store": True, "max_age": 10}, "stores nothing"),
        ({"immutable": True}, "need max_age"),
        ({"expires": True}, "need max_age"),
        ({}, "at least one directive"),
    ],
)
def test_inconsistent_policies_are_refused_when_declared(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cache_control(**options)


@pytest.mark.live
def test_the_policy_over_http() -> None:
    with heron_server("tests.apps_caching:api") as base:
        url = urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
        try:
            conn.request("GET", "/articles/1")
            first = conn.getresponse()
            first.read()
            assert first.status == 200
            assert first.getheader("Cache-Control") == (
                "public, max-age=60, stale-while-revalidate=30"
            )
            conn.request("GET", "/articles/1", headers={"If-None-Match": first.getheader("ETag")})
            again = conn.getresponse()
            assert again.read() == b""
            assert again.status == 304
            assert again.getheader("Cache-Control") == first.getheader("Cache-Control")
        finally:
            conn.close()
