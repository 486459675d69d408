"""Shapes of the symbols of an expression, inferred when not given.

Each symbol not given a shape starts from a default read off its name:

- a name in :data:`SCALAR_NAMES` (``alpha``, ``lambda``, ``s``, ``t``, …) is a scalar;
- any other name starting with a lowercase letter (``x``, ``theta``, ``mu``) is a column
  vector, ``n×1``;
- a name starting with an uppercase letter (``X``, ``Sigma``) is a matrix, ``n×m``.

The unknown dimensions are then unified through the expression (a product's inner dimensions
agree, a sum's shapes agree, a trace's argument is square, …), and those left are named
``n, m, p, q, …`` in order of appearance, the variable's first. The shape checker of
:mod:`kb.shapes` then types the tree with the result, so a contradiction is reported the
usual way, at its position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kb import ast
from kb.dims import ONE, Dim, Shape
from kb.grammar import ExpressionError

from .errors import DeriveError

SCALAR_NAMES = frozenset({"alpha", "beta", "gamma", "delta", "epsilon", "eta", "kappa",
                          "lambda", "nu", "rho", "sigma", "tau", "omega", "s", "t"})
DIMENSION_NAMES = ("n", "m", "p", "q", "r", "k", "l", "j", "i", "u", "v", "w")

# A dimension term: an int id of a unification variable, or a Dim constant.


@dataclass
class _Unifier:
    text: str
    parent: dict[int, int] = field(default_factory=dict)
    value: dict[int, object] = field(default_factory=dict)
    """root → Dim constant or ("prod", term, term)."""
    count: int = 0

    def fresh(self) -> int:
        self.count += 1
        self.parent[self.count] = self.count
        return self.count

    def find(self, t):
        if not isinstance(t, int):
            return t
        while self.parent[t] != t:
            self.parent[t] = self.parent[self.parent[t]]
            t = self.parent[t]
        return t

    def resolve(self, t):
        """A root id, or its bound value (a Dim or a product)."""
        t = self.find(t)
        if isinstance(t, int) and t in self.value:
            return self.value[t]
        return t

    def unify(self, a, b, pos: int, what: str) -> None:
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return
        if isinstance(a, int) or isinstance(b, int):
            var, other = (a, b) if isinstance(a, int) else (b, a)
            if isinstance(other, int):
                self.parent[var] = other
            else:
                self.value[var] = other
            return
        if isinstance(a, tuple) and isinstance(b, tuple):
            self.unify(a[1], b[1], pos, what)
            self.unify(a[2], b[2], pos, what)
            return
        if isinstance(a, tuple) or isinstance(b, tuple):
            prod, other = (a, b) if isinstance(a, tuple) else (b, a)
            if other == ONE:
                self.unify(prod[1], ONE, pos, what)
                self.unify(prod[2], ONE, pos, what)
                return
            raise DeriveError("cannot infer the shapes around a Kronecker product or vec(): "
                              "give them with --shape NAME=ROWS,COLS")
        raise ExpressionError(f"{what}: dimensions {a} and {b} differ", pos, self.text)

    def is_one(self, t) -> bool:
        return self.resolve(t) == ONE


def _default(name: str, u: _Unifier) -> tuple:
    if name in SCALAR_NAMES:
        return (ONE, ONE)
    if name[0].islower():
        return (u.fresh(), ONE)
    return (u.fresh(), u.fresh())


def _given(pair) -> tuple[Dim, Dim]:
    try:
        shape = Shape.parse(pair)
    except (ValueError, TypeError) as exc:
        raise DeriveError(f"bad shape {pair!r}: {exc}") from None
    return (shape.rows, shape.cols)


class _Walker:
    def __init__(self, u: _Unifier, given: Mapping[str, tuple], variables: dict[str, tuple]):
        self.u, self.given, self.variables = u, given, variables
        self.dimensions = {str(d) for pair in given.values() for d in pair
                           if not str(d).isdigit()} - set(given)

    def sym(self, name: str) -> tuple:
        if name in self.dimensions:
            return (ONE, ONE)  # a dimension used as a number, as in x^T x / n
        if name not in self.variables:
            self.variables[name] = (_given(self.given[name]) if name in self.given
                                    else _default(name, self.u))
        return self.variables[name]

    def square(self, shape: tuple, pos: int, what: str) -> None:
        self.u.unify(shape[0], shape[1], pos, f"{what} needs a square matrix")

    def scalar(self, shape: tuple) -> bool:
        return self.u.is_one(shape[0]) and self.u.is_one(shape[1])

    def walk(self, node: ast.Node) -> tuple:
        u = self.u
        match node:
            case ast.Num() | ast.DimSize():
                return (ONE, ONE)
            case ast.Sym(name=name):
                return self.sym(name)
            case ast.Neg(arg=arg):
                return self.walk(arg)
            case ast.Transpose(arg=arg):
                rows, cols = self.walk(arg)
                return (cols, rows)
            case ast.Inverse(arg=arg) | ast.Power(arg=arg):
                shape = self.walk(arg)
                self.square(shape, node.pos, "a power or inverse")
                return shape
            case ast.Add(left=a, right=b) | ast.Sub(left=a, right=b) | ast.Hadamard(
                    left=a, right=b) | ast.HadamardDiv(left=a, right=b):
                left, right = self.walk(a), self.walk(b)
                u.unify(left[0], right[0], b.pos, "a sum or element-wise product")
                u.unify(left[1], right[1], b.pos, "a sum or element-wise product")
                return left
            case ast.MatMul(left=a, right=b):
                left, right = self.walk(a), self.walk(b)
                if self.scalar(left):
                    return right
                if self.scalar(right):
                    return left
                u.unify(left[1], right[0], b.pos, "a matrix product")
                return (left[0], right[1])
            case ast.Div(left=a, right=b):
                left, right = self.walk(a), self.walk(b)
                u.unify(right[0], ONE, node.pos, "a divisor must be 1×1")
                u.unify(right[1], ONE, node.pos, "a divisor must be 1×1")
                return left
            case ast.Kron(left=a, right=b):
                left, right = self.walk(a), self.walk(b)
                return (("prod", left[0], right[0]), ("prod", left[1], right[1]))
            case ast.ConstMatrix(rows=rows, cols=cols):
                return (Dim.parse(rows), Dim.parse(cols))
            case ast.Call():
                return self.call(node)
        raise DeriveError(f"{type(node).__name__} is not allowed in an expression to derive "
                          "(diff(), sums over an index and differentials are for records)")

    def call(self, node: ast.Call) -> tuple:
        u, func = self.u, node.func
        shapes = [self.walk(a) for a in node.args[:1]]
        (arg,) = shapes
        if func in ("tr", "det"):
            self.square(arg, node.pos, f"{func}()")
            return (ONE, ONE)
        if func in ("eigval", "eigvec"):
            self.square(arg, node.pos, f"{func}()")
            return (ONE, ONE) if func == "eigval" else (arg[0], ONE)
        if func in ("adj", "expm", "logm", "sinm", "cosm", "sqrtm"):
            self.square(arg, node.pos, f"{func}()")
            return arg
        if func == "diag":
            self.square(arg, node.pos, "diag()")
            return (arg[0], ONE)
        if func == "diagm":
            u.unify(arg[1], ONE, node.pos, "diagm() takes a column vector")
            return (arg[0], arg[0])
        if func == "norm":
            if not u.is_one(arg[0]):
                u.unify(arg[1], ONE, node.pos, "norm() takes a vector")
            return (ONE, ONE)
        if func in ("norm_F", "sum"):
            return (ONE, ONE)
        if func == "vec":
            return (("prod", arg[0], arg[1]), ONE)
        if func == "pinv":
            return (arg[1], arg[0])
        if not node.elementwise:  # a scalar function
            u.unify(arg[0], ONE, node.pos, f"{func}() takes a 1×1 value (write {func}.(…) "
                    "for the element-wise function)")
            u.unify(arg[1], ONE, node.pos, f"{func}() takes a 1×1 value")
        return arg


def infer_shapes(tree: ast.Node, wrt: str, given: Mapping[str, tuple] | None,
                 text: str, square: frozenset[str] = frozenset()) -> dict[str, Shape]:
    """The shape of every symbol of ``tree``: the given ones, the others inferred.
    ``square`` names the symbols whose structure makes them square (symmetric, …)."""
    given = dict(given or {})
    u = _Unifier(text)
    variables: dict[str, tuple] = {}
    walker = _Walker(u, given, variables)
    for name in square:
        walker.square(walker.sym(name), 0, f"{name} is assumed square")
    names_in_order = [n.name for n in tree.walk() if isinstance(n, ast.Sym)]
    walker.sym(wrt)  # first, so its dimensions are named n, m; also when it does not appear
    walker.walk(tree)
    for name in given:
        if name not in variables and name != wrt:
            raise DeriveError(f"--shape names '{name}', which is not in the expression")
    taken = set(variables) | {d for pair in given.values() for d in map(str, pair)}
    free = (n for n in DIMENSION_NAMES if n not in taken)
    names: dict[int, Dim] = {}

    def final(t) -> Dim:
        t = u.resolve(t)
        if isinstance(t, Dim):
            return t
        if isinstance(t, tuple):
            return final(t[1]) * final(t[2])
        if t not in names:
            try:
                names[t] = Dim.parse(next(free))
            except StopIteration:
                raise DeriveError("too many dimensions to name: give shapes with "
                                  "--shape") from None
        return names[t]

    order = [wrt] + [n for n in dict.fromkeys(names_in_order) if n != wrt]
    return {name: Shape(final(variables[name][0]), final(variables[name][1]))
            for name in order if name in variables}
