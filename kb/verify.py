"""Numerical verification of a statement.

Derivatives are compared with central differences along random unit directions, sharpened by
two rounds of Richardson extrapolation (error O(h⁶), about 1e-11 on well-conditioned draws);
Hessians with the mixed second difference u^T H v; differentials with the directional
derivative; equalities directly. Every form a record publishes is checked: the stated
derivative, the derived other layout and the derived differential form. All draws of a record
are evaluated in one vectorized call per form.

A true identity must not fail on an unlucky draw. Draws are kept away from the singularities
of the expressions (:mod:`kb.singularities`); each difference estimate carries a bound on its
own error (two Richardson estimates must agree), retried at a smaller step where they do not;
a draw whose estimate still has not converged is not judged, and further batches are drawn
until BATCH draws are. A draw fails when its error exceeds TOLERANCE plus its estimate's error
bound. A failing batch is re-checked on fresh draws before it is reported; a record that
cannot be sampled, or that evaluates to NaN, fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kb import ast
from kb.differences import (
    FLOOR,
    STEP,
    Array,
    central_quotient,
    extrapolate,
    mixed_quotient,
    norm,
    relative_error,
)
from kb.layouts import LAYOUTS
from kb.numeric import Env, evaluate
from kb.results import Check, Failure, Outcome, Report
from kb.sampling import (
    SamplingError,
    assign_sizes,
    constrained,
    direction,
    instantiate,
    project,
    seed_for,
)
from kb.schema import DifferentialRecord
from kb.singularities import Screen, condition_measure, screened_draws, sensitive
from kb.statement import Statement, _step_trees
from kb.statement_types import STATEMENT_TYPES
from kb.step_check import check_steps

TOLERANCE = 1e-7
BATCH = 12
HESSIAN_STEP = 2.0**-5
ATTEMPTS = 2
"""Failing batches before a failure is reported."""
BATCHES = 8
"""At most this many batches are drawn to find BATCH draws whose differences converged."""
CONVERGED = 1e-7
"""A difference estimate whose error bound, relative to its size, exceeds this is not judged."""
SHRINK = 16.0
"""Where the estimate at STEP has not converged, it is retried at STEP / SHRINK."""


CheckFunction = Callable[["Statement", "_Draws", "ast.Node | None"], list[Check]]
CHECKS: dict[str, CheckFunction] = {}
"""The numerical check of each statement type (:data:`kb.statement_types.STATEMENT_TYPES`).

A check compares every form a record publishes; given ``result``, an erratum's printed form,
it returns one check of that form instead."""


def check_for(type_name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register the check of a statement type (the registry sits below numpy, so the
    numerics layer registers its checks here rather than being imported from there)."""
    def register(function: CheckFunction) -> CheckFunction:
        if type_name not in STATEMENT_TYPES:
            raise ValueError(f"no statement type {type_name!r}")
        CHECKS[type_name] = function
        return function
    return register


def _unit(v: Array) -> Array:
    return v / np.maximum(norm(v), 1e-300)[:, None, None]


