"""Shared test configuration and fixtures.

Hypothesis keeps its files under tests/, not the project root. ``site`` is the real catalog
plus one record with hostile text, built once per test session into a temporary folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import configuration

from kb.cli import main

configuration.set_hypothesis_home_dir(Path(__file__).parent / ".hypothesis")

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = PROJECT / "identities"

XSS_RECORD = """\
# yaml-language-server: $schema=../../schema/identity.schema.json
id: xss-title
title: "<script>window.kbInjected = 1</script> Gradient of a^T x [1] $5"
aliases: ["<b>bold</b>"]
type: derivative
expression: a^T x
wrt: x
layout: denominator
derivative: a
variables:
  x: {shape: [n, 1]}
  a: {shape: [n, 1]}
sources:
  - ref: seed-001-mit6390
    locator: "A.3 <img src=x onerror=alert(1)>"
notes: "Notes with <script>alert(2)</script> and \\\\(x\\\\) and *stars*."
"""



# A small valid record; tests change one field to make it wrong.
TRACE_RECORD = """\
id: {id}
title: Gradient of a trace
type: derivative
expression: tr(A X B)
wrt: X
layout: denominator
derivative: {derivative}
variables:
  X: {{shape: [n, m]}}
  A: {{shape: [p, n]}}
  B: {{shape: [m, p]}}
sources:
  - ref: seed-002-ang
    locator: "Example"
"""


# A small valid record, and command-line helpers for the hostile-input tests.
GOOD_RECORD = """\
id: {id}
title: Gradient of a trace
type: derivative
expression: tr(X)
wrt: X
layout: denominator
derivative: I(n)
variables:
  X: {{shape: [n, n]}}
sources:
  - ref: seed-002-ang
    locator: "Example"
"""


def run_cli(*args: str) -> Result:
    """`kb ARGS` in-process; fails the test if anything but a clean exit escaped."""
    result = CliRunner().invoke(main, list(args))
    # A clean exit is SystemExit (click's own errors included); anything else is a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback for kb {' '.join(args)!r}: {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return result


def write_record(root: Path, name: str, text: str | bytes) -> Path:
    """A file ``traces/NAME.yaml`` of a catalog folder, with ``text`` (or raw bytes)."""
    path = root / "traces" / f"{name}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_caches(tmp_path_factory) -> Iterator[None]:
    """The build's formula cache and the lookup index live in a temporary folder, not in
    the project or the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_CACHE_DIR", str(tmp_path_factory.mktemp("kb-cache")))
    yield
    mp.undo()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty catalog folder with a sources registry; paths print relative to it."""
    shutil.copy(CATALOG / "sources.yaml", tmp_path / "sources.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build_site(*args: str) -> tuple[int, str]:
    """Run `kb build` in-process; returns the exit code and the output."""
    result = CliRunner().invoke(main, ["build", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalog") / "identities"
    shutil.copytree(CATALOG, root)
    (root / "algebra" / "xss-title.yaml").write_text(XSS_RECORD, encoding="utf-8")
    out = tmp_path_factory.mktemp("site") / "site"
    code, output = build_site("--root", str(root), "--site-dir", str(out))
    assert code == 0, output
    return out
