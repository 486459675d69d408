"""The verifier has power: every deliberately wrong record is rejected, every real one passes.

tests/bad_records/ holds wrong records, each with the rejection it must get. A corrected twin
of several of them verifies, so the rejection is due to the planted error, not to the setup.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.loader import load_record, load_sources, record_files
from kb.statement import compile_record
from kb.verify import CONVERGED, TOLERANCE, verify

HERE = Path(__file__).parent
BAD = HERE / "bad_records"
CATALOG = HERE.parent / "identities"

# file stem → (stage that rejects it, fragments of the message)
EXPECTED = {
    "transposed-gradient-nonsquare": (
        "compile", ["denominator-layout scalar-by-matrix derivative must be n×m, got m×n"]),
    "transposed-gradient-square": ("verify", ["derivative (denominator layout) does not hold"]),
    "numerator-labelled-denominator": ("verify", ["derivative (denominator layout) does not hold"]),
    "missing-factor-two": ("verify", ["derivative (denominator layout) does not hold"]),
    "inverse-differential-sign-flip": ("verify", ["differential does not hold"]),
    "inverse-differential-wrong-order": ("verify", ["differential does not hold"]),
    "log-det-missing-transpose": ("verify", ["derivative (denominator layout) does not hold"]),
    "quadratic-form-symmetric-only": ("verify", ["does not hold"]),
    "trace-axb-wrong-order": ("verify", ["does not hold"]),
    "log-det-spd-cookbook-symmetric": ("verify", ["does not hold"]),
    "quadratic-form-hessian-2a": ("verify", ["hessian does not hold"]),
    "trace-non-cyclic-permutation": ("verify", ["equality does not hold"]),
    "product-rule-missing-term": ("verify", ["does not hold"]),
    "symmetric-not-square": ("verify", ["cannot be sampled", "symmetric needs a square shape"]),
    "log-det-merely-invertible": ("verify", ["evaluates to NaN or infinity"]),
    "erratum-printed-is-correct": ("verify", ["erratum: the printed form verifies too"]),
    "gradient-outside-symmetric-space": (
        "verify", ["gradient lies in the structure's space does not hold"]),
    "singular-inverse": ("verify", ["linear algebra failed"]),
    "undeclared-symbol": ("compile", ["undeclared symbol 'C'"]),
    "kron-factors-swapped": ("verify", ["equality does not hold"]),
    "chain-rule-numerator-order": ("verify", ["derivative (denominator layout) does not hold"]),
    "derivation-broken-step": ("verify", ["step 3 (derivative)", "does not hold"]),
    "cube-root-missing-third": ("verify", ["does not hold"]),
    "power-sum-wrong-exponent": ("verify", ["does not hold"]),
    "arctan-jacobian-sign": ("verify", ["does not hold"]),
    "trace-inverse-sum-missing-transpose": (
        "verify", ["derivative (denominator layout) does not hold"]),
    "eigenvalue-nonsymmetric-symmetric-formula": (
        "verify", ["derivative (denominator layout) does not hold"]),
    "log-det-positive-definite-part-no-transpose": (
        "verify", ["derivative (denominator layout) does not hold"]),
    "det-polynomial-second-derivative-missing-term": ("verify", ["hessian does not hold"]),
    "log-det-near-identity-first-order": ("verify", ["equality does not hold"]),
    "condition-unknown-structure": ("compile", ["unknown structure 'invertable'"]),
    "condition-impossible": ("verify", ["cannot be sampled", "positive(-det(X)) hold on only 0"]),
}

# The planted error, fixed: the same record with this result verifies.
CORRECTED = {
    "transposed-gradient-square": "A^T",
    "numerator-labelled-denominator": "a b^T",
    "missing-factor-two": "2 x",
    "inverse-differential-sign-flip": "-X^{-1} dX X^{-1}",
    "inverse-differential-wrong-order": "-X^{-1} dX X^{-1}",
    "log-det-missing-transpose": "X^{-T}",
    "quadratic-form-symmetric-only": "(A + A^T) x",
    "trace-axb-wrong-order": "A^T B^T",
    "log-det-spd-cookbook-symmetric": "X^{-1}",
    "quadratic-form-hessian-2a": "A + A^T",
    "trace-non-cyclic-permutation": "tr(B C A)",
    "product-rule-missing-term": "diff(u, x) v + diff(v, x) u",
    "gradient-outside-symmetric-space": "(A + A^T) / 2",
    "kron-factors-swapped": "kron(B^T, A) vec(X)",
    "chain-rule-numerator-order": "diff(u, x) diff(y, u)",
    "cube-root-missing-third": "s^{-2/3} / 3",
    "power-sum-wrong-exponent": "3 x^{∘2}",
    "arctan-jacobian-sign": "diagm(ones(n, 1) ./ (ones(n, 1) + x^{∘2}))",
    "trace-inverse-sum-missing-transpose": "-((X + A)^{-1} (X + A)^{-1})^T",
    "eigenvalue-nonsymmetric-symmetric-formula":
        "eigvec(A^T, 2) eigvec(A, 2)^T / (eigvec(A^T, 2)^T eigvec(A, 2))",
    "log-det-positive-definite-part-no-transpose": "X^{-T}",
    "det-polynomial-second-derivative-missing-term": (
        "det(Y0 + t Y1 + t^2 Y2) (tr((Y0 + t Y1 + t^2 Y2)^{-1} (2 Y2))"
        " + tr((Y0 + t Y1 + t^2 Y2)^{-1} (Y1 + 2 t Y2))^2"
        " - tr((Y0 + t Y1 + t^2 Y2)^{-1} (Y1 + 2 t Y2) (Y0 + t Y1 + t^2 Y2)^{-1} (Y1 + 2 t Y2)))"),
    "log-det-near-identity-first-order": "tr(logm(I(n) + E))",
}


def bad_files() -> list[Path]:
    return sorted(p for p in BAD.glob("*.yaml") if p.name != "sources.yaml")


def catalog_files() -> list[Path]:
    """The catalog's record files, as kb itself finds them (sources.yaml etc. excluded)."""
    return record_files([CATALOG])


