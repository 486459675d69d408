"""One normal form for expressions, so that equal spellings compare equal.

:func:`normal_form` turns a syntax tree (typed or not) into a hashable *term*, a nested
tuple, in which spellings that are equal for every value of the variables have one form:

- sums and products (matrix, Hadamard, Kronecker) are flat, the terms of sums and Hadamard
  products in a fixed order; ``A - B`` is ``A + (-B)``;
- transposes are pushed down to the leaves: ``(A B)^T`` is ``B^T A^T``, ``(A + B)^T`` is
  ``A^T + B^T``, ``(X^{-1})^T`` is ``(X^T)^{-1}``, the transpose of a 1×1 function (``tr``,
  ``det``, ``norm``, ``sum``, …) is itself, and ``X^T^T`` is ``X``;
- constant integer powers are expanded (``X^3`` is ``X X X``), and ``(X^{-1})^{-1}`` is ``X``;
- ``norm(v)^2`` is ``v^T v`` and ``norm_F(X)^2`` is ``tr(X^T X)`` (the norm of a row ``v`` is
  that of the column ``v^T``; in an untyped tree, where shapes are unknown, a norm's argument
  is taken for a column, and callers check such matches numerically).

Terms carry no positions or shapes. Variables are ``("sym", name)``, dimension names used as
numbers (``/ n``) are ``("dim", name)``; the dimension arguments of ``I(n)``, ``ones(n, 1)``
are ``("dim", name)`` or ``("lit", size)``. A power by an integer expression such as
``X^k`` is ``("pow", base, const, ("sym", "k"), coefficient, ...)``.

:func:`unify` finds a renaming of one term's variables, dimensions and integer exponents that
makes it equal to another (an ``X^k`` takes a run of k ≥ 2 equal factors), and
:func:`equal_up_to_renaming` says whether two terms are one expression in different names.
On typed trees every rewrite here is an identity, so two trees with one normal form are
equal; callers that also try unsound guesses (:func:`variants`) check them numerically.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field, fields, replace

from kb import ast

Term = tuple
MAX_EXPANDED_FACTORS = 24
"""A constant power is expanded into factors while that makes at most this many (so that
nested powers such as ((X^9)^9)^9 stay small); a larger one stays a power."""
MIN_RUN = 2
"""An ``X^k`` pattern takes a run of at least this many equal factors (k = 1 would make every
record with a power a second, roundabout match of the plain one)."""

# 1×1 whatever the argument, so equal to their transpose.
_SCALAR_FUNCTIONS = frozenset({"tr", "det", "norm", "norm_F", "sum", "eigval"})


def normal_form(tree: ast.Node, dimensions: Set[str] = frozenset(),
                spellings: bool = True) -> Term:
    """The normal form of a syntax tree. In an untyped tree, a bare name in ``dimensions``
    is a dimension used as a number (a typed tree says so itself, with ``DimSize``).

    ``spellings=False`` leaves out the rewrites from one function to another (``norm(v)^2``
    as ``vᵀv``), to tell a statement written twice from two spellings of one fact.
    """
    term = _nf(tree, frozenset(dimensions))
    return _respell(term) if spellings else term


def _nf(node: ast.Node, dims: frozenset[str]) -> Term:
    match node:
        case ast.Sym(name=name):
            return ("dim", name) if name in dims else ("sym", name)
        case ast.DimSize(name=name):
            return ("dim", name)
        case ast.Num(value=value):
            return ("num", value)
        case ast.ConstMatrix(kind=kind, rows=rows, cols=cols):
            return ("const", kind, _dim(rows), _dim(cols))
        case ast.MatMul() | ast.Hadamard() | ast.Kron():
            head = {ast.MatMul: "prod", ast.Hadamard: "hadamard", ast.Kron: "kron"}[type(node)]
            return _flat(head, [_nf(node.left, dims), _nf(node.right, dims)])
        case ast.Add():
            return _flat("add", [_nf(node.left, dims), _nf(node.right, dims)])
        case ast.Sub():
            return _flat("add", [_nf(node.left, dims), negate(_nf(node.right, dims))])
        case ast.Neg(arg=arg):
            return negate(_nf(arg, dims))
        case ast.Transpose(arg=arg):
            return transpose(_nf(arg, dims))
        case ast.Inverse(arg=arg):
            inner = _nf(arg, dims)
            return inner[1] if inner[0] == "inv" else ("inv", inner)
        case ast.Call(func="norm", args=(arg,)) if arg.shape is not None and arg.shape.is_row:
            # norm(v) of a row is norm(v^T): every norm's argument is then a column, which
            # makes norm(v)^2 = v^T v sound (an untyped argument is taken for a column).
            return ("Call", "norm", False, transpose(_nf(arg, dims)))
        case ast.Power(arg=arg, exponent=k, symbolic=symbolic):
            base = _nf(arg, dims)
            if not symbolic and k >= 1 and k * len(factors(base)) <= MAX_EXPANDED_FACTORS:
                return _flat("prod", [base] * k)
            return ("pow", base, k, *(x for n, c in symbolic for x in (("sym", n), c)))
    attrs = tuple(getattr(node, f.name) for f in fields(node)
                  if f.name not in ("pos", "shape", "explicit", "layout")
                  and not isinstance(getattr(node, f.name), ast.Node | tuple))
    return (type(node).__name__, *attrs, *(_nf(c, dims) for c in node.children()))


def _dim(text: str) -> Term:
    return ("lit", int(text)) if text.isdigit() else ("dim", text)


def factors(t: Term, head: str = "prod") -> tuple[Term, ...]:
    """The factors of a product (a term that is not a product is one factor)."""
    return t[1:] if t[0] == head else (t,)


def _flat(head: str, items: list[Term]) -> Term:
    out: list[Term] = []
    for item in items:
        out.extend(factors(item, head))
    if head in _COMMUTATIVE:
        out.sort(key=repr)
    return out[0] if len(out) == 1 else (head, *out)


# Their terms are kept sorted, so that equal sums are equal tuples (unify still tries every
# pairing, since a renaming can change the order).
_COMMUTATIVE = frozenset({"add", "hadamard"})


def _respell(t: Term) -> Term:
    """The norm rewrites, bottom up."""
    t = tuple(_respell(x) if isinstance(x, tuple) else x for x in t)
    if t[0] == "prod":
        return _flat("prod", _squared_norms(list(t[1:])))
    return t


def _squared_norms(items: list[Term]) -> list[Term]:
    """norm(v) norm(v) is v^T v; norm_F(X) norm_F(X) is tr(X^T X)."""
    out: list[Term] = []
    for item in items:
        if out and item == out[-1] and item[0] == "Call" and item[1] in ("norm", "norm_F"):
            out.pop()
            arg = item[3]
            if item[1] == "norm":
                out.extend((*factors(transpose(arg)), *factors(arg)))
            else:
                out.append(("Call", "tr", False, _flat("prod", [transpose(arg), arg])))
            continue
        out.append(item)
    return out


def negate(t: Term) -> Term:
    return t[1] if t[0] == "neg" else ("neg", t)


def transpose(t: Term) -> Term:
    """The normal form of the transpose of a term in normal form."""
    head = t[0]
    if head in ("T",):
        return t[1]
    if head in ("num", "dim"):
        return t
    if head == "prod":
        return _flat("prod", [transpose(f) for f in reversed(t[1:])])
    if head in ("add", "hadamard", "kron"):
        return _flat(head, [transpose(f) for f in t[1:]])
    if head in ("neg", "inv"):
        return (head, transpose(t[1]))
    if head == "pow":
        return ("pow", transpose(t[1]), *t[2:])
    if head == "const":
        return t if t[1] == "I" else ("const", t[1], t[3], t[2])
    if head == "Call" and (t[1] in _SCALAR_FUNCTIONS or (not t[2] and t[1] in _SCALAR_ONLY)):
        return t
    if head == "Call" and t[2]:  # f.(X)^T = f.(X^T)
        return ("Call", t[1], True, transpose(t[3]))
    if head == "Div":  # (A / c)^T = A^T / c
        return ("Div", transpose(t[1]), t[2])
    if head == "HadamardDiv":
        return ("HadamardDiv", transpose(t[1]), transpose(t[2]))
    return ("T", t)


# Scalar functions such as exp(s) take a 1×1 argument unless spelled element-wise.
_SCALAR_ONLY = frozenset({"exp", "log", "sin", "cos", "tanh", "sqrt", "abs"})


# ---- renaming ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A renaming from one term's names to another's: variables (one-to-one), dimensions,
    and integer exponents bound to a number (``X^k`` against ``X X X`` binds k = 3)."""

    symbols: Mapping[str, str] = field(default_factory=dict)
    dimensions: Mapping[str, str] = field(default_factory=dict)
    integers: Mapping[str, int] = field(default_factory=dict)

    def symbol(self, name: str, other: str) -> Binding | None:
        if name in self.symbols:
            return self if self.symbols[name] == other else None
        if other in self.symbols.values() or other in self.dimensions.values():
            return None
        return replace(self, symbols={**self.symbols, name: other})

    def dimension(self, name: str, other: str) -> Binding | None:
        if name in self.dimensions:
            return self if self.dimensions[name] == other else None
        if other in self.symbols.values():
            return None
        return replace(self, dimensions={**self.dimensions, name: other})

    def integer(self, name: str, value: int) -> Binding | None:
        if name in self.integers:
            return self if self.integers[name] == value else None
        return replace(self, integers={**self.integers, name: value})


