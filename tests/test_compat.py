"""Heron works with marshmallow 3.x as well as 4.x (pyproject allows both)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import ROOT, require

#: Module tests that exercise marshmallow most (loading, dumping, spec generation).
SUITES = [
    "tests/test_validation.py",
    "tests/test_resources.py",
    "tests/test_openapi.py",
    "tests/test_html.py",
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
