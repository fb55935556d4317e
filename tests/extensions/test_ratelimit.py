"""Rate limiting in memory: 429 with Retry-After (RFC 6585 §4), the RateLimit fields (draft-11)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from openapi_spec_validator import validate

from heron import Api, Blueprint, Request, Resource, response
from heron.extensions.ratelimit import QUOTA_EXCEEDED, LimitStatus, RateLimiter
from tests.conftest import free_port

PROBLEM = "application/problem+json"


class FakeClock:
    """``time.time`` under the test's control (limits' memory storage reads it too)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_000_000.0
        monkeypatch.setattr(time, "time", lambda: self.now)


def make_api(limiter: RateLimiter, *, pets_limit: str | None = None) -> Api:
    api = Api("Limited", "1.0.0")

    @api.route("/pets")
    class Pets(Resource):
        @response(200)
        def get(self, req: Request) -> Any:
            """List pets."""
            return {"limits": [s.policy.name for s in getattr(req.state, "rate_limits", [])]}

        @limiter.limit("2/minute", policy="writes")
        @response(201)
        def post(self, req: Request) -> Any:
            """Add a pet."""
            return {}, 201

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        @limiter.limit("2/minute", policy="writes")  # the same policy: one quota
        @response(204)
        def delete(self, req: Request, pet_id: int) -> None:
            """Delete a pet."""

    @api.route("/health")
    class Health(Resource):
        @limiter.exempt
        @response(200)
        def get(self, req: Request) -> Any:
            """Say the service is up."""
            return {"ok": True}

    @api.route("/search")
    class Search(Resource):
        @limiter.limit("1/second;3/minute", key=lambda req: req.headers.get("X-API-Key"))
        @response(200)
        def get(self, req: Request) -> Any:
            """Search, by API key."""
            return []

    store = Blueprint("store", url_prefix="/store")

    @store.route("/orders")
    class Orders(Resource):
        @response(200)
        def get(self, req: Request) -> Any:
            """List orders."""
            return []

    @store.route("/inventory")
    class Inventory(Resource):
        @response(200)
        def get(self, req: Request) -> Any:
            """Count the inventory."""
            return {}

    if pets_limit:
        limiter.limit_blueprint(store, pets_limit)
    api.register_blueprint(store)
    api.register_extension(limiter)
    return api


def get(api: Api, path: str, address: str = "192.0.2.1", **kwargs: Any) -> Any:
    return api.test_client().get(path, environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_requests_over_the_quota_get_429_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(monkeypatch)
    api = make_api(RateLimiter("3/minute"))
    # Requests at t=0, 10, 20: the quota has room again when the first leaves, at t=60.
    for left, wait in ((2, 60), (1, 50), (0, 40)):
        resp = get(api, "/pets")
        assert resp.status_code == 200
        assert resp.headers["RateLimit-Policy"] == '"default";q=3;w=60'
        assert resp.headers["RateLimit"] == f'"default";r={left};t={wait}'
        clock.now += 10
    resp = get(api, "/pets")
    assert resp.status_code == 429
    assert resp.mimetype == PROBLEM
    # t=30: the first request leaves the window 30 s from now.
    assert resp.headers["Retry-After"] == "30"
    assert resp.headers["RateLimit"] == '"default";r=0;t=30'
    assert resp.json == {
        "type": QUOTA_EXCEEDED,
        "title": "Quota Exceeded",
        "status": 429,
        "detail": "Over the quota of policy 'default': 3 requests per 60 seconds."
        " Retry in 30 seconds.",
        "instance": "/pets",
        "violated-policies": ["default"],
    }


def test_the_moving_window_frees_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """No more than q requests in any w seconds: no burst of 2q across a window boundary."""
    clock = FakeClock(monkeypatch)
    api = make_api(RateLimiter("2/minute"))
    assert get(api, "/pets").status_code == 200  # t=0
    clock.now += 50
    assert get(api, "/pets").status_code == 200  # t=50
    clock.now += 5
    assert get(api, "/pets").headers["Retry-After"] == "5"  # t=55: until t=60
    clock.now += 6
    assert get(api, "/pets").status_code == 200  # t=61: the first one left
    refused = get(api, "/pets")  # t=61: the second leaves at t=110
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "49")


def test_each_client_has_its_own_quota() -> None:
    api = make_api(RateLimiter("1/minute"))
    assert get(api, "/pets", "192.0.2.1").status_code == 200
    assert get(api, "/pets", "192.0.2.1").status_code == 429
    assert get(api, "/pets", "192.0.2.2").status_code == 200


def test_the_app_limit_covers_every_documented_operation() -> None:
    api = make_api(RateLimiter("2/minute"))
    assert get(api, "/pets").status_code == 200
    assert get(api, "/store/orders").status_code == 200
    assert get(api, "/store/inventory").status_code == 429


