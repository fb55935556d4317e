"""The Petstore example, in process: every operation, its database and its spec."""

from __future__ import annotations

import io
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.test import encode_multipart

from conftest import ROOT, free_port
from examples.petstore.app import (
    DEFAULT_API_KEY,
    DEFAULT_DB,
    MAX_CONTENT_LENGTH,
    cors_origins,
    create_app,
)
from examples.petstore.schemas import MAX_PHOTO_SIZE
from examples.petstore.store import PetStore, StaleVersion
from heron import Api
from heron.cli import main
from heron.testing import TestClient, TestResponse

APP = "examples.petstore.app:app"
SPEC = ROOT / "openapi" / "petstore.yaml"
REX = {"name": "Rex", "tag": "dog", "dimensions": {"width": 30, "height": 45.5}}
KEY = "test-key-42"
PROBLEM = "application/problem+json"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class Client(TestClient):
    """A test client that sends the API key with every request (unless given another)."""

    def __init__(self, api: Api, key: str | None = KEY) -> None:
        super().__init__(api)
        self.key = key

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if self.key is not None:
            headers = Headers(kwargs.pop("headers", None))
            headers.setdefault("X-API-Key", self.key)
            kwargs["headers"] = headers
        return cast(TestResponse, super().open(*args, **kwargs))

    # Werkzeug types its shortcuts as returning its own response class.
    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="GET", **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="HEAD", **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="OPTIONS", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="PUT", **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="PATCH", **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="DELETE", **kwargs)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PETSTORE_DB",
        "PETSTORE_API_KEY",
        "PETSTORE_CORS_ORIGINS",
        "PETSTORE_RATE_LIMIT",
        "PETSTORE_REDIS_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pets.db"


@pytest.fixture
def api(db_path: Path) -> Api:
    return create_app(db_path, api_key=KEY)


@pytest.fixture
def client(api: Api) -> Client:
    return Client(api)


@pytest.fixture
def anonymous(api: Api) -> Client:
    """A client without the API key."""
    return Client(api, key=None)


def store_of(api: Api) -> PetStore:
    route = next(r for r in api.router if r.endpoint == "pets.Pet")
    store: PetStore = route.resource.store
    return store


def create(client: Client, **fields: Any) -> dict[str, Any]:
    resp = client.post("/pets", json={**REX, **fields})
    assert resp.status_code == 201, resp.json
    pet: dict[str, Any] = resp.json
    return pet