@pytest.fixture(scope="module")
def bad_sources():
    sources, problems = load_sources(BAD / "sources.yaml")
    assert problems == []
    return sources


def test_every_bad_record_has_an_expectation() -> None:
    assert {p.stem for p in bad_files()} == set(EXPECTED)


def test_bad_sources_registry_is_a_copy_of_the_real_one() -> None:
    assert (BAD / "sources.yaml").read_text() == (CATALOG / "sources.yaml").read_text()


@pytest.mark.parametrize("path", bad_files(), ids=lambda p: p.stem)
def test_wrong_record_is_rejected(path: Path, bad_sources) -> None:
    stage, fragments = EXPECTED[path.stem]
    entry, problems = load_record(path, bad_sources)
    if stage == "compile":
        assert entry is None
        message = " | ".join(str(d) for d in problems)
        assert problems, "expected a static (shape) error"
        assert all(d.path == path and d.line > 0 and d.col > 0 for d in problems)
    else:
        assert problems == [], [str(d) for d in problems]
        report = verify(entry.statement)
        assert report.ok is False
        message = report.message or ""
        assert report.summary() == f"{path.stem}: {message}"
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("stem", sorted(CORRECTED))
def test_corrected_twin_verifies(stem: str, bad_sources) -> None:
    entry, problems = load_record(BAD / f"{stem}.yaml", bad_sources)
    assert problems == []
    record = entry.record
    field = entry.statement.result_field
    fixed = record.model_copy(update={field: CORRECTED[stem]})
    report = verify(compile_record(fixed))
    assert report.ok, report.message
    assert report.worst_error <= TOLERANCE + 2 * CONVERGED  # plus each estimate's error bound


def test_nonsquare_transposed_gradient_is_a_shape_error(bad_sources) -> None:
    entry, problems = load_record(BAD / "transposed-gradient-nonsquare.yaml", bad_sources)
    assert entry is None
    assert [(d.line, d.col) for d in problems] == [(7, 13)]  # the `derivative:` value
    assert problems[0].message == (
        "a denominator-layout scalar-by-matrix derivative must be n×m, got m×n")


def test_nan_is_a_failure_not_a_pass(bad_sources) -> None:
    entry, _ = load_record(BAD / "log-det-merely-invertible.yaml", bad_sources)
    report = verify(entry.statement)
    assert not report.ok
    assert report.worst_error == float("inf")
    assert report.draw is not None and "X" in report.draw
    assert np.linalg.det(report.draw["X"]) < 0  # the draw shown is one where log det is NaN


def test_a_real_erratum_is_evidenced(bad_sources) -> None:
    entry, _ = load_record(BAD / "log-det-missing-transpose.yaml", bad_sources)
    record = type(entry.record).model_validate(entry.record.model_dump() | {
        "derivative": "X^{-T}",
        "erratum": {"ref": "seed-000-b1", "printed": "X^{-1}", "printed_expression": "X^{-1}",
                    "explanation": "the transpose is missing"},
    })
    report = verify(compile_record(record))
    assert report.ok, report.message
    assert report.erratum_error is not None and report.erratum_error > 1e-2


def test_reports_are_reproducible(bad_sources) -> None:
    entry, _ = load_record(BAD / "missing-factor-two.yaml", bad_sources)
    first, second = verify(entry.statement), verify(entry.statement)
    assert (first.seed, first.message, first.worst_error) == (
        second.seed, second.message, second.worst_error)


# ---- the real catalog ---------------------------------------------------------------------


def test_catalog_is_not_empty() -> None:
    assert len(catalog_files()) >= 1


@pytest.fixture(scope="module")
def catalog_sources():
    sources, problems = load_sources(CATALOG / "sources.yaml")
    assert problems == [], [str(d) for d in problems]
    return sources


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: str(p.relative_to(CATALOG)))
def test_catalog_record_verifies(path: Path, catalog_sources) -> None:
    entry, problems = load_record(path, catalog_sources)
    assert problems == [], [str(d) for d in problems]
    report = verify(entry.statement)
    assert report.ok, report.summary()
    assert report.worst_error <= TOLERANCE + 2 * CONVERGED  # plus each estimate's error bound