def test_spec_docs_and_exempt_operations_are_not_limited() -> None:
    api = make_api(RateLimiter("1/minute"))
    for _ in range(3):
        assert get(api, "/openapi.json").status_code == 200
        assert get(api, "/docs").status_code == 200
        resp = get(api, "/health")
        assert resp.status_code == 200
        assert "RateLimit" not in resp.headers


def test_a_blueprint_limit_is_one_quota_for_its_operations() -> None:
    api = make_api(RateLimiter(), pets_limit="2/minute")
    assert get(api, "/store/orders").headers["RateLimit"] == '"store";r=1;t=60'
    assert get(api, "/store/inventory").status_code == 200
    resp = get(api, "/store/orders")
    assert resp.status_code == 429
    assert resp.json["violated-policies"] == ["store"]
    assert "RateLimit" not in get(api, "/pets").headers  # not in the blueprint


def test_operation_limits_add_to_the_app_limit_and_share_by_policy_name() -> None:
    api = make_api(RateLimiter("100/minute"))
    client = api.test_client()
    first = client.post("/pets")
    assert first.status_code == 201
    assert first.headers["RateLimit-Policy"] == '"default";q=100;w=60, "writes";q=2;w=60'
    assert first.headers["RateLimit"] == '"default";r=99;t=60, "writes";r=1;t=60'
    assert client.delete("/pets/1").status_code == 204  # the same "writes" quota
    refused = client.post("/pets")
    assert refused.status_code == 429
    assert refused.json["violated-policies"] == ["writes"]
    assert get(api, "/pets").status_code == 200  # reads are not writes


def test_several_windows_and_a_key_function() -> None:
    api = make_api(RateLimiter())
    alice = {"X-API-Key": "alice"}
    resp = get(api, "/search", headers=alice)
    assert resp.headers["RateLimit-Policy"] == '"getSearch-1s";q=1;w=1, "getSearch-60s";q=3;w=60'
    assert get(api, "/search", headers=alice).status_code == 429  # 1 per second
    assert get(api, "/search", headers={"X-API-Key": "bob"}).status_code == 200
    for _ in range(3):  # no API key: the key function says "not limited"
        resp = get(api, "/search")
        assert resp.status_code == 200
        assert "RateLimit" not in resp.headers


def test_handlers_see_the_statuses() -> None:
    api = make_api(RateLimiter("5/minute"))
    assert get(api, "/pets").json == {"limits": ["default"]}


def test_head_counts_and_options_does_not() -> None:
    api = make_api(RateLimiter("2/minute"))
    client = api.test_client()
    for _ in range(3):
        assert client.options("/pets").status_code == 204
    assert client.head("/pets").status_code == 200
    assert client.get("/pets").status_code == 200
    assert client.head("/pets").status_code == 429


def test_headers_can_be_kept_private() -> None:
    api = make_api(RateLimiter("1/minute", headers=False))
    assert "RateLimit" not in get(api, "/pets").headers
    refused = get(api, "/pets")
    assert refused.status_code == 429
    assert "RateLimit" not in refused.headers
    assert int(refused.headers["Retry-After"]) >= 1
    responses = api.openapi()["paths"]["/pets"]["get"]["responses"]
    assert set(responses["429"]["headers"]) == {"Retry-After"}
    assert "headers" not in responses["200"]


