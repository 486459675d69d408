"""The statement types, one object each: everything that differs between them, in one place.

A :class:`StatementType` carries its pydantic model (the validation layer stays in
:mod:`kb.schema`), its expression fields, which variables vary, the shape its result must
have, how it is verified (in words), how it is presented (LaTeX and text templates) and the
skeleton ``kb new`` writes. The numerical check of each type lives in the numerics layer
(:data:`kb.verify.CHECKS`, filled by the ``@check_for`` decorator there): this module sits
below numpy, and a test keeps the two registries in step.

Adding a statement type: its model in :mod:`kb.schema` (and the ``Record`` union), its entry
here, its check in :mod:`kb.verify`, and its row in ``site/records.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kb.dims import Shape
from kb.layouts import Kind, derivative_shape, kind_of
from kb.schema import (
    DerivationRecord,
    DerivativeRecord,
    DifferentialRecord,
    EqualityRecord,
    HessianRecord,
    Record,
)
from kb.shapes import VarSpec

Field = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """A problem in one field of a record; ``pos`` is an offset inside the field's string."""

    field: Field
    message: str
    code: str
    pos: int | None = None
    key: bool = False
    """Point at the key of ``field`` (a variable's name) rather than its value."""


class StatementError(ValueError):
    """A record whose statement does not compile; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ResultRule:
    """What the result field must be: its shape, the rule in words, and the derivative kind."""

    shape: Shape
    what: str
    kind: Kind | None = None


def _derivative_rule(record: Record, left: Shape, specs: dict[str, VarSpec]) -> ResultRule:
    assert isinstance(record, DerivativeRecord | DerivationRecord)
    wrt = specs[record.wrt].shape
    kind = kind_of(left, wrt)
    want = derivative_shape(left, wrt, record.layout)
    if kind is None or want is None:
        raise StatementError([Problem(("expression",), (
            f"the derivative of a {left} expression by a {wrt} variable has no matrix form: "
            "state it as a differential record"), "KB305")])
    return ResultRule(want, f"a {record.layout}-layout {kind} derivative must be {want}", kind)


def _hessian_rule(record: Record, left: Shape, specs: dict[str, VarSpec]) -> ResultRule:
    assert isinstance(record, HessianRecord)
    wrt = specs[record.wrt].shape
    problems = []
    if not left.is_scalar:
        problems.append(Problem(("expression",), f"a Hessian needs a scalar expression, "
                                f"got {left}", "KB305"))
    if not (wrt.is_column or wrt.is_scalar):  # by a scalar: the second derivative
        problems.append(Problem(("wrt",), f"a Hessian is taken by a column vector or a "
                                f"scalar, got {wrt}", "KB305"))
    if problems:
        raise StatementError(problems)
    want = Shape(wrt.rows, wrt.rows)
    return ResultRule(want, f"the Hessian must be {want}")


def _same_shape_rule(left_field: str, result_field: str
                     ) -> Callable[[Record, Shape, dict[str, VarSpec]], ResultRule]:
    def rule(record: Record, left: Shape, specs: dict[str, VarSpec]) -> ResultRule:
        return ResultRule(left, f"{result_field} must have the shape of {left_field}, {left}")
    return rule


def _one_wrt(record: Record) -> list[tuple[Field, str]]:
    assert isinstance(record, DerivativeRecord | HessianRecord | DerivationRecord)
    return [(("wrt",), record.wrt)]


def _many_wrt(record: Record) -> list[tuple[Field, str]]:
    assert isinstance(record, DifferentialRecord)
    return [(("wrt", i), name) for i, name in enumerate(record.wrt)]


_DERIVATIVE_LATEX = r"\frac{{\partial}}{{\partial {wrt}}} {operand} = {result}"
_DERIVATIVE_TEXT = "∂/∂{wrt} {left} = {result}"
_VARIABLES = "variables:\n  X: {shape: [n, m]}\n"


@dataclass(frozen=True)
class StatementType:
    """One statement type of the record schema."""

    name: str
    model: type
    """The pydantic model that validates a record of this type."""
    fields: tuple[str, str]
    """The expression fields: the left side (expression, lhs, goal) and the result."""
    meaning: str
    """What the statement says, in words (for the docs)."""
    varying: Callable[[Record], list[tuple[Field, str]]]
    """The variables that vary, with the field naming each."""
    result_rule: Callable[[Record, Shape, dict[str, VarSpec]], ResultRule]
    """The shape the result must have, given the left side's shape and the variables'."""
    method: str
    """How the statement is verified, as pages and reports say it."""
    latex: str
    """The statement as LaTeX: a template over {left}, {operand} (the left side, in
    parentheses when not atomic), {wrt} and {result}."""
    text: str
    """The statement as text (``kb show``), a template over {left}, {wrt} and {result}."""
    skeleton: str
    """The type's part of the skeleton ``kb new`` writes."""
    has_layout: bool = False
    """The result is stated in a layout, and the other layout is derived."""
    differentials_in_result: bool = False
    """The result is written with dX for each varying X."""
    differential_form: bool = False
    """A differential form is derived and published besides the result."""
    scalar_latex: str | None = None
    """The LaTeX template when the variable is a scalar, where it differs (d²f/dt²)."""
    scalar_text: str | None = None
    """The text template when the variable is a scalar, where it differs."""

    def templates(self, scalar_wrt: bool) -> tuple[str, str]:
        """The LaTeX and text templates, for a scalar variable or not."""
        if scalar_wrt:
            return self.scalar_latex or self.latex, self.scalar_text or self.text
        return self.latex, self.text

    @property
    def left_field(self) -> str:
        return self.fields[0]

    @property
    def result_field(self) -> str:
        return self.fields[1]


