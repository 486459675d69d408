"""Pages of the published site, rendered from the verified catalog.

Plain functions from identities and verification reports to page text (Markdown with HTML
blocks), with no dependency on the site generator. Math is emitted as
``<span class="arithmatex">\\(…\\)</span>`` (the form pymdownx.arithmatex gives handwritten
pages), so one build step renders every formula. One module per kind of page; the names the
site hook and the tests use are re-exported here.
"""

from kb.render.browse import browse_index, browse_json
from kb.render.data import SiteData
from kb.render.markup import esc, math, reading, text, topic_title
from kb.render.pages import site_pages
from kb.render.related import related_identities

__all__ = ["SiteData", "browse_index", "browse_json", "esc", "math", "reading",
           "related_identities", "site_pages", "text", "topic_title"]
