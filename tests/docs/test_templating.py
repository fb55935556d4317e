"""Jinja2 templates per application and blueprint, pages beside resources, static files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import marshmallow as ma
import pytest
from werkzeug.test import Client

from heron import Api, Blueprint, Request, Resource, Response, response
from heron.docs.templating import Templates, render_template
from heron.features.static import StaticFiles, mount_static

ROOT = Path(__file__).resolve().parents[2]


def fetch(client: Client, path: str, method: str = "GET", **kwargs: Any) -> Any:
    """Send a request and read the whole response, closing served files."""
    return client.open(path, method=method, buffered=True, **kwargs)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class Page(Resource):
    """An HTML page beside the API: it builds its own response."""

    negotiate = False

    def __init__(self, name: str, **context: Any) -> None:
        self.name = name
        self.context = context

    def get(self, req: Request) -> Response:
        return render_template(req, self.name, **self.context)


class ItemSchema(ma.Schema):
    id = ma.fields.Int()


class Items(Resource):
    @response(200, ItemSchema, many=True)
    def get(self, req: Request) -> list[dict[str, int]]:
        """List items."""
        return [{"id": 1}]


# -- the environment ----------------------------------------------------------------


def test_autoescape_is_on_for_html_and_xml_and_strings(tmp_path: Path) -> None:
    write(tmp_path / "a.html", "{{ x }}")
    write(tmp_path / "a.xml", "<v>{{ x }}</v>")
    write(tmp_path / "a.svg", "{{ x }}")
    write(tmp_path / "a.txt", "{{ x }}")
    templates = Templates(tmp_path)
    payload = "<script>alert('x')</script>"
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    assert templates.render("a.html", x=payload) == escaped
    assert templates.render("a.xml", x=payload) == f"<v>{escaped}</v>"
    assert templates.render("a.svg", x=payload) == escaped
    assert templates.env.from_string("{{ x }}").render(x=payload) == escaped
    assert templates.render("a.txt", x=payload) == payload  # plain text: not HTML


def test_heron_templates_come_from_the_package_under_heron() -> None:
    templates = Templates()
    for name in ("heron/_layout.html", "heron/browsable.html", "heron/error.html"):
        assert templates.get_template(name).filename is not None
    with pytest.raises(jinja2.TemplateNotFound):
        templates.get_template("browsable.html")  # only under the "heron/" prefix


def test_app_folder_comes_first_and_can_override_heron_templates(tmp_path: Path) -> None:
    write(tmp_path / "heron" / "error.html", "mine")
    templates = Templates(tmp_path)
    assert templates.render("heron/error.html") == "mine"
    assert "<!DOCTYPE html>" in templates.get_template("heron/_layout.html").render(
        api=Api(), req=None, links=[]
    )


def test_folders_packages_and_loaders_are_searched_in_order(tmp_path: Path) -> None:
    write(tmp_path / "app" / "page.html", "app")
    write(tmp_path / "extra" / "page.html", "extra")
    write(tmp_path / "extra" / "only-extra.html", "extra only")
    templates = Templates(tmp_path / "app")
    with pytest.raises(jinja2.TemplateNotFound):
        templates.get_template("only-extra.html")  # a failed lookup is not cached
    templates.add_folder(tmp_path / "extra")
    templates.env.cache = None  # caching off: still fine
    templates.add_loader(jinja2.DictLoader({"dict.html": "from a dict"}))
    assert templates.render("page.html") == "app"
    assert templates.render("only-extra.html") == "extra only"
    assert templates.render("dict.html") == "from a dict"


def test_package_loader() -> None:
    templates = Templates()
    templates.add_package("examples.petstore")  # examples/petstore/templates/
    assert templates.get_template("petstore/index.html").filename == str(
        ROOT / "examples" / "petstore" / "templates" / "petstore" / "index.html"
    )
    with pytest.raises(ModuleNotFoundError):
        templates.add_package("no_such_package_here")


def test_environment_is_the_applications(tmp_path: Path) -> None:
    write(tmp_path / "shout.html", "{{ word | shout }}")
    api = Api(template_folder=tmp_path)
    api.templates.env.filters["shout"] = lambda s: s.upper() + "!"
    api.add_resource(Page("shout.html", word="hi"), "/", include_in_schema=False)
    assert api.test_client().get("/").text == "HI!"


# -- render_template and pages ------------------------------------------------------


def test_render_template_passes_req_api_and_url_for(tmp_path: Path) -> None:
    write(
        tmp_path / "page.html",
        "{{ api.title }}|{{ req.path }}|{{ url_for('Items') }}|{{ greeting }}",
    )
    api = Api("Zoo", template_folder=tmp_path)
    api.add_resource(Items, "/items")
    api.add_resource(Page("page.html", greeting="<hi>"), "/page", include_in_schema=False)
    resp = api.test_client().get("/page")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.text == "Zoo|/page|/items|&lt;hi&gt;"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("page.html", "text/html; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("page.jinja", "text/html; charset=utf-8"),  # unknown extension
    ],
)
def test_render_template_guesses_the_media_type(
    tmp_path: Path, name: str, content_type: str
) -> None:
    write(tmp_path / name, "x")
    api = Api(template_folder=tmp_path)
    api.add_resource(Page(name), "/", include_in_schema=False)
    assert api.test_client().get("/").headers["Content-Type"] == content_type


def test_render_template_status_headers_and_mimetype(tmp_path: Path) -> None:
    write(tmp_path / "gone.html", "gone")

    class Gone(Resource):
        negotiate = False

        def get(self, req: Request) -> Response:
            return render_template(
                req, "gone.html", status=410, headers={"X-Why": "moved"}, mimetype="text/plain"
            )

    api = Api(template_folder=tmp_path)
    api.add_resource(Gone, "/old", include_in_schema=False)
    resp = api.test_client().get("/old")
    assert (resp.status_code, resp.text, resp.headers["X-Why"]) == (410, "gone", "moved")
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_missing_template_is_a_500_problem_not_a_traceback(tmp_path: Path) -> None:
    api = Api(template_folder=tmp_path)
    api.add_resource(Page("nope.html"), "/", include_in_schema=False)
    resp = api.test_client().get("/")
    assert resp.status_code == 500
    assert "nope.html" not in resp.text


def test_page_routes_live_beside_resources(tmp_path: Path) -> None:
    write(tmp_path / "home.html", "<a href='{{ url_for(\"Items\") }}'>items</a>")
    api = Api("Zoo", template_folder=tmp_path)
    api.add_resource(Items, "/items")
    api.add_resource(Page("home.html"), "/", endpoint="home", include_in_schema=False)
    client = api.test_client()
    page = client.get("/", headers={"Accept": "application/json"})  # pages do not negotiate
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.text == "<a href='/items'>items</a>"
    assert client.get("/items").json == [{"id": 1}]
    assert list(api.openapi()["paths"]) == ["/items"]


# -- blueprints -----------------------------------------------------------------------


def test_blueprint_template_folder(tmp_path: Path) -> None:
    write(tmp_path / "app" / "shared.html", "app")
    write(tmp_path / "shop" / "shared.html", "shop")
    write(tmp_path / "shop" / "shop" / "front.html", "shop front: {{ req.path }}")
    write(tmp_path / "blog" / "blog" / "index.html", "blog")
    shop = Blueprint("shop", url_prefix="/shop", template_folder=tmp_path / "shop")
    shop.add_resource(Page("shop/front.html"), "/", endpoint="front", include_in_schema=False)
    shop.add_resource(Page("shared.html"), "/shared", endpoint="shared", include_in_schema=False)
    blog = Blueprint("blog", template_folder=str(tmp_path / "blog"))
    plain = Blueprint("plain")  # no folder
    plain.add_resource(Page("blog/index.html"), "/from-plain", include_in_schema=False)
    api = Api(template_folder=tmp_path / "app")
    for bp in (shop, blog, plain):
        api.register_blueprint(bp)
    client = api.test_client()
    assert client.get("/shop/").text == "shop front: /shop/"
    assert client.get("/shop/shared").text == "app"  # the application's folder comes first
    assert client.get("/from-plain").text == "blog"  # one namespace for every folder
    loaders = list(api.templates.env.loader.loaders)  # type: ignore[union-attr]
    api.templates.add_blueprint(shop)  # added before: nothing changes
    api.templates.add_blueprint(plain)  # no folder: nothing changes
    assert list(api.templates.env.loader.loaders) == loaders  # type: ignore[union-attr]


def test_blueprint_folders_are_searched_in_registration_order(tmp_path: Path) -> None:
    write(tmp_path / "one" / "x.html", "one")
    write(tmp_path / "two" / "x.html", "two")
    api = Api()
    api.register_blueprint(Blueprint("one", template_folder=tmp_path / "one"))
    api.register_blueprint(Blueprint("two", template_folder=tmp_path / "two"))
    assert api.templates.render("x.html") == "one"


# -- static files ---------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A served directory ``site/static`` beside files that must never be served."""
    static = tmp_path / "site" / "static"
    write(static / "app.css", "body { color: red; }")
    write(static / "js" / "app.js", "console.log(1);")
    write(static / ".env", "SECRET=1")
    write(static / ".hidden" / "x.txt", "hidden")
    write(static / "data.bin", "0123456789")
    write(tmp_path / "site" / "secret.txt", "top secret")
    (static / "empty-dir").mkdir()
    return static


