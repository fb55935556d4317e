"""RealWorld's error shape, ``{"errors": {"<key>": ["<message>", ...]}}``, for every error.

Heron raises :class:`~heron.HTTPError` everywhere (validation, routing,
authentication, handlers); :func:`realworld_errors` is the application's
``problem_formatter``, turning each into RealWorld's body:

========  ==========================================================
status    body
========  ==========================================================
401       ``{"token": ["is missing"]}`` or ``["is invalid"]``; a failed login
          ``{"credentials": ["invalid"]}``
403       ``{"article": ["forbidden"]}`` (the key names the resource)
404       ``{"article": ["not found"]}``; an unknown URL ``{"resource": [...]}``
409       ``{"username": ["has already been taken"]}``
422       each invalid field: ``{"title": ["can't be blank"]}``
other     ``{"body": [detail]}`` for content (400, 413, 415), else ``{"request": [...]}``
========  ==========================================================

Handlers raise errors that name their RealWorld key and messages in the
``fields`` extension member (:func:`not_found`, :func:`forbidden`,
:func:`taken`); HTTP semantics stay Heron's (``WWW-Authenticate`` on 401,
``Allow`` on 405).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy.exc import IntegrityError

from heron import Conflict, Forbidden, HTTPError, NotFound, Request

__all__ = [
    "BLANK",
    "GenericErrorSchema",
    "conflict_from_integrity_error",
    "forbidden",
    "not_found",
    "realworld_errors",
    "taken",
]

#: RealWorld's message for a missing, null or empty required value.
BLANK = "can't be blank"
#: Request envelopes: ``{"user": {...}}``; errors inside name the field only.
ENVELOPES = frozenset({"user", "article", "comment"})
_CONTENT_STATUSES = frozenset({400, 413, 415})
#: Unique columns (``table.column``) → RealWorld keys. SQLite's errors name the
#: column, PostgreSQL's the constraint (``uq_<table>_<column>``, see .models).
_UNIQUE = {"users.username": "username", "users.email": "email", "articles.slug": "slug"}


class GenericErrorSchema(ma.Schema):
    """Every error body: messages by field or resource name."""

    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={"description": "Messages by the field or resource they are about."},
    )

    class Meta:
        """The official document's name for it."""

        openapi_name = "GenericErrorModel"


def not_found(resource: str, detail: str) -> NotFound:
    """Return a 404 whose body is ``{"errors": {resource: ["not found"]}}``."""
    return NotFound(detail, fields={resource: ["not found"]})


def forbidden(resource: str, detail: str) -> Forbidden:
    """Return a 403 whose body is ``{"errors": {resource: ["forbidden"]}}``."""
    return Forbidden(detail, fields={resource: ["forbidden"]})


def taken(*names: str) -> Conflict:
    """Return a 409 saying each of ``names`` ``has already been taken``."""
    return Conflict(
        f"{' and '.join(names)} already taken.",
        fields={n: ["has already been taken"] for n in names},
    )


def _field_key(location: str, path: str) -> str:
    """Name the field of one Heron validation error the RealWorld way.

    ``json`` paths drop their envelope (``user.email`` → ``email``) and list
    indexes (``article.tagList.2`` → ``tagList``); query parameters keep
    their names; an error about the whole content is ``body``.
    """
    parts = [p for p in path.split(".") if p and not p.isdigit()]
    if location == "json" and len(parts) > 1 and parts[0] in ENVELOPES:
        parts = parts[1:]
    return ".".join(parts) or ("body" if location in ("json", "form") else location)


def _validation_fields(error: HTTPError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in error.extensions.get("errors") or ():
        key = _field_key(entry.get("location", ""), entry.get("path", ""))
        messages = found.setdefault(key, [])
        if entry["message"] not in messages:
            messages.append(entry["message"])
    return found


def realworld_errors(req: Request, error: HTTPError) -> dict[str, Any]:
    """Format any error as RealWorld's ``{"errors": {...}}`` (the app's ``problem_formatter``).

    Args:
        req: The request that failed.
        error: The error, with ``fields`` when the handler named them.

    Returns:
        The body.
    """
    fields: dict[str, list[str]] | None = error.extensions.get("fields")
    if fields is None:
        message = error.detail or error.title
        if error.code == 401:
            sent = "Authorization" in req.headers
            fields = {"token": ["is invalid" if sent else "is missing"]}
        elif error.code == 403:
            fields = {"resource": ["forbidden"]}
        elif error.code == 404:
            fields = {"resource": ["not found"]}
        elif error.code == 422 and error.extensions.get("errors"):
            fields = _validation_fields(error)
        else:
            fields = {("body" if error.code in _CONTENT_STATUSES else "request"): [message]}
    return {"errors": fields}


def conflict_from_integrity_error(req: Request, exc: IntegrityError) -> HTTPError:
    """Answer a unique-constraint violation the database caught with a 409.

    The handlers check uniqueness first; this is the race where two requests
    pass the check at once and the database refuses the second (an
    ``error_handler`` for :class:`~sqlalchemy.exc.IntegrityError`).
    """
    message = str(exc.orig)
    for column, key in _UNIQUE.items():
        table, _, name = column.partition(".")
        if f"UNIQUE constraint failed: {column}" in message or f'"uq_{table}_{name}"' in message:
            return taken(key)
    return Conflict("The change conflicts with another one; try again.")
