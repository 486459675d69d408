"""The functions of the expression language: one :class:`FunctionSpec` each, read by every
back end.

A spec carries everything about its function: arity, argument domain, the shape rule, the numpy
implementation, the LaTeX spelling (with an override hook where a function has its own
notation, ``\\|x\\|``, ``X^{+}``, ``e^{X}``), whether it commutes with the transpose, its
operation facet and search synonyms, and its SymPy counterpart. The parser, shape checker,
numerics, LaTeX, layouts, search, :class:`~kb.identity.Identity` and :mod:`kb.to_sympy` all
read this table, and ``tests/test_function_conformance.py`` runs each function through every
one of them, so adding a function is one entry here (plus, for a function numpy lacks, its
implementation in :mod:`kb.linalg`).

numpy and SymPy stay off the import path of ``kb``: an implementation is named as
``"module:attribute"`` and resolved on first use by :func:`kb.numeric.implementation`, and the
SymPy mapping is an attribute name of the ``sympy`` module, resolved by :mod:`kb.to_sympy`.

Scalar functions (``exp``, ``log``, ...) apply to 1×1 arguments; on a vector or matrix they
must be spelled element-wise, ``exp.(X)``, or, for the matrix function, with its own name,
``expm(X)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kb import ast
from kb.dims import SCALAR, Dim, Shape
from kb.precedence import ATOM, POSTFIX


class DomainError(ValueError):
    """Arguments outside a function's domain; the message says what to write instead."""


class Renderer(Protocol):
    """What a LaTeX override may ask of the notation walker (:mod:`kb.notation`)."""

    def render(self, node: ast.Node) -> str: ...

    def wrap(self, node: ast.Node, level: int, strict: bool = False) -> str: ...


ShapeRule = Callable[[str, tuple[Shape, ...]], Shape]
LatexRule = Callable[[ast.Call, Renderer], "tuple[str, int] | None"]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arity: int
    domain: str
    """``scalar`` (1×1, or element-wise), ``square``, ``vector``, ``any``, ``pair``,
    ``spectral`` (a symmetric matrix and an eigenvalue index)."""
    summary: str
    shape: ShapeRule
    """Result shape from the argument shapes; raises :class:`DomainError`."""
    numpy: str
    """The batched implementation, ``"module:attribute"`` (see the module docstring)."""
    latex: str
    """The operator name in LaTeX: the default rendering is ``latex(arg)``."""
    argument: str
    """The argument, as the syntax page describes it."""
    result: str
    """The result, as the syntax page describes it."""
    latex_call: LatexRule | None = None
    """Override of the default rendering (returns None to fall back to the default)."""
    latex_elementwise: LatexRule | None = None
    """Override of the element-wise rendering, ``latex_∘(arg)`` by default."""
    transpose: str = "none"
    """``commutes``: f(X)^T = f(X^T); ``symmetric``: f(X)^T = f(X); ``none``."""
    operation: str | None = None
    """The operation facet (:attr:`Identity.operations`); the name when None."""
    synonyms: tuple[str, ...] = ()
    """The words the name stands for in search (``tr`` → trace)."""
    sympy: str | None = None
    """The SymPy class or function (an attribute of ``sympy``), if SymPy has one."""
    singularity: str | None = None
    """How the verifier measures the distance of an argument to the function's singular
    points (a name of :data:`kb.singularities.MEASURES`: ``zero``, ``pole``, ``unit``,
    ``norm``, ``rank``, ``spectrum``, ``gap``); None where there are none."""

    @property
    def scalar(self) -> bool:
        return self.domain == "scalar"

    @property
    def text(self) -> str:
        """The spelling in the expression language: ``name(...)``, or ``name.(...)``."""
        return self.name

    @property
    def facet(self) -> str:
        return self.operation or self.name


# ---- shape rules -------------------------------------------------------------------------
def _same(name: str, shapes: tuple[Shape, ...]) -> Shape:
    return shapes[0]


def _square(result: Callable[[Shape], Shape]) -> ShapeRule:
    def rule(name: str, shapes: tuple[Shape, ...]) -> Shape:
        if not shapes[0].is_square:
            raise DomainError(f"{name}() needs a square matrix, got {shapes[0]}")
        return result(shapes[0])
    return rule


def _to_scalar(name: str, shapes: tuple[Shape, ...]) -> Shape:
    return SCALAR


