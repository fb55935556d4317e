"""The Petstore example served by ``heron run``, driven over real HTTP with httpx.

Writes send the API key (``X-API-Key``); ETags, pages, patches, CORS and photos
with ranges are checked on the wire, as a client sees them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from conftest import heron_server

pytestmark = pytest.mark.live

APP = "examples.petstore.app:app"
KEY = "live-test-key"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # 10,248 bytes


def env(db: Path, **extra: str) -> dict[str, str]:
    """The server's environment: its own database and key, the other settings' defaults."""
    return {
        "PETSTORE_DB": str(db),
        "PETSTORE_API_KEY": KEY,
        "PETSTORE_CORS_ORIGINS": "",
        "PETSTORE_RATE_LIMIT": "",
        "PETSTORE_REDIS_URL": "",
        **extra,
    }


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("petstore") / "pets.db"
    with heron_server(APP, env=env(db)) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    """A client sending the API key."""
    with httpx.Client(base_url=base_url, timeout=10, headers={"X-API-Key": KEY}) as client:
        yield client


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    """A client without the API key."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


@pytest.fixture
def tag() -> str:
    """A tag of this test's own, so tests sharing the server see only their pets."""
    return f"t-{uuid.uuid4().hex[:12]}"


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    resp = http.post("/pets", json={"name": "Rex", **fields})
    assert resp.status_code == 201, resp.text
    pet: dict[str, Any] = resp.json()
    return pet


def assert_problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = resp.json()
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"]
    assert problem["detail"]
    return problem


def test_crud(http: httpx.Client, tag: str) -> None:
    resp = http.post(
        "/pets", json={"name": "Rex", "tag": tag, "dimensions": {"width": 3, "height": 4}}
    )
    assert resp.status_code == 201
    assert resp.headers["Content-Type"] == "application/json"
    pet = resp.json()
    location = resp.headers["Location"]
    assert location == f"/pets/{pet['id']}"
    assert pet["status"] == "available"
    assert pet["dimensions"] == {"width": 3.0, "height": 4.0}

    assert http.get(location).json() == pet
    assert http.get("/pets", params={"tag": tag}).json() == [pet]

    resp = http.put(location, json={"name": "Rex", "tag": tag, "status": "pending"})
    assert resp.status_code == 200
    updated = resp.json()
    assert updated == {**pet, "status": "pending", "dimensions": None}
    assert http.get(location).json() == updated

    resp = http.delete(location)
    assert resp.status_code == 204
    assert resp.content == b""
    assert_problem(http.get(location), 404)
    assert http.get("/pets", params={"tag": tag}).json() == []


def test_list_filters_by_tag_and_pages(http: httpx.Client, tag: str) -> None:
    mine = [create(http, name=f"pet {i}", tag=tag)["id"] for i in range(3)]
    other = create(http, tag=tag + "-other")
    listed = http.get("/pets", params={"tag": tag}).json()
    assert [p["id"] for p in listed] == mine
    assert all(p["tag"] == tag for p in listed)
    limited = http.get("/pets", params={"tag": tag, "limit": 2}).json()
    assert [p["id"] for p in limited] == mine[:2]
    rest = http.get("/pets", params={"tag": tag, "offset": 2, "limit": 2}).json()
    assert [p["id"] for p in rest] == mine[2:]
    assert len(http.get("/pets", params={"limit": 1}).json()) == 1
    everyone = http.get("/pets", params={"limit": 100})
    total = int(everyone.headers["x-total-count"])
    pages = [
        p["id"]
        for offset in range(0, total, 100)
        for p in http.get("/pets", params={"offset": offset, "limit": 100}).json()
    ]
    assert other["id"] in pages