class _Draws:
    """One batch: base values, placeholder test functions, evaluation at shifted points."""

    def __init__(self, st: Statement, seed: int, screen: Screen | None = None) -> None:
        self.st = st
        self.rng = np.random.default_rng(seed)
        self.sizes = assign_sizes(st.specs)
        self.values, self.functions = screened_draws(screen or _screen(st), st.specs,
                                                     self.sizes, BATCH, self.rng)
        self.base = self.env()
        self.noise = np.zeros(BATCH)
        """Per draw: the largest relative error bound of a difference estimate made on it."""

    def limit(self, quotient: Callable[[float], Array], h: float, scale: Array) -> Array:
        """The limit of a difference quotient at 0, per draw; retried at a smaller step where
        the Richardson estimates disagree, and the error bound kept in ``noise``."""
        def relative(est: Array, err: Array) -> Array:
            rel = err / np.maximum(norm(est), FLOOR * (1.0 + scale))
            # A non-finite value is a domain error for the checks to report, not noise.
            return np.where(np.isfinite(est).all(axis=(-2, -1)), rel, 0.0)

        est, err = extrapolate(quotient, h)
        rel = relative(est, err)
        loose = ~(rel <= CONVERGED)
        if loose.any():
            est2, err2 = extrapolate(quotient, h / SHRINK)
            rel2 = relative(est2, err2)
            better = loose & (rel2 < rel)
            est[better], rel[better] = est2[better], rel2[better]
        self.noise = np.maximum(self.noise, np.nan_to_num(rel, nan=np.inf))
        return est

    def direction(self, name: str) -> Array:
        return _unit(direction(self.st.specs[name], self.sizes, BATCH, self.rng, name))

    def env(self, shifts: dict[str, Array] | None = None,
            differentials: dict[str, Array] | None = None) -> Env:
        values = dict(self.values)
        for name, delta in (shifts or {}).items():
            values[name] = values[name] + delta
        jacobians = instantiate(self.st.specs, self.sizes, self.functions, values)
        return Env(BATCH, values, self.sizes, differentials or {}, jacobians)

    def evaluate(self, tree: ast.Node, env: Env | None = None) -> Array:
        return evaluate(tree, env or self.base)

    def along(self, tree: ast.Node, dirs: dict[str, Array]) -> Callable[[float], Array]:
        return lambda t: self.evaluate(tree, self.env({n: t * v for n, v in dirs.items()}))

    def draw(self, index: int) -> dict[str, np.ndarray]:
        return {name: v[index] for name, v in self.base.values.items()}


def _directional(numerator: Array, v: Array, value: ast.Node, wrt_scalar: bool) -> Array:
    """The directional derivative from a numerator-layout derivative J along v."""
    if value.shape.is_scalar:
        return np.einsum("bij,bji->b", numerator, v)[:, None, None]
    if wrt_scalar:
        return numerator * v
    out = numerator @ v
    return np.swapaxes(out, -1, -2) if value.shape.is_row else out


@dataclass
class _Probe:
    """A random direction for the variable, and the goal's directional derivative along it
    by finite differences: what every derivative-like check compares against."""

    v: Array
    fd: Array
    value: Array
    scale: Array
    expr: ast.Node
    wrt_scalar: bool

    @classmethod
    def of(cls, st: Statement, d: _Draws, expr: ast.Node) -> _Probe:
        wrt = st.wrt
        v = d.direction(wrt)
        value = d.evaluate(expr)
        scale = norm(value)
        fd = d.limit(central_quotient(d.along(expr, {wrt: v})), STEP, scale)
        return cls(v, fd, value, scale, expr, st.specs[wrt].shape.is_scalar)

    def directional(self, derivative: Array, layout: str) -> Array:
        """The directional derivative from a derivative stated in ``layout``."""
        j = derivative if layout == "numerator" else np.swapaxes(derivative, -1, -2)
        return _directional(j, self.v, self.expr, self.wrt_scalar)

    def error(self, derivative: Array, layout: str) -> Array:
        return relative_error(self.directional(derivative, layout), self.fd, self.scale)


@check_for("derivative")
def _check_derivative(st: Statement, d: _Draws, result: ast.Node | None = None) -> list[Check]:
    expr = st.trees["expression"]
    probe = _Probe.of(st, d, expr)
    if result is not None:  # an erratum's printed form, in the record's layout
        return [Check("printed", probe.error(d.evaluate(result), st.layout))]
    checks = [Check(f"derivative ({layout} layout)",
                    probe.error(d.evaluate(st.derivative(layout)), layout))
              for layout in sorted(LAYOUTS, key=lambda lay: lay != st.layout)]
    dform = d.evaluate(st.differential, d.env(differentials={st.wrt: probe.v}))
    checks.append(Check("differential form", relative_error(dform, probe.fd, probe.scale)))
    return checks + _in_structure(st, d, expr)


