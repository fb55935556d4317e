"""A small W3C WebDriver client for the browser tests: headless Chromium via chromedriver.

Chromium is driven by Debian's ``chromedriver`` (package ``chromium-driver``)
over the W3C WebDriver protocol, spoken with plain httpx on 127.0.0.1: tests
type into pages and click their buttons like a person would, so the pages' own
scripts send the requests.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from conftest import CHROMIUM_FLAGS, free_port, require_executable, wait_for_port

__all__ = ["ELEMENT", "Browser", "WebDriverError", "browser"]

#: W3C WebDriver's key for element references (WebDriver §12.1).
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
T = TypeVar("T")


class WebDriverError(RuntimeError):
    """An error answered by the WebDriver server."""


class Browser:
    """A WebDriver session: just the commands the tests need."""

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

    def exists(self, css: str) -> bool:
        return bool(self.run("return !!document.querySelector(arguments[0]);", css))

    def cookies(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/cookie")
        return found

    def wait_for(self, check: Callable[[], T], timeout: float = 15.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = check()
            except WebDriverError:
                result = None  # e.g. while the page reloads
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
