"""The result of ``derive``: a verified derivation, step by step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kb import ast
from kb.layouts import LAYOUTS
from kb.printer import to_text
from kb.shapes import VarSpec

from .errors import DeriveError

PRESENTERS: dict[str, Callable[[Derivation], Any]] = {}
"""How a derivation is presented, by format; filled by :mod:`kb.derive.present` (imported
with the package), so that this module does not import its presenters."""


def presenter(name: str) -> Callable[[Callable[[Derivation], Any]], Callable[[Derivation], Any]]:
    """Register the presenter of a format."""
    def register(function: Callable[[Derivation], Any]) -> Callable[[Derivation], Any]:
        PRESENTERS[name] = function
        return function
    return register


@dataclass(frozen=True)
class Step:
    """One step: an expression equal to the goal's differential or derivative, why it holds,
    and the catalog records it uses."""

    expression: str
    justification: str
    uses: tuple[str, ...]
    kind: str
    tree: ast.Node = field(repr=False, compare=False)


@dataclass
class Derivation:
    """A derivative derived by the differential method, every step verified.

    ``shapes`` maps each symbol to its (rows, cols), given or assumed; ``assumptions`` the
    structure each variable was given or assumed to have (so that the check can sample it).
    """

    expression: str
    wrt: str
    shapes: dict[str, tuple[str, str]]
    assumptions: dict[str, list[str]]
    kind: str | None
    layout: str
    order: int
    steps: list[Step]
    report: Any
    goal: ast.Node = field(repr=False)
    differential_tree: ast.Node = field(repr=False)
    derivatives: dict[str, ast.Node] | None = field(repr=False)
    specs: dict[str, VarSpec] = field(repr=False)
    record: dict[str, Any] = field(repr=False)
    inferred: list[str] = field(default_factory=list)
    reports: list = field(default_factory=list)
    """The symbols whose shape was assumed, not given."""

    # ---- the answer -----------------------------------------------------------------------
    def derivative_tree(self, layout: str = "denominator") -> ast.Node:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        if self.derivatives is None:
            raise DeriveError(f"the derivative of a {self.goal.shape} value by a "
                              f"{self.specs[self.wrt].shape} variable has no matrix form: "
                              "see .differential()")
        return self.derivatives[layout]

    def derivative(self, layout: str = "denominator") -> str:
        """The derivative (for order 2, the Hessian) in the expression language."""
        return to_text(self.derivative_tree(layout))

    def differential(self) -> str:
        """dF in canonical form: tr(M dX), M dx, J dx or M dt (matrix by matrix: tidy dF)."""
        return to_text(self.differential_tree)

    def derivative_function(self, layout: str = "denominator") -> Callable[..., Any]:
        """A numpy callable of the derivative; arrays by symbol name bind every dimension."""
        import numpy as np

        from kb.identity import _bind_sizes
        from kb.numeric import Env, evaluate

        tree = self.derivative_tree(layout)
        needed = sorted(ast.free_symbols(tree))
        specs = self.specs

        def call(**arrays: Any) -> Any:
            missing = [n for n in needed if n not in arrays]
            if missing:
                raise TypeError(f"missing arrays: {', '.join(missing)}")
            values: dict[str, Any] = {}
            sizes: dict[str, int] = {}
            for name in needed:
                value = np.asarray(arrays[name], dtype=float)
                value = value.reshape(-1, 1) if value.ndim == 1 else value.reshape(
                    value.shape if value.ndim else (1, 1))
                _bind_sizes(name, specs[name].shape, value.shape, sizes)
                values[name] = value[None]
            for dim in _dimension_names(tree):
                if dim not in sizes:
                    raise TypeError(f"dimension {dim} is not bound by the arrays given: pass "
                                    f"the variables ({', '.join(sorted(specs))})")
            out = evaluate(tree, Env(1, values, sizes))[0]
            return float(out[0, 0]) if out.shape == (1, 1) else out

        call.__doc__ = f"evaluates {to_text(tree)}; arguments: {', '.join(needed)}"
        return call

    # ---- presentations (kb.derive.present registers them) ------------------------------
    def latex(self) -> str:
        """An aligned derivation for course notes."""
        return PRESENTERS["latex"](self)

    def markdown(self) -> str:
        return PRESENTERS["markdown"](self)

    def to_yaml(self) -> str:
        """A derivation record that ``kb verify`` accepts, compiled and verified again."""
        return PRESENTERS["to_yaml"](self)

    def to_dict(self) -> dict[str, Any]:
        return PRESENTERS["to_dict"](self)

    def text(self) -> str:
        return PRESENTERS["text"](self)

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __repr__(self) -> str:
        answer = (self.derivative(self.layout) if self.derivatives is not None
                  else self.differential())
        return f"<Derivation d/d{self.wrt} {self.expression} = {answer}>"


def _dimension_names(tree: ast.Node) -> set[str]:
    names = set()
    for node in tree.walk():
        if node.shape is not None:
            names |= set(node.shape.rows.names) | set(node.shape.cols.names)
    return names
