"""The differential method (seed 002), from an expression to a verified derivation.

1. Parse the expression with the project's grammar and type it, inferring the shapes not
   given (:mod:`kb.derive.infer`).
2. Take the differential and apply the differential rules layer by layer
   (:mod:`kb.derive.rules`), one step per layer, each citing the records it applies.
3. Distribute over the sums that hold dX and collect like terms (:mod:`kb.derive.simplify`).
4. Bring dF to its canonical form and read the derivative off it
   (:mod:`kb.derive.canonical`); tidy it; for a symmetric variable take the gradient on
   symmetric matrices, (G + G^T)/2.
5. Cite the catalog records that state the same derivative (``cat.match``).
6. Verify (:mod:`kb.derive.check`): the derivation record that ``to_yaml`` writes is compiled
   and checked like any record of the catalog, every step against the one before and the
   result against finite differences; the other layout is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from kb import ast
from kb.functions import RESERVED
from kb.grammar import ExpressionError, parse
from kb.layouts import LAYOUTS, Kind, derivative_shape, kind_of
from kb.printer import to_text
from kb.shapes import Scope, ShapeError, VarInfo, VarSpec, check
from kb.structures import STRUCTURES, Structure, implies_symmetric

from . import trees as t
from .canonical import Reader
from .check import RecordMatcher, cite_catalog, verify_derivation
from .errors import DeriveError
from .infer import infer_shapes
from .result import Derivation, Step
from .rules import RULES, Expander
from .simplify import Normalizer, Term, collect, factors, scale, split_coefficient, zeros

_READ_OFF = {
    Kind.SCALAR_BY_MATRIX: "gradient-differential-matrix",
    Kind.SCALAR_BY_VECTOR: "gradient-differential-vector",
    Kind.SCALAR_BY_SCALAR: "gradient-differential-scalar",
    Kind.VECTOR_BY_VECTOR: "gradient-differential-jacobian",
    Kind.VECTOR_BY_SCALAR: "gradient-differential-matrix-by-scalar",
    Kind.MATRIX_BY_SCALAR: "gradient-differential-matrix-by-scalar",
}
MAX_LAYERS = 200
MAX_TERMS = 2000


def derive(catalog: RecordMatcher | None, expression: str, wrt: str,
           shapes: Mapping[str, tuple[int | str, int | str]] | None = None,
           structure: Mapping[str, str | list[str]] | None = None,
           layout: str = "denominator", order: int = 1) -> Derivation:
    """Derive ∂expression/∂wrt step by step and verify every step (see the module doc)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    goal, specs, inferred = prepare(expression, wrt, shapes, structure)
    symmetric = frozenset(n for n, s in specs.items() if implies_symmetric(s.structure))
    wrt_spec = specs[wrt]
    if wrt_spec.structure & {Structure.SKEW_SYMMETRIC, Structure.ORTHOGONAL}:
        raise DeriveError(f"derivatives by a {', '.join(sorted(wrt_spec.structure))} variable "
                          "are not supported by the engine")
    first = differentiate(goal, wrt, wrt_spec, symmetric, layout if order == 1 else "denominator")
    if order == 2:
        if first.kind is not Kind.SCALAR_BY_VECTOR:
            raise DeriveError("a Hessian (order 2) is taken of a scalar by a column vector")
        second = differentiate(first.derivatives["denominator"], wrt, wrt_spec, symmetric,
                               "numerator", hessian=True)
        steps = first.steps + second.steps
        derivatives = {lay: second.derivatives["numerator"] for lay in LAYOUTS}
        result = _Result(second.kind, steps, second.differential, derivatives)
    else:
        result = first
    if catalog is not None and order == 1 and result.derivatives is not None:
        cite_catalog(catalog, result, expression, wrt, shapes, specs, layout)
    derivation = Derivation(
        expression=to_text(goal), wrt=wrt,
        shapes={n: (str(s.shape.rows), str(s.shape.cols)) for n, s in specs.items()},
        assumptions={n: sorted(str(x) for x in s.structure) for n, s in specs.items()
                     if s.structure},
        kind=str(first.kind) if first.kind else None, layout=layout, order=order,
        steps=result.steps, report=None, goal=goal, differential_tree=result.differential,
        derivatives=result.derivatives, specs=specs, record={}, inferred=inferred)
    verify_derivation(derivation, first if order == 2 else None)
    return derivation


