"""Builders of typed trees: each node is made with its shape, so the engine never re-runs
the shape checker on what it writes. ``None`` stands for a zero term."""

from __future__ import annotations

from fractions import Fraction

from kb import ast
from kb.dims import SCALAR, Shape
from kb.layouts import transpose
from kb.printer import to_text

# Memo tables keyed by id(node). Each entry holds the node itself, so the id cannot be reused
# by another object while the entry exists; the tables are emptied when they grow large.
_MEMO: dict[tuple[int, str], tuple[ast.Node, object]] = {}
_MEMO_LIMIT = 50_000
_D, _PENDING = "∂", "∂()"  # markers in a tree's name set; no variable name has these


def _memo(node: ast.Node, what: str, compute):
    entry = _MEMO.get((id(node), what))
    if entry is not None and entry[0] is node:
        return entry[1]
    if len(_MEMO) > _MEMO_LIMIT:
        _MEMO.clear()
    value = compute(node)
    _MEMO[(id(node), what)] = (node, value)
    return value


def key(node: ast.Node) -> str:
    """A node's identity for comparisons: its text (positions and shapes play no part)."""
    return _memo(node, "key", to_text)


def _names(node: ast.Node) -> frozenset[str]:
    """Variables and differentials a tree mentions, with markers that no name can be: "∂X"
    for dX, "∂" for any differential, "∂()" for a pending diff(...)."""
    out: set[str] = set()
    if isinstance(node, ast.Sym):
        out.add(node.name)
    elif isinstance(node, ast.Differential):
        out |= {node.name, _D + node.name, _D}
    elif isinstance(node, ast.DifferentialOf):
        out |= {_D, _PENDING}
    for child in node.children():
        out |= names(child)
    return frozenset(out)


def names(node: ast.Node) -> frozenset[str]:
    return _memo(node, "names", _names)


def depends(node: ast.Node, wrt: str) -> bool:
    """True when the tree mentions the variable ``wrt`` (or its differential)."""
    return wrt in names(node)


def has_differential(node: ast.Node) -> bool:
    return _D in names(node)


def has_pending(node: ast.Node) -> bool:
    """True when a diff(...) is still to be expanded."""
    return _PENDING in names(node)


def mentions_differential(node: ast.Node, wrt: str) -> bool:
    """True when the tree holds d(wrt)."""
    return _D + wrt in names(node)


def variables(node: ast.Node) -> set[str]:
    """The variables a tree mentions, differentials included (dX counts as X)."""
    return {n.removeprefix(_D) for n in names(node) if n not in (_D, _PENDING)}


def num(value: Fraction | int) -> ast.Node:
    value = Fraction(value)
    if value.denominator == 1:
        return ast.Num(float(value), str(value.numerator), shape=SCALAR)
    return ast.Div(num(value.numerator), num(value.denominator), shape=SCALAR)


def mul(a: ast.Node | None, b: ast.Node | None) -> ast.Node | None:
    if a is None or b is None:
        return None
    if a.shape.is_scalar:
        shape = b.shape
    elif b.shape.is_scalar:
        shape = a.shape
    else:
        shape = Shape(a.shape.rows, b.shape.cols)
    return ast.MatMul(a, b, shape=shape)


def prod(*factors: ast.Node | None) -> ast.Node | None:
    out = factors[0]
    for f in factors[1:]:
        out = mul(out, f)
    return out


def add(a: ast.Node | None, b: ast.Node | None) -> ast.Node | None:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(b, ast.Neg):
        return ast.Sub(a, b.arg, shape=a.shape)
    return ast.Add(a, b, shape=a.shape)


def sub(a: ast.Node | None, b: ast.Node | None) -> ast.Node | None:
    if b is None:
        return a
    if a is None:
        return neg(b)
    return ast.Sub(a, b, shape=a.shape)


def neg(a: ast.Node | None) -> ast.Node | None:
    if a is None:
        return None
    if isinstance(a, ast.Neg):
        return a.arg
    return ast.Neg(a, shape=a.shape)


def div(a: ast.Node | None, c: ast.Node) -> ast.Node | None:
    return None if a is None else ast.Div(a, c, shape=a.shape)


def T(a: ast.Node | None, symmetric: frozenset[str] = frozenset()) -> ast.Node | None:
    """The transpose, pushed down to the leaves (a 1×1 value is its own transpose)."""
    return None if a is None else transpose(a, symmetric)


def raw_T(a: ast.Node | None) -> ast.Node | None:
    """The transpose as written, not pushed down: (dX)^T stays one node."""
    if a is None or a.shape.is_scalar:
        return a
    return ast.Transpose(a, shape=a.shape.T)


def inv(a: ast.Node) -> ast.Node:
    return ast.Inverse(a, shape=a.shape)


def power(a: ast.Node, k: int) -> ast.Node:
    if k == 1:
        return a
    return ast.Power(a, k, shape=a.shape)


def call(func: str, arg: ast.Node, shape: Shape, elementwise: bool = False) -> ast.Node:
    return ast.Call(func, (arg,), elementwise, shape=shape)


def tr(a: ast.Node | None) -> ast.Node | None:
    if a is None:
        return None
    if a.shape.is_scalar:
        return a
    return call("tr", a, SCALAR)


def hadamard(a: ast.Node | None, b: ast.Node | None) -> ast.Node | None:
    if a is None or b is None:
        return None
    return ast.Hadamard(a, b, shape=a.shape)


def hadamard_div(a: ast.Node | None, b: ast.Node) -> ast.Node | None:
    return None if a is None else ast.HadamardDiv(a, b, shape=a.shape)


def kron(a: ast.Node | None, b: ast.Node | None) -> ast.Node | None:
    if a is None or b is None:
        return None
    shape = Shape(a.shape.rows * b.shape.rows, a.shape.cols * b.shape.cols)
    return ast.Kron(a, b, shape=shape)


def identity(n) -> ast.Node:
    name = str(n)
    return ast.ConstMatrix("I", name, name, shape=Shape(n, n))


def ones(rows, cols) -> ast.Node:
    return ast.ConstMatrix("ones", str(rows), str(cols), shape=Shape(rows, cols))


def differential(name: str, shape: Shape) -> ast.Node:
    return ast.Differential(name, shape=shape)


def size(node: ast.Node) -> int:
    """The number of nodes: the tidiness measure."""
    return sum(1 for _ in node.walk())
