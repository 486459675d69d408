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
from kb.layouts import Kind, differential_of, other_layout, relayout
from kb.schema import DerivationRecord, DerivativeRecord, HessianRecord, Record
from kb.shapes import Scope, ShapeError, UndeclaredError, VarInfo, VarSpec, check
from kb.statement_types import (
    Problem,
    StatementError,
    StatementType,
    statement_type,
)
from kb.structures import implies_symmetric

__all__ = ["Problem", "Statement", "StatementError", "compile_record"]

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
    def statement_type(self) -> StatementType:
        return statement_type(self.record)

    @property
    def symmetric(self) -> frozenset[str]:
        return frozenset(n for n, s in self.specs.items() if implies_symmetric(s.structure))

    @property
    def left_field(self) -> str:
        return self.statement_type.left_field

    @property
    def result_field(self) -> str:
        return self.statement_type.result_field

    @property
    def has_layout(self) -> bool:
        """Derivatives and derivations state a result in a layout."""
        return self.statement_type.has_layout

    @property
    def layout(self) -> str:
        """The layout the result is stated in (derivatives and derivations only)."""
        record = self.record
        assert isinstance(record, DerivativeRecord | DerivationRecord), record.type
        return record.layout

    @property
    def wrt(self) -> str:
        """The one variable of a derivative, Hessian or derivation."""
        record = self.record
        assert isinstance(record, DerivativeRecord | HessianRecord | DerivationRecord), record.type
        return record.wrt

    def expression(self, layout: str) -> ast.Node:
        """The left side, with any ``diff(u, x)`` in it read in ``layout``."""
        tree = self.trees[self.left_field]
        if not self.has_layout or layout == self.layout:
            return tree
        return relayout(tree, layout)

    def derivative(self, layout: str) -> ast.Node:
        """The derivative in ``layout`` (derivatives and derivations)."""
        assert self.has_layout
        stated = self.trees[self.result_field]
        return stated if layout == self.layout else self._other

    @cached_property
    def _other(self) -> ast.Node:
        return other_layout(self.trees[self.result_field], self.layout, self.symmetric)

    @cached_property
    def differential(self) -> ast.Node | None:
        """The differential form: stated for differential records, derived for derivatives."""
        if self.statement_type.differentials_in_result:
            return self.trees[self.result_field]
        if not self.has_layout:
            return None
        wrt = self.specs[self.wrt].shape
        return differential_of(
            self.derivative("numerator"), self.expression(self.layout).shape, self.wrt, wrt
        )


def _scope(record: Record, differentials: frozenset[str], layout: str) -> Scope:
    variables = {
        name: VarInfo(Shape.parse(var.shape), var.function_of, var.integer is not None,
                      var.integer)
        for name, var in record.variables.items()
    }
    dims = {d for info in variables.values() for dim in (info.shape.rows, info.shape.cols)
            for d in dim.names}
    return Scope(variables, frozenset(dims), differentials, layout)


def _code(exc: ExpressionError | ShapeError) -> str:
    """The diagnostic code of an expression's error."""
    return exc.code


def _tree(name: str, text: str, scope: Scope,
          problems: list[Problem]) -> ast.Node | None:
    try:
        return check(parse(text), scope)
    except (ExpressionError, ShapeError) as exc:
        problems.append(Problem((name,), exc.message, _code(exc), exc.pos))
    return None


def _name_problems(record: Record) -> list[Problem]:
    """Variable names that are reserved, collide with a differential, or name an undeclared
    function argument; each located at the name."""
    problems = []
    variables = record.variables
    named = set()  # each dimension reported once, where it is first used
    for name, var in variables.items():
        where = ("variables", name)
        if name in RESERVED:
            problems.append(Problem(where, f"'{name}' is reserved (a function name or T): "
                                    "rename the variable", "KB201", key=True))
        elif name.startswith("d") and name[1:] in variables:
            problems.append(Problem(where, f"'{name}' would collide with the differential of "
                                    f"{name[1:]}: rename it", "KB202", key=True))
        if var.function_of is not None and var.function_of not in variables:
            problems.append(Problem((*where, "function_of"), f"function_of names "
                                    f"'{var.function_of}', which is not declared", "KB203"))
        for index, dim in enumerate(var.shape):
            # T is fine as a dimension (a sequence length): X^T is never read as one.
            if (isinstance(dim, str) and dim not in named
                    and (dim in RESERVED - {"T"} or dim in variables)):
                named.add(dim)
                what = ("named like a variable" if dim in variables
                        else "named like a function")
                problems.append(Problem((*where, "shape", index), f"the dimension '{dim}' is "
                                        f"{what}: rename the dimension", "KB207"))
    return problems


