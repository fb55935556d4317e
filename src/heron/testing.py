"""Test helpers: a test client for in-process requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.test import Client
from werkzeug.test import TestResponse as _WZTestResponse

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["TestClient", "TestResponse"]


class TestResponse(_WZTestResponse):
    """A response from :class:`TestClient`, with ``json`` for ``+json`` types too."""

    __test__ = False

    @property
    def json(self) -> Any:
        """The parsed JSON body (also for ``application/problem+json``)."""
        return self.get_json(force=True)


class TestClient(Client):
    """Werkzeug's test client, bound to an :class:`~heron.Api`.

    Args:
        api: The application.
    """

    __test__ = False

    def __init__(self, api: WSGIApplication) -> None:
        super().__init__(api, response_wrapper=TestResponse)
