"""HTML pages beside the API: the Petstore's home page.

A page is a resource with ``negotiate = False`` whose handler returns
:func:`heron.templating.render_template`; it is left out of the OpenAPI
document when registered (``include_in_schema=False``).
"""

from __future__ import annotations

from heron import Request, Resource, Response
from heron.templating import render_template

from .store import PetStore

__all__ = ["HomePage"]


class HomePage(Resource):
    """The home page: the latest pets and where to go next.

    Args:
        store: Where the pets are kept.
    """

    negotiate = False

    def __init__(self, store: PetStore) -> None:
        self.store = store

    def get(self, req: Request) -> Response:
        """Render ``petstore/index.html``."""
        return render_template(req, "petstore/index.html", pets=self.store.find(limit=10))
