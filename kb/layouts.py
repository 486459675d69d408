"""Layouts: the kind of a derivative, its shape in each layout, and the other layout.

Numerator layout lays a derivative out by the numerator (the Jacobian: ∂y/∂x of y (m×1) by
x (n×1) is m×n); denominator layout is its transpose (n×m, and the gradient of a scalar has
the variable's shape). For every kind the two layouts are transposes of each other, so a
record states one and :func:`other_layout` derives the other by pushing a transpose through
the tree. A row-vector-valued expression by a column vector is laid out as its transpose
(seed 001, A.5).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from kb import ast
from kb.dims import SCALAR, Dim, Shape
from kb.functions import FUNCTIONS

LAYOUTS = ("denominator", "numerator")


class Kind(StrEnum):
    SCALAR_BY_SCALAR = "scalar-by-scalar"
    SCALAR_BY_VECTOR = "scalar-by-vector"
    SCALAR_BY_MATRIX = "scalar-by-matrix"
    VECTOR_BY_SCALAR = "vector-by-scalar"
    VECTOR_BY_VECTOR = "vector-by-vector"
    MATRIX_BY_SCALAR = "matrix-by-scalar"


def kind_of(value: Shape, wrt: Shape) -> Kind | None:
    """The kind of ∂value/∂wrt, or None when it has no matrix form (use a differential)."""
    if value.is_scalar:
        if wrt.is_scalar:
            return Kind.SCALAR_BY_SCALAR
        return Kind.SCALAR_BY_VECTOR if wrt.is_column else Kind.SCALAR_BY_MATRIX
    if wrt.is_scalar:
        return Kind.VECTOR_BY_SCALAR if value.is_column else Kind.MATRIX_BY_SCALAR
    if wrt.is_column and (value.is_column or value.is_row):
        return Kind.VECTOR_BY_VECTOR
    return None


def other(layout: str) -> str:
    return "numerator" if layout == "denominator" else "denominator"


def derivative_shape(value: Shape, wrt: Shape, layout: str) -> Shape | None:
    """The shape of ∂value/∂wrt in ``layout``, or None if there is no matrix form."""
    kind = kind_of(value, wrt)
    if kind is None:
        return None
    if value.is_scalar:
        numerator = wrt.T
    elif wrt.is_scalar:
        numerator = value
    else:
        length = value.rows if value.is_column else value.cols
        numerator = Shape(length, wrt.rows)
    return numerator if layout == "numerator" else numerator.T


def transpose(node: ast.Node, symmetric: frozenset[str] = frozenset()) -> ast.Node:
    """The transpose of a typed tree, pushed down to the leaves where that reads well.

    ``symmetric`` names the variables known to be symmetric, whose transpose is themselves.
    A ``diff(u, x)`` node flips to the other layout, which is its transpose.
    """
    shape = node.shape.T if node.shape is not None else None
    if node.shape is not None and node.shape.is_scalar:
        return node

    def t(n: ast.Node) -> ast.Node:
        return transpose(n, symmetric)

    match node:
        case ast.Sym(name=name) if name in symmetric:
            return node
        case ast.Transpose(arg=arg):
            return arg
        case ast.Neg(arg=arg):
            return replace(node, arg=t(arg), shape=shape)
        case ast.Inverse(arg=arg) | ast.Power(arg=arg) | ast.RationalPower(arg=arg):
            return replace(node, arg=t(arg), shape=shape)
        case ast.MatMul():
            # (c A B)^T = c B^T A^T, built left to right so it reads without parentheses.
            factors = _factors(node)
            scalars = [f for f in factors if f.shape.is_scalar]
            matrices = [t(f) for f in reversed(factors) if not f.shape.is_scalar]
            out, *rest = scalars + matrices
            for factor in rest:
                rows = factor.shape.rows if out.shape.is_scalar else out.shape.rows
                out = ast.MatMul(out, factor, pos=node.pos, shape=Shape(rows, factor.shape.cols))
            return out
        case ast.Add() | ast.Sub() | ast.Hadamard() | ast.HadamardDiv() | ast.Kron():
            return replace(node, left=t(node.left), right=t(node.right), shape=shape)
        case ast.Div(left=left):
            return replace(node, left=t(left), shape=shape)
        case ast.Summation(body=body):
            return replace(node, body=t(body), shape=shape)
        case ast.ConstMatrix(kind=kind, rows=rows, cols=cols):
            return replace(node, rows=cols, cols=rows, shape=shape) if kind != "I" else node
        case ast.DerivativeOf(layout=layout):
            return replace(node, layout=other(layout), shape=shape)
        case ast.Call(func=func, args=(arg,)) if node.elementwise or (
            FUNCTIONS[func].transpose == "commutes"
        ):
            return replace(node, args=(t(arg),), shape=shape)
        case ast.Call(func=func) if FUNCTIONS[func].transpose == "symmetric":
            return node
    return ast.Transpose(node, pos=node.pos, shape=shape)


def _factors(node: ast.Node) -> list[ast.Node]:
    """The factors of a product chain, in order; a 1×1 sub-product is one scalar factor."""
    if isinstance(node, ast.MatMul) and not node.shape.is_scalar:
        return _factors(node.left) + _factors(node.right)
    return [node]


def other_layout(derivative: ast.Node, layout: str,
                 symmetric: frozenset[str] = frozenset()) -> ast.Node:
    """A derivative stated in ``layout``, in the other layout: its transpose, simplified.

    Every ``diff(u, x)`` of the result is in the other layout too, so the tree reads the same
    way throughout.
    """
    return relayout(transpose(derivative, symmetric), other(layout))


def relayout(node: ast.Node, layout: str) -> ast.Node:
    """Rewrite every ``diff(u, x)`` into ``layout``: a derivative in the other layout is the
    transpose of the one in this layout."""
    if isinstance(node, ast.DerivativeOf):
        if node.layout == layout or node.shape.is_scalar:
            return replace(node, layout=layout)
        flipped = replace(node, layout=layout, shape=node.shape.T)
        return ast.Transpose(flipped, pos=node.pos, shape=node.shape)
    out = ast.map_children(node, lambda child: relayout(child, layout))
    if isinstance(out, ast.Transpose) and isinstance(out.arg, ast.Transpose):
        return out.arg.arg
    return out


def differential_of(
    numerator: ast.Node, value: Shape, wrt_name: str, wrt: Shape
) -> ast.Node:
    """The differential form dF of a derivative given in numerator layout ``J``.

    Scalar by matrix: dF = tr(J dX) (for a vector, J dx); by a scalar: dF = J dx;
    vector by vector: dF = J dx.
    """
    d = ast.Differential(wrt_name, shape=wrt)
    if value.is_scalar and not wrt.is_scalar and not wrt.is_column:
        product = ast.MatMul(numerator, d, shape=Shape(wrt.cols, wrt.cols))
        return ast.Call("tr", (product,), shape=SCALAR)
    if wrt.is_scalar:
        return ast.MatMul(numerator, d, shape=numerator.shape)
    product = ast.MatMul(numerator, d, shape=Shape(numerator.shape.rows, Dim()))
    # A row-vector-valued F is laid out as its transpose (A.5): dF = (J dx)^T.
    return ast.Transpose(product, shape=product.shape.T) if value.is_row else product
