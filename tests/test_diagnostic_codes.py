"""Every diagnostic code has a fixture that triggers it, and the docs list exactly the codes.

tests/diagnostic_codes/KBnnn/ holds a minimal catalog whose only problem has code KBnnn
(``args.txt``, if present, lists the paths to check instead of the folder). Each is checked
the way ``kb verify`` checks a folder: loading, then numerical verification.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import verify as verifying
from kb.catalog import load_entries
from kb.catalog_run import verify_catalog
from kb.diagnostics import CODES, Diagnostic, codes_table

FIXTURES = Path(__file__).parent / "diagnostic_codes"
DOCS = Path(__file__).parent.parent / "site" / "records.md"
NO_REGISTRY = {"KB006"}  # the fixture of a missing sources.yaml


def run(code: str, tmp_path: Path) -> list[Diagnostic]:
    """Every diagnostic of a fixture, copied aside so that only its own registry is seen."""
    folder = tmp_path / "catalog"
    shutil.copytree(FIXTURES / code, folder)
    if code not in NO_REGISTRY:
        shutil.copy(FIXTURES / "sources.yaml", folder / "sources.yaml")
    args = folder / "args.txt"
    paths = ([folder / line for line in args.read_text().split()] if args.is_file()
             else [folder])
    catalog, problems = load_entries(paths, root=folder)
    return verify_catalog(catalog, problems).problems


def test_every_code_has_a_fixture() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_fixture_gets_its_code(code: str, tmp_path: Path, monkeypatch) -> None:
    if code == "KB406":  # a bug of the verifier: simulated, since no record should cause one
        def broken(*args: object) -> None:
            raise RuntimeError("simulated bug")
        monkeypatch.setitem(verifying.CHECKS, "derivative", broken)
    found = run(code, tmp_path)
    assert [d.code for d in found] == [code], [str(d) for d in found]
    printed = str(found[0])
    assert f": {code} " in printed and "Traceback" not in printed


def test_the_docs_list_every_code() -> None:
    """site/records.md carries the table of codes.codes_table() makes, verbatim."""
    assert codes_table() in DOCS.read_text(encoding="utf-8")


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown diagnostic code"):
        Diagnostic(Path("x.yaml"), 1, 1, "message", "KB999")


def test_a_file_level_problem_has_no_position() -> None:
    d = Diagnostic(Path("x.yaml"), None, None, "no such file or folder", "KB005")
    assert str(d) == "x.yaml: KB005 no such file or folder"
    with pytest.raises(ValueError):
        Diagnostic(Path("x.yaml"), 3, None, "half a position", "KB005")
