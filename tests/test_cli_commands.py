"""The lookup commands: search, show, match, export, cite, new, schema, and their errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.schema import json_schema
from tests.conftest import CATALOG


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("command", ["verify", "build", "serve", "search", "show", "match",
                                     "export", "cite", "new", "schema"])
def test_every_command_has_help(command: str) -> None:
    code, output = run(command, "--help")
    assert code == 0 and "Usage: " in output and "--help" in output


def test_search() -> None:
    code, output = run("search", "log", "det")
    assert code == 0 and output.splitlines()[0].startswith("log-det")
    code, output = run("search", "zzzz-no-such-word")
    assert code == 1 and "no identity matches" in output


@pytest.mark.parametrize(("fmt", "fragment"), [
    ("text", "∂/∂X log(det(X)) = X^{-T}"),
    ("latex", r"\log\det\left(X\right) = X^{-\top}"),
    ("markdown", "**Gradient of the log-determinant**"),
    ("json", '"id": "log-det"'),
])
def test_show_formats(fmt: str, fragment: str) -> None:
    code, output = run("show", "log-det", "--format", fmt)
    assert code == 0 and fragment in output


def test_show_other_layout_and_unknown_id() -> None:
    code, output = run("show", "log-det", "--layout", "numerator", "--format", "latex")
    assert code == 0 and output.strip().endswith("X^{-1}")
    code, output = run("show", "log-dett")
    assert code == 1 and "did you mean: log-det" in output
    code, output = run("show", "log-det", "--layout", "sideways")
    assert code == 2


def test_match() -> None:
    code, output = run("match", "tr(C W D)", "--wrt", "W")
    assert code == 0 and "= C^T D^T    [trace-axb]" in output
    code, output = run("match", "tr(C W D)", "--wrt", "W", "--shape", "W=n,k")
    assert code == 0
    code, output = run("match", "tr(C W", "--wrt", "W")
    assert code == 2 and "unexpected end of expression" in output
    assert re.search(r"tr\(C W\n\s+\^", output), output  # the caret under the position
    code, output = run("match", "tr(W)", "--wrt", "Q")
    assert code == 1 and "no identity matches" in output
    code, output = run("match", "tr(W)", "--wrt", "W", "--shape", "W")
    assert code == 2 and "NAME=ROWS,COLS" in output


def test_export_json(tmp_path: Path) -> None:
    out = tmp_path / "kb.json"
    code, _ = run("export", "json", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0 and len(data["identities"]) >= 150
    assert "matrix-cookbook-2012" in data["sources"]
    trace = next(i for i in data["identities"] if i["id"] == "trace-axb")
    assert trace["layouts"]["numerator"]["text"] == "B A"


def test_export_latex_and_markdown() -> None:
    code, output = run("export", "latex")
    assert code == 0 and r"\providecommand{\kbid}" in output
    assert r"\@namedef{kb@den@log-det}" in output and "% Source: " in output
    assert output.count(r"\@namedef{kb@den@") == output.count(r"\@namedef{kb@num@")
    code, output = run("export", "markdown")
    assert code == 0 and "<!-- log-det -->" in output and "$$" in output


def test_cite() -> None:
    code, output = run("cite", "trace-axb")
    assert code == 0 and "@misc{matrixcookbook2012," in output
    assert r"\cite[eq. 101]{matrixcookbook2012}" in output
    assert output.strip().endswith("identities/trace-axb/")
    code, output = run("cite", "trace-axb", "--base-url", "https://example.org/kb")
    assert "% permalink: https://example.org/kb/identities/trace-axb/" in output


def test_new_writes_a_skeleton_with_the_modeline(tmp_path: Path) -> None:
    root = tmp_path / "identities"
    (tmp_path / "schema").mkdir()
    code, output = run("new", "my-identity", "--root", str(root), "--topic", "traces")
    path = root / "traces" / "my-identity.yaml"
    assert code == 0 and path.is_file()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/identity.schema.json")
    assert "id: my-identity" in text
    code, output = run("new", "my-identity", "--root", str(root))
    assert code == 1 and "already exists" in output
    code, output = run("new", "Bad_Id", "--root", str(root))
    assert code == 2


def test_schema_writes_the_models_schema(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    code, _ = run("schema", "-o", str(out))
    assert code == 0 and json.loads(out.read_text(encoding="utf-8")) == json_schema()


def test_commands_read_another_catalog(tmp_path: Path) -> None:
    code, output = run("search", "log", "det", "--root", str(CATALOG))
    assert code == 0 and output.startswith("log-det")
