"""The fixed set of functions the expression language accepts.

Each function has one meaning. Scalar functions (``exp``, ``log``, ...) apply to 1×1
arguments; on a vector or matrix they must be spelled element-wise, ``exp.(X)``, or, for the
matrix function, with its own name, ``expm(X)``. The shape rule of each function lives in
:mod:`kb.shapes`, its numerics in :mod:`kb.numeric`, its LaTeX in :mod:`kb.latex`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arity: int
    domain: str
    """``scalar`` (1×1, or element-wise), ``square``, ``vector``, ``any``, ``pair``,
    ``spectral`` (a symmetric matrix and an eigenvalue index)."""
    latex: str
    summary: str

    @property
    def scalar(self) -> bool:
        return self.domain == "scalar"


_SPECS = [
    FunctionSpec("tr", 1, "square", r"\operatorname{tr}", "trace of a square matrix"),
    FunctionSpec("det", 1, "square", r"\det", "determinant of a square matrix"),
    FunctionSpec("adj", 1, "square", r"\operatorname{adj}", "adjugate, det(X) X^{-1}"),
    FunctionSpec("expm", 1, "square", r"e", "matrix exponential"),
    FunctionSpec("logm", 1, "square", r"\log", "principal matrix logarithm"),
    FunctionSpec("sinm", 1, "square", r"\sin", "matrix sine"),
    FunctionSpec("cosm", 1, "square", r"\cos", "matrix cosine"),
    FunctionSpec("sqrtm", 1, "square", r"\sqrt", "principal matrix square root"),
    FunctionSpec("diag", 1, "square", r"\operatorname{diag}", "diagonal, as a column"),
    FunctionSpec("diagm", 1, "vector", r"\operatorname{Diag}", "diagonal matrix of a column"),
    FunctionSpec("norm", 1, "vector", r"\|", "Euclidean norm of a vector"),
    FunctionSpec("norm_F", 1, "any", r"\|", "Frobenius norm of a matrix"),
    FunctionSpec("sum", 1, "any", r"\operatorname{sum}", "sum of all entries"),
    FunctionSpec("vec", 1, "any", r"\operatorname{vec}", "columns stacked into one column"),
    FunctionSpec("kron", 2, "pair", r"\otimes", "Kronecker product, same as A ⊗ B"),
    FunctionSpec("pinv", 1, "any", r"^{+}", "Moore–Penrose pseudo-inverse"),
    FunctionSpec("eigval", 2, "spectral", r"\lambda", "k-th smallest eigenvalue (symmetric)"),
    FunctionSpec("eigvec", 2, "spectral", r"v", "its unit eigenvector, largest entry positive"),
    FunctionSpec("exp", 1, "scalar", r"\exp", "exponential"),
    FunctionSpec("log", 1, "scalar", r"\log", "natural logarithm"),
    FunctionSpec("sin", 1, "scalar", r"\sin", "sine"),
    FunctionSpec("cos", 1, "scalar", r"\cos", "cosine"),
    FunctionSpec("tanh", 1, "scalar", r"\tanh", "hyperbolic tangent"),
    FunctionSpec("sqrt", 1, "scalar", r"\sqrt", "square root"),
    FunctionSpec("abs", 1, "scalar", r"\lvert", "absolute value"),
]

FUNCTIONS: dict[str, FunctionSpec] = {spec.name: spec for spec in _SPECS}

# Functions whose arguments are dimensions, not expressions: I(n), zeros(n, m), ones(n, m).
DIMENSION_FUNCTIONS: dict[str, int] = {"I": 1, "zeros": 2, "ones": 2}

# Names a variable may not take: function names, and T (``X^T`` is always the transpose).
RESERVED: frozenset[str] = frozenset(FUNCTIONS) | frozenset(DIMENSION_FUNCTIONS) | {"diff", "T"}

_GREEK_LOWER = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
                "sigma tau upsilon phi chi psi omega")
_GREEK_UPPER = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
GREEK = frozenset(f"{_GREEK_LOWER} {_GREEK_UPPER}".split())
