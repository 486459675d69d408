"""The record schema: pydantic models of one identity record and of the sources registry.

A record is one YAML file. The models forbid unknown keys; ``type`` selects the statement
(:mod:`kb.statement_types` describes each type; its models are here). Expressions are strings in
the expression language; they are parsed and shape-checked by :mod:`kb.statement`, not here.
The JSON Schema in ``schema/identity.schema.json`` is exported from these models.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

from kb.arguments import ID
from kb.dims import NAME, Dim
from kb.escape import safe_url
from kb.limits import MAX_ID_LENGTH, MAX_INTEGER
from kb.structures import Structure

# pydantic checks these with Rust's regex, where ``$`` is the end of the text (a trailing
# newline does not pass, unlike Python's ``re``), and the JSON Schema needs ``$``: Python code
# matching them uses the ``\Z``-anchored forms (kb.dims.NAME_RE).
ID_PATTERN = rf"^{ID}$"
NAME_PATTERN = rf"^{NAME}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _dimension(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"a dimension is a name such as n or a positive integer, got {value!r}")
    Dim.parse(value)
    return value


DimensionField = Annotated[StrictInt | StrictStr, BeforeValidator(_dimension)]


class Variable(_Strict):
    """A symbol of the record: its shape in symbolic dimensions and its structure."""

    shape: tuple[DimensionField, DimensionField] = Field(
        description="rows and columns: a dimension name (n) or a positive integer; "
        "[n, 1] is a column vector, [1, 1] a scalar"
    )
    structure: list[Structure] = Field(default_factory=list)
    function_of: str | None = Field(
        default=None,
        description="makes the symbol a placeholder for an arbitrary smooth function of that "
        "variable; the verifier instantiates it with random test functions",
    )
    integer: tuple[StrictInt, StrictInt] | None = Field(
        default=None,
        description="makes a [1, 1] symbol an integer drawn from this inclusive range, for "
        "exponents such as X^{k-1} and summation bounds",
    )
    description: str | None = None

    @model_validator(mode="after")
    def _integer_scalar(self) -> Variable:
        if self.integer is not None:
            low, high = self.integer
            if tuple(self.shape) != (1, 1) or low > high or self.structure or self.function_of:
                raise ValueError("an integer variable has shape [1, 1], no structure, and "
                                 "integer: [low, high] with low <= high")
            if max(abs(low), abs(high)) > MAX_INTEGER:
                raise ValueError(f"an integer variable's range lies within ±{MAX_INTEGER} "
                                 "(kb/limits.py)")
        return self


class SourceRef(_Strict):
    ref: str = Field(description="an entry of identities/sources.yaml")
    locator: str = Field(min_length=1, description="equation, table row, page or section")


class Erratum(_Strict):
    """A place where a source prints something wrong, and why this record differs."""

    ref: str = Field(description="the source that prints the error (an entry of sources.yaml)")
    printed: str = Field(min_length=1, description="what the source prints, in words or LaTeX")
    printed_expression: str | None = Field(
        default=None,
        description="the printed result in the expression language, in place of the record's "
        "result; the verifier must reject it, which is the numerical evidence",
    )
    explanation: str = Field(min_length=1)


class _Record(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH,
                    description="permanent identifier, equal to the file name")
    title: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    variables: dict[Annotated[str, StringConstraints(pattern=NAME_PATTERN)], Variable] = Field(
        description="every symbol of the statement; reserved names (function names, T) and "
        "dX for a variable X are refused when the record is compiled"
    )
    sources: list[SourceRef] = Field(min_length=1)
    conditions: list[str] = Field(
        default_factory=list,
        description="structures of compound expressions, where one variable's structure is "
        "not enough: structure(expression), e.g. invertible(X + A) or positive(det(Y))",
    )
    notes: str | None = None
    erratum: Erratum | None = None

    @field_validator("sources")
    @classmethod
    def _once(cls, sources: list[SourceRef]) -> list[SourceRef]:
        refs = [s.ref for s in sources]
        repeated = sorted({r for r in refs if refs.count(r) > 1})
        if repeated:
            raise ValueError(f"cite each source once ({', '.join(repeated)} repeats): put "
                             "several locators in one string")
        return sources



class DerivativeRecord(_Record):
    type: Literal["derivative"]
    expression: str
    wrt: str
    layout: Literal["denominator", "numerator"]
    derivative: str


class DifferentialRecord(_Record):
    type: Literal["differential"]
    expression: str
    wrt: list[str] = Field(min_length=1, description="the variables that vary")
    differential: str

    @field_validator("wrt", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class HessianRecord(_Record):
    type: Literal["hessian"]
    expression: str
    wrt: str
    hessian: str


class EqualityRecord(_Record):
    type: Literal["equality"]
    lhs: str
    rhs: str


class EinsumTerm(_Strict):
    """One term of an index-notation step: ``scale * einsum(spec, *arrays)``."""

    spec: str = Field(pattern=r"^[a-z,]*->[a-z]{0,2}$",
                      description="numpy einsum subscripts over named arrays, e.g. 'ad,a->d'")
    arrays: list[str] = Field(description="one expression per operand; a column vector takes "
                              "one index, a scalar none")
    scale: str = Field(default="1", description="a 1×1 expression multiplying the term")


class Step(_Strict):
    """One step of a derivation: an expression (or index notation) and why it holds."""

    kind: Literal["value", "differential", "derivative"] | None = Field(
        default=None, description="what the step is equal to: the goal itself, its "
        "differential (with dX as a random direction) or its derivative; default: as the "
        "step before, and 'value' for the first step")
    expression: str | None = None
    einsum: list[EinsumTerm] | None = Field(default=None, description="index notation: "
                                            "the sum of the terms")
    justification: str = Field(min_length=1)
    cites: list[str] = Field(default_factory=list, description="ids of records used")

    @model_validator(mode="after")
    def _one_form(self) -> Step:
        if (self.expression is None) == (self.einsum is None):
            raise ValueError("a step has either an expression or einsum terms")
        return self


class DerivationRecord(_Record):
    """A worked derivation of the gradient of ``goal``, every step checked."""

    type: Literal["derivation"]
    goal: str = Field(description="the function being differentiated")
    wrt: str
    layout: Literal["denominator", "numerator"]
    result: str = Field(description="the derivative the derivation arrives at")
    steps: list[Step] = Field(min_length=1)


Record = Annotated[
    DerivativeRecord | DifferentialRecord | HessianRecord | EqualityRecord | DerivationRecord,
    Field(discriminator="type"),
]


@cache
def record_adapter() -> TypeAdapter[Record]:
    """Built on first use: building validators is most of the import time of this module."""
    return TypeAdapter(Record)


class Source(_Strict):
    """An entry of the sources registry."""

    title: str
    short: str | None = Field(default=None, description="a short name for tables")
    authors: list[str] = Field(min_length=1)
    version: str | None = Field(default=None, description="edition or version date")
    year: int | None = None
    url: str | None = Field(default=None, description="an http or https address")
    license: str | None = None
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        # The site links it: javascript: or raw HTML would run in the reader's browser.
        if url is not None and safe_url(url) is None:
            raise ValueError("a source's url is an http:// or https:// address, without "
                             "spaces, quotes or angle brackets")
        return url

    @model_validator(mode="after")
    def _dated(self) -> Source:
        if self.version is None and self.year is None:
            raise ValueError("a source needs a version or a year")
        return self


@cache
def sources_adapter() -> TypeAdapter[dict[str, Source]]:
    return TypeAdapter(dict[str, Source])


class Uncovered(_Strict):
    """A place in a source that states no identity of its own, and why."""

    locator: str = Field(min_length=1, description="eq. N, or eqs. N–M")
    reason: str = Field(min_length=1)


@cache
def uncovered_adapter() -> TypeAdapter[dict[str, list[Uncovered]]]:
    return TypeAdapter(dict[str, list[Uncovered]])


def json_schema() -> dict:
    """The JSON Schema of a record file, for editors (yaml-language-server)."""
    schema = record_adapter().json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Matrix-calculus identity record"
    return schema
