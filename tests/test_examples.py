"""The Petstore example, in process: every operation, its database and its spec."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate
from werkzeug.test import Client

from conftest import ROOT
from examples.petstore.app import DEFAULT_DB, create_app
from examples.petstore.store import PetStore
from heron import Api
from heron.cli import main

APP = "examples.petstore.app:app"
SPEC = ROOT / "openapi" / "petstore.yaml"
REX = {"name": "Rex", "tag": "dog", "dimensions": {"width": 30, "height": 45.5}}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pets.db"


@pytest.fixture
def api(db_path: Path) -> Api:
    return create_app(db_path)


@pytest.fixture
def client(api: Api) -> Client:
    return api.test_client()


def create(client: Client, **fields: Any) -> dict[str, Any]:
    resp = client.post("/pets", json={**REX, **fields})
    assert resp.status_code == 201, resp.json
    pet: dict[str, Any] = resp.json
    return pet


def assert_problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = resp.json
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= problem.keys()
    return problem


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
    assert client.get(resp.headers["Location"]).json == pet


def test_create_pet_with_only_a_name(client: Client) -> None:
    pet = client.post("/pets", json={"name": "Tom"}).json
    assert pet["tag"] is None
    assert pet["dimensions"] is None
    assert pet["status"] == "available"


def test_list_pets_filters_by_tag_and_limits(client: Client) -> None:
    assert client.get("/pets").json == []
    ids = [create(client, name=f"dog {i}")["id"] for i in range(3)]
    cat = create(client, name="Tom", tag="cat")
    assert [p["id"] for p in client.get("/pets").json] == [*ids, cat["id"]]
    assert [p["id"] for p in client.get("/pets?tag=dog").json] == ids
    assert client.get("/pets?tag=cat").json == [cat]
    assert client.get("/pets?tag=bird").json == []
    assert [p["id"] for p in client.get("/pets?limit=2").json] == ids[:2]
    assert [p["id"] for p in client.get("/pets?tag=dog&limit=1").json] == ids[:1]


def test_list_pets_limit_defaults_to_20(client: Client) -> None:
    for i in range(21):
        create(client, name=f"pet {i}")
    assert len(client.get("/pets").json) == 20
    assert len(client.get("/pets?limit=100").json) == 21


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_list_pets_rejects_bad_limit(client: Client, limit: str) -> None:
    problem = assert_problem(client.get(f"/pets?limit={limit}"), 422)
    assert [(e["location"], e["path"]) for e in problem["errors"]] == [("query", "limit")]


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
    options = client.options("/pets")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


# -- the database -----------------------------------------------------------------


def test_data_survives_a_new_app_on_the_same_file(db_path: Path) -> None:
    pet = create(create_app(db_path).test_client())
    again = create_app(db_path).test_client()
    assert again.get(f"/pets/{pet['id']}").json == pet


def test_building_the_app_creates_no_file(db_path: Path) -> None:
    create_app(db_path).openapi()
    assert not db_path.exists()


def test_db_path_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path
) -> None:
    monkeypatch.setenv("PETSTORE_DB", str(db_path))
    create(create_app().test_client())
    assert db_path.exists()


def test_db_path_defaults_to_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PETSTORE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    create(create_app().test_client())
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


# -- the OpenAPI document ---------------------------------------------------------


def test_operation_ids(api: Api) -> None:
    paths = api.openapi()["paths"]
    ids = {m: op["operationId"] for m, op in paths["/pets"].items()}
    assert ids == {"get": "listPets", "post": "createPet"}
    item = paths["/pets/{pet_id}"]
    ids = {m: op["operationId"] for m, op in item.items() if m != "parameters"}
    assert ids == {"get": "getPet", "put": "updatePet", "delete": "deletePet"}


def test_spec_documents_the_example(api: Api) -> None:
    spec = api.openapi()
    assert spec["info"]["title"] == "Petstore"
    assert spec["tags"] == [{"name": "pets", "description": "Everything about your pets."}]
    create_op = spec["paths"]["/pets"]["post"]
    assert create_op["summary"] == "Add a pet."
    assert create_op["tags"] == ["pets"]
    assert set(create_op["responses"]["201"]["headers"]) == {"Location"}
    params = {p["name"]: p for p in spec["paths"]["/pets"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "default": 20,
        "minimum": 1,
        "maximum": 100,
    }
    pet = spec["components"]["schemas"]["Pet"]
    assert pet["required"] == ["name"]
    assert pet["properties"]["status"]["enum"] == ["available", "pending", "sold"]
    assert pet["properties"]["id"]["readOnly"] is True


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
