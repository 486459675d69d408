"""The expression grammar: text to an untyped syntax tree.

The grammar is our own (Lark, LALR), so an expression string from a record or a user never
reaches ``eval``, ``exec`` or SymPy's parser. Only declared symbols and the fixed functions
of :mod:`kb.functions` are accepted; the shape checker enforces the former.

Precedence, loosest first (the table is :mod:`kb.precedence`): ``+ -``; unary ``-``, which
takes everything up to the next ``+`` or ``-`` (``-A B`` is ``-(A B)``, ``-A ∘ B`` is
``-(A ∘ B)``); ``∘ ./ ⊗`` (and ``.*``); products (juxtaposition, ``*``, ``/``), left to right;
postfix ``^`` (and ``.^``, the element-wise power). The syntax page (``site/syntax.md``)
documents every rule.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kb import ast
from kb.functions import DIMENSION_FUNCTIONS, FUNCTIONS
from kb.limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_INTEGER,
    MAX_LITERAL_DIGITS,
)

_FUNCTION_NAMES = sorted(set(FUNCTIONS) | set(DIMENSION_FUNCTIONS) | {"diff"}, key=len)

GRAMMAR = r"""
?start: expr

?expr: term
     | expr "+" term           -> add
     | expr "-" term           -> sub

?term: hprod
     | "-" term                -> neg

?hprod: prod
      | hprod HADAMARD prod    -> hadamard
      | hprod "./" prod        -> hadamard_div
      | hprod KRON prod        -> kron

?prod: factor
     | prod factor             -> matmul
     | prod "*" factor         -> mul
     | prod "/" factor         -> div

?factor: atom
       | factor POW            -> power
       | SUMHEAD factor        -> summation

?atom: NUMBER                  -> number
     | NAME                    -> symbol
     | FNAME "(" args ")"      -> call
     | FNAME "." "(" args ")"  -> broadcast
     | "(" expr ")"

args: expr ("," expr)*

FNAME.2: /(@FNAMES@)(?![A-Za-z0-9_])/
HADAMARD: "∘" | ".*"
KRON: "⊗"
POW: /\.?\^\s*(\{[^{}]*\}|-?\s*([0-9]+|[A-Za-z]))/
SUMHEAD.3: /sum_\{[^{}]*\}\s*\^\s*(\{[^{}]*\}|[0-9A-Za-z])/
NUMBER: /[0-9]+(\.[0-9]+)?/
NAME: /[A-Za-z][A-Za-z0-9_]*/