@pytest.mark.parametrize("strategy", ["moving-window", "fixed-window", "sliding-window-counter"])
def test_every_strategy_refuses_over_the_quota(strategy: str) -> None:
    api = make_api(RateLimiter("3/minute", strategy=strategy))
    statuses = [get(api, "/pets").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_the_quota_holds_under_threads() -> None:
    """100 requests from 10 threads at once: exactly 10 get through."""
    limiter = RateLimiter("10/minute")
    api = make_api(limiter)
    results: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(10)

    def worker() -> None:
        client = api.test_client()
        start.wait()
        for _ in range(10):
            code = client.get("/pets").status_code
            with lock:
                results[code] += 1

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {200: 10, 429: 90}


def test_keys_are_hashed_before_they_are_stored() -> None:
    limiter = RateLimiter("5/minute")
    api = make_api(limiter)
    get(api, "/search", headers={"X-API-Key": "s3cret-api-key"})
    stored = " ".join(limiter.storage.events)  # type: ignore[attr-defined]
    assert stored
    assert "s3cret" not in stored


def test_reset_forgets_every_count() -> None:
    limiter = RateLimiter("1/minute")
    api = make_api(limiter)
    assert get(api, "/pets").status_code == 200
    assert get(api, "/pets").status_code == 429
    limiter.reset()
    assert get(api, "/pets").status_code == 200


def test_an_unreachable_storage_is_a_503_or_lets_requests_through() -> None:
    pytest.importorskip("redis")
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    closed = make_api(RateLimiter("5/minute", storage=url))
    resp = get(closed, "/pets")
    assert resp.status_code == 503
    assert resp.mimetype == PROBLEM
    assert resp.json["detail"] == "Rate limits cannot be checked right now; try again later."
    open_ = make_api(RateLimiter("5/minute", storage=url, fail_open=True))
    resp = get(open_, "/pets")
    assert resp.status_code == 200
    assert "RateLimit" not in resp.headers


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("lots",), {}, "couldn't parse"),
        (("1/minute",), {"strategy": "token-bucket"}, "strategy must be one of"),
        (("1/minute;5 per minute",), {}, "same window"),
        (("1/minute",), {"policy": "zurück"}, "printable ASCII"),
        (("1/minute",), {"storage": "async+memory://"}, "asyncio storage"),
    ],
)
def test_bad_declarations_fail_at_once(args: Any, kwargs: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimiter(*args, **kwargs)


def test_limit_needs_a_limit() -> None:
    with pytest.raises(ValueError, match="at least one limit"):
        RateLimiter().limit()


def test_policy_names_are_structured_field_strings() -> None:
    limiter = RateLimiter("1/minute", policy='say "hi" \\o/')
    (policy,) = limiter._app
    assert policy.field == '"say \\"hi\\" \\\\o/";q=1;w=60'
    assert LimitStatus(policy, True, 0, 5).field == '"say \\"hi\\" \\\\o/";r=0;t=5'


# -- the OpenAPI document ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_limited_operations_document_429_and_the_fields(version: str) -> None:
    api = make_api(RateLimiter("100/minute"), pets_limit="10/minute")
    spec = api.openapi(version)
    validate(spec)
    paths = spec["paths"]
    post = paths["/pets"]["post"]["responses"]
    assert list(post) == sorted(post)
    too_many = post["429"]
    assert too_many["description"].startswith(
        "Too Many Requests: over the quota of a policy: `default` (100 per 60 s),"
        " `writes` (2 per 60 s)."
    )
    assert set(too_many["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy"}
    assert too_many["headers"]["RateLimit-Policy"]["example"] == (
        '"default";q=100;w=60, "writes";q=2;w=60'
    )
    assert PROBLEM in too_many["content"]
    assert set(post["201"]["headers"]) == {"RateLimit", "RateLimit-Policy"}
    orders = paths["/store/orders"]["get"]["responses"]
    assert "`store` (10 per 60 s)" in orders["429"]["description"]
    assert "429" not in paths["/health"]["get"]["responses"]


def test_unlimited_apps_document_no_429() -> None:
    api = make_api(RateLimiter())
    paths = api.openapi()["paths"]
    assert "429" not in paths["/pets"]["get"]["responses"]
    assert "429" in paths["/pets"]["post"]["responses"]


def test_a_storage_instance_and_stacked_declarations() -> None:
    """Two limits on one handler, and a second limiter whose limits are its own."""
    from limits.storage import MemoryStorage

    limiter = RateLimiter(storage=MemoryStorage())
    other = RateLimiter()
    api = Api()

    @api.route("/items")
    class Items(Resource):
        @limiter.limit("2/second", policy="burst")
        @limiter.limit("3/minute", policy="steady")
        @other.limit("1/minute", policy="elsewhere")
        @response(429, description="Slow down.")
        @response(200)
        def get(self, req: Request) -> Any:
            return []

    api.register_extension(limiter)
    resp = get(api, "/items")
    assert resp.headers["RateLimit-Policy"] == '"steady";q=3;w=60, "burst";q=2;w=1'
    assert get(api, "/items").status_code == 200  # "elsewhere" is not this limiter's
    assert get(api, "/items").json["violated-policies"] == ["burst"]
    documented = api.openapi()["paths"]["/items"]["get"]["responses"]["429"]
    assert documented["description"] == "Slow down."  # the handler's own words stay
    assert set(documented["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy"}


def test_extensions_never_add_headers_beside_a_component_reference() -> None:
    """Extensions document operations through ``document_operation``, as any extension may."""
    from heron.core.operations import ResponseSpec

    class Documents404:
        name = "documents-404"

        def init_app(self, api: Api) -> None:
            pass

        def document_operation(self, route: Any, operation: Any, doc: Any) -> None:
            doc.add_responses([ResponseSpec(404, headers={"X-Trace": "A trace id."})])

    api = Api()

    @api.route("/pets/<int:pet_id>")
    class Pet(Resource):
        @response(200)
        def get(self, req: Request, pet_id: int) -> Any:
            return {}

    @api.route("/pets")
    class Pets(Resource):
        @response(200)
        def get(self, req: Request) -> Any:
            return []

    api.register_extension(Documents404())
    paths = api.openapi()["paths"]
    assert paths["/pets/{pet_id}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NotFound"
    }
    assert paths["/pets"]["get"]["responses"]["404"]["headers"]["X-Trace"] == {
        "description": "A trace id.",
        "schema": {"type": "string"},
    }
