"""Integer-valued symbols, symbolic powers and finite sums (X^k, sum_{r=0}^{k-1} ...)."""

from __future__ import annotations

import numpy as np
import pytest

from kb import ast
from kb.dims import Shape
from kb.grammar import parse
from kb.latex import latex
from kb.numeric import Env, evaluate
from kb.printer import to_text
from kb.shapes import Scope, UndeclaredError, VarInfo, check

SCOPE = Scope({"X": VarInfo(Shape.parse(["n", "n"])), "A": VarInfo(Shape.parse(["n", "n"])),
               "k": VarInfo(Shape.parse([1, 1]), integer=True, integer_range=(1, 5)),
               "a": VarInfo(Shape.parse([1, 1]))}, frozenset({"n"}))


def test_symbolic_exponents_parse_into_integer_expressions() -> None:
    tree = parse("X^{k-1-r}")
    assert isinstance(tree, ast.Power)
    assert tree.power == ast.IntExpr(-1, (("k", 1), ("r", -1)))
    assert str(tree.power) == "k - r - 1"


def test_sum_binds_the_next_factor() -> None:
    tree = parse("sum_{r=0}^{k-1} X^r A")
    assert isinstance(tree, ast.MatMul) and isinstance(tree.left, ast.Summation)
    assert tree.left.lower == ast.IntExpr(0) and tree.left.upper == ast.IntExpr(-1, (("k", 1),))


@pytest.mark.parametrize("text", ["X^{k-1}", "sum_{r=0}^{k-1} (X^r A X^{k-1-r})^T", "k X^{k-1}"])
def test_round_trip_through_the_printer(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree
    assert latex(tree)


def test_exponent_names_must_be_integers() -> None:
    with pytest.raises(UndeclaredError, match="'a' in an exponent must be an integer"):
        check(parse("X^{a}"), SCOPE)
    with pytest.raises(UndeclaredError, match="'r' in an exponent"):
        check(parse("X^{r}"), SCOPE)


def test_the_index_is_only_in_scope_inside_its_sum() -> None:
    check(parse("sum_{r=0}^{k-1} (X^r)"), SCOPE)
    with pytest.raises(UndeclaredError):
        check(parse("sum_{r=0}^{k-1} (X^r) X^r"), SCOPE)


def test_powers_and_sums_vary_per_draw() -> None:
    rng = np.random.default_rng(0)
    batch, n = 6, 3
    x = rng.standard_normal((batch, n, n))
    a = rng.standard_normal((batch, n, n))
    k = np.array([1, 2, 3, 4, 2, 3], dtype=float).reshape(-1, 1, 1)
    env = Env(batch, {"X": x, "A": a, "k": k}, {"n": n})
    power = evaluate(check(parse("X^{k+1}"), SCOPE), env)
    summed = evaluate(check(parse("sum_{r=0}^{k-1} (X^r A X^{k-1-r})"), SCOPE), env)
    for b in range(batch):
        kb = int(k[b, 0, 0])
        assert np.allclose(power[b], np.linalg.matrix_power(x[b], kb + 1))
        want = sum(np.linalg.matrix_power(x[b], r) @ a[b] @ np.linalg.matrix_power(x[b], kb - 1 - r)
                   for r in range(kb))
        assert np.allclose(summed[b], want)
