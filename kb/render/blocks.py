"""Pieces shared by record pages: formulas with a copy button, the variables table, source
lines, the verification summary and the plain-text form of a statement."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from kb.functions import GREEK
from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.printer import to_text
from kb.render.labels import structure_label
from kb.render.markup import esc, math, reading, safe_url, text
from kb.results import Report
from kb.schema import Source


def left(identity: Identity, layout: str = "denominator") -> str:
    """The left side of the statement, as LaTeX, without the result."""
    full = identity.latex(layout)
    result = latex(identity.result_tree(layout))
    return full[: len(full) - len(result)].rstrip().removesuffix("=").rstrip()


def copy_button(tex: str, what: str) -> str:
    """A button that copies ``tex``; ``what`` says which form (and layout) it copies."""
    return (f'<button class="kb-copy" type="button" data-search-exclude data-latex="{esc(tex)}" '
            f'aria-label="Copy the LaTeX of the {esc(what)}" title="Copy the LaTeX of the '
            f'{esc(what)}">Copy LaTeX <span class="kb-copy-what">({esc(what)})</span></button>')


def copyable(tex: str, caption: str, what: str, css: str = "") -> str:
    """A display formula with its caption and a copy button."""
    return (f'<div class="kb-formula {css}">\n<div class="kb-caption">{esc(caption)}</div>\n'
            f"{math(tex, display=True)}\n{copy_button(tex, what)}\n</div>")


_NAME = re.compile(r"\b([A-Za-z]+)\b")


def _greek(formula: str) -> str:
    """Greek variable names as letters: ``Sigma`` → ``Σ``, ``mu`` → ``μ``."""
    def letter(match: re.Match) -> str:
        name = match.group(1)
        if name.lower() not in GREEK:
            return name
        case = "CAPITAL" if name[0].isupper() else "SMALL"
        unicode_name = name.upper().replace("LAMBDA", "LAMDA")  # Unicode's spelling
        try:
            return unicodedata.lookup(f"GREEK {case} LETTER {unicode_name}")
        except KeyError:
            return name

    return _NAME.sub(letter, formula)


def plain(identity: Identity, layout: str = "denominator") -> str:
    """The statement in plain Unicode text, for search results and copying as text."""
    result = _greek(reading(to_text(identity.result_tree(layout))))
    expression = _greek(reading(identity.expression))
    if identity.type == "equality":
        return f"{expression} = {result}"
    if identity.type == "differential":
        return f"d({expression}) = {result}"
    st = identity.statement
    wrt = _greek(st.wrt)
    if identity.type == "hessian" and st.specs[st.wrt].shape.is_scalar:
        return f"∂²/∂{wrt}² ({expression}) = {result}"
    if identity.type == "hessian":
        return f"∂²/∂{wrt}∂{wrt}ᵀ ({expression}) = {result}"
    return f"∂/∂{wrt} ({expression}) = {result}"


def variables_table(identity: Identity) -> str:
    rows = []
    for name, var in identity.record.variables.items():
        rows_, cols = var.shape
        notes = [structure_label(str(s)) for s in var.structure]
        if var.function_of:
            notes.append(f"smooth function of {var.function_of}")
        if var.integer:
            notes.append(f"integer from {var.integer[0]} to {var.integer[1]}")
        shape = f"{rows_} \\times {cols}"
        rows.append(f"<tr><td>{math(latex_name(name))}</td><td>{math(shape)}</td>"
                    f"<td>{esc(', '.join(notes)) or 'any'}</td></tr>")
    declared = identity.statement.conditions  # on compound expressions, e.g. X + A invertible
    conditions = ("<p>Conditions: " + "; ".join(
        f"{math(latex(c.tree))} {esc(structure_label(str(c.structure)))}" for c in declared)
        + ".</p>") if declared else ""
    return ('<table class="kb-variables"><thead><tr><th scope="col">Symbol</th>'
            '<th scope="col">Shape</th><th scope="col">Structure</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>" + conditions)


def source_line(ref: str, sources: Mapping[str, Source]) -> str:
    """A source in Markdown: its title, linked when it has an address, and its version."""
    source = sources.get(ref)
    if source is None:
        return text(ref)
    label = text(source.title)
    url = safe_url(source.url)
    if url:  # raw HTML: a Markdown link would end at a ")" in the address
        label = f'<a href="{esc(url)}">{label}</a>'
    version = f" ({text(source.version)})" if source.version else ""
    return f"{label}{version}"


def sources_list(identity: Identity, sources: Mapping[str, Source]) -> list[str]:
    return [f"- {source_line(ref.ref, sources)}, {text(reading(ref.locator))}"
            for ref in identity.record.sources]


def verification(report: Report) -> str:
    checks = "".join(f"<tr><td>{esc(name)}</td><td>{error:.1e}</td></tr>"
                     for name, error in report.checks.items())
    return (f'<p class="kb-verified">✔ Verified numerically: {esc(report.method)}; '
            f"{report.draws} draws; worst relative error {report.worst_error:.1e}; "
            f"random seed {report.seed}.</p>\n"
            '<table class="kb-checks"><thead><tr><th scope="col">Form</th>'
            '<th scope="col">Worst relative error</th>'
            f"</tr></thead><tbody>{checks}</tbody></table>")