def _diagm(name: str, shapes: tuple[Shape, ...]) -> Shape:
    (shape,) = shapes
    if not (shape.is_column or shape.is_scalar):
        raise DomainError(f"diagm() needs a column vector, got {shape}")
    return Shape(shape.rows, shape.rows)


def _norm(name: str, shapes: tuple[Shape, ...]) -> Shape:
    (shape,) = shapes
    if not (shape.is_column or shape.is_row or shape.is_scalar):
        raise DomainError(f"norm() is the Euclidean norm of a vector, got {shape}: "
                          "write norm_F(X) for the Frobenius norm of a matrix")
    return SCALAR


def _kron(name: str, shapes: tuple[Shape, ...]) -> Shape:
    left, right = shapes
    return Shape(left.rows * right.rows, left.cols * right.cols)


# ---- LaTeX overrides ---------------------------------------------------------------------
def _around(left: str, right: str, level: int = ATOM) -> LatexRule:
    """``left arg right``, as for norms and absolute values."""
    return lambda node, r: (f"{left}{r.render(node.args[0])}{right}", level)


def _superscript(sup: str) -> LatexRule:
    """``X^{sup}``, as for the pseudo-inverse and the matrix square root."""
    return lambda node, r: (f"{r.wrap(node.args[0], ATOM)}^{{{sup}}}", POSTFIX)


def _exp(node: ast.Call, r: Renderer) -> tuple[str, int]:
    return f"e^{{{r.render(node.args[0])}}}", POSTFIX


def _log(node: ast.Call, r: Renderer) -> tuple[str, int] | None:
    arg = node.args[0]
    if isinstance(arg, ast.Call) and arg.func == "det" and not arg.elementwise:
        return rf"\log\det\left({r.render(arg.args[0])}\right)", ATOM
    return None


def _eigen(symbol: str) -> LatexRule:
    return lambda node, r: (
        rf"{symbol}_{{{r.render(node.args[1])}}}\left({r.render(node.args[0])}\right)", ATOM)


def _spec(name: str, domain: str, summary: str, shape: ShapeRule, numpy: str, latex: str,
          argument: str, result: str, **extra) -> FunctionSpec:
    arity = 2 if domain in ("pair", "spectral") else 1
    return FunctionSpec(name, arity, domain, summary, shape, numpy, latex, argument, result,
                        **extra)


def _scalar(name: str, summary: str, numpy: str, latex: str, sympy: str, **extra) -> FunctionSpec:
    return _spec(name, "scalar", summary, _same, numpy, latex, "`1×1`; element-wise: any",
                 "same", sympy=sympy, transpose="commutes", **extra)


_MATRIX_FUNCTION = {"transpose": "commutes", "operation": "matrix-function"}