def unify(pattern: Term, target: Term, binding: Binding | None = None) -> Binding | None:
    """The first renaming (extending ``binding``) that makes ``pattern`` equal ``target``."""
    return next(unifiers(pattern, target, binding), None)


def unifiers(pattern: Term, target: Term, binding: Binding | None = None) -> Iterator[Binding]:
    """Every renaming (extending ``binding``) that makes ``pattern`` equal ``target``, lazily:
    a sum's terms may pair up in several ways, a run of factors split in several places."""
    return _unify(pattern, target, binding or Binding())


def equal_up_to_renaming(a: Term, b: Term) -> bool:
    """True when ``a`` and ``b`` are one expression up to a one-to-one renaming of names."""
    found = unify(a, b)
    return found is not None and not found.integers and unify(b, a) is not None


def _unify(p: Term, t: Term, b: Binding) -> Iterator[Binding]:
    head = p[0]
    if head == "sym":
        if t[0] == "sym" and (found := b.symbol(p[1], t[1])) is not None:
            yield found
        return
    if head == "dim":
        # A record's dimension takes the user's dimension; a bare user name that no shape
        # declares may be one too (the numeric check decides).
        other = str(t[1]) if t[0] == "lit" else t[1] if t[0] in ("dim", "sym") else None
        if other is not None and (found := b.dimension(p[1], other)) is not None:
            yield found
        return
    if head == "lit":
        if t == p:
            yield b
        return
    if (_is_run(p) and t[0] != "pow") or (head == "prod" and any(_is_run(f) for f in p[1:])):
        yield from _unify_seq(factors(p), factors(t), b)
        return
    if head != t[0] or len(p) != len(t):
        return
    if head in ("add", "hadamard") and len(p) <= 6:
        seen: set = set()
        for perm in itertools.permutations(t[1:]):
            if perm in seen:
                continue
            seen.add(perm)
            yield from _unify_all(p[1:], perm, b)
        return
    yield from _unify_all(p[1:], t[1:], b)


