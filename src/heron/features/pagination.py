"""Pagination of collections: offset/limit, page/size and cursor styles.

``@paginate(...)`` on a ``GET`` handler adds the style's query parameters to
the operation (validated like any argument: out-of-range values are a 422
problem naming the ``query`` parameter), passes the handler a :class:`Page`,
and sends, with the items the handler returns:

- an RFC 8288 ``Link`` header with the ``first``, ``prev``, ``next`` and
  ``last`` pages (``last`` when the total is known), whose URLs keep the
  request's other query parameters;
- the total in ``X-Total-Count`` (the name is configurable) when known;
- optionally a body envelope ``{"items": [...], "total": n, "links": {...}}``.

Cursors are opaque to clients: base64url JSON, signed with HMAC-SHA256 when
``paginate(cursor_secret=...)`` is given; a cursor that does not decode (or
verify) is a 422 problem.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

import marshmallow as ma
from werkzeug.wrappers import Response as _WZResponse

from ..core.features import BindSite, Call, Feature, Stage, declare
from ..core.operations import Argument
from ..http.errors import UnprocessableContent
from ._cursors import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from ..core.features import OperationDocument
    from ..core.request import Request

__all__ = ["Page", "Pagination", "decode_cursor", "encode_cursor", "paginate"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Style = Literal["offset", "page", "cursor"]
STYLES: tuple[str, ...] = ("offset", "page", "cursor")
#: Query parameter names of each style: (position, size).
PARAMS: dict[str, tuple[str, str]] = {
    "offset": ("offset", "limit"),
    "page": ("page", "size"),
    "cursor": ("cursor", "limit"),
}
#: The name of the query argument Heron adds when the handler declares none.
_OWN_QUERY = "_heron_page_query"
_ENVELOPES: dict[tuple[Any, ...], type[ma.Schema]] = {}


@dataclass(slots=True)
class Page:
    """The page a paginated handler is asked for; it reports back the total.

    Attributes:
        style: ``offset``, ``page`` or ``cursor``.
        limit: How many items to return (``limit``, or ``size`` in the page style).
        offset: How many items to skip (offset and page styles; the page
            style computes it from the page number).
        number: The 1-based page number (page style), else None.
        cursor: The decoded cursor (cursor style): the value the handler set
            as ``next_cursor``/``prev_cursor`` on an earlier page, or None
            for the first page.
        total: Set by the handler: the number of items in the whole
            collection, for ``X-Total-Count`` and the ``last`` link.
        next_cursor: Set by a cursor-style handler when there is a next
            page: any JSON value saying where it starts (the last item's
            key...). Without it there is no ``next`` link.
        prev_cursor: Likewise for the previous page.
    """

    style: str
    limit: int
    offset: int = 0
    number: int | None = None
    cursor: Any = None
    total: int | None = None
    next_cursor: Any = None
    prev_cursor: Any = None

    @property
    def size(self) -> int:
        """The page size (the same as :attr:`limit`)."""
        return self.limit

    def slice(self, items: Sequence[T]) -> list[T]:
        """Return this page of ``items`` (the whole collection) and set :attr:`total`.

        Args:
            items: Every item, in order.

        Returns:
            The items of this page.

        Raises:
            TypeError: In the cursor style, where positions are the handler's.
        """
        if self.style == "cursor":
            raise TypeError("Page.slice() works in the offset and page styles only")
        self.total = len(items)
        return list(items[self.offset : self.offset + self.limit])


@dataclass(frozen=True, eq=False)
class Pagination(Feature):
    """The pagination of one operation (an operation feature; see :func:`paginate`).

    Attributes:
        style: ``offset``, ``page`` or ``cursor``.
        default_size: Page size when the client names none.
        max_size: Largest page size a client may ask for.
        envelope: Send ``{"items", "total", "links"}`` instead of the bare list.
        total_header: Header giving the total, or None.
        link_header: Whether to send the RFC 8288 ``Link`` header.
        absolute_links: Absolute URLs in links (else path-absolute references,
            which RFC 8288 §3.1 resolves against the request URL).
        name: The handler keyword receiving the :class:`Page`.
        cursor_secret: The key signing cursors, or None for unsigned ones.
        query_arg: Set at registration: the query argument holding the
            parameters.
        own_query: Set at registration: whether Heron added that argument.
    """

    stage: ClassVar[int] = Stage.SHAPE

    style: str = "offset"
    default_size: int = 20
    max_size: int = 100
    envelope: bool = False
    total_header: str | None = "X-Total-Count"
    link_header: bool = True
    absolute_links: bool = True
    name: str = "page"
    cursor_secret: str | bytes | None = dataclasses.field(default=None, repr=False)
    query_arg: str = "query"
    own_query: bool = False

    @property
    def params(self) -> tuple[str, str]:
        """The query parameter names: position (``offset``/``page``/``cursor``), size."""
        return PARAMS[self.style]

    # -- registration -------------------------------------------------------------

    def query_fields(self) -> dict[str, ma.fields.Field[Any]]:
        """Return the marshmallow fields of the style's query parameters."""
        position, size = self.params
        size_field = ma.fields.Integer(
            load_default=self.default_size,
            validate=ma.validate.Range(min=1, max=self.max_size),
            metadata={"description": f"Items per page (at most {self.max_size})."},
        )
        position_field: ma.fields.Field[Any]
        if self.style == "offset":
            position_field = ma.fields.Integer(
                load_default=0,
                validate=ma.validate.Range(min=0),
                metadata={"description": "How many items to skip."},
            )
        elif self.style == "page":
            position_field = ma.fields.Integer(
                load_default=1,
                validate=ma.validate.Range(min=1),
                metadata={"description": "The page number, from 1."},
            )
        else:
            position_field = ma.fields.String(
                metadata={
                    "description": "Where the page starts: the opaque `cursor` of a `next`"
                    " or `prev` link. Leave it out for the first page."
                },
            )
        return {position: position_field, size: size_field}

    def bind(self, site: BindSite) -> Pagination:
        """Add the pagination parameters to the operation's query argument (at registration).

        The handler's own query schema is extended with them (a subclass), or
        a query argument holding only them is added; with ``envelope``, the
        success response's list schema becomes the envelope's. The handler
        gets the :class:`Page` as :attr:`name`.

        Args:
            site: The operation being registered.

        Returns:
            The resolved declaration.

        Raises:
            ValueError: On a method other than GET, if the handler's query
                schema already has a field named like a pagination parameter,
                or ``envelope`` without a list response.
        """
        if site.method != "GET":
            raise ValueError(f"paginate() is for GET operations, not {site.method}")
        fields = self.query_fields()
        if self.envelope:
            success = site.success()
            if success.schema is None or not success.schema.many:
                raise ValueError(
                    f"paginate(envelope=True) on {site.name} needs a list response:"
                    " @response(200, ItemSchema, many=True)"
                )
            envelope = dataclasses.replace(success, schema=self.envelope_schema(success.schema))
            site.responses[:] = [envelope if r is success else r for r in site.responses]
        site.supplies(self.name, "@paginate()")
        for i, arg in enumerate(site.arguments):
            if arg.location != "query":
                continue
            taken = {f.data_key or n for n, f in arg.schema.fields.items()} & set(fields)
            if taken:
                raise ValueError(
                    f"paginate(): the query schema {type(arg.schema).__name__} already has"
                    f" {', '.join(sorted(taken))}; remove it, pagination provides it"
                )
            site.arguments[i] = dataclasses.replace(arg, schema=_extend(arg.schema, fields))
            return dataclasses.replace(self, query_arg=arg.name)
        own = ma.Schema.from_dict(dict(fields), name="PageQuery")()
        site.arguments.append(
            Argument(schema=own, location="query", name=_OWN_QUERY, unknown=site.unknown)
        )
        site.withdraw(_OWN_QUERY)
        return dataclasses.replace(self, query_arg=_OWN_QUERY, own_query=True)

    def envelope_schema(self, items: ma.Schema) -> ma.Schema:
        """Return the schema of the envelope around ``items`` (a ``many=True`` schema).

        The class is made once per item schema and named ``<Item>Page`` in the
        spec (:class:`heron.docs.openapi.naming.ComponentNamer`).
        """
        from apispec.ext.marshmallow.common import make_schema_key

        key = tuple(make_schema_key(items))
        cls = _ENVELOPES.get(key)
        if cls is None:
            cls = ma.Schema.from_dict(
                {
                    "items": ma.fields.Nested(items, required=True),
                    "total": ma.fields.Integer(
                        metadata={"description": "How many items the whole collection has."}
                    ),
                    "links": ma.fields.Dict(
                        keys=ma.fields.String(),
                        values=ma.fields.String(),
                        metadata={
                            "description": "URLs of the `first`, `prev`, `next` and `last`"
                            " pages (RFC 8288 relation types)."
                        },
                    ),
                },
                name=f"{type(items).__name__}Page",
            )
            cls.__heron_derived__ = (items, "Page")  # type: ignore[attr-defined]
            _ENVELOPES[key] = cls
        return cls()

    # -- request time -------------------------------------------------------------

    def before(self, req: Request, call: Call) -> None:
        """Give the handler its :class:`Page` (kept for :meth:`after`)."""
        call.notes[self] = self.take_page(req, call.kwargs)

    def after(self, req: Request, call: Call, result: Any) -> Any:
        """Add the ``Link`` and total headers (or the envelope) to what the handler returned."""
        return self.finish_page(req, call.notes[self], result)

    def document(self, doc: OperationDocument) -> None:
        """Document the ``Link`` and total headers of the success response."""
        doc.success().setdefault("headers", {}).update(self.response_headers())

    def take_page(self, req: Request, kwargs: dict[str, Any]) -> Page:
        """Move the loaded pagination parameters out of the query into a :class:`Page`.

        Args:
            req: The request.
            kwargs: The handler's keyword arguments, changed in place: the
                page is added under :attr:`name`.

        Returns:
            The page.

        Raises:
            UnprocessableContent: If the cursor does not decode or verify.
        """
        position, size = self.params
        query = kwargs.pop(self.query_arg) if self.own_query else kwargs[self.query_arg]
        start = query.pop(position, None)
        limit = int(query.pop(size))
        if self.style == "offset":
            page = Page("offset", limit, offset=int(start))
        elif self.style == "page":
            page = Page("page", limit, offset=(int(start) - 1) * limit, number=int(start))
        else:
            cursor = None
            if start is not None:
                try:
                    cursor = decode_cursor(start, self.cursor_secret)
                except ValueError:
                    raise UnprocessableContent(
                        "The cursor is not one this API gave out; follow the `next` or"
                        " `prev` link of a page, or leave it out for the first page.",
                        errors=[
                            {"location": "query", "path": position, "message": "Invalid cursor."}
                        ],
                    ) from None
            page = Page("cursor", limit, cursor=cursor)
        kwargs[self.name] = page
        return page

    def _prefix(self, req: Request) -> str:
        """Return this resource's URL and its other query parameters, ready for more.

        The other parameters keep their order; the pagination ones follow
        (integers and base64url cursors: nothing in them needs escaping).
        """
        own = self.params
        pairs = [(k, v) for k, v in req.args.items(multi=True) if k not in own]
        base = req.base_url
        if not self.absolute_links:
            base = urlsplit(base).path
        query = urlencode(pairs)
        return f"{base}?{query}&" if query else f"{base}?"

    def links(self, req: Request, page: Page, count: int) -> dict[str, str]:
        """Return the URLs of the ``first``, ``prev``, ``next`` and ``last`` pages.

        ``prev`` is left out on the first page, ``next`` on the last (with an
        unknown total: when fewer items than the page size came back), and
        ``last`` when the total is unknown (and in the cursor style).

        Args:
            req: The request.
            page: The page, after the handler ran.
            count: How many items the handler returned.

        Returns:
            Relation type → URL, in the order first, prev, next, last.
        """
        position, size = self.params
        prefix = self._prefix(req)
        tail = f"{size}={page.limit}"
        return {
            rel: f"{prefix}{tail}" if start is None else f"{prefix}{position}={start}&{tail}"
            for rel, start in self._positions(page, count).items()
        }

    def _positions(self, page: Page, count: int) -> dict[str, Any]:
        """Return relation type → where that page starts (None: the first cursor page)."""
        if self.style == "cursor":
            found: dict[str, Any] = {"first": None}
            if page.prev_cursor is not None:
                found["prev"] = encode_cursor(page.prev_cursor, self.cursor_secret)
            if page.next_cursor is not None:
                found["next"] = encode_cursor(page.next_cursor, self.cursor_secret)
            return found
        limit, total = page.limit, page.total
        more = count >= limit if total is None else page.offset + limit < total
        if self.style == "offset":
            first, current, step = 0, page.offset, limit
            prev = max(0, current - limit)
            last = (total - 1) // limit * limit if total else 0
        else:
            first, current, step = 1, page.number or 1, 1
            prev = current - 1
            last = max(1, math.ceil(total / limit)) if total else 1
        found = {"first": first}
        if current > first:
            found["prev"] = prev
        if more:
            found["next"] = current + step
        if total is not None:
            found["last"] = last
        return found

    def finish_page(self, req: Request, page: Page, rv: Any) -> Any:
        """Add the ``Link`` and total headers (or the envelope) to the handler's result.

        Args:
            req: The request.
            page: The page, after the handler ran.
            rv: What the handler returned: items, ``(items, status)``,
                ``(items, headers)``, ``(items, status, headers)`` or a
                response (left as it is).

        Returns:
            ``(data, status, headers)``, or ``(data, headers)``, or ``rv``.
        """
        if isinstance(rv, _WZResponse):
            return rv
        status: int | None = None
        headers: dict[str, str] = {}
        data = rv
        if isinstance(rv, tuple) and len(rv) in (2, 3):
            data = rv[0]
            extra = rv[-1] if isinstance(rv[-1], Mapping) else {}
            headers.update(extra)
            if len(rv) == 3 or not isinstance(rv[1], Mapping):
                status = rv[1]
        items = data = list(data) if data is not None else []
        links = self.links(req, page, len(items))
        if self.link_header:
            headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
        if self.total_header and page.total is not None:
            headers[self.total_header] = str(page.total)
        if self.envelope:
            body: dict[str, Any] = {"items": items, "links": links}
            if page.total is not None:
                body["total"] = page.total
            data = body
        return (data, headers) if status is None else (data, status, headers)

    def response_headers(self) -> dict[str, dict[str, Any]]:
        """Return the OpenAPI header objects of a page's response."""
        result: dict[str, dict[str, Any]] = {}
        if self.link_header:
            rels = (
                "`first`, `next`" if self.style == "cursor" else "`first`, `prev`, `next`, `last`"
            )
            result["Link"] = {
                "description": f"Links to the {rels} pages (RFC 8288), with the request's"
                " other query parameters.",
                "schema": {"type": "string"},
            }
        if self.total_header:
            result[self.total_header] = {
                "description": "How many items the whole collection has.",
                "schema": {"type": "integer", "minimum": 0},
            }
        return result