def assert_problem(resp: TestResponse, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == PROBLEM
    problem: dict[str, Any] = resp.json
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= problem.keys()
    return problem


def upload(client: Client, pet_id: int, data: bytes = PNG, **part: str) -> TestResponse:
    """PUT ``data`` as the pet's photo, as ``multipart/form-data`` encoded in memory.

    (Werkzeug's test client spools large multipart content to a temporary file it
    never closes when the server refuses the content unread.)
    """
    photo = FileStorage(
        io.BytesIO(data),
        filename=part.get("name", "rex.png"),
        content_type=part.get("mimetype", "image/png"),
    )
    boundary, body = encode_multipart({"photo": photo})
    return client.put(
        f"/pets/{pet_id}/photo",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# -- operations -----------------------------------------------------------------


def test_create_pet(client: Client) -> None:
    resp = client.post("/pets", json=REX)
    assert resp.status_code == 201
    pet = resp.json
    assert resp.headers["Location"] == f"/pets/{pet['id']}"
    assert pet["name"] == "Rex"
    assert pet["tag"] == "dog"
    assert pet["status"] == "available"  # the default
    assert pet["dimensions"] == {"width": 30.0, "height": 45.5}
    assert pet["created_at"].endswith("+00:00")
    assert set(pet) == {"id", "name", "tag", "status", "dimensions", "created_at"}
    assert client.get(resp.headers["Location"]).json == pet


def test_create_pet_with_only_a_name(client: Client) -> None:
    pet = client.post("/pets", json={"name": "Tom"}).json
    assert pet["tag"] is None
    assert pet["dimensions"] is None
    assert pet["status"] == "available"


def test_list_pets_filters_by_tag_and_pages(client: Client) -> None:
    assert client.get("/pets").json == []
    ids = [create(client, name=f"dog {i}")["id"] for i in range(3)]
    cat = create(client, name="Tom", tag="cat")
    assert [p["id"] for p in client.get("/pets").json] == [*ids, cat["id"]]
    assert [p["id"] for p in client.get("/pets?tag=dog").json] == ids
    assert client.get("/pets?tag=cat").json == [cat]
    assert client.get("/pets?tag=bird").json == []
    assert [p["id"] for p in client.get("/pets?limit=2").json] == ids[:2]
    assert [p["id"] for p in client.get("/pets?offset=2&limit=2").json] == [ids[2], cat["id"]]
    assert [p["id"] for p in client.get("/pets?tag=dog&limit=1").json] == ids[:1]
    assert [p["id"] for p in client.get("/pets?tag=dog&offset=1&limit=1").json] == ids[1:2]
    assert client.get("/pets?offset=10").json == []


def test_list_pets_limit_defaults_to_20(client: Client) -> None:
    for i in range(21):
        create(client, name=f"pet {i}")
    first = client.get("/pets")
    assert len(first.json) == 20
    assert first.headers["X-Total-Count"] == "21"
    assert len(client.get("/pets?limit=100").json) == 21
    assert [p["name"] for p in client.get("/pets?offset=20").json] == ["pet 20"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_list_pets_rejects_bad_page_parameters(client: Client, query: str, param: str) -> None:
    problem = assert_problem(client.get(f"/pets?{query}"), 422)
    assert [(e["location"], e["path"]) for e in problem["errors"]] == [("query", param)]


def test_the_old_limit_parameter_keeps_its_meaning(client: Client) -> None:
    """``?limit=`` (1 to 100, default 20) was the list's only parameter: it still is a page size."""
    for i in range(3):
        create(client, name=f"pet {i}")
    assert [p["name"] for p in client.get("/pets?limit=2").json] == ["pet 0", "pet 1"]


def test_get_pet(client: Client) -> None:
    pet = create(client)
    resp = client.get(f"/pets/{pet['id']}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json == pet


def test_get_unknown_pet_is_404_naming_the_id(client: Client) -> None:
    problem = assert_problem(client.get("/pets/42"), 404)
    assert problem["detail"] == "No pet with id 42."
    assert problem["instance"] == "/pets/42"


def test_update_pet_replaces_every_field(client: Client) -> None:
    pet = create(client)
    resp = client.put(f"/pets/{pet['id']}", json={"name": "Rex II", "status": "sold"})
    assert resp.status_code == 200
    updated = resp.json
    assert updated == {
        **pet,
        "name": "Rex II",
        "status": "sold",
        "tag": None,  # left out: back to the default
        "dimensions": None,
    }
    assert client.get(f"/pets/{pet['id']}").json == updated


def test_update_unknown_pet_is_404(client: Client) -> None:
    problem = assert_problem(client.put("/pets/7", json={"name": "Ghost"}), 404)
    assert problem["detail"] == "No pet with id 7."


def test_update_pet_ignores_read_only_fields(client: Client) -> None:
    """A client may PUT back the representation it got; readOnly fields are ignored."""
    pet = create(client)
    resp = client.put(
        f"/pets/{pet['id']}",
        json={**pet, "id": 999, "created_at": "2000-01-01T00:00:00+00:00", "name": "Rex II"},
    )
    assert resp.status_code == 200
    assert resp.json == {**pet, "name": "Rex II"}
    assert client.get(f"/pets/{pet['id']}").json == {**pet, "name": "Rex II"}
    assert_problem(client.get("/pets/999"), 404)


def test_delete_pet(client: Client) -> None:
    pet = create(client)
    resp = client.delete(f"/pets/{pet['id']}")
    assert resp.status_code == 204
    assert resp.data == b""
    assert "Content-Type" not in resp.headers
    assert_problem(client.get(f"/pets/{pet['id']}"), 404)
    assert_problem(client.delete(f"/pets/{pet['id']}"), 404)


def test_ids_are_not_reused_after_delete(client: Client) -> None:
    first = create(client)
    client.delete(f"/pets/{first['id']}")
    assert create(client)["id"] == first["id"] + 1


def test_invalid_pet_lists_every_field(client: Client) -> None:
    body = {"name": "", "status": "lost", "dimensions": {"width": 0}, "colour": "red"}
    problem = assert_problem(client.post("/pets", json=body), 422)
    errors = {e["path"]: e for e in problem["errors"]}
    assert set(errors) == {"name", "status", "dimensions.width", "dimensions.height", "colour"}
    assert all(e["location"] == "json" for e in errors.values())
    assert errors["dimensions.width"]["pointer"] == "#/dimensions/width"
    assert errors["dimensions.width"]["message"] == "Must be greater than 0."
    assert errors["colour"]["message"] == "Unknown field."
    assert client.get("/pets").json == []


def test_name_is_required_and_at_most_100_characters(client: Client) -> None:
    missing = assert_problem(client.post("/pets", json={"tag": "dog"}), 422)
    assert missing["errors"][0]["path"] == "name"
    assert_problem(client.post("/pets", json={"name": "x" * 101}), 422)
    assert create(client, name="x" * 100)["name"] == "x" * 100


def test_malformed_json_is_400(client: Client) -> None:
    resp = client.post("/pets", data='{"name": ', content_type="application/json")
    assert "Malformed JSON" in assert_problem(resp, 400)["detail"]


def test_missing_body_is_422(client: Client) -> None:
    problem = assert_problem(client.post("/pets"), 422)
    assert problem["errors"] == [
        {"location": "json", "path": "", "message": "A request body is required."}
    ]


def test_head_and_options(client: Client) -> None:
    pet = create(client)
    get = client.get(f"/pets/{pet['id']}")
    head = client.head(f"/pets/{pet['id']}")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]
    options = client.options("/pets")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    item = client.options(f"/pets/{pet['id']}")
    assert item.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    assert item.headers["Accept-Patch"] == f"{MERGE_PATCH}, {JSON_PATCH}, application/json"
    photo = client.options(f"/pets/{pet['id']}/photo")
    assert photo.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"


# -- the API key ---------------------------------------------------------------------


WRITES = [
    ("POST", "/pets", "json"),
    ("PUT", "/pets/{id}", "json"),
    ("PATCH", "/pets/{id}", "json"),
    ("DELETE", "/pets/{id}", None),
    ("PUT", "/pets/{id}/photo", "photo"),
    ("DELETE", "/pets/{id}/photo", None),
]


def content(kind: str | None) -> dict[str, Any]:
    """The keyword arguments of a write's content: a pet, a photo, or nothing."""
    if kind == "json":
        return {"json": {"name": "Max"}}
    if kind == "photo":
        return {"data": {"photo": (io.BytesIO(PNG), "a.png", "image/png")}}
    return {}


@pytest.mark.parametrize(("method", "path", "kind"), WRITES)
@pytest.mark.parametrize("key", [None, "wrong", "", KEY.upper(), "ключ"])
def test_every_write_needs_the_api_key(
    api: Api, client: Client, method: str, path: str, kind: str | None, key: str | None
) -> None:
    pet = create(client)
    upload(client, pet["id"])
    resp = Client(api, key=key).open(path.format(id=pet["id"]), method=method, **content(kind))
    problem = assert_problem(resp, 401)
    assert resp.headers["WWW-Authenticate"] == (
        'ApiKey realm="Petstore", in="header", name="X-API-Key",'
        ' ApiKey realm="Petstore", in="cookie", name="petstore_api_key"'
    )
    if key:
        assert problem["detail"] == "apiKey rejected the API key sent."
    else:
        assert "X-API-Key" in problem["detail"]
    # Nothing changed.
    assert client.get(f"/pets/{pet['id']}").json == pet
    assert client.get(f"/pets/{pet['id']}/photo").data == PNG
    assert len(client.get("/pets").json) == 1


@pytest.mark.parametrize(("method", "path", "kind"), WRITES)
def test_every_write_succeeds_with_the_api_key(
    client: Client, method: str, path: str, kind: str | None
) -> None:
    pet = create(client)
    upload(client, pet["id"])
    resp = client.open(path.format(id=pet["id"]), method=method, **content(kind))
    assert 200 <= resp.status_code < 300, resp.get_data(as_text=True)


def test_reads_are_public(anonymous: Client, client: Client) -> None:
    pet = create(client)
    upload(client, pet["id"])
    assert anonymous.get("/pets").json == [pet]
    assert anonymous.get(f"/pets/{pet['id']}").json == pet
    assert anonymous.head(f"/pets/{pet['id']}").status_code == 200
    assert anonymous.get(f"/pets/{pet['id']}/photo").data == PNG
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/openapi.json").status_code == 200


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    monkeypatch.setenv("PETSTORE_API_KEY", "from-env")
    api = create_app(db_path)
    assert Client(api, key="from-env").post("/pets", json=REX).status_code == 201
    assert Client(api, key=DEFAULT_API_KEY).post("/pets", json=REX).status_code == 401


def test_the_development_key_is_the_documented_default(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = create_app(db_path)
    assert "PETSTORE_API_KEY is not set" in caplog.text
    assert Client(api, key="petstore-dev-key").post("/pets", json=REX).status_code == 201
    readme = (ROOT / "examples" / "petstore" / "README.md").read_text(encoding="utf-8")
    assert f"`{DEFAULT_API_KEY}`" in readme


def test_an_empty_key_means_the_default(db_path: Path) -> None:
    api = create_app(db_path, api_key="")  # "" means: from the environment, then the default
    assert Client(api, key=DEFAULT_API_KEY).post("/pets", json=REX).status_code == 201


@pytest.mark.parametrize("key", ["two words", "ключ", "tab\there"])
def test_a_key_that_cannot_travel_in_a_header_is_an_error_at_startup(
    db_path: Path, key: str
) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        create_app(db_path, api_key=key)


# -- the API key cookie, for the browsable API ----------------------------------------------


def test_the_home_page_keeps_the_key_in_a_cookie(anonymous: Client) -> None:
    home = anonymous.get("/")
    assert 'name="key"' in home.get_data(as_text=True)
    wrong = anonymous.post("/api-key", data={"key": "guess"})
    assert wrong.status_code == 403
    assert wrong.mimetype == "text/html"
    assert "not the Petstore&#39;s API key" in wrong.get_data(as_text=True)
    assert "Set-Cookie" not in wrong.headers
    assert_problem(anonymous.post("/pets", json=REX), 401)

    kept = anonymous.post("/api-key", data={"key": KEY})
    assert kept.status_code == 303
    assert kept.headers["Location"] == "/"
    cookie = kept.headers["Set-Cookie"]
    assert cookie.startswith("petstore_api_key=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; Secure over https
    assert "Forget the key" in anonymous.get("/").get_data(as_text=True)
    created = anonymous.post("/pets", json=REX, headers={"Sec-Fetch-Site": "same-origin"})
    assert created.status_code == 201
    assert anonymous.post("/pets", json=REX).status_code == 201  # not a browser: no metadata

    forgot = anonymous.post("/api-key", data={"key": ""})
    assert forgot.status_code == 303
    assert "Max-Age=0" in forgot.headers["Set-Cookie"]
    assert_problem(anonymous.post("/pets", json=REX), 401)


@pytest.mark.parametrize("site", ["same-site", "cross-site", "none"])
def test_the_cookie_is_refused_from_other_origins(anonymous: Client, site: str) -> None:
    anonymous.post("/api-key", data={"key": KEY})
    resp = anonymous.post("/pets", json=REX, headers={"Sec-Fetch-Site": site})
    assert assert_problem(resp, 401)["detail"] == "apiKeyCookie rejected the API key sent."
    assert anonymous.get("/pets").json == []


def test_the_cookie_is_secure_over_https(anonymous: Client) -> None:
    kept = anonymous.post("/api-key", data={"key": KEY}, base_url="https://localhost")
    assert "Secure" in kept.headers["Set-Cookie"]


# -- ETags and conditional requests -----------------------------------------------------------


def test_a_pet_has_an_etag_per_representation_from_its_version(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    json_resp = client.get(url)
    assert json_resp.headers["ETag"] == '"1-json"'
    assert json_resp.headers["Cache-Control"] == "no-cache"
    assert json_resp.headers["Vary"] == "Accept"
    assert json_resp.headers["Last-Modified"]
    assert client.get(url, headers={"Accept": "application/yaml"}).headers["ETag"] == '"1-yaml"'
    client.put(url, json={"name": "Rex II"})
    assert client.get(url).headers["ETag"] == '"2-json"'
    assert client.get(url + "?format=yaml").headers["ETag"] == '"2-yaml"'


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("tag", ['"1-json"', 'W/"1-json"', '"0-json", "1-json"', "*"])
def test_if_none_match_gives_304_while_unchanged(client: Client, method: str, tag: str) -> None:
    pet = create(client)
    resp = client.open(f"/pets/{pet['id']}", method=method, headers={"If-None-Match": tag})
    assert resp.status_code == 304
    assert resp.data == b""
    assert resp.headers["ETag"] == '"1-json"'
    assert resp.headers["Vary"] == "Accept"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert "Content-Type" not in resp.headers


def test_if_none_match_gives_the_pet_once_changed(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    client.patch(url, json={"status": "sold"})
    resp = client.get(url, headers={"If-None-Match": '"1-json"'})
    assert resp.status_code == 200
    assert resp.json["status"] == "sold"
    # The YAML tag validates the YAML representation only.
    assert client.get(url, headers={"If-None-Match": '"2-yaml"'}).status_code == 200


def test_if_modified_since_gives_304(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    last_modified = client.get(url).headers["Last-Modified"]
    resp = client.get(url, headers={"If-Modified-Since": last_modified})
    assert resp.status_code == 304
    old = client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_write_with_a_stale_if_match_is_412_and_changes_nothing(
    client: Client, method: str
) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    client.put(url, json={**REX, "status": "pending"})  # someone else: version 2
    body = {"json": {"name": "Lost update"}} if method != "DELETE" else {}
    resp = client.open(url, method=method, headers={"If-Match": '"1-json"'}, **body)
    assert_problem(resp, 412)
    current = client.get(url)
    assert current.json["status"] == "pending"
    assert current.json["name"] == "Rex"
    assert current.headers["ETag"] == '"2-json"'


@pytest.mark.parametrize("tag", ['"2-json"', '"2-yaml"', '"1-json", "2-json"', "*"])
def test_a_write_with_a_current_if_match_succeeds(client: Client, tag: str) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    client.put(url, json=REX)
    assert client.put(url, json={"name": "Max"}, headers={"If-Match": tag}).status_code == 200
    assert client.get(url).json["name"] == "Max"
    assert client.delete(url, headers={"If-Match": '"3-json"'}).status_code == 204


def test_a_weak_tag_never_satisfies_if_match(client: Client) -> None:
    """If-Match uses the strong comparison (RFC 9110 §13.1.1)."""
    pet = create(client)
    resp = client.put(f"/pets/{pet['id']}", json=REX, headers={"If-Match": 'W/"1-json"'})
    assert_problem(resp, 412)


def test_if_unmodified_since_in_the_past_is_412(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    stale = {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert_problem(client.put(url, json=REX, headers=stale), 412)
    fresh = {"If-Unmodified-Since": client.get(url).headers["Last-Modified"]}
    assert client.put(url, json=REX, headers=fresh).status_code == 200


def test_if_match_on_an_unknown_pet_is_404(client: Client) -> None:
    """Preconditions apply to requests that would succeed otherwise (RFC 9110 §13.2.1)."""
    problem = assert_problem(client.put("/pets/9", json=REX, headers={"If-Match": "*"}), 404)
    assert problem["detail"] == "No pet with id 9."


def test_a_malformed_if_match_is_400(client: Client) -> None:
    pet = create(client)
    assert_problem(client.put(f"/pets/{pet['id']}", json=REX, headers={"If-Match": "v1"}), 400)


def test_writes_without_if_match_are_accepted_no_428(client: Client) -> None:
    """The Petstore does not require preconditions (see its README)."""
    pet = create(client)
    assert client.put(f"/pets/{pet['id']}", json=REX).status_code == 200
    assert client.patch(f"/pets/{pet['id']}", json={"tag": "x"}).status_code == 200
    assert client.delete(f"/pets/{pet['id']}").status_code == 204


def test_a_patch_answers_with_the_new_etag_a_put_without(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}"
    patched = client.patch(url, json={"tag": "cat"}, headers={"If-Match": '"1-json"'})
    assert patched.status_code == 200
    assert patched.headers["ETag"] == '"2-json"'
    put = client.put(url, json=REX, headers={"If-Match": patched.headers["ETag"]})
    assert put.status_code == 200
    assert "ETag" not in put.headers  # RFC 9110 §9.3.4: the stored pet may differ from the content


def test_a_write_slipping_in_after_the_check_is_a_412_not_a_lost_update(api: Api) -> None:
    """If-Match is checked, then someone else writes, then ours would: the database refuses."""
    client = Client(api)
    pet = create(client)
    store = store_of(api)
    original = store.version

    def version_then_someone_writes(pet_id: int) -> Any:
        found = original(pet_id)
        store.replace(pet_id, {**REX, "name": "Theirs", "status": "sold"})
        return found

    store.version = version_then_someone_writes  # type: ignore[method-assign]
    try:
        url = f"/pets/{pet['id']}"
        resp = client.put(url, json={"name": "Ours"}, headers={"If-Match": '"1-json"'})
        assert "changed while this request" in assert_problem(resp, 412)["detail"]
        assert_problem(client.delete(url, headers={"If-Match": '"2-json"'}), 412)
        patch = client.patch(url, json={"tag": "ours"}, headers={"If-Match": '"3-json"'})
        assert_problem(patch, 412)  # not applied to the state written meanwhile
    finally:
        store.version = original  # type: ignore[method-assign]
    assert client.get(f"/pets/{pet['id']}").json["name"] == "Theirs"


def test_if_match_star_only_asks_that_the_pet_exists(api: Api) -> None:
    """``If-Match: *`` is true while the pet exists, whatever its version (RFC 9110 §13.1.1)."""
    client = Client(api)
    pet = create(client)
    store = store_of(api)
    original = store.version

    def version_then_someone_writes(pet_id: int) -> Any:
        found = original(pet_id)
        store.replace(pet_id, {**REX, "name": "Theirs", "status": "sold"})
        return found

    store.version = version_then_someone_writes  # type: ignore[method-assign]
    try:
        resp = client.put(f"/pets/{pet['id']}", json={"name": "Ours"}, headers={"If-Match": "*"})
    finally:
        store.version = original  # type: ignore[method-assign]
    assert resp.status_code == 200
    assert client.get(f"/pets/{pet['id']}").json["name"] == "Ours"


def test_an_unconditional_patch_racing_a_write_is_a_409(api: Api) -> None:
    """A merge patch applied to a state that changed meanwhile is not written."""
    client = Client(api)
    pet = create(client)
    store = store_of(api)
    original = store.get

    def read_then_someone_writes(pet_id: int) -> Any:
        found = original(pet_id)
        store.replace(pet_id, {**REX, "name": "Theirs", "status": "sold"})
        return found

    store.get = read_then_someone_writes  # type: ignore[method-assign]
    try:
        resp = client.patch(f"/pets/{pet['id']}", json={"tag": "cat"})
        assert "send the patch again" in assert_problem(resp, 409)["detail"]
    finally:
        store.get = original  # type: ignore[method-assign]
    assert client.get(f"/pets/{pet['id']}").json["tag"] == "dog"


def test_the_list_has_an_etag_too(client: Client) -> None:
    create(client)
    first = client.get("/pets?limit=5")
    etag = first.headers["ETag"]
    again = client.get("/pets?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Link"] == first.headers["Link"]
    assert again.headers["X-Total-Count"] == "1"
    create(client, name="Tom")
    assert client.get("/pets?limit=5", headers={"If-None-Match": etag}).status_code == 200


# -- pagination ----------------------------------------------------------------------


def _links(resp: TestResponse) -> dict[str, str]:
    found = {}
    for part in resp.headers["Link"].split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


def test_link_headers_on_first_middle_and_last_pages(client: Client) -> None:
    for i in range(7):
        create(client, name=f"dog {i}")
    create(client, name="Tom", tag="cat")
    base = "http://localhost/pets?tag=dog&"

    first = client.get("/pets?tag=dog&limit=3")
    assert first.headers["X-Total-Count"] == "7"
    assert first.headers["Link"] == (
        f'<{base}offset=0&limit=3>; rel="first", <{base}offset=3&limit=3>; rel="next",'
        f' <{base}offset=6&limit=3>; rel="last"'
    )
    middle = client.get("/pets?tag=dog&offset=3&limit=3")
    assert middle.headers["Link"] == (
        f'<{base}offset=0&limit=3>; rel="first", <{base}offset=0&limit=3>; rel="prev",'
        f' <{base}offset=6&limit=3>; rel="next", <{base}offset=6&limit=3>; rel="last"'
    )
    last = client.get("/pets?tag=dog&offset=6&limit=3")
    assert [p["name"] for p in last.json] == ["dog 6"]
    assert last.headers["Link"] == (
        f'<{base}offset=0&limit=3>; rel="first", <{base}offset=3&limit=3>; rel="prev",'
        f' <{base}offset=6&limit=3>; rel="last"'
    )
    # Following "next" from the first page visits every dog once.
    seen, url = [], "/pets?tag=dog&limit=3"
    while url:
        page = client.get(url)
        seen += [p["name"] for p in page.json]
        url = _links(page).get("next", "").removeprefix("http://localhost")
    assert seen == [f"dog {i}" for i in range(7)]


def test_an_empty_list_has_first_and_last_links(client: Client) -> None:
    resp = client.get("/pets")
    assert resp.headers["X-Total-Count"] == "0"
    assert _links(resp) == {
        "first": "http://localhost/pets?offset=0&limit=20",
        "last": "http://localhost/pets?offset=0&limit=20",
    }


# -- PATCH: merge patch (RFC 7396) and JSON Patch (RFC 6902) ----------------------------------


@pytest.mark.parametrize("content_type", [MERGE_PATCH, "application/json"])
def test_merge_patch_changes_only_what_it_names(client: Client, content_type: str) -> None:
    pet = create(client)
    resp = client.patch(
        f"/pets/{pet['id']}",
        data='{"status": "pending", "dimensions": {"width": 12}}',
        content_type=content_type,
    )
    assert resp.status_code == 200
    # Objects merge recursively: the height stays (RFC 7396 §2).
    expected = {**pet, "status": "pending", "dimensions": {"width": 12.0, "height": 45.5}}
    assert resp.json == expected
    assert client.get(f"/pets/{pet['id']}").json == expected


def test_merge_patch_null_removes_an_optional_member(client: Client) -> None:
    pet = create(client)
    resp = client.patch(f"/pets/{pet['id']}", json={"tag": None, "dimensions": None})
    assert resp.json == {**pet, "tag": None, "dimensions": None}


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"name": None}, "name"),  # removing a required member
        ({"status": "lost"}, "status"),
        ({"dimensions": {"width": -1}}, "dimensions.width"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_merge_patch_giving_an_invalid_pet_is_422(
    client: Client, patch: dict[str, Any], path: str
) -> None:
    pet = create(client)
    problem = assert_problem(client.patch(f"/pets/{pet['id']}", json=patch), 422)
    assert [e["path"] for e in problem["errors"]] == [path]
    assert client.get(f"/pets/{pet['id']}").json == pet


def test_merge_patch_ignores_read_only_members(client: Client) -> None:
    pet = create(client)
    resp = client.patch(f"/pets/{pet['id']}", json={"id": 99, "name": "Max"})
    assert resp.json == {**pet, "name": "Max"}


def test_json_patch(client: Client) -> None:
    pet = create(client)
    ops = (
        '[{"op": "test", "path": "/name", "value": "Rex"},'
        ' {"op": "replace", "path": "/dimensions/height", "value": 50},'
        ' {"op": "remove", "path": "/tag"}]'
    )
    resp = client.patch(f"/pets/{pet['id']}", data=ops, content_type=JSON_PATCH)
    assert resp.status_code == 200
    assert resp.json == {**pet, "tag": None, "dimensions": {"width": 30.0, "height": 50.0}}


def test_a_failed_json_patch_test_is_409_and_changes_nothing(client: Client) -> None:
    pet = create(client)
    ops = (
        '[{"op": "replace", "path": "/tag", "value": "x"},'
        ' {"op": "test", "path": "/name", "value": "Max"}]'
    )
    problem = assert_problem(
        client.patch(f"/pets/{pet['id']}", data=ops, content_type=JSON_PATCH), 409
    )
    assert problem["errors"][0]["path"] == "1"
    assert client.get(f"/pets/{pet['id']}").json == pet


def test_a_patch_in_another_media_type_is_415_with_accept_patch(client: Client) -> None:
    pet = create(client)
    resp = client.patch(f"/pets/{pet['id']}", data="name=Max", content_type="text/plain")
    assert_problem(resp, 415)
    assert resp.headers["Accept-Patch"] == f"{MERGE_PATCH}, {JSON_PATCH}, application/json"


def test_patching_an_unknown_pet_is_404(client: Client) -> None:
    assert assert_problem(client.patch("/pets/5", json={"name": "X"}), 404)["detail"] == (
        "No pet with id 5."
    )


# -- photos -------------------------------------------------------------------------------


def test_upload_and_download_a_photo(client: Client) -> None:
    pet = create(client)
    url = f"/pets/{pet['id']}/photo"
    assert_problem(client.get(url), 404)
    created = upload(client, pet["id"])
    assert created.status_code == 201, created.json
    info = created.json
    assert info["pet_id"] == pet["id"]
    assert (info["content_type"], info["filename"], info["size"]) == ("image/png", "rex.png", 1032)
    assert len(info["sha256"]) == 64

    resp = client.get(url, buffered=True)
    assert resp.status_code == 200
    assert resp.data == PNG
    assert resp.mimetype == "image/png"
    assert resp.headers["Content-Disposition"] == "inline; filename=rex.png"
    assert resp.headers["ETag"] == f'"{info["sha256"]}"'
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert client.get(url, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    head = client.head(url)
    assert (head.status_code, head.data, head.headers["Content-Length"]) == (200, b"", "1032")

    replaced = upload(
        client, pet["id"], b"GIF89a" + bytes(10), name="rex.gif", mimetype="image/gif"
    )
    assert replaced.status_code == 200
    assert replaced.json["size"] == 16
    again = client.get(url, buffered=True)
    assert (again.mimetype, again.data) == ("image/gif", b"GIF89a" + bytes(10))


def test_photo_ranges(client: Client) -> None:
    pet = create(client)
    upload(client, pet["id"])
    url = f"/pets/{pet['id']}/photo"
    part = client.get(url, headers={"Range": "bytes=100-199"}, buffered=True)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == "bytes 100-199/1032"
    assert part.data == PNG[100:200]
    tail = client.get(url, headers={"Range": "bytes=-10"}, buffered=True)
    assert (tail.status_code, tail.data) == (206, PNG[-10:])
    beyond = client.get(url, headers={"Range": "bytes=5000-"})
    assert assert_problem(beyond, 416)
    assert beyond.headers["Content-Range"] == "bytes */1032"


@pytest.mark.parametrize("accept", ["image/png", "image/*", "*/*", "text/html,*/*;q=0.8"])
def test_a_photo_is_negotiated_as_an_image(client: Client, accept: str) -> None:
    pet = create(client)
    upload(client, pet["id"])
    resp = client.get(f"/pets/{pet['id']}/photo", headers={"Accept": accept}, buffered=True)
    assert (resp.status_code, resp.data) == (200, PNG)


def test_a_photo_asked_for_as_json_is_406(client: Client) -> None:
    pet = create(client)
    upload(client, pet["id"])
    resp = client.get(f"/pets/{pet['id']}/photo", headers={"Accept": "application/json"})
    assert assert_problem(resp, 406)["available"] == ["image/*"]


def test_a_photo_must_be_an_image(client: Client) -> None:
    pet = create(client)
    resp = upload(client, pet["id"], b"<html>", name="x.html", mimetype="text/html")
    problem = assert_problem(resp, 422)
    assert [(e["location"], e["path"]) for e in problem["errors"]] == [("form", "photo")]
    assert "image/*" in problem["errors"][0]["message"]
    missing = client.put(
        f"/pets/{pet['id']}/photo", data={"photo": "not a file"}, content_type="multipart/form-data"
    )
    assert assert_problem(missing, 422)["errors"][0]["path"] == "photo"
    as_json = client.put(f"/pets/{pet['id']}/photo", json={"photo": "x"})
    assert_problem(as_json, 415)
    assert_problem(client.get(f"/pets/{pet['id']}/photo"), 404)


def test_a_photo_over_5_mib_is_422_and_far_over_is_413(client: Client) -> None:
    pet = create(client)
    over = upload(client, pet["id"], b"\x89PNG" + bytes(MAX_PHOTO_SIZE - 3))
    problem = assert_problem(over, 422)
    assert problem["errors"][0]["message"] == (
        f"The file is {MAX_PHOTO_SIZE + 1} bytes, larger than the {MAX_PHOTO_SIZE} bytes accepted."
    )
    far_over = upload(client, pet["id"], bytes(MAX_CONTENT_LENGTH + 1))
    assert assert_problem(far_over, 413)
    assert upload(client, pet["id"], b"\x89PNG" + bytes(MAX_PHOTO_SIZE - 4)).status_code == 201


def test_a_photo_of_an_unknown_pet_is_404(client: Client) -> None:
    assert assert_problem(upload(client, 77), 404)["detail"] == "No pet with id 77."


def test_deleting_a_photo(client: Client) -> None:
    pet = create(client)
    upload(client, pet["id"])
    assert client.delete(f"/pets/{pet['id']}/photo").status_code == 204
    assert_problem(client.get(f"/pets/{pet['id']}/photo"), 404)
    assert assert_problem(client.delete(f"/pets/{pet['id']}/photo"), 404)["detail"] == (
        f"Pet {pet['id']} has no photo."
    )
    assert client.get(f"/pets/{pet['id']}").json == pet  # the pet stays


def test_deleting_a_pet_deletes_its_photo(client: Client, db_path: Path) -> None:
    pet = create(client)
    other = create(client, name="Tom")
    upload(client, pet["id"])
    upload(client, other["id"])
    client.delete(f"/pets/{pet['id']}")
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT pet_id FROM photos").fetchall()
    assert rows == [(other["id"],)]  # no orphan photo
    assert_problem(client.get(f"/pets/{pet['id']}/photo"), 404)


def test_a_failed_photo_write_leaves_nothing_behind(db_path: Path) -> None:
    store = PetStore(db_path)
    pet = store.create({"name": "Rex", "status": "available"})
    with pytest.raises(sqlite3.IntegrityError):
        store.put_photo(pet["id"], PNG, content_type=None, filename="x.png")  # type: ignore[arg-type]
    assert store.photo(pet["id"]) is None
    assert store.put_photo(pet["id"], PNG, content_type="image/png", filename="x.png") is not None
    with pytest.raises(sqlite3.IntegrityError):
        store.put_photo(pet["id"], b"new", content_type="image/png", filename=None)  # type: ignore[arg-type]
    found = store.photo(pet["id"])
    assert found is not None and found.data == PNG  # the old photo, whole


# -- CORS -------------------------------------------------------------------------------------


def test_cors_preflight_for_a_write_with_the_api_key(client: Client) -> None:
    pet = create(client)
    resp = client.options(
        f"/pets/{pet['id']}",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "X-API-Key, Content-Type, If-Match",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    assert resp.headers["Access-Control-Allow-Headers"] == "x-api-key, content-type, if-match"
    assert resp.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in resp.headers


def test_cors_preflight_without_the_key_is_still_answered(anonymous: Client) -> None:
    """Preflights carry no credentials: they are answered before security (Fetch §3.2.2)."""
    resp = anonymous.options(
        "/pets", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    )
    assert resp.status_code == 204


def test_cors_preflight_for_a_method_the_route_lacks_is_refused(client: Client) -> None:
    resp = client.options(
        "/pets",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert_problem(resp, 403)
    assert not [h for h in resp.headers.keys() if h.startswith("Access-Control-")]


def test_cors_headers_on_answers_and_errors(client: Client, anonymous: Client) -> None:
    origin = {"Origin": "https://app.example"}
    ok = client.get("/pets", headers=origin)
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert ok.headers["Access-Control-Expose-Headers"] == "*"  # Link, ETag, X-Total-Count...
    refused = anonymous.post("/pets", json=REX, headers=origin)
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    monkeypatch.setenv("PETSTORE_CORS_ORIGINS", "https://app.example, http://localhost:3000")
    client = Client(create_app(db_path, api_key=KEY))
    ok = client.get("/pets", headers={"Origin": "http://localhost:3000"})
    assert ok.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Origin" in ok.headers["Vary"]
    other = client.get("/pets", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/pets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert_problem(preflight, 403)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "*"),
        ("", "*"),
        ("*", "*"),
        ("https://a.example", ["https://a.example"]),
        ("https://a.example,https://b.example", ["https://a.example", "https://b.example"]),
        (
            " https://a.example  http://b.example:8080 ",
            ["https://a.example", "http://b.example:8080"],
        ),
    ],
)
def test_cors_origins_parsing(value: str | None, expected: Any) -> None:
    assert cors_origins(value) == expected


def test_a_bad_cors_origin_is_an_error_at_startup(db_path: Path) -> None:
    with pytest.raises(ValueError, match="scheme://host"):
        create_app(db_path, cors=["app.example/path"])


# -- rate limiting ----------------------------------------------------------------------------


def test_rate_limit_429_with_retry_after(db_path: Path) -> None:
    client = Client(create_app(db_path, api_key=KEY, rate_limit="3/minute"))
    statuses = [client.get("/pets").status_code for _ in range(3)]
    statuses.append(client.post("/pets", json=REX).status_code)
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/pets")
    problem = assert_problem(refused, 429)
    assert problem["violated-policies"] == ["default"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Policy"] == '"default";q=3;w=60'
    # The documents, the docs and the pages are not limited.
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/").status_code == 200


def test_rate_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    monkeypatch.setenv("PETSTORE_RATE_LIMIT", "2/minute")
    client = Client(create_app(db_path, api_key=KEY))
    assert [client.get("/pets").status_code for _ in range(3)] == [200, 200, 429]


def test_the_default_rate_limit_is_generous(client: Client) -> None:
    resp = client.get("/pets")
    assert resp.headers["RateLimit-Policy"] == '"default";q=1000;w=60'
    assert resp.headers["RateLimit"] == '"default";r=999;t=60'


def test_an_unreachable_redis_is_a_503_not_an_unlimited_api(
    monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    pytest.importorskip("redis")
    monkeypatch.setenv("PETSTORE_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    client = Client(create_app(db_path, api_key=KEY))
    assert_problem(client.get("/pets"), 503)
    assert_problem(client.post("/pets", json=REX), 503)
    assert client.get("/").status_code == 200  # pages are not limited
    assert PetStore(db_path).find() == []


def test_a_bad_rate_limit_is_an_error_at_startup(db_path: Path) -> None:
    with pytest.raises(ValueError):
        create_app(db_path, rate_limit="lots")


# -- the database -----------------------------------------------------------------


def test_data_survives_a_new_app_on_the_same_file(db_path: Path) -> None:
    client = Client(create_app(db_path, api_key=KEY))
    pet = create(client)
    upload(client, pet["id"])
    again = Client(create_app(db_path, api_key=KEY))
    assert again.get(f"/pets/{pet['id']}").json == pet
    assert again.get(f"/pets/{pet['id']}").headers["ETag"] == '"1-json"'
    assert again.get(f"/pets/{pet['id']}/photo", buffered=True).data == PNG


def test_building_the_app_creates_no_file(db_path: Path) -> None:
    create_app(db_path).openapi()
    assert not db_path.exists()


def test_db_path_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path
) -> None:
    monkeypatch.setenv("PETSTORE_DB", str(db_path))
    create(Client(create_app(api_key=KEY)))
    assert db_path.exists()


def test_db_path_defaults_to_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    create(Client(create_app(api_key=KEY)))
    assert (tmp_path / DEFAULT_DB).exists()


def test_a_failed_write_leaves_nothing_behind(db_path: Path) -> None:
    store = PetStore(db_path)
    pet = store.create({"name": "Rex", "status": "available"})
    with pytest.raises(RuntimeError), store._transaction() as conn:
        conn.execute("UPDATE pets SET name = 'half' WHERE id = ?", (pet["id"],))
        conn.execute("DELETE FROM pets")
        raise RuntimeError("crash between statements")
    assert store.find() == [pet]


def test_a_write_that_breaks_a_constraint_writes_nothing(db_path: Path) -> None:
    store = PetStore(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        store.create({"name": None, "status": "available"})
    assert store.find() == []


def test_versions_count_the_changes(db_path: Path) -> None:
    store = PetStore(db_path)
    pet = store.create({"name": "Rex", "status": "available"})
    assert pet["version"] == 1
    changed = store.replace(pet["id"], {"name": "Max", "status": "sold"}, expected_version=1)
    assert changed is not None and changed["version"] == 2
    assert changed["updated_at"] >= changed["created_at"]
    with pytest.raises(StaleVersion):
        store.replace(pet["id"], {"name": "Lost", "status": "sold"}, expected_version=1)
    with pytest.raises(StaleVersion):
        store.delete(pet["id"], expected_version=1)
    assert store.get(pet["id"]) == changed
    assert store.replace(99, {"name": "X", "status": "sold"}) is None
    assert store.delete(pet["id"], expected_version=2)


#: The schema of the first Petstore release: no version, no updated_at, no photos.
_FIRST_RELEASE = """
CREATE TABLE pets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    tag TEXT,
    status TEXT NOT NULL,
    width REAL,
    height REAL,
    created_at TEXT NOT NULL
)
"""


@pytest.fixture
def old_db(db_path: Path) -> Iterator[Path]:
    with sqlite3.connect(db_path) as conn:
        conn.execute(_FIRST_RELEASE)
        conn.execute(
            "INSERT INTO pets (name, tag, status, width, height, created_at) VALUES"
            " ('Rex', 'dog', 'available', 3, 4, '2024-05-01T10:00:00+00:00'),"
            " ('Tom', NULL, 'sold', NULL, NULL, '2024-05-02T11:30:00+00:00')"
        )
    yield db_path


def test_a_database_of_the_first_release_is_migrated(old_db: Path) -> None:
    client = Client(create_app(old_db, api_key=KEY))
    pets = client.get("/pets").json
    assert [(p["id"], p["name"], p["tag"], p["status"]) for p in pets] == [
        (1, "Rex", "dog", "available"),
        (2, "Tom", None, "sold"),
    ]
    assert pets[0]["dimensions"] == {"width": 3.0, "height": 4.0}
    assert pets[0]["created_at"] == "2024-05-01T10:00:00+00:00"
    rex = client.get("/pets/1")
    assert rex.headers["ETag"] == '"1-json"'
    assert rex.headers["Last-Modified"] == "Wed, 01 May 2024 10:00:00 GMT"  # from created_at
    assert (
        client.patch("/pets/1", json={"tag": "good dog"}, headers={"If-Match": '"1-json"'}).headers[
            "ETag"
        ]
        == '"2-json"'
    )
    assert upload(client, 2).status_code == 201
    with sqlite3.connect(old_db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(pets)")]
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert columns == [
        "id", "name", "tag", "status", "width", "height", "created_at", "version", "updated_at"
    ]  # fmt: skip
    assert "photos" in tables
    # Opening it again changes nothing.
    again = Client(create_app(old_db, api_key=KEY))
    assert again.get("/pets/1").json["tag"] == "good dog"
    assert again.get("/pets/2/photo", buffered=True).data == PNG
    assert create(again)["id"] == 3


def test_a_migration_that_fails_changes_nothing(
    old_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from examples.petstore import store as store_module

    broken = (("version", "INTEGER NOT NULL DEFAULT 1"), ("updated_at", "NOT A TYPE (("))
    monkeypatch.setattr(store_module, "_ADDED_COLUMNS", broken)
    with pytest.raises(sqlite3.OperationalError):
        PetStore(old_db).find()
    with sqlite3.connect(old_db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(pets)")]
    assert "version" not in columns  # the whole migration was rolled back
    monkeypatch.undo()
    assert [p["name"] for p in PetStore(old_db).find()] == ["Rex", "Tom"]


# -- the home page ----------------------------------------------------------------


def test_home_page_lists_pets_and_links(client: Client) -> None:
    create(client, name="Biscuit <b>")
    page = client.get("/")
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Biscuit &lt;b&gt;" in html
    assert 'href="/pets/1"' in html
    assert 'href="/docs"' in html


# -- the OpenAPI document ---------------------------------------------------------


def test_operation_ids(api: Api) -> None:
    paths = api.openapi()["paths"]
    ids = {
        (path, method): op["operationId"]
        for path, item in paths.items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert ids == {
        ("/pets", "get"): "listPets",
        ("/pets", "post"): "createPet",
        ("/pets/{pet_id}", "get"): "getPet",
        ("/pets/{pet_id}", "put"): "updatePet",
        ("/pets/{pet_id}", "patch"): "patchPet",
        ("/pets/{pet_id}", "delete"): "deletePet",
        ("/pets/{pet_id}/photo", "get"): "getPetPhoto",
        ("/pets/{pet_id}/photo", "put"): "updatePetPhoto",
        ("/pets/{pet_id}/photo", "delete"): "deletePetPhoto",
    }


def test_spec_documents_the_example(api: Api) -> None:
    spec = api.openapi()
    assert spec["info"]["title"] == "Petstore"
    assert spec["tags"] == [{"name": "pets", "description": "Everything about your pets."}]
    create_op = spec["paths"]["/pets"]["post"]
    assert create_op["summary"] == "Add a pet."
    assert create_op["tags"] == ["pets"]
    assert set(create_op["responses"]["201"]["headers"]) == {
        "Location",
        "RateLimit",
        "RateLimit-Policy",
    }
    params = {p["name"]: p for p in spec["paths"]["/pets"]["get"]["parameters"] if "name" in p}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "default": 20,
        "minimum": 1,
        "maximum": 100,
    }
    assert params["offset"]["schema"] == {"type": "integer", "default": 0, "minimum": 0}
    assert params["tag"]["schema"] == {"type": "string"}
    pet = spec["components"]["schemas"]["Pet"]
    assert pet["required"] == ["name"]
    assert pet["properties"]["status"]["enum"] == ["available", "pending", "sold"]
    assert pet["properties"]["id"]["readOnly"] is True


def test_spec_documents_the_api_key(api: Api) -> None:
    spec = api.openapi()
    assert spec["components"]["securitySchemes"]["apiKey"]["in"] == "header"
    assert spec["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    assert spec["components"]["securitySchemes"]["apiKeyCookie"]["in"] == "cookie"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "parameters"):
                assert method == "parameters" or op["security"] == [], path
                continue
            assert op["security"] == [{"apiKey": []}, {"apiKeyCookie": []}], (path, method)
            assert op["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert "WWW-Authenticate" in spec["components"]["responses"]["Unauthorized"]["headers"]


def test_spec_documents_etags_pages_patches_photos_and_limits(api: Api) -> None:
    spec = api.openapi()
    paths = spec["paths"]
    get_pet = paths["/pets/{pet_id}"]["get"]
    assert {"ETag", "Last-Modified"} <= set(get_pet["responses"]["200"]["headers"])
    assert get_pet["responses"]["304"] == {"$ref": "#/components/responses/NotModified"}
    refs = [p.get("$ref") for p in paths["/pets/{pet_id}"]["put"]["parameters"]]
    assert "#/components/parameters/IfMatch" in refs
    for method in ("put", "patch", "delete"):
        responses = paths["/pets/{pet_id}"][method]["responses"]
        assert responses["412"] == {"$ref": "#/components/responses/PreconditionFailed"}
        assert "428" not in responses  # preconditions are not required
    listed = paths["/pets"]["get"]["responses"]["200"]["headers"]
    assert {"Link", "X-Total-Count", "ETag"} <= set(listed)
    patch = paths["/pets/{pet_id}"]["patch"]
    assert list(patch["requestBody"]["content"]) == [MERGE_PATCH, JSON_PATCH, "application/json"]
    assert patch["requestBody"]["content"][MERGE_PATCH]["schema"] == {
        "$ref": "#/components/schemas/PetPatch"
    }
    assert patch["requestBody"]["content"][JSON_PATCH]["schema"] == {
        "$ref": "#/components/schemas/JSONPatch"
    }
    photo = paths["/pets/{pet_id}/photo"]
    upload_body = photo["put"]["requestBody"]["content"]
    assert list(upload_body) == ["multipart/form-data"]
    assert upload_body["multipart/form-data"]["encoding"] == {"photo": {"contentType": "image/*"}}
    photo_field = spec["components"]["schemas"]["PhotoUpload"]["properties"]["photo"]
    assert photo_field["format"] == "binary"
    assert str(MAX_PHOTO_SIZE) in photo_field["description"]
    assert photo["put"]["responses"]["413"] == {"$ref": "#/components/responses/ContentTooLarge"}
    download = photo["get"]["responses"]
    assert download["200"]["content"] == {
        "image/*": {"schema": {"type": "string", "format": "binary"}}
    }
    assert {"206", "304", "406", "416"} <= set(download)
    assert "parameters" not in photo["get"]  # no ?format= for the image
    for item in paths.values():
        for method, op in item.items():
            if method != "parameters":
                assert "Retry-After" in op["responses"]["429"]["headers"]


def test_exclusive_bounds_are_documented_as_exclusive(api: Api) -> None:
    width31 = api.openapi("3.1.0")["components"]["schemas"]["Dimensions"]["properties"]["width"]
    assert width31["exclusiveMinimum"] == 0
    assert "minimum" not in width31
    width30 = api.openapi("3.0.3")["components"]["schemas"]["Dimensions"]["properties"]["width"]
    assert width30["minimum"] == 0
    assert width30["exclusiveMinimum"] is True


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_spec_is_valid_openapi(api: Api, version: str) -> None:
    spec = api.openapi(version)
    assert spec["openapi"] == version
    validate(spec)


def test_committed_spec_is_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    result = CliRunner().invoke(main, ["openapi", "check", "--app", APP, str(SPEC)])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
