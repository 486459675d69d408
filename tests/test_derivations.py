"""Derivations: every step is checked, a wrong step is named, citations must exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.catalog import load_entries
from kb.loader import load_record, load_sources
from kb.verify import verify
from tests.conftest import CATALOG

BAD = Path(__file__).parent / "bad_records"
HEADER = """\
id: {id}
title: t
type: derivation
goal: x^T A x
wrt: x
layout: denominator
result: (A + A^T) x
variables:
  A: {{shape: [n, n]}}
  x: {{shape: [n, 1]}}
sources:
  - ref: seed-002-ang
    locator: x
steps:
"""


def derivation(tmp_path: Path, steps: str, record_id: str = "d"):
    path = tmp_path / f"{record_id}.yaml"
    path.write_text(HEADER.format(id=record_id) + steps, encoding="utf-8")
    sources, _ = load_sources(CATALOG / "sources.yaml")
    return load_record(path, sources)


def test_the_catalog_has_derivations_that_verify() -> None:
    catalog, problems = load_entries([CATALOG / "derivations"], root=CATALOG)
    assert problems == []
    assert len(catalog) >= 2
    for identity in catalog:
        assert identity.type == "derivation"
        assert verify(identity.statement).ok, identity.id


def test_a_wrong_step_is_named_with_the_step_it_should_equal() -> None:
    sources, _ = load_sources(CATALOG / "sources.yaml")
    identity, problems = load_record(BAD / "derivation-broken-step.yaml", sources)
    assert problems == []
    report = verify(identity.statement)
    assert not report.ok
    assert report.message.startswith("step 3 (derivative) `2 A (A x - b)` against the goal's "
                                     "derivative (finite differences) does not hold")
    assert report.location == ("steps", 2)


def test_a_step_against_its_predecessor(tmp_path: Path) -> None:
    identity, problems = derivation(tmp_path, """\
  - kind: differential
    expression: dx^T A x + x^T A dx
    justification: product rule
  - expression: x^T (A + A^T) dx
    justification: a scalar is its transpose
  - expression: x^T A^T dx
    justification: WRONG, a term is lost
""")
    assert problems == []
    report = verify(identity.statement)
    assert "step 3 (differential) `x^T A^T dx` against step 2 `x^T (A + A^T) dx`" in report.message


def test_differentials_of_constants_are_zero_and_diff_applies_to_expressions(tmp_path) -> None:
    identity, problems = derivation(tmp_path, """\
  - kind: differential
    expression: diff(x^T A x)
    justification: the differential of the goal
  - expression: dx^T A x + x^T dA x + x^T A dx
    justification: product rule; A is constant, so dA = 0
  - kind: derivative
    expression: diff(x^T A x, x)
    justification: the derivative, numerically
  - expression: (A + A^T) x
    justification: read off
""")
    assert problems == []
    assert verify(identity.statement).ok


def test_einsum_steps(tmp_path: Path) -> None:
    identity, problems = derivation(tmp_path, """\
  - einsum:
      - {spec: "a,ab,b->", arrays: [x, A, x]}
    justification: x_a A_ab x_b
  - kind: derivative
    einsum:
      - {spec: "ab,b->a", arrays: [A, x]}
      - {spec: "ba,b->a", arrays: [A, x]}
    justification: differentiate by x_a
""")
    assert problems == []
    assert verify(identity.statement).ok


@pytest.mark.parametrize(("steps", "fragment"), [
    ("  - expression: x^T A x\n    justification: j\n    cites: [no-such-record]\n",
     "cites unknown record 'no-such-record'"),
    ("  - kind: derivative\n    expression: x^T A x\n    justification: j\n",
     "a derivative step must be n×1, got 1×1"),
    ("  - einsum: [{spec: 'ab,b->a', arrays: [A]}]\n    justification: j\n",
     "has 2 operands but 1 arrays are given"),
    ("  - expression: x^T A dx\n    justification: j\n",
     "a value step has no differentials"),
])
def test_bad_steps_are_reported(tmp_path: Path, steps: str, fragment: str) -> None:
    (tmp_path / "sources.yaml").write_text((CATALOG / "sources.yaml").read_text("utf-8"))
    (tmp_path / "d.yaml").write_text(HEADER.format(id="d") + steps, encoding="utf-8")
    _, problems = load_entries([tmp_path], root=tmp_path)
    assert any(fragment in str(p) for p in problems), problems


def test_diff_of_an_expression_is_only_for_steps(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("""\
id: r
title: t
type: derivative
expression: x^T x
wrt: x
layout: denominator
derivative: diff(x^T x, x)
variables:
  x: {shape: [n, 1]}
sources:
  - ref: seed-002-ang
    locator: x
""", encoding="utf-8")
    sources, _ = load_sources(CATALOG / "sources.yaml")
    _, problems = load_record(path, sources)
    assert any("only for derivation steps" in str(p) for p in problems)


def test_a_gradient_by_a_symmetric_variable_must_be_symmetric(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("""\
id: s
title: t
type: derivation
goal: tr(A S)
wrt: S
layout: denominator
result: A
steps:
  - kind: derivative
    expression: A
    justification: right for a general S, wrong on symmetric matrices
variables:
  A: {shape: [n, n]}
  S: {shape: [n, n], structure: [symmetric]}
sources:
  - ref: seed-002-ang
    locator: x
""", encoding="utf-8")
    sources, _ = load_sources(CATALOG / "sources.yaml")
    identity, problems = load_record(path, sources)
    assert problems == []
    report = verify(identity.statement)
    assert not report.ok and "gradient lies in the structure's space" in report.message
