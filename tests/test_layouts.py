"""Layouts: kinds, derivative shapes, and the other layout by pushing a transpose down."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import ast
from kb.dims import Shape
from kb.grammar import parse
from kb.layouts import Kind, derivative_shape, kind_of, other, other_layout, transpose
from kb.numeric import Env, evaluate
from kb.shapes import Scope, VarInfo, check


def shape(rows: int | str, cols: int | str) -> Shape:
    return Shape.parse([rows, cols])


SCALAR, COL_N, COL_M, ROW_M = shape(1, 1), shape("n", 1), shape("m", 1), shape(1, "m")
MAT_NM, MAT_PQ = shape("n", "m"), shape("p", "q")

KINDS = [
    (SCALAR, SCALAR, Kind.SCALAR_BY_SCALAR),
    (SCALAR, COL_N, Kind.SCALAR_BY_VECTOR),
    (SCALAR, MAT_NM, Kind.SCALAR_BY_MATRIX),
    (SCALAR, ROW_M, Kind.SCALAR_BY_MATRIX),
    (COL_M, SCALAR, Kind.VECTOR_BY_SCALAR),
    (COL_M, COL_N, Kind.VECTOR_BY_VECTOR),
    (ROW_M, COL_N, Kind.VECTOR_BY_VECTOR),
    (MAT_PQ, SCALAR, Kind.MATRIX_BY_SCALAR),
    (ROW_M, SCALAR, Kind.MATRIX_BY_SCALAR),
]


@pytest.mark.parametrize(("value", "wrt", "kind"), KINDS, ids=[f"{k[0]}-by-{k[1]}" for k in KINDS])
def test_kind_of(value: Shape, wrt: Shape, kind: Kind) -> None:
    assert kind_of(value, wrt) is kind


def test_every_kind_is_reachable() -> None:
    assert {k for _, _, k in KINDS} == set(Kind)


@pytest.mark.parametrize(
    ("value", "wrt"),
    [(MAT_PQ, COL_N), (COL_M, MAT_NM), (MAT_PQ, MAT_NM), (ROW_M, shape(1, "n"))],
    ids=["matrix-by-vector", "vector-by-matrix", "matrix-by-matrix", "row-by-row"],
)
def test_no_matrix_form(value: Shape, wrt: Shape) -> None:
    assert kind_of(value, wrt) is None
    assert derivative_shape(value, wrt, "numerator") is None
    assert derivative_shape(value, wrt, "denominator") is None


SHAPES = [
    # value, wrt, numerator, denominator
    (SCALAR, SCALAR, SCALAR, SCALAR),
    (SCALAR, COL_N, shape(1, "n"), COL_N),
    (SCALAR, MAT_NM, shape("m", "n"), MAT_NM),
    (COL_M, SCALAR, COL_M, shape(1, "m")),
    (COL_M, COL_N, shape("m", "n"), shape("n", "m")),
    (ROW_M, COL_N, shape("m", "n"), shape("n", "m")),
    (MAT_PQ, SCALAR, MAT_PQ, shape("q", "p")),
]


@pytest.mark.parametrize(("value", "wrt", "numerator", "denominator"), SHAPES,
                         ids=[f"{s[0]}-by-{s[1]}" for s in SHAPES])
def test_derivative_shape_in_both_layouts(value, wrt, numerator, denominator) -> None:
    assert derivative_shape(value, wrt, "numerator") == numerator
    assert derivative_shape(value, wrt, "denominator") == denominator


def test_other_layout_name() -> None:
    assert other("numerator") == "denominator"
    assert other("denominator") == "numerator"


# ---- transpose() rewrites -------------------------------------------------------------------

VARIABLES = {
    "A": VarInfo(shape("p", "n")),
    "X": VarInfo(shape("n", "m")),
    "B": VarInfo(shape("m", "p")),
    "M": VarInfo(shape("n", "n")),
    "S": VarInfo(shape("n", "n")),
    "D": VarInfo(shape("m", "m")),
    "x": VarInfo(shape("n", 1)),
    "y": VarInfo(shape("m", 1)),
    "c": VarInfo(shape(1, 1)),
    "u": VarInfo(shape("m", 1), function_of="x"),
}
SCOPE = Scope(VARIABLES, frozenset({"n", "m", "p"}))
SYMMETRIC = frozenset({"S", "D"})


def typed(text: str) -> ast.Node:
    return check(parse(text), SCOPE)


REWRITES = {
    "A X B": "B^T X^T A^T",
    "A X": "X^T A^T",
    "X + X": "X^T + X^T",
    "X - 2 X": "X^T - 2 X^T",
    "-X": "-X^T",
    "M^{-1}": "(M^T)^{-1}",
    "M^{-T}": "M^{-1}",
    "M^3": "(M^T)^3",
    "X^T": "X",
    "S": "S",
    "S M": "M^T S",
    "S^{-1} x": "x^T S^{-1}",
    "c X": "c X^T",
    "X / c": "X^T / c",
    "X ∘ X": "X^T ∘ X^T",
    "X ./ X": "X^T ./ X^T",
    "kron(A, B)": "A^T ⊗ B^T",
    "exp.(X)": "exp.(X^T)",
    "expm(M)": "expm(M^T)",
    "adj(M)": "adj(M^T)",
    "I(n)": "I(n)",
    "zeros(n, m)": "zeros(m, n)",
    "diagm(x)": "diagm(x)",
    "diag(M)": "(diag(M))^T",
    "x^T M x": "x^T M x",
    "tr(M) X": "tr(M) X^T",
}


@pytest.mark.parametrize("text", list(REWRITES))
def test_transpose_pushes_down(text: str) -> None:
    result = transpose(typed(text), SYMMETRIC)
    assert result == typed(REWRITES[text])
    assert result.shape == typed(text).shape.T


def test_symmetric_symbols_are_kept_only_when_declared() -> None:
    assert transpose(typed("S"), SYMMETRIC) == typed("S")
    assert transpose(typed("S"), frozenset()) == typed("S^T")


def test_placeholder_derivative_flips_layout() -> None:
    tree = typed("diff(u, x)")
    assert tree.layout == "denominator"
    flipped = other_layout(tree, "denominator")
    assert isinstance(flipped, ast.DerivativeOf)
    assert flipped.layout == "numerator"
    assert flipped.shape == tree.shape.T


def test_transpose_keeps_every_shape_consistent() -> None:
    tree = transpose(typed("A X B + A M^{-1} X B"), SYMMETRIC)
    for node in tree.walk():
        assert node.shape is not None
        if isinstance(node, ast.MatMul) and not (
            node.left.shape.is_scalar or node.right.shape.is_scalar
        ):
            assert node.left.shape.cols == node.right.shape.rows


# ---- numerically: evaluate(other_layout(t)) == evaluate(t)^T ---------------------------

SIZES = {"n": 3, "m": 4, "p": 5}
BATCH = 4


def environment(seed: int = 0) -> Env:
    rng = np.random.default_rng(seed)
    values = {}
    for name, info in VARIABLES.items():
        rows, cols = info.shape.sizes(SIZES)
        values[name] = rng.standard_normal((BATCH, rows, cols))
    for name in SYMMETRIC:
        values[name] = values[name] + np.swapaxes(values[name], -1, -2)
    for name in ("M", "S"):  # well away from singular
        values[name] = values[name] + 6 * np.eye(3)
    values["D"] = values["D"] + 6 * np.eye(4)
    jacobian = rng.standard_normal((BATCH, 4, 3))  # numerator layout ∂u/∂x
    return Env(BATCH, values, SIZES, jacobians={("u", "x", 1): jacobian})


def assert_other_layout_is_the_transpose(tree: ast.Node, env: Env) -> None:
    """``tree`` is in denominator layout (SCOPE's); its other layout is numerator."""
    value = evaluate(tree, env)
    converted = other_layout(tree, "denominator", SYMMETRIC)
    other_value = evaluate(converted, env)
    np.testing.assert_allclose(other_value, np.swapaxes(value, -1, -2), rtol=1e-10, atol=1e-10)
    assert converted.shape == tree.shape.T
    # the converted tree reads in one layout throughout
    layouts = {n.layout for n in converted.walk() if isinstance(n, ast.DerivativeOf)}
    assert layouts <= {"numerator"}


@pytest.mark.parametrize("text", [*REWRITES, "diff(u, x)", "diff(u, x) y + M x",
                                  "A M^{-T} X B", "expm(S) + adj(M) ⊗ c", "x y^T D^{-1} + S X"])
def test_other_layout_evaluates_to_the_transpose(text: str) -> None:
    assert_other_layout_is_the_transpose(typed(text), environment())


@cache
def expressions(rows: str, cols: str, depth: int) -> st.SearchStrategy[str]:
    """Random well-typed expression strings of shape rows×cols over VARIABLES."""
    leaves = {
        ("p", "n"): ["A"], ("n", "m"): ["X", "diff(u, x)"], ("m", "p"): ["B"],
        ("n", "n"): ["M", "S", "I(n)"],
        ("m", "m"): ["D", "I(m)"], ("n", "1"): ["x"], ("m", "1"): ["y", "u"],
        ("1", "1"): ["c", "2", "x^T x"],
    }
    options: list[st.SearchStrategy[str]] = [st.sampled_from(leaves.get((rows, cols), [
        f"zeros({rows}, {cols})" if "1" not in (rows, cols) else f"ones({rows}, {cols})"]))]
    if depth > 0:
        sub = lambda r, c: expressions(r, c, depth - 1)  # noqa: E731
        options += [
            sub(cols, rows).map(lambda e: f"({e})^T"),
            st.tuples(sub(rows, cols), sub(rows, cols)).map(lambda t: f"({t[0]}) + ({t[1]})"),
            st.tuples(sub(rows, cols), sub(rows, cols)).map(lambda t: f"({t[0]}) - ({t[1]})"),
            st.tuples(sub(rows, cols), sub(rows, cols)).map(lambda t: f"({t[0]}) ∘ ({t[1]})"),
            st.tuples(sub("1", "1"), sub(rows, cols)).map(lambda t: f"({t[0]}) ({t[1]})"),
            sub(rows, cols).map(lambda e: f"-({e})"),
            sub(rows, cols).map(lambda e: f"tanh.({e})"),
        ]
        for inner in ("n", "m"):
            options.append(st.tuples(sub(rows, inner), sub(inner, cols)).map(
                lambda t: f"({t[0]}) ({t[1]})"))
        if rows == cols and rows != "1":
            options.append(st.just("S^{-1}" if rows == "n" else "D^{-T}"))
    return st.one_of(options)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([("n", "m"), ("m", "n"), ("n", "n"), ("n", "1"), ("m", "1"), ("1", "m")])
       .flatmap(lambda rc: expressions(*rc, depth=3)))
def test_other_layout_is_the_transpose_property(text: str) -> None:
    tree = typed(text)
    assert_other_layout_is_the_transpose(tree, environment())
