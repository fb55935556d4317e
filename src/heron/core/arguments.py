"""Argument loading: the declared arguments, loaded and validated before the handler.

:class:`ArgumentLoader` is the operation feature every operation with
``@arguments`` declarations gets (at :attr:`~heron.core.features.Stage.ARGUMENTS`):
each :class:`~heron.core.operations.Argument` is read from its location
(content, form, query string, path, headers, cookies) and loaded with its
marshmallow schema, and failures from every location are gathered into one
422 problem (:class:`~heron.core.validation.InvalidArguments`, RFC 9110
§15.5.21). Malformed content is a 400 (RFC 9110 §15.5.1), content of a type
the operation does not read a 415 (§15.5.16).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import marshmallow as ma
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_list_header

from ..http.negotiation import Memo, select_parser
from ..media.base import MediaHandler
from ..media.content import content_sent, read_content
from .features import BindSite, Call, Feature, Stage
from .fields import takes_files
from .operations import Argument, Operation
from .request import parse_query
from .validation import BODY_REQUIRED, InvalidArguments

if TYPE_CHECKING:
    from ..media.base import MediaRegistry
    from .request import Request

__all__ = ["ArgumentLoader", "collect_arguments", "query_pairs"]

_SCHEMA = ma.exceptions.SCHEMA
_READ = MediaHandler.read


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
        return parse_query(req.environ)
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


def _query_input(
    req: Request,
    arg: Argument,
    operation: Operation,
    format_param: str | None,
    consumed: frozenset[str],
) -> dict[str, Any]:
    """Return the query data an argument loads: without the parameters that are not its."""
    raw = _query_data(req, arg)
    if format_param and format_param not in operation.query_keys:
        raw.pop(format_param, None)  # names the representation, not an argument
    for name in consumed:
        raw.pop(name, None)  # read by another part (an API key)
    return raw


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


def _body_data(
    req: Request,
    arg: Argument,
    parsers: tuple[MediaHandler, ...],
    memo: Memo[MediaHandler] | None,
) -> Any:
    """Return the request content as load input, or ``ma.missing`` when none was sent."""
    if not content_sent(req):
        return ma.missing
    if arg.location == "form" and takes_files(arg.schema):
        # Files travel only in multipart/form-data (RFC 7578 §4.2).
        parsers = tuple(p for p in parsers if p.media_type == "multipart/form-data")
    handler, charset = select_parser(req.content_type, parsers, req.method, memo)
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


def collect_arguments(
    req: Request,
    operation: Operation,
    path_values: dict[str, Any],
    parsers: Mapping[str, tuple[MediaHandler, ...]],
    format_param: str | None = None,
    memo: Memo[MediaHandler] | None = None,
    consumed: frozenset[str] = frozenset(),
) -> dict[str, Any] | InvalidArguments:
    """Load every argument of ``operation`` from ``req``, returning validation failures.

    The one argument loader: the 422 is returned, not raised, so the
    dispatcher answers it without unwinding the stack
    (:meth:`ArgumentLoader.before`).

    Args:
        req: The request.
        operation: The matched operation.
        path_values: Path parameters converted by the rule's converters.
        parsers: Media handlers that may read the content of each body location
            (``json``, ``form``), most preferred first.
        format_param: The application's ``?format=`` parameter, left out of
            the query unless the operation declares a field of that name.
        memo: The application's memo of negotiation outcomes.
        consumed: Query parameters another part reads (an API key), left
            out of the query data.

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
            raw = _body_data(req, arg, parsers[loc], memo)
            if raw is ma.missing:
                if arg.required:
                    failed = failed or {}
                    failed[loc] = {_SCHEMA: [BODY_REQUIRED]}
                    continue
                loaded[arg.name] = None
                continue
        elif loc == "query":
            raw = _query_input(req, arg, operation, format_param, consumed)
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


class ArgumentLoader(Feature):
    """Loads an operation's declared arguments into the handler's keyword arguments.

    Bound to every operation that declares arguments; the handler gets the
    path parameters (as loaded by a ``path`` argument's schema, if declared)
    and each argument's data under its name.

    Args:
        media: The media handlers whose parsers read the content (looked up
            per request: handlers may be added after registration).
        format_param: The application's ``?format=`` parameter.
        memo: The application's memo of negotiation outcomes.
    """

    stage: ClassVar[int] = Stage.ARGUMENTS

    def __init__(
        self,
        media: MediaRegistry | None = None,
        format_param: str | None = None,
        memo: Memo[MediaHandler] | None = None,
        consumed: frozenset[str] = frozenset(),
    ) -> None:
        self.media = media
        self.format_param = format_param
        self.memo = memo
        self.consumed = consumed

    def bind(self, site: BindSite) -> ArgumentLoader | None:
        """Declare what the handler gets; None for an operation without arguments."""
        if not site.arguments:
            return None
        for arg in site.arguments:
            if arg.location == "path":
                for key in arg.schema.load_fields:
                    site.supplies(key, f"@arguments({type(arg.schema).__name__}, location='path')")
            else:
                site.supplies(
                    arg.name, f"@arguments({type(arg.schema).__name__}, location={arg.location!r})"
                )
        return ArgumentLoader(
            site.media, site.format_param, site.memo, frozenset(site.consumed_query)
        )

    def before(self, req: Request, call: Call) -> InvalidArguments | None:
        """Load the arguments into ``call.kwargs``; return the 422 if any field is invalid."""
        assert self.media is not None
        loaded = collect_arguments(
            req,
            call.operation,
            call.path,
            self.media.by_location,
            self.format_param,
            self.memo,
            self.consumed,
        )
        if type(loaded) is not dict:
            return loaded  # type: ignore[return-value]  # an InvalidArguments
        call.kwargs = loaded
        return None
