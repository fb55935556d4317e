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
from urllib.parse import parse_qsl

import marshmallow as ma
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_list_header

from ..http.errors import UnprocessableContent
from ..http.negotiation import select_parser
from ..media.base import MediaHandler
from .fields import takes_files
from .operations import Argument, Operation
from .request import content_sent, read_content

if TYPE_CHECKING:
    from .request import Request

__all__ = ["InvalidArguments", "collect_arguments", "flatten_errors", "load_arguments"]


_SCHEMA = ma.exceptions.SCHEMA
_READ = MediaHandler.read
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


def _multidict_data(source: Any, arg: Argument) -> dict[str, Any]:
    """Read a MultiDict (query, form, headers) into load input; list fields get every value."""
    data: dict[str, Any] = {}
    for key in source.keys():
        data[key] = source.getlist(key) if key in arg.multi else source.get(key)
    return data


def query_pairs(req: Request) -> list[tuple[str, str]]:
    """Return the query string's ``(name, value)`` pairs, as ``req.args`` holds them.

    Parsed the way Werkzeug parses ``req.args`` (``parse_qsl``, blank values
    kept, bytes that are not UTF-8 left percent-encoded), without building
    the ``MultiDict``; a query string with nothing to decode (no ``%``, no
    ``+``, only ASCII) is split directly. A ``req.args`` a hook replaced is
    read instead.
    """
    if "args" in req.__dict__:
        return list(req.args.items(multi=True))
    query: str = req.environ.get("QUERY_STRING", "")
    if not query:
        return []
    if "%" in query or "+" in query or not query.isascii():
        return parse_qsl(
            query.encode("latin1").decode(), keep_blank_values=True, errors="werkzeug.url_quote"
        )
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs


def _query_data(req: Request, arg: Argument) -> dict[str, Any]:
    """Read the query string into load input; list fields get every value."""
    multi = arg.multi
    data: dict[str, Any] = {}
    query: str = req.environ.get("QUERY_STRING", "")
    if "args" in req.__dict__ or "%" in query or "+" in query or not query.isascii():
        for name, value in query_pairs(req):
            if name in multi:
                data.setdefault(name, []).append(value)
            elif name not in data:
                data[name] = value
        return data
    for item in query.split("&"):  # nothing to decode: the pairs as they are
        if item:
            name, _, value = item.partition("=")
            if name in multi:
                data.setdefault(name, []).append(value)
            elif name not in data:
                data[name] = value
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
    if not content_sent(req):
        return ma.missing
    if arg.location == "form" and takes_files(arg.schema):
        # Files travel only in multipart/form-data (RFC 7578 §4.2).
        parsers = tuple(p for p in parsers if p.media_type == "multipart/form-data")
    handler, charset = select_parser(req.content_type, parsers, req.method)
    if type(handler).read is _READ:  # the whole content, parsed
        raw = handler.parse(read_content(req), charset)
    else:
        raw = handler.read(req, charset)
    if isinstance(raw, MultiDict):
        raw = _multidict_data(raw, arg)
    if arg.read_only:
        if type(raw) is dict:
            return raw if arg.read_only.isdisjoint(raw) else _without(raw, arg.read_only)
        if isinstance(raw, dict):
            return _without(raw, arg.read_only)
        if isinstance(raw, list):
            return [
                _without(item, arg.read_only) if isinstance(item, dict) else item for item in raw
            ]
    return raw


def _without(data: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    if keys.isdisjoint(data):
        return data
    return {k: v for k, v in data.items() if k not in keys}


def _summary(errors: list[dict[str, str]]) -> str:
    shown = "; ".join(
        [f"{e['location']} {e['path'] or '(body)'}: {e['message']}" for e in errors[:5]]
    )
    more = "; ..." if len(errors) > 5 else ""
    plural = "s" if len(errors) != 1 else ""
    return f"The request has {len(errors)} invalid field{plural}: {shown}{more}"


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
        self._detail: str | None = None
        self._extensions: dict[str, Any] = {}

    @property
    def errors(self) -> list[dict[str, str]]:
        """One ``{"location", "path", "message"[, "pointer"]}`` dict per message."""
        errors = self._errors
        if errors is None:
            errors = []
            for location, messages in self.messages.items():
                if messages == _BODY_REQUIRED:  # the content is missing, not invalid
                    errors.append({"location": location, "path": "", "message": BODY_REQUIRED})
                else:
                    _flatten(messages, location, "", "#" if location == "json" else None, errors)
            self._errors = errors
        return errors

    @property
    def detail(self) -> str | None:
        """The human-readable explanation (RFC 9457 §3.1.4): the first five messages."""
        if self._detail is None:
            self._detail = _summary(self.errors)
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


def load_arguments(
    req: Request,
    operation: Operation,
    path_values: dict[str, Any],
    parsers: Mapping[str, tuple[MediaHandler, ...]],
) -> dict[str, Any]:
    """Load every argument of ``operation`` from ``req``; see :func:`collect_arguments`.

    Raises:
        BadRequest: If the content is malformed (RFC 9110 §15.5.1).
        UnsupportedMediaType: If the content's type is not taken (RFC 9110 §15.5.16).
        InvalidArguments: If any field fails validation (RFC 9110 §15.5.21).
    """
    loaded = collect_arguments(req, operation, path_values, parsers)
    if isinstance(loaded, InvalidArguments):
        raise loaded
    return loaded


def collect_arguments(
    req: Request,
    operation: Operation,
    path_values: dict[str, Any],
    parsers: Mapping[str, tuple[MediaHandler, ...]],
) -> dict[str, Any] | InvalidArguments:
    """Load every argument of ``operation`` from ``req``, returning validation failures.

    What :func:`load_arguments` does, with the 422 returned instead of
    raised: the dispatcher answers it without unwinding the stack.

    Args:
        req: The request.
        operation: The matched operation.
        path_values: Path parameters converted by the rule's converters.
        parsers: Media handlers that may read the content of each body location
            (``json``, ``form``), most preferred first.

    Returns:
        Handler keyword arguments: the path parameters (as loaded by a ``path``
        argument's schema, if declared) and the loaded data of every other
        argument under its name; or, if any field fails validation (RFC 9110
        §15.5.21), an :class:`InvalidArguments` naming every invalid field of
        every location.

    Raises:
        BadRequest: If the content is malformed (RFC 9110 §15.5.1).
        UnsupportedMediaType: If the content's type is not taken (RFC 9110 §15.5.16).
    """
    loaded: dict[str, Any] = dict(path_values)
    failed: dict[str, Any] | None = None
    for arg in operation.arguments:
        loc = arg.location
        if loc == "json" or loc == "form":
            raw = _body_data(req, arg, parsers[loc])
            if raw is ma.missing:
                if arg.required:
                    failed = failed or {}
                    failed[loc] = {_SCHEMA: [BODY_REQUIRED]}
                    continue
                loaded[arg.name] = None
                continue
        elif loc == "query":
            raw = _query_data(req, arg)
            format_param = req.api.format_param
            if format_param and format_param not in operation.query_keys:
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
            failed = failed or {}
            failed[loc] = exc.messages
            continue
        if loc == "path":
            loaded.update(value)
        else:
            loaded[arg.name] = value
    if failed is not None:
        return InvalidArguments(failed)
    return loaded
