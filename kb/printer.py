"""Syntax trees back to the expression language.

``parse(to_text(tree))`` gives back ``tree``: derived forms (the other layout, a derivative
rewritten in a user's symbols) are shown and exported in the same language records use.
"""

from __future__ import annotations

from kb import ast

# Precedence levels, loosest first, as in the grammar.
SUM, UNARY, HADAMARD, PRODUCT, POSTFIX, ATOM = range(1, 7)


def to_text(node: ast.Node) -> str:
    """The expression-language spelling of a tree."""
    return _print(node)[0]


def _wrap(node: ast.Node, level: int, strict: bool = False) -> str:
    text, prec = _print(node)
    return f"({text})" if prec < level or (strict and prec == level) else text


def _print(node: ast.Node) -> tuple[str, int]:
    match node:
        case ast.Num(text=text):
            return text, ATOM
        case ast.Sym(name=name) | ast.DimSize(name=name):
            return name, ATOM
        case ast.Differential(name=name):
            return f"d{name}", ATOM
        case ast.DerivativeOf(func=func, wrt=wrt, order=order):
            return f"diff({func}, {wrt}{', 2' if order == 2 else ''})", ATOM
        case ast.ConstMatrix(kind="I", rows=rows):
            return f"I({rows})", ATOM
        case ast.ConstMatrix(kind=kind, rows=rows, cols=cols):
            return f"{kind}({rows}, {cols})", ATOM
        case ast.Neg(arg=arg):
            return "-" + _wrap(arg, UNARY), UNARY
        case ast.Transpose(arg=arg):
            return _wrap(arg, ATOM) + "^T", POSTFIX
        case ast.Inverse(arg=ast.Transpose(arg=arg)):
            return _wrap(arg, ATOM) + "^{-T}", POSTFIX
        case ast.Inverse(arg=ast.Power(arg=arg, exponent=k)):
            return _wrap(arg, ATOM) + f"^{{-{k}}}", POSTFIX
        case ast.Inverse(arg=arg):
            return _wrap(arg, ATOM) + "^{-1}", POSTFIX
        case ast.Power(arg=arg):
            return _wrap(arg, ATOM) + f"^{{{node.power}}}", POSTFIX
        case ast.Summation(index=index, lower=lower, upper=upper, body=body):
            return f"sum_{{{index}={lower}}}^{{{upper}}} {_wrap(body, POSTFIX)}", POSTFIX
        case ast.Index(name=name):
            return name, ATOM
        case ast.NumericDerivative(arg=arg, wrt=wrt):
            return f"diff({to_text(arg)}, {wrt})", ATOM
        case ast.DifferentialOf(arg=arg):
            return f"diff({to_text(arg)})", ATOM
        case ast.Add(left=a, right=b):
            return f"{_wrap(a, SUM)} + {_wrap(b, HADAMARD)}", SUM
        case ast.Sub(left=a, right=b):
            return f"{_wrap(a, SUM)} - {_wrap(b, HADAMARD)}", SUM
        case ast.MatMul(left=a, right=b, explicit=explicit):
            op = " * " if explicit else " "
            return f"{_wrap(a, PRODUCT)}{op}{_wrap(b, POSTFIX)}", PRODUCT
        case ast.Div(left=a, right=b):
            return f"{_wrap(a, PRODUCT)} / {_wrap(b, POSTFIX)}", PRODUCT
        case ast.Hadamard(left=a, right=b):
            return f"{_wrap(a, HADAMARD)} ∘ {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.HadamardDiv(left=a, right=b):
            return f"{_wrap(a, HADAMARD)} ./ {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.Kron(left=a, right=b):
            return f"{_wrap(a, HADAMARD)} ⊗ {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.Call(func=func, args=args, elementwise=elementwise):
            dot = "." if elementwise else ""
            return f"{func}{dot}({', '.join(to_text(a) for a in args)})", ATOM
    raise TypeError(f"cannot print {type(node).__name__}")  # pragma: no cover
