"""Find the identities whose statement matches a user's expression.

A match is found by unifying the user's tree with a record's expression up to a renaming of
symbols, on a normal form in which products and sums are flat. Two sound equivalences are
tried as well: a scalar equals its transpose (bᵀXᵀa = aᵀXb), and a trace is invariant under
cyclic rotation and transposition of its product. Every candidate is then type-checked with
the shapes the renaming implies and checked numerically (the user's expression against the
record's, on draws that respect the record's structure) before it is returned, with the
derivative rewritten in the user's symbols.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from kb import ast
from kb.dims import Dim, Shape
from kb.grammar import parse
from kb.latex import latex
from kb.numeric import Env, evaluate
from kb.printer import to_text
from kb.sampling import assign_sizes, sample
from kb.shapes import Scope, ShapeError, VarInfo, check

if TYPE_CHECKING:
    from kb.identity import Identity

Term = tuple
MATCH_TOLERANCE = 1e-8
MATCH_DRAWS = 4


@dataclass(frozen=True)
class Match:
    """An identity that applies to the user's expression, in the user's symbols."""

    identity: Identity
    mapping: dict[str, str]
    """record symbol → user symbol."""
    derivative: str
    latex: str
    conditions: list[str]
    error: float


# ---- normal form ---------------------------------------------------------------------------


def term(node: ast.Node) -> Term:
    """A hashable normal form: flat products and sums, no positions or shapes."""
    match node:
        case ast.Sym(name=name) | ast.DimSize(name=name):
            return ("sym", name)
        case ast.Num(value=value):
            return ("num", value)
        case ast.MatMul():
            return ("prod", *(term(f) for f in _flatten(node, ast.MatMul)))
        case ast.Add():
            return ("add", *(term(f) for f in _flatten(node, ast.Add)))
        case ast.Hadamard():
            return ("hadamard", *(term(f) for f in _flatten(node, ast.Hadamard)))
        case ast.Transpose(arg=arg):
            return _transposed(term(arg))
    attrs = tuple(
        getattr(node, f.name) for f in fields(node)
        if f.name not in ("pos", "shape", "explicit", "layout")
        and not isinstance(getattr(node, f.name), ast.Node | tuple)
    )
    children = tuple(term(c) for c in node.children())
    return (type(node).__name__, *attrs, *children)


def _flatten(node: ast.Node, cls: type) -> list[ast.Node]:
    if isinstance(node, cls) and type(node) is cls:
        return _flatten(node.left, cls) + _flatten(node.right, cls)
    return [node]


def _transposed(t: Term) -> Term:
    if t[0] == "T":
        return t[1]
    return ("T", t)


def _reverse_transpose(factors: tuple[Term, ...]) -> tuple[Term, ...]:
    return tuple(_transposed(f) for f in reversed(factors))


def variants(t: Term, limit: int = 64) -> list[Term]:
    """The user's term and its sound rewrites: trace rotations, scalar transposes."""
    out = list(dict.fromkeys(itertools.islice(_variants(t), limit)))
    return out


def _variants(t: Term) -> Iterator[Term]:
    yield from _inner_variants(t)
    if t[0] == "prod":  # a scalar equals its transpose; wrong guesses fail the numeric check
        yield from _inner_variants(("prod", *_reverse_transpose(t[1:])))


def _inner_variants(t: Term) -> Iterator[Term]:
    if t[0] == "Call" and t[1] == "tr":
        arg = t[3]
        factors = arg[1:] if arg[0] == "prod" else (arg,)
        for seq in (factors, _reverse_transpose(factors)):
            for k in range(len(seq)):
                rotated = seq[k:] + seq[:k]
                yield ("Call", "tr", False, ("prod", *rotated) if len(rotated) > 1 else rotated[0])
        return
    yield t


# ---- unification --------------------------------------------------------------------------


def unify(pattern: Term, target: Term, binding: dict[str, str]) -> dict[str, str] | None:
    """A renaming of the pattern's symbols that makes it equal to the target, or None."""
    if pattern[0] == "sym":
        if target[0] != "sym":
            return None
        name, other = pattern[1], target[1]
        if name in binding:
            return binding if binding[name] == other else None
        if other in binding.values():
            return None
        return {**binding, name: other}
    if pattern[0] != target[0] or len(pattern) != len(target):
        return None
    if pattern[0] in ("add", "hadamard") and len(pattern) <= 5:
        for perm in itertools.permutations(target[1:]):
            found = _unify_all(pattern[1:], perm, binding)
            if found is not None:
                return found
        return None
    return _unify_all(pattern[1:], target[1:], binding)


def _unify_all(patterns, targets, binding: dict[str, str]) -> dict[str, str] | None:
    for p, t in zip(patterns, targets, strict=True):
        if isinstance(p, tuple):
            if not isinstance(t, tuple):
                return None
            found = unify(p, t, binding)
            if found is None:
                return None
            binding = found
        elif p != t:
            return None
    return binding


