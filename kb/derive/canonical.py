"""Reading the derivative off the differential.

With dF as a sum of terms linear in dX (:mod:`kb.derive.simplify`), each term is brought to
the canonical form of its kind (seed 002, the differential-derivative equation):

- scalar by matrix or vector: dF = tr(M dX), so the gradient is M^T; a trace is rotated
  (tr(PQ) = tr(QP)), transposed (tr(A^T) = tr(A)) and a Hadamard product moved off dX
  (tr(A (B ∘ C)) = tr((A^T ∘ B)^T C)) until dX stands at the right end;
- vector by vector: dy = J dx, the Jacobian J; a Hadamard factor becomes diagm(a), a scalar
  factor holding dx is read as above;
- by a scalar: dF = M dt, the derivative M.

The result is the numerator-layout derivative as terms; every identity used is recorded.
"""

from __future__ import annotations

from kb import ast
from kb.dims import ONE, Shape

from . import trees as t
from .errors import DeriveError
from .simplify import Normalizer, Term, atom, scalar_atom, times


class Reader:
    """Reads the numerator-layout derivative by ``wrt`` off a differential's terms."""

    def __init__(self, normalizer: Normalizer, wrt: str, wrt_shape: Shape) -> None:
        self.n = normalizer
        self.wrt = wrt
        self.shape = wrt_shape
        self.used: list[str] = []

    def use(self, record: str) -> None:
        if record not in self.used:
            self.used.append(record)

    def _mentions(self, node: ast.Node) -> bool:
        return t.mentions_differential(node, self.wrt)

    def _split(self, x: Term) -> tuple[int | None, int | None]:
        """(index of the scalar holding dX, index of the chain factor holding dX)."""
        s = next((i for i, s in enumerate(x.scalars) if self._mentions(s.node)), None)
        c = next((i for i, f in enumerate(x.chain) if self._mentions(f)), None)
        return s, c

    def _without_scalar(self, x: Term, i: int) -> tuple[Term, ast.Node]:
        s = x.scalars[i]
        if s.power != 1:
            raise DeriveError(f"the differential appears in a power: {t.key(s.node)}")
        rest = Term(x.coef, x.scalars[:i] + x.scalars[i + 1:], x.chain)
        return rest, s.node

    # ---- scalar by matrix or vector: dF = tr(M dX) ------------------------------------------
    def scalar(self, terms: list[Term]) -> list[Term]:
        """M with dF = tr(M dX) (for a vector, M dx), as terms."""
        out: list[Term] = []
        for x in terms:
            s, c = self._split(x)
            if s is not None:
                rest, node = self._without_scalar(x, s)
                rest = scalar_atom(rest)
                out += [times(rest, m) for m in self._scalar_node(node)]
            elif c is not None:
                out += self._trace(Term(x.coef, x.scalars, ()), list(x.chain))
            else:
                raise DeriveError("internal: a term of the differential without dX")
        return out

    def _scalar_node(self, node: ast.Node) -> list[Term]:
        match node:
            case ast.Call(func="tr", args=(a,)):
                return [m for x in self.n.terms(a) for m in self._trace(
                    Term(x.coef, x.scalars, ()), list(x.chain))]
            case ast.Call(func="sum", args=(a,)):
                rows, cols = a.shape.rows, a.shape.cols
                if len(rows.names) + len(cols.names) > 2 or rows.coefficient != 1 or (
                        cols.coefficient != 1):
                    raise DeriveError(f"sum() of a {a.shape} value: give simpler shapes")
                self.use("sum-as-ones-product")
                left = t.ones(ONE, rows) if not rows.is_one else None
                right = t.ones(cols, ONE) if not cols.is_one else None
                chain = [f for f in (left, a, right) if f is not None]
                return self.scalar(self.n.terms(t.prod(*chain)))
        return self.scalar(self.n.terms(node))

    def _trace(self, coef: Term, chain: list[ast.Node]) -> list[Term]:
        """M for tr(chain) = tr(M dX), times the scalar term ``coef``."""
        x = Term(coef.coef, coef.scalars, ())
        i = next(i for i, f in enumerate(chain) if self._mentions(f))
        f, left, right = chain[i], chain[:i], chain[i + 1:]
        m = right + left  # tr(L f R) = tr(R L f)
        if right:
            self.use("trace-cyclic")
        match f:
            case ast.Differential():
                return [Term(x.coef, x.scalars, tuple(m) or (t.identity(f.shape.cols),))]
            case ast.Transpose(arg=ast.Differential()):
                # tr(M dX^T) = tr(M^T dX); for vectors p^T q = q^T p
                self.use("inner-product-symmetry" if f.shape.rows.is_one else "trace-transpose")
                mt = (self.n.transpose(Term(chain=tuple(m))).chain if m
                      else (t.identity(f.shape.rows),))
                return [Term(x.coef, x.scalars, mt)]
            case ast.Hadamard(left=a, right=b) | ast.HadamardDiv(left=a, right=b):
                return self._hadamard(x, m, f, a, b)
            case ast.Kron(left=a, right=b) if not m:
                self.use("kron-trace")
                const, var = (a, b) if self._mentions(b) else (b, a)
                scaled = times(x, atom(t.tr(const)))
                return [times(scaled, y) for y in self._scalar_node(t.tr(var))]
        raise DeriveError(f"cannot bring `{t.key(f)}` to the form tr(M dX): no rule for it")

    def _hadamard(self, x: Term, m: list[ast.Node], f: ast.Node, a: ast.Node,
                  b: ast.Node) -> list[Term]:
        quotient = isinstance(f, ast.HadamardDiv)
        if quotient and self._mentions(b):
            raise DeriveError(f"the differential in a divisor: {t.key(f)}")
        const, var = (a, b) if not quotient and self._mentions(b) else (b, a)
        mt = (t.prod(*(self.n.t_atom(g) for g in reversed(m))) if m
              else t.identity(f.shape.rows))
        # tr(M (C ∘ V)) = tr((M^T ∘ C)^T V); tr(M (V ./ C)) = tr((M^T ./ C)^T V)
        self.use("trace-hadamard-quotient" if quotient else "trace-hadamard-product")
        weight = t.hadamard_div(mt, const) if quotient else t.hadamard(mt, const)
        front = self.n.t_atom(weight)
        out = []
        for y in self.n.terms(var):
            inner = Term(y.coef, y.scalars, ())
            out += self._trace(times(x, inner), [front, *y.chain])
        return out

    # ---- vector by vector: dy = J dx ---------------------------------------------------------
    def jacobian(self, terms: list[Term]) -> list[Term]:
        out: list[Term] = []
        for x in terms:
            s, c = self._split(x)
            if c is not None and isinstance(x.chain[c], ast.Transpose) and (
                    x.chain[c].shape.rows.is_one):
                # L dx^T r: dx^T r is 1×1 and scales L; read it as r^T dx
                scalar = scalar_atom(Term(chain=x.chain[c:]))
                out += self.jacobian([times(Term(x.coef, x.scalars, x.chain[:c]), scalar)])
                continue
            if c is not None:
                f = x.chain[c]
                rest = x.chain[c + 1:]
                if rest:  # dx (a^T b): the rest is 1×1 and scales
                    suffix = scalar_atom(Term(chain=rest))
                    x = times(Term(x.coef, x.scalars, x.chain[:c + 1]), suffix)
                    out += self.jacobian([x])
                    continue
                left = x.chain[:c]
                if isinstance(f, ast.Differential):
                    out.append(Term(x.coef, x.scalars, left or (t.identity(f.shape.rows),)))
                elif isinstance(f, ast.Hadamard | ast.HadamardDiv):
                    out += self._diag(x, left, f)
                else:
                    raise DeriveError(f"cannot bring `{t.key(f)}` to the form J dx")
            elif s is not None:
                without, node = self._without_scalar(x, s)
                g = self._scalar_node(node)  # node = M dx with M a row
                out += [times(without, m) for m in g]
            else:
                raise DeriveError("internal: a term of the differential without dx")
        return out

    def _diag(self, x: Term, left: tuple, f: ast.Hadamard | ast.HadamardDiv) -> list[Term]:
        a, b = f.left, f.right
        quotient = isinstance(f, ast.HadamardDiv)
        if quotient and self._mentions(b):
            raise DeriveError(f"the differential in a divisor: {t.key(f)}")
        const, var = (a, b) if not quotient and self._mentions(b) else (b, a)
        if not const.shape.cols.is_one:
            raise DeriveError(f"cannot bring `{t.key(f)}` to the form J dx")
        self.use("hadamard-quotient-diagm" if quotient else "hadamard-diagm")
        d = t.call("diagm", const, Shape(const.shape.rows, const.shape.rows))
        d = t.inv(d) if quotient else d
        out = []
        for y in self.n.terms(var):
            out += self.jacobian([times(Term(x.coef, x.scalars, (*left, d)), y)])
        return out

    # ---- by a scalar: dF = M dt --------------------------------------------------------------
    def by_scalar(self, terms: list[Term]) -> list[Term]:
        out = []
        for x in terms:
            s, c = self._split(x)
            if s is None or c is not None or not isinstance(x.scalars[s].node, ast.Differential):
                raise DeriveError("cannot bring the differential to the form M dt")
            rest, _ = self._without_scalar(x, s)
            out.append(rest)
        return out
