"""The code is ruff-clean (the project's style gate runs with the tests)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "kb", "tests", "bench"],
                            cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
