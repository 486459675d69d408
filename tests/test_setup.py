"""Which catalog is used, what `import kb` costs and exports, and what `kb build` says when a
tool it needs is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb
from kb import catalog, paths
from kb.cli import main
from kb.katex import missing_prerequisites
from tests.conftest import CATALOG, PROJECT


def test_the_default_catalog_ignores_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "identities").mkdir()
    monkeypatch.chdir(tmp_path)
    assert catalog.default_root() == CATALOG
    assert len(kb.load()) == len(kb.load(CATALOG)) > 0


def test_import_kb_loads_no_numpy_or_pydantic_and_exports_the_documented_api() -> None:
    script = ("import sys, kb; print(sorted(m for m in ('numpy', 'pydantic', 'kb.catalog') "
              "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"
    documented = (PROJECT / "site" / "api.md").read_text(encoding="utf-8")
    for name in kb.__all__:
        assert getattr(kb, name) is not None
        assert f"`{name}`" in documented or f"kb.{name}" in documented, name
    assert kb.__version__.count(".") == 2


def test_site_prerequisites_name_the_command_to_run(tmp_path: Path) -> None:
    assert missing_prerequisites(PROJECT) == []
    [katex] = missing_prerequisites(tmp_path)
    assert "KaTeX" in katex and "npm ci" in katex


def test_kb_build_stops_before_any_work_without_node(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--site-dir", str(out)])
    assert result.exit_code == 1
    assert "Node.js is not installed" in result.output and "npm ci" in result.output
    assert "verified" not in result.output and not out.exists()


def test_kb_build_without_katex_says_to_run_npm_ci(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A checkout without node_modules, used with a package installed elsewhere.
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PACKAGE", tmp_path / "site-packages" / "kb")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"run npm ci in {tmp_path}" in result.output
    assert "Traceback" not in result.output and os.listdir(tmp_path) == ["mkdocs.yml"]
