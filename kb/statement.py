"""A validated record to typed syntax trees: the statement every later stage works on.

Parses each expression field, infers shapes, checks that the result has the shape its type,
kind and layout require, and derives the other layout and the differential form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from kb import ast
from kb.conditions import Condition, ConditionError, compile_condition
from kb.dims import Shape
from kb.functions import RESERVED
from kb.grammar import ExpressionError, parse
from kb.layouts import (
    Kind,
    derivative_shape,
    differential_of,
    kind_of,
    other_layout,
    relayout,
)
from kb.schema import (
    EXPRESSION_FIELDS,
    DerivationRecord,
    DerivativeRecord,
    DifferentialRecord,
    HessianRecord,
    Record,
)
from kb.shapes import Scope, ShapeError, UndeclaredError, VarInfo, VarSpec, check
from kb.structures import implies_symmetric


@dataclass(frozen=True)
class Problem:
    """A problem in one field of a record; ``pos`` is an offset inside the field's string."""

    field: tuple[str | int, ...]
    message: str
    pos: int | None = None
    key: bool = False
    """Point at the key of ``field`` (a variable's name) rather than its value."""


class StatementError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Statement:
    """A record's statement as typed trees, with the forms derived from it."""

    record: Record
    specs: dict[str, VarSpec]
    trees: dict[str, ast.Node]
    kind: Kind | None = None
    printed: ast.Node | None = None
    """The erratum's printed result, typed like the field it replaces."""
    printed_problem: str | None = None
    """Why the erratum's printed result is not even well formed, when it is not."""
    steps: tuple = ()
    """A derivation's steps (:class:`kb.derivation.CompiledStep`)."""
    conditions: tuple[Condition, ...] = ()
    """The record's conditions on compound expressions."""

    @property
    def type(self) -> str:
        return self.record.type

    @property
    def symmetric(self) -> frozenset[str]:
        return frozenset(n for n, s in self.specs.items() if implies_symmetric(s.structure))

    @property
    def result_field(self) -> str:
        return EXPRESSION_FIELDS[self.type][1]

    @property
    def has_layout(self) -> bool:
        """Derivatives and derivations state a result in a layout."""
        return self.type in ("derivative", "derivation")

    def expression(self, layout: str) -> ast.Node:
        """The expression, with any ``diff(u, x)`` in it read in ``layout``."""
        tree = self.trees[EXPRESSION_FIELDS[self.type][0]]
        if not self.has_layout or layout == self.record.layout:
            return tree
        return relayout(tree, layout)

    def derivative(self, layout: str) -> ast.Node:
        """The derivative in ``layout`` (derivatives and derivations)."""
        assert self.has_layout
        stated = self.trees[self.result_field]
        return stated if layout == self.record.layout else self._other

    @cached_property
    def _other(self) -> ast.Node:
        return other_layout(self.trees[self.result_field], self.record.layout, self.symmetric)

    @cached_property
    def differential(self) -> ast.Node | None:
        """The differential form: stated for differential records, derived for derivatives."""
        if self.type == "differential":
            return self.trees["differential"]
        if not self.has_layout:
            return None
        record = self.record
        wrt = self.specs[record.wrt].shape
        return differential_of(
            self.derivative("numerator"), self.expression(record.layout).shape, record.wrt, wrt
        )


def _scope(record: Record, differentials: frozenset[str], layout: str) -> Scope:
    variables = {
        name: VarInfo(Shape.parse(var.shape), var.function_of, var.integer is not None)
        for name, var in record.variables.items()
    }
    dims = {d for info in variables.values() for dim in (info.shape.rows, info.shape.cols)
            for d in dim.names}
    return Scope(variables, frozenset(dims), differentials, layout)


def _tree(name: str, text: str, scope: Scope,
          problems: list[Problem]) -> ast.Node | None:
    try:
        return check(parse(text), scope)
    except ExpressionError as exc:
        problems.append(Problem((name,), exc.message, exc.pos))
    except ShapeError as exc:
        problems.append(Problem((name,), exc.message, exc.pos))
    return None


def _name_problems(record: Record) -> list[Problem]:
    """Variable names that are reserved, collide with a differential, or name an undeclared
    function argument; each located at the name."""
    problems = []
    variables = record.variables
    for name, var in variables.items():
        where = ("variables", name)
        if name in RESERVED:
            problems.append(Problem(where, f"'{name}' is reserved (a function name or T): "
                                    "rename the variable", key=True))
        elif name.startswith("d") and name[1:] in variables:
            problems.append(Problem(where, f"'{name}' would collide with the differential of "
                                    f"{name[1:]}: rename it", key=True))
        if var.function_of is not None and var.function_of not in variables:
            problems.append(Problem((*where, "function_of"), f"function_of names "
                                    f"'{var.function_of}', which is not declared"))
    return problems


