"""Numerical evaluation of typed syntax trees on a batch of draws.

Every value is an array of shape ``(batch, rows, cols)``: matmul, inv, det and the other
numpy linear-algebra routines broadcast over the leading axis, so one tree walk evaluates a
record on all of its draws at once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from kb import ast
from kb.differences import STEP, richardson
from kb.functions import FUNCTIONS
from kb.linalg import kron, real_power, unvec, vec

__all__ = ["Env", "evaluate", "implementation", "kron", "unvec", "vec"]

Array = np.ndarray


@dataclass
class Env:
    """The values a tree is evaluated with."""

    batch: int
    values: Mapping[str, Array]
    sizes: Mapping[str, int]
    differentials: Mapping[str, Array] = field(default_factory=dict)
    jacobians: Mapping[tuple[str, str, int], Array] = field(default_factory=dict)
    """numerator-layout derivatives of placeholder functions, by (function, variable, order)."""
    integers: Mapping[str, np.ndarray] = field(default_factory=dict)
    """summation indices in scope: one integer per draw."""

    def integer(self, name: str) -> np.ndarray:
        """An integer variable or summation index, one value per draw."""
        if name in self.integers:
            return self.integers[name]
        return np.rint(self.values[name][:, 0, 0]).astype(int)

    def shifted(self, deltas: Mapping[str, Array]) -> Env:
        """The same draws with some variables moved (placeholders are not re-evaluated)."""
        values = {name: value + deltas[name] if name in deltas else value
                  for name, value in self.values.items()}
        return Env(self.batch, values, self.sizes, self.differentials, self.jacobians,
                   self.integers)

    def subset(self, rows: np.ndarray, **integers: int) -> Env:
        """The draws ``rows`` only, with summation indices bound."""
        def pick(table):
            return {key: value[rows] for key, value in table.items()}

        bound = pick(self.integers) | {k: np.full(rows.size, v) for k, v in integers.items()}
        return Env(rows.size, pick(self.values), self.sizes, pick(self.differentials),
                   pick(self.jacobians), bound)


def int_values(expr: ast.IntExpr, env: Env) -> np.ndarray:
    """An integer expression, one value per draw."""
    out = np.full(env.batch, expr.const)
    for name, coef in expr.terms:
        out = out + coef * env.integer(name)
    return out


def evaluate(node: ast.Node, env: Env) -> Array:
    """Evaluate a typed tree; returns an array of shape ``(batch, rows, cols)``."""
    with np.errstate(all="ignore"):
        return _eval(node, env)


def _eval(node: ast.Node, env: Env) -> Array:
    match node:
        case ast.Num(value=value):
            return np.full((env.batch, 1, 1), value)
        case ast.Sym(name=name):
            return env.values[name]
        case ast.DimSize(name=name):
            return np.full((env.batch, 1, 1), float(env.sizes[name]))
        case ast.Differential(name=name):
            return env.differentials[name]
        case ast.DerivativeOf(func=func, wrt=wrt, layout=layout, order=order):
            jac = env.jacobians[(func, wrt, order)]
            return jac if layout == "numerator" else np.swapaxes(jac, -1, -2)
        case ast.ConstMatrix(kind=kind):
            rows, cols = node.shape.sizes(env.sizes)
            if kind == "I":
                return np.broadcast_to(np.eye(rows), (env.batch, rows, cols)).copy()
            fill = 0.0 if kind == "zeros" else 1.0
            return np.full((env.batch, rows, cols), fill)
        case ast.Neg(arg=arg):
            return -_eval(arg, env)
        case ast.Transpose(arg=arg):
            return np.swapaxes(_eval(arg, env), -1, -2)
        case ast.Inverse(arg=arg):
            return np.linalg.inv(_eval(arg, env))
        case ast.Power(arg=arg, exponent=k, symbolic=()):
            return np.linalg.matrix_power(_eval(arg, env), k)
        case ast.Power(arg=arg):
            return _varying_power(_eval(arg, env), int_values(node.power, env))
        case ast.Summation():
            return _summation(node, env)
        case ast.NumericDerivative():
            return _numeric_jacobian(node, env)
        case ast.DifferentialOf():
            return _differential(node, env)
        case ast.Index(name=name):
            return env.integer(name).reshape(-1, 1, 1).astype(float)
        case ast.Add(left=a, right=b):
            return _eval(a, env) + _eval(b, env)
        case ast.Sub(left=a, right=b):
            return _eval(a, env) - _eval(b, env)
        case ast.MatMul(left=a, right=b):
            left, right = _eval(a, env), _eval(b, env)
            if a.shape.is_scalar or b.shape.is_scalar:
                return left * right
            return left @ right
        case ast.Div(left=a, right=b):
            return _eval(a, env) / _eval(b, env)
        case ast.Hadamard(left=a, right=b):
            return _eval(a, env) * _eval(b, env)
        case ast.HadamardDiv(left=a, right=b):
            return _eval(a, env) / _eval(b, env)
        case ast.Kron(left=a, right=b):
            return implementation("kron")(_eval(a, env), _eval(b, env))
        case ast.RationalPower(arg=arg, num=num, den=den):
            return real_power(_eval(arg, env), num, den)
        case ast.Call():
            return _call(node, env)
    raise TypeError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover


def _varying_power(x: Array, powers: np.ndarray) -> Array:
    """X^k with k varying over the draws: one matrix_power call per distinct k."""
    out = np.empty_like(x)
    for k in np.unique(powers):
        rows = powers == k
        out[rows] = np.linalg.matrix_power(x[rows], int(k))
    return out


def _summation(node: ast.Summation, env: Env) -> Array:
    low, high = int_values(node.lower, env), int_values(node.upper, env)
    rows, cols = node.shape.sizes(env.sizes)
    total = np.zeros((env.batch, rows, cols))
    for r in range(int(low.min(initial=0)), int(high.max(initial=-1)) + 1):
        draws = np.nonzero((low <= r) & (r <= high))[0]
        if draws.size:
            total[draws] += _eval(node.body, env.subset(draws, **{node.index: r}))
    return total


def layout_jacobian(jac: Array, out_shape: tuple[int, int], in_shape: tuple[int, int]) -> Array:
    """d vec(u)/d vec(x) rearranged as the numerator-layout derivative of its kind."""
    (p, q), (r, s) = out_shape, in_shape
    if p * q == 1:  # scalar by anything: the transpose of the gradient, shape s×r
        return np.swapaxes(unvec(np.swapaxes(jac, -1, -2), r, s), -1, -2)
    if r * s == 1:  # anything by a scalar: u's shape
        return unvec(jac, p, q)
    return jac  # vector by vector: the Jacobian itself


def _numeric_jacobian(node: ast.NumericDerivative, env: Env) -> Array:
    """d(arg)/d(wrt) in the node's layout, by differences along each coordinate of wrt."""
    x = env.values[node.wrt]
    batch, r, s = x.shape
    columns = []
    for k in range(r * s):
        step = np.zeros((batch, r * s, 1))
        step[:, k, 0] = 1.0
        direction = unvec(step, r, s)
        def along(t: float, d: Array = direction) -> Array:
            return _eval(node.arg, env.shifted({node.wrt: t * d}))

        moved = richardson(along, STEP)
        columns.append(vec(moved))
    jac = np.concatenate(columns, axis=2)
    out_shape = node.arg.shape.sizes(env.sizes)
    numerator = layout_jacobian(jac, out_shape, (r, s))
    return numerator if node.layout == "numerator" else np.swapaxes(numerator, -1, -2)


def _differential(node: ast.DifferentialOf, env: Env) -> Array:
    """d(arg) along env.differentials: the directional derivative of arg."""
    return richardson(lambda t: _eval(node.arg, env.shifted(
        {name: t * d for name, d in env.differentials.items()})), STEP)


@cache
def implementation(name: str) -> Callable[..., Array]:
    """The batched implementation of a function of :mod:`kb.functions`, resolved from the
    ``"module:attribute"`` its spec names (imported here so ``import kb`` needs no numpy)."""
    module, _, attribute = FUNCTIONS[name].numpy.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _call(node: ast.Call, env: Env) -> Array:
    if FUNCTIONS[node.func].domain == "spectral":
        matrix, index = node.args
        assert isinstance(index, ast.Num)  # the shape checker admits only a literal k
        return implementation(node.func)(_eval(matrix, env), int(index.value))
    return implementation(node.func)(*(_eval(arg, env) for arg in node.args))
