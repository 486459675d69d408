"""Syntax-tree nodes of the expression language.

The parser (:mod:`kb.grammar`) builds these nodes with ``shape=None``; the shape checker
(:mod:`kb.shapes`) returns a copy of the tree in which every node carries its shape. Every
later stage (numerics, LaTeX, layouts, queries) reads the typed tree only.

``pos`` is the character offset of the node in the source string, for error messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.dims import Shape


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold children (computed once per class)."""
    return tuple(f.name for f in fields(cls) if f.name not in ("pos", "shape"))


@dataclass(frozen=True)
class Node:
    pos: int = field(default=0, compare=False, kw_only=True)
    shape: Shape | None = field(default=None, compare=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        out: list[Node] = []
        # A node class is hashable; mypy reads the dataclass's __hash__ as an instance method.
        for name in _field_names(type(self)):  # type: ignore[arg-type]
            value = getattr(self, name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, tuple):
                out.extend(child for child in value if isinstance(child, Node))
        return tuple(out)

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, parents before children."""
        yield self
        for child in self.children():
            yield from child.walk()

    def with_shape(self, shape: Shape) -> Node:
        return replace(self, shape=shape)


@dataclass(frozen=True)
class Num(Node):
    value: float
    text: str


@dataclass(frozen=True)
class Sym(Node):
    """A declared variable (or, in dimension arguments, a dimension name)."""

    name: str


@dataclass(frozen=True)
class DimSize(Node):
    """A dimension name used as a number, as in ``x^T x / n``."""

    name: str


@dataclass(frozen=True)
class Differential(Node):
    """``dX``: the differential of the variable ``X``."""

    name: str


@dataclass(frozen=True)
class DerivativeOf(Node):
    """``diff(u, x)``: the derivative of the placeholder function ``u`` by ``x``.

    ``layout`` is the layout the derivative is taken in; it is that of the record, and flips
    when a tree is transposed into the other layout.
    """

    func: str
    wrt: str
    layout: str = "denominator"
    order: int = 1
    """1, or 2 for the second derivative by a scalar: ``diff(u, x, 2)``."""


@dataclass(frozen=True)
class NumericDerivative(Node):
    """``diff(expr, x)`` in a derivation step: the derivative of an expression by ``x`` in the
    derivation's layout, evaluated numerically (it only ever appears in steps being checked,
    never in a published result)."""

    arg: Node
    wrt: str
    layout: str = "denominator"


@dataclass(frozen=True)
class DifferentialOf(Node):
    """``diff(expr)`` in a derivation step: the differential d(expr) along the step's
    direction, evaluated numerically."""

    arg: Node


@dataclass(frozen=True)
class ConstMatrix(Node):
    """``I(n)``, ``zeros(n, m)``, ``ones(n, m)``."""

    kind: str
    rows: str
    cols: str


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Inverse(Node):
    arg: Node


@dataclass(frozen=True)
class IntExpr:
    """An integer exponent or bound: a constant plus integer symbols with coefficients,
    as in ``k - 1 - r``."""

    const: int = 0
    terms: tuple[tuple[str, int], ...] = ()

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.terms}

    def __str__(self) -> str:
        parts = []
        for name, coef in self.terms:
            sign = "-" if coef < 0 else "+"
            size = "" if abs(coef) == 1 else str(abs(coef))
            parts.append((sign, f"{size}{name}"))
        if self.const or not parts:
            parts.append(("-" if self.const < 0 else "+", str(abs(self.const))))
        first_sign, first = parts[0]
        text = ("-" if first_sign == "-" else "") + first
        return text + "".join(f" {sign} {item}" for sign, item in parts[1:])


@dataclass(frozen=True)
class Power(Node):
    """Matrix power ``X^k`` (for a 1×1 operand, the scalar power); k may be negative.

    ``symbolic`` holds the integer symbols of an exponent such as ``k - 1``; ``exponent``
    is then its constant part.
    """

    arg: Node
    exponent: int
    symbolic: tuple[tuple[str, int], ...] = ()

    @property
    def power(self) -> IntExpr:
        return IntExpr(self.exponent, self.symbolic)


@dataclass(frozen=True)
class RationalPower(Node):
    """``s^{p/q}``, a rational power of a 1×1 value, or ``X^{∘p/q}`` (``elementwise``), the
    power of every entry (``X^{∘2}`` = ``X ∘ X``). ``den`` ≥ 1 and ``num/den`` is in lowest
    terms; an integer power of a 1×1 value is a :class:`Power`, so ``den`` > 1 unless
    ``elementwise``."""

    arg: Node
    num: int
    den: int = 1
    elementwise: bool = False

    @property
    def exponent_text(self) -> str:
        """``1/3``, ``-1/2``, ``2``: the exponent as written after the optional ``∘``."""
        return f"{self.num}/{self.den}" if self.den != 1 else str(self.num)


@dataclass(frozen=True)
class Summation(Node):
    """``sum_{r=0}^{k-1} F``: a finite sum over an integer index."""

    index: str
    lower: IntExpr
    upper: IntExpr
    body: Node


@dataclass(frozen=True)
class Index(Node):
    """A summation index used as a number."""

    name: str


@dataclass(frozen=True)
class Binary(Node):
    left: Node
    right: Node


@dataclass(frozen=True)
class Add(Binary):
    pass


@dataclass(frozen=True)
class Sub(Binary):
    pass


@dataclass(frozen=True)
class MatMul(Binary):
    """Juxtaposition ``A B`` or ``2 * A``: the matrix product, or scaling when a side is 1×1."""

    explicit: bool = False


@dataclass(frozen=True)
class Div(Binary):
    """``A / c`` with a 1×1 divisor."""


@dataclass(frozen=True)
class Hadamard(Binary):
    pass


@dataclass(frozen=True)
class HadamardDiv(Binary):
    pass


@dataclass(frozen=True)
class Kron(Binary):
    pass


@dataclass(frozen=True)
class Call(Node):
    """A function of the fixed set in :mod:`kb.functions`.

    ``elementwise`` is True for the broadcast spelling ``exp.(X)``.
    """

    func: str
    args: tuple[Node, ...]
    elementwise: bool = False


def map_children(node: Node, f) -> Node:
    """The node with every child ``c`` (and every node in a tuple of children) replaced by
    ``f(c)``; the node itself when nothing changed."""
    changes = {}
    for fld in fields(node):
        value = getattr(node, fld.name)
        if isinstance(value, Node):
            new = f(value)
            if new is not value:
                changes[fld.name] = new
        elif isinstance(value, tuple) and value and isinstance(value[0], Node):
            new_items = tuple(f(v) for v in value)
            if any(a is not b for a, b in zip(new_items, value, strict=True)):
                changes[fld.name] = new_items
    return replace(node, **changes) if changes else node


def free_symbols(node: Node) -> set[str]:
    """Names of the variables a tree mentions (differentials not included), integer symbols
    of exponents and bounds included."""
    names: set[str] = set()
    for n in node.walk():
        if isinstance(n, Sym):
            names.add(n.name)
        elif isinstance(n, DerivativeOf):
            names.update((n.func, n.wrt))
        elif isinstance(n, Power):
            names.update(name for name, _ in n.symbolic)
        elif isinstance(n, Summation):
            names.update((n.lower.names | n.upper.names) - {n.index})
    indices = {n.index for n in node.walk() if isinstance(n, Summation)}
    return names - indices


def differentials(node: Node) -> set[str]:
    """Names of the variables whose differential (``dX``) a tree mentions."""
    return {n.name for n in node.walk() if isinstance(n, Differential)}
