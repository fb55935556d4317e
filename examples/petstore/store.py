"""Pets and their photos kept in an SQLite database (the stdlib ``sqlite3`` module).

Each write runs in one transaction: a row is written whole or not at all, and a
photo (a BLOB in the ``photos`` table) is stored, replaced or deleted together
with what refers to it, so there are no orphan files and no half-written rows.
A connection is opened per operation, so the store is safe to share between
the threads of the development server and the processes of gunicorn.

Every pet has a ``version``, incremented by each change: the resources send it
as the pet's entity tag. Databases made by earlier releases (without
``version`` and ``updated_at``, or without ``photos``) are migrated when first
opened: the missing columns and tables are added, and the data kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PetStore", "Photo", "StaleVersion"]

_PETS = """
CREATE TABLE IF NOT EXISTS pets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    tag TEXT,
    status TEXT NOT NULL,
    width REAL,
    height REAL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT
)
"""
_PHOTOS = """
CREATE TABLE IF NOT EXISTS photos (
    pet_id INTEGER PRIMARY KEY REFERENCES pets (id) ON DELETE CASCADE,
    data BLOB NOT NULL,
    content_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
)
"""
#: Columns of ``pets`` added after the first release, with their definitions:
#: added to older databases when they are opened.
_ADDED_COLUMNS = (("version", "INTEGER NOT NULL DEFAULT 1"), ("updated_at", "TEXT"))
_COLUMNS = "id, name, tag, status, width, height, created_at, version, updated_at"
_PHOTO_INFO = "pet_id, content_type, filename, size, sha256, uploaded_at"


class StaleVersion(Exception):
    """A write expected a version of the pet that is no longer the current one."""


@dataclass(frozen=True, slots=True)
class Photo:
    """A pet's photo.

    Attributes:
        pet_id: The pet's id.
        content_type: The media type it was uploaded with (``image/png``...).
        filename: The name it was uploaded under.
        size: Its length in bytes.
        sha256: The SHA-256 of its bytes, in hex: its entity tag.
        uploaded_at: When it was uploaded (UTC).
        data: The bytes, or None when only the information was read.
    """

    pet_id: int
    content_type: str
    filename: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    data: bytes | None = None

    def info(self) -> dict[str, Any]:
        """Return what ``PhotoSchema`` dumps."""
        return {
            "pet_id": self.pet_id,
            "content_type": self.content_type,
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
            "uploaded_at": self.uploaded_at,
        }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _to_pet(row: sqlite3.Row) -> dict[str, Any]:
    dimensions = None
    if row["width"] is not None:
        dimensions = {"width": row["width"], "height": row["height"]}
    created = dt.datetime.fromisoformat(row["created_at"])
    return {
        "id": row["id"],
        "name": row["name"],
        "tag": row["tag"],
        "status": row["status"],
        "dimensions": dimensions,
        "created_at": created,
        "version": row["version"],
        "updated_at": dt.datetime.fromisoformat(row["updated_at"] or row["created_at"]),
    }


def _to_photo(row: sqlite3.Row, data: bytes | None = None) -> Photo:
    return Photo(
        pet_id=row["pet_id"],
        content_type=row["content_type"],
        filename=row["filename"],
        size=row["size"],
        sha256=row["sha256"],
        uploaded_at=dt.datetime.fromisoformat(row["uploaded_at"]),
        data=data,
    )


def _columns(pet: Mapping[str, Any]) -> tuple[Any, ...]:
    dims = pet.get("dimensions") or {}
    return (pet["name"], pet.get("tag"), pet["status"], dims.get("width"), dims.get("height"))


class PetStore:
    """The pets and photos of one SQLite database file.

    The tables are created (or migrated) on first use, so building the
    application (to write its OpenAPI document, say) creates no file.

    Args:
        path: The database file; created if missing.
        timeout: How long a write waits for another one to finish (seconds).
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: commit on success, roll back on error.

        Writes take the database's write lock at once (``BEGIN IMMEDIATE``), so
        two writers never both read a version and then both write.
        """
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            self._ensure_schema(conn)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        """Create the tables, or add what an older release's database lacks (once)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            # One transaction: several processes opening an old file migrate it once.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(_PETS)
                have = {row["name"] for row in conn.execute("PRAGMA table_info(pets)")}
                for name, definition in _ADDED_COLUMNS:
                    if name not in have:
                        conn.execute(f"ALTER TABLE pets ADD COLUMN {name} {definition}")
                conn.execute("UPDATE pets SET updated_at = created_at WHERE updated_at IS NULL")
                conn.execute(_PHOTOS)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._ready = True

    # -- pets ---------------------------------------------------------------------------

    @staticmethod
    def _where(tag: str | None) -> tuple[str, tuple[Any, ...]]:
        return ("", ()) if tag is None else (" WHERE tag = ?", (tag,))

    def find(
        self, *, tag: str | None = None, offset: int = 0, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Return up to ``limit`` pets after the first ``offset``, in order of creation.

        Args:
            tag: Only pets with this tag.
            offset: How many pets to skip.
            limit: How many to return at most.
        """
        return self.page(tag=tag, offset=offset, limit=limit)[0]

    def page(
        self, *, tag: str | None = None, offset: int = 0, limit: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """Return one page of pets and how many there are, read in one transaction.

        Args:
            tag: Only pets with this tag.
            offset: How many pets to skip.
            limit: How many to return at most.

        Returns:
            The pets of the page, in order of creation, and the total.
        """
        where, params = self._where(tag)
        with self._transaction(write=False) as conn:
            total = conn.execute(f"SELECT count(*) FROM pets{where}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM pets{where} ORDER BY id LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [_to_pet(row) for row in rows], int(total)

    def get(self, pet_id: int) -> dict[str, Any] | None:
        """Return the pet ``pet_id`` (with its ``version`` and ``updated_at``), or None."""
        with self._transaction(write=False) as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (pet_id,)).fetchone()
        return None if row is None else _to_pet(row)

    def version(self, pet_id: int) -> tuple[int, dt.datetime] | None:
        """Return the version of pet ``pet_id`` and when it last changed, or None."""
        with self._transaction(write=False) as conn:
            row = conn.execute(
                "SELECT version, updated_at, created_at FROM pets WHERE id = ?", (pet_id,)
            ).fetchone()
        if row is None:
            return None
        return row["version"], dt.datetime.fromisoformat(row["updated_at"] or row["created_at"])

    def create(self, pet: Mapping[str, Any]) -> dict[str, Any]:
        """Add a pet (loaded by ``PetSchema``) and return it with its id, version 1 and times."""
        now = _now()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO pets (name, tag, status, width, height, created_at, version,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (*_columns(pet), now, now),
            )
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return _to_pet(row)

    @staticmethod
    def _check(conn: sqlite3.Connection, pet_id: int, expected: int | None) -> bool:
        """Tell whether pet ``pet_id`` exists, in the version expected if one is.

        Raises:
            StaleVersion: If it exists in another version.
        """
        row = conn.execute("SELECT version FROM pets WHERE id = ?", (pet_id,)).fetchone()
        if row is None:
            return False
        if expected is not None and row["version"] != expected:
            raise StaleVersion(f"pet {pet_id} is at version {row['version']}, not {expected}")
        return True

    def replace(
        self, pet_id: int, pet: Mapping[str, Any], *, expected_version: int | None = None
    ) -> dict[str, Any] | None:
        """Replace every field of pet ``pet_id`` and increment its version.

        Args:
            pet_id: The pet.
            pet: Its new state, loaded by ``PetSchema``.
            expected_version: Write only if the pet is still at this version.

        Returns:
            The pet as stored, or None if there is none.

        Raises:
            StaleVersion: If the pet is not at ``expected_version``; nothing is written.
        """
        with self._transaction() as conn:
            if not self._check(conn, pet_id, expected_version):
                return None
            conn.execute(
                "UPDATE pets SET name = ?, tag = ?, status = ?, width = ?, height = ?,"
                " version = version + 1, updated_at = ? WHERE id = ?",
                (*_columns(pet), _now(), pet_id),
            )
            row = conn.execute(f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (pet_id,)).fetchone()
        return _to_pet(row)

    def delete(self, pet_id: int, *, expected_version: int | None = None) -> bool:
        """Delete pet ``pet_id`` and its photo; return whether it existed.

        Raises:
            StaleVersion: If the pet is not at ``expected_version``; nothing is deleted.
        """
        with self._transaction() as conn:
            if not self._check(conn, pet_id, expected_version):
                return False
            conn.execute("DELETE FROM pets WHERE id = ?", (pet_id,))  # the photo cascades
        return True

    # -- photos -------------------------------------------------------------------------

    def photo(self, pet_id: int) -> Photo | None:
        """Return the photo of pet ``pet_id``, its bytes included, or None."""
        with self._transaction(write=False) as conn:
            row = conn.execute(
                f"SELECT {_PHOTO_INFO}, data FROM photos WHERE pet_id = ?", (pet_id,)
            ).fetchone()
        return None if row is None else _to_photo(row, bytes(row["data"]))

    def put_photo(
        self, pet_id: int, data: bytes, *, content_type: str, filename: str
    ) -> tuple[Photo, bool] | None:
        """Store ``data`` as the photo of pet ``pet_id``, replacing any other.

        Args:
            pet_id: The pet.
            data: The image's bytes.
            content_type: Its media type.
            filename: The name it was uploaded under.

        Returns:
            The photo (without its bytes) and whether the pet had none before,
            or None if there is no such pet.
        """
        digest = hashlib.sha256(data).hexdigest()
        with self._transaction() as conn:
            if not self._check(conn, pet_id, None):
                return None
            had = conn.execute("SELECT 1 FROM photos WHERE pet_id = ?", (pet_id,)).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO photos (pet_id, data, content_type, filename, size,"
                " sha256, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (pet_id, data, content_type, filename, len(data), digest, _now()),
            )
            row = conn.execute(
                f"SELECT {_PHOTO_INFO} FROM photos WHERE pet_id = ?", (pet_id,)
            ).fetchone()
        return _to_photo(row), had is None

    def delete_photo(self, pet_id: int) -> bool:
        """Delete the photo of pet ``pet_id``; return whether it had one."""
        with self._transaction() as conn:
            cur = conn.execute("DELETE FROM photos WHERE pet_id = ?", (pet_id,))
        return cur.rowcount > 0
