"""Finite differences and relative errors: how a numerical check compares two values.

Every array has shape ``(batch, rows, cols)``; the functions work per draw. A difference
quotient is a function of its step; :func:`extrapolate` takes its limit at 0 with two
Richardson steps and bounds the estimate's own error, which the verifier uses to decide
whether a draw can be judged at all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

FLOOR = 1e-6
"""Relative errors are taken against at least FLOOR (1 + scale), so that values near zero
are compared absolutely rather than relative to their own rounding noise."""


STEP = 2.0**-6
"""The largest finite-difference step along a unit direction: with two Richardson steps the
error is O(h⁶), about 1e-11 on well-conditioned draws, and rounding stays near 1e-13."""


def norm(x: Array) -> Array:
    """The Frobenius norm of each draw."""
    return np.sqrt((np.abs(x) ** 2).sum(axis=(-2, -1)))


def relative_error(predicted: Array, reference: Array, scale: Array | float = 0.0) -> Array:
    """Per draw: |predicted - reference| / max(|predicted|, |reference|, FLOOR (1 + scale)).

    NaN or infinity anywhere in a draw gives an infinite error.
    """
    denom = np.maximum(np.maximum(norm(predicted), norm(reference)), FLOOR * (1.0 + scale))
    err = norm(predicted - reference) / denom
    finite = np.isfinite(err) & np.isfinite(np.asarray(scale, dtype=float))
    return np.where(finite, err, np.inf)


def mixed_quotient(f: Callable[[float, float], Array]) -> Callable[[float], Array]:
    """The mixed central difference quotient of ∂²f/∂s∂t at 0, as a function of the step."""
    def m(s: float) -> Array:
        return (f(s, s) - f(s, -s) - f(-s, s) + f(-s, -s)) / (4 * s * s)
    return m


def central_quotient(f: Callable[[float], Array]) -> Callable[[float], Array]:
    """The central difference quotient of f'(0), as a function of the step."""
    return lambda s: (f(s) - f(-s)) / (2 * s)


def extrapolate(quotient: Callable[[float], Array], h: float) -> tuple[Array, Array]:
    """The limit at 0 of a difference quotient whose error is even in the step, per draw, and
    a bound on the estimate's error.

    Quotients at h, h/2, h/4 with two Richardson steps give the O(h⁶) estimate that is
    returned; the same from h/2, h/4, h/8 gives a second one, and their distance (Frobenius
    norm per draw) bounds the first one's error: the second has about 64 times less
    truncation error and, at its smaller steps, more rounding error, so the distance covers
    both. (Comparing with an O(h⁴) estimate from the same steps would not: it shares the
    rounding error of the smallest step.)
    """
    d = [quotient(s) for s in (h, h / 2, h / 4, h / 8)]
    r1 = [(4 * d[i + 1] - d[i]) / 3 for i in range(3)]
    r2 = [(16 * r1[i + 1] - r1[i]) / 15 for i in range(2)]
    gap = np.sqrt((np.abs(r2[1] - r2[0]) ** 2).sum(axis=(-2, -1)))
    return r2[0], np.where(np.isfinite(gap), gap, np.inf)


def richardson(f: Callable[[float], Array], h: float) -> Array:
    """f'(0) by central differences, extrapolated (see :func:`extrapolate`)."""
    return extrapolate(lambda s: (f(s) - f(-s)) / (2 * s), h)[0]
