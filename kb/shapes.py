"""Shape inference: an untyped syntax tree and the declared variables to a typed tree.

Every node of the returned tree carries its :class:`~kb.dims.Shape`. Names resolve to a
declared variable, to a dimension used as a number (``/ n``), or, where the statement allows
it, to a differential ``dX``. Anything else is a :class:`ShapeError` at the node's position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, replace
from typing import Any

from kb import ast
from kb.dims import SCALAR, Dim, Shape
from kb.functions import FUNCTIONS, DomainError
from kb.layouts import derivative_shape
from kb.limits import LARGEST_NAMED_SIZE, MAX_ENTRIES, MAX_INTEGER, MAX_SUM_TERMS
from kb.structures import Structure


class ShapeError(ValueError):
    """A tree that does not type-check; ``pos`` is the offset of the offending node."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    code = "KB303"


class UndeclaredError(ShapeError):
    """A name that is not declared (or not usable where it stands): the writer's mistake,
    never evidence about the mathematics."""

    code = "KB302"


class RangeError(ShapeError):
    """Summations whose ranges, given the integers' ranges, exceed :data:`MAX_SUM_TERMS`."""

    code = "KB308"


@dataclass(frozen=True)
class VarSpec:
    shape: Shape
    structure: frozenset[Structure] = frozenset()
    function_of: str | None = None
    integer: tuple[int, int] | None = None


@dataclass(frozen=True)
class VarInfo:
    """What the checker needs to know of a declared variable."""

    shape: Shape
    function_of: str | None = None
    integer: bool = False
    integer_range: tuple[int, int] | None = None
    """An integer variable's declared range; unknown ranges count as ±MAX_INTEGER."""


@dataclass(frozen=True)
class Scope:
    variables: Mapping[str, VarInfo]
    dimensions: Set[str] = frozenset()
    differentials: Set[str] = frozenset()
    """Variables whose differential ``dX`` may appear."""
    layout: str = "denominator"
    indices: Set[str] = frozenset()
    """Summation indices in scope."""
    steps: bool = False
    """In a derivation step: diff(expr, x) and diff(expr) are allowed, and every variable
    has a differential (that of a constant is zero)."""
    index_ranges: tuple[tuple[str, tuple[int, int]], ...] = ()
    """The range of each summation index in scope."""
    sum_terms: int = 1
    """Evaluations of the innermost body so far: the product of the enclosing ranges."""

    def integer(self, name: str) -> bool:
        info = self.variables.get(name)
        return name in self.indices or (info is not None and info.integer)

    def int_range(self, name: str) -> tuple[int, int]:
        """The values an integer variable or summation index can take."""
        ranges = dict(self.index_ranges)
        info = self.variables.get(name)
        if name in ranges:
            return ranges[name]
        return (info.integer_range if info is not None and info.integer_range is not None
                else (-MAX_INTEGER, MAX_INTEGER))


def check(node: ast.Node, scope: Scope) -> ast.Node:
    """Return ``node`` with shapes on every node, or raise :class:`ShapeError`."""
    method = _RULES.get(type(node))
    if method is None:  # pragma: no cover - every node class has a rule
        raise ShapeError(f"internal: no shape rule for {type(node).__name__}", node.pos)
    typed = method(node, scope)
    entries = _largest(typed.shape.rows) * _largest(typed.shape.cols)
    if entries > MAX_ENTRIES:
        raise RangeError(f"this {_fmt(typed.shape)} value can have {entries} entries, over the "
                         f"limit of {MAX_ENTRIES} (kb/limits.py)", node.pos)
    return typed


def _largest(dim: Dim) -> int:
    """A dimension's size with every name at the largest size a verification gives one."""
    return dim.coefficient * LARGEST_NAMED_SIZE ** len(dim.names)


def _fmt(shape: Shape) -> str:
    return str(shape)


def _num(node: ast.Num, scope: Scope) -> ast.Node:
    return node.with_shape(SCALAR)


def _sym(node: ast.Sym, scope: Scope) -> ast.Node:
    name = node.name
    if name in scope.variables:
        return node.with_shape(scope.variables[name].shape)
    if name in scope.indices:
        return ast.Index(name, pos=node.pos, shape=SCALAR)
    if name.startswith("d") and name[1:] in scope.variables:
        base = name[1:]
        if base not in scope.differentials and not scope.steps:
            raise UndeclaredError(
                f"'{name}' is the differential of {base}, which does not vary here"
                + (f" (only {', '.join(sorted(scope.differentials))} varies)"
                   if scope.differentials else ""),
                node.pos,
            )
        return ast.Differential(base, pos=node.pos, shape=scope.variables[base].shape)
    if name in scope.dimensions:
        return ast.DimSize(name, pos=node.pos, shape=SCALAR)
    raise UndeclaredError(f"undeclared symbol '{name}': declare it under variables", node.pos)


def _unary_same(node, scope: Scope) -> ast.Node:
    arg = check(node.arg, scope)
    return replace(node, arg=arg, shape=arg.shape)


def _transpose(node: ast.Transpose, scope: Scope) -> ast.Node:
    arg = check(node.arg, scope)
    return replace(node, arg=arg, shape=arg.shape.T)