def test_link_headers_over_http(http: httpx.Client, base_url: str, tag: str) -> None:
    for i in range(5):
        create(http, name=f"pet {i}", tag=tag)
    resp = http.get("/pets", params={"tag": tag, "offset": 2, "limit": 2})
    assert [p["name"] for p in resp.json()] == ["pet 2", "pet 3"]
    assert resp.headers["x-total-count"] == "5"
    url = f"{base_url}/pets?tag={tag}&"
    assert resp.headers["link"] == (
        f'<{url}offset=0&limit=2>; rel="first", <{url}offset=0&limit=2>; rel="prev",'
        f' <{url}offset=4&limit=2>; rel="next", <{url}offset=4&limit=2>; rel="last"'
    )
    # httpx parses RFC 8288 links: follow them to the end.
    names, page = [], http.get("/pets", params={"tag": tag, "limit": 2})
    while True:
        names += [p["name"] for p in page.json()]
        if "next" not in page.links:
            break
        page = http.get(page.links["next"]["url"])
    assert names == [f"pet {i}" for i in range(5)]
    assert page.links["last"]["url"] == page.links["first"]["url"].replace("offset=0", "offset=4")


def test_unknown_pet_is_404(http: httpx.Client) -> None:
    problem = assert_problem(http.get("/pets/999999"), 404)
    assert problem["detail"] == "No pet with id 999999."
    assert_problem(http.put("/pets/999999", json={"name": "Ghost"}), 404)
    assert_problem(http.delete("/pets/999999"), 404)


def test_unknown_path_is_404(http: httpx.Client) -> None:
    problem = assert_problem(http.get("/owners/1"), 404)
    assert "/owners/1" in problem["detail"]
    assert_problem(http.get("/pets/rex"), 404)  # not an int


def test_method_not_allowed_is_405_with_allow(http: httpx.Client) -> None:
    resp = http.post("/pets/1", json={})
    assert "POST" in assert_problem(resp, 405)["detail"]
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    resp = http.delete("/pets")
    assert_problem(resp, 405)
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_unacceptable_accept_is_406(http: httpx.Client, tag: str) -> None:
    problem = assert_problem(http.get("/pets", headers={"Accept": "text/csv"}), 406)
    assert "application/json" in problem["detail"]
    # Decided before the handler runs: nothing is created.
    resp = http.post("/pets", json={"name": "Rex", "tag": tag}, headers={"Accept": "text/csv"})
    assert_problem(resp, 406)
    assert http.get("/pets", params={"tag": tag}).json() == []
    ok = http.get("/pets", headers={"Accept": "text/csv, application/json;q=0.5"})
    assert ok.status_code == 200


def test_unsupported_content_type_is_415(http: httpx.Client) -> None:
    resp = http.post("/pets", content=b"name=Rex", headers={"Content-Type": "text/plain"})
    problem = assert_problem(resp, 415)
    assert "text/plain" in problem["detail"]
    assert "application/json" in problem["detail"]


def test_malformed_json_is_400_naming_the_error(http: httpx.Client) -> None:
    resp = http.post("/pets", content=b'{"name": ', headers={"Content-Type": "application/json"})
    problem = assert_problem(resp, 400)
    assert problem["detail"].startswith("Malformed JSON in request body:")
    assert problem["detail"].endswith("Expecting value at line 1 column 10 (char 9).")


def test_invalid_fields_are_422_with_locations(http: httpx.Client) -> None:
    body = {"name": "", "dimensions": {"width": -1, "height": 2}, "owner": "me"}
    problem = assert_problem(http.post("/pets", json=body), 422)
    errors = {(e["location"], e["path"]): e["message"] for e in problem["errors"]}
    assert errors == {
        ("json", "name"): "Length must be between 1 and 100.",
        ("json", "dimensions.width"): "Must be greater than 0.",
        ("json", "owner"): "Unknown field.",
    }
    assert "dimensions.width" in problem["detail"]


def test_bad_query_is_422_in_query(http: httpx.Client) -> None:
    problem = assert_problem(http.get("/pets", params={"limit": 1000}), 422)
    assert problem["errors"] == [
        {
            "location": "query",
            "path": "limit",
            "message": "Must be greater than or equal to 1 and less than or equal to 100.",
        }
    ]
    problem = assert_problem(http.get("/pets", params={"limit": "ten"}), 422)
    assert problem["errors"][0]["location"] == "query"


