"""Validation failures as problem details: every bad field, named.

Marshmallow's nested messages are flattened into one ``errors`` member listing
``{"location", "path", "message"}`` per message (RFC 9457 §3.2 extension
member; JSON body errors also carry a JSON Pointer, RFC 6901, as ``pointer``),
in a 422 problem (:class:`InvalidArguments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from ..http.errors import UnprocessableContent

__all__ = ["BODY_REQUIRED", "MAX_LISTED_ERRORS", "InvalidArguments", "flatten_errors"]


_SCHEMA = ma.exceptions.SCHEMA
#: The message of a required body that was not sent.
BODY_REQUIRED = "A request body is required."


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def flatten_errors(
    messages: Any, location: str, prefix: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """Flatten marshmallow's nested error messages into a list.

    Args:
        messages: ``ValidationError.messages``: a dict keyed by field (or list
            index), a list of messages, or one message.
        location: The argument location (``json``, ``query``...).
        prefix: Path of the enclosing field.

    Returns:
        One ``{"location", "path", "message"}`` dict per message; ``path`` joins
        nested names with dots (``dimensions.width``, ``tags.0``); schema-level
        errors get the enclosing path (``""`` at the top). JSON content errors
        also carry ``pointer``, a URI fragment JSON Pointer (RFC 6901 §6) to the
        invalid value (``#/dimensions/width``; ``#`` for the whole document).
    """
    out: list[dict[str, str]] = []
    ptr = None
    if location == "json":
        ptr = "#" + "".join(["/" + _escape_pointer(name) for name in prefix])
    _flatten(messages, location, ".".join(prefix), ptr, out)
    return out


def _flatten(
    messages: Any, location: str, path: str, ptr: str | None, out: list[dict[str, str]]
) -> None:
    # ``path`` and ``ptr`` (None: no pointer) are those of ``messages``, built
    # one name at a time as the recursion descends.
    if type(messages) is dict or (type(messages) is not list and isinstance(messages, Mapping)):
        for key, value in messages.items():
            if key == _SCHEMA:
                _flatten(value, location, path, ptr, out)
                continue
            name = key if type(key) is str else str(key)
            sub_path = f"{path}.{name}" if path else name
            sub_ptr = None
            if ptr is not None:
                token = name if "~" not in name and "/" not in name else _escape_pointer(name)
                sub_ptr = f"{ptr}/{token}"
            if type(value) is list:  # a field's messages, the common case
                _messages(value, location, sub_path, sub_ptr, out)
            else:
                _flatten(value, location, sub_path, sub_ptr, out)
        return
    if type(messages) is not list and not isinstance(messages, (list, tuple)):
        messages = (messages,)
    _messages(messages, location, path, ptr, out)


def _messages(
    messages: Any, location: str, path: str, ptr: str | None, out: list[dict[str, str]]
) -> None:
    for value in messages:
        if type(value) is str:
            message = value
        elif isinstance(value, (Mapping, list, tuple)):
            _flatten(value, location, path, ptr, out)
            continue
        else:
            message = str(value)
        if ptr is None:
            out.append({"location": location, "path": path, "message": message})
        else:
            out.append({"location": location, "path": path, "message": message, "pointer": ptr})


#: The most field errors a 422 problem lists (its ``detail`` counts them all).
MAX_LISTED_ERRORS = 100


def _summary(errors: list[dict[str, str]], total: int) -> str:
    shown = "; ".join(
        [f"{e['location']} {e['path'] or '(body)'}: {e['message']}" for e in errors[:5]]
    )
    more = "; ..." if total > 5 else ""
    plural = "s" if total != 1 else ""
    listed = f" (the first {len(errors)} listed in errors)" if total > len(errors) else ""
    return f"The request has {total} invalid field{plural}{listed}: {shown}{more}"


class InvalidArguments(UnprocessableContent):
    """422: the request's arguments failed validation (RFC 9110 §15.5.21).

    Raised by :func:`load_arguments` with marshmallow's messages for each
    location. The problem details it answers with are those of any
    :class:`~heron.http.errors.UnprocessableContent`: an ``errors`` extension member
    (RFC 9457 §3.2) listing ``{"location", "path", "message"}`` (plus ``pointer``,
    RFC 6901, for JSON content) per message, and a ``detail`` naming the first
    five. Both are built when first read, so an application ``problem_formatter``
    that sends :attr:`messages` as they are does not pay for them.

    Args:
        messages: Location (``json``, ``query``...) → marshmallow's messages for
            that location (``ValidationError.messages``: field → list of
            messages, nested for nested schemas and lists), in the order of the
            operation's arguments. A required body that was not sent is
            ``{"_schema": ["A request body is required."]}``.

    Attributes:
        messages: The ``messages`` given.
    """

    # What ``HTTPError.__init__`` would set, as class defaults: the hot error
    # path then builds only what differs per request.
    code = 422
    title = "Unprocessable Content"
    type = "about:blank"
    instance = None

    def __init__(self, messages: dict[str, Any]) -> None:
        self.messages = messages
        self.headers: dict[str, str] = {}
        self._errors: list[dict[str, str]] | None = None
        self._total = 0
        self._detail: str | None = None
        self._extensions: dict[str, Any] = {}

    @property
    def errors(self) -> list[dict[str, str]]:
        """One ``{"location", "path", "message"[, "pointer"]}`` dict per message.

        At most :data:`MAX_LISTED_ERRORS` of them: a request with a hundred
        thousand unknown fields gets a problem of a few kilobytes, whose
        ``detail`` gives the whole count.
        """
        errors = self._errors
        if errors is None:
            errors = []
            for location, messages in self.messages.items():
                if messages == _BODY_REQUIRED:  # the content is missing, not invalid
                    errors.append({"location": location, "path": "", "message": BODY_REQUIRED})
                else:
                    _flatten(messages, location, "", "#" if location == "json" else None, errors)
            self._total = len(errors)
            errors = self._errors = errors[:MAX_LISTED_ERRORS]
        return errors

    @property
    def detail(self) -> str | None:
        """The human-readable explanation (RFC 9457 §3.1.4): the first five messages."""
        if self._detail is None:
            errors = self.errors
            self._detail = _summary(errors, self._total)
        return self._detail

    @detail.setter
    def detail(self, value: str | None) -> None:
        self._detail = value

    @property
    def extensions(self) -> dict[str, Any]:
        """Extension members (RFC 9457 §3.2): ``errors``, and any set by the application."""
        extensions = self._extensions
        if "errors" not in extensions:
            extensions["errors"] = self.errors
        return extensions

    @extensions.setter
    def extensions(self, value: dict[str, Any]) -> None:
        self._extensions = value


#: ``InvalidArguments.messages`` of a required body that was not sent (each
#: failure gets its own copy: formatters may change what they are given).
_BODY_REQUIRED: dict[str, list[str]] = {_SCHEMA: [BODY_REQUIRED]}
