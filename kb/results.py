"""What verification finds, as data: each check's errors, the failure, the report.

Check functions return :class:`Check` objects (what was compared, where in the record, the
relative error of every draw); :func:`kb.verify.verify` condenses them into a
:class:`Report`, whose :class:`Failure` keeps the code, the check, the location, the error
and the draw. Text is made from these fields in one place (:attr:`Failure.message`), and
nothing downstream parses it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Check:
    """One comparison over a batch of draws."""

    what: str
    """What was compared: a layout, a form, a step ("derivative (numerator layout)", …)."""
    errors: np.ndarray
    """The relative error of each draw."""
    location: Loc | None = None
    """The record field it concerns (a derivation's step); None: the record's result."""
    step: int | None = None
    """The derivation step it checks (1-based), if any."""


@dataclass(frozen=True)
class Outcome:
    """A check of a verified report, reduced to its worst error."""

    what: str
    worst: float
    location: Loc | None = None
    step: int | None = None


_TEXTS = {
    "KB401": "{what} does not hold: relative error {error:.2e} > {tolerance:.0e} at draw "
             "{draw} (seed {seed}, re-checked on fresh draws)",
    "KB402": "{what}: evaluates to NaN or infinity at draw {draw} (seed {seed}); do the "
             "variables need more structure?",
    "KB403": "cannot be sampled: {reason}",
    "KB404": "linear algebra failed on a draw: {reason}",
    "KB407": "the finite differences converged on only {reason}: is the expression "
             "differentiable where the variables are drawn?",
    "KB405": "erratum: the printed form verifies too (median relative error {error:.1e}); "
             "either the source is right or the printed expression is mistyped",
}


@dataclass(frozen=True)
class Failure:
    """Why a record does not verify."""

    code: str
    """A verification code of :data:`kb.diagnostics.CODES` (KB401 …)."""
    seed: int
    what: str | None = None
    location: Loc | None = None
    relative_error: float | None = None
    draw: int | None = None
    """The index of the failing draw in its batch."""
    reason: str | None = None
    """The error raised, for sampling and linear-algebra failures."""
    tolerance: float = 0.0

    @property
    def message(self) -> str:
        return _TEXTS[self.code].format(what=self.what, error=self.relative_error,
                                        tolerance=self.tolerance, draw=self.draw,
                                        seed=self.seed, reason=self.reason)


@dataclass
class Report:
    """The outcome of verifying one record."""

    id: str
    method: str
    draws: int
    worst_error: float
    seed: int
    attempts: int = 1
    outcomes: list[Outcome] = field(default_factory=list)
    failure: Failure | None = None
    draw: dict[str, np.ndarray] | None = None
    """The values of the failing draw."""
    erratum_error: float | None = None
    """The median relative error of the erratum's printed form: the evidence it is wrong."""
    erratum_evidence: str | None = None
    """The evidence that the printed form is wrong, in words."""

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def checks(self) -> dict[str, float]:
        """The worst relative error of each check, by what it compared."""
        return {o.what: o.worst for o in self.outcomes}

    @property
    def message(self) -> str | None:
        return self.failure.message if self.failure is not None else None

    @property
    def location(self) -> Loc | None:
        """Where in the record the failure is (a derivation's step), when not its result."""
        return self.failure.location if self.failure is not None else None

    def summary(self) -> str:
        if self.failure is None:
            return f"{self.id}: verified (worst relative error {self.worst_error:.1e})"
        return f"{self.id}: {self.failure.message}"

    def draw_text(self) -> str:
        if not self.draw:
            return ""
        with np.printoptions(precision=4, suppress=True, linewidth=100):
            return "\n".join(f"  {name} = {np.array2string(v, prefix='  ' + name + ' = ')}"
                             for name, v in self.draw.items())