def _square(node, scope: Scope, what: str) -> ast.Node:
    arg = check(node.arg, scope)
    if not arg.shape.is_square:
        raise ShapeError(f"{what} needs a square matrix, got {_fmt(arg.shape)}", node.pos)
    return replace(node, arg=arg, shape=arg.shape)


def _inverse(node: ast.Inverse, scope: Scope) -> ast.Node:
    return _square(node, scope, "the inverse")


def _integers(names: set[str], scope: Scope, pos: int, where: str) -> None:
    for name in sorted(names):
        if not scope.integer(name):
            raise UndeclaredError(
                f"'{name}' in {where} must be an integer variable (declared with "
                "integer: [low, high]) or a summation index", pos)


def _power(node: ast.Power, scope: Scope) -> ast.Node:
    _integers({name for name, _ in node.symbolic}, scope, node.pos, "an exponent")
    power = str(node.power)
    return _square(node, scope, f"the power ^{power if len(power) == 1 else '{' + power + '}'}")


def _summation(node: ast.Summation, scope: Scope) -> ast.Node:
    if node.index in scope.variables or node.index in scope.indices:
        raise ShapeError(f"the summation index '{node.index}' is already a name here", node.pos)
    _integers(node.lower.names | node.upper.names, scope, node.pos, "a summation bound")
    low, high = _interval(node.lower, scope)[0], _interval(node.upper, scope)[1]
    terms = scope.sum_terms * max(high - low + 1, 1)
    if terms > MAX_SUM_TERMS:
        raise RangeError(f"this summation runs from {low} to {high}, so its body would be "
                         f"evaluated {terms} times, over the limit of {MAX_SUM_TERMS} "
                         "(kb/limits.py): narrow the bounds or the integers' ranges", node.pos)
    body = check(node.body, replace(
        scope, indices=scope.indices | {node.index}, sum_terms=terms,
        index_ranges=(*scope.index_ranges, (node.index, (low, high)))))
    return replace(node, body=body, shape=body.shape)


def _interval(expr: ast.IntExpr, scope: Scope) -> tuple[int, int]:
    """The smallest and largest value of an integer expression over the integers' ranges."""
    low = high = expr.const
    for name, coef in expr.terms:
        ends = [coef * end for end in scope.int_range(name)]
        low, high = low + min(ends), high + max(ends)
    return low, high


def _binary(node: ast.Binary, scope: Scope) -> tuple[ast.Node, ast.Node]:
    return check(node.left, scope), check(node.right, scope)


def _same_shape(node: ast.Binary, scope: Scope, what: str) -> ast.Node:
    left, right = _binary(node, scope)
    if left.shape != right.shape:
        raise ShapeError(
            f"{what} needs equal shapes, got {_fmt(left.shape)} and {_fmt(right.shape)}", node.pos
        )
    return replace(node, left=left, right=right, shape=left.shape)


def _add(node, scope):
    return _same_shape(node, scope, "a sum")


def _hadamard(node, scope):
    return _same_shape(node, scope, "an element-wise product")


def _matmul(node: ast.MatMul, scope: Scope) -> ast.Node:
    left, right = _binary(node, scope)
    if left.shape.is_scalar:
        return replace(node, left=left, right=right, shape=right.shape)
    if right.shape.is_scalar:
        return replace(node, left=left, right=right, shape=left.shape)
    if node.explicit:
        raise ShapeError(
            "'*' needs a scalar on one side: write 'A B' for the matrix product "
            "or 'A ∘ B' for the element-wise product",
            node.pos,
        )
    if left.shape.cols != right.shape.rows:
        raise ShapeError(
            f"matrix product of {_fmt(left.shape)} and {_fmt(right.shape)}: "
            f"inner dimensions {left.shape.cols} and {right.shape.rows} differ",
            node.pos,
        )
    return replace(node, left=left, right=right, shape=Shape(left.shape.rows, right.shape.cols))


def _div(node: ast.Div, scope: Scope) -> ast.Node:
    left, right = _binary(node, scope)
    if not right.shape.is_scalar:
        raise ShapeError(f"division needs a 1×1 divisor, got {_fmt(right.shape)}", node.pos)
    return replace(node, left=left, right=right, shape=left.shape)


def _kron(node: ast.Kron, scope: Scope) -> ast.Node:
    left, right = _binary(node, scope)
    shape = FUNCTIONS["kron"].shape("kron", (left.shape, right.shape))
    return replace(node, left=left, right=right, shape=shape)


