"""Swagger UI drives the Petstore in headless Chromium: Authorize, "Try it out", Execute.

The Petstore is served by ``heron run``; Swagger UI comes from the application
itself (offline). The test clicks through it as a person would: without the
API key, creating a pet is answered 401; after *Authorize* with the key,
"Try it out" on ``POST /pets`` with a typed body is answered 201, shown in the
UI, and the pet exists.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conftest import heron_server
from tests.webdriver import Browser, browser

pytestmark = [pytest.mark.live, pytest.mark.external]

KEY = "swagger-ui-test-key"
OP = "#operations-pets-createPet"
LIVE = f"{OP} .live-responses-table tr.response"


def live_status(b: Browser) -> str:
    status: str = b.run(
        "const c = document.querySelector(arguments[0]); return c && c.textContent.trim();",
        f"{LIVE} .response-col_status",
    )
    return status


def execute(b: Browser, expected: str) -> str:
    """Click Execute, wait for the response with status ``expected``; return its body.

    (Each test step expects another status than the step before.)
    """
    b.click(f"{OP} button.execute")
    b.wait_for(lambda: live_status(b) == expected)
    return b.text(f"{LIVE} .highlight-code pre")


def live_headers(b: Browser) -> dict[str, str]:
    """The response headers Swagger UI shows, by lower-case name."""
    lines: list[str] = b.run(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(s => s.textContent.trim());",
        f"{LIVE} .headerline",
    )
    return {name.lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)}


def test_authorize_try_it_out_and_create_a_pet(tmp_path: Path) -> None:
    env = {"PETSTORE_DB": str(tmp_path / "pets.db"), "PETSTORE_API_KEY": KEY}
    with heron_server("examples.petstore.app:app", env=env) as base, browser(tmp_path) as b:
        b.get(f"{base}/docs")
        b.wait_for(lambda: b.exists(f"{OP} .opblock-summary-control"))
        assert b.text(".info h1.title").startswith("Petstore")

        # "Try it out" on POST /pets, with a body of our own.
        b.click(f"{OP} .opblock-summary-control")
        b.wait_for(lambda: b.exists(f"{OP} .try-out__btn"))
        b.click(f"{OP} .try-out__btn")
        b.wait_for(lambda: b.exists(f"{OP} textarea.body-param__text"))
        pet = {"name": "Swaggy", "tag": "ui", "status": "pending"}
        b.type(f"{OP} textarea.body-param__text", json.dumps(pet))  # keystrokes

        # Not authorized yet: 401, with the problem shown.
        refused = json.loads(execute(b, "401"))
        assert refused["title"] == "Unauthorized"
        assert live_headers(b)["www-authenticate"].startswith("ApiKey realm=")
        assert httpx.get(f"{base}/pets").json() == []

        # Authorize with the API key (the header scheme, not the cookie one).
        b.click("button.authorize")
        b.wait_for(lambda: b.exists(".modal-ux .auth-container"))
        names = b.run(
            "return Array.from(document.querySelectorAll('.modal-ux .auth-container h4'))"
            ".map(h => h.textContent.trim().split(/\\s/)[0]);"
        )
        assert names == ["apiKey", "apiKeyCookie"]
        b.run(
            "Array.from(document.querySelectorAll('.modal-ux .auth-container'))"
            ".find(c => c.querySelector('h4').textContent.trim().split(/\\s/)[0] === 'apiKey')"
            ".setAttribute('data-scheme', 'apiKey');"
        )
        assert "X-API-Key" in b.text("[data-scheme=apiKey]")
        b.type("[data-scheme=apiKey] input", KEY)
        b.click("[data-scheme=apiKey] button.authorize")
        authorized = b.wait_for(
            lambda: b.run("return window.ui.authSelectors.authorized().toJS().apiKey;")
        )
        assert authorized["value"] == KEY
        b.click(".modal-ux button.close-modal")
        b.wait_for(lambda: not b.exists(".modal-ux"))

        # Execute again: 201, the new pet shown in the UI.
        created = json.loads(execute(b, "201"))
        assert {k: created[k] for k in pet} == pet
        assert created["id"] == 1
        headers = live_headers(b)
        assert headers["location"] == "/pets/1"
        assert headers["content-type"] == "application/json"
        curl = b.text(f"{OP} .curl-command")
        assert f"X-API-Key: {KEY}" in curl

    # (the server is gone: the database file tells what happened)
    from examples.petstore.store import PetStore

    stored = PetStore(tmp_path / "pets.db").find()
    assert [(p["name"], p["tag"], p["status"]) for p in stored] == [("Swaggy", "ui", "pending")]
