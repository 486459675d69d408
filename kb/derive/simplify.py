"""A normal form for sums of products, and the tidy tree built back from it.

An expression is a list of :class:`Term`: a rational coefficient, scalar (1×1) factors with
integer powers, and a chain of matrix factors in product order. Sums that hold a differential
are distributed, so every term of a differential is linear in dX; other sums stay whole, as a
person keeps ``(A x - b)``. Building the tree back collects like terms, folds constants,
drops identities, transposes of scalars and double transposes, writes ``X X`` as ``X^2``, and
factors what all terms share (``A x + A^T x`` gives ``(A + A^T) x``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from kb import ast
from kb.dims import SCALAR, Shape
from kb.functions import FUNCTIONS

from . import trees as t


@dataclass(frozen=True)
class Scalar:
    key: str
    node: ast.Node
    power: int


@dataclass(frozen=True)
class Term:
    coef: Fraction = Fraction(1)
    scalars: tuple[Scalar, ...] = ()
    chain: tuple[ast.Node, ...] = ()

    @property
    def shape(self) -> Shape:
        if not self.chain:
            return SCALAR
        return Shape(self.chain[0].shape.rows, self.chain[-1].shape.cols)

    def signature(self) -> tuple:
        return (tuple((s.key, s.power) for s in self.scalars),
                tuple(t.key(f) for f in self.chain))


def _merge(a: tuple[Scalar, ...], b: tuple[Scalar, ...]) -> tuple[Scalar, ...]:
    table: dict[str, Scalar] = {s.key: s for s in a}
    for s in b:
        if s.key in table:
            table[s.key] = replace(s, power=table[s.key].power + s.power)
        else:
            table[s.key] = s
    return tuple(sorted((s for s in table.values() if s.power), key=lambda s: s.key))


def _chain_concat(a: tuple, b: tuple) -> tuple:
    chain = a + b
    kept = tuple(f for f in chain if not _is_identity(f))
    out: list[ast.Node] = []
    for f in kept:  # X^{-1} X = X X^{-1} = I
        if out and (_inverse_pair(out[-1], f) or _inverse_pair(f, out[-1])):
            out.pop()
            continue
        out.append(f)
    if out or not chain:
        return tuple(out)
    return (t.identity(chain[0].shape.rows),)


def _inverse_pair(a: ast.Node, b: ast.Node) -> bool:
    return isinstance(a, ast.Inverse) and t.key(a.arg) == t.key(b)


def _is_identity(f: ast.Node) -> bool:
    return isinstance(f, ast.ConstMatrix) and f.kind == "I"


def times(a: Term, b: Term) -> Term:
    return Term(a.coef * b.coef, _merge(a.scalars, b.scalars), _chain_concat(a.chain, b.chain))


def scale(terms: list[Term], coef: Fraction) -> list[Term]:
    return [replace(x, coef=x.coef * coef) for x in terms]


def atom(node: ast.Node, power: int = 1) -> Term:
    """A term of one factor: a scalar factor if 1×1, else a one-factor chain."""
    if node.shape.is_scalar:
        return Term(scalars=(Scalar(t.key(node), node, power),))
    return Term(chain=(node,))


def scalar_atom(term: Term) -> Term:
    """A term whose 1×1 chain becomes one scalar factor (so it can scale any matrix)."""
    if not term.chain:
        return term
    node = t.prod(*term.chain)
    return Term(term.coef, _merge(term.scalars, atom(node).scalars))


class Normalizer:
    """Terms of typed trees; ``symmetric`` names the variables equal to their transpose."""

    def __init__(self, symmetric: frozenset[str] = frozenset()) -> None:
        self.symmetric = symmetric

    def terms(self, node: ast.Node, expand: bool = False) -> list[Term]:
        """The terms of a tree; sums are distributed when they hold a differential or when
        ``expand`` (the top level of an answer)."""
        distribute = expand or t.has_differential(node)
        match node:
            case ast.Num(text=text):
                value = Fraction(text)
                return [Term(coef=value)] if value else []
            case ast.ConstMatrix(kind="zeros"):
                return []
            case ast.Neg(arg=a):
                return scale(self.terms(a, expand), Fraction(-1))
            case ast.Add(left=a, right=b) if distribute:
                return self.terms(a, expand) + self.terms(b, expand)
            case ast.Sub(left=a, right=b) if distribute:
                return self.terms(a, expand) + scale(self.terms(b, expand), Fraction(-1))
            case ast.MatMul(left=a, right=b):
                return self._product(a, b, expand)
            case ast.Div(left=a, right=c):
                return [times(x, y) for x in self.terms(a) for y in self._inverse(c)]
            case ast.Transpose(arg=a):
                if node.shape.is_scalar:
                    return self.terms(a, expand)
                return [self.transpose(x) for x in self.terms(a)]
            case ast.Power(arg=a, exponent=k, symbolic=()) if not a.shape.is_scalar and k <= 8:
                base = self.tidy_atom(a)  # as k factors, so X X and X^2 are like terms
                return [Term(chain=(base,) * k)]
            case ast.Power(arg=a, exponent=k, symbolic=()) if a.shape.is_scalar:
                inner = self.terms(a)
                if len(inner) == 1 and not inner[0].chain:
                    x = inner[0]
                    return [Term(x.coef**k, tuple(replace(s, power=s.power * k)
                                                  for s in x.scalars))]
                return [atom(self.tidy_atom(a), k)]
            case ast.Call(func="tr", args=(a,)) if distribute:
                return [self._wrap_scalar_call(x, "tr") for x in self.terms(a, expand)]
            case ast.Call(func="sum", args=(a,)) if distribute:
                return [self._wrap_scalar_call(x, "sum") for x in self.terms(a, expand)]
            case ast.Hadamard(left=a, right=b) | ast.Kron(left=a, right=b) if distribute:
                return [self._bilinear(type(node), x, y)
                        for x in self.terms(a) for y in self.terms(b)]
            case ast.HadamardDiv(left=a, right=b) if distribute:
                return [Term(x.coef, x.scalars, (ast.HadamardDiv(
                    t.prod(*x.chain) if x.chain else t.num(1), b, shape=node.shape),))
                        for x in self.terms(a)]
        return [atom(self.tidy_atom(node))]

    def _product(self, a: ast.Node, b: ast.Node, expand: bool) -> list[Term]:
        left, right = self.terms(a), self.terms(b)
        if a.shape.is_scalar != b.shape.is_scalar or (a.shape.is_scalar and b.shape.is_scalar):
            # scaling, not a matrix product: a 1×1 chain becomes one scalar factor
            left = [scalar_atom(x) for x in left] if a.shape.is_scalar else left
            right = [scalar_atom(y) for y in right] if b.shape.is_scalar else right
        return [times(x, y) for x in left for y in right]

    def _inverse(self, c: ast.Node) -> list[Term]:
        inner = self.terms(c)
        if len(inner) == 1 and not inner[0].chain and inner[0].coef:
            x = inner[0]
            return [Term(1 / x.coef, tuple(replace(s, power=-s.power) for s in x.scalars))]
        return [atom(self.tidy_atom(c), -1)]

    def _wrap_scalar_call(self, x: Term, func: str) -> Term:
        """tr or sum of a term: scalars come out; tr of a 1×1 chain is the chain."""
        if not x.chain or (func == "tr" and x.shape.is_scalar) or (
                func == "sum" and x.shape.is_scalar):
            return x
        inner = t.prod(*x.chain)
        return Term(x.coef, _merge(x.scalars, atom(t.call(func, inner, SCALAR)).scalars))

    def _bilinear(self, cls, x: Term, y: Term) -> Term:
        left = t.prod(*x.chain) if x.chain else None
        right = t.prod(*y.chain) if y.chain else None
        coef, scalars = x.coef * y.coef, _merge(x.scalars, y.scalars)
        if left is None or right is None:  # a 1×1 side: the product is scaling
            return Term(coef, scalars, tuple(c for c in (left, right) if c is not None))
        node = t.hadamard(left, right) if cls is ast.Hadamard else t.kron(left, right)
        return Term(coef, scalars, (node,))

    # ---- transposes -------------------------------------------------------------------
    def transpose(self, x: Term) -> Term:
        if not x.chain or (x.shape.is_scalar and len(x.chain) == 1):
            return x
        return Term(x.coef, x.scalars, tuple(self.t_atom(f) for f in reversed(x.chain)))

    def t_atom(self, f: ast.Node) -> ast.Node:
        """The transpose of one factor, pushed inside where that reads well."""
        shape = f.shape.T
        match f:
            case _ if f.shape.is_scalar:
                return f
            case ast.Sym(name=name) if name in self.symmetric:
                return f
            case ast.Transpose(arg=a):
                return a
            case ast.Inverse(arg=ast.Transpose(arg=a)):
                return t.inv(a)
            case ast.Inverse(arg=a):
                inner = self.t_atom(a)
                return ast.Inverse(inner, shape=shape)
            case ast.Power(arg=a):
                return replace(f, arg=self.t_atom(a), shape=shape)
            case ast.ConstMatrix(kind="I"):
                return f
            case ast.ConstMatrix(rows=rows, cols=cols):
                return replace(f, rows=cols, cols=rows, shape=shape)
            case ast.Hadamard(left=a, right=b) | ast.HadamardDiv(left=a, right=b) | ast.Kron(
                    left=a, right=b):
                return replace(f, left=self.t_atom(a), right=self.t_atom(b), shape=shape)
            case ast.MatMul():
                return t.prod(*(self.t_atom(g) for g in reversed(factors(f))))
            case ast.Call(func=func, args=(a,)) if (
                    f.elementwise or FUNCTIONS[func].transpose == "commutes"):
                return replace(f, args=(self.t_atom(a),), shape=shape)
            case ast.Call(func=func) if FUNCTIONS[func].transpose == "symmetric":
                return f
        return ast.Transpose(f, shape=shape)

    def tidy_atom(self, node: ast.Node) -> ast.Node:
        """An atom with its insides tidied (sums inside an inverse, a function, …)."""
        match node:
            case ast.Add() | ast.Sub():
                return self.build(self.terms(node, expand=True), shape=node.shape) or node
            case ast.Inverse(arg=a) | ast.Transpose(arg=a) | ast.Power(arg=a):
                inner = self.tidy_atom(a) if not isinstance(a, ast.MatMul) else self.tidy(a)
                if type(inner) is type(node) and not isinstance(node, ast.Power):
                    return inner.arg  # (X^{-1})^{-1} = X, (X^T)^T = X
                if isinstance(node, ast.Transpose):
                    return self.t_atom(inner)
                return replace(node, arg=inner)
            case ast.Call(args=(a,)):
                return replace(node, args=(self.tidy(a),))
        return node

    # ---- back to a tree -----------------------------------------------------------------
    def tidy(self, node: ast.Node) -> ast.Node:
        """The tidy form of a tree (zero as zeros(r, c))."""
        built = self.build(self.terms(node, expand=True), node.shape)
        return built if built is not None else zeros(node.shape)

    def build(self, terms: list[Term], shape: Shape) -> ast.Node | None:
        terms = collect(terms)
        if not terms:
            return None
        return self._factored(terms)

    def _factored(self, terms: list[Term]) -> ast.Node:
        if len(terms) == 1:
            return _term_tree(terms[0])
        # a common coefficient and common scalar factors
        g = _common_coef(terms)
        common = _common_scalars(terms)
        if g != 1 or common:
            inner = [Term(x.coef / g, _merge(x.scalars, tuple(replace(s, power=-s.power)
                                                               for s in common)), x.chain)
                     for x in terms]
            return _term_tree(Term(g, common, tuple(factors(self._factored(inner)))))
        for side in (-1, 0):
            if not terms[0].chain:
                continue
            shared = terms[0].chain[side]
            k = t.key(shared)
            if all(len(x.chain) >= 2 and t.key(x.chain[side]) == k for x in terms):
                rest = [Term(x.coef, x.scalars, x.chain[:-1] if side == -1 else x.chain[1:])
                        for x in terms]
                parts = factors(self._factored(collect(rest)))
                return t.prod(*parts, shared) if side == -1 else t.prod(shared, *parts)
        return _sum_tree(terms)


def collect(terms: list[Term]) -> list[Term]:
    """Like terms added up, zero terms dropped, in order of first appearance."""
    table: dict[tuple, Term] = {}
    for x in terms:
        sig = x.signature()
        table[sig] = replace(table[sig], coef=table[sig].coef + x.coef) if sig in table else x
    return [x for x in table.values() if x.coef != 0]


def _common_coef(terms: list[Term]) -> Fraction:
    nums = [abs(x.coef.numerator) for x in terms]
    dens = [x.coef.denominator for x in terms]
    g = Fraction(math.gcd(*nums), math.lcm(*dens))
    if all(x.coef < 0 for x in terms):
        g = -g
    return g


def _common_scalars(terms: list[Term]) -> tuple[Scalar, ...]:
    common = []
    for s in terms[0].scalars:
        powers = [next((o.power for o in x.scalars if o.key == s.key), 0) for x in terms]
        if all(p > 0 for p in powers) or all(p < 0 for p in powers):
            p = min(powers, key=abs)
            common.append(replace(s, power=p))
    return tuple(common)


def _merge_powers(chain: tuple[ast.Node, ...]) -> list[ast.Node]:
    out: list[tuple[str, ast.Node, int]] = []
    for f in chain:
        base, k = (f.arg, f.exponent) if isinstance(f, ast.Power) and not f.symbolic else (f, 1)
        key = t.key(base)
        if out and out[-1][0] == key:
            out[-1] = (key, out[-1][1], out[-1][2] + k)
        else:
            out.append((key, base, k))
    return [t.power(base, k) for _, base, k in out]


def _term_tree(x: Term) -> ast.Node:
    """coef · scalars · chain / (negative-power scalars), with the sign outside."""
    magnitude = abs(x.coef)
    top = [t.power(s.node, s.power) for s in x.scalars if s.power > 0]
    bottom = [t.power(s.node, -s.power) for s in x.scalars if s.power < 0]
    parts = top + _merge_powers(x.chain)
    if magnitude.numerator != 1 or not parts:
        parts.insert(0, t.num(magnitude.numerator))
    node = t.prod(*parts)
    denominator = [t.num(magnitude.denominator)] if magnitude.denominator != 1 else []
    if bottom or denominator:
        node = t.div(node, t.prod(*(denominator + bottom)))
    return t.neg(node) if x.coef < 0 else node


def _sum_tree(terms: list[Term]) -> ast.Node:
    ordered = sorted(terms, key=lambda x: x.coef < 0)  # a positive term first, if any
    out = _term_tree(ordered[0])
    for x in ordered[1:]:
        if x.coef < 0:
            out = t.sub(out, _term_tree(replace(x, coef=-x.coef)))
        else:
            out = t.add(out, _term_tree(x))
    return out


def factors(node: ast.Node) -> list[ast.Node]:
    """The factors of a product, all of them: a product reads left to right unbracketed."""
    if isinstance(node, ast.MatMul):
        return factors(node.left) + factors(node.right)
    return [node]


def split_coefficient(node: ast.Node) -> tuple[ast.Node | None, ast.Node]:
    """(c, rest) for a product whose first factor is a number c, else (None, node)."""
    parts = factors(node)
    if len(parts) > 1 and isinstance(parts[0], ast.Num):
        return parts[0], t.prod(*parts[1:])
    return None, node


def zeros(shape: Shape) -> ast.Node:
    if shape.is_scalar:
        return t.num(0)
    return ast.ConstMatrix("zeros", str(shape.rows), str(shape.cols), shape=shape)
