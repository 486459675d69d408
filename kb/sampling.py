"""Random draws that respect each variable's structure, and directions that stay inside it.

Each symbolic dimension gets its own size, so a transposition error cannot hide behind square
shapes. What each structure's draws and directions are is defined in :mod:`kb.structures`;
matrices that must be invertible are drawn with singular values in [0.5, 2], so every
draw is well conditioned. Placeholder functions (``function_of``) are instantiated with random
smooth test functions u(x) = tanh(W vec(x) + c), whose Jacobian is known in closed form.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from kb.numeric import Array, layout_jacobian, unvec, vec
from kb.shapes import VarSpec
from kb.structures import (
    HIGH,
    LOW,
    SamplingError,
    Structure,
    constrained,
    holds,
    project,
)
from kb.structures import sample as sample_structure

__all__ = ["HIGH", "LOW", "SamplingError", "constrained", "holds", "project"]

SIZES = (3, 5, 4, 6, 7, 2, 8, 9)


def seed_for(record_id: str, attempt: int = 0, repeat: int = 0) -> int:
    """A reproducible seed from the record id, the batch (attempt) and, for repeated
    verification, the repetition (0 is the record's own family of seeds)."""
    key = f"{record_id}#{attempt}" + (f"@{repeat}" if repeat else "")
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def assign_sizes(specs: Mapping[str, VarSpec]) -> dict[str, int]:
    """Distinct sizes for the dimension names, honouring full-column-rank (tall) shapes."""
    names: list[str] = []
    for spec in specs.values():
        for dim in (spec.shape.rows, spec.shape.cols):
            for name in dim.names:
                if name not in names:
                    names.append(name)
    tall = [
        (spec.shape.rows, spec.shape.cols)
        for spec in specs.values()
        if Structure.FULL_COLUMN_RANK in spec.structure
    ]
    for sizes in itertools.permutations(SIZES, len(names)):
        table = dict(zip(names, sizes, strict=True))
        # Strictly taller, so a transposition cannot hide, unless the shape is square by name.
        if all(rows == cols or rows.size(table) > cols.size(table) for rows, cols in tall):
            return table
    raise SamplingError("no sizes make every full_column_rank variable at least as tall as wide")


def sample(specs: Mapping[str, VarSpec], sizes: Mapping[str, int], batch: int,
           rng: np.random.Generator) -> dict[str, Array]:
    """One batch of draws of every variable that is not a placeholder function."""
    values = {}
    for name, spec in specs.items():
        if spec.integer is not None:
            low, high = spec.integer
            values[name] = rng.integers(low, high + 1, (batch, 1, 1)).astype(float)
        elif spec.function_of is None:
            rows, cols = spec.shape.sizes(sizes)
            values[name] = sample_structure(rng, batch, rows, cols, spec.structure, name)
    return values


def direction(spec: VarSpec, sizes: Mapping[str, int], batch: int,
              rng: np.random.Generator, name: str = "") -> Array:
    """A random direction in the tangent space of the variable's structure."""
    rows, cols = spec.shape.sizes(sizes)
    v = rng.standard_normal((batch, rows, cols))
    return project(v, spec.structure, name)


# ---- placeholder functions -------------------------------------------------------------


@dataclass(frozen=True)
class SmoothFunction:
    """u(x) = tanh(W vec(x) + c), reshaped to u's shape; one per draw of the batch.

    A placeholder with a structure (an invertible or spd matrix function, say) is instead
    B + s P(tanh(W vec(x) + c)): a draw B with that structure, moved by a small perturbation
    projected into the structure's space, so every value keeps the structure.
    """

    weights: Array  # (batch, size(u), size(x))
    offset: Array  # (batch, size(u), 1)
    out_shape: tuple[int, int]
    base: Array | None = None
    structure: frozenset[Structure] = frozenset()

    @classmethod
    def random(cls, rng: np.random.Generator, batch: int, out_shape: tuple[int, int],
               in_size: int, structure: frozenset[Structure] = frozenset(),
               name: str = "") -> SmoothFunction:
        p = out_shape[0] * out_shape[1]
        weights = rng.standard_normal((batch, p, in_size)) / np.sqrt(in_size)
        offset = rng.normal(0.0, 0.5, (batch, p, 1))
        base = None
        if structure:
            base = sample_structure(rng, batch, *out_shape, frozenset(structure), name)
        return cls(weights, offset, out_shape, base, frozenset(structure))

    def take(self, rows: np.ndarray) -> SmoothFunction:
        """The functions of the draws ``rows`` only."""
        return SmoothFunction(self.weights[rows], self.offset[rows], self.out_shape,
                              None if self.base is None else self.base[rows], self.structure)

    @staticmethod
    def concat(parts: list[SmoothFunction]) -> SmoothFunction:
        """The functions of several batches as one batch."""
        first = parts[0]
        base = None if first.base is None else np.concatenate([p.base for p in parts])
        return SmoothFunction(np.concatenate([p.weights for p in parts]),
                              np.concatenate([p.offset for p in parts]), first.out_shape,
                              base, first.structure)

    def _project(self, flat: Array) -> Array:
        """Each column of a (batch, size(u), q) array, as a matrix, projected into the
        structure's space."""
        batch, _, q = flat.shape
        rows, cols = self.out_shape
        mats = flat.reshape(batch, cols, rows, q).transpose(0, 3, 2, 1)
        mats = project(mats, self.structure)
        return mats.transpose(0, 3, 2, 1).reshape(batch, rows * cols, q)

    def __call__(self, x: Array) -> tuple[Array, Array]:
        """The value and the Jacobian d vec(u) / d vec(x)."""
        z = np.tanh(self.weights @ vec(x) + self.offset)
        jac = (1.0 - z**2) * self.weights
        if self.base is None:
            return unvec(z, *self.out_shape), jac
        scale = self.scale
        return (self.base + scale * unvec(self._project(z), *self.out_shape),
                scale * self._project(jac))

    def second(self, x: Array) -> Array:
        """d² vec(u) / dx² for a scalar x."""
        z = np.tanh(self.weights @ vec(x) + self.offset)
        out = -2.0 * z * (1.0 - z**2) * self.weights**2
        return out if self.base is None else self.scale * self._project(out)

    @property
    def scale(self) -> float:
        """Small enough that the perturbation's Frobenius norm stays below 0.2, which keeps
        singular values and eigenvalues of the base (at least 0.5) above 0.3."""
        return 0.2 / float(np.sqrt(self.out_shape[0] * self.out_shape[1]))


def take_draws(values: Mapping[str, Array], functions: Mapping[str, SmoothFunction],
               rows: np.ndarray) -> tuple[dict[str, Array], dict[str, SmoothFunction]]:
    """The draws ``rows`` of a batch of values and placeholder functions."""
    return ({name: v[rows] for name, v in values.items()},
            {name: f.take(rows) for name, f in functions.items()})


def concat_draws(parts: list[tuple[Mapping[str, Array], Mapping[str, SmoothFunction]]]
                 ) -> tuple[dict[str, Array], dict[str, SmoothFunction]]:
    """Several batches of the same variables as one."""
    values = {name: np.concatenate([v[name] for v, _ in parts]) for name in parts[0][0]}
    functions = {name: SmoothFunction.concat([f[name] for _, f in parts])
                 for name in parts[0][1]}
    return values, functions


def instantiate(specs: Mapping[str, VarSpec], sizes: Mapping[str, int],
                functions: Mapping[str, SmoothFunction], values: dict[str, Array]
                ) -> dict[tuple[str, str, int], Array]:
    """Evaluate the placeholder functions in dependency order; fills ``values`` in place.

    Returns the numerator-layout derivatives by (function, variable, order); second
    derivatives exist for placeholders of a scalar.
    """
    derivatives: dict[tuple[str, str, int], Array] = {}
    pending = [name for name in specs if specs[name].function_of is not None]
    while pending:
        for name in list(pending):
            arg = specs[name].function_of
            if arg in values:
                value, jac = functions[name](values[arg])
                values[name] = value
                out_shape, in_shape = specs[name].shape.sizes(sizes), specs[arg].shape.sizes(sizes)
                derivatives[(name, arg, 1)] = layout_jacobian(jac, out_shape, in_shape)
                if in_shape == (1, 1):
                    second = functions[name].second(values[arg])
                    derivatives[(name, arg, 2)] = layout_jacobian(second, out_shape, in_shape)
                pending.remove(name)
                break
        else:
            raise SamplingError(f"placeholder functions depend on each other in a cycle: {pending}")
    return derivatives


def make_functions(specs: Mapping[str, VarSpec], sizes: Mapping[str, int], batch: int,
                   rng: np.random.Generator) -> dict[str, SmoothFunction]:
    functions = {}
    for name, spec in specs.items():
        if spec.function_of is not None:
            rows, cols = specs[spec.function_of].shape.sizes(sizes)
            functions[name] = SmoothFunction.random(
                rng, batch, spec.shape.sizes(sizes), rows * cols, spec.structure, name
            )
    return functions