_SPECS = [
    _spec("tr", "square", "trace", _square(lambda s: SCALAR), "kb.linalg:trace",
          r"\operatorname{tr}", "square", "`1×1`", operation="trace", synonyms=("trace",),
          sympy="Trace"),
    _spec("det", "square", "determinant", _square(lambda s: SCALAR), "kb.linalg:det", r"\det",
          "square", "`1×1`", operation="determinant", synonyms=("determinant",),
          sympy="Determinant"),
    _spec("adj", "square", r"adjugate, $\det(X) X^{-1}$", _square(lambda s: s), "kb.linalg:adj",
          r"\operatorname{adj}", "square", "square", transpose="commutes", operation="adjugate",
          synonyms=("adjugate",)),
    _spec("expm", "square", "matrix exponential", _square(lambda s: s), "kb.linalg:expm", "e",
          "square", "square", latex_call=_exp, synonyms=("matrix", "exponential"),
          **_MATRIX_FUNCTION),
    _spec("logm", "square", "principal matrix logarithm", _square(lambda s: s),
          "kb.linalg:logm", r"\log", "square", "square", synonyms=("matrix", "log"),
          singularity="spectrum", **_MATRIX_FUNCTION),
    _spec("sinm", "square", "matrix sine", _square(lambda s: s), "kb.linalg:sinm", r"\sin",
          "square", "square", **_MATRIX_FUNCTION),
    _spec("cosm", "square", "matrix cosine", _square(lambda s: s), "kb.linalg:cosm", r"\cos",
          "square", "square", **_MATRIX_FUNCTION),
    _spec("sqrtm", "square", "principal matrix square root", _square(lambda s: s),
          "kb.linalg:sqrtm", r"\sqrt", "square", "square", latex_call=_superscript("1/2"),
          singularity="spectrum", **_MATRIX_FUNCTION),
    _spec("diag", "square", "the diagonal, as a column", _square(lambda s: Shape(s.rows, Dim())),
          "kb.linalg:diag", r"\operatorname{diag}", "square", "`n×1`"),
    _spec("diagm", "vector", "the diagonal matrix of a column", _diagm, "kb.linalg:diagm",
          r"\operatorname{Diag}", "`n×1`", "`n×n`", transpose="symmetric"),
    _spec("norm", "vector", "Euclidean norm (vectors only)", _norm, "kb.linalg:norm", r"\|",
          "vector", "`1×1`", latex_call=_around(r"\left\lVert ", r" \right\rVert"),
          singularity="norm"),
    _spec("norm_F", "any", "Frobenius norm", _to_scalar, "kb.linalg:norm", r"\|", "any", "`1×1`",
          latex_call=_around(r"\left\lVert ", r" \right\rVert_F", POSTFIX), operation="norm",
          synonyms=("frobenius", "norm"), singularity="norm"),
    _spec("sum", "any", "sum of all entries", _to_scalar, "kb.linalg:total",
          r"\operatorname{sum}", "any", "`1×1`"),
    _spec("vec", "any", "columns stacked into one column",
          lambda name, s: Shape(s[0].rows * s[0].cols, Dim()), "kb.linalg:vec",
          r"\operatorname{vec}", "`n×m`", "`nm×1`"),
    _spec("kron", "pair", "Kronecker product, as `A ⊗ B`", _kron, "kb.linalg:kron", r"\otimes",
          "`p×q`, `r×s`", "`pr×qs`", synonyms=("kronecker",)),
    _spec("pinv", "any", "Moore–Penrose pseudo-inverse", lambda name, s: s[0].T,
          "numpy.linalg:pinv", "^{+}", "`n×m`", "`m×n`", latex_call=_superscript("+"),
          transpose="commutes", singularity="rank"),
    _spec("eigval", "spectral", "the k-th smallest eigenvalue (a symmetric A, or one declared "
          "`real_distinct_eigenvalues`)", _square(lambda s: SCALAR),
          "kb.linalg:eigval", r"\lambda", "real eigenvalues, literal `k ≥ 1`", "`1×1`",
          latex_call=_eigen(r"\lambda"), singularity="gap"),
    _spec("eigvec", "spectral", "its unit (right) eigenvector, largest entry positive; "
          "`eigvec(A^T, k)` is the left one",
          _square(lambda s: Shape(s.rows, Dim())), "kb.linalg:eigvec", "v",
          "real eigenvalues, literal `k ≥ 1`", "`n×1`", latex_call=_eigen("v"), singularity="gap"),
    _scalar("exp", "exponential", "numpy:exp", r"\exp", "exp", latex_call=_exp,
            synonyms=("exponential",)),
    _scalar("log", "natural logarithm", "numpy:log", r"\log", "log", latex_call=_log,
            singularity="zero"),
    _scalar("sin", "sine", "numpy:sin", r"\sin", "sin"),
    _scalar("cos", "cosine", "numpy:cos", r"\cos", "cos"),
    _scalar("tan", "tangent", "numpy:tan", r"\tan", "tan", singularity="pole"),
    _scalar("arcsin", "inverse sine, on (-1, 1)", "numpy:arcsin", r"\arcsin", "asin",
            singularity="unit"),
    _scalar("arccos", "inverse cosine, on (-1, 1)", "numpy:arccos", r"\arccos", "acos",
            singularity="unit"),
    _scalar("arctan", "inverse tangent", "numpy:arctan", r"\arctan", "atan"),
    _scalar("sinh", "hyperbolic sine", "numpy:sinh", r"\sinh", "sinh"),
    _scalar("cosh", "hyperbolic cosine", "numpy:cosh", r"\cosh", "cosh"),
    _scalar("tanh", "hyperbolic tangent", "numpy:tanh", r"\tanh", "tanh"),
    _scalar("sqrt", "square root", "numpy:sqrt", r"\sqrt", "sqrt", singularity="zero",
            latex_call=lambda node, r: (rf"\sqrt{{{r.render(node.args[0])}}}", ATOM),
            latex_elementwise=_superscript(r"\circ 1/2")),
    _scalar("abs", "absolute value", "numpy:abs", r"\lvert", "Abs", singularity="zero",
            latex_call=_around(r"\left\lvert ", r" \right\rvert"),
            latex_elementwise=_around(r"\left\lvert ", r" \right\rvert_{\circ}", POSTFIX)),
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
