"""``parse(to_text(tree)) == tree`` for generated trees of the whole language.

Nodes compare without their positions and shapes, so this is structural equality: the text
printer puts parentheses exactly where the grammar needs them, and no node is printed in a
spelling that parses as another node.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kb import ast
from kb.functions import FUNCTIONS
from kb.grammar import parse
from kb.latex import latex
from kb.printer import to_text

LEAVES = st.one_of(
    st.sampled_from(["A", "B", "X", "x", "s", "theta", "x_1"]).map(ast.Sym),
    st.sampled_from(["2", "3", "0.5", "10"]).map(lambda t: ast.Num(float(t), t)),
)
ONE_ARGUMENT = sorted(n for n, s in FUNCTIONS.items() if s.arity == 1)
SPECTRAL = sorted(n for n, s in FUNCTIONS.items() if s.domain == "spectral")
BINARY = [ast.Add, ast.Sub, ast.Div, ast.Hadamard, ast.HadamardDiv, ast.Kron]


@st.composite
def _fraction(draw: st.DrawFn, elementwise: bool) -> tuple[int, int]:
    den = draw(st.integers(1 if elementwise else 2, 5))
    num = draw(st.integers(-7, 7).filter(lambda n: n != 0 and math.gcd(n, den) == 1))
    return num, den


def _extend(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    binary = st.builds(lambda cls, a, b: cls(a, b), st.sampled_from(BINARY), children, children)
    matmul = st.builds(lambda a, b, e: ast.MatMul(a, b, explicit=e), children, children,
                       st.booleans())
    unary = st.one_of(
        children.map(ast.Neg),
        children.map(ast.Transpose),
        children.map(ast.Inverse),
        children.map(lambda a: ast.Inverse(ast.Transpose(a))),
        st.builds(lambda a, k: ast.Power(a, k), children, st.integers(1, 12)),
        st.builds(lambda a, k: ast.Inverse(ast.Power(a, k)), children, st.integers(2, 12)),
    )
    powers = st.one_of(
        st.builds(lambda a, f: ast.RationalPower(a, *f), children, _fraction(False)),
        st.builds(lambda a, f: ast.RationalPower(a, *f, elementwise=True), children,
                  _fraction(True)),
    )
    calls = st.one_of(
        st.builds(lambda f, a: ast.Call(f, (a,)), st.sampled_from(ONE_ARGUMENT), children),
        st.builds(lambda f, a: ast.Call(f, (a,), elementwise=True),
                  st.sampled_from([n for n in ONE_ARGUMENT if FUNCTIONS[n].scalar]), children),
        st.builds(lambda f, a, k: ast.Call(f, (a, ast.Num(float(k), str(k)))),
                  st.sampled_from(SPECTRAL), children, st.integers(1, 9)),
    )
    return st.one_of(binary, matmul, unary, powers, calls)


TREES = st.recursive(LEAVES, _extend, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_parse_of_text_is_the_tree(tree: ast.Node) -> None:
    text = to_text(tree)
    assert parse(text) == tree, text


@settings(max_examples=100, deadline=None)
@given(TREES)
def test_every_tree_has_latex(tree: ast.Node) -> None:
    assert latex(tree)
