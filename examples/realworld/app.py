"""The Conduit application (RealWorld API 2.0.0) under ``/api``.

``app`` serves the database ``DATABASE_URL`` names (PostgreSQL), else the
SQLite file ``CONDUIT_DB`` (default: ``conduit.sqlite3`` in the current
directory); :func:`create_app` builds one for any database.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BaseConverter

from heron import CORS, Api

from .articles import articles, favorites_bp
from .auth import Accounts, Passwords, Tokens, token_auth
from .comments import comments
from .database import Database, database_url
from .errors import GenericErrorSchema, conflict_from_integrity_error, realworld_errors
from .profiles import profiles
from .tags import tags
from .users import users

__all__ = ["app", "create_app"]

DESCRIPTION = """\
Conduit, a Medium-like blogging platform: the [RealWorld](https://realworld-docs.netlify.app/)
API, version 2.0.0, written with Heron.

Protected operations take `Authorization: Token <jwt>`, the token that
`POST /api/users` and `POST /api/users/login` return. Errors are RealWorld's
`{"errors": {"<field or resource>": ["<message>"]}}`.
"""
#: How long a token is valid.
TOKEN_LIFETIME = dt.timedelta(days=30)
#: Largest request content read, in bytes; more is a 413.
MAX_CONTENT_LENGTH = 1024 * 1024


class NameConverter(BaseConverter):
    """A path segment naming a user or an article: no control characters.

    A NUL or control character in a username or slug could not match anything
    stored, and PostgreSQL refuses NUL in text: such a URL is simply not found.
    """

    regex = r"[^/\x00-\x1f\x7f]+"
    openapi_schema = {"type": "string"}


def create_app(
    database: str | None = None, *, secret: str | None = None, passwords: Passwords | None = None
) -> Api:
    """Build the Conduit application.

    Args:
        database: A SQLAlchemy URL; defaults to ``$DATABASE_URL``, then the
            SQLite file ``$CONDUIT_DB``, then ``conduit.sqlite3`` in the current
            directory (see :func:`.database.database_url`). The schema is
            created on the first request.
        secret: The key signing tokens; defaults to ``$JWT_SECRET``, then a
            random key made on first use and kept in the database, so every
            process serving it agrees.
        passwords: How passwords are hashed; defaults to Werkzeug's scrypt
            with its default work factor.

    Returns:
        The application.
    """
    key = secret or os.environ.get("JWT_SECRET")
    db = Database(database_url(database), secrets=[] if key else ["jwt"])
    api = Api(
        "Conduit",
        "2.0.0",
        description=DESCRIPTION,
        security=[token_auth],
        unknown="exclude",
        format_param=None,
        converters={"name": NameConverter},
        problem_formatter=realworld_errors,
        problem_schema=GenericErrorSchema,
        problem_content_type="application/json",
        max_content_length=MAX_CONTENT_LENGTH,
        info={"license": {"name": "BSD-3-Clause"}},
    )
    # RealWorld is a JSON API: no YAML, and no browsable HTML pages (a browser
    # could not send the token they would need).
    api.remove_media_handler("application/yaml")
    api.remove_media_handler("text/html")
    api.register_extension(db)
    tokens = Tokens(lambda: key or db.secret("jwt"), TOKEN_LIFETIME)
    api.register_extension(Accounts(tokens, passwords or Passwords()))
    # Browser front ends on any origin may call the API: it authenticates with
    # a header, never a cookie, so no credentials mode is needed.
    api.register_extension(CORS(origins="*", max_age=600))
    api.error_handler(IntegrityError)(conflict_from_integrity_error)
    for blueprint in (users, profiles, articles, favorites_bp, comments, tags):
        api.register_blueprint(blueprint)
    return api


app = create_app()
