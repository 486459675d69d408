"""LaTeX rendering of typed syntax trees.

Rendering is derived from the tree, never stored: parentheses appear exactly where precedence
needs them, element-wise functions carry a ∘ subscript so they cannot be mistaken for matrix
functions, and a derivative ``diff(u, x)`` renders as a fraction.
"""

from __future__ import annotations

from kb import ast
from kb.functions import FUNCTIONS, GREEK

# Precedence levels, loosest first.
SUM, UNARY, HADAMARD, PRODUCT, POSTFIX, ATOM = range(1, 7)


def latex_name(name: str) -> str:
    """A variable name in LaTeX: Greek names become letters, ``x_i`` a subscript."""
    base, _, sub = name.partition("_")
    if base in GREEK:
        head = f"\\{base}"
    elif len(base) > 1:
        head = f"\\mathit{{{base}}}"
    else:
        head = base
    return f"{head}_{{{sub}}}" if sub else head


def latex(node: ast.Node) -> str:
    """The LaTeX of a (typed or untyped) tree."""
    return _render(node)[0]


def _wrap(node: ast.Node, level: int, strict: bool = False) -> str:
    text, prec = _render(node)
    if prec < level or (strict and prec == level):
        return rf"\left({text}\right)"
    return text


def _postfix(node: ast.Node, suffix: str) -> tuple[str, int]:
    base = _wrap(node, ATOM)
    return f"{base}^{{{suffix}}}", POSTFIX


def _render(node: ast.Node) -> tuple[str, int]:
    match node:
        case ast.Num(value=value, text=text):
            return (str(int(value)) if value == int(value) else text), ATOM
        case ast.Sym(name=name) | ast.DimSize(name=name):
            return latex_name(name), ATOM
        case ast.Differential(name=name):
            return rf"\mathrm{{d}}{latex_name(name)}", ATOM
        case ast.DerivativeOf(func=func, wrt=wrt, order=2):
            return (rf"\frac{{\partial^2 {latex_name(func)}}}{{\partial {latex_name(wrt)}^2}}",
                    POSTFIX)
        case ast.DerivativeOf(func=func, wrt=wrt):
            return rf"\frac{{\partial {latex_name(func)}}}{{\partial {latex_name(wrt)}}}", POSTFIX
        case ast.ConstMatrix(kind="I"):
            return "I", ATOM
        case ast.ConstMatrix(kind="zeros"):
            return "0", ATOM
        case ast.ConstMatrix(kind="ones", rows=rows, cols=cols):
            if cols == "1":
                return r"\mathbf{1}", ATOM
            row = r"\mathbf{1}^{\top}"
            return (row if rows == "1" else r"\mathbf{1}" + row), POSTFIX
        case ast.Neg(arg=arg):
            # Negation commutes with every product, so -A B and -A ∘ B need no parentheses.
            return "-" + _wrap(arg, HADAMARD), UNARY
        case ast.Transpose(arg=arg):
            return _postfix(arg, r"\top")
        case ast.Inverse(arg=ast.Transpose(arg=arg)):
            return _postfix(arg, r"-\top")
        case ast.Inverse(arg=ast.Power(arg=arg, exponent=k)):
            return _postfix(arg, f"-{k}")
        case ast.Inverse(arg=arg):
            return _postfix(arg, "-1")
        case ast.Power(arg=arg):
            return _postfix(arg, str(node.power))
        case ast.Summation(index=index, lower=lower, upper=upper, body=body):
            return (rf"\sum_{{{latex_name(index)}={lower}}}^{{{upper}}} {_wrap(body, POSTFIX)}",
                    POSTFIX)
        case ast.Index(name=name):
            return latex_name(name), ATOM
        case ast.NumericDerivative(arg=arg, wrt=wrt):
            return (rf"\frac{{\partial}}{{\partial {latex_name(wrt)}}}"
                    rf"\left({latex(arg)}\right)"), PRODUCT
        case ast.DifferentialOf(arg=arg):
            return rf"\mathrm{{d}}\left({latex(arg)}\right)", ATOM
        case ast.Add(left=a, right=b):
            return f"{_wrap(a, SUM)} + {_wrap(b, HADAMARD)}", SUM
        case ast.Sub(left=a, right=b):
            return f"{_wrap(a, SUM)} - {_wrap(b, HADAMARD)}", SUM
        case ast.MatMul(left=a, right=b):
            # Products are associative: A (B C) reads as A B C.
            left, right = _wrap(a, PRODUCT), _wrap(b, PRODUCT if isinstance(b, ast.MatMul)
                                                   else POSTFIX)
            if isinstance(b, ast.Neg):
                right = rf"\left({latex(b)}\right)"
            sep = r" \cdot " if right[:1].isdigit() else " "
            return f"{left}{sep}{right}", PRODUCT
        case ast.Div(left=a, right=b):
            return rf"\frac{{{latex(a)}}}{{{latex(b)}}}", PRODUCT
        case ast.Hadamard(left=a, right=b):
            return rf"{_wrap(a, HADAMARD)} \circ {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.HadamardDiv(left=a, right=b):
            return rf"{_wrap(a, HADAMARD)} \oslash {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.Kron(left=a, right=b):
            return rf"{_wrap(a, HADAMARD)} \otimes {_wrap(b, HADAMARD, strict=True)}", HADAMARD
        case ast.Call():
            return _call(node)
    raise TypeError(f"cannot render {type(node).__name__}")  # pragma: no cover


def _call(node: ast.Call) -> tuple[str, int]:
    func = node.func
    arg = node.args[0]
    inner = latex(arg)
    if node.elementwise:
        # \sqrt and \lvert take an argument, so they cannot carry the ∘ subscript
        if func == "sqrt":
            return rf"{_wrap(arg, ATOM)}^{{\circ 1/2}}", POSTFIX
        if func == "abs":
            return rf"\left\lvert {inner} \right\rvert_{{\circ}}", POSTFIX
        return rf"{FUNCTIONS[func].latex}_{{\circ}}\left({inner}\right)", ATOM
    match func:
        case "norm":
            return rf"\left\lVert {inner} \right\rVert", ATOM
        case "norm_F":
            return rf"\left\lVert {inner} \right\rVert_F", POSTFIX
        case "abs":
            return rf"\left\lvert {inner} \right\rvert", ATOM
        case "sqrt":
            return rf"\sqrt{{{inner}}}", ATOM
        case "sqrtm":
            return rf"{_wrap(arg, ATOM)}^{{1/2}}", POSTFIX
        case "exp" | "expm":
            return rf"e^{{{inner}}}", POSTFIX
        case "pinv":
            return rf"{_wrap(arg, ATOM)}^{{+}}", POSTFIX
        case "eigval" | "eigvec":
            symbol = r"\lambda" if func == "eigval" else "v"
            return (rf"{symbol}_{{{latex(node.args[1])}}}\left({latex(node.args[0])}\right)",
                    ATOM)
        case "diagm":
            return rf"\operatorname{{Diag}}\left({inner}\right)", ATOM
        case "log" if isinstance(arg, ast.Call) and arg.func == "det":
            return rf"\log\det\left({latex(arg.args[0])}\right)", ATOM
    return rf"{FUNCTIONS[func].latex}\left({inner}\right)", ATOM