class _Result:
    def __init__(self, kind, steps, differential, derivatives) -> None:
        self.kind = kind
        self.steps: list[Step] = steps
        self.differential: ast.Node = differential
        self.derivatives: dict[str, ast.Node] | None = derivatives


def prepare(expression: str, wrt: str, shapes, structure) -> tuple[ast.Node, dict, list[str]]:
    """The typed goal, the variables' specs, and the names whose shapes were assumed."""
    if not isinstance(wrt, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", wrt) or (
            wrt in RESERVED):
        raise DeriveError(f"--wrt {wrt!r} is not a variable name")
    tree = parse(expression)
    given = dict(structure or {})
    names = {n.name for n in tree.walk() if isinstance(n, ast.Sym)} | {wrt}
    unknown = [n for n in given if n not in names]
    if unknown:
        raise DeriveError(f"--assume names '{unknown[0]}', which is not in the expression")
    structures: dict[str, frozenset[Structure]] = {}
    for name, value in given.items():
        items = [value] if isinstance(value, str) else list(value)
        try:
            structures[name] = frozenset(Structure(v) for v in items)
        except ValueError:
            choices = ", ".join(s.value for s in Structure)
            raise DeriveError(f"unknown structure in {name}={','.join(items)}: use one of "
                              f"{choices}") from None
    square = frozenset(n for n, s in structures.items()
                       if any(STRUCTURES[x].square for x in s))
    inferred_shapes = infer_shapes(tree, wrt, shapes, expression, square)
    needs = _needs(tree)
    for name, need in needs.items():
        if Structure.DISTINCT_EIGENVALUES in need:
            # the eigenvalue rule holds at simple eigenvalues: a premise, stated and sampled
            structures[name] = need
        else:
            structures.setdefault(name, need)
    variables = {n: VarInfo(s) for n, s in inferred_shapes.items()}
    dims = {d for s in inferred_shapes.values() for dim in (s.rows, s.cols) for d in dim.names}
    try:
        typed = check(tree, Scope(variables, frozenset(dims)))
    except ShapeError as exc:
        raise ExpressionError(exc.message, exc.pos, expression) from None
    specs = {n: VarSpec(s, structures.get(n, frozenset())) for n, s in inferred_shapes.items()}
    inferred = [n for n in inferred_shapes if n not in (shapes or {})]
    return typed, specs, inferred


def _needs(tree: ast.Node) -> dict[str, frozenset[Structure]]:
    """The structure each variable needs for the expression to be defined on every draw:
    what the sampler must respect to check the derivation."""
    S = Structure
    found: dict[str, set[Structure]] = {}

    def need(node: ast.Node, *what: Structure) -> None:
        if isinstance(node, ast.Transpose):
            node = node.arg
        if isinstance(node, ast.Sym):
            found.setdefault(node.name, set()).update(what)
        elif isinstance(node, ast.MatMul) and isinstance(node.left, ast.Transpose) and (
                node.left.arg == node.right and isinstance(node.right, ast.Sym)):
            found.setdefault(node.right.name, set()).add(S.FULL_COLUMN_RANK)

    for node in tree.walk():
        match node:
            case ast.Inverse(arg=a):
                need(a, S.INVERTIBLE)
            case ast.Call(func="log", args=(ast.Call(func="det", args=(a,)),)):
                need(a, S.INVERTIBLE, S.POSITIVE_DETERMINANT)
            case ast.Call(func="log" | "sqrt", args=(a,)):
                need(a, S.POSITIVE)
            case ast.HadamardDiv(right=b):
                need(b, S.POSITIVE)
            case ast.Call(func="eigval" | "eigvec", args=(a, _)):
                need(a, S.DISTINCT_EIGENVALUES)
    out = {}
    for name, wanted in found.items():
        for choice in ({S.DISTINCT_EIGENVALUES}, {S.INVERTIBLE, S.POSITIVE_DETERMINANT},
                       {S.FULL_COLUMN_RANK},
                       {S.INVERTIBLE}, {S.POSITIVE}):
            if choice & wanted:
                out[name] = frozenset(choice)
                break
    return out


def _words(used: list[str]) -> str:
    return "; ".join(RULES[r].words for r in used if r in RULES)


