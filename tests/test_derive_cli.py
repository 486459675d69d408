"""`kb derive`: every format, the options, and the exit codes (never a traceback)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb import ast
from kb.cli import main
from kb.derive import rules as rules_module


def run(*args: str):
    return CliRunner().invoke(main, ["derive", *args])


def test_text_prints_steps_shapes_and_both_layouts() -> None:
    result = run("x^T A x", "--wrt", "x")
    assert result.exit_code == 0, result.output
    assert "shapes: x: n×1, A: n×n" in result.output
    assert "(denominator layout): (A + A^T) x" in result.output
    assert "[differential-product, differential-identity]" in result.output
    assert "verified:" in result.output


@pytest.mark.parametrize("fmt", ["latex", "markdown", "yaml"])
def test_other_formats(fmt: str) -> None:
    result = run("tr(A X B)", "--wrt", "X", "--format", fmt)
    assert result.exit_code == 0, result.output
    marker = {"latex": r"\begin{aligned}", "markdown": "| 1 |",
              "yaml": "type: derivation"}[fmt]
    assert marker in result.output


def test_json_has_the_documented_fields() -> None:
    result = run("tr(A X B)", "--wrt", "X", "--format", "json", "--layout", "numerator")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["derivative"] == {"denominator": "A^T B^T", "numerator": "B A"}
    assert data["expression"] == "tr(A X B)" and data["wrt"] == "X"
    assert data["shapes"]["X"] == ["n", "m"]
    assert data["steps"][0]["uses"] == ["gradient-differential-matrix"]
    assert data["verification"]["ok"] is True


def test_shape_and_assume_options() -> None:
    result = run("log(det(X))", "--wrt", "X", "--shape", "X=3,3", "--assume", "X=spd",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["shapes"]["X"] == ["3", "3"]
    assert data["assumptions"] == {"X": ["spd"]}
    assert data["derivative"]["denominator"] == "X^{-1}"


def test_hessian() -> None:
    result = run("x^T A x", "--wrt", "x", "--hessian")
    assert result.exit_code == 0, result.output
    assert "Hessian (denominator layout): A + A^T" in result.output


def test_unsupported_construct_exits_1_naming_it() -> None:
    result = run("tr(logm(X))", "--wrt", "X")
    assert result.exit_code == 1
    assert "logm(…)" in result.output and "Traceback" not in result.output


def test_parse_error_exits_2_with_a_caret() -> None:
    result = run("tr(X", "--wrt", "X")
    assert result.exit_code == 2
    assert "error:" in result.output and "^" in result.output


def test_shape_error_exits_2_with_a_caret() -> None:
    result = run("A x + B", "--wrt", "x", "--shape", "A=3,4", "--shape", "B=2,2")
    assert result.exit_code == 2
    assert "      ^" in result.output


def test_bad_option_values_are_usage_errors() -> None:
    assert run("tr(X)", "--wrt", "X", "--shape", "X3").exit_code == 2
    result = run("tr(X)", "--wrt", "X", "--assume", "X=orthonormal")
    assert result.exit_code == 1 and "unknown structure" in result.output


def test_failed_check_exits_1(monkeypatch) -> None:
    original = rules_module.Expander.rule

    def wrong(self, e):
        if isinstance(e, ast.Transpose):  # d(X^T) = dX: false
            self.use("differential-transpose")
            return self.pending(e.arg)
        return original(self, e)

    monkeypatch.setattr(rules_module.Expander, "rule", wrong)
    result = run("tr(A X^T)", "--wrt", "X", "--shape", "X=n,n")
    assert result.exit_code == 1
    assert "failed its check" in result.output and "Traceback" not in result.output


def test_installed_command_runs_as_a_process() -> None:
    executable = shutil.which("kb") or str(Path(sys.executable).parent / "kb")
    result = subprocess.run([executable, "derive", "x^T x", "--wrt", "x", "--format", "json"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["derivative"]["denominator"] == "2 x"


def test_the_site_page_examples_are_what_the_engine_answers() -> None:
    import re
    import shlex

    page = (Path(__file__).resolve().parent.parent / "site" / "derive.md").read_text("utf-8")
    blocks = re.findall(r"\$ (kb derive .*?)\n(.*?)```", page, flags=re.S)
    assert len(blocks) >= 5
    for command, shown in blocks:
        answers = re.findall(r"^(.*\(denominator layout\): .*)$", shown, flags=re.M)
        result = run(*shlex.split(command)[2:])
        assert result.exit_code == 0, (command, result.output)
        for line in answers:
            assert line in result.output, (command, line, result.output)
