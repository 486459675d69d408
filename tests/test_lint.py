"""The code is ruff-clean and type-checks (the project's gates run with the tests)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "kb", "tests", "bench"],
                            cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_type_checker_is_clean() -> None:
    """mypy, configured in pyproject.toml ([tool.mypy]), finds nothing in kb/."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=PROJECT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