def differentiate(goal: ast.Node, wrt: str, wrt_spec: VarSpec, symmetric: frozenset[str],
                  layout: str, hessian: bool = False) -> _Result:
    """The steps from d(goal) to the derivative in ``layout``, and both layouts."""
    wrt_shape = wrt_spec.shape
    kind = kind_of(goal.shape, wrt_shape)
    read_off = _READ_OFF.get(kind) if kind else None
    first_uses = (read_off,) if read_off else ()
    what = "the gradient g" if hessian else "f"
    current: ast.Node | None = ast.DifferentialOf(goal, shape=goal.shape)
    steps = [_step("differential", current, f"Take the differential of {what}; the derivative "
                   "is read off it (the differential-derivative equation).", first_uses)]
    if not t.depends(goal, wrt):
        return _constant(goal, wrt, wrt_shape, kind, layout, steps, first_uses)
    for _ in range(MAX_LAYERS):
        if not t.has_pending(current):
            break
        expander = Expander(wrt)
        current = expander.expand(current)
        if current is None:
            raise DeriveError("the differential is zero: the expression does not depend on "
                              f"{wrt}")
        steps.append(_step("differential", current, f"By {_words(expander.used)}.",
                           tuple(expander.used)))
    nz = Normalizer(symmetric)
    terms = nz.terms(current, expand=True)
    if len(terms) > MAX_TERMS:
        raise DeriveError(f"the differential has {len(terms)} terms, more than the engine "
                          f"handles ({MAX_TERMS}): split the expression")
    terms = collect(terms)
    if not terms:
        raise DeriveError(f"the differential is zero: the expression does not depend on {wrt}")
    normal = nz.build(terms, current.shape)
    _append(steps, "differential", normal, "Distribute over the sums, take scalars out of "
            "traces and collect like terms.", _algebra_uses(current))
    if kind is None:
        return _Result(None, steps, normal, None)
    reader = Reader(nz, wrt, wrt_shape)
    d = t.differential(wrt, wrt_shape)
    if kind in (Kind.SCALAR_BY_MATRIX, Kind.SCALAR_BY_VECTOR):
        numerator = reader.scalar(terms)
        m = nz.build(numerator, wrt_shape.T)
        negative = isinstance(m, ast.Neg)
        c, rest = split_coefficient(m.arg if isinstance(m, ast.Neg) else m)
        canonical = (t.tr(t.mul(rest, d)) if kind is Kind.SCALAR_BY_MATRIX
                     else t.prod(*factors(rest), d))
        canonical = t.prod(c, *factors(canonical)) if c is not None else canonical
        canonical = t.neg(canonical) if negative else canonical
        form = "tr(M dX)" if kind is Kind.SCALAR_BY_MATRIX else "m^T dx"
    elif kind is Kind.VECTOR_BY_VECTOR:
        column = terms if goal.shape.is_column else [nz.transpose(x) for x in terms]
        numerator = reader.jacobian(column)
        m = nz.build(numerator, None)
        canonical = t.mul(m, d) if goal.shape.is_column else t.raw_T(t.mul(m, d))
        form = "J dx"
    else:
        numerator = reader.by_scalar(terms)
        m = nz.build(numerator, goal.shape)
        canonical = t.mul(m, d)
        form = f"M d{wrt}"
    _append(steps, "differential", canonical, f"Bring every term to the form {form}.",
            tuple(reader.used))
    if Structure.DIAGONAL in wrt_spec.structure:
        if not goal.shape.is_scalar or wrt_shape.is_scalar:
            raise DeriveError("by a diagonal variable only a scalar has a gradient here")
        # dX is diagonal, so tr(M dX) = tr((I ∘ M) dX): the gradient on diagonal matrices
        eye = t.identity(wrt_shape.rows)
        numerator = collect([Term(x.coef, x.scalars, (t.hadamard(eye, t.prod(*x.chain)),))
                             if x.chain else Term(x.coef, x.scalars, (eye,))
                             for x in numerator])
        m = nz.build(numerator, None)
        canonical = t.tr(t.mul(m, d))
        _append(steps, "differential", canonical, f"{wrt} is diagonal, so is d{wrt}: only "
                f"the diagonal of M counts, tr(M d{wrt}) = tr((I ∘ M) d{wrt}).",
                ("trace-diagonal-projection",))
    elif wrt in symmetric and goal.shape.is_scalar and not wrt_shape.is_scalar:
        # dX is symmetric, so tr(M dX) = tr(sym(M) dX): the gradient on symmetric matrices
        half = Fraction(1, 2)
        numerator = collect(scale(numerator, half) +
                            scale([nz.transpose(x) for x in numerator], half))
        m = nz.build(numerator, None)
        canonical = t.tr(t.mul(m, d))
        _append(steps, "differential", t.tr(t.mul(t.div(t.add(
            _m_of(steps[-1].tree), t.raw_T(_m_of(steps[-1].tree))),
            t.num(2)), d)), f"{wrt} is symmetric, so is d{wrt}: tr(M d{wrt}) = "
            f"tr((M + M^T)/2 d{wrt}).", ("symmetric-gradient-rule",))
        _append(steps, "differential", canonical, "Collect like terms.", ())
    denominator = [nz.transpose(x) for x in numerator]
    trees = {"denominator": nz.build(denominator, None), "numerator": nz.build(numerator, None)}
    trees = {k: v if v is not None else t.num(0) for k, v in trees.items()}
    # m is the numerator-layout derivative; the denominator layout is its transpose
    raw = t.raw_T(m) if layout == "denominator" else m
    read = ("By the differential-derivative equation, the derivative is read off "
            f"{form}" + (" as M^T (denominator layout)." if raw is not m else "."))
    _append(steps, "derivative", raw, read, first_uses, force=True)
    _append(steps, "derivative", trees[layout], "Tidy: transposes pushed to the leaves, like "
            "terms collected, common factors taken out.", _tidy_uses(steps[-1].tree))
    return _Result(kind, steps, canonical, trees)


