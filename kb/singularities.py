"""Draws away from singularities, found in the expressions themselves.

Every subexpression that is inverted, pseudo-inverted, divided by, or passed to a function
with a singular point (log, sqrt, abs, norm, tan, an eigenvalue) is measured on each draw:
its distance to the singularity (smallest singular value, smallest entry, distance to the
pole, eigenvalue gap) against how far it moves when the variables move by the largest
finite-difference step. A draw where some subexpression could come within reach of its
singularity is replaced by a fresh one, so differences never straddle a pole; no record has
to declare anything for this. A record's declared conditions (``invertible(X + A)``) are
measured the same way, and draws where one does not hold are replaced too. A draw where no
replacement is found keeps the least bad draws, so an expression that is singular everywhere
still fails (as it must).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from kb import ast
from kb.functions import FUNCTIONS
from kb.numeric import Array, Env, evaluate
from kb.sampling import (
    SmoothFunction,
    concat_draws,
    direction,
    instantiate,
    make_functions,
    sample,
    take_draws,
)
from kb.shapes import VarSpec
from kb.structures import SamplingError, Structure, closure, holds

RATIO = 4.0
"""The distance to a singularity must exceed this many times the largest move of the
subexpression under a step: the differences' convergence radius is then several steps."""
CONDITION = 1e7
"""Beyond this condition number rounding alone reaches the tolerance: the draw is replaced."""
POOL = 2
"""Replacements are drawn in pools of POOL times the batch, after the first batch; at most
POOLS draws in all."""
POOLS = 5


def _sigma_min(x: Array) -> tuple[Array, Array]:
    s = np.linalg.svd(x, compute_uv=False)
    return s[..., -1], s[..., 0]


def _matrix(value: Array, moves: list[Array]) -> Array:
    """Smallest singular value against the move's Frobenius norm (σ_min is 1-Lipschitz)."""
    low, high = _sigma_min(value)
    move = _reach(moves)
    ok_condition = low >= high / CONDITION
    return np.where(ok_condition, low / np.maximum(RATIO * move, 1e-300), 0.0)


def _pinv(value: Array, moves: list[Array]) -> Array:
    """The pseudo-inverse is singular where the rank changes: the smallest singular value
    that is not zero by construction (rank-deficient products) against the move."""
    s = np.linalg.svd(value, compute_uv=False)
    high = s[..., :1]
    low = np.where(s > 1e-9 * high, s, np.inf).min(axis=-1)
    return low / np.maximum(RATIO * _reach(moves), 1e-300)


def _entries(distance: Callable[[Array], Array]) -> Callable[[Array, list[Array]], Array]:
    """Entry by entry: the distance to the pole against the entry's move."""
    def margin(value: Array, moves: list[Array]) -> Array:
        move = np.max([np.abs(m) for m in moves], axis=0) if moves else np.zeros_like(value)
        scale = 1.0 + np.abs(value)
        d = distance(value)
        ratio = np.where(d >= scale / CONDITION, d / np.maximum(RATIO * move, 1e-300), 0.0)
        return ratio.min(axis=(-2, -1))
    return margin


def _norm(value: Array, moves: list[Array]) -> Array:
    size = np.sqrt((value**2).sum(axis=(-2, -1)))
    move = _reach(moves)
    return size / np.maximum(RATIO * move, 1e-300)


def _gap(value: Array, moves: list[Array]) -> Array:
    """The smallest eigenvalue gap against twice the move (Weyl, for symmetric matrices)."""
    w = np.linalg.eigvals(value)
    w = np.sort(w.real, axis=-1)
    gap = np.diff(w, axis=-1).min(axis=-1, initial=np.inf)
    move = _reach(moves)
    return gap / np.maximum(2 * RATIO * move, 1e-300)


def _reach(moves: list[Array]) -> Array | float:
    """Per draw, the largest Frobenius norm of the moves (0 when nothing moves)."""
    if not moves:
        return 0.0
    return np.max([np.sqrt((m**2).sum(axis=(-2, -1))) for m in moves], axis=0)


def _to_pole(value: Array) -> Array:
    """tan: the distance to the nearest odd multiple of π/2."""
    return np.abs(np.remainder(value, np.pi) - np.pi / 2)


_ZERO = _entries(np.abs)
MEASURES: dict[str, Callable[[Array, list[Array]], Array]] = {
    "zero": _ZERO,
    "pole": _entries(_to_pole),
    "unit": _entries(lambda x: 1 - np.abs(x)),
    "norm": _norm,
    "rank": _pinv,
    "spectrum": _matrix,
    "gap": _gap,
}
"""How far a value is from a singular point, by the name a function's spec gives
(:attr:`kb.functions.FunctionSpec.singularity`)."""
_SINGULAR = {name: MEASURES[spec.singularity] for name, spec in FUNCTIONS.items()
             if spec.singularity is not None}


def condition_measure(structure: Structure) -> Callable[[Array, list[Array]], Array]:
    """How far a declared condition's expression is from no longer having the structure
    (singular, or an entry reaching 0), where that is known; infinite otherwise."""
    closed = closure({structure})
    if Structure.INVERTIBLE in closed:
        return _matrix
    if structure == Structure.POSITIVE:
        return _ZERO
    return lambda value, moves: np.full(value.shape[0], np.inf)