def _in_structure(st: Statement, d: _Draws, expr: ast.Node) -> list[Check]:
    """A gradient by a symmetric (diagonal, …) variable must itself be symmetric (diagonal,
    …): directions inside the structure cannot see the rest (coverage.md §4)."""
    structure = st.specs[st.wrt].structure
    if not (expr.shape.is_scalar and constrained(structure)):
        return []
    g = d.evaluate(st.derivative("denominator"))
    return [Check("gradient lies in the structure's space",
                  relative_error(project(g, structure), g, 0.0))]


@check_for("differential")
def _check_differential(st: Statement, d: _Draws, result: ast.Node | None = None
                        ) -> list[Check]:
    expr = st.trees["expression"]
    record = st.record
    assert isinstance(record, DifferentialRecord)
    dirs = {name: d.direction(name) for name in record.wrt}
    scale = norm(d.evaluate(expr))
    fd = d.limit(central_quotient(d.along(expr, dirs)), STEP, scale)
    tree = result if result is not None else st.trees["differential"]
    value = d.evaluate(tree, d.env(differentials=dirs))
    return [Check("printed" if result is not None else "differential",
                  relative_error(value, fd, scale))]


@check_for("hessian")
def _check_hessian(st: Statement, d: _Draws, result: ast.Node | None = None) -> list[Check]:
    expr = st.trees["expression"]
    u, w = d.direction(st.wrt), d.direction(st.wrt)

    def f(s: float, t: float) -> Array:
        return d.evaluate(expr, d.env({st.wrt: s * u + t * w}))

    scale = norm(d.evaluate(expr))
    fd = d.limit(mixed_quotient(f), HESSIAN_STEP, scale)
    h = d.evaluate(result if result is not None else st.trees["hessian"])
    predicted = np.swapaxes(u, -1, -2) @ h @ w
    return [Check("printed" if result is not None else "hessian",
                  relative_error(predicted, fd, scale))]


@check_for("equality")
def _check_equality(st: Statement, d: _Draws, result: ast.Node | None = None) -> list[Check]:
    lhs = d.evaluate(st.trees["lhs"])
    rhs = d.evaluate(result if result is not None else st.trees["rhs"])
    return [Check("printed" if result is not None else "equality", relative_error(lhs, rhs))]


@check_for("derivation")
def _check_derivation(st: Statement, d: _Draws, result: ast.Node | None = None) -> list[Check]:
    probe = _Probe.of(st, d, st.trees["goal"])
    tree = result if result is not None else st.trees["result"]
    checks = [Check("printed" if result is not None else "the result against finite differences",
                    probe.error(d.evaluate(tree), st.layout))]
    if result is None:
        checks += _in_structure(st, d, st.trees["goal"])
        checks += check_steps(st, d, probe.v, {"value": probe.value, "differential": probe.fd},
                              probe.scale, lambda j: probe.directional(j, st.layout))
    return checks


def _screen(st: Statement) -> Screen:
    """The subexpressions of every tree the checks evaluate that must stay away from their
    singularities, and how far the checks move which variables."""
    trees = [*st.trees.values(), *([st.printed] if st.printed is not None else [])]
    if st.has_layout:
        trees += [st.derivative(layout) for layout in LAYOUTS]
    if st.differential is not None:
        trees.append(st.differential)
    trees += [tree for step in st.steps for tree in _step_trees(step)]
    record = st.record
    moving: list[str] = []
    if record.type != "equality":
        moving = list(st.record.wrt) if isinstance(st.record, DifferentialRecord) else [st.wrt]
    step = 2 * HESSIAN_STEP if record.type == "hessian" else 2 * STEP
    trees += [c.tree for c in st.conditions]
    declared = [(c.tree, condition_measure(c.structure)) for c in st.conditions]
    return Screen(declared + sensitive(trees), moving,
                  [(c.tree, c.structure, c.text) for c in st.conditions], step)


