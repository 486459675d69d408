"""A concrete counter-example for an erratum: one small draw where the printed formula and
the correct one give different numbers.

The verifier's evidence is a median relative error over a batch; a reader wants to see the
numbers. This evaluates the record's result and the printed form on the same draw (the
smallest sizes the sampler allows, a fixed seed per record) and, for a scalar function, the
change of the function along a direction next to what each formula predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.identity import Identity
from kb.numeric import Env, evaluate
from kb.sampling import (
    SamplingError,
    assign_sizes,
    direction,
    instantiate,
    make_functions,
    sample,
    seed_for,
)

BATCH = 8
SHOWN = 4
"""Matrices larger than this (rows or columns) are not printed in full."""
_STEP = 1e-5


@dataclass(frozen=True)
class Counterexample:
    """The draw's inputs and the two results, as arrays; ``directional`` is (measured change,
    predicted by the correct formula, predicted by the printed one) when the function is a
    scalar, else None."""

    inputs: dict[str, np.ndarray]
    correct: np.ndarray
    printed: np.ndarray
    directional: tuple[float, float, float] | None
    along: str | None


def counterexample(identity: Identity) -> Counterexample | None:
    """The first of a few draws where the printed form differs from the correct one, or None
    when the printed form cannot be evaluated next to it."""
    st = identity.statement
    if st.printed is None:
        return None
    try:
        return _find(identity)
    except (SamplingError, np.linalg.LinAlgError, ValueError, KeyError):
        return None


def _env(st, values, sizes, functions, differentials) -> Env:
    values = dict(values)
    jacobians = instantiate(st.specs, sizes, functions, values)
    return Env(BATCH, values, sizes, differentials, jacobians)


def _find(identity: Identity) -> Counterexample | None:
    st = identity.statement
    rng = np.random.default_rng(seed_for(identity.id, 99))
    sizes = assign_sizes(st.specs)
    values = sample(st.specs, sizes, BATCH, rng)
    functions = make_functions(st.specs, sizes, BATCH, rng)
    free = [n for n, s in st.specs.items() if s.function_of is None and s.integer is None]
    differentials = {n: direction(st.specs[n], sizes, BATCH, rng, n) for n in free}
    env = _env(st, values, sizes, functions, differentials)
    layout = st.layout if st.has_layout else "denominator"
    correct_tree = st.derivative(layout) if st.has_layout else st.trees[st.result_field]
    correct, printed = evaluate(correct_tree, env), evaluate(st.printed, env)
    if correct.shape != printed.shape:
        return None
    scale = np.maximum(np.abs(correct).max(axis=(1, 2)), np.abs(printed).max(axis=(1, 2)))
    differs = np.abs(correct - printed).max(axis=(1, 2)) > 1e-3 * np.maximum(scale, 1e-12)
    if not differs.any():
        return None
    i = int(np.argmax(differs))
    directional = along = None
    expression = st.expression(layout) if st.has_layout else None
    if (st.type == "derivative" and expression is not None and expression.shape.is_scalar):
        wrt = st.wrt
        v = differentials[wrt]

        def f(t: float) -> np.ndarray:
            moved = dict(values)
            moved[wrt] = values[wrt] + t * v
            return evaluate(expression, _env(st, moved, sizes, functions, differentials))

        measured = (f(_STEP) - f(-_STEP))[i, 0, 0] / (2 * _STEP)

        def predicted(g: np.ndarray) -> float:
            g = g[i] if layout == "denominator" else g[i].T
            return float(np.sum(g * v[i]))

        directional = (float(measured), predicted(correct), predicted(printed))
        along = wrt
    inputs = {n: values[n][i] for n in st.specs if n in values and st.specs[n].function_of
              is None}
    if along is not None:
        inputs[f"direction V for {along}"] = differentials[along][i]
    return Counterexample(inputs, correct[i], printed[i], directional, along)


def matrix_latex(a: np.ndarray) -> str | None:
    """A small array as a LaTeX matrix with two decimals, or None when it is too large."""
    a = np.atleast_2d(a)
    if a.shape[0] > SHOWN or a.shape[1] > SHOWN:
        return None
    if a.shape == (1, 1):
        return _number(a[0, 0])
    rows = [" & ".join(_number(x) for x in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _number(x: float) -> str:
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text
