"""Pages of the published cheat-sheet, rendered from the verified catalog.

Plain functions from identities and verification reports to page text (Markdown with HTML
blocks), with no dependency on the site generator. Math is emitted as
``<span class="arithmatex">\\(…\\)</span>`` (the form pymdownx.arithmatex gives handwritten
pages), so one build step renders every formula. Every text that comes from a record is
escaped: a title with ``<script>`` in it shows as text.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.layouts import LAYOUTS
from kb.related import related_identities
from kb.render_checks import step_errors, step_latex, verification_html
from kb.results import Report
from kb.schema import Source, Uncovered
from kb.statement_types import STATEMENT_TYPES

TOPIC_TITLES = {
    "traces": "Traces",
    "determinants": "Determinants and log-determinants",
    "inverses": "Inverses",
    "eigenvalues": "Eigenvalues",
    "linear-forms": "Linear and bilinear forms",
    "quadratic-forms": "Quadratic forms",
    "higher-order": "Higher-order forms and powers",
    "norms": "Norms",
    "differentials": "Differentials",
    "structured": "Structured variables",
    "hessians": "Hessians",
    "vector-by-vector": "Vector-by-vector",
    "vector-by-scalar": "Vector-by-scalar",
    "matrix-by-scalar": "Matrix-by-scalar",
    "scalar-by-scalar": "Scalar-by-scalar",
    "rules": "Product and chain rules",
    "algebra": "Algebraic identities",
    "worked-examples": "Worked results",
    "machine-learning": "Machine learning: losses, activations, models",
    "probability": "Probability: Gaussians, entropy, divergences",
    "kronecker": "Kronecker products and vec",
}

# Entities, so that neither Markdown nor the math delimiters $, \( and \[ see them; then
# Markdown's own specials, escaped with a backslash.
_ENTITIES = {"\\": "&#92;", "[": "&#91;", "]": "&#93;", "$": "&#36;"}
_MD_SPECIAL = frozenset("`*_{}#|~!")


def text(value: str) -> str:
    """Record text for a Markdown context: HTML-escaped, Markdown specials and math
    delimiters neutralized."""
    escaped = html.escape(" ".join(value.split()), quote=False)
    return "".join(_ENTITIES.get(c) or ("\\" + c if c in _MD_SPECIAL else c) for c in escaped)


def esc(value: str) -> str:
    """Record text for an HTML context."""
    return html.escape(" ".join(value.split()))


def math(tex: str, display: bool = False) -> str:
    """A formula, marked for the build's KaTeX pass."""
    body = html.escape(tex, quote=False)
    if display:
        return f'<div class="arithmatex">\\[{body}\\]</div>'
    return f'<span class="arithmatex">\\({body}\\)</span>'


def topic_of(identity: Identity) -> str:
    return identity.path.parent.name


def topic_title(topic: str) -> str:
    return TOPIC_TITLES.get(topic, topic.replace("-", " ").capitalize())


def section(identity: Identity) -> str:
    """The folder of an identity's page: derivations have their own section."""
    return "derivations" if identity.type == "derivation" else "identities"


def identity_url(identity: Identity) -> str:
    """A Markdown link to an identity's page from a page at the top of the docs folder."""
    return f"{section(identity)}/{identity.id}.md"


def identity_href(identity: Identity, depth: int) -> str:
    """An HTML link to an identity's page from a page whose URL is ``depth`` folders deep
    (raw HTML links are not rewritten by the site generator, so they are final URLs)."""
    return "../" * depth + f"{section(identity)}/{identity.id}/"


@dataclass(frozen=True)
class SiteData:
    """Everything the pages are rendered from."""

    identities: list[Identity]
    reports: Mapping[str, Report]
    sources: Mapping[str, Source]
    uncovered: Mapping[str, list[Uncovered]] = field(default_factory=dict)

    def derivations(self) -> list[Identity]:
        return sorted((i for i in self.identities if i.type == "derivation"),
                      key=lambda i: i.title)

    def cited_by(self) -> dict[str, list[Identity]]:
        """Record id → the derivations whose steps cite it."""
        out: dict[str, list[Identity]] = defaultdict(list)
        for derivation in self.derivations():
            for ref in dict.fromkeys(r for step in derivation.record.steps for r in step.cites):
                out[ref].append(derivation)
        return out

    def topics(self) -> dict[str, list[Identity]]:
        """The identities of each cheat-sheet (derivations have their own section)."""
        out: dict[str, list[Identity]] = defaultdict(list)
        for identity in sorted(self.identities, key=lambda i: i.id):
            if identity.type != "derivation":
                out[topic_of(identity)].append(identity)
        return dict(sorted(out.items(), key=lambda item: topic_title(item[0])))