# ---- renaming and checking ---------------------------------------------------------------


def rename(node: ast.Node, mapping: Mapping[str, str]) -> ast.Node:
    """The tree with every variable renamed (differentials and diff() included)."""
    match node:
        case ast.Sym(name=name) | ast.Differential(name=name) | ast.DimSize(name=name):
            return replace(node, name=mapping.get(name, name))
        case ast.DerivativeOf(func=func, wrt=wrt):
            return replace(node, func=mapping.get(func, func), wrt=mapping.get(wrt, wrt))
    return ast.map_children(node, lambda child: rename(child, mapping))


def _user_scope(identity: Identity, mapping: dict[str, str],
                shapes: Mapping[str, tuple[int | str, int | str]] | None) -> Scope | None:
    specs = identity.statement.specs
    variables: dict[str, VarInfo] = {}
    dims: dict[str, Dim] = {}
    for record_name, user_name in mapping.items():
        if record_name not in specs:
            continue
        shape = specs[record_name].shape
        if shapes and user_name in shapes:
            given = Shape.parse(shapes[user_name])
            for mine, theirs in ((shape.rows, given.rows), (shape.cols, given.cols)):
                key = str(mine)
                if dims.setdefault(key, theirs) != theirs:
                    return None
        variables[user_name] = VarInfo(shape)
    names = {d for info in variables.values() for dim in (info.shape.rows, info.shape.cols)
             for d in dim.names}
    return Scope(variables, frozenset(names))


def _numeric_error(identity: Identity, user_tree: ast.Node, mapping: dict[str, str]) -> float:
    st = identity.statement
    rng = np.random.default_rng(12345)
    sizes = assign_sizes(st.specs)
    values = sample(st.specs, sizes, MATCH_DRAWS, rng)
    env = Env(MATCH_DRAWS, values, sizes)
    user_env = Env(MATCH_DRAWS, {mapping[k]: v for k, v in values.items()}, sizes)
    want = evaluate(st.trees["expression"], env)
    got = evaluate(user_tree, user_env)
    scale = np.maximum(np.abs(want).max(), np.abs(got).max())
    error = float(np.abs(want - got).max() / max(scale, 1e-300))
    return error if np.isfinite(error) else float("inf")


def match(identities: list[Identity], expression: str, wrt: str,
          shapes: Mapping[str, tuple[int | str, int | str]] | None = None,
          layout: str = "denominator", limit: int = 10) -> list[Match]:
    """The identities whose expression matches ``expression`` differentiated by ``wrt``."""
    user = parse(expression)
    user_terms = variants(term(user))
    out: list[Match] = []
    for identity in identities:
        if identity.type != "derivative" or any(
                s.function_of for s in identity.statement.specs.values()):
            continue
        pattern = identity.pattern
        for target in user_terms:
            binding = unify(pattern, target, {identity.record.wrt: wrt})
            if binding is None or binding.get(identity.record.wrt) != wrt:
                continue
            found = _confirm(identity, user, binding, shapes, layout)
            if found is not None:
                out.append(found)
                break
        if len(out) >= limit:
            break
    return out


def _confirm(identity: Identity, user: ast.Node, binding: dict[str, str],
             shapes: Mapping[str, tuple[int | str, int | str]] | None,
             layout: str) -> Match | None:
    scope = _user_scope(identity, binding, shapes)
    if scope is None:
        return None
    try:
        typed = check(user, scope)
    except ShapeError:
        return None
    error = _numeric_error(identity, typed, binding)
    if error > MATCH_TOLERANCE:
        return None
    result = rename(identity.result_tree(layout), binding)
    specs = identity.statement.specs
    conditions = [f"{binding[name]}: {', '.join(sorted(str(s) for s in spec.structure))}"
                  for name, spec in specs.items() if spec.structure and name in binding]
    return Match(identity, dict(binding), to_text(result), latex(result), conditions, error)


def duplicates(identities: list[Identity]) -> list[tuple[str, str]]:
    """Pairs of derivative records that state the same identity: one's expression matches the
    other's up to renaming, with the same structure on corresponding variables."""
    pairs = []
    for identity in identities:
        if identity.type != "derivative" or any(
                s.function_of for s in identity.statement.specs.values()):
            continue
        text = to_text(identity.tree("expression"))
        try:
            found = match(identities, text, identity.record.wrt)
        except Exception:  # placeholders and the like have no numeric match
            continue
        for other in found:
            if other.identity.id <= identity.id:
                continue
            mine, theirs = identity.statement.specs, other.identity.statement.specs
            if all(mine[user].structure == theirs[name].structure
                   for name, user in other.mapping.items() if name in theirs and user in mine):
                pairs.append((identity.id, other.identity.id))
    return pairs
