"""The Petstore application.

``app`` serves the database named by the ``PETSTORE_DB`` environment variable
(default: ``petstore.sqlite3`` in the current directory); :func:`create_app`
builds one for any database file.
"""

from __future__ import annotations

import os
from pathlib import Path

from heron import Api
from heron.static import mount_static

from .pages import HomePage
from .resources import pets_blueprint
from .store import PetStore

__all__ = ["DEFAULT_DB", "app", "create_app"]

HERE = Path(__file__).resolve().parent

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
    store = PetStore(db_path)
    api = Api("Petstore", "1.0.0", description=DESCRIPTION, template_folder=HERE / "templates")
    # Browsers asking for text/html get the browsable API (on by default); JSON
    # stays the default for every other client.
    api.register_blueprint(pets_blueprint(store))
    api.add_resource(HomePage(store), "/", include_in_schema=False)
    mount_static(api, HERE / "static")
    return api


app = create_app()
