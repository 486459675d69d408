"""The derive engine: the 16 derivation records re-derived, its parts one by one, the API
objects and the written record.

The corpus of restated facts (SymPy's tests, matrixcalculus.org, the Cookbook) is checked by
tests/test_derive_corpus.py; the command line by tests/test_derive_cli.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import kb
from kb import ast
from kb.derive import DeriveError, VerificationFailed, derive
from kb.derive import rules as rules_module
from kb.derive.check import _agree
from kb.derive.infer import infer_shapes
from kb.derive.rules import RULES, Expander
from kb.derive.simplify import Normalizer
from kb.derive.trees import size
from kb.dims import Shape
from kb.grammar import ExpressionError, parse
from kb.loader import load_record, load_sources
from kb.printer import to_text
from kb.shapes import Scope, VarInfo, check
from kb.verify import verify

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cat():
    return kb.load()


def typed(text: str, shapes: dict[str, tuple]) -> ast.Node:
    parsed = {n: Shape.parse(s) for n, s in shapes.items()}
    dims = {d for s in parsed.values() for dim in (s.rows, s.cols) for d in dim.names}
    scope = Scope({n: VarInfo(s) for n, s in parsed.items()}, frozenset(dims),
                  differentials=frozenset(parsed), steps=True)
    return check(parse(text), scope)


# ---- the 16 derivation records ----------------------------------------------------------

def _derivation_records():
    return sorted((PROJECT / "identities" / "derivations").glob("*.yaml"))


@pytest.mark.parametrize("path", _derivation_records(), ids=lambda p: p.stem)
def test_engine_rederives_each_derivation_record(cat, path: Path) -> None:
    identity = cat.get(path.stem)
    record = identity.record
    shapes = {n: tuple(v.shape) for n, v in record.variables.items()}
    structure = {n: [str(s) for s in v.structure] for n, v in record.variables.items()
                 if v.structure}
    d = cat.derive(record.goal, record.wrt, shapes=shapes, structure=structure,
                   layout=record.layout)
    mine = d.derivative_tree(record.layout)
    theirs = identity.statement.trees["result"]
    assert _agree(mine, theirs, d.specs), (d.derivative(record.layout), identity.derivative())
    assert d.report.ok
    read_off = next(step for step in d.steps if step.kind == "derivative")
    assert read_off.uses and all(step.uses for step in d.steps
                                 if step.justification.startswith("By "))


def test_there_are_sixteen_derivation_records() -> None:
    assert len(_derivation_records()) == 16


# ---- rules: one layer each, citing its record --------------------------------------------

@pytest.mark.parametrize(("expression", "shapes", "expected", "record"), [
    ("tr(X)", {"X": ("n", "n")}, "tr(dX)", "differential-trace"),
    ("X^T", {"X": ("n", "m")}, "dX^T", "differential-transpose"),
    ("X^{-1}", {"X": ("n", "n")}, "-X^{-1} dX X^{-1}", "differential-inverse"),
    ("A X", {"X": ("n", "m"), "A": ("p", "n")}, "A dX", "differential-left-linear"),
    ("X Y", {"X": ("n", "n"), "Y": ("n", "n")}, "diff(X) Y + X dY", "differential-product"),
    ("det(X)", {"X": ("n", "n")}, "det(X) tr(X^{-1} dX)", "differential-det"),
    ("log(det(X))", {"X": ("n", "n")}, "tr(X^{-1} dX)", "log-det-differential"),
    ("X^3", {"X": ("n", "n")}, "dX X^{3 - 1}".replace(" - 1", ""), None),
    ("exp.(X)", {"X": ("n", "m")}, "exp.(X) ∘ dX", "differential-elementwise-exp"),
    ("log.(x)", {"x": ("n", 1)}, "dx ./ x", "differential-elementwise-log"),
    ("norm(x)", {"x": ("n", 1)}, "x^T dx / norm(x)", "differential-norm"),
    ("sum(X)", {"X": ("n", "m")}, "sum(dX)", "differential-sum-of-entries"),
    ("tr(expm(X))", {"X": ("n", "n")}, "tr(expm(X) dX)", "differential-trace-expm"),
    ("X ⊗ Y", {"X": ("n", "m"), "Y": ("p", "q")}, "dX ⊗ Y + X ⊗ diff(Y)",
     "differential-kronecker-product"),
])
def test_one_layer_of_rules(expression, shapes, expected, record) -> None:
    wrt = next(iter(shapes))
    expander = Expander(wrt)
    out = expander.expand(ast.DifferentialOf(typed(expression, shapes)))
    if record is None:  # X^3: the three terms of the power rule
        assert to_text(out) == "dX X^{2} + X dX X + X^{2} dX"
        assert expander.used == ["matrix-power-differential", "differential-identity"]
        return
    if "diff(Y)" in expected:  # Y is constant here: its term is dropped
        expected = "dX ⊗ Y"
    if expected == "diff(X) Y + X dY":  # Y is constant: the right-linear rule
        expected, record = "dX Y", "differential-right-linear"
    assert to_text(out) == expected
    assert record in expander.used


def test_every_rule_names_a_catalog_record(cat) -> None:
    missing = [r for r in RULES if r not in cat]
    assert not missing


def test_constants_have_zero_differential() -> None:
    expander = Expander("x")
    tree = typed("A x + b", {"x": ("n", 1), "A": ("n", "n"), "b": ("n", 1)})
    out = expander.expand(ast.DifferentialOf(tree))
    assert to_text(out) == "diff(A x)"
    assert "differential-constant" in expander.used


def test_an_unknown_construct_is_refused_by_name(cat) -> None:
    with pytest.raises(DeriveError, match=r"logm\(…\)"):
        cat.derive("tr(logm(X))", "X")
    with pytest.raises(DeriveError, match=r"pinv"):
        cat.derive("tr(pinv(X))", "X")


# ---- the simplifier -------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "shapes", "tidy"), [
    ("A x + A^T x", {"x": ("n", 1), "A": ("n", "n")}, "(A + A^T) x"),
    ("A^T A x - A^T b", {"x": ("n", 1), "A": ("m", "n"), "b": ("m", 1)}, "A^T (A x - b)"),
    ("2 A x + 2 A x", {"x": ("n", 1), "A": ("n", "n")}, "4 A x"),
    ("X X B", {"X": ("n", "n"), "B": ("n", "n")}, "X^{2} B"),
    ("X^{-1} X B", {"X": ("n", "n"), "B": ("n", "n")}, "B"),
    ("((X^T)^T)^{-1}", {"X": ("n", "n")}, "X^{-1}"),
    ("(a^T x)^T b", {"x": ("n", 1), "a": ("n", 1), "b": ("m", 1)}, "a^T x b"),
    ("I(n) A x", {"x": ("n", 1), "A": ("n", "n")}, "A x"),
    ("0.5 x + 0.5 x", {"x": ("n", 1)}, "x"),
    ("x / 2 - x", {"x": ("n", 1)}, "-x / 2"),
])
def test_tidy(expression, shapes, tidy) -> None:
    tree = typed(expression, shapes)
    out = Normalizer().tidy(tree)
    assert to_text(out) == tidy
    assert _agree(out, tree, _specs(shapes))


def test_symmetric_variables_are_their_own_transpose() -> None:
    shapes = {"x": ("n", 1), "A": ("n", "n")}
    out = Normalizer(frozenset({"A"})).tidy(typed("A x + A^T x", shapes))
    assert to_text(out) == "2 A x"


def _specs(shapes):
    from kb.shapes import VarSpec

    return {n: VarSpec(Shape.parse(s)) for n, s in shapes.items()}


# ---- canonical forms and layouts ------------------------------------------------------------

@pytest.mark.parametrize(("expression", "wrt", "differential", "denominator"), [
    ("tr(A X B)", "X", "tr(B A dX)", "A^T B^T"),
    ("x^T A x", "x", "x^T (A^T + A) dx", "(A + A^T) x"),
    ("a^T (b ∘ x)", "x", "(a^T ∘ b^T) dx", "a ∘ b"),
    ("A exp.(x)", "x", "A diagm(exp.(x)) dx", "diagm(exp.(x)) A^T"),
    ("s^2 A", "s", "2 s A ds", "2 s A^T"),
    ("tr(A ⊗ X)", "X", "tr(tr(A) I(n) dX)", "tr(A) I(n)"),
])
def test_canonical_form_and_derivative(cat, expression, wrt, differential, denominator) -> None:
    d = cat.derive(expression, wrt)
    assert d.differential() == differential
    assert d.derivative("denominator") == denominator


def test_numerator_layout_is_the_transpose(cat) -> None:
    d = cat.derive("tr(A X B)", "X", layout="numerator")
    assert d.derivative("numerator") == "B A"
    assert d.record["layout"] == "numerator"


def test_matrix_by_matrix_stops_at_the_differential(cat) -> None:
    d = cat.derive("X^T X", "X")
    assert d.differential() == "dX^T X + X^T dX"
    with pytest.raises(DeriveError, match="no matrix form"):
        d.derivative()
    assert d.to_dict()["derivative"] is None
    assert d.report.ok and len(d.report.checks) > len(d.steps)


def test_zero_derivative(cat) -> None:
    d = cat.derive("x^T y", "t", shapes={"t": (1, 1), "x": ("k", 1), "y": ("k", 1)})
    assert d.derivative() == "0"
    assert d.steps[-1].uses == ("gradient-differential-scalar",)


# ---- tidiness against the catalog, symmetric variables, catalog first -----------------------

@pytest.mark.parametrize(("expression", "wrt", "record"), [
    ("x^T A x", "x", "quadratic-form-gradient"),
    ("tr(A X B)", "X", "trace-axb"),
    ("log(det(X^T X))", "X", "log-det-gram"),
    ("tr(A X B X^T C)", "X", "trace-axbxtc"),
    ("a^T X^{-1} b", "X", "inverse-bilinear-form-gradient"),
])
def test_answer_is_tidy_and_cites_the_catalog(cat, expression, wrt, record) -> None:
    identity = cat.get(record)
    shapes = {n: tuple(v.shape) for n, v in identity.record.variables.items()}
    d = cat.derive(expression, wrt, shapes=shapes)
    theirs = identity.statement.derivative("denominator")
    assert _agree(d.derivative_tree(), theirs, d.specs)
    assert size(d.derivative_tree()) <= 1.25 * size(theirs)
    assert record in {u for s in d.steps for u in s.uses}


def test_symmetric_variable_gives_the_gradient_on_symmetric_matrices(cat) -> None:
    d = cat.derive("log(det(X))", "X", structure={"X": "spd"})
    assert d.derivative() == "X^{-1}"
    assert "symmetric-gradient-rule" in {u for s in d.steps for u in s.uses}
    d = cat.derive("tr(A X)", "X", structure={"X": "symmetric"})
    assert d.derivative() == "(A^T + A) / 2"


def test_diagonal_variable_gives_the_gradient_on_diagonal_matrices(cat) -> None:
    d = cat.derive("tr(A X)", "X", structure={"X": "diagonal"})
    assert d.derivative() == "A ∘ I(n)"  # the catalog's form (trace-ax-diagonal), shorter
    uses = {u for s in d.steps for u in s.uses}
    assert {"trace-diagonal-projection", "trace-ax-diagonal"} <= uses
    assert derive(None, "tr(A X)", "X", structure={"X": "diagonal"}).derivative() == (
        "I(n) ∘ A^T")


def test_symmetric_constant(cat) -> None:
    assert cat.derive("x^T A x", "x", structure={"A": "symmetric"}).derivative() == "2 A x"


# ---- shapes inference ------------------------------------------------------------------------

def test_default_shapes() -> None:
    shapes = infer_shapes(parse("alpha x^T A x + tr(B) + s"), "x", None, "")
    assert {n: str(s) for n, s in shapes.items()} == {
        "x": "n×1", "alpha": "1×1", "A": "n×n", "B": "m×m", "s": "1×1"}


def test_shapes_unify_through_products() -> None:
    shapes = infer_shapes(parse("(X theta - y)^T (X theta - y)"), "theta", None, "")
    assert {n: str(s) for n, s in shapes.items()} == {
        "theta": "n×1", "X": "m×n", "y": "m×1"}


def test_given_shapes_and_dimension_names() -> None:
    shapes = infer_shapes(parse("x^T x / n"), "x", {"x": ("n", 1)}, "")
    assert {k: str(v) for k, v in shapes.items()} == {"x": "n×1"}


def test_conflicting_shapes_are_an_expression_error(cat) -> None:
    with pytest.raises(ExpressionError) as info:
        cat.derive("A x + B", "x", shapes={"A": (3, 4), "B": (2, 2)})
    assert info.value.pos == 6 and "differ" in info.value.message


def test_parse_error_is_an_expression_error(cat) -> None:
    with pytest.raises(ExpressionError):
        cat.derive("tr(X", "X")


def test_wrt_must_be_a_name(cat) -> None:
    with pytest.raises(DeriveError, match="not a variable name"):
        cat.derive("tr(X)", "tr")


def test_unknown_structure_is_refused(cat) -> None:
    with pytest.raises(DeriveError, match="unknown structure"):
        cat.derive("tr(X)", "X", structure={"X": "orthonormal"})


def test_inferred_assumptions_are_reported(cat) -> None:
    d = cat.derive("log(det(X))", "X")
    assert d.assumptions == {"X": ["invertible", "positive_determinant"]}
    assert d.inferred == ["X"]


# ---- Hessians -------------------------------------------------------------------------------

def test_hessian_of_a_quadratic(cat) -> None:
    d = cat.derive("x^T A x + b^T x", "x", order=2)
    assert d.derivative() == "A + A^T"
    assert len(d.reports) == 3 and all(r.ok for r in d.reports)


def test_hessian_of_least_squares(cat) -> None:
    d = cat.derive("(A x - b)^T (A x - b)", "x", order=2)
    assert d.derivative() == "2 A^T A"


def test_hessian_needs_a_vector(cat) -> None:
    with pytest.raises(DeriveError, match="Hessian"):
        cat.derive("tr(X)", "X", order=2)


# ---- verification: nothing unverified --------------------------------------------------------

def test_a_wrong_rule_is_caught(cat, monkeypatch) -> None:
    def wrong_trace(self, e):  # d tr(X) = 2 tr(dX): false
        if isinstance(e, ast.Call) and e.func == "tr":
            self.use("differential-trace")
            inner = self.pending(e.args[0])
            two = ast.Num(2.0, "2", shape=e.shape)
            return ast.MatMul(two, ast.Call("tr", (inner,), shape=e.shape),
                              shape=e.shape)
        return original(self, e)

    original = rules_module.Expander.rule
    monkeypatch.setattr(rules_module.Expander, "rule", wrong_trace)
    with pytest.raises(VerificationFailed, match="failed its check"):
        cat.derive("tr(A X)", "X")


# ---- the API objects ---------------------------------------------------------------------

def test_derivative_function_binds_dimensions_from_arrays(cat) -> None:
    d = cat.derive("x^T A x", "x")
    grad = d.derivative_function()
    rng = np.random.default_rng(0)
    a, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    assert np.allclose(grad(A=a, x=x), ((a + a.T) @ x)[:, None])
    with pytest.raises(TypeError, match="missing"):
        grad(A=a)


def test_to_dict_has_the_documented_shape(cat) -> None:
    data = cat.derive("tr(A X B)", "X").to_dict()
    assert {"expression", "wrt", "shapes", "derivative", "differential", "steps",
            "verification"} <= set(data)
    assert data["derivative"] == {"denominator": "A^T B^T", "numerator": "B A"}
    assert all(set(s) >= {"expression", "justification", "uses"} for s in data["steps"])
    assert data["verification"]["ok"] is True
    json.dumps(data)


def test_latex_and_markdown(cat) -> None:
    d = cat.derive("log(det(X^T X))", "X")
    tex = d.latex()
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert r"\text{log-det-differential}" in tex
    assert d._repr_latex_().startswith("$$")
    md = d.markdown()
    assert "`log-det-differential`" in md and "| 2 |" in md


@pytest.mark.parametrize(("expression", "wrt", "kwargs"), [
    ("tr(A X B)", "X", {}),
    ("(A x - b)^T (A x - b)", "x", {}),
    ("x^T A x", "x", {"order": 2}),
    ("sum(log.(exp.(-y ∘ (X w)) + ones(n, 1)))", "w", {"shapes": {"X": ("n", "p")}}),
    ("log(det(X))", "X", {"structure": {"X": "spd"}}),
    ("X^T X", "X", {}),
])
def test_to_yaml_is_a_record_that_kb_verify_accepts(cat, tmp_path, expression, wrt,
                                                    kwargs) -> None:
    d = cat.derive(expression, wrt, **kwargs)
    text = d.to_yaml()
    folder = tmp_path / "identities" / "derived"
    folder.mkdir(parents=True)
    shutil.copy(PROJECT / "identities" / "sources.yaml", tmp_path / "identities")
    path = folder / f"{d.record['id']}.yaml"
    path.write_text(text, encoding="utf-8")
    sources, problems = load_sources(tmp_path / "identities" / "sources.yaml")
    identity, problems = load_record(path, sources)
    assert not problems, problems
    assert verify(identity.statement).ok
    cited = {c for step in getattr(identity.record, "steps", []) for c in step.cites}
    assert cited <= set(cat.entries)


def test_repr_names_the_answer(cat) -> None:
    assert "A^T B^T" in repr(cat.derive("tr(A X B)", "X"))


def test_variables_may_have_any_name(cat) -> None:
    d = cat.derive("d^T x + tr(D)", "x")
    assert d.derivative() == "d"


def test_module_function_works_without_a_catalog() -> None:
    d = derive(None, "x^T x", "x")
    assert d.derivative() == "2 x"