%import common.WS
%ignore WS
""".replace("@FNAMES@", "|".join(reversed(_FUNCTION_NAMES)))


class ExpressionError(ValueError):
    """A string that is not a valid expression; ``pos`` is the offending character offset."""

    code = "KB301"

    def __init__(self, message: str, pos: int = 0, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.text = text

    def caret(self) -> str:
        """The expression with a caret under the offending character."""
        return f"{self.text}\n{' ' * self.pos}^"


class LimitError(ExpressionError):
    """An expression over a limit of :mod:`kb.limits` (length, nesting, a number's size)."""

    code = "KB308"


def _bounded(value: int, what: str, pos: int, text: str) -> int:
    if abs(value) > MAX_INTEGER:
        raise LimitError(f"{what} {value} is out of range: at most {MAX_INTEGER} in "
                         "absolute value (kb/limits.py)", pos, text)
    return value


def _bounded_int_expr(expr: ast.IntExpr, what: str, pos: int, text: str) -> ast.IntExpr:
    for number in (expr.const, *(coef for _, coef in expr.terms)):
        _bounded(number, what, pos, text)
    return expr


@lru_cache(maxsize=1)
def _parser() -> Lark:
    # LALR keeps parsing linear; the contextual lexer turns names that are function names
    # into FNAME tokens, so ``tr`` can never be a variable.
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _pos(meta_or_token: object) -> int:
    return getattr(meta_or_token, "start_pos", 0) or 0


_EXPONENT = re.compile(r"(?P<dot>\.)?\^\s*(?:\{\s*(?P<braced>[^{}]*?)\s*\}"
                       r"|(?P<bare>-?\s*(?:[0-9]+|[A-Za-z])))")


def _exponent(arg: ast.Node, token: Token, text: str) -> ast.Node:
    match = _EXPONENT.fullmatch(str(token))
    raw = (match.group("braced") if match and match.group("braced") is not None
           else match.group("bare") if match else "")
    value = re.sub(r"\s+", "", raw or "")
    pos = token.start_pos or 0
    if match and match.group("bare") and len(value.lstrip("-")) > 1:
        # As in LaTeX a bare ^ takes one character, so X^12 would silently read as X^1 2.
        hat = ".^" if match.group("dot") else "^"
        raise ExpressionError(f"write {hat}{{{value}}}: a bare ^ takes one character", pos, text)
    elementwise = bool(match and match.group("dot")) or value.startswith("∘")
    if elementwise or "/" in value:
        return _rational_power(arg, value.removeprefix("∘"), elementwise, pos, text)
    if value == "T":
        return ast.Transpose(arg, pos=pos)
    if value == "-T":
        return ast.Inverse(ast.Transpose(arg, pos=pos), pos=pos)
    if value == "-1":
        return ast.Inverse(arg, pos=pos)
    symbolic = int_expr(value)
    if symbolic is not None and symbolic.terms:
        _bounded_int_expr(symbolic, "the exponent's integer", pos, text)
        return ast.Power(arg, symbolic.const, symbolic.terms, pos=pos)
    if re.fullmatch(r"-?[0-9]+", value):
        k = _bounded(int(value), "the exponent", pos, text)
        if k == 0:
            raise ExpressionError("the exponent 0 is not allowed: write I(n)", pos, text)
        if k < 0:
            return ast.Inverse(ast.Power(arg, -k, pos=pos), pos=pos)
        return ast.Power(arg, k, pos=pos)
    raise ExpressionError(
        f"unsupported exponent '{value}': use ^T, ^{{-1}}, ^{{-T}}, an integer power ^k, a "
        "fraction ^{1/3} (of a 1×1 value) or an element-wise power ^{∘2}",
        pos,
        text,
    )


_FRACTION = re.compile(r"(-?[0-9]+)(?:/([0-9]+))?")


def _rational_power(arg: ast.Node, value: str, elementwise: bool, pos: int,
                    text: str) -> ast.Node:
    """``s^{1/3}``, ``x^{∘2}`` (also ``x.^2``), ``X^{∘-1/2}``: a rational exponent, reduced to
    lowest terms."""
    match = _FRACTION.fullmatch(value)
    if match is None or (match.group(2) is not None and int(match.group(2)) == 0):
        raise ExpressionError(
            f"unsupported exponent '{value}': an element-wise or fractional power is a "
            "rational number such as ^{∘2}, ^{∘1/2} or ^{-1/3}", pos, text)
    num = _bounded(int(match.group(1)), "the exponent's numerator", pos, text)
    den = _bounded(int(match.group(2) or 1), "the exponent's denominator", pos, text)
    common = math.gcd(num, den)
    num, den = num // common, den // common
    if num == 0:
        raise ExpressionError("the exponent 0 is not allowed: write ones(n, m) or 1",
                              pos, text)
    if den == 1 and not elementwise:
        raise ExpressionError(f"write ^{{{num}}}: the fraction is an integer", pos, text)
    return ast.RationalPower(arg, num, den, elementwise, pos=pos)


_INT_TERM = re.compile(r"([+-]?)([0-9]+)?([A-Za-z][A-Za-z0-9_]*)?")


def int_expr(text: str) -> ast.IntExpr | None:
    """``k - 1 - r`` as an :class:`~kb.ast.IntExpr`, or None if it is not one."""
    compact = re.sub(r"\s+", "", text)
    pieces = re.findall(r"[+-]?[^+-]+", compact)
    if not compact or "".join(pieces) != compact:
        return None
    const = 0
    terms: dict[str, int] = {}
    for piece in pieces:
        match = _INT_TERM.fullmatch(piece)
        if not match or (match.group(2) is None and match.group(3) is None):
            return None
        sign = -1 if match.group(1) == "-" else 1
        number = int(match.group(2)) if match.group(2) else 1
        if match.group(3):
            terms[match.group(3)] = terms.get(match.group(3), 0) + sign * number
        else:
            const += sign * number
    return ast.IntExpr(const, tuple(sorted((n, c) for n, c in terms.items() if c)))


_SUMHEAD = re.compile(r"sum_\{\s*(?P<index>[A-Za-z][A-Za-z0-9_]*)\s*=\s*(?P<lower>[^{}]*)\}\s*"
                      r"\^\s*(?:\{(?P<upper>[^{}]*)\}|(?P<bare>[0-9A-Za-z]))")


def _summation(token: Token, body: ast.Node, text: str) -> ast.Summation:
    pos = token.start_pos or 0
    match = _SUMHEAD.fullmatch(str(token))
    lower = int_expr(match.group("lower")) if match else None
    upper_text = match and (match.group("upper") if match.group("upper") is not None
                            else match.group("bare"))
    upper = int_expr(upper_text) if upper_text else None
    if match is None or lower is None or upper is None:
        raise ExpressionError("write a sum as sum_{r=0}^{k-1} (...), with integer bounds",
                              pos, text)
    for bound in (lower, upper):
        _bounded_int_expr(bound, "a summation bound's integer", pos, text)
    return ast.Summation(match.group("index"), lower, upper, body, pos=pos)


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def number(self, meta, token):
        if len(token.replace(".", "").lstrip("0")) > MAX_LITERAL_DIGITS:
            raise LimitError(f"a number has more than {MAX_LITERAL_DIGITS} digits, more than "
                             "a double holds (kb/limits.py)", _pos(token), self.text)
        return ast.Num(float(token), str(token), pos=_pos(token))

    def symbol(self, meta, token):
        return ast.Sym(str(token), pos=_pos(token))

    def add(self, meta, a, b):
        return ast.Add(a, b, pos=_pos(meta))

    def sub(self, meta, a, b):
        return ast.Sub(a, b, pos=_pos(meta))

    def neg(self, meta, a):
        return ast.Neg(a, pos=_pos(meta))

    def hadamard(self, meta, a, _op, b):
        return ast.Hadamard(a, b, pos=_pos(meta))

    def hadamard_div(self, meta, a, b):
        return ast.HadamardDiv(a, b, pos=_pos(meta))

    def kron(self, meta, a, _op, b):
        return ast.Kron(a, b, pos=_pos(meta))

    def matmul(self, meta, a, b):
        return ast.MatMul(a, b, pos=_pos(meta))

    def mul(self, meta, a, b):
        return ast.MatMul(a, b, explicit=True, pos=_pos(meta))

    def div(self, meta, a, b):
        return ast.Div(a, b, pos=_pos(meta))

    def power(self, meta, a, token):
        return _exponent(a, token, self.text)

    def summation(self, meta, token, body):
        return _summation(token, body, self.text)

    def args(self, meta, *items):
        return tuple(items)

    def call(self, meta, name, args):
        return _call(str(name), args, False, _pos(name), self.text)

    def broadcast(self, meta, name, args):
        return _call(str(name), args, True, _pos(name), self.text)


def _dimension(arg: ast.Node, func: str, text: str) -> str:
    if isinstance(arg, ast.Sym):
        return arg.name
    if isinstance(arg, ast.Num) and arg.text.isdigit() and int(arg.text) > 0:
        return arg.text
    raise ExpressionError(
        f"{func}() takes dimensions (a dimension name such as n, or a positive integer)",
        arg.pos,
        text,
    )


def _diff(args: tuple[ast.Node, ...], elementwise: bool, pos: int, text: str) -> ast.Node:
    """diff(u, x[, 2]) of a placeholder; in derivation steps also diff(expr, x) and
    diff(expr), checked by the shape rules."""
    if not elementwise and len(args) == 1:
        return ast.DifferentialOf(args[0], pos=pos)
    order = args[2] if len(args) == 3 else None
    if (elementwise or len(args) not in (2, 3) or not isinstance(args[1], ast.Sym)
            or (order is not None and not (isinstance(order, ast.Num)
                                           and order.text in ("1", "2")))):
        raise ExpressionError(
            "diff(u, x) takes a placeholder function and the variable it depends on "
            "(diff(u, x, 2) for the second derivative by a scalar)", pos, text
        )
    if isinstance(args[0], ast.Sym):
        return ast.DerivativeOf(args[0].name, args[1].name,
                                order=int(order.text) if order else 1, pos=pos)
    if order is not None:
        raise ExpressionError("diff(expr, x, 2) is not supported", pos, text)
    return ast.NumericDerivative(args[0], args[1].name, pos=pos)


def _call(name: str, args: tuple[ast.Node, ...], elementwise: bool, pos: int, text: str):
    if name in DIMENSION_FUNCTIONS:
        arity = DIMENSION_FUNCTIONS[name]
        if elementwise or len(args) != arity:
            raise ExpressionError(f"{name}() takes {arity} dimension argument(s)", pos, text)
        dims = [_dimension(a, name, text) for a in args]
        rows, cols = (dims[0], dims[0]) if arity == 1 else (dims[0], dims[1])
        return ast.ConstMatrix(name, rows, cols, pos=pos)
    if name == "diff":
        return _diff(args, elementwise, pos, text)
    if name == "kron" and len(args) == 2 and not elementwise:
        return ast.Kron(args[0], args[1], pos=pos)
    spec = FUNCTIONS[name]
    if elementwise and not spec.scalar:
        raise ExpressionError(
            f"{name}.( ) is not an element-wise function; write {name}(...)", pos, text
        )
    if len(args) != spec.arity:
        raise ExpressionError(
            f"{name}() takes {spec.arity} argument(s), got {len(args)}", pos, text
        )
    return ast.Call(name, tuple(args), elementwise, pos=pos)


def _describe(exc: UnexpectedInput, text: str) -> tuple[str, int]:
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedEOF) or pos is None or pos >= len(text):
        return "unexpected end of expression", len(text)
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {text[pos]!r}", pos
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return "unexpected end of expression", len(text)
        if token.type == "FNAME":
            return f"'{token}' is a function name: call it as {token}(...)", pos
        before = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", text[:pos])
        if before and before.group(1) in _FUNCTION_NAMES:
            name = before.group(1)
            return f"'{name}' is a function: write {name}(...) with parentheses", pos
        return f"unexpected '{token}'", pos
    return "invalid expression", pos


def parse(text: str) -> ast.Node:
    """Parse an expression string into an untyped syntax tree.

    Raises :class:`ExpressionError` with the offset of the first problem.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression", 0, str(text))
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise LimitError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters "
                         "(kb/limits.py)", MAX_EXPRESSION_LENGTH, text)
    try:
        tree = _parser().parse(text)
        node = _ToAst(text).transform(tree)
    except UnexpectedInput as exc:
        message, pos = _describe(exc, text)
        raise ExpressionError(message, pos, text) from None
    except RecursionError:
        raise LimitError(_TOO_DEEP, 0, text) from None
    except Exception as exc:  # Lark wraps errors raised inside the transformer
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, ExpressionError):
            raise inner from None
        if isinstance(inner, RecursionError):
            raise LimitError(_TOO_DEEP, 0, text) from None
        raise
    if _depth(node) > MAX_EXPRESSION_DEPTH:
        raise LimitError(_TOO_DEEP, 0, text)
    return node


_TOO_DEEP = (f"expression too long or nested too deeply (over {MAX_EXPRESSION_DEPTH} "
             "levels, kb/limits.py): split it")


def _depth(node: ast.Node) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.children())
    return deepest
