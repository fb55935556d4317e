"""The database: an engine, the schema, and one transaction per request.

:class:`Database` is a Heron extension (``api.register_extension(database)``).
Its hooks give every request its own SQLAlchemy session, as ``req.state.db``:

- ``before_request`` opens it (and creates the schema on the first request);
- ``after_request`` commits when the response is a success and rolls back when
  it is an error, so a request that fails half-way (a 403 after a write, a 422,
  an exception) leaves nothing behind;
- ``teardown_request`` always closes it, which rolls back whatever was not
  committed (an unhandled exception skips the commit).

SQLite is the default: a file, created on first use. Writes take the
database's write lock when their transaction starts (``BEGIN IMMEDIATE``), so
two writers queue up for the busy timeout instead of one failing with
"database is locked" half-way; readers never wait (write-ahead log).
PostgreSQL (``postgresql://...``) serializes schema creation across processes
with an advisory lock, so several gunicorn workers may start at once.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WZResponse

from heron import Api, Request

from .models import Base, Secret

__all__ = [
    "DEFAULT_DB",
    "Database",
    "database_url",
    "insert_ignore",
    "lock",
    "session_of",
]

#: The SQLite file used when neither ``DATABASE_URL`` nor ``CONDUIT_DB`` is set.
DEFAULT_DB = "conduit.sqlite3"
#: Methods that only read (RFC 9110 §9.2.1): their transactions take no write lock.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: An arbitrary key for PostgreSQL's advisory lock around schema creation.
_SCHEMA_LOCK = 0x436F6E64  # "Cond"


def database_url(url: str | None = None) -> str:
    """Return the SQLAlchemy URL to use.

    Args:
        url: An explicit URL; defaults to ``$DATABASE_URL``, then the SQLite file
            ``$CONDUIT_DB``, then ``conduit.sqlite3`` in the current directory.

    Returns:
        The URL; ``postgres://`` and ``postgresql://`` use the psycopg (3) driver.
    """
    url = url or os.environ.get("DATABASE_URL")
    if not url:
        path = Path(os.environ.get("CONDUIT_DB") or Path.cwd() / DEFAULT_DB)
        return f"sqlite:///{path.resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def session_of(req: Request) -> Session:
    """Return the request's database session (opened by :class:`Database`)."""
    db: Session = req.state.db
    return db


def insert_ignore(db: Session, table: Table, **values: Any) -> None:
    """Insert a row unless one with the same key exists (``ON CONFLICT DO NOTHING``).

    Idempotent writes (follow, favorite) stay idempotent when two requests
    race: the second finds the row there instead of failing.
    """
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def lock(db: Session, key: str) -> None:
    """Hold a lock named ``key`` until the transaction ends (one writer per key at a time).

    On PostgreSQL, a transaction-level advisory lock on the key's hash; SQLite
    needs none, as its writers already take turns (``BEGIN IMMEDIATE``).
    Use it around check-then-insert sequences, such as picking a free slug.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin), enforce foreign
    # keys (ON DELETE CASCADE), and let readers go on while one writer writes.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The application's database, as a Heron extension.

    Args:
        url: A SQLAlchemy URL (see :func:`database_url`).
        secrets: Names of secrets to make and keep in the database
            (:meth:`secret`), e.g. the key signing tokens.
        busy_timeout: How long an SQLite writer waits for another (seconds).
    """

    name = "database"

    def __init__(
        self, url: str, *, secrets: Iterable[str] = (), busy_timeout: float = 10.0
    ) -> None:
        self.url = url
        self.secret_names = tuple(secrets)
        options: dict[str, Any] = {}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": busy_timeout}
        else:
            options["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **options)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._ready = False
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    # -- the extension ----------------------------------------------------------

    def init_app(self, api: Api) -> None:
        """Register the per-request session hooks on ``api``."""
        api.before_request(self.open_session)
        api.after_request(self.finish_session)
        api.teardown_request(self.close_session)

    def open_session(self, req: Request) -> None:
        """Give ``req`` its session (``req.state.db``); create the schema first if needed."""
        self.prepare()
        db = Session(self.engine, expire_on_commit=False, autoflush=True)
        if self.sqlite and req.method not in _SAFE_METHODS:
            db.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        req.state.db = db

    def finish_session(self, req: Request, response: WZResponse) -> None:
        """Commit the request's transaction on success, roll it back on an error response."""
        db: Session | None = getattr(req.state, "db", None)
        if db is None:
            return
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()

    def close_session(self, req: Request, exc: BaseException | None) -> None:
        """Close the request's session; anything not committed is rolled back."""
        db: Session | None = req.state.__dict__.pop("db", None)
        if db is not None:
            db.close()

    # -- schema and secrets -----------------------------------------------------

    def begin(self) -> Any:
        """Return a connection context in a write transaction (``engine.begin()``)."""
        if self.sqlite:
            return self.engine.execution_options(sqlite_begin="IMMEDIATE").begin()
        return self.engine.begin()

    def prepare(self) -> None:
        """Create the missing tables and secrets, once per process, in one transaction.

        Safe when several processes start at once: SQLite serializes the
        transactions, PostgreSQL takes an advisory lock first. Runs before a
        request opens its own transaction (which it would wait for on SQLite).
        """
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            dialect = sqlite if self.sqlite else postgresql
            with self.begin() as conn:
                if not self.sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                Base.metadata.create_all(conn)
                for name in self.secret_names:
                    conn.execute(
                        dialect.insert(Secret)
                        .values(name=name, value=secrets.token_urlsafe(32))
                        .on_conflict_do_nothing()
                    )
                rows = conn.execute(
                    select(Secret.name, Secret.value).where(Secret.name.in_(self.secret_names))
                )
                self._secrets = {name: value for name, value in rows}
            self._ready = True

    def secret(self, name: str) -> str:
        """Return the secret ``name``: 256 random bits, base64url, shared by all processes.

        Args:
            name: One of the ``secrets`` the database was created with.

        Returns:
            The secret, made and stored in the database on first use.
        """
        self.prepare()
        return self._secrets[name]

    def dispose(self) -> None:
        """Close every pooled connection (tests; a process that is done)."""
        self.engine.dispose()