# ---- one identity -----------------------------------------------------------------------


def _left(identity: Identity) -> str:
    """The left side of the statement, as LaTeX, without the result."""
    full = identity.latex("denominator")
    result = latex(identity.result_tree("denominator"))
    return full[: len(full) - len(result)].rstrip().removesuffix("=").rstrip()


def _copyable(tex: str, caption: str, css: str = "") -> str:
    return (f'<div class="kb-formula {css}">\n<div class="kb-caption">{esc(caption)}</div>\n'
            f"{math(tex, display=True)}\n"
            f'<button class="kb-copy md-button" type="button" data-latex="{esc(tex)}" '
            f'title="Copy the LaTeX">Copy LaTeX</button>\n</div>')


def layout_switch() -> str:
    buttons = "".join(
        f'<button type="button" class="kb-layout-button" data-kb-layout="{value}">'
        f"{label}</button>"
        for value, label in (("both", "Both layouts"), ("denominator", "Denominator"),
                             ("numerator", "Numerator")))
    return f'<div class="kb-layout-switch" role="group" aria-label="Layout">{buttons}</div>'


def identity_page(identity: Identity, report: Report, sources: Mapping[str, Source],
                  related: list[Identity], yaml_name: str,
                  derivations: list[Identity] = ()) -> str:
    record = identity.record
    # The theme writes meta.title into <title> and the header unescaped: give it escaped.
    lines = ["---", f"title: {json.dumps(esc(identity.title))}", "---", "",
             f"# {text(identity.title)}", ""]
    facts = [identity.kind or identity.type, *identity.tags]
    lines.append('<p class="kb-facts">' + " · ".join(
        f'<span class="kb-chip">{esc(fact)}</span>' for fact in facts) + "</p>")
    lines.append("")
    if identity.aliases:
        lines += ["Also known as: " + ", ".join(text(a) for a in identity.aliases) + ".", ""]
    lines += ["## Statement", ""]
    if identity.type == "derivative" and identity.kind != "scalar-by-scalar":
        lines += [layout_switch(), ""]
        for layout in LAYOUTS:
            caption = f"{layout.capitalize()} layout"
            if layout == record.layout:
                caption += " (as stated)"
            lines += [_copyable(identity.latex(layout), caption, f"kb-{layout}"), ""]
    else:
        caption = ("Both layouts" if identity.type == "derivative"
                   else identity.type.capitalize())
        lines += [_copyable(identity.latex(), caption), ""]
    differential = (identity.differential_latex()
                    if identity.statement_type.differential_form else None)
    if differential:
        lines += ["## Differential form", "", _copyable(differential, "Differential"), ""]
    lines += ["## Variables", "", _variables_table(identity), ""]
    if record.notes:
        lines += ["## Notes", "", text(record.notes), ""]
    lines += ["## Sources", ""]
    for ref in record.sources:
        lines.append(f"- {_source_line(ref.ref, sources)}, {text(ref.locator)}")
    lines.append("")
    if record.erratum:
        lines += ["## Erratum", "", _erratum(identity, report, sources), ""]
    lines += ["## Verification", "", verification_html(report), ""]
    if derivations:
        lines += ["## Used in derivations", ""]
        lines += [f"- [{text(d.title)}](../derivations/{d.id}.md)" for d in derivations]
        lines.append("")
    if related:
        lines += ["## Related identities", ""]
        lines += [f"- [{text(r.title)}]({r.id}.md)" for r in related]
        lines.append("")
    lines += [f"[View the YAML source]({yaml_name}){{ .md-button }}", ""]
    return "\n".join(lines)


