"""LaTeX rendering of typed syntax trees.

Rendering is derived from the tree, never stored: parentheses appear exactly where precedence
needs them, element-wise functions carry a ∘ subscript so they cannot be mistaken for matrix
functions, and a derivative ``diff(u, x)`` renders as a fraction. The walker is
:class:`kb.notation.Notation`; this module gives its LaTeX tokens and the nodes whose LaTeX is
not the text with other tokens. Each function's LaTeX is in its spec (:mod:`kb.functions`).
"""

from __future__ import annotations

from typing import ClassVar

from kb import ast
from kb.functions import FUNCTIONS, GREEK
from kb.notation import Notation
from kb.precedence import ATOM, HADAMARD, POSTFIX, PRODUCT


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


class LatexNotation(Notation):
    binary: ClassVar[dict[type, str]] = {ast.Add: " + ", ast.Sub: " - ", ast.Hadamard: r" \circ ",
              ast.HadamardDiv: r" \oslash ", ast.Kron: r" \otimes "}
    transpose_sup = r"^{\top}"
    inverse_transpose_sup = r"^{-\top}"
    circ = "\\circ "
    sum_head = r"\sum"
    differential = r"\mathrm{d}"
    # Negation commutes with every product, so -A B and -A ∘ B need no parentheses.
    neg_operand = HADAMARD

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)"

    def name(self, name: str) -> str:
        return latex_name(name)

    def _Num(self, node: ast.Num) -> tuple[str, int]:
        return (str(int(node.value)) if node.value == int(node.value) else node.text), ATOM

    def _DerivativeOf(self, node: ast.DerivativeOf) -> tuple[str, int]:
        func, wrt = latex_name(node.func), latex_name(node.wrt)
        if node.order == 2:
            return rf"\frac{{\partial^2 {func}}}{{\partial {wrt}^2}}", POSTFIX
        return rf"\frac{{\partial {func}}}{{\partial {wrt}}}", POSTFIX

    def _ConstMatrix(self, node: ast.ConstMatrix) -> tuple[str, int]:
        if node.kind != "ones":
            return ("I" if node.kind == "I" else "0"), ATOM
        if node.cols == "1":
            return r"\mathbf{1}", ATOM
        row = r"\mathbf{1}^{\top}"
        return (row if node.rows == "1" else r"\mathbf{1}" + row), POSTFIX

    def _NumericDerivative(self, node: ast.NumericDerivative) -> tuple[str, int]:
        return (rf"\frac{{\partial}}{{\partial {latex_name(node.wrt)}}}"
                rf"\left({self.render(node.arg)}\right)"), PRODUCT

    def _DifferentialOf(self, node: ast.DifferentialOf) -> tuple[str, int]:
        return rf"\mathrm{{d}}\left({self.render(node.arg)}\right)", ATOM

    def _MatMul(self, node: ast.MatMul) -> tuple[str, int]:
        # Products are associative: A (B C) reads as A B C.
        a, b = node.left, node.right
        left = self.wrap(a, PRODUCT)
        right = self.wrap(b, PRODUCT if isinstance(b, ast.MatMul) else POSTFIX)
        if isinstance(b, ast.Neg):
            right = self.paren(self.render(b))
        sep = r" \cdot " if right[:1].isdigit() else " "
        return f"{left}{sep}{right}", PRODUCT

    def _Div(self, node: ast.Div) -> tuple[str, int]:
        return rf"\frac{{{self.render(node.left)}}}{{{self.render(node.right)}}}", PRODUCT

    def _Call(self, node: ast.Call) -> tuple[str, int]:
        spec = FUNCTIONS[node.func]
        hook = spec.latex_elementwise if node.elementwise else spec.latex_call
        custom = hook(node, self) if hook is not None else None
        if custom is not None:
            return custom
        inner = self.render(node.args[0])
        circ = r"_{\circ}" if node.elementwise else ""
        return rf"{spec.latex}{circ}\left({inner}\right)", ATOM


_LATEX = LatexNotation()


def latex(node: ast.Node) -> str:
    """The LaTeX of a (typed or untyped) tree."""
    return _LATEX.render(node)
