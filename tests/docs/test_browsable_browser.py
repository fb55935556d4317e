"""The browsable API in a real browser: headless Chromium adds a pet with the POST form.

The test signs in on the home page (the API key kept in a cookie, since the
forms cannot send a header), then types into the generated form and clicks its
button like a person would, so the page's own script sends the JSON. The
WebDriver client is :mod:`webdriver` (chromedriver over the W3C protocol).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conftest import heron_server
from tests.webdriver import Browser, WebDriverError, browser

__all__ = ["Browser", "WebDriverError", "browser"]  # test_security imports browser from here

pytestmark = [pytest.mark.live, pytest.mark.external]

KEY = "browser-test-key"


def result_title(b: Browser, containing: str) -> str:
    """Wait for the page to show the result of a request, its title containing ``containing``."""

    def shown() -> str:
        title = b.text("#result-title")
        return title if containing in title else ""

    return b.wait_for(shown)


def test_post_form_adds_a_pet_that_shows_up_in_the_list(tmp_path: Path) -> None:
    env = {"PETSTORE_DB": str(tmp_path / "pets.db"), "PETSTORE_API_KEY": KEY}
    with heron_server("examples.petstore.app:app", env=env) as base, browser(tmp_path) as b:
        existing = httpx.post(
            f"{base}/pets", json={"name": "Rex", "tag": "dog"}, headers={"X-API-Key": KEY}
        ).json()

        b.get(f"{base}/pets")
        assert b.run("return document.contentType;") == "text/html"
        assert b.text("h1") == "List pets"
        assert '"Rex"' in b.text("#representation")
        assert "Biscuit" not in b.text("#representation")

        # Without the key, writing is refused: the page shows the 401 problem.
        b.type("#form-post-name", "Intruder")
        b.click('#form-post button[type="submit"]')
        refused = result_title(b, "401")
        assert refused == "POST /pets → 401 Unauthorized"

        # The home page keeps the key in a cookie the page's script cannot read.
        b.get(f"{base}/")
        b.type("#api-key", "not the key")
        b.click("#keep-key")
        b.wait_for(lambda: "not the Petstore" in b.text(".error"))
        assert not b.cookies()
        b.type("#api-key", KEY)
        b.click("#keep-key")
        b.wait_for(lambda: b.exists("#forget-key"))
        (cookie,) = b.cookies()
        assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
            "petstore_api_key",
            True,
            "Strict",
        )
        assert b.run("return document.cookie;") == ""

        b.get(f"{base}/pets")
        b.type("#form-post-name", "Biscuit <b>")
        b.type("#form-post-tag", "cat")
        b.click('#form-post-status option[value="pending"]')
        b.type("#form-post-dimensions\\.width", "12")
        b.type("#form-post-dimensions\\.height", "7.5")
        b.click('#form-post button[type="submit"]')

        # The page's script POSTs JSON, then reloads the list and shows the result.
        b.wait_for(lambda: "Biscuit" in b.text("#representation"))
        title = b.wait_for(lambda: b.text("#result-title"))
        assert title.startswith(f"POST /pets → 201 Created · Location: /pets/{existing['id'] + 1}")
        items = b.run(
            "return Array.from(document.querySelectorAll('a[rel=item]'))"
            ".map(a => [a.textContent, a.getAttribute('href')]);"
        )
        new_id = existing["id"] + 1
        assert items == [["Rex", f"/pets/{existing['id']}"], ["Biscuit <b>", f"/pets/{new_id}"]]

        pets = httpx.get(f"{base}/pets").json()
        assert [p["name"] for p in pets] == ["Rex", "Biscuit <b>"]
        new = pets[1]
        assert new["id"] == new_id
        assert new["tag"] == "cat"
        assert new["status"] == "pending"
        assert new["dimensions"] == {"width": 12.0, "height": 7.5}

        # An invalid pet: the 422 problem is shown and the bad field marked.
        b.type("#form-post-name", "Ghost")
        b.type("#form-post-dimensions\\.width", "0")
        b.type("#form-post-dimensions\\.height", "1")
        b.click('#form-post button[type="submit"]')
        title = result_title(b, "422")
        assert title == "POST /pets → 422 Unprocessable Content"
        assert (
            b.run(
                "return document.getElementById('form-post-dimensions.width')"
                ".getAttribute('aria-invalid');"
            )
            == "true"
        )
        assert "Must be greater than 0." in b.text("#form-post .error-msg")
        assert len(httpx.get(f"{base}/pets").json()) == 2

        # The pet's page: its PATCH form sends the changed fields (a merge patch).
        b.get(f"{base}/pets/{new_id}")
        b.click('#form-patch-status option[value="sold"]')
        b.click('#form-patch button[type="submit"]')
        title = result_title(b, "PATCH")
        assert title == f"PATCH /pets/{new_id} → 200 OK"
        changed = httpx.get(f"{base}/pets/{new_id}")
        assert changed.json() == {**new, "status": "sold"}
        assert changed.headers["etag"] == '"2-json"'
