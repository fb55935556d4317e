"""The repository keeps its promises: README's commands and quickstart are real."""

from __future__ import annotations

import re
import types

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _between(text: str, begin: str, end: str) -> str:
    return text.split(begin, 1)[1].split(end, 1)[0]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme_block = _between(README, "<!-- test-command-begin -->", "<!-- test-command-end -->")
    readme_cmd = re.search(r"```sh\n(.+?)\n```", readme_block, re.S)
    assert readme_cmd is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_cmd = _between(ci, "# test-command-begin\n", "# test-command-end").strip()
    assert ci_cmd == readme_cmd.group(1).strip()


def test_readme_serve_command_names_the_petstore_app() -> None:
    assert "heron run --app examples.petstore.app:app" in README
    assert "http://127.0.0.1:8000/docs" in README


def test_readme_quickstart_runs() -> None:
    code = re.search(r"## Quickstart\n\n```python\n(.+?)\n```", README, re.S)
    assert code is not None
    module = types.ModuleType("hello")
    exec(compile(code.group(1), "README.md", "exec"), module.__dict__)
    client = module.api.test_client()

    ok = client.get("/greetings/1")
    assert ok.status_code == 200
    assert ok.json == {"id": 1, "text": "Hello"}

    missing = client.get("/greetings/2")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert missing.json["detail"] == "No greeting 2."

    spec = module.api.openapi()
    op = spec["paths"]["/greetings/{greeting_id}"]["get"]
    assert op["operationId"] == "getGreeting"
    assert set(op["responses"]) == {"200", "404", "406"}
