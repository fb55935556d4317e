"""A typed client generated from openapi/petstore.yaml drives the live Petstore.

The client authenticates with the API key the way openapi-python-client does it:
an ``AuthenticatedClient`` whose token goes, without a prefix, in the header the
spec's ``apiKey`` scheme names.
"""

from __future__ import annotations

import importlib
import io
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
KEY = "generated-client-key"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
#: The generator knows binary responses as application/octet-stream only; the
#: photo is documented, truthfully, as image/* (its config maps one to the other).
CONFIG = """\
post_hooks: []
content_type_overrides:
  image/*: application/octet-stream
"""


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
    config.write_text(CONFIG, encoding="utf-8")
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


def test_the_spec_names_the_api_key_header() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    scheme = spec["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")


def test_generated_client_does_crud(client_package: ModuleType, tmp_path: Path) -> None:
    client_mod = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    Pet, Dimensions, Problem, PetStatus = (
        models.Pet,
        models.Dimensions,
        models.Problem,
        models.PetStatus,
    )
    PetPatch, PhotoUpload, Photo = models.PetPatch, models.PhotoUpload, models.Photo
    SOLD = models.PetPatchStatusType1.SOLD
    ops = {
        name: importlib.import_module(f"{PACKAGE}.api.pets.{name}")
        for name in (
            "create_pet",
            "list_pets",
            "get_pet",
            "update_pet",
            "patch_pet",
            "delete_pet",
            "update_pet_photo",
            "get_pet_photo",
        )
    }
    create_pet, list_pets, get_pet = ops["create_pet"], ops["list_pets"], ops["get_pet"]
    update_pet, patch_pet, delete_pet = ops["update_pet"], ops["patch_pet"], ops["delete_pet"]
    update_pet_photo, get_pet_photo = ops["update_pet_photo"], ops["get_pet_photo"]

    env = {"PETSTORE_DB": str(tmp_path / "pets.db"), "PETSTORE_API_KEY": KEY}
    with (
        heron_server(APP, env=env) as url,
        client_mod.AuthenticatedClient(
            base_url=url,
            token=KEY,
            prefix="",
            auth_header_name="X-API-Key",
            raise_on_unexpected_status=True,
        ) as client,
        client_mod.Client(base_url=url, raise_on_unexpected_status=True) as anonymous,
    ):
        refused = create_pet.sync_detailed(client=anonymous, body=Pet(name="Rex"))
        assert refused.status_code == 401
        assert isinstance(refused.parsed, Problem)
        assert refused.headers["WWW-Authenticate"].startswith("ApiKey ")

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

        listed = list_pets.sync(client=anonymous)  # reads are public
        assert [type(p) for p in listed] == [Pet, Pet]
        assert [p.id for p in listed] == [rex.id, tom.id]
        assert [p.name for p in list_pets.sync(client=client, tag="cat")] == ["Tom"]
        page = list_pets.sync_detailed(client=client, limit=1, offset=1)
        assert [p.id for p in page.parsed] == [tom.id]
        assert page.headers["X-Total-Count"] == "2"
        assert 'rel="first"' in page.headers["Link"]

        fetched = get_pet.sync_detailed(rex.id, client=client)
        assert isinstance(fetched.parsed, Pet)
        assert fetched.parsed.to_dict() == rex.to_dict()
        etag = fetched.headers["ETag"]
        assert etag == '"1-json"'
        unchanged = get_pet.sync_detailed(rex.id, client=client, if_none_match=etag)
        assert unchanged.status_code == 304

        new_state = Pet(name="Rex", tag="dog", status=PetStatus.SOLD)
        updated = update_pet.sync(rex.id, client=client, body=new_state, if_match=etag)
        assert isinstance(updated, Pet)
        assert updated.status == PetStatus.SOLD
        assert updated.dimensions is None
        assert updated.created_at == rex.created_at
        stale = update_pet.sync_detailed(rex.id, client=client, body=new_state, if_match=etag)
        assert stale.status_code == 412
        assert isinstance(stale.parsed, Problem)

        patched = patch_pet.sync_detailed(
            tom.id, client=client, body=PetPatch(status=SOLD, tag=None)
        )
        assert patched.status_code == 200
        assert (patched.parsed.status, patched.parsed.tag) == (PetStatus.SOLD, None)
        assert patched.headers["ETag"] == '"2-json"'

        photo = types.File(payload=io.BytesIO(PNG), file_name="rex.png", mime_type="image/png")
        uploaded = update_pet_photo.sync_detailed(
            rex.id, client=client, body=PhotoUpload(photo=photo)
        )
        assert uploaded.status_code == 201, uploaded.content
        assert isinstance(uploaded.parsed, Photo)
        assert (uploaded.parsed.size, uploaded.parsed.content_type) == (len(PNG), "image/png")
        downloaded = get_pet_photo.sync(rex.id, client=anonymous)
        assert isinstance(downloaded, types.File)
        assert downloaded.payload.read() == PNG

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
