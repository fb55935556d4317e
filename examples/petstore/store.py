"""Pets kept in an SQLite database (the stdlib ``sqlite3`` module).

Each write runs in one transaction: a row is written whole or not at all. A
connection is opened per operation, so the store is safe to share between the
threads of the development server.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["PetStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    tag TEXT,
    status TEXT NOT NULL,
    width REAL,
    height REAL,
    created_at TEXT NOT NULL
)
"""
_COLUMNS = "id, name, tag, status, width, height, created_at"


def _to_pet(row: sqlite3.Row) -> dict[str, Any]:
    dimensions = None
    if row["width"] is not None:
        dimensions = {"width": row["width"], "height": row["height"]}
    return {
        "id": row["id"],
        "name": row["name"],
        "tag": row["tag"],
        "status": row["status"],
        "dimensions": dimensions,
        "created_at": dt.datetime.fromisoformat(row["created_at"]),
    }


def _columns(pet: Mapping[str, Any]) -> tuple[Any, ...]:
    dims = pet.get("dimensions") or {}
    return (pet["name"], pet.get("tag"), pet["status"], dims.get("width"), dims.get("height"))


class PetStore:
    """The pets table of one SQLite database file.

    The table is created on first use, so building the application (to write
    its OpenAPI document, say) creates no file.

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
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: commit on success, roll back on error."""
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            self._ensure_table(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _ensure_table(self, conn: sqlite3.Connection) -> None:
        if self._ready:
            return
        with self._lock:
            conn.execute(_SCHEMA)
            self._ready = True

    def find(self, *, tag: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Return up to ``limit`` pets in order of creation, only those tagged ``tag`` if given."""
        sql = f"SELECT {_COLUMNS} FROM pets"
        params: tuple[Any, ...] = ()
        if tag is not None:
            sql += " WHERE tag = ?"
            params = (tag,)
        with self._transaction() as conn:
            rows = conn.execute(sql + " ORDER BY id LIMIT ?", (*params, limit)).fetchall()
        return [_to_pet(row) for row in rows]

    def get(self, pet_id: int) -> dict[str, Any] | None:
        """Return the pet ``pet_id``, or None."""
        with self._transaction() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (pet_id,)).fetchone()
        return None if row is None else _to_pet(row)

    def create(self, pet: Mapping[str, Any]) -> dict[str, Any]:
        """Add a pet (loaded by ``PetSchema``) and return it with its id and creation time."""
        created = dt.datetime.now(dt.timezone.utc).isoformat()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO pets (name, tag, status, width, height, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (*_columns(pet), created),
            )
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return _to_pet(row)

    def replace(self, pet_id: int, pet: Mapping[str, Any]) -> dict[str, Any] | None:
        """Replace every field of pet ``pet_id``; return it, or None if there is none."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE pets SET name = ?, tag = ?, status = ?, width = ?, height = ? WHERE id = ?",
                (*_columns(pet), pet_id),
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute(f"SELECT {_COLUMNS} FROM pets WHERE id = ?", (pet_id,)).fetchone()
        return _to_pet(row)

    def delete(self, pet_id: int) -> bool:
        """Delete pet ``pet_id``; return whether it existed."""
        with self._transaction() as conn:
            cur = conn.execute("DELETE FROM pets WHERE id = ?", (pet_id,))
        return cur.rowcount > 0
