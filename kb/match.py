"""Find the identities whose statement matches a user's expression.

Both the user's expression and each record's are brought to one normal form
(:mod:`kb.normal_form`): flat sums and products, transposes pushed to the leaves, constant
powers expanded, ``norm(v)^2`` as ``vᵀv``. A match is a renaming of the record's variables,
dimensions and integer exponents that makes the record's form equal the user's (``X^k``
takes a run of k equal factors). Two more rewrites are tried: a trace is invariant under
cyclic rotation and transposition of its product, and a scalar equals its transpose.

Every candidate is then checked: the record's literal dimensions (a column's ``1``) must be
the user's, the user's expression must type-check with the shapes the renaming implies, and
it must equal the record's numerically on draws that respect the record's structure. The
derivative is returned in the user's symbols and dimension names. Records that need a
condition the user did not state rank after those that need none.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kb import ast
from kb.dims import Dim, Shape
from kb.grammar import parse
from kb.latex import latex
from kb.normal_form import Binding, normal_form, unifiers, unify, variants
from kb.numeric import Env, evaluate
from kb.printer import to_text
from kb.sampling import SamplingError, assign_sizes, sample
from kb.shapes import Scope, ShapeError, VarInfo, VarSpec, check
from kb.specialize import in_user_terms
from kb.structures import Structure, closure

if TYPE_CHECKING:
    from kb.identity import Identity

MATCH_TOLERANCE = 1e-8
MATCH_DRAWS = 4
BINDINGS_PER_RECORD = 8
"""Renamings tried per record and spelling before giving up on it (each costs a check)."""

Shapes = Mapping[str, tuple[int | str, int | str]]

@dataclass(frozen=True)
class Match:
    """An identity that applies to the user's expression, in the user's symbols."""

    identity: Identity
    mapping: dict[str, str]
    """record symbol → user symbol."""
    derivative: str
    latex: str
    conditions: list[str]
    """The record's structure assumptions, on the user's symbols: 'A: symmetric'."""
    error: float
    unstated: list[str] = field(default_factory=list)
    """The conditions the user did not state (``structure=``): the answer holds only if
    they do."""
    dimensions: dict[str, str] = field(default_factory=dict)
    """record dimension → user dimension (a name or a size)."""
    integers: dict[str, int] = field(default_factory=dict)
    """record integer exponent → the power it takes here (``X^k`` against ``X X X``)."""


def match(identities: list[Identity], expression: str, wrt: str, shapes: Shapes | None = None,
          layout: str = "denominator", limit: int = 10,
          structure: Mapping[str, list[str]] | None = None) -> list[Match]:
    """The identities whose expression matches ``expression`` differentiated by ``wrt``.

    ``shapes`` gives some of the user's shapes (``{"x": ("n", 1)}``); ``structure`` the
    structures the user assumes (``{"A": ["symmetric"]}``), which ranks records that need
    only those first.
    """
    user = parse(expression)
    given = {name: Shape.parse(pair) for name, pair in (shapes or {}).items()}
    user_dims = {d for shape in given.values() for dim in (shape.rows, shape.cols)
                 for d in dim.names}
    user_dims |= {d for node in user.walk() if isinstance(node, ast.ConstMatrix)
                  for d in (node.rows, node.cols) if not d.isdigit()}
    if wrt in user_dims:
        return []  # a dimension is a size, not something to differentiate by
    targets = variants(normal_form(user, user_dims))
    stated = {name: _closure(values) for name, values in (structure or {}).items()}
    found: list[Match] = []
    for identity in identities:
        if identity.type != "derivative" or any(
                s.function_of for s in identity.statement.specs.values()):
            continue
        start = Binding(symbols={identity.statement.wrt: wrt})
        result = _first_confirmed(identity, user, targets, start, given, user_dims, layout,
                                  stated)
        if result is not None:
            found.append(result)
    found.sort(key=lambda m: (len(m.unstated), -len(m.conditions)))
    return found[:limit]


def _first_confirmed(identity: Identity, user: ast.Node, targets: list[tuple],
                     start: Binding, given: dict[str, Shape], user_dims: set[str], layout: str,
                     stated: dict[str, set[str]]) -> Match | None:
    for target in targets:
        bindings = itertools.islice(unifiers(identity.pattern, target, start), BINDINGS_PER_RECORD)
        for binding in bindings:
            found = _confirm(identity, user, binding, given, user_dims, layout, stated)
            if found is not None:
                return found
    return None


def _closure(values: list[str]) -> set[str]:
    """The structures stated and every one they imply (spd satisfies symmetric)."""
    known = [Structure(v) for v in values if v in Structure.__members__.values()]
    return {str(v) for v in values} | {str(s) for s in closure(known)}


# ---- the renaming, completed and checked --------------------------------------------------


@dataclass(frozen=True)
class _Renaming:
    names: dict[str, str]
    """record variable → user variable (fresh names for those the expression lacks)."""
    dims: dict[str, str]
    """record dimension → user dimension."""
    integers: dict[str, int]
    specs: dict[str, VarSpec]
    """The user's variables, with the record's structures."""


def _complete(identity: Identity, binding: Binding, given: dict[str, Shape],
              user_dims: set[str]) -> _Renaming | None:
    """Dimensions from the user's shapes, fresh names for the rest; None on a conflict."""
    specs = identity.statement.specs
    dims = dict(binding.dimensions)
    if any(value in given for value in dims.values()):
        return None  # a user's variable taken for a dimension
    for record_name, user_name in binding.symbols.items():
        if record_name not in specs or user_name not in given:
            continue
        mine, theirs = specs[record_name].shape, given[user_name]
        for a, b in ((mine.rows, theirs.rows), (mine.cols, theirs.cols)):
            if not a.names:  # a literal dimension (a column's 1) is only ever itself
                if a != b:
                    return None
            elif dims.setdefault(a.names[0], str(b)) != str(b):
                return None
    taken = set(binding.symbols.values()) | set(dims.values()) | user_dims | set(given)
    record_dims = {d for spec in specs.values() for dim in (spec.shape.rows, spec.shape.cols)
                   for d in dim.names}
    for name in sorted(record_dims - set(dims)):
        dims[name] = _fresh(name, taken)
        taken.add(dims[name])
    names = dict(binding.symbols)
    for name in sorted(set(specs) - set(names) - set(binding.integers)):
        names[name] = _fresh(name, taken)
        taken.add(names[name])
    user_specs = {
        names[name]: VarSpec(Shape(_mapped(spec.shape.rows, dims), _mapped(spec.shape.cols, dims)),
                             spec.structure, None, spec.integer)
        for name, spec in specs.items() if name not in binding.integers
    }
    for name, value in binding.integers.items():
        low, high = specs[name].integer or (value, value)
        if not low <= value <= high:
            return None  # the record is verified on its range only
    return _Renaming(names, dims, dict(binding.integers), user_specs)


