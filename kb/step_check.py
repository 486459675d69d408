"""A derivation's steps, evaluated and checked numerically (compiled in :mod:`kb.derivation`).

Verification checks the first step of each kind against the truth (f, or finite differences
of f) and every later step against the step of the same kind before it, so a wrong step is
named with the step it should have equalled; the stated result is checked against the last
derivative step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

from kb import ast
from kb.derivation import CompiledStep, EinsumTerm
from kb.differences import Array, relative_error
from kb.numeric import Env, evaluate
from kb.results import Check

if TYPE_CHECKING:
    from kb.statement import Statement


class Draws(Protocol):
    """What the checks need of a batch of draws (:class:`kb.verify._Draws` is one)."""

    @property
    def base(self) -> Env: ...

    def env(self, shifts: dict[str, Array] | None = None,
            differentials: dict[str, Array] | None = None) -> Env: ...

    def evaluate(self, tree: ast.Node, env: Env | None = None) -> Array: ...


def evaluate_step(step: CompiledStep, env: Env) -> Array:
    """A step's value on a batch of draws."""
    if step.tree is not None:
        return evaluate(step.tree, env)
    return sum((_einsum(term, env) for term in step.terms), np.zeros(()))


def _einsum(term: EinsumTerm, env: Env) -> Array:
    inputs, output = term.spec.split("->")
    operands = inputs.split(",") if inputs else []
    values = [_squeeze(evaluate(tree, env), len(sub)) for tree, sub in zip(term.arrays, operands,
                                                                           strict=True)]
    subscripts = ",".join("..." + sub for sub in operands) + "->..." + output
    result = np.einsum(subscripts, *values)
    if len(output) == 0:
        result = result.reshape(-1, 1, 1)
    elif len(output) == 1:
        result = result[:, :, None]
    return evaluate(term.scale, env) * result


def _squeeze(value: Array, indices: int) -> Array:
    """A (batch, rows, cols) value as an operand with ``indices`` indices."""
    if indices == 2:
        return value
    if indices == 0:
        return value[:, 0, 0]
    return value[:, :, 0] if value.shape[2] == 1 else value[:, 0, :]


def check_steps(st: Statement, draws: Draws, direction: Array, truth: dict[str, Array],
                scale: Array, directional: Callable[[Array], Array]) -> list[Check]:
    """Relative errors of every step against the truth or the step before it.

    ``truth`` holds the goal's value and its finite-difference differential; ``directional``
    turns a derivative in the record's layout into a directional derivative along
    ``direction``. Each check is located at its step.
    """
    zero = {name: np.zeros_like(value) for name, value in draws.base.values.items()}
    env = draws.env(differentials={**zero, st.wrt: direction})
    checks: list[Check] = []
    last: dict[str, CompiledStep] = {}
    values: dict[int, Array] = {}
    for step in st.steps:
        value = evaluate_step(step, env)
        values[step.number] = value
        before = last.get(step.kind)
        label = f"step {step.number} ({step.kind}) `{step.text}`"
        if before is not None:
            against = f"step {before.number} `{before.text}`"
            errors = relative_error(value, values[before.number], scale)
        elif step.kind == "value":
            against, errors = "the goal", relative_error(value, truth["value"], scale)
        elif step.kind == "differential":
            against = "the goal's differential (finite differences)"
            errors = relative_error(value, truth["differential"], scale)
        else:
            against = "the goal's derivative (finite differences)"
            errors = relative_error(directional(value), truth["differential"], scale)
        checks.append(Check(f"{label} against {against}", errors, ("steps", step.number - 1),
                            step.number))
        last[step.kind] = step
    if "derivative" in last:
        final = last["derivative"]
        result = draws.evaluate(st.trees["result"])
        checks.append(Check(f"the result against step {final.number} `{final.text}`",
                            relative_error(result, values[final.number], scale)))
    return checks
