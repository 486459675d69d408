"""Declared conditions on compound expressions: ``invertible(X + A)``, ``positive(det(Y))``.

Where one variable's structure is not enough, a record lists ``conditions``: each is a
structure name applied to an expression of the record's variables. The expression goes
through the grammar and the shape checker like every other field; the structure must exist
and, if it needs one, the expression must have a square shape. The verifier replaces draws on
which a condition does not hold, or holds only just (see :mod:`kb.singularities`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb import ast
from kb.grammar import ExpressionError, parse
from kb.shapes import Scope, ShapeError, check
from kb.structures import STRUCTURES, Structure

_FORM = re.compile(r"\s*([a-z_]+)\s*\((.*)\)\s*", re.DOTALL)


@dataclass(frozen=True)
class Condition:
    """A structure that an expression of the variables must have on every draw."""

    structure: Structure
    tree: ast.Node
    text: str


class ConditionError(ValueError):
    """A condition that is not ``structure(expression)``; ``pos`` is an offset in its text."""

    def __init__(self, message: str, pos: int = 0, code: str = "KB307") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.code = code
        """The diagnostic code: KB307, or the code of the expression's own error."""


def compile_condition(text: str, scope: Scope) -> Condition:
    """The typed condition, or :class:`ConditionError` saying what to write instead."""
    form = _FORM.fullmatch(text)
    names = ", ".join(sorted(STRUCTURES))
    if form is None:
        raise ConditionError(f"a condition is structure(expression), e.g. invertible(X + A); "
                             f"structures: {names}")
    name, inner = form.group(1), form.group(2)
    if name not in STRUCTURES:
        raise ConditionError(f"unknown structure '{name}' (one of {names})", form.start(1))
    offset = form.start(2)
    try:
        tree = check(parse(inner), scope)
    except (ExpressionError, ShapeError) as exc:
        raise ConditionError(exc.message, offset + exc.pos, exc.code) from None
    spec = STRUCTURES[Structure(name)]
    if spec.square and not tree.shape.is_square:
        raise ConditionError(f"{name} needs a square expression, got {tree.shape}", offset)
    return Condition(Structure(name), tree, text.strip())
