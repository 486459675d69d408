"""`cat.match`: each defect of issue 10 that gave a wrong or missing answer, one test each."""

from __future__ import annotations

import pytest

import kb


@pytest.fixture(scope="module")
def cat() -> kb.Catalog:
    return kb.load()


def answers(found, record_id: str) -> list[str]:
    return [m.derivative for m in found if m.identity.id == record_id]


def test_the_answer_is_in_the_users_dimension_names(cat) -> None:
    # Before: I(n), the record's dimension, which the user never declared.
    assert answers(cat.match("tr(X)", "X", shapes={"X": ("k", "k")}), "trace-x") == ["I(k)"]
    assert answers(cat.match("tr(X)", "X", shapes={"X": (3, 3)}), "trace-x") == ["I(3)"]
    found = cat.match("sum(log.(ones(m, 1) + exp.(w)))", "w", shapes={"w": ("m", 1)})
    assert answers(found, "softplus-gradient") == ["ones(m, 1) ./ (ones(m, 1) + exp.(-w))"]


def test_a_literal_one_binds_only_a_one(cat) -> None:
    # Before: x^T a with n×m matrices returned `a` (linear-form-gradient, whose x is n×1),
    # and A x with a k×k x returned A^T: matrix-by-matrix derivatives have no such form.
    assert cat.match("x^T a", "x", shapes={"x": ("n", "m"), "a": ("n", "m")}) == []
    assert cat.match("A x", "x", shapes={"x": ("k", "k")}) == []
    assert answers(cat.match("A x", "x", shapes={"x": ("k", 1)}),
                   "linear-map-derivative") == ["A^T"]


def test_a_bare_dimension_name_is_a_dimension(cat) -> None:
    # Before: the record's `/ n` took the user's `m` for a symbol and nothing matched.
    found = cat.match("(A w - b)^T (A w - b) / m", "w", shapes={"A": ("m", "p")})
    assert answers(found, "linear-regression-gradient") == ["2 A^T (A w - b) / m"]
    # Before: the dimension n was bound to the record's scalar variable, and a derivative
    # by a dimension was returned.
    assert cat.match("n a", "n", shapes={"a": ("n", 1)}) == []
    # A user's variable is never taken for the record's dimension.
    assert answers(cat.match("(A w - b)^T (A w - b) / c", "w",
                             shapes={"A": ("m", "p"), "c": (1, 1)}),
                   "linear-regression-gradient") == []


def test_integer_powers_match(cat) -> None:
    assert answers(cat.match("tr(X^3)", "X"), "trace-x-power") == ["3 (X^{2})^T"]
    assert answers(cat.match("tr(X X B)", "X"), "trace-x-squared-b") == ["(X B + B X)^T"]
    assert answers(cat.match("tr(B X^2)", "X"), "trace-x-squared-b") == ["(X B + B X)^T"]
    # The record with X^k, at k = 2, unrolled: every draw checks it numerically.
    assert answers(cat.match("tr(X^2 B)", "X"), "trace-a-x-power")
    assert answers(cat.match("tr(Y)", "Y"), "trace-x-power") == []  # k = 1 gives X^0: no


def test_unconditional_records_rank_first(cat) -> None:
    found = cat.match("x^T A x", "x")
    assert found[0].identity.id == "quadratic-form-gradient"
    assert found[0].derivative == "(A + A^T) x" and found[0].conditions == []
    stated = cat.match("x^T A x", "x", structure={"A": ["symmetric"]})
    assert stated[0].identity.id == "quadratic-form-gradient-symmetric"
    assert stated[0].derivative == "2 A x"


@pytest.mark.parametrize(("expression", "wrt", "record", "derivative"), [
    ("x^T x", "x", "squared-norm-gradient", "2 x"),
    ("y^T y", "y", "squared-norm-gradient", "2 y"),
    ("(A x - b)^T (A x - b)", "x", "least-squares-gradient", "2 A^T (A x - b)"),
    ("norm(W)^2", "W", "squared-norm-gradient", "2 W"),
])
def test_equal_spellings_match(cat, expression, wrt, record, derivative) -> None:
    assert answers(cat.match(expression, wrt), record) == [derivative]


def test_no_match_contradicts_the_derive_corpus(cat) -> None:
    """Every answer match gives without an unstated condition equals the corpus's, which is
    itself checked against finite differences (tests/test_derive_corpus.py)."""
    from tests.test_derive_corpus import Problem, entries, relative

    wrong, answered = [], 0
    for entry in entries("answer"):
        problem = Problem(entry)
        if problem.kind is None or entry.get("order", 1) != 1:
            continue
        shapes = {name: tuple(pair) for name, pair in entry["shapes"].items()}
        found = cat.match(entry["expression"], entry["wrt"], shapes=shapes,
                          structure=entry.get("structure"), limit=50)
        for m in (m for m in found if not m.unstated):
            answered += 1
            error = relative(problem.predicted(m.derivative),
                             problem.predicted(entry["expected"]))
            if not error < 1e-8:
                wrong.append(f"{entry['id']}: {m.identity.id} gives {m.derivative}")
    assert not wrong, "\n".join(wrong)
    assert answered >= 100


def test_powers_of_powers_match_without_runaway(cat) -> None:
    assert cat.match("tr(((X^{9})^{9})^{9})", "X") == []  # beyond every record's exponents
    assert answers(cat.match("tr((X^2)^2)", "X"), "trace-x-power") == ["4 (X^{3})^T"]
