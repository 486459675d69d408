"""A record's tree restated in a user's terms: names, dimensions and integer exponents.

When a user's ``tr(X^3)`` matches the record ``tr(X^k)``, the record's result
``k (X^{k-1})^T`` becomes ``3 (X^2)^T``: variables and dimensions are renamed, integer
variables replaced by their value, powers with a now-constant exponent folded (``X^0`` is
``I(n)``, ``X^1`` is ``X``), finite sums with constant bounds written out term by term, and
the factors that this leaves as ``1`` or ``I`` dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from kb import ast
from kb.dims import Dim

MAX_UNROLLED = 8
"""A finite sum with constant bounds is written out when it has at most this many terms."""


def in_user_terms(tree: ast.Node, names: Mapping[str, str], dims: Mapping[str, str],
                  integers: Mapping[str, int]) -> ast.Node:
    """``tree`` with variables renamed by ``names``, dimensions by ``dims``, and the integer
    variables of ``integers`` replaced by their values (then folded, see the module)."""
    return _Specializer(names, dims).run(tree, dict(integers))


class _Specializer:
    def __init__(self, names: Mapping[str, str], dims: Mapping[str, str]) -> None:
        self.names, self.dims = names, dims

    def dim(self, name: str) -> str:
        return self.dims.get(name, name)

    def run(self, node: ast.Node, ints: dict[str, int]) -> ast.Node:
        match node:
            case ast.Sym(name=name) if name in ints:
                return _number(ints[name], node)
            case ast.Index(name=name) if name in ints:
                return _number(ints[name], node)
            case ast.Sym(name=name) | ast.Differential(name=name):
                return replace(node, name=self.names.get(name, name))
            case ast.DimSize(name=name):
                return replace(node, name=self.dim(name))
            case ast.DerivativeOf(func=func, wrt=wrt):
                return replace(node, func=self.names.get(func, func),
                               wrt=self.names.get(wrt, wrt))
            case ast.ConstMatrix(rows=rows, cols=cols):
                return replace(node, rows=self.dim(rows), cols=self.dim(cols))
            case ast.Power():
                return self.power(node, ints)
            case ast.Summation():
                return self.summation(node, ints)
            case ast.MatMul():
                return _drop_units(ast.map_children(node, lambda c: self.run(c, ints)))
        return ast.map_children(node, lambda child: self.run(child, ints))

    def power(self, node: ast.Power, ints: dict[str, int]) -> ast.Node:
        arg = self.run(node.arg, ints)
        const = node.exponent + sum(c * ints[n] for n, c in node.symbolic if n in ints)
        rest = tuple((self.names.get(n, n), c) for n, c in node.symbolic if n not in ints)
        if rest:
            return replace(node, arg=arg, exponent=const, symbolic=rest)
        if const == 0:
            rows = node.shape.rows if node.shape is not None else Dim()
            return ast.ConstMatrix("I", self.dim(str(rows)), self.dim(str(rows)), shape=node.shape)
        if const == 1:
            return arg
        if const < 0:
            inner = arg if const == -1 else ast.Power(arg, -const, shape=node.shape)
            return ast.Inverse(inner, shape=node.shape)
        return replace(node, arg=arg, exponent=const, symbolic=())

    def summation(self, node: ast.Summation, ints: dict[str, int]) -> ast.Node:
        bounds = [_constant(b, ints) for b in (node.lower, node.upper)]
        if None in bounds or bounds[1] - bounds[0] + 1 > MAX_UNROLLED:
            lower, upper = (_partial(b, ints, self.names) for b in (node.lower, node.upper))
            return replace(node, lower=lower, upper=upper, body=self.run(node.body, ints))
        low, high = bounds
        terms = [self.run(node.body, {**ints, node.index: r}) for r in range(low, high + 1)]
        if not terms:
            shape = node.shape
            return ast.ConstMatrix("zeros", self.dim(str(shape.rows)), self.dim(str(shape.cols)),
                                   shape=shape)
        total = terms[0]
        for term in terms[1:]:
            total = ast.Add(total, term, shape=node.shape)
        return total


def _number(value: int, node: ast.Node) -> ast.Node:
    if value < 0:
        return ast.Neg(ast.Num(float(-value), str(-value), shape=node.shape), shape=node.shape)
    return ast.Num(float(value), str(value), shape=node.shape)


def _constant(expr: ast.IntExpr, ints: Mapping[str, int]) -> int | None:
    if not expr.names <= set(ints):
        return None
    return expr.const + sum(c * ints[n] for n, c in expr.terms)


def _partial(expr: ast.IntExpr, ints: Mapping[str, int], names: Mapping[str, str]) -> ast.IntExpr:
    const = expr.const + sum(c * ints[n] for n, c in expr.terms if n in ints)
    return ast.IntExpr(const, tuple((names.get(n, n), c) for n, c in expr.terms if n not in ints))


def _drop_units(node: ast.Node) -> ast.Node:
    """``1 A`` is ``A``; ``I A`` and ``A I`` are ``A`` when A is a matrix (``I s`` is not s)."""
    if not isinstance(node, ast.MatMul):
        return node
    left, right = node.left, node.right
    if isinstance(left, ast.Num) and left.value == 1:
        return right
    if isinstance(right, ast.Num) and right.value == 1:
        return left
    for unit, other in ((left, right), (right, left)):
        if (isinstance(unit, ast.ConstMatrix) and unit.kind == "I" and other.shape is not None
                and not other.shape.is_scalar):
            return other
    return node