def test_head_sends_the_get_headers_without_content(http: httpx.Client) -> None:
    pet = create(http, name="Héron")  # non-ASCII: Content-Length counts bytes
    url = f"/pets/{pet['id']}"
    get = http.get(url)
    head = http.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert int(get.headers["Content-Length"]) == len(get.content)
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert http.head("/pets").status_code == 200


def test_options_lists_allowed_methods(http: httpx.Client) -> None:
    resp = http.options("/pets/1")
    assert resp.status_code == 204
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    assert resp.headers["Accept-Patch"] == (
        "application/merge-patch+json, application/json-patch+json, application/json"
    )
    assert resp.content == b""
    assert http.options("/pets").headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    settings = env(tmp_path / "pets.db")
    headers = {"X-API-Key": KEY}
    with heron_server(APP, env=settings) as url:
        pet = httpx.post(f"{url}/pets", json={"name": "Rex", "tag": "dog"}, headers=headers).json()
        photo = {"photo": ("rex.png", PNG, "image/png")}
        assert httpx.put(f"{url}/pets/{pet['id']}/photo", files=photo, headers=headers).is_success
    with heron_server(APP, env=settings) as url:
        assert httpx.get(f"{url}/pets/{pet['id']}").json() == pet
        assert httpx.get(f"{url}/pets").json() == [pet]
        assert httpx.get(f"{url}/pets/{pet['id']}/photo").content == PNG


# -- the API key ---------------------------------------------------------------------


def test_writes_need_the_api_key(anonymous: httpx.Client, http: httpx.Client, tag: str) -> None:
    pet = create(http, tag=tag)
    url = f"/pets/{pet['id']}"
    attempts = [
        anonymous.post("/pets", json={"name": "Rex", "tag": tag}),
        anonymous.put(url, json={"name": "Max"}),
        anonymous.patch(url, json={"name": "Max"}),
        anonymous.delete(url),
        anonymous.put(f"{url}/photo", files={"photo": ("a.png", PNG, "image/png")}),
        anonymous.delete(f"{url}/photo", headers={"X-API-Key": "wrong"}),
    ]
    for resp in attempts:
        assert_problem(resp, 401)
        assert resp.headers["www-authenticate"].startswith(
            'ApiKey realm="Petstore", in="header", name="X-API-Key"'
        )
    assert anonymous.get("/pets", params={"tag": tag}).json() == [pet]  # reads are public


# -- ETags and conditional requests -------------------------------------------------------


def test_etags_304_and_412_over_http(http: httpx.Client, tag: str) -> None:
    pet = create(http, tag=tag)
    url = f"/pets/{pet['id']}"
    first = http.get(url)
    assert first.headers["etag"] == '"1-json"'
    assert first.headers["cache-control"] == "no-cache"
    assert http.get(url, headers={"Accept": "application/yaml"}).headers["etag"] == '"1-yaml"'

    unchanged = http.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == '"1-json"'
    since = http.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304

    patched = http.patch(url, json={"status": "sold"}, headers={"If-Match": '"1-json"'})
    assert patched.status_code == 200
    assert patched.headers["etag"] == '"2-json"'

    lost = http.put(url, json={"name": "Lost update"}, headers={"If-Match": '"1-json"'})
    assert_problem(lost, 412)
    gone = http.delete(url, headers={"If-Match": '"1-json"'})
    assert_problem(gone, 412)
    assert http.get(url).json()["status"] == "sold"
    assert http.get(url, headers={"If-None-Match": '"1-json"'}).status_code == 200

    assert http.delete(url, headers={"If-Match": patched.headers["etag"]}).status_code == 204


# -- PATCH --------------------------------------------------------------------------------


