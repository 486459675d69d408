"""The one precedence table of the expression language, shared by the grammar's documentation,
the text printer and the LaTeX renderer (:mod:`kb.notation`).

Levels, loosest first: sums; unary minus; element-wise and Kronecker products; matrix
products (juxtaposition, ``*``, ``/``); postfix ``^``; atoms. A child whose level is below the
level its parent asks for is parenthesized.
"""

from __future__ import annotations

from kb import ast

SUM, UNARY, HADAMARD, PRODUCT, POSTFIX, ATOM = range(1, 7)

BINARY: dict[type[ast.Binary], tuple[int, int, int, bool]] = {
    # node: (its level, level its left operand needs, level its right operand needs,
    #        whether a right operand at exactly that level needs parentheses too)
    ast.Add: (SUM, SUM, HADAMARD, False),
    ast.Sub: (SUM, SUM, HADAMARD, False),
    ast.Hadamard: (HADAMARD, HADAMARD, HADAMARD, True),
    ast.HadamardDiv: (HADAMARD, HADAMARD, HADAMARD, True),
    ast.Kron: (HADAMARD, HADAMARD, HADAMARD, True),
    ast.MatMul: (PRODUCT, PRODUCT, POSTFIX, False),
    ast.Div: (PRODUCT, PRODUCT, POSTFIX, False),
}
