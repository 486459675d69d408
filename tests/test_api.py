"""The Python lookup API: load, get, search, filter, match, and one identity's methods."""

from __future__ import annotations

import json

import numpy as np
import pytest

import kb
from kb.diagnostics import CatalogError
from tests.conftest import CATALOG


@pytest.fixture(scope="module")
def cat() -> kb.Catalog:
    return kb.load()


def test_load_get_len_iterate(cat) -> None:
    assert len(cat) == len(list(cat)) >= 150
    assert cat.get("log-det").title == "Gradient of the log-determinant"
    assert "log-det" in cat


def test_unknown_id_suggests_the_closest(cat) -> None:
    with pytest.raises(KeyError, match="did you mean log-det"):
        cat.get("log-dett")


def test_load_reports_every_problem_of_a_broken_catalog(tmp_path) -> None:
    (tmp_path / "sources.yaml").write_text((CATALOG / "sources.yaml").read_text("utf-8"))
    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: [b\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        kb.load(tmp_path)
    assert {d.path.name for d in info.value.diagnostics} == {"a.yaml", "b.yaml"}


@pytest.mark.parametrize("query", ["logdet", "log determinant", "log-det", "log det"])
def test_search_folds_spellings(cat, query: str) -> None:
    assert "log-det" in [i.id for i in cat.search(query, limit=3)]


def test_search_ranks_and_limits(cat) -> None:
    hits = cat.search("trace", limit=5)
    assert len(hits) == 5 and all("trace" in i.operations or "trace" in i.tags for i in hits)
    assert cat.search("frobenius")[0].id == "frobenius-norm-squared-gradient"
    assert cat.search("zzzz-no-such-word") == []


def test_filter(cat) -> None:
    found = cat.filter(kind="scalar-by-matrix", ops="trace")
    assert found and all(i.kind == "scalar-by-matrix" and "trace" in i.operations
                         for i in found)
    spd = cat.filter(structure="spd")
    assert spd and all("spd" in i.structures for i in spd)
    cookbook = cat.filter(source="matrix-cookbook-2012", type=["derivative", "differential"])
    assert len(cookbook) > 50
    assert cat.filter(kind="no-such-kind") == []


def test_match_renames_rotates_and_transposes(cat) -> None:
    (m,) = [m for m in cat.match("tr(C W D)", wrt="W") if m.identity.id == "trace-axb"]
    assert m.derivative == "C^T D^T" and m.mapping["X"] == "W"
    rotated = cat.match("tr(W D C)", wrt="W")
    assert any(x.identity.id == "trace-axb" for x in rotated)
    transposed = cat.match("b^T W^T a", wrt="W")
    assert any(x.derivative in ("a b^T", "a b^T") for x in transposed), transposed


def test_match_reports_conditions_and_checks_shapes(cat) -> None:
    found = cat.match("log(det(S))", wrt="S")
    assert found and any("S:" in c for m in found for c in m.conditions)
    assert cat.match("tr(C W D)", wrt="W", shapes={"W": ("n", "k"), "C": ("k", "n")})
    assert cat.match("tr(C W D)", wrt="W", shapes={"W": ("n", "k"), "C": ("k", "m")}) == []


def test_match_rejects_a_bad_expression(cat) -> None:
    from kb.grammar import ExpressionError

    with pytest.raises(ExpressionError):
        cat.match("tr(A X", wrt="X")


def test_identity_forms(cat) -> None:
    ident = cat.get("trace-axb")
    assert ident.derivative() == "A^T B^T"
    assert ident.derivative("numerator") == "B A"
    assert ident.differential() == "tr(B A dX)"
    assert ident.latex("numerator").endswith("= B A")
    assert "Sources:" in ident.markdown()
    assert ident._repr_latex_().startswith("$$") and ident._repr_markdown_() == ident.markdown()
    data = ident.to_dict()
    assert data["layouts"]["denominator"]["text"] == "A^T B^T"
    assert data["kind"] == "scalar-by-matrix"
    json.dumps(data)
    with pytest.raises(ValueError):
        ident.derivative("sideways")


def test_identity_numpy_callables_agree_with_numpy(cat) -> None:
    rng = np.random.default_rng(1)
    a, x, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    ident = cat.get("trace-axb")
    assert np.isclose(ident.function()(A=a, X=x, B=b), np.trace(a @ x @ b))
    assert np.allclose(ident.derivative_function()(A=a, X=x, B=b), a.T @ b.T)
    assert np.allclose(ident.derivative_function("numerator")(A=a, X=x, B=b), b @ a)
    with pytest.raises(ValueError, match="dimension"):
        ident.function()(A=a, X=rng.standard_normal((5, 4)), B=b)
    with pytest.raises(TypeError, match="missing arrays"):
        ident.function()(A=a, X=x)


def test_identity_verify(cat) -> None:
    report = cat.get("log-det").verify()
    assert report.ok and report.worst_error < 1e-7 and report.draws > 1
