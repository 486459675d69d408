"""Symbolic dimensions and shapes.

A dimension is a product of dimension names times a positive integer (``n``, ``3``, ``n m``
after a Kronecker product or ``vec``). A shape is a pair of dimensions: every value of the
expression language is a matrix, vectors are ``n×1`` and scalars ``1×1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kb.limits import MAX_DIMENSION

NAME = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?"
"""A symbol or dimension name of a record: ASCII letters and digits, and at most one ``_``
followed by a subscript (``x_1``, ``Sigma_inv``), which is all LaTeX (``latex_name``) and
KaTeX render; ``x_1_`` or a full-width digit would break the page."""
NAME_RE = re.compile(NAME + r"\Z")


@dataclass(frozen=True, order=True)
class Dim:
    coefficient: int = 1
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: int | str) -> Dim:
        """``3`` or ``"3"`` or ``"n"``; raises ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a dimension")
        if isinstance(value, int) or (isinstance(value, str) and value.isascii()
                                      and value.isdigit()):
            number = int(value)
            if number < 1:
                raise ValueError(f"dimension {number} must be a positive integer")
            if number > MAX_DIMENSION:
                raise ValueError(f"dimension {number} is over the limit of {MAX_DIMENSION} "
                                 "(kb/limits.py): name it, e.g. n")
            return cls(number, ())
        if isinstance(value, str) and NAME_RE.match(value):
            return cls(1, (value,))
        raise ValueError(
            f"{value!r} is not a dimension: use a name such as n or n_1 (ASCII letters and "
            "digits) or a positive integer"
        )

    def __mul__(self, other: Dim) -> Dim:
        return Dim(self.coefficient * other.coefficient, tuple(sorted(self.names + other.names)))

    @property
    def is_one(self) -> bool:
        return self.coefficient == 1 and not self.names

    def size(self, sizes: Mapping[str, int]) -> int:
        result = self.coefficient
        for name in self.names:
            result *= sizes[name]
        return result

    def __str__(self) -> str:
        parts = [str(self.coefficient)] if self.coefficient != 1 or not self.names else []
        return "·".join([*parts, *self.names])


ONE = Dim()


@dataclass(frozen=True)
class Shape:
    rows: Dim
    cols: Dim

    @classmethod
    def parse(cls, pair: list[int | str] | tuple[int | str, ...]) -> Shape:
        rows, cols = pair
        return cls(Dim.parse(rows), Dim.parse(cols))

    @property
    def is_scalar(self) -> bool:
        return self.rows.is_one and self.cols.is_one

    @property
    def is_column(self) -> bool:
        return self.cols.is_one and not self.rows.is_one

    @property
    def is_row(self) -> bool:
        return self.rows.is_one and not self.cols.is_one

    @property
    def is_square(self) -> bool:
        return self.rows == self.cols

    @property
    def T(self) -> Shape:
        return Shape(self.cols, self.rows)

    def sizes(self, sizes: Mapping[str, int]) -> tuple[int, int]:
        return self.rows.size(sizes), self.cols.size(sizes)

    def __str__(self) -> str:
        return f"{self.rows}×{self.cols}"


SCALAR = Shape(ONE, ONE)
