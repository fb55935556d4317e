"""Swagger UI renders the Petstore's document in a real browser, offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import CHROMIUM_FLAGS, heron_server, require_executable


@pytest.mark.live
@pytest.mark.external
def test_swagger_ui_renders_petstore_operations(tmp_path: Path) -> None:
    chromium = require_executable("chromium")
    with heron_server(
        "examples.petstore.app:app", env={"PETSTORE_DB": str(tmp_path / "pets.db")}
    ) as base:
        result = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                f"{base}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    # Swagger UI ran (its bundle loaded from the app) and rendered the document:
    assert 'class="swagger-ui' in dom
    assert "Petstore" in dom
    for path in ("/pets", "/pets/{pet_id}", "/pets/{pet_id}/photo"):
        assert f'data-path="{path}"' in dom, path
    assert "OAS 3.1" in dom
    assert 'class="btn authorize' in dom  # the API key's Authorize button
