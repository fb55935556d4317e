"""A typed client generated from openapi/petstore.yaml drives the live Petstore."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from conftest import ROOT, heron_server, require_executable

pytestmark = [pytest.mark.external, pytest.mark.live]

APP = "examples.petstore.app:app"
SPEC = ROOT / "openapi" / "petstore.yaml"
PACKAGE = "petstore_client"


def generator() -> str:
    """Return openapi-python-client from this interpreter's environment, or from PATH."""
    beside = Path(sys.executable).with_name("openapi-python-client")
    if beside.exists():
        return str(beside)
    return require_executable("openapi-python-client")


def json_request_bodies_only(spec: dict[str, Any]) -> dict[str, Any]:
    """Drop the other request body media types, which the generator cannot handle.

    openapi-python-client 0.29 writes code that does not import (``Unset``
    undefined) for a request body offered in two media types, such as
    ``application/json`` and ``application/yaml``. Responses in several types
    are fine.
    """
    for path_item in spec["paths"].values():
        for op in path_item.values():
            content = op.get("requestBody", {}).get("content", {}) if isinstance(op, dict) else {}
            for media_type in [m for m in content if m != "application/json"]:
                if "application/json" in content:
                    del content[media_type]
    return spec


def _forget_package() -> None:
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def client_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """Generate the client into a temporary directory and import it."""
    config = tmp_path / "config.yaml"
    # No post hooks (they run ruff from PATH), so every warning left is about our spec.
    config.write_text("post_hooks: []\n", encoding="utf-8")
    spec = tmp_path / "petstore.yaml"
    committed = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec.write_text(yaml.safe_dump(json_request_bodies_only(committed)), encoding="utf-8")
    cmd = [
        generator(),
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(tmp_path / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        "--fail-on-warning",
    ]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Warning" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    _forget_package()
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        _forget_package()


def test_generated_client_does_crud(client_package: ModuleType, tmp_path: Path) -> None:
    client_mod = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    Pet, Dimensions, Problem, PetStatus = (
        models.Pet,
        models.Dimensions,
        models.Problem,
        models.PetStatus,
    )
    create_pet, list_pets, get_pet, update_pet, delete_pet = (
        importlib.import_module(f"{PACKAGE}.api.pets.{name}")
        for name in ("create_pet", "list_pets", "get_pet", "update_pet", "delete_pet")
    )

    with (
        heron_server(APP, env={"PETSTORE_DB": str(tmp_path / "pets.db")}) as url,
        client_mod.Client(base_url=url, raise_on_unexpected_status=True) as client,
    ):
        body = Pet(name="Rex", tag="dog", dimensions=Dimensions(width=30.0, height=45.5))
        created = create_pet.sync_detailed(client=client, body=body)
        assert created.status_code == 201
        assert created.headers["Location"] == f"/pets/{created.parsed.id}"
        rex = created.parsed
        assert isinstance(rex, Pet)
        assert isinstance(rex.id, int)
        assert rex.name == "Rex"
        assert rex.tag == "dog"
        assert rex.status == PetStatus.AVAILABLE
        assert isinstance(rex.dimensions, Dimensions)
        assert (rex.dimensions.width, rex.dimensions.height) == (30.0, 45.5)
        assert rex.created_at.tzinfo is not None

        tom = create_pet.sync(client=client, body=Pet(name="Tom", tag="cat"))
        assert isinstance(tom, Pet)
        assert tom.dimensions is None

        listed = list_pets.sync(client=client)
        assert [type(p) for p in listed] == [Pet, Pet]
        assert [p.id for p in listed] == [rex.id, tom.id]
        assert [p.name for p in list_pets.sync(client=client, tag="cat")] == ["Tom"]
        assert [p.id for p in list_pets.sync(client=client, limit=1)] == [rex.id]

        fetched = get_pet.sync(rex.id, client=client)
        assert isinstance(fetched, Pet)
        assert fetched.to_dict() == rex.to_dict()

        new_state = Pet(name="Rex", tag="dog", status=PetStatus.SOLD)
        updated = update_pet.sync(rex.id, client=client, body=new_state)
        assert isinstance(updated, Pet)
        assert updated.status == PetStatus.SOLD
        assert updated.dimensions is None
        assert updated.created_at == rex.created_at

        deleted = delete_pet.sync_detailed(rex.id, client=client)
        assert deleted.status_code == 204

        missing = get_pet.sync_detailed(rex.id, client=client)
        assert missing.status_code == 404
        problem = missing.parsed
        assert isinstance(problem, Problem)
        assert problem.status == 404
        assert problem.detail == f"No pet with id {rex.id}."

        invalid = create_pet.sync_detailed(client=client, body=Pet(name=""))
        assert invalid.status_code == 422
        assert isinstance(invalid.parsed, Problem)
        assert [(e.location, e.path) for e in invalid.parsed.errors] == [("json", "name")]
