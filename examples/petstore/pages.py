"""HTML pages beside the API: the home page, and where it keeps the API key.

A page is a resource with ``negotiate = False`` whose handler returns
:func:`heron.templating.render_template`; it is left out of the OpenAPI
document when registered (``include_in_schema=False``).

The browsable API's forms cannot send an ``X-API-Key`` header, so the home page
offers to keep the key in a cookie (``HttpOnly``, ``SameSite=Strict``, and
``Secure`` over HTTPS) that the pets blueprint accepts as well (see
:mod:`.auth`).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from heron import Request, Resource, Response, arguments
from heron.docs.templating import render_template

from .auth import API_KEY_COOKIE, ApiKeys
from .store import PetStore

__all__ = ["ApiKeyPage", "HomePage"]


class HomePage(Resource):
    """The home page: the first pets, where to go next, and the API key form.

    Args:
        store: Where the pets are kept.
        keys: The API key.
    """

    negotiate = False

    def __init__(self, store: PetStore, keys: ApiKeys) -> None:
        self.store = store
        self.keys = keys

    def render(self, req: Request, *, status: int = 200, error: str | None = None) -> Response:
        """Render ``petstore/index.html``."""
        return render_template(
            req,
            "petstore/index.html",
            status=status,
            pets=self.store.find(limit=10),
            signed_in=self.keys.signed_in(req),
            error=error,
        )

    def get(self, req: Request) -> Response:
        """Render the home page."""
        return self.render(req)


class KeyFormSchema(ma.Schema):
    """The API key form: a key to keep, or nothing to forget it."""

    key = ma.fields.String(load_default="")


class ApiKeyPage(Resource):
    """``POST /api-key``: keep the API key in a cookie for the browsable API, or forget it.

    Args:
        home: The home page, shown again when the key is wrong.
    """

    negotiate = False

    def __init__(self, home: HomePage) -> None:
        self.home = home

    @arguments(KeyFormSchema, location="form")
    def post(self, req: Request, form: dict[str, Any]) -> Response:
        """Set (or, with an empty key, delete) the cookie and go back home (303)."""
        key = form["key"]
        if key and not self.home.keys.matches(key):
            return self.home.render(req, status=403, error="That is not the Petstore's API key.")
        resp = Response(status=303, headers={"Location": req.url_for("home")})
        del resp.headers["Content-Type"]
        if key:
            resp.set_cookie(
                API_KEY_COOKIE, key, httponly=True, secure=req.is_secure, samesite="Strict"
            )
        else:
            resp.delete_cookie(
                API_KEY_COOKIE, httponly=True, secure=req.is_secure, samesite="Strict"
            )
        return resp
