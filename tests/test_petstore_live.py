"""The Petstore example served by ``heron run``, driven over real HTTP with httpx."""

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


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("petstore") / "pets.db"
    with heron_server(APP, env={"PETSTORE_DB": str(db)}) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
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


def test_list_filters_by_tag_and_limits(http: httpx.Client, tag: str) -> None:
    mine = [create(http, name=f"pet {i}", tag=tag)["id"] for i in range(3)]
    other = create(http, tag=tag + "-other")
    listed = http.get("/pets", params={"tag": tag}).json()
    assert [p["id"] for p in listed] == mine
    assert all(p["tag"] == tag for p in listed)
    limited = http.get("/pets", params={"tag": tag, "limit": 2}).json()
    assert [p["id"] for p in limited] == mine[:2]
    assert len(http.get("/pets", params={"limit": 1}).json()) == 1
    assert other["id"] in [p["id"] for p in http.get("/pets", params={"limit": 100}).json()]


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
    resp = http.patch("/pets/1", json={})
    assert "PATCH" in assert_problem(resp, 405)["detail"]
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
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
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert resp.content == b""
    assert http.options("/pets").headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    env = {"PETSTORE_DB": str(tmp_path / "pets.db")}
    with heron_server(APP, env=env) as url:
        pet = httpx.post(f"{url}/pets", json={"name": "Rex", "tag": "dog"}).json()
    with heron_server(APP, env=env) as url:
        assert httpx.get(f"{url}/pets/{pet['id']}").json() == pet
        assert httpx.get(f"{url}/pets").json() == [pet]


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