def sensitive(trees: Iterable[ast.Node]) -> list[tuple[ast.Node, Callable]]:
    """Every subexpression to keep away from its singularity, with its measure, once each.

    Bodies of sums are skipped: their index is bound only inside the sum.
    """
    found: dict[ast.Node, Callable] = {}

    def inverted(arg: ast.Node) -> None:
        while isinstance(arg, ast.Transpose | ast.Neg):  # the same singular values
            arg = arg.arg
        found.setdefault(arg, _ZERO if arg.shape.is_scalar else _matrix)

    def visit(node: ast.Node) -> None:
        match node:
            case ast.Summation():
                return
            case ast.Inverse(arg=arg):
                inverted(arg)
            case ast.Power(arg=arg, exponent=k, symbolic=()) if k < 0:
                inverted(arg)
            case ast.Div(right=right) | ast.HadamardDiv(right=right):
                found.setdefault(right, _ZERO)
            case ast.Call(func=func, args=(arg, *_)) if func in _SINGULAR:
                found.setdefault(arg, _SINGULAR[func])
            case ast.RationalPower(arg=arg, num=num, den=den) if num < 0 or den > 1:
                found.setdefault(arg, _ZERO)  # a pole, or a root not differentiable at 0
        for child in node.children():
            visit(child)

    for tree in trees:
        visit(tree)
    # Constants (a division by 2 or by n) are never near their singularity.
    return [(node, measure) for node, measure in found.items() if ast.free_symbols(node)]


@dataclass
class Screen:
    """What to measure on a statement's draws, and which variables its checks move."""

    nodes: list[tuple[ast.Node, Callable]]
    moving: list[str]
    conditions: list[tuple[ast.Node, Structure, str]]
    """Declared conditions: a draw where one does not hold is never used."""
    step: float
    """The largest distance any check moves a variable (a unit direction times the step)."""

    @property
    def differentials(self) -> bool:
        """Whether a measured subexpression mentions a differential dX."""
        return any(ast.differentials(node) for node, _ in self.nodes)

    def margins(self, specs: Mapping[str, VarSpec], sizes: Mapping[str, int],
                values: dict[str, Array], functions: Mapping[str, SmoothFunction],
                rng: np.random.Generator) -> Array:
        """Per draw: the worst ratio of distance to singularity over reach (≥ 1 is safe), or
        -1 where a declared condition does not hold."""
        batch = next(iter(values.values())).shape[0] if values else 0
        dirs = {name: _unit(direction(specs[name], sizes, batch, rng, name))
                for name in self.moving}
        # dX in a measured subexpression (a differential form) is a direction like any other.
        differentials = {name: _unit(direction(spec, sizes, batch, rng, name))
                         for name, spec in specs.items()
                         if spec.function_of is None and spec.integer is None
                         } if self.differentials else {}

        def env(shift: float) -> Env:
            moved = dict(values)
            for name, v in dirs.items():
                moved[name] = moved[name] + shift * v
            jacobians = instantiate(specs, sizes, functions, moved)
            return Env(batch, moved, sizes, differentials, jacobians)

        base = env(0.0)
        shifted = [env(self.step)] if dirs else []
        worst = np.full(batch, np.inf)
        for node, measure in self.nodes:
            try:
                value = evaluate(node, base)
                moves = [evaluate(node, e) - value for e in shifted]
            except (KeyError, np.linalg.LinAlgError):  # a name bound elsewhere; a singular case
                continue
            with np.errstate(all="ignore"):
                try:
                    margin = measure(value, moves)
                except np.linalg.LinAlgError:
                    margin = np.zeros(batch)
            worst = np.minimum(worst, np.nan_to_num(margin, nan=0.0, posinf=np.inf))
        for node, structure, _ in self.conditions:
            with np.errstate(all="ignore"):
                value = evaluate(node, base)
                worst = np.where(holds(structure, value), worst, -1.0)
        return worst


def _unit(v: Array) -> Array:
    return v / np.maximum(np.sqrt((v**2).sum(axis=(-2, -1))), 1e-300)[:, None, None]


def screened_draws(screen: Screen, specs: Mapping[str, VarSpec], sizes: Mapping[str, int],
                   batch: int, rng: np.random.Generator
                   ) -> tuple[dict[str, Array], dict[str, SmoothFunction]]:
    """``batch`` draws of the variables and placeholder functions, away from singularities."""
    if not screen.nodes and not screen.conditions:
        return sample(specs, sizes, batch, rng), make_functions(specs, sizes, batch, rng)
    kept: list[tuple[dict[str, Array], dict[str, SmoothFunction], Array]] = []
    count = 0
    for pool in range(POOLS):
        size = batch if pool == 0 else POOL * batch  # most first batches need no replacement
        values = sample(specs, sizes, size, rng)
        functions = make_functions(specs, sizes, size, rng)
        margins = screen.margins(specs, sizes, values, functions, rng)
        kept.append((values, functions, margins))
        count += int((margins >= 1.0).sum())
        if count >= batch:
            break
    values, functions = concat_draws([(v, f) for v, f, _ in kept])
    margins = np.concatenate([m for _, _, m in kept])
    good = np.nonzero(margins >= 1.0)[0][:batch]
    if good.size < batch:  # the least bad of the rest, so a singular expression still fails
        rest = np.argsort(-np.nan_to_num(margins, nan=-1.0), kind="stable")
        rest = rest[(margins[rest] < 1.0) & (margins[rest] >= 0.0)][: batch - good.size]
        good = np.concatenate([good, rest])
    if good.size < batch:
        failing = [text for node, structure, text in screen.conditions]
        raise SamplingError(f"the conditions {'; '.join(failing)} hold on only {good.size} of "
                            f"{margins.size} draws: are they possible together with the "
                            "variables' structures?")
    return take_draws(values, functions, good)