def _wrt_problems(stype: StatementType, record: Record, specs: dict[str, VarSpec]
                  ) -> list[Problem]:
    problems = []
    for where, name in stype.varying(record):
        spec = specs.get(name)
        why = ("is not a declared variable" if spec is None
               else "is a placeholder function" if spec.function_of is not None
               else "is an integer: nothing to differentiate" if spec.integer is not None
               else None)
        if why is not None:
            problems.append(Problem(where, f"wrt '{name}' {why}", "KB204"))
    return problems


def compile_record(record: Record) -> Statement:
    """Typed trees of a record, or :class:`StatementError` listing every problem."""
    stype = statement_type(record)
    problems = _name_problems(record)
    if problems:
        raise StatementError(problems)
    specs = {
        name: VarSpec(Shape.parse(var.shape), frozenset(var.structure), var.function_of,
                      (var.integer[0], var.integer[1]) if var.integer else None)
        for name, var in record.variables.items()
    }
    problems = _wrt_problems(stype, record, specs)
    if problems:
        raise StatementError(problems)
    varying = [name for _, name in stype.varying(record)]

    layout = getattr(record, "layout", "denominator")
    plain = _scope(record, frozenset(), layout)
    scope = (_scope(record, frozenset(varying), layout) if stype.differentials_in_result
             else plain)
    trees = {}
    for name in stype.fields:
        tree = _tree(name, getattr(record, name), scope if name == stype.result_field else plain,
                     problems)
        if tree is not None:
            trees[name] = tree
    printed, printed_problem = None, None
    erratum = record.erratum
    if erratum is not None and erratum.printed_expression is not None:
        try:
            printed = check(parse(erratum.printed_expression), scope)
        except (ExpressionError, UndeclaredError) as exc:
            problems.append(Problem(("erratum", "printed_expression"), exc.message, _code(exc),
                                    exc.pos))
        except ShapeError as exc:
            # A printed form that does not even type-check is its own evidence.
            printed_problem = f"does not type-check: {exc.message}"
    conditions = []
    for index, text in enumerate(record.conditions):
        try:
            conditions.append(compile_condition(text, _scope(record, frozenset(), layout)))
        except ConditionError as exc:
            problems.append(Problem(("conditions", index), exc.message, exc.code, exc.pos))
    if problems:
        raise StatementError(problems)

    first, second = (trees[f] for f in stype.fields)
    rule = stype.result_rule(record, first.shape, specs)
    if second.shape != rule.shape:
        problems.append(Problem((stype.result_field,), f"{rule.what}, got {second.shape}",
                                "KB304"))
    if printed is not None and printed.shape != rule.shape:
        printed_problem = f"has the wrong shape: {rule.what}, got {printed.shape}"
        printed = None
    steps: tuple = ()
    step_trees: list[ast.Node] = []
    if isinstance(record, DerivationRecord):
        from kb.derivation import compile_steps

        problems += [Problem(("variables", name), "a derivation has no placeholder functions",
                             "KB206", key=True)
                     for name, spec in specs.items() if spec.function_of]
        compiled, failed = compile_steps(record, scope, first)
        problems += [Problem(p.field, p.message, p.code, p.pos) for p in failed]
        steps = tuple(compiled)
        step_trees = [t for step in compiled for t in _step_trees(step)]
    used = set(varying).union(*(ast.free_symbols(t) for t in [*trees.values(), *step_trees,
                                                               *(c.tree for c in conditions)]))
    problems += [Problem(("variables", name), f"declared but not used: {name}", "KB205",
                         key=True)
                 for name in specs if name not in used]
    if problems:
        raise StatementError(problems)
    return Statement(record, specs, trees, rule.kind, printed, printed_problem, steps,
                     tuple(conditions))


def _step_trees(step) -> list[ast.Node]:
    if step.tree is not None:
        return [step.tree]
    return [tree for term in step.terms for tree in (*term.arrays, term.scale)]