def compile_record(record: Record) -> Statement:
    """Typed trees of a record, or :class:`StatementError` listing every problem."""
    problems = _name_problems(record)
    if problems:
        raise StatementError(problems)
    specs = {
        name: VarSpec(Shape.parse(var.shape), frozenset(var.structure), var.function_of,
                      tuple(var.integer) if var.integer else None)
        for name, var in record.variables.items()
    }
    varying: list[str] = []
    if isinstance(record, DifferentialRecord):
        varying = list(record.wrt)
    elif isinstance(record, DerivativeRecord | HessianRecord | DerivationRecord):
        varying = [record.wrt]
    for index, name in enumerate(varying):
        where = ("wrt", index) if isinstance(record, DifferentialRecord) else ("wrt",)
        if name not in specs:
            problems.append(Problem(where, f"wrt '{name}' is not a declared variable"))
        elif specs[name].function_of is not None:
            problems.append(Problem(where, f"wrt '{name}' is a placeholder function"))
        elif specs[name].integer is not None:
            problems.append(Problem(where, f"wrt '{name}' is an integer: nothing to differentiate"))
    if problems:
        raise StatementError(problems)

    layout = getattr(record, "layout", "denominator")
    scope = _scope(record, frozenset(varying) if record.type == "differential" else frozenset(),
                   layout)
    fields = EXPRESSION_FIELDS[record.type]
    trees = {}
    for name in fields:
        field_scope = scope
        if record.type == "differential" and name == "expression":
            field_scope = _scope(record, frozenset(), layout)
        tree = _tree(name, getattr(record, name), field_scope, problems)
        if tree is not None:
            trees[name] = tree
    printed, printed_problem = None, None
    erratum = record.erratum
    if erratum is not None and erratum.printed_expression is not None:
        try:
            printed = check(parse(erratum.printed_expression), scope)
        except (ExpressionError, UndeclaredError) as exc:
            problems.append(Problem(("erratum", "printed_expression"), exc.message, exc.pos))
        except ShapeError as exc:
            # A printed form that does not even type-check is its own evidence.
            printed_problem = f"does not type-check: {exc.message}"
    conditions = []
    for index, text in enumerate(record.conditions):
        try:
            conditions.append(compile_condition(text, _scope(record, frozenset(), layout)))
        except ConditionError as exc:
            problems.append(Problem(("conditions", index), exc.message, exc.pos))
    if problems:
        raise StatementError(problems)

    kind = None
    first, second = (trees[f] for f in fields)
    want = first.shape  # what the result must be, by type
    if isinstance(record, DerivativeRecord | DerivationRecord):
        wrt = specs[record.wrt].shape
        kind = kind_of(first.shape, wrt)
        if kind is None:
            raise StatementError([Problem(("expression",), (
                f"the derivative of a {first.shape} expression by a {wrt} variable has no "
                "matrix form: state it as a differential record"))])
        want = derivative_shape(first.shape, wrt, record.layout)
        what = f"a {record.layout}-layout {kind} derivative must be {want}"
    elif isinstance(record, HessianRecord):
        wrt = specs[record.wrt].shape
        if not first.shape.is_scalar:
            problems.append(Problem(("expression",), f"a Hessian needs a scalar expression, "
                                    f"got {first.shape}"))
        if not (wrt.is_column or wrt.is_scalar):  # by a scalar: the second derivative
            problems.append(Problem(("wrt",), f"a Hessian is taken by a column vector or a "
                                    f"scalar, got {wrt}"))
        want = Shape(wrt.rows, wrt.rows)
        what = f"the Hessian must be {want}"
    else:
        what = f"{fields[1]} must have the shape of {fields[0]}, {want}"
    if second.shape != want:
        problems.append(Problem((fields[1],), f"{what}, got {second.shape}"))
    if printed is not None and printed.shape != want:
        printed_problem = f"has the wrong shape: {what}, got {printed.shape}"
        printed = None
    steps: tuple = ()
    step_trees: list[ast.Node] = []
    if isinstance(record, DerivationRecord):
        from kb.derivation import compile_steps

        problems += [Problem(("variables", name), "a derivation has no placeholder functions",
                             key=True) for name, spec in specs.items() if spec.function_of]
        compiled, failed = compile_steps(record, scope, first)
        problems += [Problem(p.field, p.message, p.pos) for p in failed]
        steps = tuple(compiled)
        step_trees = [t for step in compiled for t in _step_trees(step)]
    used = set(varying).union(*(ast.free_symbols(t) for t in [*trees.values(), *step_trees,
                                                               *(c.tree for c in conditions)]))
    problems += [Problem(("variables", name), f"declared but not used: {name}", key=True)
                 for name in specs if name not in used]
    if problems:
        raise StatementError(problems)
    return Statement(record, specs, trees, kind, printed, printed_problem, steps,
                     tuple(conditions))


def _step_trees(step) -> list[ast.Node]:
    if step.tree is not None:
        return [step.tree]
    return [tree for term in step.terms for tree in (*term.arrays, term.scale)]