def test_merge_patch_and_json_patch_over_http(http: httpx.Client, tag: str) -> None:
    pet = create(http, tag=tag, dimensions={"width": 3, "height": 4})
    url = f"/pets/{pet['id']}"
    merge = http.patch(
        url,
        content=b'{"dimensions": {"width": 5}, "status": "pending"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert merge.status_code == 200
    assert merge.json() == {**pet, "status": "pending", "dimensions": {"width": 5.0, "height": 4.0}}
    removed = http.patch(
        url,
        content=b'{"dimensions": null}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert removed.json()["dimensions"] is None
    ops = (
        b'[{"op": "test", "path": "/status", "value": "pending"}, {"op": "remove", "path": "/tag"}]'
    )
    json_patch = http.patch(
        url, content=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    assert json_patch.status_code == 200
    assert json_patch.json()["tag"] is None
    wrong = ops.replace(b'"pending"', b'"available"')  # the test op fails: nothing changes
    failed = http.patch(url, content=wrong, headers={"Content-Type": "application/json-patch+json"})
    assert_problem(failed, 409)
    assert http.get(url).json()["status"] == "pending"
    bad = http.patch(url, json={"name": None})
    assert assert_problem(bad, 422)["errors"][0]["path"] == "name"


# -- CORS -----------------------------------------------------------------------------------


def test_cors_preflight_and_response_headers(anonymous: httpx.Client, http: httpx.Client) -> None:
    preflight = anonymous.options(
        "/pets",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS, POST"
    assert preflight.headers["access-control-allow-headers"] == "x-api-key, content-type"
    assert preflight.headers["access-control-max-age"] == "600"
    refused = anonymous.options(
        "/pets",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"},
    )
    assert_problem(refused, 403)
    assert "access-control-allow-origin" not in refused.headers
    created = http.post("/pets", json={"name": "Rex"}, headers={"Origin": "https://app.example"})
    assert created.headers["access-control-allow-origin"] == "*"
    assert created.headers["access-control-expose-headers"] == "*"


# -- photos ----------------------------------------------------------------------------------


def test_photo_upload_and_ranged_download(http: httpx.Client, anonymous: httpx.Client) -> None:
    pet = create(http)
    url = f"/pets/{pet['id']}/photo"
    resp = http.put(url, files={"photo": ("rex.png", PNG, "image/png")})
    assert resp.status_code == 201, resp.text
    info = resp.json()
    assert (info["size"], info["content_type"], info["filename"]) == (
        len(PNG),
        "image/png",
        "rex.png",
    )

    whole = anonymous.get(url, headers={"Accept": "image/png"})
    assert whole.status_code == 200
    assert whole.content == PNG
    assert whole.headers["content-type"] == "image/png"
    assert whole.headers["content-disposition"] == "inline; filename=rex.png"
    assert whole.headers["accept-ranges"] == "bytes"
    etag = whole.headers["etag"]
    assert etag == f'"{info["sha256"]}"'

    part = anonymous.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(PNG)}"
    assert part.content == PNG[1000:2000]
    same = anonymous.get(url, headers={"Range": "bytes=-8", "If-Range": etag})
    assert (same.status_code, same.content) == (206, PNG[-8:])
    stale = anonymous.get(url, headers={"Range": "bytes=-8", "If-Range": '"x"'})
    assert (stale.status_code, stale.content) == (200, PNG)
    beyond = anonymous.get(url, headers={"Range": f"bytes={len(PNG)}-"})
    assert_problem(beyond, 416)
    assert beyond.headers["content-range"] == f"bytes */{len(PNG)}"
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(anonymous.get(url, headers={"Accept": "application/json"}), 406)

    not_image = http.put(url, files={"photo": ("a.txt", b"hello", "text/plain")})
    assert assert_problem(not_image, 422)["errors"][0]["path"] == "photo"
    assert http.delete(url).status_code == 204
    assert_problem(anonymous.get(url), 404)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_docs_and_every_asset_are_served_by_the_app(http: httpx.Client, base_url: str) -> None:
    page = http.get("/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "http://" not in page.text and "https://" not in page.text
    parser = _Links()
    parser.feed(page.text)
    assert len(parser.urls) >= 4  # stylesheets, icons, the script
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        asset = http.get(urljoin(f"{base_url}/docs", url))
        assert asset.status_code == 200, url
        assert asset.content
    spec = http.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Petstore"
