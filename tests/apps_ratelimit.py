"""An app allowing 10 requests a minute per client, counted in Redis (``tests.apps_ratelimit``).

``HERON_TEST_REDIS`` names the Redis server (``redis://127.0.0.1:PORT/0``);
every worker process of the server counts against the same quota there. Each
response says which worker process sent it (``X-Worker``).
"""

from __future__ import annotations

import os
import time
from typing import Any

from werkzeug.wrappers import Response as WZResponse

from heron import Api, Request, Resource, response
from heron.extensions.ratelimit import RateLimiter

limiter = RateLimiter(
    "10/minute",
    storage=os.environ.get("HERON_TEST_REDIS", "memory://"),
    storage_options={"socket_timeout": 5},
)
api = Api("Limited", "1.0.0")
api.register_extension(limiter)


@api.after_request
def worker(req: Request, resp: WZResponse) -> None:
    resp.headers["X-Worker"] = str(os.getpid())


@api.route("/ping")
class Ping(Resource):
    @response(200)
    def get(self, req: Request) -> Any:
        """Answer at once."""
        return {}


@api.route("/slow")
class Slow(Resource):
    @limiter.exempt
    @limiter.limit("6/minute", policy="slow")
    @response(200)
    def get(self, req: Request) -> Any:
        """Answer after 0.2 s, keeping a worker busy."""
        time.sleep(0.2)
        return {}
