"""Every generated page of the site, by its path in the docs folder."""

from __future__ import annotations

from kb.render.browse import browse_page
from kb.render.catalog_pages import coverage_page, sources_page
from kb.render.cheatsheets import cheatsheet_page, cheatsheets_index
from kb.render.data import SiteData
from kb.render.derivation_page import derivation_page, derivations_index
from kb.render.errata import errata_page
from kb.render.identity_page import identity_page
from kb.render.related import related_identities


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
            f"{identity.id}/{identity.id}.yaml", cited_by.get(identity.id, []), data.site_url,
            by_id)
    for derivation in data.derivations():
        pages[f"derivations/{derivation.id}.md"] = derivation_page(
            derivation, data.reports[derivation.id], data.sources, by_id,
            f"{derivation.id}/{derivation.id}.yaml", data.site_url)
    pages["derivations/index.md"] = derivations_index(data.derivations())
    pages["cheatsheets/index.md"] = cheatsheets_index(topics)
    for topic, identities in topics.items():
        pages[f"cheatsheets/{topic}.md"] = cheatsheet_page(topic, identities, data.sources)
    pages["sources.md"] = sources_page(data)
    pages["coverage.md"] = coverage_page(data)
    pages["errata.md"] = "\n".join(errata_page(data.identities, data.reports, data.sources))
    pages["browse/index.md"] = browse_page(data)
    return pages
