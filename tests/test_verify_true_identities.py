"""The verifier accepts true identities of every kind, layout and structure (no false alarms).

Together with test_verify_power.py (wrong records are rejected) this pins the verifier from
both sides. Records are built in memory.
"""

from __future__ import annotations

import pytest

from kb.schema import record_adapter
from kb.statement import compile_record
from kb.verify import CONVERGED, TOLERANCE, verify

SOURCES = [{"ref": "matrix-cookbook-2012", "locator": "test"}]


def v(rows, cols, *structure: str, of: str | None = None) -> dict:
    """A variable declaration."""
    out: dict = {"shape": [rows, cols]}
    if structure:
        out["structure"] = list(structure)
    if of:
        out["function_of"] = of
    return out


def deriv(id_, expression, wrt, layout, derivative, **variables) -> dict:
    return {"id": id_, "title": "t", "type": "derivative", "expression": expression, "wrt": wrt,
            "layout": layout, "derivative": derivative, "variables": variables,
            "sources": SOURCES}


def other(id_, type_, variables, **fields) -> dict:
    return {"id": id_, "title": "t", "type": type_, "variables": variables, "sources": SOURCES,
            **fields}


DEN, NUM = "denominator", "numerator"
TRUE = [
    deriv("vector-by-vector-den", "A x", "x", DEN, "A^T", A=v("m", "n"), x=v("n", 1)),
    deriv("vector-by-vector-num", "A x", "x", NUM, "A", A=v("m", "n"), x=v("n", 1)),
    deriv("row-by-vector-den", "x^T A", "x", DEN, "A", A=v("n", "m"), x=v("n", 1)),
    deriv("row-by-vector-num", "x^T A", "x", NUM, "A^T", A=v("n", "m"), x=v("n", 1)),
    deriv("vector-by-scalar-den", "t a", "t", DEN, "a^T", a=v("n", 1), t=v(1, 1)),
    deriv("vector-by-scalar-num", "t a", "t", NUM, "a", a=v("n", 1), t=v(1, 1)),
    deriv("matrix-by-scalar-den", "t A", "t", DEN, "A^T", A=v("m", "n"), t=v(1, 1)),
    deriv("matrix-by-scalar-num", "t A", "t", NUM, "A", A=v("m", "n"), t=v(1, 1)),
    deriv("scalar-by-scalar", "t^2", "t", DEN, "2 t", t=v(1, 1)),
    deriv("scalar-by-row", "r A r^T", "r", DEN, "r A^T + r A", A=v("n", "n"), r=v(1, "n")),
    deriv("trace-num", "tr(A X B)", "X", NUM, "B A", X=v("n", "m"), A=v("p", "n"),
          B=v("m", "p")),
    deriv("diagonal", "tr(A X)", "X", DEN, "A ∘ I(n)", X=v("n", "n", "diagonal"),
          A=v("n", "n")),
    deriv("skew", "tr(A X)", "X", DEN, "(A^T - A) / 2", X=v("n", "n", "skew_symmetric"),
          A=v("n", "n")),
    deriv("symmetric-quadratic", "x^T S x", "x", DEN, "2 S x", S=v("n", "n", "symmetric"),
          x=v("n", 1)),
    deriv("chain-den", "g", "x", DEN, "diff(u, x) diff(g, u)", x=v("n", 1),
          u=v("m", 1, of="x"), g=v(1, 1, of="u")),
    deriv("chain-num", "g", "x", NUM, "diff(g, u) diff(u, x)", x=v("n", 1),
          u=v("m", 1, of="x"), g=v(1, 1, of="u")),
    deriv("product-rule", "u^T v", "x", DEN, "diff(u, x) v + diff(v, x) u", x=v("n", 1),
          u=v("m", 1, of="x"), v=v("m", 1, of="x")),
    deriv("log-det-spd", "log(det(X))", "X", DEN, "X^{-1}", X=v("n", "n", "spd")),
    deriv("inverse-quadratic", "a^T X^{-1} b", "X", DEN, "-X^{-T} a b^T X^{-T}",
          X=v("n", "n", "invertible"), a=v("n", 1), b=v("n", 1)),
    deriv("norm", "norm(x)", "x", DEN, "x / norm(x)", x=v("n", 1)),
    deriv("sum-exp", "sum(exp.(X))", "X", DEN, "exp.(X)", X=v("n", "m")),
    deriv("det", "det(X)", "X", DEN, "det(X) X^{-T}", X=v("n", "n", "invertible")),
    deriv("frobenius", "norm_F(X)^2", "X", DEN, "2 X", X=v("n", "m")),
    deriv("trace-expm", "tr(expm(X))", "X", DEN, "expm(X)^T", X=v("n", "n")),
    deriv("spd-diagonal", "sum(log.(diag(X)))", "X", DEN, "X^{-1}",
          X=v("n", "n", "spd", "diagonal")),
    deriv("least-squares", "(X w - y)^T (X w - y) / n", "w", DEN, "2 X^T (X w - y) / n",
          X=v("n", "d"), w=v("d", 1), y=v("n", 1)),
    other("hessian-quadratic", "hessian", {"A": v("n", "n"), "x": v("n", 1)},
          expression="x^T A x", wrt="x", hessian="A + A^T"),
    other("hessian-symmetric", "hessian", {"S": v("n", "n", "symmetric"), "x": v("n", 1)},
          expression="x^T S x / 2", wrt="x", hessian="S"),
    other("differential-product", "differential", {"A": v("p", "n"), "X": v("n", "m")},
          expression="A X", wrt=["A", "X"], differential="dA X + A dX"),
    other("differential-inverse", "differential", {"X": v("n", "n", "invertible")},
          expression="X^{-1}", wrt="X", differential="-X^{-1} dX X^{-1}"),
    other("differential-log-det", "differential", {"S": v("n", "n", "spd")},
          expression="log(det(S))", wrt="S", differential="tr(S^{-1} dS)"),
    other("vec-trick", "equality",
          {"A": v("p", "n"), "X": v("n", "m"), "B": v("m", "q")},
          lhs="vec(A X B)", rhs="kron(B^T, A) vec(X)"),
    other("trace-cyclic", "equality", {"A": v("n", "m"), "B": v("m", "p"), "C": v("p", "n")},
          lhs="tr(A B C)", rhs="tr(C A B)"),
    other("expm-logm", "equality", {"S": v("n", "n", "spd")}, lhs="expm(logm(S))", rhs="S"),
    other("sqrtm-squared", "equality", {"S": v("n", "n", "spd")},
          lhs="sqrtm(S) sqrtm(S)", rhs="S"),
    other("pythagoras", "equality", {"X": v("n", "n")},
          lhs="sinm(X) sinm(X) + cosm(X) cosm(X)", rhs="I(n)"),
    other("inverse-transpose", "equality", {"X": v("n", "n", "invertible")},
          lhs="(X^T)^{-1}", rhs="X^{-T}"),
]


@pytest.mark.parametrize("data", TRUE, ids=[c["id"] for c in TRUE])
def test_true_identity_verifies(data: dict) -> None:
    report = verify(compile_record(record_adapter().validate_python(data)))
    assert report.ok, report.message
    assert report.worst_error <= TOLERANCE + 2 * CONVERGED  # plus each estimate's error bound
    assert report.message is None


@pytest.mark.parametrize("layout", [DEN, NUM])
def test_both_layouts_and_the_differential_form_are_checked(layout: str) -> None:
    data = deriv("vv", "A x", "x", layout, "A^T" if layout == DEN else "A",
                 A=v("m", "n"), x=v("n", 1))
    report = verify(compile_record(record_adapter().validate_python(data)))
    assert set(report.checks) >= {"derivative (denominator layout)",
                                  "derivative (numerator layout)", "differential form"}


def test_constrained_gradient_is_checked_against_its_space() -> None:
    data = deriv("sym", "tr(A X)", "X", DEN, "(A + A^T) / 2", X=v("n", "n", "symmetric"),
                 A=v("n", "n"))
    report = verify(compile_record(record_adapter().validate_python(data)))
    assert report.ok
    assert "gradient lies in the structure's space" in report.checks
