"""The structures a variable can be declared with, one object each.

A :class:`StructureSpec` says everything the rest of the code base needs to know about a
structure: whether it needs a square shape, what it implies (spd ⇒ symmetric, invertible,
positive determinant), its sampler, the projector onto its tangent space (the directions in
which a variable can move and keep the structure), whether derivatives along it are
supported, and a predicate that checks a draw. Adding a structure is one enum member and one
entry of :data:`STRUCTURES`, plus its line in ``site/records.md``.

Invertible draws have singular values (or eigenvalues) in [LOW, HIGH], so every draw is well
conditioned. The schema and the statement compiler import this module without numpy (``kb
show`` must start fast): numpy is imported on the first numeric call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy
    from numpy.random import Generator

    Array = numpy.ndarray


class _Numpy:
    """numpy, imported when a sampler, projector or predicate first runs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("numpy"), name)


np: Any = _Numpy()

LOW, HIGH = 0.5, 2.0


class Structure(StrEnum):
    """What a variable is known to be; the sampler draws only values that are."""

    SYMMETRIC = "symmetric"
    SPD = "spd"
    INVERTIBLE = "invertible"
    POSITIVE_DETERMINANT = "positive_determinant"
    ORTHOGONAL = "orthogonal"
    DIAGONAL = "diagonal"
    POSITIVE = "positive"
    FULL_COLUMN_RANK = "full_column_rank"
    SKEW_SYMMETRIC = "skew_symmetric"
    DISTINCT_EIGENVALUES = "distinct_eigenvalues"
    """symmetric, with eigenvalues at least 0.6 apart (for eigenvalue derivatives)"""
    REAL_DISTINCT_EIGENVALUES = "real_distinct_eigenvalues"
    """not necessarily symmetric: real eigenvalues at least 0.6 apart, diagonalizable"""
    POSITIVE_DEFINITE_PART = "positive_definite_part"
    """not necessarily symmetric: the symmetric part (X + X^T)/2 is positive definite"""
    SMALL = "small"
    """a perturbation: entries of size about 0.05, for expansions such as (I + E)^{-1}"""


S = Structure
Sampler = Callable[["Generator", int, int, int], "Array"]


@dataclass(frozen=True)
class StructureSpec:
    """One structure: its shape requirement, implications, sampler, tangent space, predicate."""

    name: Structure
    summary: str
    sampler: Sampler
    predicate: Callable[[Array, float], Array]
    """Per draw: does the structure hold (to the tolerance, relative to the entries)?"""
    square: bool = False
    implies: frozenset[Structure] = frozenset()
    projector: Callable[[Array], Array] | None = None
    """The projection onto the tangent space; None when it is every matrix of the shape."""
    differentiable: bool = True
    """False where derivatives along the structure's manifold are not supported."""
    label: str = ""
    """The structure in words, as pages show it; the name with spaces when empty."""

    @property
    def words(self) -> str:
        return self.label or str(self.name).replace("_", " ")


# ---- building blocks of samplers ------------------------------------------------------------


