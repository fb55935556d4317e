"""Swagger UI: served by the application itself, nothing loaded from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response as WZResponse

from heron import Api, Request, Resource
from heron.docs.swagger_ui import ASSETS

EXPECTED_TYPES = {
    ".css": {"text/css"},
    ".js": {"text/javascript", "application/javascript"},
    ".png": {"image/png"},
    ".html": {"text/html"},
}


class PageScan(HTMLParser):
    """Collect every URL attribute and the inline scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action", "data", "poster"):
            if values.get(name):
                self.urls.append((tag, name, str(values[name])))
        self._in_inline_script = tag == "script" and "src" not in values

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data)


def scan(html: str) -> PageScan:
    page = PageScan()
    page.feed(html)
    page.close()
    return page


def make_api(**kwargs: Any) -> Api:
    api = Api("Zoo API", **kwargs)

    @api.route("/animals")
    class Animals(Resource):
        def get(self, req: Request) -> Any:
            return []

    return api


@pytest.fixture
def client() -> Any:
    return make_api().test_client()


def test_docs_page_is_html(client: Any) -> None:
    resp = client.get("/docs")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert resp.mimetype_params.get("charset") == "utf-8"
    assert "<title>Zoo API - Swagger UI</title>" in resp.text
    assert 'id="swagger-ui"' in resp.text
    # Served whatever Accept says: it is a page, not negotiated data.
    assert client.get("/docs", headers={"Accept": "text/html"}).status_code == 200


def fetch(client: Any, url: str, **kwargs: Any) -> Any:
    """GET ``url``, reading and closing the response (a static file stays open otherwise)."""
    return client.get(url, buffered=True, **kwargs)


def check_page(client: Any, page_url: str) -> PageScan:
    """Fetch the page at ``page_url`` and every URL it references through ``client``."""
    resp = fetch(client, page_url)
    assert resp.status_code == 200
    page = scan(resp.text)
    assert len(page.urls) >= 5  # stylesheets, icons, the bundle
    for tag, attr, url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"<{tag} {attr}={url}> leaves the app"
        absolute = urljoin(page_url, url)
        assert absolute.startswith(page_url + "/swagger-ui/"), url
        asset = fetch(client, absolute)
        assert asset.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert asset.mimetype in EXPECTED_TYPES[suffix], (url, asset.mimetype)
        assert len(asset.data) > 0
    return page


def test_every_page_url_is_served_by_the_app(client: Any) -> None:
    page = check_page(client, "/docs")
    loaded = {url.rsplit("/", 1)[-1] for _, _, url in page.urls}
    assert {"swagger-ui.css", "swagger-ui-bundle.js"} <= loaded


def test_the_inline_script_points_at_the_app(client: Any) -> None:
    page = scan(client.get("/docs").text)
    (script,) = page.inline_scripts
    (spec_url,) = re.findall(r'url:\s*"([^"]+)"', script)
    assert spec_url == "/openapi.json"
    spec = client.get(spec_url)
    assert spec.status_code == 200
    assert spec.json["info"]["title"] == "Zoo API"
    assert "validatorUrl: null" in script  # no call to the public validator
    (redirect,) = re.findall(r'new URL\("([^"]+)"', script)
    assert fetch(client, redirect).status_code == 200


def test_no_external_url_anywhere_on_the_page(client: Any) -> None:
    html = client.get("/docs").text
    assert not re.search(r"(?i)https?:", html)
    assert "//" not in re.sub(r"<!DOCTYPE[^>]*>", "", html).replace("://", "")
    for name in ("swagger-ui.css", "index.css"):
        css = fetch(client, f"/docs/swagger-ui/{name}").text
        assert "@import" not in css
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert url.startswith("data:"), url
    redirect = fetch(client, "/docs/swagger-ui/oauth2-redirect.html").text
    assert not re.search(r"(?i)https?:", redirect)


def test_assets_support_conditional_requests(client: Any) -> None:
    first = fetch(client, "/docs/swagger-ui/swagger-ui.css")
    assert "max-age=3600" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = fetch(client, "/docs/swagger-ui/swagger-ui.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    "name",
    ["nope.js", "swagger-ui.js.map", "index.html", "swagger-initializer.js", "index.j2"],
)
def test_unknown_assets_are_404_problems(client: Any, name: str) -> None:
    resp = client.get(f"/docs/swagger-ui/{name}")
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert resp.json["status"] == 404
    assert ASSETS >= {"swagger-ui.css", "swagger-ui-bundle.js"}


@pytest.mark.parametrize(
    "path",
    [
        "/docs/swagger-ui/../../etc/passwd",
        "/docs/swagger-ui/../../../../../../etc/passwd",
        "/docs/swagger-ui/..%2f..%2fetc%2fpasswd",
        "/docs/swagger-ui/%2e%2e/%2e%2e/etc/passwd",
        "/docs/swagger-ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/docs/swagger-ui/%2Fetc%2Fpasswd",
        "/docs/swagger-ui//etc/passwd",
        "/docs/swagger-ui/..\\..\\pyproject.toml",
        "/docs/swagger-ui/....//....//etc/passwd",
        "/docs/swagger-ui/swagger-ui.css/../../../../etc/passwd",
        "/docs/swagger-ui/%252e%252e%252fetc%252fpasswd",
    ],
)
def test_path_traversal_is_not_found(client: Any, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert "root:" not in resp.text
    assert "[project]" not in resp.text


def test_docs_path_can_move() -> None:
    client = make_api(docs_path="/api-docs").test_client()
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/swagger-ui/swagger-ui.css").status_code == 404
    check_page(client, "/api-docs")


def test_docs_can_be_switched_off() -> None:
    client = make_api(docs_path=None).test_client()
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/swagger-ui/swagger-ui.css").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_docs_work_when_the_app_is_mounted_below_a_prefix() -> None:
    api = make_api()

    def elsewhere(environ: Any, start_response: Any) -> Any:
        return WZResponse("not the API", status=404)(environ, start_response)

    client = Client(DispatcherMiddleware(elsewhere, {"/v1": api}))
    page = check_page(client, "/v1/docs")
    (script,) = page.inline_scripts
    assert '"/v1/openapi.json"' in script
    assert client.get("/v1/openapi.json").json["info"]["title"] == "Zoo API"
    # The same application still serves its root mount correctly.
    check_page(api.test_client(), "/docs")
