"""The differential rules, each one a verified record of the catalog.

:func:`expand` applies one layer of rules: every pending ``diff(E)`` in a tree is replaced by
the rule for the outermost operation of ``E``, with ``diff(·)`` of its operands left pending.
A derivation is the sequence of these layers, so each step shows one application of each rule
it cites, as in seed 002. The differential of a constant is zero (rule (1)), so operands that
do not depend on the variable are dropped at once, and a term that is zero disappears.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb import ast
from kb.dims import ONE, SCALAR, Shape

from . import trees as t
from .errors import DeriveError


@dataclass(frozen=True)
class Rule:
    record: str
    words: str


RULES: dict[str, Rule] = {r.record: r for r in [
    Rule("differential-constant", "dc = 0 for a constant c (rule 1)"),
    Rule("differential-identity", "d(X) = dX"),
    Rule("differential-sum", "d(X + Y) = dX + dY"),
    Rule("differential-scalar-multiple", "d(αX) = α dX for a constant α"),
    Rule("differential-product", "the product rule d(XY) = (dX)Y + X dY (rule 2)"),
    Rule("differential-left-linear", "d(AX) = A dX for a constant A"),
    Rule("differential-right-linear", "d(XB) = (dX)B for a constant B"),
    Rule("differential-transpose", "d(X^T) = (dX)^T (rule 3)"),
    Rule("differential-trace", "d tr(X) = tr(dX) (rule 4)"),
    Rule("differential-inverse", "d(X^{-1}) = -X^{-1} (dX) X^{-1} (rule 5)"),
    Rule("differential-det", "d det(X) = det(X) tr(X^{-1} dX)"),
    Rule("log-det-differential", "d log det(X) = tr(X^{-1} dX)"),
    Rule("matrix-power-differential", "d(X^k) = sum over r of X^r (dX) X^{k-1-r}"),
    Rule("differential-scalar-power", "d(s^k) = k s^{k-1} ds"),
    Rule("differential-quotient", "d(X / s) = dX / s - X ds / s^2"),
    Rule("differential-hadamard-product", "d(X ∘ Y) = dX ∘ Y + X ∘ dY"),
    Rule("differential-hadamard-quotient", "d(X ./ Y) = dX ./ Y - (X ∘ dY) ./ (Y ∘ Y)"),
    Rule("differential-kronecker-product", "d(X ⊗ Y) = dX ⊗ Y + X ⊗ dY"),
    Rule("differential-elementwise-exp", "d exp(X) = exp(X) ∘ dX, element by element"),
    Rule("differential-elementwise-log", "d log(X) = dX ./ X, element by element"),
    Rule("differential-elementwise-sin", "d sin(X) = cos(X) ∘ dX, element by element"),
    Rule("differential-elementwise-cos", "d cos(X) = -sin(X) ∘ dX, element by element"),
    Rule("differential-elementwise-tanh",
         "d tanh(X) = dX - tanh(X) ∘ tanh(X) ∘ dX, element by element"),
    Rule("differential-elementwise-sqrt", "d sqrt(X) = dX ./ (2 sqrt(X)), element by element"),
    Rule("differential-norm", "d‖x‖ = x^T dx / ‖x‖"),
    Rule("differential-frobenius-norm", "d‖X‖_F = tr(X^T dX) / ‖X‖_F"),
    Rule("differential-sum-of-entries", "d sum(X) = sum(dX)"),
    Rule("differential-trace-expm", "d tr(e^X) = tr(e^X dX)"),
    Rule("differential-trace-sinm", "d tr(sin X) = tr(cos(X) dX)"),
    Rule("differential-trace-cosm", "d tr(cos X) = -tr(sin(X) dX)"),
    Rule("log-abs-det-differential", "d log|det X| = tr(X^{-1} dX)"),
    Rule("eigenvalue-differential", "dλ_k = v_k^T dA v_k for a symmetric A"),
    Rule("differential-expm-scalar-multiple", "d e^{sA} = A e^{sA} ds for a constant A"),
]}


class Expander:
    """One layer of differential rules for the variable ``wrt``; records the rules used."""

    def __init__(self, wrt: str) -> None:
        self.wrt = wrt
        self.used: list[str] = []

    def use(self, record: str) -> None:
        if record not in self.used:
            self.used.append(record)

    def pending(self, node: ast.Node) -> ast.Node | None:
        """diff(node), or zero (None) when node is constant."""
        if not t.depends(node, self.wrt):
            self.use("differential-constant")
            return None
        if isinstance(node, ast.Sym):
            self.use("differential-identity")
            return t.differential(node.name, node.shape)
        return ast.DifferentialOf(node, shape=node.shape)

    def expand(self, node: ast.Node | None) -> ast.Node | None:
        """Every pending diff(E) of the tree replaced by one rule application."""
        if node is None:
            return None
        if isinstance(node, ast.DifferentialOf):
            return self.rule(node.arg)
        return _map(node, self.expand)

    def rule(self, e: ast.Node) -> ast.Node | None:
        d = self.pending
        match e:
            case ast.Sym():
                return d(e)
            case ast.Add(left=a, right=b):
                self.use("differential-sum")
                return t.add(d(a), d(b))
            case ast.Sub(left=a, right=b):
                self.use("differential-sum")
                return t.sub(d(a), d(b))
            case ast.Neg(arg=a):
                self.use("differential-scalar-multiple")
                return t.neg(d(a))
            case ast.MatMul(left=a, right=b):
                return self._product(e, a, b)
            case ast.Div(left=a, right=c):
                if not t.depends(c, self.wrt):
                    self.use("differential-scalar-multiple")
                    return t.div(d(a), c)
                self.use("differential-quotient")
                return t.sub(t.div(d(a), c), t.div(t.mul(a, d(c)), t.power(c, 2)))
            case ast.Transpose(arg=a):
                self.use("differential-transpose")
                return t.raw_T(d(a))
            case ast.Inverse(arg=a):
                self.use("differential-inverse")
                return t.neg(t.prod(e, d(a), e))
            case ast.Power(arg=a, exponent=k, symbolic=()):
                return self._power(a, k)
            case ast.Hadamard(left=a, right=b):
                self.use("differential-hadamard-product")
                return t.add(t.hadamard(d(a), b), t.hadamard(a, d(b)))
            case ast.HadamardDiv(left=a, right=b):
                self.use("differential-hadamard-quotient")
                return t.sub(t.hadamard_div(d(a), b),
                             t.hadamard_div(t.hadamard(a, d(b)), t.hadamard(b, b)))
            case ast.Kron(left=a, right=b):
                self.use("differential-kronecker-product")
                return t.add(t.kron(d(a), b), t.kron(a, d(b)))
            case ast.Call():
                return self._call(e)
        raise DeriveError(f"no differential rule for {_describe(e)}")

    def _product(self, e: ast.MatMul, a: ast.Node, b: ast.Node) -> ast.Node | None:
        da_const, db_const = not t.depends(a, self.wrt), not t.depends(b, self.wrt)
        if da_const or db_const:
            scalar = (a if da_const else b).shape.is_scalar
            self.use("differential-scalar-multiple" if scalar else
                     "differential-left-linear" if da_const else "differential-right-linear")
            return t.mul(a, self.pending(b)) if da_const else t.mul(self.pending(a), b)
        self.use("differential-product")
        return t.add(t.mul(self.pending(a), b), t.mul(a, self.pending(b)))

    def _power(self, a: ast.Node, k: int) -> ast.Node | None:
        if a.shape.is_scalar:
            self.use("differential-scalar-power")
            return t.prod(t.num(k), t.power(a, k - 1) if k > 1 else None, self.pending(a)) \
                if k > 1 else self.pending(a)
        if k > MAX_POWER:
            raise DeriveError(f"the power ^{k} of a matrix: the engine expands powers up to "
                              f"^{MAX_POWER} (the differential has one term per factor)")
        self.use("matrix-power-differential")
        out = None
        for r in range(k):
            left = t.power(a, r) if r else None
            right = t.power(a, k - 1 - r) if k - 1 - r else None
            term = self.pending(a)
            term = t.mul(left, term) if left is not None else term
            term = t.mul(term, right) if right is not None else term
            out = t.add(out, term)
        return out

    def _call(self, e: ast.Call) -> ast.Node | None:
        func, (a, *_) = e.func, e.args
        d = self.pending
        if func == "tr" and isinstance(a, ast.Call) and a.func in ("sinm", "cosm"):
            self.use(f"differential-trace-{a.func}")
            other = t.call("cosm" if a.func == "sinm" else "sinm", a.args[0], a.shape)
            out = t.tr(t.mul(other, d(a.args[0])))
            return out if a.func == "sinm" else t.neg(out)
        if func == "tr":
            if isinstance(a, ast.Call) and a.func == "expm":
                self.use("differential-trace-expm")
                return t.tr(t.mul(a, d(a.args[0])))
            self.use("differential-trace")
            return t.tr(d(a))
        if func == "det":
            self.use("differential-det")
            return t.mul(e, t.tr(t.mul(t.inv(a), d(a))))
        if func == "log" and not e.elementwise and isinstance(a, ast.Call) and a.func == "det":
            inner = a.args[0]
            self.use("log-det-differential")
            return t.tr(t.mul(t.inv(inner), d(inner)))
        if (func == "log" and not e.elementwise and isinstance(a, ast.Call) and a.func == "abs"
                and isinstance(a.args[0], ast.Call) and a.args[0].func == "det"):
            inner = a.args[0].args[0]
            self.use("log-abs-det-differential")
            return t.tr(t.mul(t.inv(inner), d(inner)))
        if func == "eigval":
            self.use("eigenvalue-differential")
            v = ast.Call("eigvec", (a, e.args[1]), shape=Shape(a.shape.rows, ONE))
            return t.prod(t.raw_T(v), d(a), v)
        if func == "expm" and self._scalar_multiple(a):
            assert isinstance(a, ast.MatMul)
            s_, m = (a.left, a.right) if a.left.shape.is_scalar else (a.right, a.left)
            self.use("differential-expm-scalar-multiple")
            return t.prod(m, e, d(s_))
        if func == "norm":
            self.use("differential-norm")
            row = a.shape.is_row
            inner = t.mul(d(a), t.raw_T(a)) if row else t.mul(t.raw_T(a), d(a))
            return t.div(inner, e)
        if func == "norm_F":
            self.use("differential-frobenius-norm")
            return t.div(t.tr(t.mul(t.raw_T(a), d(a))), e)
        if func == "sum":
            self.use("differential-sum-of-entries")
            da = d(a)
            return None if da is None else t.call("sum", da, SCALAR)
        if func in _ELEMENTWISE:
            return self._elementwise(e, func, a)
        raise DeriveError(f"no differential rule for {_describe(e)}")

    def _scalar_multiple(self, a: ast.Node) -> bool:
        """s A with only the scalar s depending on the variable: expm(s A) has a simple
        differential, A expm(s A) ds."""
        if not isinstance(a, ast.MatMul) or a.left.shape.is_scalar == a.right.shape.is_scalar:
            return False
        matrix = a.right if a.left.shape.is_scalar else a.left
        return not t.depends(matrix, self.wrt)

    def _elementwise(self, e: ast.Call, func: str, a: ast.Node) -> ast.Node | None:
        self.use(f"differential-elementwise-{func}")
        d = self.pending(a)
        ew = e.elementwise

        def f(name: str, x: ast.Node) -> ast.Node:
            return t.call(name, x, x.shape, ew)

        def times(x: ast.Node | None, y: ast.Node | None) -> ast.Node | None:
            return t.hadamard(x, y) if ew else t.mul(x, y)

        def over(x: ast.Node | None, y: ast.Node) -> ast.Node | None:
            return t.hadamard_div(x, y) if ew else t.div(x, y)

        if func == "exp":
            return times(e, d)
        if func == "log":
            return over(d, a)
        if func == "sin":
            return times(f("cos", a), d)
        if func == "cos":
            return t.neg(times(f("sin", a), d))
        if func == "tanh":
            return t.sub(d, times(times(e, e), d))
        return over(d, t.mul(t.num(2), e))  # sqrt


MAX_POWER = 16
_ELEMENTWISE = ("exp", "log", "sin", "cos", "tanh", "sqrt")


def _describe(e: ast.Node) -> str:
    from kb.printer import to_text

    if isinstance(e, ast.Call):
        what = f"{e.func}.(…)" if e.elementwise else f"{e.func}(…)"
        return f"{what} in `{to_text(e)}`"
    if isinstance(e, ast.Power):
        return f"a power with a symbolic exponent in `{to_text(e)}`"
    return f"{type(e).__name__} in `{to_text(e)}`"


def _map(node: ast.Node, f) -> ast.Node | None:
    """map_children that lets a child become zero (None) and simplifies around it."""
    match node:
        case ast.Add(left=a, right=b):
            return t.add(f(a), f(b))
        case ast.Sub(left=a, right=b):
            return t.sub(f(a), f(b))
        case ast.Neg(arg=a):
            return t.neg(f(a))
        case ast.MatMul(left=a, right=b):
            return t.mul(f(a), f(b))
        case ast.Div(left=a, right=c):
            return t.div(f(a), c)
        case ast.Transpose(arg=a):
            return t.raw_T(f(a))
        case ast.Hadamard(left=a, right=b):
            return t.hadamard(f(a), f(b))
        case ast.HadamardDiv(left=a, right=b):
            return t.hadamard_div(f(a), b)
        case ast.Kron(left=a, right=b):
            return t.kron(f(a), f(b))
        case ast.Call(func="tr", args=(a,)):
            return t.tr(f(a))
        case ast.Call(func="sum", args=(a,)):
            inner = f(a)
            return None if inner is None else t.call("sum", inner, SCALAR)
    return node
