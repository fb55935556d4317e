"""The browsable API (``text/html`` representations) and HTML error pages."""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
from werkzeug.test import Client

from heron import Api, Blueprint, Request, Resource, abort, arguments, doc, response
from heron.core.fields import Upload
from heron.docs._forms import FormField, flatten_values, form_fields
from heron.docs.browsable import HTMLHandler, highlight_json

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
XSS = "<script>alert('x')</script>"


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Size(enum.Enum):
    S = 1
    M = 2


class DimensionsSchema(ma.Schema):
    width = ma.fields.Float(required=True, validate=ma.validate.Range(min=0, min_inclusive=False))
    height = ma.fields.Float(required=True, metadata={"description": "In cm."})


class OwnerSchema(ma.Schema):
    name = ma.fields.Str(required=True)


class ThingSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True, validate=ma.validate.Length(min=1, max=50))
    code = ma.fields.Str(validate=ma.validate.Length(equal=4))
    count = ma.fields.Int(load_default=1, validate=ma.validate.Range(min=0, max=10))
    price = ma.fields.Float()
    cost = ma.fields.Decimal(as_string=True)
    active = ma.fields.Bool(load_default=True)
    status = ma.fields.Str(
        load_default="new", validate=ma.validate.OneOf(["new", "used"], labels=["New", "Used"])
    )
    level = ma.fields.Int(validate=ma.validate.OneOf([1, 2, 3]))
    colour = ma.fields.Enum(Colour)
    size = ma.fields.Enum(Size, by_value=True)
    dimensions = ma.fields.Nested(DimensionsSchema, load_default=None, allow_none=True)
    owner = ma.fields.Nested(OwnerSchema, required=True)
    when = ma.fields.DateTime()
    day = ma.fields.Date()
    at = ma.fields.Time()
    email = ma.fields.Email()
    homepage = ma.fields.Url()
    ref = ma.fields.UUID()
    nick = ma.fields.Str(validate=ma.validate.Length(max=10))
    note = ma.fields.Str(validate=ma.validate.Length(min=2))
    tags = ma.fields.List(ma.fields.Str())
    anything = ma.fields.List(ma.fields.Raw())
    scores = ma.fields.List(ma.fields.Int())
    parts = ma.fields.List(ma.fields.Nested(OwnerSchema))
    extra = ma.fields.Dict()
    secret = ma.fields.Str(load_only=True)
    renamed = ma.fields.Str(data_key="renamedKey")
    computed = ma.fields.Method("compute")
    created_at = ma.fields.DateTime(dump_only=True)

    def compute(self, obj: Any) -> str:
        return "x"


class ThingQuery(ma.Schema):
    name = ma.fields.Str()
    limit = ma.fields.Int(load_default=20)


class Store:
    def __init__(self) -> None:
        self.things: dict[int, dict[str, Any]] = {}

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        thing = {"id": len(self.things) + 1, **data}
        self.things[thing["id"]] = thing
        return thing


class Things(Resource):
    def __init__(self, store: Store) -> None:
        self.store = store

    @arguments(ThingQuery, location="query")
    @response(200, ThingSchema, many=True)
    def get(self, req: Request, query: dict[str, Any]) -> list[dict[str, Any]]:
        """List things.

        Things in the order they were added; see `limit`.

        A second paragraph.
        """
        return list(self.store.things.values())[: query["limit"]]

    @arguments(ThingSchema)
    @response(201, ThingSchema)
    def post(self, req: Request, body: dict[str, Any]) -> Any:
        """Add a thing."""
        thing = self.store.add(body)
        return thing, 201, {"Location": req.url_for("things.Thing", thing_id=thing["id"])}


