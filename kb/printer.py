"""Syntax trees back to the expression language.

``parse(to_text(tree))`` gives back ``tree``: derived forms (the other layout, a derivative
rewritten in a user's symbols) are shown and exported in the same language records use. The
walker is :class:`kb.notation.Notation`; this is its text instance.
"""

from __future__ import annotations

from kb import ast
from kb.notation import Notation

_TEXT = Notation()


def to_text(node: ast.Node) -> str:
    """The expression-language spelling of a tree."""
    return _TEXT.render(node)
