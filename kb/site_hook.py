"""The MkDocs hook: the site is generated from the verified catalog at build time.

``on_config`` loads and verifies the catalog and stops the build with the same
``path:line:col: message`` lines as ``kb verify`` if anything is invalid or fails, so no page
of an unverified identity is ever written. ``on_files`` adds the generated pages (rendered by
:mod:`kb.render`), each record's YAML, the browse index and KaTeX's CSS and fonts.
``on_page_content`` renders every formula with KaTeX, so pages need no script for math.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from kb.catalog import load_entries
from kb.katex import Katex, KatexError, katex_dist
from kb.render import SiteData, browse_json, site_pages, topic_title
from kb.verify import verify_catalog

CATALOG_ENV = "KB_CATALOG"
PREVERIFIED: dict[Path, SiteData] = {}
_state: dict = {}

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def catalog_root(config) -> Path:
    """The catalog folder: $KB_CATALOG, or identities/ beside mkdocs.yml."""
    project = Path(config.config_file_path).resolve().parent
    return Path(os.environ.get(CATALOG_ENV) or project / "identities").resolve()


def verified_site_data(root: Path) -> SiteData:
    """The catalog with a passing report for every record, or PluginError listing every
    problem."""
    catalog, problems = load_entries([root], root=root)
    run = verify_catalog(catalog, problems)
    if run.problems:
        lines = [*(str(d) for d in run.problems), run.summary()]
        raise PluginError("the catalog does not verify:\n" + "\n".join(lines))
    return SiteData(list(catalog), run.reports, catalog.sources, catalog.uncovered)


def on_config(config):
    root = catalog_root(config)
    # `kb build` has verified the catalog already; a plain `mkdocs build` verifies here.
    data = PREVERIFIED.pop(root, None) or verified_site_data(root)
    data = dataclasses.replace(data, site_url=config.site_url or None)
    _state["data"] = data
    _state["project"] = Path(config.config_file_path).resolve().parent
    _state["katex"] = Katex(_state["project"])
    sheets = [{"Overview": "cheatsheets/index.md"}] + [
        {topic_title(topic): f"cheatsheets/{topic}.md"} for topic in data.topics()]
    derivations = [{"Overview": "derivations/index.md"}] + [
        {d.title: f"derivations/{d.id}.md"} for d in data.derivations()]
    sections = {"cheatsheets/index.md": ("Cheat-sheets", sheets),
                "derivations/index.md": ("Derivations", derivations)}
    config.nav = [_expand(item, sections) for item in config.nav or []]
    return config


def _expand(item, sections):
    """A nav entry that points at a generated section's index becomes the whole section."""
    if isinstance(item, dict):
        for target, (title, pages) in sections.items():
            if target in item.values():
                return {title: pages}
    return item


def on_files(files: Files, config) -> Files:
    data: SiteData = _state["data"]
    for path, content in site_pages(data).items():
        files.append(File.generated(config, path, content=content))
    for identity in data.identities:
        folder = "derivations" if identity.type == "derivation" else "identities"
        files.append(File.generated(config, f"{folder}/{identity.id}/{identity.id}.yaml",
                                    abs_src_path=str(identity.path)))
    files.append(File.generated(config, "browse.json", content=browse_json(data)))
    try:
        dist = katex_dist(_state["project"])
    except KatexError as exc:
        raise PluginError(str(exc)) from None
    for asset in [dist / "katex.min.css", *sorted((dist / "fonts").glob("*.woff2"))]:
        files.append(File.generated(config, f"assets/katex/{asset.relative_to(dist)}",
                                    abs_src_path=str(asset)))
    return files


def render_math(page_html: str, katex: Katex) -> str:
    """Every arithmatex formula of a page rendered by KaTeX, kept out of the search index."""
    def display(match: re.Match) -> str:
        rendered = katex.render(html.unescape(match.group(1)).strip(), display=True)
        return f'<div class="kb-math kb-display" data-search-exclude>{rendered}</div>'

    def inline(match: re.Match) -> str:
        rendered = katex.render(html.unescape(match.group(1)).strip())
        return f"<kb-math data-search-exclude>{rendered}</kb-math>"

    return _INLINE.sub(inline, _DISPLAY.sub(display, page_html))


def on_page_markdown(markdown: str, page, config, files) -> str:
    """The home page's figures are the catalog's, at build time."""
    data: SiteData = _state["data"]
    if "<!-- kb:stats -->" in markdown:
        records = [i for i in data.identities if i.type != "derivation"]
        stats = (f"**{len(records)} verified identities** and **{len(data.derivations())} "
                 f"verified derivations**, from {len(data.sources)} sources.")
        markdown = markdown.replace("<!-- kb:stats -->", stats)
    return markdown


def on_page_content(page_html: str, page, config, files) -> str:
    try:
        return render_math(page_html, _state["katex"])
    except KatexError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from None


def on_post_build(config) -> None:
    _close()


def on_build_error(error) -> None:
    _close()


def _close() -> None:
    katex = _state.pop("katex", None)
    if katex is not None:
        katex.close()
