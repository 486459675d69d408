"""The "Cite" block of a record page: BibTeX of its sources with the locators, and of the
page itself at its permalink.

The permalink is absolute when the site has a ``site_url`` (``KB_SITE_URL``, see the
README); otherwise the page's script completes it from the address the reader is on.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from kb.escape import tex_escape
from kb.export import bibtex, bibtex_key
from kb.identity import Identity
from kb.render.markup import esc, reading, section
from kb.schema import Source

SITE_TITLE = "Verified matrix-calculus identities"


def permalink(identity: Identity, site_url: str | None) -> str:
    """The page's address: absolute with a site URL, else "./" (the script completes it)."""
    path = f"{section(identity)}/{identity.id}/"
    return site_url.rstrip("/") + "/" + path if site_url else "./"


def cite_block(identity: Identity, sources: Mapping[str, Source], site_url: str | None
               ) -> list[str]:
    """Markdown lines of the block (HTML inside: every text escaped for TeX, then HTML)."""
    url = permalink(identity, site_url)
    entries = []
    cites = []
    for ref in identity.record.sources:
        source = sources.get(ref.ref)
        if source is not None:
            entries.append(bibtex(ref.ref, source))
        cites.append(rf"\cite[{tex_escape(reading(ref.locator))}]{{{bibtex_key(ref.ref)}}}")
    page_key = "kb-" + identity.id
    entries.append(
        f"@misc{{{page_key},\n  title = {{{{{tex_escape(reading(identity.title))}}}}},\n"
        f"  howpublished = {{\\url{{{url}}}}},\n  note = {{{SITE_TITLE}, record "
        f"{tex_escape(identity.id)}}}\n}}")
    # One newline between entries: a blank line would end the raw HTML block in Markdown.
    bib = "\n".join(dict.fromkeys(entries))
    relative = "" if site_url else f' data-kb-relative="{esc(url)}"'
    return [
        '<div class="kb-cite" data-search-exclude>',
        f'<p>Permalink: <a class="kb-permalink" href="{esc(url)}"{relative}>{esc(url)}</a></p>',
        "<p>In LaTeX, with the entries below: "
        f"<code>{esc(' '.join(cites))} \\cite{{{esc(page_key)}}}</code></p>",
        f'<pre class="kb-bibtex"><code>{html.escape(bib)}</code></pre>',
        f'<button class="kb-copy kb-copy-bibtex" type="button" data-latex="{html.escape(bib)}" '
        'aria-label="Copy the BibTeX entries">Copy BibTeX</button>',
        "</div>", ""]
