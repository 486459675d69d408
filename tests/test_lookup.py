"""`kb search` and `kb match` from the prebuilt index: the same answers as the compiled
catalog, and a cache that is rebuilt whenever anything it depends on changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb
from kb import lookup
from kb.cli import main
from kb.printer import to_text
from tests.conftest import CATALOG

QUERIES = ["log det", "trace", "tr AXB", "inverse", "frobenius norm", "quadratic form",
           "hessian", "kronecker", "softmax", "x^T A x", "derivation", "nothing-like-this"]


@pytest.fixture(scope="module")
def catalog():
    return kb.load(CATALOG)


@pytest.fixture(scope="module")
def index():
    found, problems = lookup.lookup_index(CATALOG)
    assert problems == [] and found is not None
    return found


@pytest.fixture
def small(tmp_path: Path) -> Path:
    root = tmp_path / "identities"
    root.mkdir()
    shutil.copy(CATALOG / "sources.yaml", root)
    shutil.copytree(CATALOG / "determinants", root / "determinants")
    return root


def test_search_from_the_index_equals_the_catalog(catalog, index) -> None:
    for query in QUERIES:
        assert [e.id for e in index.search(query)] == [i.id for i in catalog.search(query)]
        assert [e.title for e in index.search(query)] == [i.title for i in catalog.search(query)]


def test_match_from_the_index_equals_the_catalog(catalog, index) -> None:
    derivatives = [i for i in catalog if i.type == "derivative" and not any(
        s.function_of for s in i.statement.specs.values())][::4]
    queries = [(to_text(i.tree("expression")), i.record.wrt) for i in derivatives]
    queries += [("tr(C W D)", "W"), ("log(det(S))", "S"), ("b^T W^T a", "W"),
                ("tr(W^T W)", "W"), ("a^T W^{-1} b", "W"), ("x^T Q x", "x")]
    for expression, wrt in queries:
        want = [(m.identity.id, m.derivative) for m in catalog.match(expression, wrt)]
        got = [(m.identity.id, m.derivative) for m in index.match(expression, wrt)]
        assert got == want, expression
        assert want, expression  # every record's own expression matches at least itself


def test_the_cache_is_used_while_nothing_changes(small: Path) -> None:
    first, _ = lookup.lookup_index(small)
    assert lookup.cached_index(small, lookup.fingerprint(small)) is not None
    again, _ = lookup.lookup_index(small)
    assert again.fingerprint == first.fingerprint
    assert [e.id for e in again.search("log det")] == [e.id for e in first.search("log det")]


def test_editing_a_record_invalidates_the_cache(small: Path) -> None:
    lookup.lookup_index(small)
    record = small / "determinants" / "log-det.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "title: Gradient of the log-determinant", "title: Gradient of the zanzibar"),
        encoding="utf-8")
    assert lookup.cached_index(small, lookup.fingerprint(small)) is None
    index, _ = lookup.lookup_index(small)
    assert [e.id for e in index.search("zanzibar")] == ["log-det"]


def test_adding_removing_or_renaming_files_invalidates_the_cache(small: Path) -> None:
    before = lookup.fingerprint(small)
    (small / "determinants" / "log-det.yaml").rename(small / "determinants" / "x.yaml")
    renamed = lookup.fingerprint(small)
    (small / "determinants" / "x.yaml").unlink()
    assert len({before, renamed, lookup.fingerprint(small)}) == 3
    shutil.copy(CATALOG / "sources.yaml", small / "determinants" / "sources.yaml")
    assert lookup.fingerprint(small) != before


def test_a_change_of_code_or_version_invalidates_the_cache(small: Path, monkeypatch) -> None:
    lookup.lookup_index(small)
    monkeypatch.setattr(lookup, "_code_version", lambda: b"another version")
    assert lookup.cached_index(small, lookup.fingerprint(small)) is None


def test_one_catalog_never_answers_for_another(small: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(small, twin)
    lookup.lookup_index(small)
    assert lookup.cached_index(twin, lookup.fingerprint(twin)) is None
    assert lookup.fingerprint(twin) != lookup.fingerprint(small)
    index, _ = lookup.lookup_index(twin)
    assert index.root == twin.resolve()
    assert all(e.path.is_relative_to(twin.resolve()) for e in index.entries)


def test_a_broken_cache_file_is_rebuilt(small: Path) -> None:
    lookup.lookup_index(small)
    lookup._cache_file(small).write_bytes(b"not a pickle")
    index, problems = lookup.lookup_index(small)
    assert problems == [] and index is not None and index.search("log det")


def test_a_catalog_with_problems_is_never_indexed(small: Path) -> None:
    (small / "determinants" / "broken.yaml").write_text("id: broken\ntitle: [x\n",
                                                        encoding="utf-8")
    index, problems = lookup.lookup_index(small)
    assert index is None and any("broken.yaml" in str(p) for p in problems)
    assert lookup.cached_index(small, lookup.fingerprint(small)) is None
    result = CliRunner().invoke(main, ["search", "log", "det", "--root", str(small)])
    assert result.exit_code == 1 and "broken.yaml:3:1: KB002 YAML" in result.output


def test_the_command_line_answers_from_the_index(small: Path) -> None:
    runner = CliRunner()
    for _ in range(2):  # the first run builds the index, the second reads it
        result = runner.invoke(main, ["search", "log", "det", "--root", str(small)])
        assert result.exit_code == 0 and result.output.startswith("log-det ")
        result = runner.invoke(main, ["match", "log(det(S))", "--wrt", "S", "--root", str(small)])
        assert result.exit_code == 0 and "[log-det]" in result.output
    result = runner.invoke(main, ["match", "log(det(S", "--wrt", "S", "--root", str(small)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_match_key_ignores_names_and_the_order_of_sums() -> None:
    from kb.grammar import parse
    from kb.normal_form import normal_form

    def key(text: str) -> str:
        return lookup.match_key(normal_form(parse(text)))

    assert key("tr(A X B)") == key("tr(C W D)")
    assert key("A + B X") == key("W Y + Z")
    assert key("a^T X^k b") == key("a^T X X X b")  # a power takes a run of factors
    assert key("tr(A X)") != key("det(A X)")
    assert key("A X") != key("A^{-1} X")
    assert key("exp.(X)") != key("log.(X)")
