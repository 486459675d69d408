"""The browse page: a light shell whose script lists and filters the records from
``browse.json`` (titles and statements as text, labels in words, structures with what
they imply), keeping the filter in the page's address."""

from __future__ import annotations

import json

from kb.render.blocks import plain
from kb.render.data import SiteData
from kb.render.labels import implied, kind_label, source_label, structure_label
from kb.render.markup import front_matter, reading, section, topic_of, topic_title, words

FILTERS = (("kind", "Kind"), ("ops", "Operation"), ("structures", "Structure"),
           ("sources", "Source"), ("topic", "Topic"))


def browse_index(data: SiteData) -> list[dict]:
    """The JSON index the browse page lists and filters: one entry per record."""
    out = []
    for i in sorted(data.identities, key=lambda i: i.id):
        layout = i.statement.layout if i.has_layout else "denominator"
        out.append({
            "id": i.id, "title": reading(i.title), "url": f"{section(i)}/{i.id}/",
            "type": i.type, "kind": i.kind or i.type, "text": plain(i, layout),
            "ops": i.operations, "structures": implied(i.structures),
            "sources": sorted({s.ref for s in i.record.sources}), "topic": topic_of(i),
        })
    return out


def browse_labels(data: SiteData, index: list[dict]) -> dict[str, dict[str, str]]:
    """Words for every value a filter offers."""

    def values(key: str) -> set[str]:
        return {v for e in index for v in (e[key] if isinstance(e[key], list) else [e[key]])}

    return {
        "kind": {k: kind_label(k) for k in values("kind")},
        "ops": {k: words(k) for k in values("ops")},
        "structures": {k: structure_label(k) for k in values("structures")},
        "sources": {k: source_label(k, data.sources) for k in values("sources")},
        "topic": {k: topic_title(k) for k in values("topic")},
    }


def browse_json(data: SiteData) -> str:
    """``browse.json``: the records and the labels of the filters' values."""
    index = browse_index(data)
    return json.dumps({"records": index, "labels": browse_labels(data, index)},
                      ensure_ascii=False, separators=(",", ":"))


def browse_page(data: SiteData) -> str:
    selects = "".join(
        f'<label class="kb-filter">{label} <select data-kb-filter="{key}">'
        '<option value="">any</option></select></label>'
        for key, label in FILTERS)
    return "\n".join([
        *front_matter("Browse", "Filter the verified identities and derivations by kind, "
                      "operation, structure, source and topic.", 0.3),
        "# Browse", "",
        "Filter the verified records by kind, operation, structure assumption, source and "
        "topic. A structure includes what implies it: *symmetric* also lists records whose "
        "matrix is symmetric positive definite. The filter is kept in the page's address, "
        "so it can be shared.", "",
        f'<form class="kb-browse-filters" aria-label="Filters">{selects}'
        '<button type="reset" class="kb-browse-reset">Clear filters</button></form>', "",
        '<p class="kb-browse-count" role="status" aria-live="polite">Loading the index…</p>',
        "",
        '<ul class="kb-browse-list"></ul>', "",
        "<noscript>The list needs JavaScript; without it, use the "
        "[cheat-sheets](../cheatsheets/index.md) or the search.</noscript>", ""])
