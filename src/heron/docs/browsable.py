"""HTML (``text/html``): the browsable API and HTML error pages.

When a browser asks a resource for ``text/html`` (RFC 9110 §12.5.1 chooses it
from the browser's ``Accept``), :class:`HTMLHandler` renders a page showing the
JSON representation (pretty-printed, escaped), the methods the resource allows
(``Allow``, RFC 9110 §10.2.1), the operation's summary and description, links
(the OpenAPI document, the docs, the items of a collection, the enclosing
collection) and forms for ``POST``, ``PUT`` and ``PATCH`` generated from the
request schema, which send JSON with ``fetch()``. Errors become an HTML page
with the problem's fields (RFC 9457 §3.1) and its ``errors`` as a table.

The pages are Jinja2 templates of the application (``heron/browsable.html``,
``heron/error.html``); an application overrides them by putting files of the
same names in its template folder. Everything the page needs is inline: no
external stylesheet, script or font.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlencode

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from ..http.errors import status_phrase
from ..media.base import MediaHandler

if TYPE_CHECKING:
    from werkzeug.wrappers import Request as WZRequest

    from ..core.operations import Operation
    from ..core.request import Request
    from ..core.resources import Route
    from ..core.routing import Router
    from ..core.scaffold import Scaffold
    from ..media.base import MediaRegistry
    from ._forms import FormField
    from .templating import Templates

__all__ = ["BrowsableAPI", "HTMLHandler", "highlight_json", "home_url"]


class Site(Protocol):
    """What the browsable API reads of the application it renders pages of."""

    title: str
    docs_path: str | None
    spec_path: str | None
    format_param: str | None
    media: MediaRegistry
    router: Router
    templates: Templates


def _site(req: Request) -> Site:
    """Return the application answering ``req``, as the pages see it."""
    return cast(Site, req.api)


#: Methods whose request content gets a generated form.
FORM_METHODS = ("POST", "PUT", "PATCH")
#: The rest of a rule after a collection's rule, for an item: ``/<int:pet_id>``.
_ITEM_SUFFIX = re.compile(r"^/<(?:[^>]*:)?(\w+)>/?$")
_JSON_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>true|false|null)"
    r"|(?P<other>[^\"\d\-tfn]+|.)",
    re.DOTALL,
)


def _is_link(value: str) -> bool:
    """Tell whether a string value is a URL worth linking (http(s) or a local path)."""
    if value.startswith("/") and not value.startswith("//"):
        return " " not in value
    return value.startswith(("http://", "https://")) and " " not in value


def highlight_json(data: Any) -> Markup:
    """Return ``data`` as indented JSON, escaped, with tokens wrapped for colouring.

    Keys become ``<span class="k">``, strings ``<span class="s">``, numbers
    ``<span class="n">`` and ``true``/``false``/``null`` ``<span class="l">``;
    a string that is an ``http(s)`` URL or a local path becomes a link. Every
    piece of text is HTML-escaped, so data can never inject markup.

    Args:
        data: Plain data (already dumped by the operation's schema).

    Returns:
        Safe HTML for a ``<pre>`` element.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    out: list[str] = []
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(0)
        if match.group("string") is not None:
            string = match.group("string")
            if match.group("colon") is not None:
                out.append(f'<span class="k">{escape(string)}</span>{escape(match["colon"])}')
                continue
            value = json.loads(string)
            if isinstance(value, str) and _is_link(value):
                out.append(f'<a class="s" href="{escape(value)}">{escape(string)}</a>')
            else:
                out.append(f'<span class="s">{escape(string)}</span>')
        elif match.group("number") is not None:
            out.append(f'<span class="n">{escape(token)}</span>')
        elif match.group("literal") is not None:
            out.append(f'<span class="l">{escape(token)}</span>')
        else:
            out.append(str(escape(token)))
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class _Form:
    """A generated form of the browsable page (template data)."""

    method: str
    summary: str | None
    url: str
    encoding: str  # "json" or "form"
    fields: tuple[FormField, ...]
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Link:
    label: str
    href: str
    rel: str = ""


class HTMLHandler(MediaHandler):
    """``text/html``: the browsable API page and HTML error pages.

    Registered by default after JSON and YAML, so JSON stays the default and
    browsers (whose ``Accept`` prefers ``text/html``) get the page. Switch it
    off with ``api.remove_media_handler("text/html")``; adding another
    ``HTMLHandler(template=...)`` replaces it.

    Args:
        template: The page template, looked up in the application's templates.
        error_template: The error page template.
    """

    media_type = "text/html"
    format = "html"
    can_parse = False
    problem_media_type = "text/html"
    structured = False

    def __init__(
        self,
        template: str = "heron/browsable.html",
        error_template: str = "heron/error.html",
    ) -> None:
        self.template = template
        self.error_template = error_template

    def serialize(self, data: Any) -> bytes:
        """Return ``data`` as a minimal HTML document (for use without a request)."""
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Data</title>'
            f"</head><body><pre>{highlight_json(data)}</pre></body></html>\n"
        )
        return page.encode("utf-8")

    def render(self, data: Any, request: WZRequest, status: int) -> bytes:
        """Return the browsable page of the resource ``request`` addressed.

        Args:
            data: The representation's data, already dumped.
            request: The request (Heron's); its ``route`` and ``operation``
                give the methods, summary, links and forms.
            status: The response status.

        Returns:
            The page, UTF-8.
        """
        req = cast("Request", request)
        if req.route is None or req.operation is None:
            return self.serialize(data)
        context = self.page_context(data, req, status)
        template = _site(req).templates.get_template(self.template)
        return template.render(context).encode("utf-8")

    def render_problem(self, problem: Any, request: WZRequest, status: int) -> tuple[bytes, str]:
        """Return an HTML error page for ``problem`` (RFC 9457 §3.1 members shown).

        The page also carries ``problem`` as JSON in a data block,
        ``<script type="application/problem+json" id="problem">``, which
        browsers do not run: scripts and tests read the problem from there.

        Args:
            problem: The problem details object, or whatever the application's
                problem formatter returned (shown as JSON when not a dict).
            request: The request that failed (Heron's).
            status: The response status.

        Returns:
            The page (UTF-8) and ``text/html; charset=utf-8``.
        """
        req = cast("Request", request)
        from jinja2.utils import htmlsafe_json_dumps

        members = dict(problem) if isinstance(problem, Mapping) else {}
        known = ("type", "title", "status", "detail", "instance", "errors")
        extensions = {k: v for k, v in members.items() if k not in known}
        errors = members.get("errors")
        kind = members.get("type")
        context = {
            "req": req,
            "api": _site(req),
            "status": status,
            "phrase": status_phrase(status),
            "problem": members,
            "type_href": kind if isinstance(kind, str) and _is_link(kind) else None,
            "raw": None if members else highlight_json(problem),
            # The problem itself, machine-readable: a data block (HTML §4.12.1.2).
            "data_block": htmlsafe_json_dumps(problem, default=str),
            "errors": errors if isinstance(errors, list) else [],
            "extensions": {k: highlight_json(v) for k, v in extensions.items()},
            "links": list(self._site_links(req)),
            "home": home_url(req),
        }
        template = _site(req).templates.get_template(self.error_template)
        return template.render(context).encode("utf-8"), "text/html; charset=utf-8"

    # -- the page ---------------------------------------------------------------

    def page_context(self, data: Any, req: Request, status: int) -> dict[str, Any]:
        """Return the variables of the browsable page template.

        Args:
            data: The representation's data.
            req: The request (``route`` and ``operation`` set).
            status: The response status.

        Returns:
            ``req``, ``api``, ``status``, ``phrase`` (its reason phrase),
            ``operation`` (the :class:`~heron.operations.Operation`),
            ``heading`` (its summary), ``description`` (escaped paragraphs),
            ``allow`` (the methods, RFC 9110 §10.2.1), ``body`` (highlighted
            JSON), ``breadcrumbs``, ``links`` (docs, spec, other formats),
            ``home`` (the application's home URL, or None), ``items`` (links to
            a collection's items), ``query`` (the GET query form, or None),
            ``forms`` (one per POST, PUT, PATCH), ``delete`` (whether to offer
            a DELETE button), ``url`` (this resource's) and ``up`` (the
            enclosing collection's URL, or None).
        """
        route, op = req.route, req.operation
        assert route is not None and op is not None
        up = self._parent_url(req, route)
        here = req.script_root + req.path
        return {
            "req": req,
            "api": _site(req),
            "status": status,
            "phrase": status_phrase(status),
            "operation": op,
            "heading": (op.summary or req.path).rstrip("."),
            "description": _paragraphs(op.description),
            "allow": route.allow.split(", "),
            "body": highlight_json(data),
            "breadcrumbs": _breadcrumbs(req),
            "links": list(self._site_links(req)),
            "home": home_url(req),
            "items": list(self._item_links(req, route, data)),
            "query": self._query_form(req, route.operations.get("GET")),
            "forms": [self._form(req, m, route.operations[m], data, here) for m in _forms(route)],
            "delete": "DELETE" in route.operations,
            "url": here,
            "up": up,
        }

    def _form(self, req: Request, method: str, op: Operation, data: Any, url: str) -> _Form:
        arg = op.body_argument
        from ._forms import flatten_values, form_fields

        fields = form_fields(arg.schema) if arg is not None else ()
        if method == "POST":
            values = _defaults(fields)
        else:  # PUT and PATCH start from the current representation
            values = flatten_values(data, fields) if isinstance(data, Mapping) else {}
        encoding = "form" if arg is not None and arg.location == "form" else "json"
        summary = (op.summary or "").rstrip(".") or None
        return _Form(method, summary, url, encoding, fields, values)

    def _query_form(self, req: Request, op: Operation | None) -> _Form | None:
        arg = next((a for a in op.arguments if a.location == "query"), None) if op else None
        if arg is None:
            return None
        from ._forms import form_fields

        fields = tuple(f for f in form_fields(arg.schema) if f.control != "fieldset")
        values = {f.name: req.args[f.name] for f in fields if f.name in req.args}
        return _Form("GET", None, req.script_root + req.path, "query", fields, values)

    def _site_links(self, req: Request) -> Iterator[_Link]:
        api = _site(req)
        root = req.script_root
        if api.docs_path:
            yield _Link("API docs", root + api.docs_path, "help")
        if api.spec_path:
            yield _Link("OpenAPI (JSON)", f"{root}{api.spec_path}.json", "service-desc")
            yield _Link("OpenAPI (YAML)", f"{root}{api.spec_path}.yaml", "service-desc")
        param = api.format_param
        if param and req.route is not None and req.route.negotiate:
            for handler in api.media.serializers():
                fmt = getattr(handler, "format", "")
                if handler is self or not fmt:
                    continue
                args = MultiDict(req.args)
                args[param] = fmt
                query = urlencode(list(args.items(multi=True)))
                yield _Link(f"As {fmt.upper()}", f"{root}{req.path}?{query}", "alternate")

    def _item_links(self, req: Request, route: Route, data: Any) -> Iterator[_Link]:
        """Link each item of a collection (dicts with ``id`` or the item's path key)."""
        if not isinstance(data, list) or not data:
            return
        base = route.rule.rstrip("/")
        for other in _site(req).router:
            if not other.rule.startswith(base + "/") or "GET" not in other.operations:
                continue
            m = _ITEM_SUFFIX.match(other.rule[len(base) :])
            if m is None:
                continue
            key = m.group(1)
            for item in data:
                if not isinstance(item, Mapping):
                    continue
                value = item.get(key, item.get("id"))
                if value is None:
                    continue
                try:
                    href = req.url_for(other.endpoint, **{**req.path_params, key: value})
                except (BuildError, ValueError, TypeError):
                    continue
                label = item.get("name") or item.get("title") or f"{key} {value}"
                yield _Link(str(label), href, "item")
            return

    def _parent_url(self, req: Request, route: Route) -> str | None:
        """Return the URL of the collection ``route``'s resource is an item of, if any."""
        rule = route.rule.rstrip("/")
        cut = rule.rfind("/")
        if cut <= 0 or _ITEM_SUFFIX.match(rule[cut:]) is None:
            return None
        parent_rule = rule[:cut]
        rules = {r.endpoint: r for r in _site(req).router.map.iter_rules()}
        for other in _site(req).router:
            if other.rule.rstrip("/") == parent_rule and "GET" in other.operations:
                wanted = rules[other.endpoint].arguments
                values = {k: v for k, v in req.path_params.items() if k in wanted}
                try:
                    return req.url_for(other.endpoint, **values)
                except BuildError:  # pragma: no cover - same variables as the item's
                    return None
        return None


