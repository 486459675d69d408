"""Syntax trees as SymPy matrix expressions, for users who want to go on symbolically.

SymPy is optional and imported only here; each function's SymPy counterpart is named by its
spec in :mod:`kb.functions`. Every node maps to SymPy's matrix-expression
classes with symbolic dimensions; nodes SymPy has no class for (placeholder derivatives,
numeric derivatives in derivation steps) raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Mapping

from kb import ast
from kb.dims import Dim, Shape
from kb.functions import FUNCTIONS


def to_sympy(node: ast.Node, shapes: Mapping[str, Shape]):
    """The SymPy expression of a typed tree; ``shapes`` gives each variable's shape."""
    import sympy as sp

    def dim(d: Dim):
        out = sp.Integer(d.coefficient)
        for name in d.names:
            out *= sp.Symbol(name, integer=True, positive=True)
        return out

    def go(n: ast.Node):
        match n:
            case ast.Num(value=value):
                return sp.nsimplify(value)
            case ast.Sym(name=name):
                shape = shapes[name]
                if shape.is_scalar:
                    return sp.Symbol(name)
                return sp.MatrixSymbol(name, dim(shape.rows), dim(shape.cols))
            case ast.DimSize(name=name):
                return sp.Symbol(name, integer=True, positive=True)
            case ast.Neg(arg=arg):
                return -go(arg)
            case ast.Transpose(arg=arg):
                return sp.transpose(go(arg))
            case ast.Inverse(arg=arg):
                return sp.Inverse(go(arg)) if not arg.shape.is_scalar else 1 / go(arg)
            case ast.Power(arg=arg, symbolic=()):
                return go(arg) ** n.exponent
            case ast.Add(left=a, right=b):
                return go(a) + go(b)
            case ast.Sub(left=a, right=b):
                return go(a) - go(b)
            case ast.MatMul(left=a, right=b):
                left, right = go(a), go(b)
                return left * right
            case ast.Div(left=a, right=b):
                return go(a) / go(b)
            case ast.Hadamard(left=a, right=b):
                return sp.hadamard_product(go(a), go(b))
            case ast.Kron(left=a, right=b):
                from sympy.physics.quantum import TensorProduct  # noqa: F401 - registers

                return sp.kronecker_product(go(a), go(b))
            case ast.ConstMatrix(kind="I", rows=rows):
                return sp.Identity(dim(Dim.parse(rows)))
            case ast.ConstMatrix(kind="zeros", rows=rows, cols=cols):
                return sp.ZeroMatrix(dim(Dim.parse(rows)), dim(Dim.parse(cols)))
            case ast.RationalPower(arg=arg, num=num, den=den, elementwise=elementwise):
                power = sp.Rational(num, den)
                if elementwise and not arg.shape.is_scalar:
                    return sp.HadamardPower(go(arg), power)
                return go(arg) ** power
            case ast.Call(func=func, args=(arg,), elementwise=elementwise) if (
                FUNCTIONS[func].sympy is not None and (not elementwise or arg.shape.is_scalar)
            ):
                # An element-wise function of a 1×1 value is the scalar function itself.
                return getattr(sp, FUNCTIONS[func].sympy)(go(arg))
        raise NotImplementedError(f"no SymPy form for {type(n).__name__}")

    return go(node)
