"""Verification of a derivation, and the catalog records it cites.

The derivation record that :meth:`Derivation.to_yaml` writes is built here, compiled by
:func:`kb.statement.compile_record` and checked by :func:`kb.verify.verify` exactly as a record
of the catalog is: every step against the one before it, the first against finite
differences of the goal, the result against finite differences and the last step. The other
layout is checked as a derivative record, a Hessian as a Hessian record, and the differential
form of a matrix-by-matrix derivative, which has no derivation record, step by step against
finite differences. Any failure raises :class:`VerificationFailed`: nothing unverified is
returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kb import ast
from kb.differences import STEP
from kb.grammar import ExpressionError, parse
from kb.layouts import LAYOUTS, kind_of, other
from kb.numeric import Env, evaluate
from kb.printer import to_text
from kb.sampling import SamplingError, assign_sizes, sample
from kb.schema import record_adapter
from kb.shapes import Scope, ShapeError, VarInfo, check
from kb.statement import Statement, StatementError, compile_record

from . import trees as t
from .errors import VerificationFailed
from .result import Step

if TYPE_CHECKING:
    from kb.match import Match
    from kb.shapes import VarSpec

    from .result import Derivation

class RecordMatcher(Protocol):
    """What the engine needs of a catalog: its matcher (:meth:`kb.catalog.Catalog.match`, or
    the command line's prebuilt index, :meth:`kb.lookup.LookupIndex.match`)."""

    def match(self, expression: str, wrt: str,
              shapes: Mapping[str, tuple[int | str, int | str]] | None = None,
              layout: str = "denominator", limit: int = 10) -> list[Match]: ...


SOURCES = [
    {"ref": "seed-002-ang", "locator": "The differential method: rules (1)–(5) and the "
     "differential-derivative equation dy = tr(∇f^T dX)"},
    {"ref": "matrix-cookbook-2012", "locator": "eqs. 33–45 (the differential rules)"},
]
AGREE = 1e-8


def slug(expression: str, wrt: str, suffix: str = "derivation") -> str:
    """A record id from the expression: its words, lowercase, joined by '-'."""
    words = re.findall(r"[a-z0-9]+", expression.lower())[:8]
    return "-".join([*words, "by", *re.findall(r"[a-z0-9]+", wrt.lower()), suffix])


def _dim(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _variables(specs: Mapping[str, VarSpec], trees: list[ast.Node],
               wrt: str | None = None) -> dict[str, Any]:
    used = {wrt}.union(*(t.variables(tree) for tree in trees))
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in used:
            continue
        entry: dict[str, Any] = {"shape": [_dim(str(spec.shape.rows)),
                                           _dim(str(spec.shape.cols))]}
        if spec.structure:
            entry["structure"] = sorted(str(s) for s in spec.structure)
        out[name] = entry
    return out


def derivation_record(specs, goal: ast.Node, wrt: str, layout: str, result: ast.Node,
                      steps: list[Step], title: str, notes: str) -> dict[str, Any]:
    """The derivation record of a list of steps, as plain data."""
    trees = [goal, result, *(s.tree for s in steps)]
    record_steps = []
    for step in steps:
        entry: dict[str, Any] = {"kind": step.kind, "expression": step.expression,
                                 "justification": step.justification}
        if step.uses:
            entry["cites"] = list(step.uses)
        record_steps.append(entry)
    return {
        "id": slug(to_text(goal), wrt),
        "title": title,
        "tags": ["derivation", "derived"],
        "type": "derivation",
        "goal": to_text(goal),
        "wrt": wrt,
        "layout": layout,
        "result": to_text(result),
        "steps": record_steps,
        "variables": _variables(specs, trees, wrt),
        "sources": SOURCES,
        "notes": notes,
    }


def _verify(data: dict[str, Any], what: str, trees: dict[str, ast.Node] | None = None,
            steps: list[Step] | None = None, specs=None):
    """Verify a record given as plain data. With ``trees`` (and ``steps``), the statement is
    built from the engine's typed trees instead of parsing the text again: the trees are
    what the text prints, and :func:`compile_text` checks that round trip."""
    from kb.verify import verify

    try:
        record = record_adapter().validate_python(data)
        statement = (compile_record(record) if trees is None
                     else _statement(record, trees, steps or [], specs))
    except (StatementError, ValueError) as exc:
        raise VerificationFailed(f"internal: the {what} does not compile ({exc}); please "
                                 "report it") from None
    report = verify(statement)
    if not report.ok and "NaN or infinity" in (report.message or ""):
        raise VerificationFailed(
            f"the {what} cannot be checked: {report.message} The expression is not defined on "
            "every draw: state the variables' structure with --assume (e.g. X=spd, "
            "x=positive).", report)
    if not report.ok:
        raise VerificationFailed(f"the {what} failed its check: {report.message}. This is a "
                                 "bug of the engine; please report it.", report)
    return report


def _statement(record, trees: dict[str, ast.Node], steps: list[Step], specs) -> Statement:
    from kb.derivation import CompiledStep

    first = next(iter(trees.values()))
    kind = kind_of(first.shape, specs[record.wrt].shape) if record.type == "derivation" else None
    compiled = tuple(CompiledStep(i + 1, step.kind, record.steps[i], step.tree)
                     for i, step in enumerate(steps))
    used = {n: specs[n] for n in record.variables}
    return Statement(record, used, trees, kind, steps=compiled)


def compile_text(d: Derivation) -> None:
    """Compile the record ``to_yaml`` writes from its text, as ``kb verify`` will, and check
    it: proof that the printed steps say what the verified trees say."""
    _verify(d.record, "derivation record as written")


def verify_derivation(d: Derivation, first=None) -> None:
    """Verify everything ``d`` publishes; fill in ``d.record``, ``d.report``, ``d.reports``."""
    goal_text = to_text(d.goal)
    notes = ("Derived by kb derive with the differential method; every step is checked "
             "against the one before it.")
    if d.derivatives is None:
        _verify_differential(d)
        return
    reports = []
    if d.order == 2:
        n = len(first.steps)
        gradient = first.derivatives["denominator"]
        grad = derivation_record(d.specs, d.goal, d.wrt, "denominator", gradient,
                                 d.steps[:n], f"Gradient of {goal_text} by {d.wrt}", notes)
        reports.append(_verify(grad, "gradient's derivation", {"goal": d.goal,
                               "result": gradient}, d.steps[:n], d.specs))
        record = derivation_record(
            d.specs, gradient, d.wrt, "numerator", d.derivatives["numerator"], d.steps[n:],
            f"Hessian of {goal_text} by {d.wrt}: the Jacobian of its gradient",
            notes + f" The goal is the gradient of {goal_text}, derived and checked first; "
            "its Jacobian (numerator layout) is the Hessian.")
        record["id"] = slug(goal_text, d.wrt, "hessian-derivation")
        reports.insert(0, _verify(record, "Hessian's derivation", {
            "goal": gradient, "result": d.derivatives["numerator"]}, d.steps[n:], d.specs))
        hessian = {"id": slug(goal_text, d.wrt, "hessian"), "title": "Hessian",
                   "type": "hessian", "expression": goal_text, "wrt": d.wrt,
                   "hessian": d.derivative("numerator"),
                   "variables": _variables(d.specs, [d.goal, d.derivatives["numerator"]], d.wrt),
                   "sources": SOURCES}
        reports.append(_verify(hessian, "Hessian", {
            "expression": d.goal, "hessian": d.derivatives["numerator"]}, [], d.specs))
    else:
        record = derivation_record(d.specs, d.goal, d.wrt, d.layout, d.derivatives[d.layout],
                                   d.steps, f"Derivative of {goal_text} by {d.wrt}", notes)
        reports.append(_verify(record, "derivation", {
            "goal": d.goal, "result": d.derivatives[d.layout]}, d.steps, d.specs))
        _same_transposed(d)
    d.record = record
    d.report = reports[0]
    d.reports = reports


def _verify_differential(d: Derivation) -> None:
    """No matrix form: the final differential as a record, and every step against finite
    differences of the goal along the same direction."""
    from kb.results import Outcome
    from kb.verify import CONVERGED, TOLERANCE, _Draws, central_quotient, relative_error

    data = {"id": slug(to_text(d.goal), d.wrt, "differential"),
            "title": f"Differential of {to_text(d.goal)}", "type": "differential",
            "expression": to_text(d.goal), "wrt": [d.wrt], "differential": d.differential(),
            "variables": _variables(d.specs, [d.goal, d.differential_tree], d.wrt),
            "sources": SOURCES}
    report = _verify(data, "differential")
    statement = compile_record(record_adapter().validate_python(data))
    draws = _Draws(statement, report.seed)
    v = draws.direction(d.wrt)
    scale = np.sqrt((draws.evaluate(d.goal) ** 2).sum(axis=(-2, -1)))
    fd = draws.limit(central_quotient(draws.along(d.goal, {d.wrt: v})), STEP, scale)
    # As in kb.verify: a draw whose difference estimate has not converged is not judged.
    converged = draws.noise <= CONVERGED
    allowed = TOLERANCE + 2 * np.where(converged, draws.noise, 0.0)
    env = draws.env(differentials={d.wrt: v})
    for number, step in enumerate(d.steps, 1):
        error = relative_error(evaluate(step.tree, env), fd, scale)
        worst = float(error[converged].max(initial=0.0))
        report.outcomes.append(Outcome(f"step {number} against finite differences", worst,
                                       ("steps", number - 1), number))
        if (converged & ~(error <= allowed)).any():
            raise VerificationFailed(f"step {number} `{step.expression}` failed its check "
                                     f"(relative error {worst:.1e}); this is a bug of "
                                     "the engine, please report it", report)
    report.worst_error = max(o.worst for o in report.outcomes)
    d.record = data
    d.report = report
    d.reports = [report]


def _same_transposed(d: Derivation) -> None:
    """The other layout must be the transpose of the verified one, on random draws."""
    flip = other(d.layout)
    a, b = d.derivatives[d.layout], d.derivatives[flip]
    if not _agree(ast.Transpose(a, shape=a.shape.T) if not a.shape.is_scalar else a, b,
                  d.specs):
        raise VerificationFailed(f"the {flip}-layout form {to_text(b)} is not the transpose "
                                 f"of the verified {to_text(a)}; this is a bug of the "
                                 "engine, please report it")


# ---- the catalog first ---------------------------------------------------------------------

def cite_catalog(catalog: RecordMatcher, result, expression: str, wrt: str, shapes,
                 specs: Mapping[str, VarSpec], layout: str) -> None:
    """Cite the records whose derivative agrees with the engine's; end with the record's
    form when it is shorter."""
    given = {n: (str(s.shape.rows), str(s.shape.cols)) for n, s in specs.items()
             if "·" not in str(s.shape.rows) + str(s.shape.cols)}
    try:
        matches = catalog.match(expression, wrt, shapes=given, layout=layout)
    except Exception:
        return
    if not matches:
        return
    mine = result.derivatives[layout]
    scope = Scope({n: VarInfo(s.shape) for n, s in specs.items()}, frozenset(
        d for s in specs.values() for dim in (s.shape.rows, s.shape.cols) for d in dim.names))
    agreeing: list[tuple[str, ast.Node]] = []
    for m in matches:
        try:
            tree = check(parse(m.derivative), scope)
        except (ExpressionError, ShapeError):
            continue
        if tree.shape == mine.shape and _agree(tree, mine, specs):
            agreeing.append((m.identity.id, tree))
    if not agreeing:
        return
    ids = tuple(dict.fromkeys(i for i, _ in agreeing))
    best = min((tree for _, tree in agreeing), key=t.size)
    last = result.steps[-1]
    if t.size(best) < t.size(mine) and to_text(best) != last.expression:
        result.steps.append(Step(to_text(best), "The catalog states the same derivative in "
                                 "this form.", ids, "derivative", best))
        result.derivatives = {**result.derivatives, layout: best}
    else:
        result.steps[-1] = Step(last.expression, last.justification,
                                tuple(dict.fromkeys(last.uses + ids)), last.kind, last.tree)


def _agree(a: ast.Node, b: ast.Node, specs: Mapping[str, VarSpec]) -> bool:
    rng = np.random.default_rng(20240601)
    try:
        sizes = assign_sizes(specs)
        values = sample(specs, sizes, 3, rng)
    except SamplingError:
        return False
    env = Env(3, values, sizes)
    x, y = evaluate(a, env), evaluate(b, env)
    scale = max(np.abs(x).max(), np.abs(y).max(), 1e-300)
    error = float(np.abs(x - y).max() / scale)
    return bool(np.isfinite(error) and error <= AGREE)


__all__ = ["LAYOUTS", "cite_catalog", "verify_derivation"]
