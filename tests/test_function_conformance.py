"""Every function of the registry (:mod:`kb.functions`), and its element-wise form, through
every back end: parsing, shape checking, numerics against an independent reference, text
round-trip, transposition (:mod:`kb.layouts`), SymPy and KaTeX rendering.

A function added to the registry without a reference here fails ``test_every_function_has_a
_case``, so no back end can silently not know it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from kb import ast
from kb.dims import Shape
from kb.functions import FUNCTIONS
from kb.grammar import parse
from kb.katex import Katex
from kb.latex import latex
from kb.layouts import transpose
from kb.numeric import Env, evaluate
from kb.printer import to_text
from kb.shapes import Scope, VarInfo, check
from kb.to_sympy import to_sympy

ROOT = Path(__file__).resolve().parents[1]
Values = dict[str, np.ndarray]

_rng = np.random.default_rng(20261128)
_Q, _ = np.linalg.qr(_rng.standard_normal((3, 3)))
_P = _Q @ np.diag([0.5, 1.0, 1.7]) @ _Q.T
_K = _rng.standard_normal((3, 3))
VALUES: Values = {
    "s": np.array([[0.37]]),
    "X": _rng.uniform(0.1, 0.9, (3, 2)),  # inside every scalar function's domain
    "x": _rng.uniform(0.1, 0.9, (3, 1)),
    "P": (_P + _P.T) / 2,  # symmetric positive definite: real logm, sqrtm
    "G": _P + 0.2 * (_K - _K.T),  # not symmetric
    "A": _rng.standard_normal((2, 2)),
    "B": _rng.standard_normal((3, 2)),
}
SCOPE = Scope({name: VarInfo(Shape.parse(list(v.shape))) for name, v in VALUES.items()})


# ---- independent references: per-entry loops, cofactors, eigen-decompositions ------------
def _entries(f: Callable[[float], float], name: str) -> Callable[[Values], np.ndarray]:
    return lambda v: np.array([[f(e) for e in row] for row in v[name]])


def _det(m: list[list[float]]) -> float:
    if len(m) == 1:
        return m[0][0]
    return sum((-1) ** j * m[0][j] * _det([row[:j] + row[j + 1:] for row in m[1:]])
               for j in range(len(m)))


def _adj(g: np.ndarray) -> np.ndarray:
    rows = g.tolist()
    n = len(rows)
    minor = [[(-1) ** (i + j) * _det([r[:j] + r[j + 1:] for k, r in enumerate(rows) if k != i])
              for j in range(n)] for i in range(n)]
    return np.array(minor).T


def _spectral(f: Callable[[float], float]) -> Callable[[Values], np.ndarray]:
    def ref(v: Values) -> np.ndarray:
        w, q = np.linalg.eigh(v["P"])
        return q @ np.diag([f(e) for e in w]) @ q.T
    return ref


def _eigen(vector: bool) -> Callable[[Values], np.ndarray]:
    def ref(v: Values) -> np.ndarray:
        w, q = np.linalg.eig(v["P"])  # the general solver, not the symmetric one
        k = int(np.argsort(w.real)[1])
        if not vector:
            return np.array([[w.real[k]]])
        u = q[:, k].real / np.linalg.norm(q[:, k].real)
        return (u * np.sign(u[np.argmax(np.abs(u))]))[:, None]
    return ref


def _kron(v: Values) -> np.ndarray:
    a, b = v["A"], v["B"]
    out = np.zeros((a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]))
    for i, j, k, m in product(range(a.shape[0]), range(a.shape[1]), range(b.shape[0]),
                              range(b.shape[1])):
        out[i * b.shape[0] + k, j * b.shape[1] + m] = a[i, j] * b[k, m]
    return out


MATRIX_CASES: dict[str, tuple[str, Callable[[Values], np.ndarray]]] = {
    "tr": ("tr(G)", lambda v: np.array([[sum(v["G"][i, i] for i in range(3))]])),
    "det": ("det(G)", lambda v: np.array([[_det(v["G"].tolist())]])),
    "adj": ("adj(G)", lambda v: _adj(v["G"])),
    "expm": ("expm(P)", _spectral(math.exp)),
    "logm": ("logm(P)", _spectral(math.log)),
    "sinm": ("sinm(P)", _spectral(math.sin)),
    "cosm": ("cosm(P)", _spectral(math.cos)),
    "sqrtm": ("sqrtm(P)", _spectral(math.sqrt)),
    "diag": ("diag(G)", lambda v: np.array([[v["G"][i, i]] for i in range(3)])),
    "diagm": ("diagm(x)", lambda v: np.array(
        [[v["x"][i, 0] if i == j else 0.0 for j in range(3)] for i in range(3)])),
    "norm": ("norm(x)", lambda v: np.array([[math.sqrt(sum(e * e for e in v["x"].flat))]])),
    "norm_F": ("norm_F(X)", lambda v: np.array([[math.sqrt(sum(e * e for e in v["X"].flat))]])),
    "sum": ("sum(X)", lambda v: np.array([[sum(v["X"].flat)]])),
    "vec": ("vec(X)", lambda v: np.array([[v["X"][i, j]] for j in range(2) for i in range(3)])),
    "kron": ("kron(A, B)", _kron),
    "pinv": ("pinv(X)", lambda v: np.linalg.solve(v["X"].T @ v["X"], v["X"].T)),
    "eigval": ("eigval(P, 2)", _eigen(vector=False)),
    "eigvec": ("eigvec(P, 2)", _eigen(vector=True)),
}
SCALAR_REFERENCES: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan, "sinh": math.sinh,
    "cosh": math.cosh, "tanh": math.tanh, "sqrt": math.sqrt, "abs": math.fabs,
}
POWER_CASES: dict[str, Callable[[Values], np.ndarray]] = {
    "s^{1/3}": lambda v: np.array([[v["s"][0, 0] ** (1 / 3)]]),
    "s^{-1/2}": lambda v: np.array([[v["s"][0, 0] ** -0.5]]),
    "(-s)^{1/3}": lambda v: np.array([[-(v["s"][0, 0] ** (1 / 3))]]),
    "X^{∘2}": _entries(lambda e: e * e, "X"),
    "X^{∘1/2}": _entries(math.sqrt, "X"),
    "x.^{-1}": _entries(lambda e: 1 / e, "x"),
    "X^{∘-3/2}": _entries(lambda e: e ** -1.5, "X"),
}


def _cases() -> dict[str, Callable[[Values], np.ndarray]]:
    out = {text: ref for text, ref in MATRIX_CASES.values()}
    for name, f in SCALAR_REFERENCES.items():
        out[f"{name}(s)"] = _entries(f, "s")
        out[f"{name}.(X)"] = _entries(f, "X")
    return out | POWER_CASES


CASES = _cases()


def test_every_function_has_a_case() -> None:
    scalar = {name for name, spec in FUNCTIONS.items() if spec.scalar}
    assert set(SCALAR_REFERENCES) == scalar
    assert set(MATRIX_CASES) == set(FUNCTIONS) - scalar


def _typed(text: str) -> ast.Node:
    return check(parse(text), SCOPE)


def _evaluate(tree: ast.Node, values: Values = VALUES) -> np.ndarray:
    env = Env(1, {name: v[None] for name, v in values.items()}, {})
    return evaluate(tree, env)[0]


@pytest.mark.parametrize("text", list(CASES))
def test_shape_and_numerics_match_the_reference(text: str) -> None:
    tree = _typed(text)
    expected = CASES[text](VALUES)
    assert tree.shape.sizes({}) == expected.shape
    np.testing.assert_allclose(_evaluate(tree), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("text", list(CASES))
def test_text_round_trip(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree
    assert to_text(parse(to_text(tree))) == to_text(tree)


@pytest.mark.parametrize("text", list(CASES))
def test_transpose_of_the_tree_is_the_transposed_value(text: str) -> None:
    """The registry's transpose rule (commutes, symmetric, none), checked on a matrix that is
    not symmetric wherever the function allows one."""
    tree = _typed(text)
    values = VALUES | {"P": VALUES["G"]} if not text.startswith(("eig", "logm", "sqrtm")) \
        else VALUES
    flipped = transpose(tree)
    np.testing.assert_allclose(_evaluate(flipped, values), _evaluate(tree, values).T,
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SCALAR_REFERENCES))
def test_sympy_form_of_scalar_functions(name: str) -> None:
    spec = FUNCTIONS[name]
    assert spec.sympy is not None
    s = VALUES["s"][0, 0]
    for text in (f"{name}(s)", f"{name}.(s)"):
        expr = to_sympy(_typed(text), {"s": Shape.parse([1, 1])})
        value = float(expr.subs(sp.Symbol("s"), sp.Float(s)).evalf())
        assert value == pytest.approx(SCALAR_REFERENCES[name](s), rel=1e-12)


def test_sympy_names_exist() -> None:
    for spec in FUNCTIONS.values():
        assert spec.sympy is None or callable(getattr(sp, spec.sympy))


@pytest.fixture(scope="module")
def katex():
    renderer = Katex(ROOT)
    yield renderer
    renderer.close()


@pytest.mark.parametrize("text", list(CASES))
def test_katex_renders_the_latex(text: str, katex: Katex) -> None:
    """KaTeX rejects what it cannot typeset (``\\sqrt_{\\circ}`` was one such spelling)."""
    tex = latex(_typed(text))
    assert "katex" in katex.render(tex)
    # And inside the contexts the site puts an expression in: a product and a power.
    assert "katex" in katex.render(latex(_typed(f"2 * ({text})")))


def test_the_language_layer_imports_neither_numpy_nor_sympy() -> None:
    """The registry names implementations; only the numerics resolve them."""
    import subprocess
    import sys

    code = ("import sys, kb.functions, kb.grammar, kb.shapes, kb.latex, kb.printer, kb.layouts; "
            "print(sorted({'numpy', 'sympy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
