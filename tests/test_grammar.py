"""The expression grammar: strings to untyped syntax trees, and the errors it reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import ast
from kb.functions import DIMENSION_FUNCTIONS, FUNCTIONS
from kb.grammar import ExpressionError, parse

A, B, C, X, x, n = (ast.Sym(s) for s in ("A", "B", "C", "X", "x", "n"))


def mm(left: ast.Node, right: ast.Node) -> ast.MatMul:
    return ast.MatMul(left, right)


# ---- good strings: the tree they parse to (Node equality ignores pos and shape) ----------

GOOD = {
    "x^T A x": mm(mm(ast.Transpose(x), A), x),
    "1/n x^T x": mm(mm(ast.Div(ast.Num(1.0, "1"), n), ast.Transpose(x)), x),
    "x^T x / n": ast.Div(mm(ast.Transpose(x), x), n),
    "A ∘ B C": ast.Hadamard(A, mm(B, C)),
    "A .* B": ast.Hadamard(A, B),
    "A ./ B C": ast.HadamardDiv(A, mm(B, C)),
    "A ⊗ B C": ast.Kron(A, mm(B, C)),
    "-A + B": ast.Add(ast.Neg(A), B),
    "-A B": ast.Neg(mm(A, B)),
    "A - B - C": ast.Sub(ast.Sub(A, B), C),
    "A + B C": ast.Add(A, mm(B, C)),
    "A B C": mm(mm(A, B), C),
    "A (B C)": mm(A, mm(B, C)),
    "2 * A": ast.MatMul(ast.Num(2.0, "2"), A, explicit=True),
    "0.5 A": mm(ast.Num(0.5, "0.5"), A),
    "X^T": ast.Transpose(X),
    "X^{-1}": ast.Inverse(X),
    "X^-1": ast.Inverse(X),
    "X^{-T}": ast.Inverse(ast.Transpose(X)),
    "X^-T": ast.Inverse(ast.Transpose(X)),
    "X^{ -1 }": ast.Inverse(X),
    "X^2": ast.Power(X, 2),
    "X^{12}": ast.Power(X, 12),
    "X^{-2}": ast.Inverse(ast.Power(X, 2)),
    "A B^T": mm(A, ast.Transpose(B)),
    "(A B)^T": ast.Transpose(mm(A, B)),
    "exp.(X)": ast.Call("exp", (X,), elementwise=True),
    "exp(x)": ast.Call("exp", (x,), elementwise=False),
    "log(det(X))": ast.Call("log", (ast.Call("det", (X,)),)),
    "tr(A X B)": ast.Call("tr", (mm(mm(A, X), B),)),
    "norm_F(X)": ast.Call("norm_F", (X,)),
    "kron(A, B)": ast.Kron(A, B),
    "I(n)": ast.ConstMatrix("I", "n", "n"),
    "I(3)": ast.ConstMatrix("I", "3", "3"),
    "zeros(n, m)": ast.ConstMatrix("zeros", "n", "m"),
    "ones(2, m)": ast.ConstMatrix("ones", "2", "m"),
    "diff(u, x)": ast.DerivativeOf("u", "x"),
    "dX": ast.Sym("dX"),
    "theta_1": ast.Sym("theta_1"),
    "trX": ast.Sym("trX"),  # a name that merely starts with a function name
}


@pytest.mark.parametrize("text", list(GOOD))
def test_good_strings_parse_to_the_expected_tree(text: str) -> None:
    assert parse(text) == GOOD[text]


def test_whitespace_does_not_matter() -> None:
    assert parse("  x ^T  A\tx\n") == parse("x^T A x")


def test_positions_point_at_the_source() -> None:
    tree = parse("a + tr(A X)")
    call = tree.right
    assert isinstance(call, ast.Call)
    assert call.pos == 4
    assert call.args[0].left.pos == 7  # A
    assert call.args[0].right.pos == 9  # X


# ---- bad strings: ExpressionError with a position and a message --------------------------

BAD = [
    # text, pos, message fragment
    ("", 0, "empty expression"),
    ("   ", 0, "empty expression"),
    ("A +", 3, "unexpected end of expression"),
    ("tr(A", 4, "unexpected end of expression"),
    ("(A", 2, "unexpected end of expression"),
    ("A B)", 3, "unexpected ')'"),
    ("x $ y", 2, "unexpected character '$'"),
    ("X^{1.5}", 1, "unsupported exponent '1.5'"),
    ("X^{1/0}", 1, "unsupported exponent '1/0'"),
    ("x^{∘T}", 1, "unsupported exponent 'T'"),
    ("s^{4/2}", 1, "write ^{2}: the fraction is an integer"),
    ("x.^{∘0}", 1, "the exponent 0 is not allowed"),
    ("x.^12", 1, "write .^{12}"),
    ("X^0", 1, "exponent 0 is not allowed"),
    ("tr X", 3, "write tr(...)"),
    ("det X", 4, "write det(...)"),
    ("I(x+1)", 2, "I() takes dimensions"),
    ("I(0)", 2, "I() takes dimensions"),
    ("I(n, m)", 0, "I() takes 1 dimension argument"),
    ("zeros(n)", 0, "zeros() takes 2 dimension argument"),
    ("tr.(X)", 0, "tr.( ) is not an element-wise function"),
    ("expm.(X)", 0, "expm.( ) is not an element-wise function"),
    ("tr(A, B)", 0, "tr() takes 1 argument(s), got 2"),
    ("exp(A, B)", 0, "exp() takes 1 argument(s), got 2"),
    ("kron(A)", 0, "kron() takes 2 argument(s), got 1"),
    ("a + kron(A, B, C)", 4, "kron() takes 2 argument(s), got 3"),
    ("diff(u, x, 3)", 0, "diff(u, x) takes a placeholder function"),
    ("diff(u, A B)", 0, "diff(u, x) takes a placeholder function"),
    ("A * -B", 4, "unexpected '-'"),
]


@pytest.mark.parametrize(("text", "pos", "fragment"), BAD, ids=[b[0] or "empty" for b in BAD])
def test_bad_strings_raise_expression_error(text: str, pos: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.pos == pos
    assert info.value.text == text
    assert 0 <= info.value.pos <= len(text)


def test_caret_marks_the_offending_character() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("x $ y")
    assert info.value.caret() == "x $ y\n  ^"


def test_exp_broadcast_is_fine_but_tr_broadcast_is_not() -> None:
    assert parse("exp.(X)").elementwise
    with pytest.raises(ExpressionError, match=r"write tr\(\.\.\.\)"):
        parse("tr.(X)")


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) | set(DIMENSION_FUNCTIONS) | {"diff"}))
def test_function_names_cannot_be_used_as_variables(name: str) -> None:
    with pytest.raises(ExpressionError):
        parse(f"{name} + A")


@pytest.mark.parametrize("text", ["X^12", "X^-12"])
def test_multi_digit_bare_exponent_is_not_silently_split(text: str) -> None:
    """`X^12` must mean X^{12} or be an error, never (X^1)·2 (syntax.md warns about it)."""
    try:
        tree = parse(text)
    except ExpressionError:
        return
    digits = int(text.split("^")[1])
    expected = ast.Power(X, abs(digits))
    assert tree == (expected if digits > 0 else ast.Inverse(expected))


# ---- robustness: nothing but ExpressionError escapes parse ---------------------------------

ALPHABET = st.sampled_from(
    [*"AXxnBab12 ()+-*/^{}.,_T∘⊗$'\"\\\t\n;:=!é∑", "tr", "exp", "I", "kron", "diff", ".*"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_random_token_soup_raises_only_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.pos <= len(text)
    else:
        assert isinstance(tree, ast.Node)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_random_text_raises_only_expression_error(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as exc:
        assert isinstance(exc.message, str) and exc.message


@pytest.mark.parametrize(
    "text",
    ["A + " * 600 + "A", "-" * 600 + "A", "A " * 600, "tr(" * 400 + "A" + ")" * 400],
    ids=["long-sum", "many-negations", "long-product", "deep-calls"],
)
def test_long_or_deep_expressions_raise_only_expression_error(text: str) -> None:
    """A long expression may be rejected, but only with ExpressionError (not RecursionError)."""
    escaped = None
    try:
        parse(text)
    except ExpressionError:
        pass
    except RecursionError as exc:  # reported without pytest's thousand-frame traceback
        escaped = repr(exc)
    assert escaped is None, f"parse() of a {len(text)}-character expression raised {escaped}"


def test_moderately_long_and_nested_expressions_parse() -> None:
    assert parse("A + " * 50 + "A") is not None
    tree = parse("-" * 40 + "A")
    depth = 0
    while isinstance(tree, ast.Neg):
        tree, depth = tree.arg, depth + 1
    assert (depth, tree) == (40, A)
    assert parse("tr(" * 30 + "A" + ")" * 30) is not None


# ---- no code evaluation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "().__class__.__bases__[0].__subclasses__()",
        "exec('1')",
        "eval('1')",
        "lambda: 0",
        "A; import os",
    ],
)
def test_code_is_never_evaluated(text: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExpressionError):
        parse(text)
    assert "hi" not in capfd.readouterr().out


def test_kb_sources_never_call_eval_exec_or_sympify() -> None:
    package = Path(__import__("kb").__file__).parent
    files = sorted(package.rglob("*.py"))
    assert len(files) >= 10
    # a bare call (a method such as ``_Draws.eval`` is not the builtin), or sympy's parsers
    pattern = re.compile(
        r"(?<![\w.])(?<!def )(eval|exec|sympify|parse_expr)\s*\(|\.(sympify|parse_expr)\s*\("
    )
    offenders = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
