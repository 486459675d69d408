"""Errata: where a source prints something wrong, the printed formula rendered, the evidence
and a concrete counter-example; and the page listing every erratum."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.render.blocks import source_line
from kb.render.counterexample import counterexample, matrix_latex
from kb.render.markup import esc, identity_href, math, reading, text
from kb.results import Report
from kb.schema import Source


def erratum_block(identity: Identity, report: Report, sources: Mapping[str, Source],
                  depth: int, by_id: Mapping[str, Identity], on_errata_page: bool = False
                  ) -> str:
    """The erratum of a record, for a page ``depth`` folders deep: its own page, or the
    errata page (with a link to the record). Record ids in the explanation become links."""
    erratum = identity.record.erratum
    assert erratum is not None
    parts = [f"**{source_line(erratum.ref, sources)}** prints: {text(reading(erratum.printed))}",
             "", _link_ids(text(reading(erratum.explanation)), by_id, depth)]
    printed = identity.statement.printed
    if printed is not None:
        parts += ["", "As printed, in this record's notation:", "",
                  math(_printed_statement(identity), display=True)]
    found = counterexample(identity)
    if found is not None:
        parts += ["", _counterexample_block(found)]
    if report.erratum_evidence:
        parts += ["", f"Over the verifier's draws: {text(report.erratum_evidence)}."]
    if on_errata_page:
        parts += ["", f'The correct statement is verified: see <a href="'
                  f'{identity_href(identity, depth)}">{text(reading(identity.title))}</a>.']
    return "\n".join(parts)


_ID = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")


def _link_ids(markdown: str, by_id: Mapping[str, Identity], depth: int) -> str:
    """``see symmetric-gradient-rule`` with the id linked to that record's page."""
    def link(match: re.Match) -> str:
        target = by_id.get(match.group(0))
        if target is None:
            return match.group(0)
        return f'<a href="{identity_href(target, depth)}">{esc(reading(target.title))}</a>'

    return _ID.sub(link, markdown)


def _printed_statement(identity: Identity) -> str:
    """The statement with the printed result in place of the correct one."""
    full = identity.latex(identity.statement.layout if identity.has_layout else "denominator")
    result = latex(identity.result_tree(identity.statement.layout if identity.has_layout
                                        else "denominator"))
    assert identity.statement.printed is not None
    return full[: len(full) - len(result)] + latex(identity.statement.printed)


def _counterexample_block(found) -> str:
    rows = ['<div class="kb-counterexample">', "<p><strong>Counter-example.</strong> One draw "
            "(numbers rounded to two decimals):</p>", "<ul>"]
    for name, value in found.inputs.items():
        shown = matrix_latex(value)
        label = (f"direction {math('V')} for {math(latex_name(found.along))}"
                 if name.startswith("direction") else math(latex_name(name)))
        if shown is not None:
            rows.append(f"<li>{label} = {math(shown)}</li>")
    correct, printed = matrix_latex(found.correct), matrix_latex(found.printed)
    if correct is not None and printed is not None:
        rows.append(f"<li>correct result: {math(correct)}</li>")
        rows.append(f"<li>printed result: {math(printed)}</li>")
    rows.append("</ul>")
    if found.directional is not None:
        measured, right, wrong = found.directional
        rows.append(f"<p>Change of the function along {math('V')} (central difference): "
                    f"<strong>{measured:.4f}</strong>; the correct gradient predicts "
                    f"<strong>{right:.4f}</strong>, the printed one "
                    f"<strong>{wrong:.4f}</strong>.</p>")
    rows.append("</div>")
    return "\n".join(rows)


def errata_page(identities: list[Identity], reports: Mapping[str, Report],
                sources: Mapping[str, Source]) -> list[str]:
    from kb.render.markup import front_matter, identity_url

    lines = [*front_matter("Errata", "Every place a source prints a wrong formula, with the "
                           "corrected identity, a counter-example and the evidence."),
             "# Errata", "", "Every place a source prints something wrong, with the corrected "
             "identity, a counter-example and the evidence. Each corrected statement is "
             "verified; each printed form that can be written in the expression language "
             "fails verification.", ""]
    by_id = {i.id: i for i in identities}
    with_errata = [i for i in sorted(identities, key=lambda i: i.id) if i.record.erratum]
    for identity in with_errata:
        layout = identity.statement.layout if identity.has_layout else "denominator"
        lines += [f"## [{text(reading(identity.title))}]({identity_url(identity)})", "",
                  "Correct:", "", math(identity.latex(layout), display=True), "",
                  erratum_block(identity, reports[identity.id], sources, 1, by_id, True), ""]
    if not with_errata:
        lines.append("No errata yet.")
    return lines
