"""The ``heron`` command, driven through click's CliRunner on ``tests.apps``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from conftest import ROOT
from heron import Api, __version__
from heron.cli import main
from tests.apps import create_app

APP = "tests.apps:app"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("HERON_APP", raising=False)


def heron(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def expected_spec(version: str = "3.1.0") -> dict[str, Any]:
    # Through JSON, as the written file is: tuples become lists and so on.
    loaded: dict[str, Any] = json.loads(json.dumps(create_app(version).openapi()))
    return loaded


# -- routes ----------------------------------------------------------------------------


def test_routes_lists_method_path_resource_and_operation_id() -> None:
    result = heron("routes", "--app", APP)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "RESOURCE", "OPERATION", "ID"]
    rows = {tuple(line.split()) for line in lines[1:]}
    assert {
        ("GET", "/pets/", "Pets", "listPets"),
        ("HEAD", "/pets/", "Pets", "listPets"),
        ("POST", "/pets/", "Pets", "createPet"),
        ("GET", "/pets/<int:pet_id>", "Pet", "getPet"),
        ("PUT", "/pets/<int:pet_id>", "Pet", "updatePet"),
        ("DELETE", "/pets/<int:pet_id>", "Pet", "deletePet"),
    } <= rows
    assert all(len(row) == 4 for row in rows)
    # Columns are aligned: every operationId starts at the same offset.
    starts = {line.index(line.split()[-1]) for line in lines[1:]}
    assert len(starts) == 1


def test_app_from_the_environment_and_from_a_factory() -> None:
    from_env = heron("routes", env={"HERON_APP": APP})
    assert from_env.exit_code == 0
    from_factory = heron("routes", "--app", "tests.apps:create_app")
    assert from_factory.exit_code == 0
    assert from_env.output == from_factory.output


def test_version_option() -> None:
    result = heron("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


# -- openapi write ---------------------------------------------------------------------


def test_write_json_by_suffix(tmp_path: Path) -> None:
    target = tmp_path / "spec.json"
    result = heron("openapi", "write", "--app", APP, str(target))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {target}\n"
    text = target.read_text(encoding="utf-8")
    assert json.loads(text) == expected_spec()
    assert text.startswith('{\n  "openapi": "3.1.0"')
    assert text.endswith("}\n")
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


@pytest.mark.parametrize("name", ["spec.yaml", "spec.yml", "nested/dir/openapi.YAML"])
def test_write_yaml_by_suffix(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    assert heron("openapi", "write", "--app", APP, str(target)).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("openapi: 3.1.0\n")
    assert yaml.safe_load(text) == expected_spec()


def test_format_option_overrides_the_suffix(tmp_path: Path) -> None:
    target = tmp_path / "spec.txt"
    assert heron("openapi", "write", "--app", APP, "--format", "json", str(target)).exit_code == 0
    assert json.loads(target.read_text())["openapi"] == "3.1.0"
    assert heron("openapi", "write", "--app", APP, "--format", "yaml", str(target)).exit_code == 0
    assert yaml.safe_load(target.read_text()) == expected_spec()


def test_openapi_version_option(tmp_path: Path) -> None:
    target = tmp_path / "old.json"
    result = heron("openapi", "write", "--app", APP, "--openapi-version", "3.0.3", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text()) == expected_spec("3.0.3")
    bad = CliRunner().invoke(main, ["openapi", "write", "--app", APP, "--openapi-version", "2.0"])
    assert bad.exit_code == 2
    assert "'2.0' is not one of '3.0.3', '3.1.0'" in bad.output


def test_write_to_stdout() -> None:
    as_yaml = heron("openapi", "write", "--app", APP, "-")
    assert as_yaml.exit_code == 0
    assert yaml.safe_load(as_yaml.stdout) == expected_spec()
    assert "Wrote" not in as_yaml.output
    as_json = heron("openapi", "write", "--app", APP, "--format", "json", "-")
    assert json.loads(as_json.stdout) == expected_spec()


# -- openapi check ---------------------------------------------------------------------


def test_check_passes_when_the_file_is_up_to_date(tmp_path: Path) -> None:
    for name in ("spec.yaml", "spec.json"):
        target = tmp_path / name
        heron("openapi", "write", "--app", APP, str(target))
        result = heron("openapi", "check", "--app", APP, str(target))
        assert result.exit_code == 0, result.output
        assert result.output == f"{target} is up to date.\n"


def test_check_fails_with_a_readable_diff(tmp_path: Path) -> None:
    target = tmp_path / "spec.yaml"
    heron("openapi", "write", "--app", APP, str(target))
    stale = target.read_text().replace("summary: List pets.", "summary: List all pets.")
    target.write_text(stale)
    result = CliRunner().invoke(main, ["openapi", "check", "--app", APP, str(target)])
    assert result.exit_code == 1
    diff = result.stdout
    assert f"--- {target} (committed)" in diff
    assert f"+++ {target} (generated)" in diff
    assert "@@ " in diff
    assert "-      summary: List all pets.\n" in diff
    assert "+      summary: List pets.\n" in diff
    assert len(diff.splitlines()) < 15  # the change and its context, not the whole file
    assert f"run: heron openapi write --app {APP} {target}" in result.stderr
    assert "Traceback" not in result.output


def test_check_compares_the_requested_version_and_format(tmp_path: Path) -> None:
    target = tmp_path / "spec.json"
    heron("openapi", "write", "--app", APP, "--openapi-version", "3.0.3", str(target))
    check = ["openapi", "check", "--app", APP, str(target)]
    assert CliRunner().invoke(main, check).exit_code == 1
    assert CliRunner().invoke(main, [*check, "--openapi-version", "3.0.3"]).exit_code == 0
    assert CliRunner().invoke(main, [*check, "--format", "yaml"]).exit_code == 1


def test_check_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["openapi", "check", "--app", APP, str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# -- bad --app values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_xyz", "cannot import 'no_such_module_xyz'"),
        ("tests.no_such_module:app", "cannot import 'tests.no_such_module'"),
        ("tests.apps:missing", "'tests.apps' has no attribute 'missing'"),
        ("tests.apps:not_an_api", "'tests.apps:not_an_api' is not a heron.Api"),
        ("tests.apps:returns_something_else", "is not a heron.Api"),
        ("tests.apps:needs_arguments", "neither a heron.Api nor a factory taking no arguments"),
        (":app", "'' is not a module name"),
        ("..relative:app", "is not a module name"),
        ("tests/apps.py:app", "is not a module name"),
    ],
)
@pytest.mark.parametrize("command", [["routes"], ["openapi", "write", "-"]])
def test_bad_app_is_a_clear_usage_error(target: str, message: str, command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--app", target])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Invalid value for --app" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_app_option() -> None:
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 2
    assert "Missing option '--app'" in result.output


# -- run -------------------------------------------------------------------------------


def test_run_serves_the_app_with_werkzeug(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import apps

    monkeypatch.setattr(apps.app, "debug", False)  # restored afterwards: run sets it
    calls: list[tuple[str, int, Api, bool, dict[str, Any]]] = []

    def run_simple(host: str, port: int, api: Api, **options: Any) -> None:
        calls.append((host, port, api, api.debug, options))

    monkeypatch.setattr("werkzeug.serving.run_simple", run_simple)
    assert heron("run", "--app", APP, "--port", "8123").exit_code == 0
    assert heron("run", "--app", APP, "--host", "0.0.0.0", "--debug", "--reload").exit_code == 0
    assert calls == [
        (
            "127.0.0.1",
            8123,
            apps.app,
            False,
            {"use_reloader": False, "use_debugger": False, "threaded": True},
        ),
        (
            "0.0.0.0",
            8000,
            apps.app,
            True,
            {"use_reloader": True, "use_debugger": True, "threaded": True},
        ),
    ]
