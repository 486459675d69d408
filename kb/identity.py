"""One identity of the catalog, as the lookup API hands it out.

An :class:`Identity` wraps the validated record and its typed statement, and derives
everything else: both layouts, the differential form, LaTeX, Markdown, a plain dict, and
numpy callables for the expression and its derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kb import ast
from kb.functions import FUNCTIONS
from kb.latex import latex, latex_name
from kb.layouts import LAYOUTS
from kb.printer import to_text
from kb.schema import Record
from kb.statement import Statement
from kb.statement_types import STATEMENT_TYPES, StatementType

if TYPE_CHECKING:
    import numpy as np

    from kb.diagnostics import Diagnostic
    from kb.results import Report
    from kb.schema import Source

PERMALINK_BASE = "identities/"


class SourceDocument(Protocol):
    """The file a record was read from, as far as an identity needs it: a way to locate a
    field in it (:class:`kb.loader.Document` is one)."""

    def diagnostic(self, loc: tuple[str | int, ...], message: str, code: str,
                   offset: int | None = None, key: bool = False, detail: str | None = None
                   ) -> Diagnostic: ...


def _check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    return layout


@dataclass
class Identity:
    """A loaded record: where it came from, the record, and its typed statement."""

    path: Path
    document: SourceDocument
    record: Record
    statement: Statement

    # ---- fields --------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.record.id

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def type(self) -> str:
        return self.record.type

    @property
    def statement_type(self) -> StatementType:
        """The type's registry entry: fields, presentation, method, …"""
        return self.statement.statement_type

    @property
    def kind(self) -> str | None:
        """The derivative kind (scalar-by-matrix, …), inferred from the shapes."""
        return str(self.statement.kind) if self.statement.kind else None

    @property
    def aliases(self) -> list[str]:
        return list(self.record.aliases)

    @property
    def tags(self) -> list[str]:
        return list(self.record.tags)

    @property
    def operations(self) -> list[str]:
        """The operations the statement uses: function names and operators."""
        return list(self._operations)

    @cached_property
    def _operations(self) -> tuple[str, ...]:
        # A walk of every tree: done once per identity, since pages and indexes ask often.
        ops: set[str] = set()
        for tree in self.statement.trees.values():
            for node in tree.walk():
                name = _OPERATION_NAMES.get(type(node))
                if isinstance(node, ast.Call):
                    name = FUNCTIONS[node.func].facet
                if name:
                    ops.add(name)
        return tuple(sorted(ops))

    @property
    def structures(self) -> list[str]:
        return sorted({str(s) for var in self.record.variables.values() for s in var.structure})

    def diagnostic(self, loc: tuple[str | int, ...], message: str, code: str,
                   detail: str | None = None) -> Diagnostic:
        """A diagnostic with ``code`` at a field of the record's file."""
        return self.document.diagnostic(loc, message, code, detail=detail)

    # ---- statement forms --------------------------------------------------------------
    def tree(self, field: str) -> ast.Node:
        return self.statement.trees[field]

    @cached_property
    def pattern(self) -> tuple:
        """The expression's normal form for matching (:func:`kb.normal_form.normal_form`),
        built once."""
        from kb.normal_form import normal_form

        return normal_form(self.tree("expression"))

    @property
    def first_field(self) -> str:
        """The field of the left side: expression, lhs or goal."""
        return self.statement.left_field

    @property
    def has_layout(self) -> bool:
        return self.statement.has_layout

    @property
    def expression(self) -> str:
        return to_text(self.tree(self.first_field))

    def result_tree(self, layout: str = "denominator") -> ast.Node:
        """The tree of the result: the derivative in ``layout``, the differential, …"""
        _check_layout(layout)
        if self.has_layout:
            return self.statement.derivative(layout)
        return self.tree(self.statement.result_field)

    def derivative(self, layout: str = "denominator") -> str:
        """The result in the expression language (in ``layout`` for derivatives)."""
        return to_text(self.result_tree(layout))

    def differential(self) -> str | None:
        tree = self.statement.differential
        return to_text(tree) if tree is not None else None

    def latex(self, layout: str = "denominator") -> str:
        """The whole statement as one LaTeX formula."""
        return statement_latex(self.statement, self.result_tree(layout), layout)

    def text(self, layout: str = "denominator") -> str:
        """The whole statement in the expression language: 'd(f) = …', '∂/∂X f = …'."""
        wrt = getattr(self.record, "wrt", "")
        _, template = _templates(self.statement)
        return template.format(left=self.expression, wrt=wrt, result=self.derivative(layout))

    def differential_latex(self) -> str | None:
        tree = self.statement.differential
        if tree is None:
            return None
        return _present(STATEMENT_TYPES["differential"].latex,
                        self.statement.expression("numerator"), "", tree)

    def conditions(self) -> list[str]:
        """The structure assumptions, in words: 'X: invertible, positive_determinant', then the
        conditions on compound expressions: 'invertible(X + A)'."""
        return [f"{name}: {', '.join(str(s) for s in var.structure)}"
                for name, var in self.record.variables.items() if var.structure
                ] + list(self.record.conditions)

    def markdown(self, layout: str = "denominator") -> str:
        """A Markdown snippet with the formula, the conditions and the sources; the record's
        text is escaped (:func:`kb.escape.text`), so it shows as written."""
        from kb.escape import text

        lines = [f"**{text(self.title)}**", "", "$$", self.latex(layout), "$$", ""]
        if self.has_layout:
            lines[0] += f" ({layout} layout)"
        if self.conditions():
            lines += ["Conditions: " + text("; ".join(self.conditions())), ""]
        lines += ["Sources: " + "; ".join(text(f"{s.ref}, {s.locator}")
                                          for s in self.record.sources)]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Everything about the identity as plain data, with both layouts."""
        data = self.record.model_dump(mode="json", exclude_none=True)
        data["kind"] = self.kind
        data["operations"] = self.operations
        if self.has_layout:
            data["layouts"] = {
                layout: {"text": self.derivative(layout), "latex": self.latex(layout)}
                for layout in LAYOUTS
            }
        else:
            data["latex"] = self.latex()
        if self.statement.differential is not None:
            data["differential_form"] = {"text": self.differential(),
                                         "latex": self.differential_latex()}
        data["permalink"] = f"{PERMALINK_BASE}{self.id}/"
        return data

    def sources_with(self, registry: dict[str, Source]) -> list[tuple[Source | None, str]]:
        return [(registry.get(s.ref), s.locator) for s in self.record.sources]

    # ---- numerics -----------------------------------------------------------------------
    def function(self, sizes: Mapping[str, int] | None = None
                 ) -> Callable[..., np.ndarray | float]:
        """A numpy callable of the expression (the left side of an equality).

        Arrays are passed by symbol name; vectors may be 1-D, scalars plain numbers. Any
        variable of the record may be passed to fix a dimension, or ``sizes`` given
        ({'n': 3}) when no argument fixes it.
        """
        return _callable(self, self.tree(self.first_field), sizes)

    def derivative_function(self, layout: str = "denominator",
                            sizes: Mapping[str, int] | None = None) -> Callable[..., Any]:
        """A numpy callable of the result (the derivative in ``layout``, the Hessian, …).

        A differential takes ``dX`` for each varying ``X``; ``sizes`` as for
        :meth:`function`.
        """
        return _callable(self, self.result_tree(layout), sizes)

    def to_sympy(self, layout: str = "denominator") -> tuple:
        """(left side, result) as SymPy matrix expressions; needs the optional sympy."""
        from kb.to_sympy import to_sympy

        shapes = {name: spec.shape for name, spec in self.statement.specs.items()}
        first = self.statement.expression(layout) if self.has_layout else self.tree(
            self.first_field)
        return to_sympy(first, shapes), to_sympy(self.result_tree(layout), shapes)

    def verify(self) -> Report:
        from kb.verify import verify

        return verify(self.statement)

    # ---- display --------------------------------------------------------------------------
    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return f"<Identity {self.id}: {self.title}>"


_OPERATION_NAMES = {
    ast.Inverse: "inverse",
    ast.Transpose: "transpose",
    ast.Power: "power",
    ast.RationalPower: "power",
    ast.Hadamard: "hadamard",
    ast.HadamardDiv: "hadamard",
    ast.Kron: "kronecker",
    ast.DerivativeOf: "placeholder-function",
    ast.Differential: "differential",
}


def _operand(tree: ast.Node, text: str) -> str:
    """The LaTeX of an operand of d or ∂: in parentheses unless atomic."""
    simple = isinstance(tree, ast.Sym | ast.Call | ast.Transpose | ast.Inverse | ast.Power
                        | ast.RationalPower)
    return text if simple else rf"\left({text}\right)"


def _present(template: str, left: ast.Node, wrt: str, result: ast.Node) -> str:
    text = latex(left)
    return template.format(left=text, operand=_operand(left, text), wrt=wrt,
                           result=latex(result))


def _templates(st: Statement) -> tuple[str, str]:
    wrt = getattr(st.record, "wrt", None)
    scalar = isinstance(wrt, str) and st.specs[wrt].shape.is_scalar
    return st.statement_type.templates(scalar)


def statement_latex(st: Statement, result: ast.Node, layout: str = "denominator") -> str:
    """The LaTeX of a statement with the given result tree, read in ``layout``, as its
    statement type presents it."""
    wrt = getattr(st.record, "wrt", None)
    template, _ = _templates(st)
    return _present(template, st.expression(layout),
                    latex_name(wrt) if isinstance(wrt, str) else "", result)


def _callable(identity: Identity, tree: ast.Node, sizes: Mapping[str, int] | None
              ) -> Callable[..., Any]:
    """A numpy function of ``tree``: arrays by symbol name (``dX`` for the differential of
    ``X``); any other variable of the record may be passed to fix dimension sizes."""
    import numpy as np

    from kb.numeric import Env, evaluate

    specs = identity.statement.specs
    if any(spec.function_of for spec in specs.values()):
        raise ValueError(f"{identity.id} states a rule about placeholder functions; "
                         "it has no numerical function")
    symbols = ast.free_symbols(tree)
    varying = {n.name for n in tree.walk() if isinstance(n, ast.Differential)}
    needed = sorted(symbols | {"d" + name for name in varying})
    accepted = set(needed) | set(specs) | {
        "d" + name for _, name in identity.statement_type.varying(identity.record)}
    dims = sorted({name for node in tree.walk() if node.shape is not None
                   for dim in (node.shape.rows, node.shape.cols) for name in dim.names})
    fixed = dict(sizes or {})

    def call(**arrays: Any) -> Any:
        unknown = sorted(set(arrays) - accepted)
        if unknown:
            raise TypeError(f"unexpected arguments: {', '.join(unknown)} (accepted: "
                            f"{', '.join(sorted(accepted))})")
        missing = [n for n in needed if n not in arrays]
        if missing:
            raise TypeError(f"missing arrays: {', '.join(missing)}")
        values: dict[str, Any] = {}
        known = dict(fixed)
        for name, given in arrays.items():
            spec = specs[name] if name in specs else specs[name[1:]]
            value = np.asarray(given, dtype=float)
            value = value.reshape(-1, 1) if value.ndim == 1 else value.reshape(
                value.shape if value.ndim else (1, 1))
            _bind_sizes(name, spec.shape, value.shape, known)
            values[name] = value[None]
        unbound = [d for d in dims if d not in known]
        if unbound:
            raise ValueError(f"no argument fixes the size of {', '.join(unbound)}: pass an "
                             f"array of a variable with that dimension, or "
                             f"sizes={{{unbound[0]!r}: ...}} when creating the function")
        differentials = {n[1:]: values.pop(n) for n in list(values) if n not in specs}
        out = evaluate(tree, Env(1, values, known, differentials))[0]
        return float(out[0, 0]) if out.shape == (1, 1) else out

    call.__name__ = identity.id.replace("-", "_")
    call.__doc__ = f"{identity.title}: evaluates {to_text(tree)}. Arguments: {', '.join(needed)}."
    return call


def _bind_sizes(name: str, shape, actual: tuple[int, ...], sizes: dict[str, int]) -> None:
    """Learn dimension sizes from an array, or raise if it contradicts what is known."""
    if len(actual) != 2:
        raise ValueError(f"{name} must be a matrix of shape {shape}, got {actual}")
    for dim, size in zip((shape.rows, shape.cols), actual, strict=True):
        if len(dim.names) == 1 and dim.coefficient == 1:
            known = sizes.setdefault(dim.names[0], size)
            if known != size:
                raise ValueError(f"{name}: dimension {dim} is {known} elsewhere but {size} here")
        elif dim.size(sizes) != size:
            raise ValueError(f"{name} must be {shape}, got {actual}")
