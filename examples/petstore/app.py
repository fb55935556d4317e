"""The Petstore application.

``app`` serves the database named by the ``PETSTORE_DB`` environment variable
(default: ``petstore.sqlite3`` in the current directory); :func:`create_app`
builds one for any database file.
"""

from __future__ import annotations

import os
from pathlib import Path

from heron import Api

from .resources import pets_blueprint
from .store import PetStore

__all__ = ["DEFAULT_DB", "app", "create_app"]

#: Database file used when neither ``db_path`` nor ``PETSTORE_DB`` is given.
DEFAULT_DB = "petstore.sqlite3"

DESCRIPTION = """\
A small pet store: add, list, update and remove pets.

Errors are problem details (RFC 9457) sent as `application/problem+json`.
"""


def create_app(db_path: str | os.PathLike[str] | None = None) -> Api:
    """Build the Petstore application.

    Args:
        db_path: The SQLite database file; defaults to ``$PETSTORE_DB``, then
            ``petstore.sqlite3`` in the current directory. Created on first use.

    Returns:
        The application.
    """
    if db_path is None:
        db_path = os.environ.get("PETSTORE_DB") or Path.cwd() / DEFAULT_DB
    api = Api("Petstore", "1.0.0", description=DESCRIPTION)
    api.register_blueprint(pets_blueprint(PetStore(db_path)))
    return api


app = create_app()
