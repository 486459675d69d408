"""Pages about the catalog as a whole: its sources and its coverage of them."""

from __future__ import annotations

from collections import defaultdict

from kb.identity import Identity
from kb.render.data import SiteData
from kb.render.markup import (
    esc,
    front_matter,
    identity_href,
    identity_url,
    plural,
    reading,
    safe_url,
    text,
)
from kb.statement_types import STATEMENT_TYPES


def sources_page(data: SiteData) -> str:
    citing: dict[str, list[tuple[Identity, str]]] = defaultdict(list)
    for identity in sorted(data.identities, key=lambda i: i.id):
        for ref in identity.record.sources:
            citing[ref.ref].append((identity, ref.locator))
    lines = [*front_matter("Sources", "Every source the records cite, with the records that "
                           "cite it."),
             "# Sources", "", "Every source the records cite, with the records that cite it.",
             ""]
    for key, source in sorted(data.sources.items(), key=lambda kv: kv[1].title):
        lines += [f"## {text(source.title)}", ""]
        meta = [text(", ".join(source.authors))]
        if source.version:
            meta.append(text(source.version))
        url = safe_url(source.url)
        if url:
            meta.append(f'<a href="{esc(url)}">{esc(url)}</a>')
        elif source.url:  # not an http(s) address: shown, never linked
            meta.append(text(source.url))
        if source.license:
            meta.append(text(source.license))
        lines += ["; ".join(meta) + ".", ""]
        if source.note:
            lines += [text(reading(source.note)), ""]
        refs = citing.get(key, [])
        lines += [f"Cited by {plural(len(refs), 'record')}:", ""]
        lines += [f"- [{text(reading(i.title))}]({identity_url(i)}): {text(reading(locator))}"
                  for i, locator in refs]
        lines.append("")
    return "\n".join(lines)


def coverage_page(data: SiteData) -> str:
    """Which equations of the Matrix Cookbook's chapter 2 the records cite, and why the
    others are not cited; the other places of sources no record cites."""
    from kb.coverage import COOKBOOK, COOKBOOK_CHAPTER_2, coverage

    report = coverage(data.identities, data.uncovered, COOKBOOK)
    by_id = {i.id: i for i in data.identities}
    counts = {kind: sum(i.type == kind for i in data.identities) for kind in STATEMENT_TYPES}
    names = {"equality": ("algebraic identity", "algebraic identities"),
             "hessian": ("Hessian", "Hessians")}
    lines = [*front_matter("Coverage", "What the catalog covers of the Matrix Cookbook and its "
                           "other sources.", 0.3),
             "# Coverage", "",
             f"{plural(len(data.identities), 'verified record')}: " + ", ".join(
                 plural(n, *names.get(kind, (kind, kind + "s"))) for kind, n in counts.items())
             + ".", "",
             "## The Matrix Cookbook, chapter 2", "",
             f"Version of November 15, 2012, eqs. {COOKBOOK_CHAPTER_2.start}–"
             f"{COOKBOOK_CHAPTER_2.stop - 1}: {len(set(report.cited) & set(COOKBOOK_CHAPTER_2))} "
             f"equations are cited by records, {len(report.uncovered)} are not, with the "
             "reason below. A test keeps it that way.", "",
             '<table class="kb-coverage"><thead><tr><th scope="col">Eq.</th>'
             '<th scope="col">Records</th></tr></thead><tbody>']
    for number in COOKBOOK_CHAPTER_2:
        if number in report.cited:
            cell = ", ".join(f'<a href="{identity_href(by_id[i], 1)}">'
                             f"{esc(reading(by_id[i].title))}</a>"
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
        lines += [f"- {text(reading(e.locator))}: {text(reading(e.reason))}" for e in entries]
        lines.append("")
    return "\n".join(lines)