_FINITE_DIFFERENCES = "central differences with Richardson extrapolation, random unit directions"

STATEMENT_TYPES: dict[str, StatementType] = {t.name: t for t in (
    StatementType(
        "derivative", DerivativeRecord, ("expression", "derivative"),
        "∂expression/∂wrt in the given layout", _one_wrt, _derivative_rule,
        _FINITE_DIFFERENCES, _DERIVATIVE_LATEX, _DERIVATIVE_TEXT,
        "expression: TODO\nwrt: X\nlayout: denominator\nderivative: TODO\n" + _VARIABLES,
        has_layout=True, differential_form=True),
    StatementType(
        "differential", DifferentialRecord, ("expression", "differential"),
        "d(expression), written with `dX` for each varying `X`", _many_wrt,
        _same_shape_rule("expression", "differential"), _FINITE_DIFFERENCES,
        r"\mathrm{{d}}{operand} = {result}", "d({left}) = {result}",
        "expression: TODO\nwrt: X\ndifferential: TODO\n" + _VARIABLES,
        differentials_in_result=True),
    StatementType(
        "hessian", HessianRecord, ("expression", "hessian"),
        "∂²f/∂x∂xᵀ of a scalar by a column vector; by a scalar `t`, the second derivative "
        "d²f/dt²", _one_wrt, _hessian_rule,
        "mixed second differences u^T H v with Richardson extrapolation",
        r"\frac{{\partial^2}}{{\partial {wrt}\, \partial {wrt}^{{\top}}}} {operand} = {result}",
        "∂²/∂{wrt}∂{wrt}ᵀ {left} = {result}",
        "expression: TODO\nwrt: x\nhessian: TODO\nvariables:\n  x: {shape: [n, 1]}\n",
        scalar_latex=r"\frac{{\partial^2}}{{\partial {wrt}^2}} {operand} = {result}",
        scalar_text="∂²/∂{wrt}² {left} = {result}"),
    StatementType(
        "equality", EqualityRecord, ("lhs", "rhs"), "an algebraic identity", lambda r: [],
        _same_shape_rule("lhs", "rhs"), "both sides evaluated at random draws",
        "{left} = {result}", "{left} = {result}", "lhs: TODO\nrhs: TODO\n" + _VARIABLES),
    StatementType(
        "derivation", DerivationRecord, ("goal", "result"),
        "a worked derivation, every step checked (below)", _one_wrt, _derivative_rule,
        "every step against the one before it, and the result against central "
        "differences with Richardson extrapolation", _DERIVATIVE_LATEX, _DERIVATIVE_TEXT,
        "goal: TODO\nwrt: x\nlayout: denominator\nresult: TODO\nsteps:\n"
        "  - expression: TODO\n    justification: TODO why this step holds\n"
        "variables:\n  x: {shape: [n, 1]}\n",
        has_layout=True),
)}


def statement_type(record: Record) -> StatementType:
    """The statement type of a validated record."""
    return STATEMENT_TYPES[record.type]