@pytest.fixture
def static_client(site: Path) -> Client:
    api = Api()
    mount_static(api, site)
    return api.test_client()


def test_static_file_is_served_with_validators(static_client: Client) -> None:
    resp = fetch(static_client, "/static/app.css")
    assert resp.status_code == 200
    assert resp.text == "body { color: red; }"
    assert resp.headers["Content-Type"] == "text/css; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["ETag"]
    assert resp.headers["Last-Modified"]
    nested = fetch(static_client, "/static/js/app.js")
    assert nested.status_code == 200
    assert nested.headers["Content-Type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    unknown = fetch(static_client, "/static/data.bin")
    assert unknown.headers["Content-Type"] == "application/octet-stream"


def test_static_conditional_and_range_requests(static_client: Client) -> None:
    etag = fetch(static_client, "/static/data.bin").headers["ETag"]
    not_modified = fetch(static_client, "/static/data.bin", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304  # RFC 9110 §13.1.2
    assert not_modified.data == b""
    partial = fetch(static_client, "/static/data.bin", headers={"Range": "bytes=2-4"})
    assert partial.status_code == 206  # RFC 9110 §14.2
    assert partial.data == b"234"
    assert partial.headers["Content-Range"] == "bytes 2-4/10"
    head = fetch(static_client, "/static/app.css", method="HEAD")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == "20"


def test_static_max_age(site: Path) -> None:
    api = Api()
    mount_static(api, site, "/assets/", endpoint="assets", max_age=600)
    resp = fetch(api.test_client(), "/assets/app.css")
    assert resp.status_code == 200
    assert "max-age=600" in resp.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/js/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/%2E%2E%2F%2E%2E%2Fpyproject.toml",
        "/static/../../../../../../etc/passwd",
        "/static/..%5csecret.txt",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/static/%2fetc/passwd",
        "/static/.env",
        "/static/.hidden/x.txt",
        "/static/js/.%2e/.env",
        "/static/empty-dir",
        "/static/missing.css",
        "/static/",
    ],
)
def test_static_refuses_traversal_and_hidden_names(static_client: Client, path: str) -> None:
    resp = fetch(static_client, path)
    assert resp.status_code == 404, path
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert b"top secret" not in resp.data
    assert b"SECRET" not in resp.data