def _fresh(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    return next(f"{name}{i}" for i in itertools.count(2) if f"{name}{i}" not in taken)


def _mapped(dim: Dim, dims: dict[str, str]) -> Dim:
    return Dim.parse(dims[dim.names[0]]) if dim.names else dim


def _confirm(identity: Identity, user: ast.Node, binding: Binding, given: dict[str, Shape],
             user_dims: set[str], layout: str, stated: dict[str, set[str]]) -> Match | None:
    renaming = _complete(identity, binding, given, user_dims)
    if renaming is None:
        return None
    variables = {name: VarInfo(spec.shape, integer=spec.integer is not None,
                                 integer_range=spec.integer)
                 for name, spec in renaming.specs.items()}
    dimensions = {d for spec in renaming.specs.values()
                  for dim in (spec.shape.rows, spec.shape.cols) for d in dim.names}
    try:
        typed = check(user, Scope(variables, frozenset(dimensions | user_dims)))
        error = _numeric_error(identity, typed, renaming)
    except (ShapeError, SamplingError):
        return None
    if error > MATCH_TOLERANCE:
        return None
    result = in_user_terms(identity.result_tree(layout), renaming.names, renaming.dims,
                           renaming.integers)
    conditions, unstated = [], []
    for name, spec in identity.statement.specs.items():
        if spec.structure:
            user_name = renaming.names[name]
            text = f"{user_name}: {', '.join(sorted(str(s) for s in spec.structure))}"
            conditions.append(text)
            if not {str(s) for s in spec.structure} <= stated.get(user_name, set()):
                unstated.append(text)
    symbols = {k: v for k, v in renaming.names.items() if k in binding.symbols}
    return Match(identity, symbols, to_text(result), latex(result), conditions, error,
                 unstated, renaming.dims, renaming.integers)


def _numeric_error(identity: Identity, typed: ast.Node, renaming: _Renaming) -> float:
    """The relative difference of the record's expression and the user's on shared draws."""
    rng = np.random.default_rng(12345)
    sizes = assign_sizes(renaming.specs)
    values = sample(renaming.specs, sizes, MATCH_DRAWS, rng)
    record_values = {name: values[user] for name, user in renaming.names.items()
                     if user in values}
    record_values |= {name: np.full((MATCH_DRAWS, 1, 1), float(k))
                      for name, k in renaming.integers.items()}
    record_sizes = {name: Dim.parse(user).size(sizes) for name, user in renaming.dims.items()}
    want = evaluate(identity.statement.trees["expression"],
                    Env(MATCH_DRAWS, record_values, record_sizes))
    got = evaluate(typed, Env(MATCH_DRAWS, values, sizes))
    if want.shape != got.shape:
        return float("inf")
    scale = np.maximum(np.abs(want).max(), np.abs(got).max())
    error = float(np.abs(want - got).max() / max(scale, 1e-300))
    return error if np.isfinite(error) else float("inf")


def duplicates(identities: list[Identity]) -> list[tuple[str, str]]:
    """Pairs of derivative records that state the same identity: one's expression matches the
    other's up to renaming, with the same structure on corresponding variables (a special
    case, such as a power record at one exponent, is not a duplicate)."""
    pairs = []
    for identity in identities:
        if identity.type != "derivative" or any(
                s.function_of for s in identity.statement.specs.values()):
            continue
        text = to_text(identity.tree("expression"))
        shapes = {name: (str(spec.shape.rows), str(spec.shape.cols))
                  for name, spec in identity.statement.specs.items() if spec.integer is None}
        try:
            found = match(identities, text, identity.statement.wrt, shapes, limit=len(identities))
        except Exception:  # placeholders and the like have no numeric match
            continue
        written = variants(normal_form(identity.tree("expression"), spellings=False))
        for other in found:
            if other.identity.id <= identity.id or other.integers or not _renames(other.dimensions):
                continue
            theirs_written = normal_form(other.identity.tree("expression"), spellings=False)
            if not any(unify(theirs_written, w) for w in written):
                continue  # two spellings of one fact (norm_F(X)^2, tr(X^T X)), both cited
            mine, theirs = identity.statement.specs, other.identity.statement.specs
            if all(mine[user].structure == theirs[name].structure
                   for name, user in other.mapping.items() if name in theirs and user in mine):
                pairs.append((identity.id, other.identity.id))
    return pairs


def _renames(dimensions: Mapping[str, str]) -> bool:
    """A one-to-one renaming of dimension names (no dimension fixed to a size or merged)."""
    values = list(dimensions.values())
    return len(set(values)) == len(values) and not any(v.isdigit() for v in values)
