"""Problems reported to the user as ``path:line:col: KB123 message``, and their codes.

Every diagnostic carries a stable code from :data:`CODES`, the one table of what can go wrong
with a record, what it means and how to fix it (``site/records.md`` shows it; a test keeps the
two equal). A problem that concerns a file as a whole (it is missing, unreadable) has no
position and prints as ``path: KB123 message``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    """One kind of problem: its stable code, a short name, what it means and how to fix it."""

    code: str
    name: str
    meaning: str
    fix: str


CODES: dict[str, Code] = {c.code: c for c in (
    # ---- files and YAML
    Code("KB001", "unreadable-file", "the file cannot be read or is not UTF-8",
         "save the file as UTF-8 text"),
    Code("KB002", "invalid-yaml", "the file is not valid YAML",
         "fix the syntax at the position shown (tabs, brackets, indentation)"),
    Code("KB003", "duplicate-key", "a key appears twice in one mapping",
         "keep one of the two keys"),
    Code("KB004", "not-a-mapping", "the record is not a YAML mapping of fields",
         "write the record as `field: value` lines"),
    Code("KB005", "no-such-path", "a path given on the command line does not exist",
         "check the path"),
    Code("KB006", "no-sources-registry", "no sources.yaml at or above the record's folder",
         "add a sources.yaml to the catalog folder"),
    Code("KB007", "refused-file", "not a regular file, larger than the size limit, or a "
         "link leading out of the catalog folder", "records are regular files inside the "
         "catalog folder, within the limits below"),
    Code("KB008", "forbidden-character", "a control character, a tab or a bidirectional "
         "control in the file", "remove it; indent with spaces"),
    Code("KB009", "refused-yaml", "a YAML alias or anchor, a mapping or list used as a key, "
         "or nesting deeper than the limit", "write the values out, with names as keys"),
    Code("KB010", "second-registry", "a sources.yaml below the catalog folder, or a source "
         "id defined differently in two registries", "keep every source in the catalog's "
         "one sources.yaml"),
    # ---- the schema
    Code("KB101", "unknown-field", "a field the schema does not have",
         "remove it or fix its spelling (see the fields tables)"),
    Code("KB102", "missing-field", "a required field is missing", "add the field"),
    Code("KB103", "unknown-type", "`type` is not a statement type",
         "use one of the statement types above"),
    Code("KB104", "invalid-value", "a field's value has the wrong form or is out of range",
         "follow the message: it names the field and what is expected"),
    Code("KB105", "id-not-file-name", "the id differs from the file name",
         "rename the file or change the id"),
    Code("KB106", "unknown-source", "`ref` names no entry of sources.yaml",
         "add the source to sources.yaml or fix the name"),
    Code("KB107", "duplicate-id", "two records have the same id", "rename one of them"),
    Code("KB108", "unknown-citation", "a derivation step cites an id no record has",
         "cite an existing record id"),
    Code("KB109", "citation-cycle", "a derivation cites itself, directly or through other "
         "derivations", "cite the records the step applies, not the derivation"),
    # ---- variables and the statement
    Code("KB201", "reserved-name", "a variable is named like a function, T or I",
         "rename the variable"),
    Code("KB202", "differential-name", "a variable named dX while X is declared too",
         "rename the variable"),
    Code("KB203", "undeclared-function-of", "`function_of` names an undeclared variable",
         "declare the variable or fix the name"),
    Code("KB204", "bad-wrt", "`wrt` is undeclared, a placeholder function or an integer",
         "differentiate by a declared, ordinary variable"),
    Code("KB205", "unused-variable", "a declared variable appears in no expression",
         "remove it or use it"),
    Code("KB206", "placeholder-in-derivation", "a derivation declares a placeholder function",
         "write the function out in the goal"),
    Code("KB207", "bad-dimension-name", "a dimension is named like a function (I, tr, …) "
         "or a variable", "rename the dimension"),
    # ---- expressions
    Code("KB301", "syntax-error", "an expression does not parse",
         "fix the expression at the caret (see the syntax page)"),
    Code("KB302", "undeclared-symbol", "an expression uses a name that is not declared, or "
         "the differential dX of a variable that does not vary",
         "declare it under variables (or list X under wrt)"),
    Code("KB303", "shape-error", "an expression's shapes do not conform",
         "fix the expression or the declared shapes"),
    Code("KB304", "wrong-result-shape", "a result (or a step) has the wrong shape for its "
         "type, kind and layout", "check the layout, or a missing transpose"),
    Code("KB305", "no-matrix-form", "the derivative has no matrix form (matrix by matrix, "
         "or a Hessian of a non-scalar)", "state it as a differential record"),
    Code("KB306", "bad-step", "a derivation step is malformed (einsum indices, kinds)",
         "follow the message"),
    Code("KB307", "bad-condition", "a condition is not structure(expression) with a known "
         "structure, or the structure needs a square expression",
         "write e.g. invertible(X + A); the message lists the structures"),
    Code("KB308", "over-limit", "an expression is over a limit: its length or nesting, a "
         "number's digits, an integer's size or a summation's number of terms",
         "keep within the limits listed on this page"),
    # ---- verification
    Code("KB401", "does-not-hold", "a published form differs numerically from the truth",
         "fix the result; the message names the form, the error and the seed"),
    Code("KB402", "not-finite", "a form evaluates to NaN or infinity on a draw",
         "add structure to the variables (spd, positive, …) so the draw is in the domain"),
    Code("KB403", "cannot-sample", "the variables cannot be sampled as declared",
         "fix the shapes or structures (e.g. symmetric needs a square shape)"),
    Code("KB404", "linear-algebra-failed", "a linear-algebra routine failed on every draw",
         "check for a singular inverse; add invertible or spd"),
    Code("KB405", "erratum-verifies", "an erratum's printed form verifies too",
         "either the source is right or printed_expression is mistyped"),
    Code("KB406", "internal-error", "the loader or the verifier itself failed",
         "please report it"),
    Code("KB407", "not-converged", "the finite differences converged on too few draws",
         "make the expression differentiable where the variables are drawn (add structure "
         "or a condition)"),
)}


@dataclass(frozen=True)
class Diagnostic:
    """A problem at a place of a file; ``line`` and ``col`` are 1-based, or both None for a
    problem of the whole file. ``detail`` is printed on the lines after the message."""

    path: Path
    line: int | None
    col: int | None
    message: str
    code: str
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}: add it to CODES")
        if (self.line is None) != (self.col is None):
            raise ValueError("a diagnostic has both a line and a column, or neither")

    @property
    def where(self) -> str:
        """``path:line:col`` or ``path``."""
        if self.line is None:
            return display_path(self.path)
        return f"{display_path(self.path)}:{self.line}:{self.col}"

    def __str__(self) -> str:
        text = f"{self.where}: {self.code} {self.message}"
        return text if self.detail is None else f"{text}\n{self.detail}"


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


class CatalogError(Exception):
    """Raised by strict loading when a catalog has problems; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


def codes_table() -> str:
    """The codes as a Markdown table, as ``site/records.md`` shows them (a test compares)."""
    rows = [f"| `{c.code}` | {c.name} | {c.meaning} | {c.fix} |" for c in CODES.values()]
    return "\n".join(["| code | name | meaning | how to fix |", "|---|---|---|---|", *rows])
