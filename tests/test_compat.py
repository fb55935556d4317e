"""Heron works on the lowest releases pyproject allows: marshmallow 3.x, the oldest Werkzeug."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import ROOT, require

#: Module tests that exercise marshmallow most (loading, dumping, spec generation).
SUITES = [
    "tests/core/test_validation.py",
    "tests/core/test_resources.py",
    "tests/docs/test_openapi.py",
    "tests/docs/test_html.py",
]
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
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(rf'^\s*"{re.escape(requirement_name)}>=\s*([\w.]+)', text, re.M | re.I)
    assert found is not None, f"{requirement_name} has no lower bound in pyproject.toml"
    return found.group(1)


def _run_with(tmp_path: Path, distribution: str, requirement: str, suites: list[str]) -> str:
    """Install ``requirement`` beside the suite, check it is what imports, run ``suites`` on it.

    Returns:
        The version of ``distribution`` the suites ran on.
    """
    target = tmp_path / "lowest"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         requirement],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    require(install.returncode == 0, f"could not install {requirement}: {install.stderr[-500:]}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    installed = probe.stdout.strip()
    assert version(distribution) != installed  # really another version
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return installed


@pytest.mark.external
def test_module_suites_pass_on_marshmallow_3(tmp_path: Path) -> None:
    """Install marshmallow 3 beside the suite and run the marshmallow-heavy tests on it."""
    assert version("marshmallow").startswith("4.")
    ran_on = _run_with(tmp_path, "marshmallow", "marshmallow>=3.20,<4", SUITES)
    assert ran_on.startswith("3."), ran_on


@pytest.mark.external
def test_routing_and_dispatch_pass_on_the_lowest_werkzeug(tmp_path: Path) -> None:
    """Install the lowest allowed Werkzeug beside the suite and run the routing tests on it."""
    lowest = _lowest("werkzeug")
    ran_on = _run_with(tmp_path, "werkzeug", f"werkzeug=={lowest}", WERKZEUG_SUITES)
    assert ran_on == lowest
