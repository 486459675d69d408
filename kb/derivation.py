"""Derivations: worked examples whose every step is checked.

A derivation differentiates a goal f by a variable x through ordered steps. Each step is
equal to one of three things, its *kind*: the goal itself (``value``), its differential df
along a random direction dX (``differential``; the differential of any other variable is
zero), or its derivative in the record's layout (``derivative``). A step may be written in the
expression language, where ``diff(expr)`` and ``diff(expr, x)`` are evaluated numerically, or
in index notation as numpy einsum terms over named arrays.

Steps are compiled here, with no numerics; :mod:`kb.step_check` evaluates and checks them.
Verification checks the first step of each kind against the truth (f, or finite differences
of f) and every later step against the step of the same kind before it, so a wrong step is
named with the step it should have equalled; the stated result is checked against finite
differences and against the last derivative step.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb import ast
from kb.dims import SCALAR, Dim, Shape
from kb.grammar import ExpressionError, parse
from kb.layouts import derivative_shape
from kb.printer import to_text
from kb.schema import DerivationRecord, Step
from kb.shapes import Scope, ShapeError, check

KINDS = ("value", "differential", "derivative")


@dataclass(frozen=True)
class EinsumTerm:
    spec: str
    arrays: tuple[ast.Node, ...]
    scale: ast.Node


@dataclass(frozen=True)
class CompiledStep:
    """A step as typed trees: an expression, or einsum terms."""

    number: int
    kind: str
    source: Step
    tree: ast.Node | None
    terms: tuple[EinsumTerm, ...] = ()

    @property
    def text(self) -> str:
        if self.tree is not None:
            return to_text(self.tree)
        return " + ".join(
            (f"{to_text(t.scale)} * " if to_text(t.scale) != "1" else "")
            + f"einsum('{t.spec}', {', '.join(to_text(a) for a in t.arrays)})"
            for t in self.terms)


class StepProblem(ValueError):
    """A step that does not compile; ``code`` is its diagnostic code (:mod:`kb.diagnostics`)."""

    def __init__(self, field: tuple[str | int, ...], message: str, pos: int | None = None,
                 code: str = "KB306"):
        super().__init__(message)
        self.field, self.message, self.pos, self.code = field, message, pos, code


def _typed(text: str, scope: Scope, field: tuple[str | int, ...]) -> ast.Node:
    try:
        return check(parse(text), scope)
    except ExpressionError as exc:
        raise StepProblem(field, exc.message, exc.pos, exc.code) from None
    except ShapeError as exc:
        raise StepProblem(field, exc.message, exc.pos, exc.code) from None


def _operand_dims(sub: str, shape: Shape, field) -> list[Dim]:
    if len(sub) == 2:
        return [shape.rows, shape.cols]
    if len(sub) == 1:
        if not (shape.is_column or shape.is_row or shape.is_scalar):
            raise StepProblem(field, f"a {shape} array needs two indices, got '{sub}'")
        return [shape.cols if shape.is_row else shape.rows]
    if not shape.is_scalar:
        raise StepProblem(field, f"a {shape} array needs indices, got none")
    return []


def _einsum_terms(step: Step, scope: Scope, field) -> tuple[tuple[EinsumTerm, ...], Shape]:
    terms, shape = [], None
    for t, term in enumerate(step.einsum or []):
        where = (*field, "einsum", t)
        inputs, output = term.spec.split("->")
        operands = inputs.split(",") if inputs else []
        if len(operands) != len(term.arrays):
            raise StepProblem((*where, "spec"), f"'{term.spec}' has {len(operands)} operands "
                              f"but {len(term.arrays)} arrays are given")
        dims: dict[str, Dim] = {}
        arrays = []
        for a, (sub, text) in enumerate(zip(operands, term.arrays, strict=True)):
            tree = _typed(text, scope, (*where, "arrays", a))
            for letter, dim in zip(sub, _operand_dims(sub, tree.shape, (*where, "arrays", a)),
                                   strict=True):
                if dims.setdefault(letter, dim) != dim:
                    raise StepProblem((*where, "spec"), f"index '{letter}' is {dims[letter]} "
                                      f"in one array and {dim} in another")
            arrays.append(tree)
        missing = [letter for letter in output if letter not in dims]
        if missing:
            raise StepProblem((*where, "spec"), f"output index '{missing[0]}' is not an input")
        scale = _typed(term.scale, scope, (*where, "scale"))
        if not scale.shape.is_scalar:
            raise StepProblem((*where, "scale"), f"the scale must be 1×1, got {scale.shape}")
        out = [dims[letter] for letter in output]
        term_shape = (SCALAR if not out else Shape(out[0], Dim()) if len(out) == 1
                      else Shape(out[0], out[1]))
        if shape is not None and term_shape != shape:
            raise StepProblem((*where, "spec"), f"this term is {term_shape} but the first "
                              f"is {shape}")
        shape = term_shape
        terms.append(EinsumTerm(term.spec, tuple(arrays), scale))
    return tuple(terms), shape


def compile_steps(record: DerivationRecord, scope: Scope, goal: ast.Node
                  ) -> tuple[list[CompiledStep], list[StepProblem]]:
    """Typed steps of a derivation, and the problems of those that do not compile."""
    from dataclasses import replace

    wrt = scope.variables[record.wrt].shape
    want = {"value": goal.shape, "differential": goal.shape,
            "derivative": derivative_shape(goal.shape, wrt, record.layout)}
    step_scope = replace(scope, steps=True, differentials=frozenset(scope.variables))
    steps, problems, kind = [], [], "value"
    for index, step in enumerate(record.steps):
        field = ("steps", index)
        kind = step.kind or kind
        try:
            if step.expression is not None:
                tree = _typed(step.expression, step_scope, (*field, "expression"))
                terms: tuple[EinsumTerm, ...] = ()
                shape = tree.shape
            else:
                tree = None
                terms, shape = _einsum_terms(step, step_scope, field)
            if shape != want[kind]:
                where = (*field, "expression") if tree is not None else (*field, "einsum")
                raise StepProblem(where, f"a {kind} step must be {want[kind]}, got {shape}",
                                  code="KB304")
            if kind == "value" and tree is not None and _has_differential(tree):
                raise StepProblem((*field, "expression"), "a value step has no differentials: "
                                  "set kind: differential")
            steps.append(CompiledStep(index + 1, kind, step, tree, terms))
        except StepProblem as problem:
            problems.append(problem)
    return steps, problems


def _has_differential(tree: ast.Node) -> bool:
    return any(isinstance(n, ast.Differential | ast.DifferentialOf) for n in tree.walk())


def cited_ids(record: DerivationRecord) -> list[tuple[tuple[str | int, ...], str]]:
    """Every record id the steps cite, with where."""
    return [(("steps", i, "cites", j), ref)
            for i, step in enumerate(record.steps) for j, ref in enumerate(step.cites)]
