"""The MkDocs hook: the site is generated from the verified catalog at build time.

``on_config`` loads and verifies the catalog (unless ``kb build`` handed it over verified,
see :func:`hand_over`) and stops the build with the same ``path:line:col: message`` lines as
``kb verify`` if anything is invalid or fails, so no page of an unverified identity is ever
written. ``on_files`` adds the generated pages (rendered by :mod:`kb.render`), each record's
YAML, the browse index and KaTeX's CSS and fonts, and renders all their math in batches.

Math is kept out of the page content the search plugin indexes: ``on_page_content`` leaves a
marker per formula (in an element marked ``data-search-exclude``), and ``on_post_page`` puts
KaTeX's HTML in the written page. The search index is built without parsing KaTeX markup.

The navigation does not grow with the catalog: cheat-sheets are listed by topic (one per
folder), derivations and identities are reached from index pages, so every page carries the
same navigation at 300 records as at 10,000.
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
from kb.catalog_run import verify_catalog
from kb.katex import Katex, KatexError, katex_dist, missing_prerequisites
from kb.render import SiteData, browse_json, site_pages, topic_title
from kb.render.formula_fields import locate_formula

CATALOG_ENV = "KB_CATALOG"
CACHE_ENV = "KB_CACHE_DIR"
PREVERIFIED: dict[Path, SiteData] = {}
_state: dict = {}

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
_MARKER = re.compile(r"<!--kb-math:(\d+)-->")


def catalog_root(config) -> Path:
    """The catalog folder: $KB_CATALOG, or identities/ beside mkdocs.yml."""
    project = Path(config.config_file_path).resolve().parent
    return Path(os.environ.get(CATALOG_ENV) or project / "identities").resolve()


def cache_dir(project: Path) -> Path:
    """Where the build keeps what it can reuse (rendered formulas): $KB_CACHE_DIR, or
    build/.cache beside mkdocs.yml; never inside the published site."""
    return Path(os.environ.get(CACHE_ENV) or project / "build" / ".cache").resolve()


def verified_site_data(root: Path) -> SiteData:
    """The catalog with a passing report for every record, or PluginError listing every
    problem."""
    catalog, problems = load_entries([root], root=root)
    run = verify_catalog(catalog, problems)
    if run.problems:
        lines = [*(str(d) for d in run.problems), run.summary()]
        raise PluginError("the catalog does not verify:\n" + "\n".join(lines))
    return SiteData(list(catalog), run.reports, catalog.sources, catalog.uncovered)


def hand_over(config, root: Path, data: SiteData | None) -> None:
    """Give the verified catalog to the hook module MkDocs will call (None takes it back).

    MkDocs loads ``hooks:`` by file path, as a module of its own (named ``kb/site_hook.py``,
    not ``kb.site_hook``): data stored in this module would never reach it, and the build
    would load and verify the catalog a second time.
    """
    for hook in config["hooks"].values():
        if isinstance(getattr(hook, "PREVERIFIED", None), dict):
            if data is None:
                hook.PREVERIFIED.pop(root.resolve(), None)
            else:
                hook.PREVERIFIED[root.resolve()] = data


def on_config(config):
    project = Path(config.config_file_path).resolve().parent
    missing = missing_prerequisites(project)
    if missing:  # a plain `mkdocs build` gets the same advice as `kb build`, before any work
        raise PluginError("\n".join(missing))
    root = catalog_root(config)
    # `kb build` has verified the catalog already; a plain `mkdocs build` verifies here.
    data = PREVERIFIED.pop(root, None) or verified_site_data(root)
    data = dataclasses.replace(data, site_url=config.site_url or None)
    _state["data"] = data
    _state["ids"] = frozenset(i.id for i in data.identities)
    _state["project"] = project
    _state["katex"] = Katex(project, cache_dir(project) / "katex")
    _state["math"] = {}
    # Navigation titles are written into every page as HTML: a folder name is text.
    sheets = [{"Overview": "cheatsheets/index.md"}] + [
        {html.escape(topic_title(topic)): f"cheatsheets/{topic}.md"}
        for topic in data.topics()]
    sections = {"cheatsheets/index.md": ("Cheat-sheets", sheets)}
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
    pages = site_pages(data)
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    for identity in data.identities:
        folder = "derivations" if identity.type == "derivation" else "identities"
        files.append(File.generated(config, f"{folder}/{identity.id}/{identity.id}.yaml",
                                    abs_src_path=str(identity.path)))
    files.append(File.generated(config, "browse.json", content=browse_json(data)))
    page_formulas = {path: formulas(content) for path, content in pages.items()}
    try:
        dist = katex_dist(_state["project"])
        # Every generated formula in a few batches now, rather than page by page later.
        _state["katex"].render_many(f for found in page_formulas.values() for f in found)
    except KatexError as exc:
        raise PluginError(_katex_failure(exc, page_formulas, data)) from None
    for asset in [dist / "katex.min.css", *sorted((dist / "fonts").glob("*.woff2"))]:
        files.append(File.generated(config, f"assets/katex/{asset.relative_to(dist)}",
                                    abs_src_path=str(asset)))
    return files


def _katex_failure(exc: KatexError, page_formulas: dict[str, list[tuple[str, bool]]],
                   data: SiteData) -> str:
    """KaTeX's error, as ``path:line:col`` lines naming the records and fields it comes
    from when it comes from records."""
    if exc.tex is None:
        return str(exc)
    katex = _state["katex"]
    tex_of = {path: [tex for tex, _ in found] for path, found in page_formulas.items()}
    located = locate_formula(exc.tex, exc.error, tex_of, data.identities, katex.render)
    return "\n".join(map(str, located)) if located else str(exc)


def formulas(page_html: str) -> list[tuple[str, bool]]:
    """The (TeX, display) of every arithmatex formula of a page, in order of appearance
    within each kind."""
    return ([(html.unescape(m.group(1)).strip(), True) for m in _DISPLAY.finditer(page_html)]
            + [(html.unescape(m.group(1)).strip(), False) for m in _INLINE.finditer(page_html)])


def render_math(page_html: str, katex: Katex) -> str:
    """Every arithmatex formula of a page rendered by KaTeX, kept out of the search index."""
    return fill_math(*mark_math(page_html, katex))


def mark_math(page_html: str, katex: Katex) -> tuple[str, list[str]]:
    """The page with a marker in place of each formula (inside an element the search index
    skips), and the rendered formulas the markers number."""
    katex.render_many(formulas(page_html))
    rendered: list[str] = []

    def marker(tex: str, display: bool) -> str:
        rendered.append(katex.render(html.unescape(tex).strip(), display))
        return f"<!--kb-math:{len(rendered) - 1}-->"

    def display(match: re.Match) -> str:
        return (f'<div class="kb-math kb-display" data-search-exclude>'
                f"{marker(match.group(1), True)}</div>")

    def inline(match: re.Match) -> str:
        return f"<kb-math data-search-exclude>{marker(match.group(1), False)}</kb-math>"

    return _INLINE.sub(inline, _DISPLAY.sub(display, page_html)), rendered


def fill_math(page_html: str, rendered: list[str]) -> str:
    """The markers of :func:`mark_math` replaced by the rendered formulas."""
    return _MARKER.sub(lambda m: rendered[int(m.group(1))], page_html)


_RECORD_LINK = re.compile(r"\[([^\]\n]+)\]\(identities/([a-z0-9-]+)\.md\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """The home page's figures are the catalog's, at build time; a handwritten page's link to
    a record the catalog being built does not have (``kb build --root`` of another catalog)
    becomes the record's id in code instead of a broken link."""
    data: SiteData = _state["data"]
    if "<!-- kb:stats -->" in markdown:
        records = [i for i in data.identities if i.type != "derivation"]
        stats = (f"**{len(records)} verified identities** and **{len(data.derivations())} "
                 f"verified derivations**, from {len(data.sources)} sources.")
        markdown = markdown.replace("<!-- kb:stats -->", stats)
    ids = _state["ids"]
    return _RECORD_LINK.sub(lambda m: m.group(0) if m.group(2) in ids else f"`{m.group(2)}`",
                            markdown)


def on_page_content(page_html: str, page, config, files) -> str:
    try:
        marked, rendered = mark_math(page_html, _state["katex"])
    except KatexError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from None
    _state["math"][page.file.src_uri] = rendered
    return marked


def on_post_page(output: str, page, config) -> str:
    """The written page, with KaTeX's HTML where the markers were."""
    rendered = _state["math"].pop(page.file.src_uri, [])
    return fill_math(output, rendered) if rendered else output


def on_post_build(config) -> None:
    _close()


def on_build_error(error) -> None:
    _close()


def _close() -> None:
    katex = _state.pop("katex", None)
    if katex is not None:
        katex.close()