class Thing(Resource):
    def __init__(self, store: Store) -> None:
        self.store = store

    def _get(self, thing_id: int) -> dict[str, Any]:
        if thing_id not in self.store.things:
            abort(404, f"No thing {thing_id}; not even {XSS}.")
        return self.store.things[thing_id]

    @response(200, ThingSchema)
    def get(self, req: Request, thing_id: int) -> dict[str, Any]:
        """Get a thing."""
        return self._get(thing_id)

    @arguments(ThingSchema)
    @response(200, ThingSchema)
    def put(self, req: Request, thing_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a thing."""
        self._get(thing_id)
        self.store.things[thing_id] = {"id": thing_id, **body}
        return self.store.things[thing_id]

    @arguments(ThingSchema(partial=True))
    @response(200, ThingSchema)
    def patch(self, req: Request, thing_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Change a thing."""
        self._get(thing_id).update(body)
        return self._get(thing_id)

    @response(204)
    def delete(self, req: Request, thing_id: int) -> None:
        """Delete a thing."""
        self._get(thing_id)
        del self.store.things[thing_id]


class FeedbackSchema(ma.Schema):
    message = ma.fields.Str(required=True)
    happy = ma.fields.Bool()


class PhotoSchema(ma.Schema):
    caption = ma.fields.Str()
    photo = Upload(required=True, content_types=["image/png", "image/*"])
    scan = Upload()


class Photos(Resource):
    @arguments(PhotoSchema, location="form")
    def post(self, req: Request, form: dict[str, Any]) -> dict[str, Any]:
        """Upload a photo."""
        return {"caption": form.get("caption"), "photo": form["photo"].filename}


class Feedback(Resource):
    @arguments(FeedbackSchema, location="form")
    def post(self, req: Request, form: dict[str, Any]) -> dict[str, Any]:
        """Send feedback."""
        return form


class Ping(Resource):
    def get(self, req: Request) -> dict[str, str]:
        return {"pong": "/things", "home": "https://example.org/a?b=1&c=2", "odd": '/x"y'}

    def post(self, req: Request) -> None:
        """Ping without content."""

    @doc(include_in_schema=False)
    def put(self, req: Request) -> dict[str, str]:
        raise RuntimeError("boom: secret")


THING = {
    "name": XSS,
    "code": "AB12",
    "owner": {"name": "Ann"},
    "tags": ["a", "b"],
    "dimensions": {"width": 2, "height": 3},
    "when": "2024-05-01T10:20:30+00:00",
    "size": 2,
    "extra": {"k": [1, 2]},
}


def make_api(**kwargs: Any) -> Api:
    store = Store()
    api = Api("Things <API>", "2.0.0", **kwargs)  # the HTML handler is on by default
    bp = Blueprint("things", url_prefix="/things")
    bp.add_resource(Things(store), "")
    bp.add_resource(Thing(store), "/<int:thing_id>")
    api.register_blueprint(bp)
    api.add_resource(Feedback, "/feedback")
    api.add_resource(Photos, "/photos")
    api.add_resource(Ping, "/ping")
    return api


@pytest.fixture
def api() -> Api:
    return make_api()


@pytest.fixture
def client(api: Api) -> Client:
    client = api.test_client()
    assert client.post("/things", json=THING).status_code == 201
    return client


def page(client: Client, path: str, status: int = 200, **kwargs: Any) -> str:
    resp = client.get(path, headers={"Accept": BROWSER}, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "Accept" in resp.headers.get("Vary", "")
    text: str = resp.text
    return text


# -- a small HTML reader ------------------------------------------------------------------


class Control:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.options: list[tuple[str, str, bool]] = []  # value, label, selected
        self.text = ""

    @property
    def name(self) -> str:
        return str(self.attrs.get("name"))

    @property
    def type(self) -> str:
        return self.tag if self.tag != "input" else str(self.attrs.get("type"))


class Form:
    def __init__(self, attrs: dict[str, str | None]) -> None:
        self.attrs = attrs
        self.controls: dict[str, Control] = {}
        self.fieldsets: list[str] = []


class PageReader(HTMLParser):
    """Forms with their controls, links, script elements and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self.links: list[dict[str, str | None]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self._form: Form | None = None
        self._control: Control | None = None
        self._option: tuple[str, bool] | None = None
        self._legend = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.handlers += [name for name in values if name.startswith("on")]
        if tag == "script":
            self.scripts.append(values)
        elif tag == "a":
            self.links.append(values)
        elif tag == "form":
            self._form = Form(values)
            self.forms[str(values.get("id"))] = self._form
        elif tag in ("input", "select", "textarea") and self._form is not None:
            self._control = Control(tag, values)
            self._form.controls[self._control.name] = self._control
        elif tag == "option":
            self._option = (str(values.get("value")), "selected" in values)
        elif tag == "legend":
            self._legend = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in ("select", "textarea"):
            self._control = None
        elif tag == "legend":
            self._legend = False

    def handle_data(self, data: str) -> None:
        if self._option is not None and self._control is not None:
            value, selected = self._option
            self._control.options.append((value, data.strip(), selected))
            self._option = None
        elif self._control is not None and self._control.tag == "textarea":
            self._control.text += data
        elif self._legend and self._form is not None and data.strip():
            self._form.fieldsets.append(data.strip())


def read(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


# -- negotiation ---------------------------------------------------------------------------


def test_json_stays_the_default_and_browsers_get_html(client: Client) -> None:
    plain = client.get("/things")
    assert plain.headers["Content-Type"] == "application/json"
    assert plain.json[0]["name"] == XSS
    html = client.get("/things", headers={"Accept": BROWSER})
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.headers["Vary"] == "Accept"
    assert html.text.startswith("<!DOCTYPE html>")
    assert client.get("/things?format=html").headers["Content-Type"].startswith("text/html")
    head = client.head("/things", headers={"Accept": BROWSER})
    assert head.status_code == 200
    assert head.data == b""


def test_spec_documents_html_as_a_page(api: Api) -> None:
    content = api.openapi()["paths"]["/things"]["get"]["responses"]["200"]["content"]
    assert list(content)[0] == "application/json"
    assert "text/html" in content


# -- the representation ----------------------------------------------------------------------


def test_representation_is_pretty_printed_and_escaped(client: Client) -> None:
    html = page(client, "/things/1")
    assert XSS not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    body = re.search(r'<pre class="json" id="representation">(.*?)</pre>', html, re.DOTALL)
    assert body is not None
    text = re.sub(r"<[^>]+>", "", body.group(1))
    assert text.startswith("{\n  &#34;id&#34;: 1,\n  &#34;name&#34;: ")
    assert "  &#34;dimensions&#34;: {\n    &#34;width&#34;: 2.0," in text
    # Every script on the page is Heron's one inline script; no handler attributes.
    reader = read(html)
    assert reader.scripts == [{}]
    assert reader.handlers == []


def test_status_allow_and_content_type_are_shown(client: Client) -> None:
    html = page(client, "/things")
    assert (
        "<b>HTTP 200 OK</b>\nAllow: GET, HEAD, OPTIONS, POST\nContent-Type: application/json"
        in html
    )
    badges = re.findall(r'<span class="method m-(\w+)">(\w+)</span>', html)
    assert [b[1] for b in badges][:4] == ["GET", "HEAD", "OPTIONS", "POST"]
    item = page(client, "/things/1")
    assert "Allow: DELETE, GET, HEAD, OPTIONS, PATCH, PUT" in item


def test_summary_and_description_are_shown(client: Client) -> None:
    html = page(client, "/things")
    assert "<title>List things · Things &lt;API&gt;</title>" in html
    assert "<h1>List things</h1>" in html
    assert "<p>Things in the order they were added; see <code>limit</code>.</p>" in html
    assert "<p>A second paragraph.</p>" in html


def test_links_to_docs_spec_items_and_collection(client: Client) -> None:
    client.post("/things", json={"name": "Second", "owner": {"name": "Bob"}})
    links = {str(a.get("href")): a for a in read(page(client, "/things?limit=5")).links}
    assert links["/docs"]["rel"] == "help"
    assert links["/openapi.json"]["rel"] == "service-desc"
    assert links["/openapi.yaml"]["rel"] == "service-desc"
    assert links["/things?limit=5&format=json"]["rel"] == "alternate"
    assert links["/things/1"]["rel"] == "item"
    assert links["/things/2"]["rel"] == "item"
    item_links = {str(a.get("href")): a for a in read(page(client, "/things/2")).links}
    assert item_links["/things"]["rel"] == "collection"
    assert "/things/1" not in item_links


def test_item_links_are_labelled_and_escaped(client: Client) -> None:
    html = page(client, "/things")
    assert (
        '<a href="/things/1" rel="item">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</a>' in html
    )


def test_breadcrumbs_link_only_what_exists(client: Client) -> None:
    html = page(client, "/things/1")
    crumbs = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert crumbs is not None
    # No resource at "/": the title is not a link; the docs are the home.
    assert crumbs.group(1).strip().startswith("Things &lt;API&gt;<span>/</span>")
    assert '<a href="/things">things</a>' in crumbs.group(1)
    assert '<a href="/things/1">1</a>' in crumbs.group(1)
    assert '<a class="brand" href="/docs">' in html


def test_string_values_that_are_urls_become_links(client: Client) -> None:
    html = page(client, "/ping")
    assert '<a class="s" href="/things">&#34;/things&#34;</a>' in html
    assert '<a class="s" href="https://example.org/a?b=1&amp;c=2">' in html
    odd = [a for a in read(html).links if str(a.get("href")).startswith("/x")]
    assert odd == [{"class": "s", "href": '/x"y'}]  # the quote stays inside the attribute


# -- forms -------------------------------------------------------------------------------------


def test_post_form_controls_follow_the_schema(client: Client) -> None:
    form = read(page(client, "/things")).forms["form-post"]
    assert form.attrs["data-method"] == "POST"
    assert form.attrs["data-url"] == "/things"
    assert form.attrs["data-encoding"] == "json"
    c = form.controls
    assert "id" not in c and "created_at" not in c  # dump_only
    assert "computed" not in c  # computed by the schema
    assert "secret" in c  # load_only fields are input
    assert "renamedKey" in c and "renamed" not in c  # data keys
    expected_types = {
        "name": "text",
        "code": "text",
        "count": "number",
        "price": "number",
        "cost": "number",
        "active": "checkbox",
        "status": "select",
        "level": "select",
        "colour": "select",
        "size": "select",
        "dimensions.width": "number",
        "dimensions.height": "number",
        "owner.name": "text",
        "when": "datetime-local",
        "day": "date",
        "at": "time",
        "email": "email",
        "homepage": "url",
        "ref": "text",
        "tags": "textarea",
        "scores": "textarea",
        "parts": "textarea",
        "extra": "textarea",
        "anything": "textarea",
    }
    assert {n: c[n].type for n in expected_types} == expected_types
    assert form.fieldsets == ["dimensions", "owner", "*"]  # "*": required
    encodings = {n: c[n].attrs["data-encoding"] for n in c}
    assert encodings["count"] == "integer"
    assert encodings["price"] == "number"
    assert encodings["active"] == "boolean"
    assert encodings["level"] == "integer"
    assert encodings["size"] == "json"
    assert encodings["tags"] == "lines"
    assert c["scores"].attrs["data-item"] == "integer"
    assert encodings["parts"] == encodings["extra"] == encodings["anything"] == "json"
    assert c["dimensions.width"].attrs["data-path"] == '["dimensions", "width"]'
    assert c["renamedKey"].attrs["data-path"] == '["renamedKey"]'


def test_form_constraints_and_required_fields(client: Client) -> None:
    c = read(page(client, "/things")).forms["form-post"].controls
    assert "required" in c["name"].attrs
    assert (c["name"].attrs["minlength"], c["name"].attrs["maxlength"]) == ("1", "50")
    assert (c["code"].attrs["minlength"], c["code"].attrs["maxlength"]) == ("4", "4")
    assert c["nick"].attrs["maxlength"] == "10" and "minlength" not in c["nick"].attrs
    assert c["note"].attrs["minlength"] == "2" and "maxlength" not in c["note"].attrs
    assert (c["count"].attrs["min"], c["count"].attrs["max"], c["count"].attrs["step"]) == (
        "0",
        "10",
        "1",
    )
    assert c["price"].attrs["step"] == "any"
    assert "min" not in c["dimensions.width"].attrs  # exclusive: checked by the server
    # Required inside a required group is enforced; inside an optional group it is not.
    assert "required" in c["owner.name"].attrs
    assert "required" not in c["dimensions.width"].attrs
    assert "required" not in c["count"].attrs


def test_post_form_starts_from_defaults_and_selects_show_choices(client: Client) -> None:
    c = read(page(client, "/things")).forms["form-post"].controls
    assert c["count"].attrs["value"] == "1"
    assert "checked" in c["active"].attrs
    assert c["status"].options == [("", "—", False), ("new", "New", True), ("used", "Used", False)]
    assert [o[0] for o in c["level"].options] == ["", "1", "2", "3"]
    assert [o[:2] for o in c["colour"].options] == [("", "—"), ("RED", "RED"), ("GREEN", "GREEN")]
    assert [o[:2] for o in c["size"].options] == [("", "—"), ("1", "1"), ("2", "2")]
    assert c["name"].attrs["value"] == ""


def test_put_and_patch_forms_start_from_the_current_representation(client: Client) -> None:
    forms = read(page(client, "/things/1")).forms
    assert set(forms) == {"form-put", "form-patch", "form-delete"}
    put = forms["form-put"].controls
    assert put["name"].attrs["value"] == XSS  # an attribute value, escaped by the parser
    assert put["dimensions.height"].attrs["value"] == "3.0"
    assert put["tags"].text == "a\nb"
    assert put["when"].attrs["value"] == "2024-05-01T10:20:30"
    assert put["extra"].text == '{\n  "k": [\n    1,\n    2\n  ]\n}'
    assert [o for o in put["size"].options if o[2]] == [("2", "2", True)]
    assert "required" in put["name"].attrs
    patch = forms["form-patch"].controls
    assert patch["name"].attrs["value"] == XSS
    assert not any("required" in ctl.attrs for ctl in patch.values())  # partial: nothing required
    delete = forms["form-delete"]
    assert delete.attrs["data-method"] == "DELETE"
    assert delete.attrs["data-after"] == "/things"
    assert delete.controls == {}


def test_form_content_operations_get_a_form_encoded_form(client: Client) -> None:
    resp = client.post("/feedback", headers={"Accept": BROWSER}, data={"message": "hi"})
    assert resp.status_code == 200
    form = read(resp.text).forms["form-post"]
    assert form.attrs["data-encoding"] == "form"
    assert form.controls["happy"].type == "checkbox"
    assert form.controls["happy"].attrs["value"] == "true"


def test_file_uploads_get_a_file_input_in_a_multipart_form(client: Client) -> None:
    resp = client.post(
        "/photos",
        headers={"Accept": BROWSER},
        data={"photo": (io.BytesIO(b"png"), "cat.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.text
    form = read(resp.text).forms["form-post"]
    assert form.attrs["data-encoding"] == "form"
    photo = form.controls["photo"]
    assert photo.type == "file"
    assert photo.attrs["accept"] == "image/png,image/*"
    assert "required" in photo.attrs
    assert photo.attrs["data-encoding"] == "file"
    assert "accept" not in form.controls["scan"].attrs
    assert form.controls["caption"].type == "text"


def test_operations_without_content_get_a_button(client: Client) -> None:
    forms = read(page(client, "/ping")).forms
    assert forms["form-post"].attrs["data-encoding"] == "none"
    assert forms["form-post"].controls == {}
    assert forms["form-put"].attrs["data-encoding"] == "none"


def test_query_form_shows_the_current_query(client: Client) -> None:
    html = page(client, "/things?name=Ann&limit=5")
    query = read(html).forms["query"]
    assert query.attrs["method"] == "get"
    assert query.attrs["action"] == "/things"
    assert query.controls["name"].attrs["value"] == "Ann"
    assert query.controls["limit"].attrs["value"] == "5"
    assert "data-path" not in query.controls["limit"].attrs  # sent natively, not as JSON
    empty = read(page(client, "/things")).forms["query"]
    assert empty.controls["limit"].attrs["placeholder"] == "20"


def test_the_script_sends_json_with_fetch() -> None:
    html = page(make_api().test_client(), "/things")
    script = html[html.index("<script>") : html.index("</script>")]
    assert "fetch(url, init)" in script
    assert 'init.headers["Content-Type"] = "application/json"' in script
    assert "JSON.stringify(collect(form))" in script
    assert "src=" not in html.split("<script>")[0].split("<style>")[0]  # nothing external


def test_an_application_may_replace_the_page(tmp_path: Path) -> None:
    (tmp_path / "heron").mkdir()
    (tmp_path / "heron" / "browsable.html").write_text(
        "mine: {{ heading }} {{ allow | join(',') }}"
    )
    client = make_api(template_folder=tmp_path).test_client()
    assert page(client, "/things") == "mine: List things GET,HEAD,OPTIONS,POST"


# -- error pages --------------------------------------------------------------------------------


def test_404_error_page(client: Client) -> None:
    html = page(client, "/things/42", status=404)
    assert "<title>404 Not Found · Things &lt;API&gt;</title>" in html
    assert '<div class="status">404</div>' in html
    assert "<h1>Not Found</h1>" in html
    assert "No thing 42; not even &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;." in html
    assert XSS not in html
    assert "<dt>instance</dt><dd><code>/things/42</code></dd>" in html


def problem_in(html: str) -> Any:
    """Read the problem from the page's data block."""
    found = re.search(
        r'<script type="application/problem\+json" id="problem">(.*?)</script>', html, re.DOTALL
    )
    assert found is not None
    return json.loads(found.group(1))


def test_error_pages_carry_the_problem_as_a_data_block(client: Client) -> None:
    html = page(client, "/things/42", status=404)
    as_json = client.get("/things/42").json
    assert problem_in(html) == as_json
    assert as_json["detail"] == f"No thing 42; not even {XSS}."
    assert "</script>" not in html.split('id="problem">')[1].split("</script>")[0]
    assert "\\u003cscript\\u003e" in html  # "<" and ">" escaped inside the data block
    reader = read(html)
    assert reader.scripts == [{"type": "application/problem+json", "id": "problem"}]


def test_unknown_path_error_page(client: Client) -> None:
    html = page(client, "/nowhere", status=404)
    assert "No resource at &#39;/nowhere&#39;." in html


def test_422_error_page_lists_each_field_in_a_table(client: Client) -> None:
    resp = client.post(
        "/things",
        json={"name": "", "owner": {}, "colour": "BLUE"},
        headers={"Accept": BROWSER},
    )
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    rows = re.findall(
        r'<tr><td>(\w+)</td><td class="path">([\w.]+)</td><td>([^<]+)</td></tr>', resp.text
    )
    assert {(loc, path) for loc, path, _ in rows} == {
        ("json", "name"),
        ("json", "owner.name"),
        ("json", "colour"),
    }
    assert "<th>Location</th><th>Field</th><th>Message</th>" in resp.text


def test_405_and_500_error_pages(client: Client) -> None:
    resp = client.patch("/things", headers={"Accept": BROWSER})
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert "<h1>Method Not Allowed</h1>" in resp.text
    boom = client.put("/ping", headers={"Accept": BROWSER})
    assert boom.status_code == 500
    assert boom.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "secret" not in boom.text
    assert "Traceback" not in boom.text


def test_extension_members_are_shown(api: Api) -> None:
    class Busy(Resource):
        def get(self, req: Request) -> None:
            abort(429, "Slow down.", retry_in=[1, 2], type="https://example.org/busy")

    api.add_resource(Busy, "/busy")
    html = page(api.test_client(), "/busy", status=429)
    assert '<a href="https://example.org/busy">https://example.org/busy</a>' in html
    assert re.search(r"<dt>retry_in</dt><dd><pre class=\"json\">\[\n  <span", html)


def test_error_page_for_data_that_is_not_a_problem(api: Api) -> None:
    handler = HTMLHandler()
    with api.test_client().application.request_class(  # type: ignore[attr-defined]
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "wsgi.url_scheme": "http"}, api
    ) as req:
        body, content_type = handler.render_problem([{"code": XSS}], req, 400)
    assert content_type == "text/html; charset=utf-8"
    text = body.decode()
    assert problem_in(text) == [{"code": XSS}]
    assert "<h1>Bad Request</h1>" in text
    assert "&lt;script&gt;" in text and XSS not in text


# -- pieces ---------------------------------------------------------------------------------------


def test_highlight_json() -> None:
    html = str(highlight_json({"a<": [1, -2.5e3, True, None, 'x"<y>'], "url": "http://h/"}))
    assert html == (
        "{\n"
        '  <span class="k">&#34;a&lt;&#34;</span>: [\n'
        '    <span class="n">1</span>,\n'
        '    <span class="n">-2500.0</span>,\n'
        '    <span class="l">true</span>,\n'
        '    <span class="l">null</span>,\n'
        '    <span class="s">&#34;x\\&#34;&lt;y&gt;&#34;</span>\n'
        "  ],\n"
        '  <span class="k">&#34;url&#34;</span>: '
        '<a class="s" href="http://h/">&#34;http://h/&#34;</a>\n'
        "}"
    )
    assert str(highlight_json("ünï")) == '<span class="s">&#34;ünï&#34;</span>'
    assert str(highlight_json("//evil.example/x")) == (
        '<span class="s">&#34;//evil.example/x&#34;</span>'
    )
    assert str(highlight_json("javascript:alert(1)")).startswith('<span class="s">')


def test_serialize_without_a_request_is_a_plain_page() -> None:
    body = HTMLHandler().serialize({"a": XSS}).decode()
    assert body.startswith("<!DOCTYPE html>")
    assert XSS not in body
    assert "&lt;script&gt;" in body


def test_form_fields_are_cached_per_schema() -> None:
    schema = ThingSchema()
    assert form_fields(schema) is form_fields(schema)
    assert form_fields(ThingSchema()) == form_fields(schema)


def test_partial_schemas_require_nothing() -> None:
    fields = form_fields(ThingSchema(partial=True))
    assert not any(f.required or f.enforced for f in fields)
    some = {f.name: f.required for f in form_fields(ThingSchema(partial=("name",)))}
    assert some["name"] is False
    assert some["owner"] is True


def test_flatten_values() -> None:
    fields = form_fields(ThingSchema())
    values = flatten_values(
        {
            "name": "n",
            "dimensions": {"width": 1.5, "height": None},
            "tags": ["x", "y"],
            "size": 1,
            "day": dt.date(2024, 1, 2),
            "at": dt.time(10, 30),
            "unknown": 1,
            "owner": None,
        },
        fields,
    )
    assert values == {
        "name": "n",
        "dimensions.width": 1.5,
        "tags": "x\ny",
        "size": "1",
        "day": "2024-01-02",
        "at": "10:30:00",
    }
    assert flatten_values([1, 2], fields) == {}


def test_form_field_path_json() -> None:
    f = FormField(name="a.b", path=("a", "b"), label="b", control="text", encoding="string")
    assert f.path_json == '["a", "b"]'


# -- pages of unusual resources ------------------------------------------------------------------


class Numbers(Resource):
    def get(self, req: Request) -> list[Any]:
        """Not things."""
        return [1, {"id": None}, {"id": "abc"}, {"slot": 7}, {"id": 3, "title": "Third"}]


class Slot(Resource):
    def get(self, req: Request, slot: int) -> dict[str, int]:
        return {"slot": slot}


class Lonely(Resource):
    def get(self, req: Request) -> list[dict[str, int]]:
        return [{"id": 1}]


def test_item_links_skip_what_cannot_be_linked() -> None:
    api = Api(spec_path=None)
    api.add_resource(Numbers, "/numbers")
    api.add_resource(Lonely, "/numbers/stats", endpoint="stats", include_in_schema=False)
    api.add_resource(Slot, "/numbers/<int:slot>")
    api.add_resource(Lonely, "/lonely")
    api.add_resource(Slot, "/orphans/<int:slot>", endpoint="orphan", include_in_schema=False)
    client = api.test_client()
    reader = read(page(client, "/numbers"))
    items = [(a.get("href"), a.get("rel")) for a in reader.links if a.get("rel") == "item"]
    assert items == [("/numbers/7", "item"), ("/numbers/3", "item")]
    assert '<a href="/numbers/3" rel="item">Third</a>' in page(client, "/numbers")
    assert '<a href="/numbers/7" rel="item">slot 7</a>' in page(client, "/numbers")
    assert [a for a in read(page(client, "/lonely")).links if a.get("rel") == "item"] == []
    orphan = read(page(client, "/orphans/1"))
    assert [a for a in orphan.links if a.get("rel") == "collection"] == []
    # No spec, no docs: no links to them, and no home to go back to.
    assert not any(str(a.get("href")).startswith(("/docs", "/openapi")) for a in orphan.links)
    assert '<span class="brand">' in page(client, "/lonely")
    assert "Back to" not in page(client, "/nowhere", status=404)


def test_a_home_page_is_linked(tmp_path: Path) -> None:
    (tmp_path / "home.html").write_text("home")

    class Home(Resource):
        negotiate = False

        def get(self, req: Request) -> Any:
            from heron.docs.templating import render_template

            return render_template(req, "home.html")

    api = make_api(template_folder=tmp_path)
    api.add_resource(Home, "/", include_in_schema=False)
    html = page(api.test_client(), "/things")
    assert '<a class="brand" href="/">' in html
    assert '<a href="/">Things &lt;API&gt;</a><span>/</span>' in html


def test_render_without_a_route_is_the_plain_page(api: Api) -> None:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "wsgi.url_scheme": "http"}
    req = api.request_class(environ, api)
    assert HTMLHandler().render({"a": 1}, req, 200) == HTMLHandler().serialize({"a": 1})