def _call(node: ast.Call, scope: Scope) -> ast.Node:
    """The spec's shape rule (:mod:`kb.functions`); a scalar function of a non-1×1 value must
    say whether it is meant element-wise or as the matrix function."""
    spec = FUNCTIONS[node.func]
    name = node.func
    if spec.domain == "spectral":
        matrix, index = node.args
        if not (isinstance(index, ast.Num) and index.text.isdigit() and int(index.text) >= 1):
            raise ShapeError(f"{name}(A, k): k is a positive integer (1 = the smallest)",
                             index.pos)
        args: tuple[ast.Node, ...] = (check(matrix, scope), index.with_shape(SCALAR))
        shapes: tuple[Shape, ...] = (args[0].shape,)
    else:
        args = tuple(check(a, scope) for a in node.args)
        shapes = tuple(a.shape for a in args)
    if spec.scalar and not node.elementwise and not shapes[0].is_scalar:
        raise ShapeError(
            f"{name}() of a {_fmt(shapes[0])} value is ambiguous: write {name}.(...) for the "
            "element-wise function"
            + (f" or {name}m(...) for the matrix function" if f"{name}m" in FUNCTIONS else ""),
            node.pos,
        )
    try:
        result = spec.shape(name, shapes)
    except DomainError as exc:
        raise ShapeError(str(exc), node.pos) from None
    return replace(node, args=args, shape=result)


def _rational_power(node: ast.RationalPower, scope: Scope) -> ast.Node:
    arg = check(node.arg, scope)
    if not node.elementwise and not arg.shape.is_scalar:
        raise ShapeError(
            f"the power ^{{{node.exponent_text}}} of a {_fmt(arg.shape)} value: a fractional "
            f"power is for 1×1 values; write ^{{∘{node.exponent_text}}} for the element-wise "
            "power" + (" or sqrtm(X) for the matrix square root" if node.den == 2 else ""),
            node.pos)
    return replace(node, arg=arg, shape=arg.shape)


def _const(node: ast.ConstMatrix, scope: Scope) -> ast.Node:
    dims = []
    for dim in (node.rows, node.cols):
        if not dim.isdigit() and dim not in scope.dimensions:
            raise UndeclaredError(
                f"{node.kind}(): '{dim}' is not a dimension of this record's variables", node.pos
            )
        dims.append(Dim.parse(dim))
    return node.with_shape(Shape(*dims))


def _derivative_of(node: ast.DerivativeOf, scope: Scope) -> ast.Node:
    func = scope.variables.get(node.func)
    wrt = scope.variables.get(node.wrt)
    if func is None or wrt is None:
        missing = node.func if func is None else node.wrt
        raise UndeclaredError(f"undeclared symbol '{missing}' in diff()", node.pos)
    if func.function_of is None and scope.steps:
        return check(ast.NumericDerivative(ast.Sym(node.func, pos=node.pos), node.wrt,
                                           pos=node.pos), scope)
    if func.function_of != node.wrt:
        raise ShapeError(
            f"diff({node.func}, {node.wrt}): {node.func} must be declared "
            f"with function_of: {node.wrt}",
            node.pos,
        )
    if node.order == 2 and not wrt.shape.is_scalar:
        raise ShapeError(f"diff({node.func}, {node.wrt}, 2): second derivatives are taken "
                         "by a scalar only", node.pos)
    shape = derivative_shape(func.shape, wrt.shape, scope.layout)
    if shape is None:
        raise ShapeError(
            f"diff({node.func}, {node.wrt}): no derivative of a {_fmt(func.shape)} value by a "
            f"{_fmt(wrt.shape)} variable in matrix form",
            node.pos,
        )
    return replace(node, layout=scope.layout, shape=shape)


def _numeric_derivative(node: ast.NumericDerivative, scope: Scope) -> ast.Node:
    if not scope.steps:
        raise ShapeError("diff(expr, x) of an expression is only for derivation steps: a "
                         "result must be a formula", node.pos)
    arg = check(node.arg, scope)
    wrt = scope.variables.get(node.wrt)
    if wrt is None:
        raise UndeclaredError(f"undeclared symbol '{node.wrt}' in diff()", node.pos)
    shape = derivative_shape(arg.shape, wrt.shape, scope.layout)
    if shape is None:
        raise ShapeError(f"diff(): no derivative of a {_fmt(arg.shape)} value by a "
                         f"{_fmt(wrt.shape)} variable in matrix form", node.pos)
    return replace(node, arg=arg, layout=scope.layout, shape=shape)


def _differential_of(node: ast.DifferentialOf, scope: Scope) -> ast.Node:
    if not scope.steps:
        raise ShapeError("diff(expr) is only for derivation steps: write the differential "
                         "out with dX", node.pos)
    arg = check(node.arg, scope)
    return replace(node, arg=arg, shape=arg.shape)


_RULES: dict[type, Callable[[Any, Scope], ast.Node]] = {
    ast.Num: _num,
    ast.Sym: _sym,
    ast.Neg: _unary_same,
    ast.Transpose: _transpose,
    ast.Inverse: _inverse,
    ast.Power: _power,
    ast.RationalPower: _rational_power,
    ast.Add: _add,
    ast.Sub: _add,
    ast.MatMul: _matmul,
    ast.Div: _div,
    ast.Hadamard: _hadamard,
    ast.HadamardDiv: _hadamard,
    ast.Kron: _kron,
    ast.Call: _call,
    ast.ConstMatrix: _const,
    ast.DerivativeOf: _derivative_of,
    ast.Summation: _summation,
    ast.NumericDerivative: _numeric_derivative,
    ast.DifferentialOf: _differential_of,
}
