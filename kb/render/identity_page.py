"""The page of one identity: statement in both layouts, variables, sources, erratum,
verification, related records and how to cite it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kb.identity import Identity
from kb.layouts import LAYOUTS
from kb.render.blocks import copyable, plain, sources_list, variables_table, verification
from kb.render.cite import cite_block
from kb.render.errata import erratum_block
from kb.render.labels import kind_label
from kb.render.markup import esc, front_matter, reading, text
from kb.render.search_keys import search_tags
from kb.results import Report
from kb.schema import Source

IDENTITY_BOOST = 3
"""Search weight of a record page against a cheat-sheet (which lists the same formulas)."""


def header(identity: Identity, facts: list[str], layout: str = "denominator") -> list[str]:
    """Front matter, title, the plain-text answer (what a search result shows) and facts."""
    answer = plain(identity, layout)
    lines = [*front_matter(reading(identity.title), answer, IDENTITY_BOOST,
                           search_tags(identity)),
             f"# {text(reading(identity.title))}", "",
             f'<p class="kb-answer"><span class="kb-answer-label">As text:</span> '
             f"{esc(answer)}</p>", ""]
    lines += ['<p class="kb-facts">' + " · ".join(esc(f) for f in dict.fromkeys(facts))
              + "</p>", ""]
    return lines


def identity_page(identity: Identity, report: Report, sources: Mapping[str, Source],
                  related: list[Identity], yaml_name: str,
                  derivations: Sequence[Identity] = (), site_url: str | None = None,
                  by_id: Mapping[str, Identity] | None = None) -> str:
    record = identity.record
    facts = [kind_label(identity.kind or identity.type), *identity.tags]
    stated = identity.statement.layout if identity.has_layout else "denominator"
    lines = header(identity, facts, stated)
    if identity.aliases:
        lines += ["Also known as: " + ", ".join(text(reading(a)) for a in identity.aliases)
                  + ".", ""]
    lines += ["## Statement", ""]
    if identity.type == "derivative" and identity.kind != "scalar-by-scalar":
        for layout in LAYOUTS:
            caption = f"{layout.capitalize()} layout"
            if layout == identity.statement.layout:
                caption += " (as stated)"
            lines += [copyable(identity.latex(layout), caption, f"{layout} layout",
                               f"kb-{layout}"), ""]
    else:
        caption = ("Both layouts" if identity.type == "derivative"
                   else identity.type.capitalize())
        lines += [copyable(identity.latex(), caption, caption.lower()), ""]
    differential = (identity.differential_latex()
                    if identity.statement_type.differential_form else None)
    if differential:
        lines += ["## Differential form", "",
                  copyable(differential, "Differential", "differential form"), ""]
    lines += ["## Variables", "", variables_table(identity), ""]
    if record.notes:
        lines += ["## Notes", "", text(reading(record.notes)), ""]
    lines += ["## Sources", "", *sources_list(identity, sources), ""]
    if record.erratum:
        lines += ["## Erratum", "", erratum_block(identity, report, sources, 2, by_id or {}), ""]
    lines += ["## Verification", "", verification(report), ""]
    if derivations:
        lines += ["## Used in derivations", ""]
        lines += [f"- [{text(reading(d.title))}](../derivations/{d.id}.md)" for d in derivations]
        lines.append("")
    if related:
        lines += ["## Related identities", ""]
        lines += [f"- [{text(reading(r.title))}]({r.id}.md)" for r in related]
        lines.append("")
    lines += ["## Cite", "", *cite_block(identity, sources, site_url)]
    lines += [f"[View the YAML source]({yaml_name}){{ .md-button }}", ""]
    return "\n".join(lines)
