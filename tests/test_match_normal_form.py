"""The normal form shared by `kb match` and the derive engine: equal spellings compare equal,
and only equal expressions do (each pair is checked numerically too)."""

from __future__ import annotations

import numpy as np
import pytest

from kb.dims import Shape
from kb.grammar import parse
from kb.normal_form import equal_up_to_renaming, normal_form, unify
from kb.numeric import Env, evaluate
from kb.sampling import assign_sizes, sample
from kb.shapes import Scope, VarInfo, VarSpec, check

SHAPES = {"x": ("n", 1), "y": ("n", 1), "b": ("m", 1), "A": ("m", "n"), "B": ("n", "n"),
          "X": ("n", "n"), "C": ("n", "n"), "c": (1, 1)}


def nf(text: str, dims=frozenset()) -> tuple:
    return normal_form(parse(text), dims)


def values(text: str, draws) -> np.ndarray:
    specs = {n: VarSpec(Shape.parse(s)) for n, s in SHAPES.items()}
    scope = Scope({n: VarInfo(s.shape) for n, s in specs.items()}, frozenset({"n", "m"}))
    return evaluate(check(parse(text), scope), Env(3, draws, draws["_sizes"]))


@pytest.fixture(scope="module")
def draws():
    specs = {n: VarSpec(Shape.parse(s)) for n, s in SHAPES.items()}
    sizes = assign_sizes(specs)
    return {**sample(specs, sizes, 3, np.random.default_rng(7)), "_sizes": sizes}


@pytest.mark.parametrize(("a", "b"), [
    ("x^T x", "norm(x)^2"),
    ("(A x - b)^T (A x - b)", "norm(A x - b)^2"),
    ("tr(X X B)", "tr(X^2 B)"),
    ("tr(X^3)", "tr(X X X)"),
    ("(A B)^T", "B^T A^T"),
    ("(X + C)^T", "X^T + C^T"),
    ("A - A x x^T", "-A x x^T + A"),
    ("(X^{-1})^T", "X^{-T}"),
    ("((X^T)^{-1})^{-1}", "X^T"),
    ("tr(X)^T", "tr(X)"),
    ("exp.(X)^T", "exp.(X^T)"),
    ("norm_F(X)^2", "tr(X^T X)"),
    ("2 (x^T B y)^T", "2 y^T B^T x"),
])
def test_equal_spellings_have_one_normal_form(a, b, draws) -> None:
    assert nf(a) == nf(b)
    assert np.allclose(values(a, draws), values(b, draws))


@pytest.mark.parametrize(("a", "b"), [
    ("A A B", "A B A"), ("X^T", "X"), ("x^T B x", "x^T B y"), ("tr(X^2)", "tr(X^3)"),
    ("X - C", "X + C"), ("exp.(X)", "expm(X)"),
])
def test_different_expressions_differ(a, b) -> None:
    assert nf(a) != nf(b)
    assert not equal_up_to_renaming(nf(a), nf(b))


def test_equal_up_to_renaming_is_one_to_one() -> None:
    assert equal_up_to_renaming(nf("x^T A y"), nf("u^T M v"))
    assert not equal_up_to_renaming(nf("x^T A y"), nf("u^T M u"))
    assert not equal_up_to_renaming(nf("u^T M u"), nf("x^T A y"))


def test_a_power_by_an_integer_variable_takes_a_run_of_factors() -> None:
    pattern = normal_form(check(parse("tr(A X^k)"), Scope(
        {"A": VarInfo(Shape.parse(("n", "n"))), "X": VarInfo(Shape.parse(("n", "n"))),
         "k": VarInfo(Shape.parse((1, 1)), integer=True)}, frozenset({"n"}))))
    found = unify(pattern, nf("tr(B Y Y Y)"))
    assert found is not None and found.integers == {"k": 3}
    assert found.symbols == {"A": "B", "X": "Y"}
    assert unify(pattern, nf("tr(B Y)")) is None  # a single factor is not a power


def test_dimensions_are_not_symbols() -> None:
    assert nf("x / n", {"n"}) == ("Div", ("sym", "x"), ("dim", "n"))
    pattern = nf("x / n", {"n"})
    assert unify(pattern, nf("y / c")) is not None  # an undeclared bare name may be a size
    assert unify(pattern, nf("y / m", {"m"})).dimensions == {"n": "m"}
    assert unify(nf("x / c"), nf("y / m", {"m"})) is None  # a size is never a variable
    assert unify(nf("ones(n, 1)"), nf("ones(m, 1)")).dimensions == {"n": "m"}
    assert unify(nf("ones(n, 1)"), nf("ones(m, k)")) is None


def test_nested_powers_stay_small() -> None:
    term = nf("((X^{9})^{9})^{9}")
    assert len(repr(term)) < 2000
    assert nf("(X^2)^3") == nf("X^6") == ("prod",) + (("sym", "X"),) * 6


def test_the_squared_norm_of_a_row_is_its_outer_form() -> None:
    scope = Scope({"r": VarInfo(Shape.parse((1, "n")))}, frozenset({"n"}))
    typed = normal_form(check(parse("norm(r)^2"), scope))
    assert typed == normal_form(check(parse("r r^T"), scope))
    assert typed != normal_form(check(parse("r^T r"), scope))