def verify(st: Statement, repeat: int = 0) -> Report:
    """Verify every published form of a statement; a failure is re-checked on fresh draws.

    ``repeat`` selects an independent family of seeds (0 is the record's own).
    """
    # A record may overflow or divide by zero on a draw: that is judged (KB402, KB401), so
    # numpy's warnings would only be noise on stderr.
    with np.errstate(all="ignore"):
        return _verify(st, repeat)


def _verify(st: Statement, repeat: int) -> Report:
    record = st.record
    check = CHECKS[record.type]
    report = Report(record.id, STATEMENT_TYPES[record.type].method, BATCH, float("inf"), 0)
    try:
        screen = _screen(st)
    except SamplingError as exc:
        report.failure = Failure("KB403", 0, reason=str(exc))
        return report
    judged, failures = 0, 0
    worst: dict[str, Outcome] = {}
    for attempt in range(BATCHES):
        seed = seed_for(record.id, attempt, repeat)
        report.seed, report.attempts = seed, attempt + 1
        try:
            draws = _Draws(st, seed, screen)
            checks = check(st, draws, None)
        except SamplingError as exc:
            report.failure = Failure("KB403", seed, reason=str(exc))
            return report
        except np.linalg.LinAlgError as exc:
            report.failure = Failure("KB404", seed, reason=str(exc))
            failures += 1
            if failures >= ATTEMPTS:
                return report
            continue
        converged = draws.noise <= CONVERGED
        allowed = TOLERANCE + 2 * np.where(converged, draws.noise, 0.0)
        # The stated form first: its failure is the one the contributor can act on.
        failed = next((c for c in checks if (converged & ~(c.errors <= allowed)).any()), None)
        if failed is None:
            judged += int(converged.sum())
            for c in checks:
                error = float(c.errors[converged].max(initial=0.0))
                if c.what not in worst or error > worst[c.what].worst:
                    worst[c.what] = Outcome(c.what, error, c.location, c.step)
            if judged >= BATCH:
                report.outcomes = list(worst.values())
                report.worst_error = max((o.worst for o in report.outcomes), default=0.0)
                report.draws, report.failure = judged, None
                break
            continue
        failures += 1
        errors = np.where(converged & ~(failed.errors <= allowed), failed.errors, -1.0)
        index = int(np.argmax(np.nan_to_num(errors, nan=np.inf)))
        report.outcomes = [Outcome(c.what, float(c.errors.max()), c.location, c.step)
                           for c in checks]
        report.worst_error = max(o.worst for o in report.outcomes)
        report.draw = draws.draw(index)
        error = float(failed.errors[index])
        # NaN is a domain error (log of a negative number, ...), not bad luck: no re-check.
        code = "KB401" if np.isfinite(error) else "KB402"
        report.failure = Failure(code, seed, failed.what, failed.location, error, index,
                                 tolerance=float(allowed[index]))
        if code == "KB402" or failures >= ATTEMPTS:
            return report
    else:
        report.failure = Failure("KB407", report.seed, reason=f"{judged} draws of "
                                 f"{BATCHES * BATCH}")
    if report.ok and st.printed is not None:
        _check_erratum(st, check, report)
    elif st.printed_problem is not None:
        report.erratum_evidence = f"the printed form {st.printed_problem}"
    return report


def _check_erratum(st: Statement, check: CheckFunction, report: Report) -> None:
    draws = _Draws(st, seed_for(st.record.id, 99))
    errors = check(st, draws, st.printed)[0].errors
    report.erratum_error = float(np.median(errors))
    report.erratum_evidence = (f"the printed form fails verification: median relative error "
                               f"{report.erratum_error:.2g} over {BATCH} draws")
    if report.erratum_error <= 1e3 * TOLERANCE:
        report.failure = Failure("KB405", report.seed, "printed",
                                 ("erratum", "printed_expression"), report.erratum_error)