def _forms(route: Route) -> list[str]:
    return [m for m in FORM_METHODS if m in route.operations]


def _defaults(fields: tuple[FormField, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fld in fields:
        if fld.children:
            out.update(_defaults(fld.children))
        elif fld.default is not None:
            out[fld.name] = fld.default
    return out


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _paragraphs(text: str | None) -> list[Markup]:
    """Split a CommonMark description into escaped paragraphs, keeping code spans."""
    if not text:
        return []
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        html = str(escape(" ".join(block.split())))
        out.append(Markup(_CODE_SPAN.sub(r"<code>\1</code>", html)))
    return out


def _routable(req: Request, path: str) -> bool:
    """Tell whether ``GET path`` reaches a resource of the application."""
    adapter = req.url_adapter or _site(req).router.map.bind_to_environ(req.environ)
    return bool(adapter.test(path, "GET"))


def home_url(req: Request) -> str | None:
    """Return the URL of the application's ``/`` page, or its docs, or None."""
    root = req.script_root
    if _routable(req, "/"):
        return root + "/"
    docs_path = _site(req).docs_path
    if docs_path:
        return root + docs_path
    return None


def _breadcrumbs(req: Request) -> list[_Link]:
    """Return a crumb per path segment (``/pets``, ``/pets/1``), linked when routable."""
    root = req.script_root
    crumbs = [_Link(_site(req).title, root + "/" if _routable(req, "/") else "")]
    path = ""
    for segment in (s for s in req.path.split("/") if s):
        path += "/" + segment
        crumbs.append(_Link(segment, root + path if _routable(req, path) else ""))
    return crumbs


class BrowsableAPI:
    """The extension giving browsers the browsable API: :class:`HTMLHandler`, after JSON and YAML.

    Switch it off with ``api.remove_media_handler("text/html")``.
    """

    name = "browsable"

    def init_app(self, api: Scaffold) -> None:
        """Register the HTML handler before the form parsers (after every serializer)."""
        media: MediaRegistry = api.media  # type: ignore[attr-defined]
        media.add(HTMLHandler(), before="application/x-www-form-urlencoded")
