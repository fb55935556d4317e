"""Heron works on the lowest releases pyproject allows: marshmallow 3.x, the oldest Werkzeug."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import tomllib

from conftest import ROOT, require

#: Module tests that exercise marshmallow most (loading, dumping, spec generation).
SUITES = [
    "tests/core/test_validation.py",
    "tests/core/test_resources.py",
    "tests/docs/test_openapi.py",
    "tests/docs/test_html.py",
]


@pytest.mark.external
def test_module_suites_pass_on_marshmallow_3(tmp_path: Path) -> None:
    """Install marshmallow 3 beside the suite and run the marshmallow-heavy tests on it."""
    target = tmp_path / "ma3"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            "marshmallow>=3.20,<4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    require(install.returncode == 0, f"could not install marshmallow 3: {install.stderr[-500:]}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import marshmallow, importlib.metadata as m; print(m.version('marshmallow'))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.startswith("3."), probe.stdout
    assert version("marshmallow").startswith("4.")  # really another version
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


#: Module tests of routing and dispatch: what reads Werkzeug most.
WERKZEUG_SUITES = [
    "tests/core/test_werkzeug.py",
    "tests/core/test_routing.py",
    "tests/core/test_fast_path.py",
    "tests/core/test_resources.py",
    "tests/core/test_hooks.py",
    "tests/http/test_errors.py",
]


def _lowest(requirement_name: str) -> str:
    """Return the lowest version pyproject.toml allows for a dependency (its ``>=`` bound)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        if requirement.lower().startswith(requirement_name):
            found = re.search(r">=\s*([\w.]+)", requirement)
            assert found is not None, requirement
            return found.group(1)
    raise AssertionError(f"{requirement_name} is not a dependency")


@pytest.mark.external
def test_routing_and_dispatch_pass_on_the_lowest_werkzeug(tmp_path: Path) -> None:
    """Install the lowest allowed Werkzeug beside the suite and run the routing tests on it."""
    lowest = _lowest("werkzeug")
    target = tmp_path / "wz"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            f"werkzeug=={lowest}.0" if lowest.count(".") == 1 else f"werkzeug=={lowest}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    require(
        install.returncode == 0, f"could not install Werkzeug {lowest}: {install.stderr[-500:]}"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    probe = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m; print(m.version('werkzeug'))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(lowest), probe.stdout
    assert version("werkzeug") != probe.stdout.strip()  # really another version
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *WERKZEUG_SUITES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
