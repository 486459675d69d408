"""Which field of a record gives a formula KaTeX rejects.

The site's math is rendered in batches of whole page formulas; when KaTeX rejects one, the
build names the record (the pages whose formulas include it) and the field, found by
rendering each field's own LaTeX alone (only on this failure path), as a ``path:line:col``
diagnostic of the record's file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from kb.diagnostics import Diagnostic
from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.render.markup import topic_of

FieldPath = tuple[str | int, ...]


def field_formulas(identity: Identity) -> Iterator[tuple[FieldPath, str]]:
    """(field, LaTeX) of everything of a record that the pages show as math."""
    record = identity.record
    for name, var in record.variables.items():
        yield ("variables", name), latex_name(name)
        rows, cols = var.shape
        yield ("variables", name, "shape"), f"{rows} \\times {cols}"
    for field, tree in identity.statement.trees.items():
        yield (field,), latex(tree)
    for index, step in enumerate(identity.statement.steps):
        if step.tree is not None:
            yield ("steps", index, "expression"), latex(step.tree)


def locate_formula(tex: str, error: str, pages: Mapping[str, list[str]],
                   identities: list[Identity], render: Callable[[str], object]
                   ) -> list[Diagnostic]:
    """The records whose pages carry the rejected ``tex``, each at the field whose LaTeX
    KaTeX rejects alone (``render`` raises then), else at its id. ``pages`` maps a page's
    path to the TeX of its formulas."""
    from kb.katex import KatexError

    holding = {path for path, formulas in pages.items() if tex in formulas}
    own = [i for i in identities if any(path.endswith(f"/{i.id}.md") for path in holding)]
    # A formula only a cheat-sheet shows: the records of that sheet whose field fails alone.
    sheets = {path.removeprefix("cheatsheets/").removesuffix(".md") for path in holding}
    listed = [i for i in identities if i not in own and topic_of(i) in sheets]
    found = []
    for identity in own + listed:
        where: FieldPath | None = None
        message = error
        for field, field_tex in field_formulas(identity):
            try:
                render(field_tex)
            except KatexError as exc:
                where, message = field, exc.error
                break
        if where is None and identity not in own:
            continue
        where = where or ("id",)
        name = ".".join(map(str, where))
        found.append(identity.diagnostic(
            where, f"KaTeX cannot render {name}: {message}", "KB104"))
    return found