def _orthogonal(rng: Generator, batch: int, n: int) -> Array:
    q, r = np.linalg.qr(rng.standard_normal((batch, n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[:, None, :]


def _spread(rng: Generator, batch: int, k: int, signed: bool = False) -> Array:
    values = rng.uniform(LOW, HIGH, (batch, k))
    if signed:
        values = values * rng.choice([-1.0, 1.0], (batch, k))
    return values


def _with_diagonal(rng: Generator, batch: int, n: int, values: Array) -> Array:
    q = _orthogonal(rng, batch, n)
    return (q * values[:, None, :]) @ np.swapaxes(q, -1, -2)


def _invertible(rng: Generator, batch: int, n: int, _cols: int = 0) -> Array:
    u, v = _orthogonal(rng, batch, n), _orthogonal(rng, batch, n)
    return (u * _spread(rng, batch, n)[:, None, :]) @ v


def _separated(rng: Generator, batch: int, n: int) -> Array:
    """n eigenvalues, consecutive ones 0.6 to 1.2 apart, centred on 0."""
    steps = rng.uniform(0.6, 1.2, (batch, n))
    return np.cumsum(steps, axis=1) - steps.sum(axis=1, keepdims=True) / 2


def _diagonal(values: Array) -> Array:
    batch, n = values.shape
    out = np.zeros((batch, n, n))
    idx = np.arange(n)
    out[:, idx, idx] = values
    return out


def _symmetric_part(x: Array) -> Array:
    return (x + np.swapaxes(x, -1, -2)) / 2


def _skew_part(x: Array) -> Array:
    return (x - np.swapaxes(x, -1, -2)) / 2


def _diagonal_part(x: Array) -> Array:
    return x * np.eye(x.shape[-1])


# ---- samplers ------------------------------------------------------------------------------


def _positive_determinant(rng: Generator, batch: int, n: int, _cols: int) -> Array:
    x = _invertible(rng, batch, n)
    x[:, :, 0] *= np.where(np.linalg.det(x) < 0, -1.0, 1.0)[:, None]
    return x


def _full_column_rank(rng: Generator, batch: int, rows: int, cols: int) -> Array:
    u = _orthogonal(rng, batch, rows)[:, :, :cols]
    return (u * _spread(rng, batch, cols)[:, None, :]) @ _orthogonal(rng, batch, cols)


def _real_distinct(rng: Generator, batch: int, n: int, _cols: int) -> Array:
    v = _invertible(rng, batch, n)  # eigenvectors with condition number at most 4
    return (v * _separated(rng, batch, n)[:, None, :]) @ np.linalg.inv(v)


def _positive_definite_part(rng: Generator, batch: int, n: int, _cols: int) -> Array:
    return (_with_diagonal(rng, batch, n, _spread(rng, batch, n))
            + _skew_part(rng.standard_normal((batch, n, n))))


# ---- predicates ----------------------------------------------------------------------------


def _scale(x: Array) -> Array:
    return 1.0 + np.abs(x).max(axis=(-2, -1))


def _is_symmetric(x: Array, tol: float) -> Array:
    return np.abs(x - np.swapaxes(x, -1, -2)).max(axis=(-2, -1)) <= tol * _scale(x)


def _is_spd(x: Array, tol: float) -> Array:
    return _is_symmetric(x, tol) & (np.linalg.eigvalsh(_symmetric_part(x)).min(axis=-1) > 0)


def _gaps(values: Array) -> Array:
    return np.diff(np.sort(values, axis=-1), axis=-1).min(axis=-1, initial=np.inf)


def _is_real_distinct(x: Array, tol: float) -> Array:
    w = np.linalg.eigvals(x)
    return (np.abs(w.imag).max(axis=-1) <= 1e-8 * _scale(x)) & (_gaps(w.real) > 0.5)


_SPECS = [
    StructureSpec(S.SYMMETRIC, "X^T = X", lambda rng, b, n, _: _symmetric_part(
        rng.standard_normal((b, n, n))), _is_symmetric, square=True,
        projector=_symmetric_part),
    StructureSpec(S.SPD, "symmetric positive definite, eigenvalues in [0.5, 2]",
                  lambda rng, b, n, _: _with_diagonal(rng, b, n, _spread(rng, b, n)), _is_spd,
                  square=True, implies=frozenset({S.SYMMETRIC, S.INVERTIBLE,
                                                  S.POSITIVE_DETERMINANT}),
                  label="symmetric positive definite"),
    StructureSpec(S.INVERTIBLE, "singular values in [0.5, 2]", _invertible,
                  lambda x, tol: np.linalg.cond(x) < 1e6, square=True),
    StructureSpec(S.POSITIVE_DETERMINANT, "invertible with det > 0", _positive_determinant,
                  lambda x, tol: np.linalg.det(x) > 0, square=True,
                  implies=frozenset({S.INVERTIBLE})),
    StructureSpec(S.ORTHOGONAL, "X^T X = I", lambda rng, b, n, _: _orthogonal(rng, b, n),
                  lambda x, tol: np.abs(np.swapaxes(x, -1, -2) @ x - np.eye(x.shape[-1])
                                        ).max(axis=(-2, -1)) <= tol * 10,
                  square=True, implies=frozenset({S.INVERTIBLE}), differentiable=False),
    StructureSpec(S.DIAGONAL, "zero off the diagonal",
                  lambda rng, b, n, _: _diagonal(rng.standard_normal((b, n))),
                  lambda x, tol: (np.abs(x - _diagonal_part(x)).max(axis=(-2, -1)) == 0),
                  square=True, implies=frozenset({S.SYMMETRIC}), projector=_diagonal_part),
    StructureSpec(S.POSITIVE, "entries in [0.5, 2]",
                  lambda rng, b, r, c: rng.uniform(LOW, HIGH, (b, r, c)),
                  lambda x, tol: np.asarray((x > 0).all(axis=(-2, -1))), label="positive entries"),
    StructureSpec(S.FULL_COLUMN_RANK, "at least as tall as wide, singular values in [0.5, 2]",
                  _full_column_rank,
                  lambda x, tol: (np.linalg.matrix_rank(x) == x.shape[-1])
                  & (x.shape[-2] >= x.shape[-1])),
    StructureSpec(S.SKEW_SYMMETRIC, "X^T = -X", lambda rng, b, n, _: _skew_part(
        rng.standard_normal((b, n, n))),
        lambda x, tol: np.abs(x + np.swapaxes(x, -1, -2)).max(axis=(-2, -1)) <= tol * _scale(x),
        square=True, projector=_skew_part, label="skew-symmetric"),
    StructureSpec(S.DISTINCT_EIGENVALUES, "symmetric, eigenvalues 0.6 to 1.2 apart",
                  lambda rng, b, n, _: _with_diagonal(rng, b, n, _separated(rng, b, n)),
                  lambda x, tol: _is_symmetric(x, tol)
                  & (_gaps(np.linalg.eigvalsh(_symmetric_part(x))) > 0.5),
                  square=True, implies=frozenset({S.SYMMETRIC}),
                  label="symmetric, distinct eigenvalues"),
    StructureSpec(S.REAL_DISTINCT_EIGENVALUES, "V Λ V^{-1}, real eigenvalues 0.6 to 1.2 apart, "
                  "cond(V) ≤ 4", _real_distinct, _is_real_distinct, square=True,
                  label="real distinct eigenvalues"),
    StructureSpec(S.POSITIVE_DEFINITE_PART, "spd plus skew-symmetric: (X + X^T)/2 has "
                  "eigenvalues in [0.5, 2]", _positive_definite_part,
                  lambda x, tol: np.linalg.eigvalsh(_symmetric_part(x)).min(axis=-1) > 0,
                  square=True, implies=frozenset({S.INVERTIBLE, S.POSITIVE_DETERMINANT}),
                  label="positive definite symmetric part"),
    StructureSpec(S.SMALL, "entries normal with standard deviation 0.05 / √(rows·cols)",
                  lambda rng, b, r, c: rng.normal(0.0, 0.05 / np.sqrt(r * c), (b, r, c)),
                  lambda x, tol: np.sqrt((x**2).sum(axis=(-2, -1))) < 0.5,
                  label="small (near zero)"),
]

STRUCTURES: dict[Structure, StructureSpec] = {spec.name: spec for spec in _SPECS}
assert set(STRUCTURES) == set(Structure), "every structure needs exactly one StructureSpec"


def closure(structure: Iterable[Structure]) -> frozenset[Structure]:
    """The structures and everything they imply."""
    out = set(structure)
    pending = list(out)
    while pending:
        for implied in STRUCTURES[pending.pop()].implies - out:
            out.add(implied)
            pending.append(implied)
    return frozenset(out)


def implies_symmetric(structure: Iterable[Structure]) -> bool:
    """Whether X^T = X follows (the layouts then drop transposes of X)."""
    return S.SYMMETRIC in closure(structure)


# Combinations no single structure's sampler covers, by the closure they sample.
_COMBINED: dict[frozenset[Structure], Sampler] = {
    closure({S.SYMMETRIC, S.INVERTIBLE}): lambda rng, b, n, _: _with_diagonal(
        rng, b, n, _spread(rng, b, n, signed=True)),
    closure({S.DIAGONAL, S.INVERTIBLE}): lambda rng, b, n, _: _diagonal(
        _spread(rng, b, n, signed=True)),
    closure({S.DIAGONAL, S.SPD}): lambda rng, b, n, _: _diagonal(_spread(rng, b, n)),
}
_SAMPLERS: dict[frozenset[Structure], Sampler] = {
    closure({spec.name}): spec.sampler for spec in _SPECS} | _COMBINED


class SamplingError(ValueError):
    """No draw can satisfy a record's assumptions (structures together, or in this shape)."""


def sample(rng: Generator, batch: int, rows: int, cols: int,
           structure: Iterable[Structure], name: str = "") -> Array:
    """A batch of draws with every structure (a plain Gaussian matrix for none)."""
    declared = frozenset(structure)
    square = sorted(s for s in declared if STRUCTURES[s].square)
    if square and rows != cols:
        raise SamplingError(f"{name}: {', '.join(square)} needs a square shape, "
                             f"got {rows}×{cols}")
    if not declared:
        return rng.standard_normal((batch, rows, cols))
    sampler = _SAMPLERS.get(closure(declared))
    if sampler is None:
        raise SamplingError(
            f"{name}: no sampler for the structures {', '.join(sorted(declared))}")
    return sampler(rng, batch, rows, cols)


def project(v: Array, structure: Iterable[Structure], name: str = "") -> Array:
    """The projection onto the tangent space of the structures (a linear space)."""
    closed = closure(structure)
    for s in sorted(closed):
        spec = STRUCTURES[s]
        if not spec.differentiable:
            raise SamplingError(f"{name}: derivatives with respect to an {s} matrix are not "
                                 "supported")
        if spec.projector is not None:
            v = spec.projector(v)
    return v


def constrained(structure: Iterable[Structure]) -> bool:
    """True when the variable lives on a proper linear subspace (symmetric, diagonal, ...)."""
    return any(STRUCTURES[s].projector is not None for s in closure(structure))


def holds(structure: Structure, x: Array, tol: float = 1e-9) -> Array:
    """Per draw: does the structure hold?"""
    return STRUCTURES[structure].predicate(x, tol)
