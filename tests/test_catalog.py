"""The catalog as a whole: coverage of the Matrix Cookbook, no duplicates, editor support."""

from __future__ import annotations

import json

import pytest

import kb
from kb.coverage import COOKBOOK, COOKBOOK_CHAPTER_2, coverage, equations
from kb.loader import MODELINE, record_files
from kb.match import duplicates
from kb.schema import json_schema
from tests.conftest import CATALOG, PROJECT


@pytest.fixture(scope="module")
def catalog() -> kb.Catalog:
    return kb.load(CATALOG)


def test_locator_numbers_are_read() -> None:
    assert equations("eq. 101") == [101]
    assert equations("eqs. 70–71 (as printed)") == [70, 71]
    assert equations("eqs. 32, 73 (entry-wise)") == [32, 73]
    assert equations("eqs. 138-141, 144") == [138, 139, 140, 141, 144]
    assert equations("Example (eq. 101 in the Matrix Cookbook)") == []


def test_every_cookbook_chapter_2_equation_is_cited_or_explained(catalog) -> None:
    report = coverage(catalog, catalog.uncovered, COOKBOOK)
    assert report.missing(COOKBOOK_CHAPTER_2) == []
    assert report.contradictions() == []
    assert report.unparsed == [], "Cookbook locators must start with 'eq. N' or 'eqs. N–M'"


def test_no_two_records_state_the_same_identity(catalog) -> None:
    assert duplicates(list(catalog)) == []


def test_at_least_the_seed_and_cookbook_records_exist(catalog) -> None:
    refs = [s.ref for identity in catalog for s in identity.record.sources]
    assert len(catalog) >= 150
    assert {"seed-000-b1", "seed-001-mit6390", "seed-002-ang", COOKBOOK} <= set(refs)


def test_every_record_file_carries_the_schema_modeline() -> None:
    for path in record_files([CATALOG]):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(MODELINE), path
        schema = (path.parent / first.removeprefix(MODELINE)).resolve()
        assert schema == PROJECT / "schema" / "identity.schema.json", path


def test_committed_schema_equals_the_models() -> None:
    committed = json.loads((PROJECT / "schema" / "identity.schema.json").read_text("utf-8"))
    assert committed == json_schema(), "run `kb schema` and commit the result"
