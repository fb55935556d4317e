"""The browsable API in a real browser: headless Chromium adds a pet with the POST form.

Chromium is driven by Debian's ``chromedriver`` (package ``chromium-driver``)
over the W3C WebDriver protocol, spoken with plain httpx on 127.0.0.1: the test
types into the generated form and clicks its button like a person would, so the
page's own script sends the JSON.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from conftest import CHROMIUM_FLAGS, free_port, heron_server, require_executable, wait_for_port

pytestmark = [pytest.mark.live, pytest.mark.external]

#: W3C WebDriver's key for element references (WebDriver §12.1).
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
T = TypeVar("T")


class WebDriverError(RuntimeError):
    """An error answered by the WebDriver server."""


class Browser:
    """A WebDriver session: just the commands this test needs."""

    def __init__(self, http: httpx.Client, session_id: str) -> None:
        self.http = http
        self.session = f"/session/{session_id}"

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        resp = self.http.request(method, self.session + path, json=payload)
        value = resp.json()["value"]
        if resp.status_code != 200:
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message')}")
        return value

    def get(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        found = self._call("POST", "/element", {"using": "css selector", "value": css})
        return str(found[ELEMENT])

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self._call("POST", f"/element/{element}/clear", {})
        self._call("POST", f"/element/{element}/value", {"text": text})

    def click(self, css: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/click", {})

    def run(self, script: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def text(self, css: str) -> str:
        return str(self.run("return document.querySelector(arguments[0]).textContent;", css))

    def wait_for(self, check: Callable[[], T], timeout: float = 15.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = check()
            except WebDriverError:
                result = None  # type: ignore[assignment]  # e.g. while the page reloads
            if result:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError("the page did not get there in time")
            time.sleep(0.1)


@contextmanager
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Start chromedriver on a free loopback port and open a headless Chromium session."""
    chromium = require_executable("chromium")
    chromedriver = require_executable("chromedriver")
    port = free_port()
    log = tmp_path / "chromedriver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, proc, log)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                options = {
                    "binary": chromium,
                    "args": [
                        *CHROMIUM_FLAGS,
                        "--window-size=1280,1400",
                        f"--user-data-dir={tmp_path / 'profile'}",
                    ],
                }
                caps = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
                resp = http.post("/session", json={"capabilities": caps})
                value = resp.json()["value"]
                assert resp.status_code == 200, value
                session = Browser(http, value["sessionId"])
                try:
                    yield session
                finally:
                    http.delete(session.session)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()


def test_post_form_adds_a_pet_that_shows_up_in_the_list(tmp_path: Path) -> None:
    env = {"PETSTORE_DB": str(tmp_path / "pets.db")}
    with heron_server("examples.petstore.app:app", env=env) as base, browser(tmp_path) as b:
        existing = httpx.post(f"{base}/pets", json={"name": "Rex", "tag": "dog"}).json()

        b.get(f"{base}/pets")
        assert b.run("return document.contentType;") == "text/html"
        assert b.text("h1") == "List pets"
        assert '"Rex"' in b.text("#representation")
        assert "Biscuit" not in b.text("#representation")

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
        title = b.wait_for(lambda: "422" in b.text("#result-title") and b.text("#result-title"))
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
