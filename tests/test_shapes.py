"""Shape inference: typed trees, and the errors for expressions that do not type-check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb import ast
from kb.dims import Dim, Shape
from kb.grammar import parse
from kb.shapes import Scope, ShapeError, VarInfo, check


def shape(rows: int | str, cols: int | str) -> Shape:
    return Shape.parse([rows, cols])


VARIABLES = {
    "A": VarInfo(shape("p", "n")),
    "X": VarInfo(shape("n", "m")),
    "B": VarInfo(shape("m", "p")),
    "S": VarInfo(shape("n", "n")),
    "C": VarInfo(shape("q", "r")),
    "a": VarInfo(shape("n", 1)),
    "b": VarInfo(shape("m", 1)),
    "r": VarInfo(shape(1, "n")),
    "c": VarInfo(shape(1, 1)),
    "u": VarInfo(shape("k", 1), function_of="a"),
    "f": VarInfo(shape(1, 1), function_of="X"),
}
DIMS = frozenset({"n", "m", "p", "q", "k"})


def typed(text: str, differentials: frozenset[str] = frozenset(), layout: str = "denominator"):
    return check(parse(text), Scope(VARIABLES, DIMS, differentials, layout))


def shape_error(text: str, differentials: frozenset[str] = frozenset()) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        typed(text, differentials)
    return info.value


RESULTS = {
    "tr(A X B)": ("1", "1"),
    "a^T S a": ("1", "1"),
    "a^T X b": ("1", "1"),
    "A X B": ("p", "p"),
    "X^T": ("m", "n"),
    "S^{-1}": ("n", "n"),
    "S^{-T} a": ("n", "1"),
    "S^3": ("n", "n"),
    "diag(S)": ("n", "1"),
    "diagm(a)": ("n", "n"),
    "c X": ("n", "m"),
    "X c": ("n", "m"),
    "2 * X": ("n", "m"),
    "(a^T a) X": ("n", "m"),
    "X / c": ("n", "m"),
    "a^T a / n": ("1", "1"),
    "1/n a^T a": ("1", "1"),
    "exp.(X)": ("n", "m"),
    "X ∘ X": ("n", "m"),
    "X ./ X": ("n", "m"),
    "expm(S)": ("n", "n"),
    "norm(a)": ("1", "1"),
    "norm(r)": ("1", "1"),
    "norm_F(X)": ("1", "1"),
    "sum(X)": ("1", "1"),
    "log(det(S))": ("1", "1"),
    "I(q)": ("q", "q"),
    "zeros(n, 3)": ("n", "3"),
    "diff(u, a)": ("n", "k"),  # denominator layout: n×k
    "diff(f, X)": ("n", "m"),
    "c^{1/3}": ("1", "1"),
    "c^{-1/2}": ("1", "1"),
    "X^{∘2}": ("n", "m"),
    "a.^{1/2}": ("n", "1"),
    "tan.(X) ∘ arcsin.(X)": ("n", "m"),
}


@pytest.mark.parametrize("text", list(RESULTS))
def test_inferred_shape(text: str) -> None:
    assert typed(text).shape == shape(*RESULTS[text])


def test_every_node_of_a_typed_tree_has_a_shape() -> None:
    tree = typed("tr(A X B) + a^T S^{-1} a / n")
    assert all(node.shape is not None for node in tree.walk())


def test_kron_shape_is_the_product_of_shapes() -> None:
    assert typed("kron(X, C)").shape == Shape(Dim(1, ("n", "q")), Dim(1, ("m", "r")))
    assert typed("X ⊗ C").shape == typed("kron(X, C)").shape
    assert typed("a ⊗ b^T").shape == shape("n", "m")


def test_vec_stacks_columns_into_one_column() -> None:
    assert typed("vec(X)").shape == Shape(Dim(1, ("m", "n")), Dim())
    assert typed("vec(X^T)").shape == typed("vec(X)").shape
    assert typed("vec(C ⊗ S)").shape.cols.is_one


def test_kron_of_commuting_dimensions_is_square() -> None:
    # n·m × m·n is square: dimension names are sorted
    assert typed("X ⊗ X^T").shape.is_square
    assert typed("tr(X ⊗ X^T)").shape.is_scalar


def test_dimension_name_used_as_a_number() -> None:
    tree = typed("a^T a / n")
    assert isinstance(tree.right, ast.DimSize)
    assert tree.right.shape.is_scalar


def test_differential_of_a_varying_variable() -> None:
    tree = typed("A dX", differentials=frozenset({"X"}))
    assert isinstance(tree.right, ast.Differential)
    assert tree.shape == shape("p", "m")


def test_placeholder_derivative_takes_the_layout() -> None:
    numerator = typed("diff(u, a)", layout="numerator")
    assert numerator.shape == shape("k", "n")
    assert numerator.layout == "numerator"


# ---- errors ---------------------------------------------------------------------------------

ERRORS = [
    # text, message fragments, pos
    ("A B", ["matrix product of p×n and m×p", "inner dimensions n and m differ"], 0),
    ("a^T (A X)", ["matrix product of 1×n and p×m"], 0),
    ("X + B", ["a sum needs equal shapes", "n×m and m×p"], 0),
    ("S - X", ["a sum needs equal shapes"], 0),
    ("X ∘ S", ["an element-wise product needs equal shapes"], 0),
    ("X^{-1}", ["the inverse needs a square matrix, got n×m"], 1),
    ("X^2", ["the power ^2 needs a square matrix"], 1),
    ("tr(X)", ["tr() needs a square matrix, got n×m"], 0),
    ("det(A)", ["det() needs a square matrix"], 0),
    ("Z", ["undeclared symbol 'Z'", "declare it under variables"], 0),
    ("a + Y", ["undeclared symbol 'Y'"], 4),
    ("foo(X)", ["undeclared symbol 'foo'"], 0),
    ("exp(X)", ["exp() of a n×m value is ambiguous", "exp.(...)", "expm(...)"], 0),
    ("tanh(S)", ["write tanh.(...)"], 0),
    ("norm(X)", ["norm() is the Euclidean norm of a vector", "norm_F(X)"], 0),
    ("X * B", ["'*' needs a scalar on one side", "'A B'", "'A ∘ B'"], 0),
    ("X / a", ["division needs a 1×1 divisor, got n×1"], 0),
    ("diagm(X)", ["diagm() needs a column vector"], 0),
    ("I(z)", ["I(): 'z' is not a dimension"], 0),
    ("a + zeros(n, w)", ["zeros(): 'w' is not a dimension"], 4),
    ("diff(u, X)", ["u must be declared with function_of: X"], 0),
    ("diff(f, Y)", ["undeclared symbol 'Y' in diff()"], 0),
    ("S^{1/2}", ["a fractional power is for 1×1 values", "^{∘1/2}", "sqrtm(X)"], 1),
    ("a^{-1/3}", ["the power ^{-1/3} of a n×1 value", "^{∘-1/3}"], 1),
    ("tan(a)", ["write tan.(...)"], 0),
]


@pytest.mark.parametrize(("text", "fragments", "pos"), ERRORS, ids=[e[0] for e in ERRORS])
def test_shape_errors(text: str, fragments: list[str], pos: int) -> None:
    error = shape_error(text)
    for fragment in fragments:
        assert fragment in error.message
    assert error.pos == pos


def test_differential_of_a_variable_that_does_not_vary() -> None:
    error = shape_error("A dX + dS", differentials=frozenset({"X"}))
    assert "'dS' is the differential of S, which does not vary here" in error.message
    assert "(only X varies)" in error.message
    assert error.pos == 7


def test_differential_where_nothing_varies() -> None:
    error = shape_error("A dX")
    assert "'dX' is the differential of X, which does not vary here" in error.message
    assert "varies)" not in error.message
    assert error.pos == 2


def test_identity_of_a_dimension_no_variable_has() -> None:
    scope = Scope({"X": VarInfo(shape("n", "n"))}, frozenset({"n"}))
    assert check(parse("X + I(n)"), scope).shape == shape("n", "n")
    with pytest.raises(ShapeError, match=r"I\(\): 'q' is not a dimension"):
        check(parse("X + I(q)"), scope)


def test_error_position_of_an_inner_product() -> None:
    # in `tr(S) + A B` the failing product starts at A, offset 8
    error = shape_error("tr(S) + A B")
    assert error.pos == 8


# ---- a property: products of conforming chains, errors for non-conforming ones -----------

DIM_NAMES = ["n", "m", "p", "q", "k"]


@given(st.lists(st.sampled_from(DIM_NAMES), min_size=2, max_size=7))
def test_chain_of_conforming_products(dims: list[str]) -> None:
    variables = {f"M{i}": VarInfo(shape(dims[i], dims[i + 1])) for i in range(len(dims) - 1)}
    text = " ".join(variables)
    tree = check(parse(text), Scope(variables, frozenset(DIM_NAMES)))
    assert tree.shape == shape(dims[0], dims[-1])
    transposed = " ".join(f"{name}^T" for name in reversed(variables))
    assert check(parse(transposed), Scope(variables, frozenset(DIM_NAMES))).shape == tree.shape.T


@given(st.lists(st.sampled_from(DIM_NAMES), min_size=3, max_size=6), st.data())
def test_one_broken_link_is_a_shape_error(dims: list[str], data: st.DataObject) -> None:
    broken = data.draw(st.integers(0, len(dims) - 3))
    shapes = [(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    rows, cols = shapes[broken + 1]
    wrong = next(d for d in DIM_NAMES if d != rows)
    shapes[broken + 1] = (wrong, cols)
    variables = {f"M{i}": VarInfo(shape(*s)) for i, s in enumerate(shapes)}
    with pytest.raises(ShapeError, match="inner dimensions"):
        check(parse(" ".join(variables)), Scope(variables, frozenset(DIM_NAMES)))
