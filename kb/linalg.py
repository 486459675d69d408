"""Batched numpy implementations of the functions of :mod:`kb.functions`.

Every array has shape ``(batch, rows, cols)``. This module imports numpy, so only the numerics
import it: a function spec names its implementation as ``"module:attribute"`` (this module or
numpy itself) and :func:`kb.numeric.implementation` resolves the name on first use. That keeps
``import kb`` and ``kb show`` free of numpy while each function is still defined in one spec.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _scalar(values: Array) -> Array:
    return values.reshape(-1, 1, 1)


def trace(x: Array) -> Array:
    return _scalar(np.trace(x, axis1=-2, axis2=-1))


def det(x: Array) -> Array:
    return _scalar(np.linalg.det(x))


def adj(x: Array) -> Array:
    return np.linalg.det(x)[:, None, None] * np.linalg.inv(x)


def expm(x: Array) -> Array:
    """Matrix exponential by scaling and squaring of a Taylor series, batched."""
    norms = np.abs(x).sum(axis=-2).max(axis=-1)
    squarings = int(max(0, np.ceil(np.log2(max(norms.max(initial=0.0), 1e-300) / 0.25))))
    scaled = x / (2.0**squarings)
    n = x.shape[-1]
    term = np.broadcast_to(np.eye(n, dtype=x.dtype), x.shape).copy()
    total = term.copy()
    for k in range(1, 19):
        term = term @ scaled / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total


def _spectral(x: Array, f) -> Array:
    """f(X) = V f(Λ) V^{-1}; NaN where the result is not real (no real principal value)."""
    w, v = np.linalg.eig(x)
    result = v @ (f(w.astype(complex))[..., None] * np.linalg.inv(v))
    scale = np.abs(result).max(axis=(-2, -1), keepdims=True) + 1e-300
    real = result.real.copy()
    bad = (np.abs(result.imag) > 1e-8 * scale).any(axis=(-2, -1))
    real[bad] = np.nan
    return real


def logm(x: Array) -> Array:
    return _spectral(x, np.log)


def sqrtm(x: Array) -> Array:
    return _spectral(x, np.sqrt)


def sinm(x: Array) -> Array:
    return expm(1j * x).imag


def cosm(x: Array) -> Array:
    return expm(1j * x).real


def diag(x: Array) -> Array:
    return np.diagonal(x, axis1=-2, axis2=-1)[..., None].copy()


def diagm(x: Array) -> Array:
    batch, n, _ = x.shape
    out = np.zeros((batch, n, n))
    idx = np.arange(n)
    out[:, idx, idx] = x[:, :, 0]
    return out


def norm(x: Array) -> Array:
    return _scalar(np.sqrt((x**2).sum(axis=(-2, -1))))


def total(x: Array) -> Array:
    return _scalar(x.sum(axis=(-2, -1)))


def vec(x: Array) -> Array:
    """Columns stacked into one column (column-major order, as in the literature)."""
    batch, rows, cols = x.shape
    return np.swapaxes(x, -1, -2).reshape(batch, rows * cols, 1)


def unvec(v: Array, rows: int, cols: int) -> Array:
    return np.swapaxes(v.reshape(v.shape[0], cols, rows), -1, -2)


def kron(a: Array, b: Array) -> Array:
    batch, r1, c1 = a.shape
    _, r2, c2 = b.shape
    return np.einsum("bij,bkl->bikjl", a, b).reshape(batch, r1 * r2, c1 * c2)


def _eigen(x: Array, k: int, vector: bool) -> Array:
    """The k-th smallest eigenvalue, or its unit eigenvector with the largest entry positive
    (a sign convention that is stable under small perturbations).

    Symmetric draws use the symmetric solver; others the general one, ordered by real part,
    NaN where the eigenvalue is not real (the expression language names real eigenvalues).
    """
    n = x.shape[-1]
    out = np.full((x.shape[0], n if vector else 1, 1), np.nan)
    if not 1 <= k <= n:
        return out
    xt = np.swapaxes(x, -1, -2)
    scale = 1.0 + np.abs(x).max(axis=(-2, -1))
    symmetric = np.abs(x - xt).max(axis=(-2, -1)) <= 1e-13 * scale
    if symmetric.any():
        w, v = np.linalg.eigh(x[symmetric])
        out[symmetric] = v[:, :, k - 1, None] if vector else w[:, k - 1, None, None]
    general = ~symmetric & np.isfinite(x).all(axis=(-2, -1))
    if general.any():
        w, v = np.linalg.eig(x[general])
        pick = np.argsort(w.real, axis=-1)[:, k - 1]
        rows = np.arange(w.shape[0])
        value, u = w[rows, pick], v[rows, :, pick]
        real = np.abs(value.imag) <= 1e-10 * scale[general]
        u = u.real / np.linalg.norm(u.real, axis=1, keepdims=True)
        chosen = np.where(real[:, None], u, np.nan) if vector else np.where(
            real, value.real, np.nan)[:, None]
        out[general] = chosen[:, :, None]
    if vector:
        big = np.take_along_axis(out, np.abs(np.nan_to_num(out)).argmax(axis=1)[:, None], axis=1)
        out = out * np.sign(big)
    return out


def eigval(x: Array, k: int) -> Array:
    return _eigen(x, k, vector=False)


def eigvec(x: Array, k: int) -> Array:
    return _eigen(x, k, vector=True)


def real_power(x: Array, num: int, den: int) -> Array:
    """x^(num/den) entry by entry; an odd root of a negative number is real (∛-8 = -2)."""
    if den == 1:
        return x ** float(num)
    if den % 2:
        return np.sign(x) ** num * np.abs(x) ** (num / den)
    return np.power(x, num / den)  # NaN below 0: outside the domain