def _extend(schema: ma.Schema, fields: dict[str, ma.fields.Field[Any]]) -> ma.Schema:
    """Return ``schema`` with ``fields`` added (a subclass, with the same modifiers)."""
    cls = type(schema)
    meta = type("Meta", (cls.Meta,), {"register": False})
    sub = type(cls.__name__, (cls,), {**fields, "Meta": meta, "__module__": cls.__module__})
    only = None if schema.only is None else (*schema.only, *fields)  # in order
    return sub(  # type: ignore[no-any-return]
        only=only,
        exclude=schema.exclude,
        load_only=schema.load_only,
        dump_only=schema.dump_only,
        partial=schema.partial,
        unknown=schema.unknown,
    )


def paginate(
    style: Style = "offset",
    *,
    default_size: int = 20,
    max_size: int = 100,
    envelope: bool = False,
    total_header: str | None = "X-Total-Count",
    link_header: bool = True,
    absolute_links: bool = True,
    name: str = "page",
    cursor_secret: str | bytes | None = None,
) -> Callable[[F], F]:
    """Paginate the collection a ``GET`` handler returns.

    The handler receives a :class:`Page` as ``page`` (``page.offset`` and
    ``page.limit`` in every style but cursor; ``page.cursor`` there), returns
    the page's items, and sets ``page.total`` when it knows it
    (``return page.slice(all_items)`` does both for a list).

    ========  =======================  =========================================
    style     query parameters         links
    ========  =======================  =========================================
    offset    ``offset``, ``limit``    first, prev, next, last (total known)
    page      ``page``, ``size``       first, prev, next, last (total known)
    cursor    ``cursor``, ``limit``    first, prev/next (as the handler sets)
    ========  =======================  =========================================

    Args:
        style: ``offset``, ``page`` or ``cursor``.
        default_size: Page size when the client names none.
        max_size: Largest page size; more is a 422 problem.
        envelope: Send ``{"items": [...], "total": n, "links": {...}}``
            (documented as ``<Item>Page``) instead of the bare list.
        total_header: Header giving the total (when known); None for none.
        link_header: Send the RFC 8288 ``Link`` header.
        absolute_links: Absolute URLs in links; False for path-absolute
            references (``/pets?offset=20&limit=10``).
        name: The handler keyword receiving the page.
        cursor_secret: A secret key signing cursors (HMAC-SHA256), so a
            client cannot make its own; without it cursors are only checked
            to decode.

    Returns:
        The decorator.

    Raises:
        ValueError: For an unknown style or inconsistent sizes.
    """
    if style not in STYLES:
        raise ValueError(f"Unknown pagination style {style!r}; use one of {STYLES}")
    if not 1 <= default_size <= max_size:
        raise ValueError("paginate() needs 1 <= default_size <= max_size")
    spec = Pagination(
        style,
        default_size,
        max_size,
        envelope,
        total_header,
        link_header,
        absolute_links,
        name,
        cursor_secret,
    )

    def decorator(func: F) -> F:
        return declare(func, spec)

    return decorator