def _unify_all(ps, ts, b: Binding) -> Iterator[Binding]:
    if not ps:
        yield b
        return
    first, other = ps[0], ts[0]
    if isinstance(first, tuple) and isinstance(other, tuple):
        for found in _unify(first, other, b):
            yield from _unify_all(ps[1:], ts[1:], found)
    elif first == other:
        yield from _unify_all(ps[1:], ts[1:], b)


def _is_run(t: Term) -> bool:
    """``X^k``: a power by one integer variable, which can take a run of equal factors."""
    return t[0] == "pow" and len(t) == 5 and t[2] == 0 and t[4] == 1


def _unify_seq(ps: tuple[Term, ...], ts: tuple[Term, ...], b: Binding) -> Iterator[Binding]:
    """Unify factor sequences, where an ``X^k`` in the pattern takes k copies of X."""
    if not ps:
        if not ts:
            yield b
        return
    first = ps[0]
    if not _is_run(first):
        if ts:
            for found in _unify(first, ts[0], b):
                yield from _unify_seq(ps[1:], ts[1:], found)
        return
    base = factors(first[1])
    name = first[3][1]
    if ts and ts[0][0] == "pow" and len(ts[0]) == len(first):  # X^k against a power of theirs
        for found in _unify_all(first[1:], ts[0][1:], b):
            yield from _unify_seq(ps[1:], ts[1:], found)
    width = len(base)
    for count in range(MIN_RUN, len(ts) // width + 1):
        bound = b.integer(name, count)
        if bound is None:
            continue
        yield from _unify_run(base, count, ts, bound, ps[1:])


def _unify_run(base, count: int, ts, b: Binding, rest) -> Iterator[Binding]:
    width = len(base)
    run, after = ts[:width * count], ts[width * count:]
    found: list[Binding] = [b]
    for i in range(count):
        found = [x for prev in found for x in _unify_seq(base, run[i * width:(i + 1) * width],
                                                         prev)]
    for x in found:
        yield from _unify_seq(rest, after, x)


# ---- sound and guessed rewrites ----------------------------------------------------------


def variants(t: Term, limit: int = 64) -> list[Term]:
    """The term and rewrites of it: cyclic rotations and the transpose inside a trace (sound),
    and the transpose of a whole product (sound when it is 1×1: callers check numerically)."""
    out = itertools.chain(_trace_rotations(t), _trace_rotations(transpose(t))
                          if t[0] == "prod" else ())
    return list(dict.fromkeys(itertools.islice(out, limit)))


def _trace_rotations(t: Term) -> Iterator[Term]:
    if t[0] == "Call" and t[1] == "tr":
        seq = factors(t[3])
        for order in (seq, factors(transpose(t[3]))):
            for k in range(len(order)):
                rotated = order[k:] + order[:k]
                yield ("Call", "tr", False, _flat("prod", list(rotated)))
        return
    yield t
