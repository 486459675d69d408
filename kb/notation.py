"""The notation layer: one tree walker that both the text printer (:mod:`kb.printer`) and the
LaTeX renderer (:mod:`kb.latex`) specialize.

The walker knows the precedence table (:mod:`kb.precedence`) and the shape of every node's
spelling; a subclass supplies tokens (``" ∘ "`` or ``" \\circ "``, ``"^T"`` or ``"^{\\top}"``)
and overrides only the nodes whose notation really differs (a LaTeX fraction for ``/`` and
derivatives, dropped parentheses in product chains, the functions' own LaTeX from
:mod:`kb.functions`). Each node method returns ``(text, precedence level)``.
"""

from __future__ import annotations

from typing import ClassVar

from kb import ast
from kb.functions import FUNCTIONS
from kb.precedence import ATOM, BINARY, POSTFIX, UNARY


class Notation:
    """The text notation of the expression language; subclasses change tokens and overrides."""

    binary: ClassVar[dict[type, str]] = {
        ast.Add: " + ", ast.Sub: " - ", ast.Hadamard: " ∘ ", ast.HadamardDiv: " ./ ",
        ast.Kron: " ⊗ ", ast.Div: " / "}
    transpose_sup = "^T"
    inverse_transpose_sup = "^{-T}"
    circ = "∘"
    """Marks an element-wise power: ``x^{∘2}``."""
    sum_head = "sum"
    differential = "d"
    neg_operand = UNARY
    """The level a negated operand needs (LaTeX lets ``-A B`` and ``-A ∘ B`` go bare)."""

    def render(self, node: ast.Node) -> str:
        return self.node(node)[0]

    def paren(self, text: str) -> str:
        return f"({text})"

    def wrap(self, node: ast.Node, level: int, strict: bool = False) -> str:
        text, prec = self.node(node)
        return self.paren(text) if prec < level or (strict and prec == level) else text

    def name(self, name: str) -> str:
        return name

    def node(self, node: ast.Node) -> tuple[str, int]:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            if isinstance(node, ast.Binary):
                return self._binary(node)
            raise TypeError(f"cannot print {type(node).__name__}")  # pragma: no cover
        return method(node)

    # ---- leaves ------------------------------------------------------------------------
    def _Num(self, node: ast.Num) -> tuple[str, int]:
        return node.text, ATOM

    def _Sym(self, node: ast.Sym | ast.DimSize | ast.Index) -> tuple[str, int]:
        return self.name(node.name), ATOM

    _DimSize = _Index = _Sym

    def _Differential(self, node: ast.Differential) -> tuple[str, int]:
        return f"{self.differential}{self.name(node.name)}", ATOM

    def _DerivativeOf(self, node: ast.DerivativeOf) -> tuple[str, int]:
        return f"diff({node.func}, {node.wrt}{', 2' if node.order == 2 else ''})", ATOM

    def _ConstMatrix(self, node: ast.ConstMatrix) -> tuple[str, int]:
        if node.kind == "I":
            return f"I({node.rows})", ATOM
        return f"{node.kind}({node.rows}, {node.cols})", ATOM

    def _NumericDerivative(self, node: ast.NumericDerivative) -> tuple[str, int]:
        return f"diff({self.render(node.arg)}, {node.wrt})", ATOM

    def _DifferentialOf(self, node: ast.DifferentialOf) -> tuple[str, int]:
        return f"diff({self.render(node.arg)})", ATOM

    # ---- unary and postfix -------------------------------------------------------------
    def _Neg(self, node: ast.Neg) -> tuple[str, int]:
        return "-" + self.wrap(node.arg, self.neg_operand), UNARY

    def postfix(self, arg: ast.Node, sup: str) -> tuple[str, int]:
        return self.wrap(arg, ATOM) + sup, POSTFIX

    def _Transpose(self, node: ast.Transpose) -> tuple[str, int]:
        return self.postfix(node.arg, self.transpose_sup)

    def _Inverse(self, node: ast.Inverse) -> tuple[str, int]:
        match node.arg:
            case ast.Transpose(arg=arg):
                return self.postfix(arg, self.inverse_transpose_sup)
            case ast.Power(arg=arg, exponent=k, symbolic=()) if k > 1:
                # X^{-k} parses as the inverse of X^k; X^{-1} as the inverse of X itself.
                return self.postfix(arg, f"^{{-{k}}}")
        return self.postfix(node.arg, "^{-1}")

    def _Power(self, node: ast.Power) -> tuple[str, int]:
        return self.postfix(node.arg, f"^{{{node.power}}}")

    def _RationalPower(self, node: ast.RationalPower) -> tuple[str, int]:
        circ = self.circ if node.elementwise else ""
        return self.postfix(node.arg, f"^{{{circ}{node.exponent_text}}}")

    def _Summation(self, node: ast.Summation) -> tuple[str, int]:
        head = f"{self.sum_head}_{{{self.name(node.index)}={node.lower}}}^{{{node.upper}}}"
        return f"{head} {self.wrap(node.body, POSTFIX)}", POSTFIX

    # ---- binary ------------------------------------------------------------------------
    def _binary(self, node: ast.Binary) -> tuple[str, int]:
        level, left, right, strict = BINARY[type(node)]
        token = self.binary_token(node)
        return (f"{self.wrap(node.left, left)}{token}{self.wrap(node.right, right, strict)}",
                level)

    def binary_token(self, node: ast.Binary) -> str:
        if isinstance(node, ast.MatMul):
            return " * " if node.explicit else " "
        return self.binary[type(node)]

    # ---- calls -------------------------------------------------------------------------
    def _Call(self, node: ast.Call) -> tuple[str, int]:
        dot = "." if node.elementwise else ""
        args = ", ".join(self.render(a) for a in node.args)
        return f"{FUNCTIONS[node.func].text}{dot}({args})", ATOM