def _constant(goal, wrt, wrt_shape, kind, layout, steps, first_uses) -> _Result:
    """A goal that does not depend on the variable: dF = 0 and the derivative is zero."""
    zero = zeros(goal.shape)
    steps.append(_step("differential", zero, f"The expression does not depend on {wrt}: "
                       "dc = 0 for a constant c (rule 1).", ("differential-constant",)))
    if kind is None:
        return _Result(None, steps, zero, None)
    trees = {lay: zeros(derivative_shape(goal.shape, wrt_shape, lay)) for lay in LAYOUTS}
    steps.append(_step("derivative", trees[layout], "So the derivative is zero.", first_uses))
    return _Result(kind, steps, zero, trees)


def _m_of(canonical: ast.Node) -> ast.Node:
    """M of tr(M dX), or of c tr(M dX) (with c kept)."""
    match canonical:
        case ast.Call(func="tr", args=(ast.MatMul(left=m),)):
            return m
        case ast.MatMul(left=c, right=ast.Call(func="tr", args=(ast.MatMul(left=m),))):
            return t.mul(c, m)
        case ast.Neg(arg=inner):
            return t.neg(_m_of(inner))
    return t.identity(canonical.shape.rows)  # tr(dX)


def _step(kind: str, tree: ast.Node, why: str, uses: tuple[str, ...]) -> Step:
    return Step(to_text(tree), why, tuple(dict.fromkeys(uses)), kind, tree)


def _append(steps: list[Step], kind: str, tree: ast.Node, why: str, uses: tuple[str, ...],
            force: bool = False) -> None:
    """Add a step unless it would repeat the step before (its uses then go to that one)."""
    step = _step(kind, tree, why, uses)
    last = steps[-1]
    if not force and step.expression == last.expression and last.kind == kind:
        steps[-1] = Step(last.expression, last.justification,
                         tuple(dict.fromkeys(last.uses + step.uses)), kind, last.tree)
        return
    steps.append(step)


def _algebra_uses(tree: ast.Node) -> tuple[str, ...]:
    uses = []
    for node in tree.walk():
        if isinstance(node, ast.Transpose) and isinstance(node.arg, ast.MatMul):
            uses.append("transpose-of-product")
        elif isinstance(node, ast.Transpose) and isinstance(node.arg, ast.Add | ast.Sub):
            uses.append("transpose-of-sum")
        elif isinstance(node, ast.Call) and node.func == "tr" and isinstance(
                node.args[0], ast.Add | ast.Sub):
            uses.append("trace-of-sum")
    return tuple(dict.fromkeys(uses))


def _tidy_uses(tree: ast.Node) -> tuple[str, ...]:
    return _algebra_uses(tree)