def _variables_table(identity: Identity) -> str:
    rows = []
    for name, var in identity.record.variables.items():
        rows_, cols = var.shape
        notes = [str(s) for s in var.structure]
        if var.function_of:
            notes.append(f"smooth function of {var.function_of}")
        if var.integer:
            notes.append(f"integer in [{var.integer[0]}, {var.integer[1]}]")
        shape = f"{rows_} \\times {cols}"
        rows.append(f"<tr><td>{math(latex_name(name))}</td><td>{math(shape)}</td>"
                    f"<td>{esc(', '.join(notes)) or 'any'}</td></tr>")
    declared = identity.statement.conditions  # on compound expressions, e.g. X + A invertible
    conditions = ("<p>Conditions: " + "; ".join(f"{math(latex(c.tree))} {esc(str(c.structure))}"
                                               for c in declared) + ".</p>") if declared else ""
    return ('<table class="kb-variables"><thead><tr><th>Symbol</th><th>Shape</th>'
            "<th>Structure</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            + conditions)


def _source_line(ref: str, sources: Mapping[str, Source]) -> str:
    source = sources.get(ref)
    if source is None:
        return text(ref)
    label = text(source.title)
    if source.url:
        label = f"[{label}]({source.url})"
    version = f" ({text(source.version)})" if source.version else ""
    return f"{label}{version}"


def _erratum(identity: Identity, report: Report, sources: Mapping[str, Source]) -> str:
    erratum = identity.record.erratum
    assert erratum is not None
    parts = [f"**{_source_line(erratum.ref, sources)}** prints: {text(erratum.printed)}", "",
             text(erratum.explanation)]
    if identity.statement.printed is not None:
        printed = identity.statement.printed
        parts += ["", "As printed, in this record's notation:", "",
                  math(latex(printed), display=True)]
    if report.erratum_evidence:
        parts += ["", f"Evidence: {text(report.erratum_evidence)}."]
    return "\n".join(parts)




# ---- cheat-sheets, sources, errata, browse -----------------------------------------------


def _row(identity: Identity, sources: Mapping[str, Source], depth: int) -> str:
    link = f'<a href="{identity_href(identity, depth)}">{esc(identity.title)}</a>'
    left = math(_left(identity))
    if identity.type == "derivative":
        den = math(latex(identity.result_tree("denominator")))
        num = math(latex(identity.result_tree("numerator")))
    else:
        den = num = math(latex(identity.result_tree()))
    conditions = esc("; ".join(identity.conditions())) or "—"
    refs = "; ".join(f'{esc(_short(s.ref, sources))} <span title="{esc(s.locator)}">'
                     f"{esc(_clip(s.locator))}</span>" for s in identity.record.sources)
    return (f'<tr><td class="kb-name">{link}</td><td class="kb-m">{left}</td>'
            f'<td class="kb-m kb-denominator">{den}</td><td class="kb-m kb-numerator">{num}</td>'
            f'<td class="kb-small">{conditions}</td><td class="kb-small">{refs}</td></tr>')


def _clip(locator: str, width: int = 40) -> str:
    """A locator cut for a table cell (the whole one is in the cell's tooltip)."""
    locator = " ".join(locator.split())
    return locator if len(locator) <= width else locator[: width - 1].rstrip() + "…"


def _short(ref: str, sources: Mapping[str, Source]) -> str:
    source = sources.get(ref)
    if source is None:
        return ref
    return source.short or source.title


def cheatsheet_page(topic: str, identities: list[Identity], sources: Mapping[str, Source]
                    ) -> str:
    rows = "\n".join(_row(identity, sources, 2) for identity in identities)
    return (f"# {text(topic_title(topic))}\n\n"
            f"{len(identities)} verified identities. Both layouts are shown; choose one to "
            "hide the other (the choice is remembered).\n\n"
            f"{layout_switch()}\n\n"
            '<div class="kb-table"><table class="kb-cheatsheet"><thead><tr><th>Identity</th>'
            "<th>Expression</th>"
            '<th class="kb-denominator">Denominator layout</th>'
            '<th class="kb-numerator">Numerator layout</th><th>Conditions</th>'
            "<th>Source</th></tr></thead><tbody>\n"
            f"{rows}\n</tbody></table></div>\n")


def cheatsheets_index(topics: Mapping[str, list[Identity]]) -> str:
    lines = ["# Cheat-sheets", "", "Compact tables of verified identities, by topic.", ""]
    lines += [f"- [{text(topic_title(t))}]({t}.md) ({len(ids)})" for t, ids in topics.items()]
    return "\n".join(lines) + "\n"


def sources_page(data: SiteData) -> str:
    citing: dict[str, list[tuple[Identity, str]]] = defaultdict(list)
    for identity in sorted(data.identities, key=lambda i: i.id):
        for ref in identity.record.sources:
            citing[ref.ref].append((identity, ref.locator))
    lines = ["# Sources", "", "Every source the records cite, with the records that cite it.", ""]
    for key, source in sorted(data.sources.items(), key=lambda kv: kv[1].title):
        lines += [f"## {text(source.title)}", ""]
        meta = [text(", ".join(source.authors))]
        if source.version:
            meta.append(text(source.version))
        if source.url:
            meta.append(f"<{source.url}>")
        if source.license:
            meta.append(text(source.license))
        lines += ["; ".join(meta) + ".", ""]
        if source.note:
            lines += [text(source.note), ""]
        refs = citing.get(key, [])
        lines += [f"Cited by {len(refs)} records:", ""]
        lines += [f"- [{text(i.title)}]({identity_url(i)}): {text(locator)}"
                  for i, locator in refs]
        lines.append("")
    return "\n".join(lines)


def errata_page(data: SiteData) -> str:
    lines = ["# Errata", "", "Every place a source prints something wrong, with the corrected "
             "identity and the evidence. Each corrected statement is verified; each printed "
             "form that can be written in the expression language fails verification.", ""]
    with_errata = [i for i in sorted(data.identities, key=lambda i: i.id) if i.record.erratum]
    for identity in with_errata:
        lines += [f"## [{text(identity.title)}]({identity_url(identity)})", "",
                  math(identity.latex(identity.record.layout
                                      if identity.type == "derivative" else "denominator"),
                       display=True), "",
                  _erratum(identity, data.reports[identity.id], data.sources), ""]
    if not with_errata:
        lines.append("No errata yet.")
    return "\n".join(lines)


def coverage_page(data: SiteData) -> str:
    """Which equations of the Matrix Cookbook's chapter 2 the records cite, and why the
    others are not cited; the other places of sources no record cites."""
    from kb.coverage import COOKBOOK, COOKBOOK_CHAPTER_2, coverage

    report = coverage(data.identities, data.uncovered, COOKBOOK)
    by_id = {i.id: i for i in data.identities}
    counts = {kind: sum(i.type == kind for i in data.identities) for kind in STATEMENT_TYPES}
    lines = ["# Coverage", "",
             f"{len(data.identities)} verified records: " + ", ".join(
                 f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items()) + ".", "",
             "## The Matrix Cookbook, chapter 2", "",
             f"Version of November 15, 2012, eqs. {COOKBOOK_CHAPTER_2.start}–"
             f"{COOKBOOK_CHAPTER_2.stop - 1}: {len(set(report.cited) & set(COOKBOOK_CHAPTER_2))} "
             f"equations are cited by records, {len(report.uncovered)} are not, with the "
             "reason below. A test keeps it that way.", "",
             '<table class="kb-coverage"><thead><tr><th>Eq.</th><th>Records</th></tr></thead>'
             "<tbody>"]
    for number in COOKBOOK_CHAPTER_2:
        if number in report.cited:
            cell = ", ".join(f'<a href="{identity_href(by_id[i], 1)}">{esc(i)}</a>'
                             for i in dict.fromkeys(report.cited[number]))
        else:
            cell = f"<em>not cited: {esc(report.uncovered.get(number, 'missing'))}</em>"
        lines.append(f"<tr><td>{number}</td><td>{cell}</td></tr>")
    lines += ["</tbody></table>", ""]
    for ref, entries in sorted(data.uncovered.items()):
        if ref == COOKBOOK or not entries:
            continue
        title = data.sources[ref].title if ref in data.sources else ref
        lines += [f"## {text(title)}: not cited", ""]
        lines += [f"- {text(e.locator)}: {text(e.reason)}" for e in entries]
        lines.append("")
    return "\n".join(lines)


def browse_index(data: SiteData) -> list[dict]:
    """The JSON index the browse page filters with."""
    return [
        {"id": i.id, "title": i.title, "kind": i.kind or i.type, "type": i.type,
         "ops": i.operations, "structures": i.structures,
         "sources": sorted({s.ref for s in i.record.sources}), "topic": topic_of(i)}
        for i in sorted(data.identities, key=lambda i: i.id)
    ]


def browse_page(data: SiteData) -> str:
    items = "\n".join(
        f'<li class="kb-browse-item" data-id="{esc(i.id)}"><a href="{identity_href(i, 1)}">'
        f"{esc(i.title)}</a> {math(i.latex())}</li>"
        for i in sorted(data.identities, key=lambda i: i.id))
    selects = "".join(
        f'<label>{label} <select data-kb-filter="{key}"><option value="">any</option>'
        "</select></label> "
        for key, label in (("kind", "Kind"), ("ops", "Operation"),
                           ("structures", "Structure"), ("sources", "Source")))
    return ("# Browse\n\nFilter the verified identities by kind, operation, structure "
            "assumption and source.\n\n"
            f'<div class="kb-browse-filters">{selects}<span class="kb-browse-count"></span>'
            "</div>\n\n"
            f'<ul class="kb-browse-list">\n{items}\n</ul>\n')


def site_pages(data: SiteData) -> dict[str, str]:
    """Every generated page, by its path in the docs folder."""
    pages: dict[str, str] = {}
    topics = data.topics()
    cited_by = data.cited_by()
    by_id = {i.id: i for i in data.identities}
    ordinary = [i for i in data.identities if i.type != "derivation"]
    related = related_identities(ordinary)
    for identity in ordinary:
        pages[f"identities/{identity.id}.md"] = identity_page(
            identity, data.reports[identity.id], data.sources, related[identity.id],
            f"{identity.id}/{identity.id}.yaml", cited_by.get(identity.id, []))
    for derivation in data.derivations():
        pages[f"derivations/{derivation.id}.md"] = derivation_page(
            derivation, data.reports[derivation.id], data.sources, by_id,
            f"{derivation.id}/{derivation.id}.yaml")
    pages["derivations/index.md"] = derivations_index(data.derivations())
    pages["cheatsheets/index.md"] = cheatsheets_index(topics)
    for topic, identities in topics.items():
        pages[f"cheatsheets/{topic}.md"] = cheatsheet_page(topic, identities, data.sources)
    pages["sources.md"] = sources_page(data)
    pages["coverage.md"] = coverage_page(data)
    pages["errata.md"] = errata_page(data)
    pages["browse/index.md"] = browse_page(data)
    return pages


# ---- derivations ---------------------------------------------------------------------------


def derivation_page(identity: Identity, report: Report, sources: Mapping[str, Source],
                    by_id: Mapping[str, Identity], yaml_name: str) -> str:
    record = identity.record
    st = identity.statement
    lines = ["---", f"title: {json.dumps(esc(identity.title))}", "---", "",
             f"# {text(identity.title)}", ""]
    lines.append('<p class="kb-facts">' + " · ".join(
        f'<span class="kb-chip">{esc(fact)}</span>'
        for fact in dict.fromkeys(["derivation", *identity.tags])) + "</p>")
    lines += ["", f"The gradient of $f = {latex(st.trees['goal'])}$ by "
              f"${latex_name(record.wrt)}$, in {record.layout} layout, step by step. Every step "
              "is checked numerically against the one before it.", ""]
    lines += ["## Result", "", _copyable(identity.latex(record.layout),
                                          f"{record.layout.capitalize()} layout"), ""]
    lines += ["## Steps", "", '<div class="kb-steps">']
    errors = step_errors(report)
    for step in st.steps:
        cites = [by_id[ref] for ref in step.source.cites if ref in by_id]
        uses = "".join(f' <a class="kb-cite" href="{identity_href(c, 2)}">{esc(c.title)}</a>'
                       for c in cites)
        error = errors.get(step.number)
        mark = (f'<span class="kb-step-ok" title="relative error {error:.1e}">✔</span>'
                if error is not None else "")
        lines.append(
            f'<div class="kb-step" id="step-{step.number}"><div class="kb-step-head">'
            f"{mark} Step {step.number} · {esc(step.kind)}</div>"
            f"{math(step_latex(identity, step), True)}"
            f'<div class="kb-step-why">{esc(step.source.justification)}'
            f"{' · Uses:' + uses if uses else ''}</div></div>")
    lines += ["</div>", ""]
    lines += ["## Variables", "", _variables_table(identity), ""]
    if record.notes:
        lines += ["## Notes", "", text(record.notes), ""]
    lines += ["## Sources", ""]
    lines += [f"- {_source_line(ref.ref, sources)}, {text(ref.locator)}" for ref in record.sources]
    lines += ["", "## Verification", "", verification_html(report), "",
              f"[View the YAML source]({yaml_name}){{ .md-button }}", ""]
    return "\n".join(lines)


def derivations_index(derivations: list[Identity]) -> str:
    lines = ["# Derivations", "", "Worked derivations of gradients that people look up, "
             "every step checked numerically against the one before it.", ""]
    lines += [f"- [{text(d.title)}]({d.id}.md)" for d in derivations]
    return "\n".join(lines) + "\n"


def browse_json(data: SiteData) -> str:
    return json.dumps(browse_index(data), ensure_ascii=False, separators=(",", ":"))
