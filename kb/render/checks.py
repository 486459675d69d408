"""Derivation steps on the pages: each step as LaTeX, and the relative error of its check
(read from the report's structured outcomes, never from its text)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb import ast
from kb.latex import latex, latex_name
from kb.results import Report
from kb.schema import DerivationRecord

if TYPE_CHECKING:
    from kb.derivation import CompiledStep
    from kb.identity import Identity


def step_errors(report: Report) -> dict[int, float]:
    """The worst relative error of each derivation step's check, by step number."""
    return {o.step: o.worst for o in report.outcomes if o.step is not None}


def _goal_symbol(identity: Identity, kind: str) -> str:
    record = identity.record
    assert isinstance(record, DerivationRecord)
    wrt = latex_name(record.wrt)
    return {"value": "f", "differential": r"\mathrm{d}f",
            "derivative": rf"\frac{{\partial f}}{{\partial {wrt}}}"}[kind]


def _einsum_latex(step: CompiledStep) -> str:
    terms = []
    for term in step.terms:
        inputs = term.spec.split("->")[0]
        factors = []
        for tree, sub in zip(term.arrays, inputs.split(",") if inputs else [], strict=True):
            body = latex(tree)
            if not isinstance(tree, ast.Sym | ast.ConstMatrix):
                body = rf"\left({body}\right)"
            if isinstance(tree, ast.ConstMatrix) and tree.kind == "I":
                body = r"\delta"
            factors.append(f"{body}_{{{sub}}}" if sub else body)
        scale = latex(term.scale)
        terms.append(("" if scale == "1" else scale + " ") + " ".join(factors))
    return " + ".join(terms)


def step_latex(identity: Identity, step: CompiledStep) -> str:
    """The step as 'lhs = rhs'; index notation gets its free index on the left."""
    lhs = _goal_symbol(identity, step.kind)
    if step.tree is not None:
        return f"{lhs} = {latex(step.tree)}"
    output = step.terms[0].spec.split("->")[1]
    if output:
        lhs = rf"\left[{lhs}\right]_{{{output}}}"
    return f"{lhs} = {_einsum_latex(step)}"