def test_static_refuses_paths_of_the_repository(tmp_path: Path) -> None:
    """The brief's own example: the project's pyproject.toml beside a served folder."""
    api = Api()
    mount_static(api, ROOT / "examples" / "petstore" / "static")
    client = api.test_client()
    for path in (
        "/static/../pyproject.toml",
        "/static/../../../pyproject.toml",
        "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
        f"/static/{ROOT / 'pyproject.toml'}",
        f"/static/{ROOT.as_posix().lstrip('/')}/pyproject.toml",
    ):
        assert fetch(client, path).status_code == 404, path
    assert fetch(client, "/static/petstore.css").status_code == 200


def test_static_refuses_symlinks_out_of_the_directory(site: Path) -> None:
    outside = site.parent / "secret.txt"
    try:
        os.symlink(outside, site / "link.txt")
        os.symlink(site / "app.css", site / "inside.css")
    except OSError:  # pragma: no cover - no symlinks on this file system
        pytest.skip("symbolic links are not supported here")
    api = Api()
    api.add_resource(StaticFiles(site), "/s/<path:filename>", endpoint="s", include_in_schema=False)
    api.add_resource(
        StaticFiles(site, follow_symlinks=True, allow_hidden=True),
        "/open/<path:filename>",
        endpoint="open",
        include_in_schema=False,
    )
    client = api.test_client()
    assert fetch(client, "/s/link.txt").status_code == 404
    assert fetch(client, "/s/inside.css").status_code == 200  # a link within is fine
    assert fetch(client, "/open/link.txt").text == "top secret"
    assert fetch(client, "/open/.env").text == "SECRET=1"
    assert fetch(client, "/open/../secret.txt").status_code == 404  # traversal never


def test_mount_static_builds_urls_and_stays_out_of_the_spec(site: Path, tmp_path: Path) -> None:
    write(tmp_path / "t" / "page.html", "{{ url_for('static', filename='js/app.js') }}")
    api = Api(template_folder=tmp_path / "t")
    resource = mount_static(api, site)
    assert isinstance(resource, StaticFiles)
    assert resource.directory == str(site)
    api.add_resource(Page("page.html"), "/", include_in_schema=False)
    assert fetch(api.test_client(), "/").text == "/static/js/app.js"
    assert api.openapi()["paths"] == {}


def test_static_files_in_a_blueprint(site: Path) -> None:
    bp = Blueprint("admin", url_prefix="/admin")
    bp.add_resource(
        StaticFiles(site), "/static/<path:filename>", endpoint="static", include_in_schema=False
    )
    api = Api()
    api.register_blueprint(bp)
    client = api.test_client()
    assert fetch(client, "/admin/static/app.css").status_code == 200
    assert fetch(client, "/admin/static/../secret.txt").status_code == 404
