"""The Petstore application.

``app`` is :func:`create_app` configured from the environment, read when this
module is imported (see ``README.md``):

=========================  =====================================================
``PETSTORE_DB``            The SQLite file (default: ``petstore.sqlite3`` in the
                           current directory).
``PETSTORE_API_KEY``       The key writes need (default: ``petstore-dev-key``).
``PETSTORE_CORS_ORIGINS``  Origins whose pages may call the API: ``*`` (default,
                           any, without credentials) or a comma-separated list.
``PETSTORE_RATE_LIMIT``    Requests per client address (default ``1000/minute``).
``PETSTORE_REDIS_URL``     Where rate limits are counted (default: in memory, per
                           process); ``redis://host:6379/0`` shares them between
                           processes.
=========================  =====================================================
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from heron import CORS, Api
from heron.extensions.ratelimit import RateLimiter
from heron.features.static import mount_static

from .auth import API_KEY_HEADER, ApiKeys
from .pages import ApiKeyPage, HomePage
from .resources import pets_blueprint
from .schemas import MAX_PHOTO_SIZE
from .store import PetStore

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_DB",
    "DEFAULT_RATE_LIMIT",
    "app",
    "cors_origins",
    "create_app",
]

HERE = Path(__file__).resolve().parent
log = logging.getLogger("petstore")

#: Database file used when neither ``db_path`` nor ``PETSTORE_DB`` is given.
DEFAULT_DB = "petstore.sqlite3"
#: The API key when ``PETSTORE_API_KEY`` is not set: for development only.
DEFAULT_API_KEY = "petstore-dev-key"
#: Requests per client address when ``PETSTORE_RATE_LIMIT`` is not set.
DEFAULT_RATE_LIMIT = "1000/minute"
#: Largest request content read, in bytes: a photo and the multipart framing around it.
MAX_CONTENT_LENGTH = MAX_PHOTO_SIZE + 64 * 1024

DESCRIPTION = f"""\
A small pet store: add, list, update and remove pets, and give them a photo.

- **Reads are public; writes need the API key** in the `{API_KEY_HEADER}` header
  (*Authorize* above). Without it they are answered `401`.
- **Pets have ETags**, their version: `If-None-Match` gets `304` while a pet is
  unchanged; a write with `If-Match` gets `412` if the pet changed since it was read.
- **The list is paginated** with `offset` and `limit`; `Link` gives the other pages
  (RFC 8288) and `X-Total-Count` the number of pets.
- **PATCH** takes a JSON Merge Patch (RFC 7396) or a JSON Patch (RFC 6902).
- **Rate limited** per client address: `429` with `Retry-After` over the quota.
- **CORS**: pages from other origins may call the API.

Errors are problem details (RFC 9457) sent as `application/problem+json`.
"""


def cors_origins(value: str | None) -> str | list[str]:
    """Parse ``PETSTORE_CORS_ORIGINS``: ``*`` (or nothing) for any, else a list.

    Args:
        value: ``*`` or origins separated by commas or spaces
            (``https://app.example, http://localhost:3000``).

    Returns:
        ``"*"`` or the list of origins.
    """
    origins = [o for o in (value or "").replace(",", " ").split() if o]
    return "*" if not origins or origins == ["*"] else origins


def create_app(
    db_path: str | os.PathLike[str] | None = None,
    *,
    api_key: str | None = None,
    cors: str | list[str] | None = None,
    rate_limit: str | None = None,
    redis_url: str | None = None,
) -> Api:
    """Build the Petstore application.

    Each setting left as None comes from its environment variable, then its default.

    Args:
        db_path: The SQLite database file (``PETSTORE_DB``; ``petstore.sqlite3``
            in the current directory). Created on first use.
        api_key: The key writes need (``PETSTORE_API_KEY``; :data:`DEFAULT_API_KEY`).
        cors: The origins CORS admits (``PETSTORE_CORS_ORIGINS``; ``"*"``).
        rate_limit: The limit per client address (``PETSTORE_RATE_LIMIT``;
            :data:`DEFAULT_RATE_LIMIT`), e.g. ``"10/minute"`` or ``"5/second;100/hour"``.
        redis_url: Where rate limits are counted (``PETSTORE_REDIS_URL``; in memory).

    Returns:
        The application.

    Raises:
        ValueError: If the rate limit or a CORS origin does not parse.
    """
    env = os.environ
    if db_path is None:
        db_path = env.get("PETSTORE_DB") or Path.cwd() / DEFAULT_DB
    api_key = api_key or env.get("PETSTORE_API_KEY")
    if not api_key:
        log.warning("PETSTORE_API_KEY is not set: writes take the development key")
        api_key = DEFAULT_API_KEY
    if cors is None:
        cors = cors_origins(env.get("PETSTORE_CORS_ORIGINS"))
    rate_limit = rate_limit or env.get("PETSTORE_RATE_LIMIT") or DEFAULT_RATE_LIMIT
    redis_url = redis_url or env.get("PETSTORE_REDIS_URL")

    store = PetStore(db_path)
    keys = ApiKeys(api_key)
    api = Api(
        "Petstore",
        "2.0.0",
        description=DESCRIPTION,
        template_folder=HERE / "templates",
        max_content_length=MAX_CONTENT_LENGTH,
    )
    # Browsers asking for text/html get the browsable API (on by default); JSON
    # stays the default for every other client.
    api.register_blueprint(pets_blueprint(store, keys))
    home = HomePage(store, keys)
    api.add_resource(home, "/", endpoint="home", include_in_schema=False)
    api.add_resource(ApiKeyPage(home), "/api-key", include_in_schema=False)
    mount_static(api, HERE / "static")
    api.register_extension(
        RateLimiter(
            rate_limit,
            storage=redis_url or "memory://",
            storage_options={"socket_timeout": 5} if redis_url else None,
            key_prefix="petstore",
        )
    )
    # Last, so its headers land on the final response (preflights are answered first).
    api.register_extension(CORS(cors, max_age=600))
    return api


app = create_app()
