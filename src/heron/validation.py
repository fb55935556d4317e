"""Load an operation's arguments from the request and report every bad field.

Each declared :class:`~heron.operations.Argument` is loaded with its marshmallow
schema. Failures from all locations are gathered into one 422 problem whose
``errors`` member lists ``{"location", "path", "message"}`` per message
(RFC 9457 §3.2 extension member; JSON body errors also carry a JSON Pointer,
RFC 6901, as ``pointer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_list_header

from .errors import UnprocessableContent
from .fields import takes_files
from .negotiation import format_parameter, select_parser
from .operations import Argument, Operation

if TYPE_CHECKING:
    from .media.base import MediaHandler
    from .wrappers import Request

__all__ = ["flatten_errors", "load_arguments"]


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
        errors get the enclosing path (``""`` at the top).
    """
    out: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            sub = prefix if key == ma.exceptions.SCHEMA else (*prefix, str(key))
            out.extend(flatten_errors(value, location, sub))
        return out
    if isinstance(messages, (list, tuple)):
        for value in messages:
            out.extend(flatten_errors(value, location, prefix))
        return out
    entry = {"location": location, "path": ".".join(prefix), "message": str(messages)}
    if location == "json":
        entry["pointer"] = "#/" + "/".join(_escape_pointer(p) for p in prefix) if prefix else "#"
    out.append(entry)
    return out


def _multidict_data(source: Any, arg: Argument) -> dict[str, Any]:
    """Read a MultiDict (query, form, headers) into load input; list fields get every value."""
    data: dict[str, Any] = {}
    for key in source.keys():
        data[key] = source.getlist(key) if key in arg.multi else source.get(key)
    return data


def _header_data(req: Request, arg: Argument) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, fld in arg.schema.fields.items():
        if fld.dump_only:
            continue
        key = fld.data_key or name
        if key not in req.headers:
            continue
        if key in arg.multi:
            # Repeated field lines arrive combined as one comma-separated list
            # (RFC 9110 §5.3, §5.6.1), as WSGI servers join them.
            data[key] = [v for line in req.headers.getlist(key) for v in parse_list_header(line)]
        else:
            data[key] = req.headers[key]
    return data


def _body_data(req: Request, arg: Argument, parsers: tuple[MediaHandler, ...]) -> Any:
    """Return the request content as load input, or ``ma.missing`` when none was sent."""
    if not req.content_length and (
        "Transfer-Encoding" not in req.headers or not req.get_data(cache=True)
    ):
        # No content (RFC 9110 §8.6): a Content-Type alone does not make a
        # body, as clients sending ``Content-Type: application/json`` on every
        # GET or DELETE assume.
        return ma.missing
    if arg.location == "form" and takes_files(arg.schema):
        # Files travel only in multipart/form-data (RFC 7578 §4.2).
        parsers = tuple(p for p in parsers if p.media_type == "multipart/form-data")
    handler, charset = select_parser(req.content_type, parsers, req.method)
    raw = handler.read(req, charset)
    if isinstance(raw, MultiDict):
        raw = _multidict_data(raw, arg)
    if arg.read_only:
        if isinstance(raw, dict):
            return _without(raw, arg.read_only)
        if isinstance(raw, list):
            return [
                _without(item, arg.read_only) if isinstance(item, dict) else item for item in raw
            ]
    return raw


def _without(data: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


def _summary(errors: list[dict[str, str]]) -> str:
    shown = "; ".join(
        f"{e['location']} {e['path'] or '(body)'}: {e['message']}" for e in errors[:5]
    )
    more = "; ..." if len(errors) > 5 else ""
    plural = "s" if len(errors) != 1 else ""
    return f"The request has {len(errors)} invalid field{plural}: {shown}{more}"


def load_arguments(
    req: Request,
    operation: Operation,
    path_values: dict[str, Any],
    parsers: Mapping[str, tuple[MediaHandler, ...]],
) -> dict[str, Any]:
    """Load every argument of ``operation`` from ``req``.

    Args:
        req: The request.
        operation: The matched operation.
        path_values: Path parameters converted by the rule's converters.
        parsers: Media handlers that may read the content of each body location
            (``json``, ``form``), most preferred first.

    Returns:
        Handler keyword arguments: the path parameters (as loaded by a ``path``
        argument's schema, if declared) and the loaded data of every other
        argument under its name.

    Raises:
        BadRequest: If the content is malformed (RFC 9110 §15.5.1).
        UnsupportedMediaType: If the content's type is not taken (RFC 9110 §15.5.16).
        UnprocessableContent: If any field fails validation (RFC 9110 §15.5.21).
    """
    loaded: dict[str, Any] = dict(path_values)
    errors: list[dict[str, str]] = []
    for arg in operation.arguments:
        loc = arg.location
        if loc == "json" or loc == "form":
            raw = _body_data(req, arg, parsers[loc])
            if raw is ma.missing:
                if arg.required:
                    errors.append(
                        {"location": loc, "path": "", "message": "A request body is required."}
                    )
                    continue
                loaded[arg.name] = None
                continue
        elif loc == "query":
            raw = _multidict_data(req.args, arg)
            format_param = format_parameter(req.api.format_param, operation)
            if format_param:
                raw.pop(format_param, None)  # names the representation, not an argument
        elif loc == "headers":
            raw = _header_data(req, arg)
        elif loc == "cookies":
            raw = dict(req.cookies)
        else:  # path
            raw = dict(path_values)
        try:
            value = arg.schema.load(raw, unknown=arg.unknown)  # type: ignore[arg-type]
        except ma.ValidationError as exc:
            errors.extend(flatten_errors(exc.messages, loc))
            continue
        if loc == "path":
            loaded.update(value)
        else:
            loaded[arg.name] = value
    if errors:
        raise UnprocessableContent(
            _summary(errors),
            errors=errors,
        )
    return loaded
