"""A site built from the catalog plus records written by an attacker, in real headless
Chromium: script payloads in every text field a record or source has (title, aliases, tags,
notes, locators, a derivation's title and step justification, the topic folder's name, the
source's title, authors, version, note and address) must show as text. No dialog opens, no
payload sets its window flag, and no page has a ``javascript:`` link.

The source's address is made ``javascript:`` after the schema has checked it, so that the
renderer's own refusal is what is tested (the schema refuses such an address too).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import CATALOG, build_site
from tests.test_browser import CHROMIUM_ARGS, chromium_path, serve

FLAG = "window.kbPwned=1"
PAYLOADS = ["<img src=x onerror=alert(1)>", f"<script>{FLAG}</script>",
            f'" onmouseover="{FLAG}" x="', f"<svg onload={FLAG}>",
            f"[click](javascript:{FLAG})", "$\\href{javascript:alert(2)}{x}$",
            f"<a href=javascript:{FLAG}>a</a>", "\\(x\\) {{ 7*7 }}"]
PAYLOAD = " ".join(PAYLOADS)
TOPIC = "<img src=x onerror=alert(3)>"
"""A folder name: no "/" is possible in it, so no closing tag; its title is capitalized
(lowercased), so its payload does not rely on the case of the flag."""
SOURCE = "evil-source"
JS_URL = f"javascript:{FLAG}"


def _s(value: str) -> str:
    """A YAML scalar (JSON is YAML)."""
    return json.dumps(value, ensure_ascii=False)


HOSTILE_RECORD = f"""\
id: hostile-record
title: {_s("Gradient " + PAYLOAD)}
aliases: [{_s(PAYLOAD)}, {_s(TOPIC)}]
tags: [{_s(PAYLOAD)}, {_s(TOPIC)}]
type: derivative
expression: a^T x
wrt: x
layout: denominator
derivative: a
variables:
  x: {{shape: [n, 1]}}
  a: {{shape: [n, 1]}}
sources:
  - ref: {SOURCE}
    locator: {_s("eq. 1 " + PAYLOAD)}
notes: {_s(PAYLOAD)}
"""


def _hostile_derivation() -> tuple[str, str]:
    """A copy of a catalog derivation with a hostile title and justifications."""
    path = sorted((CATALOG / "derivations").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^id: .*$", "id: hostile-derivation", text, count=1, flags=re.M)
    # Replacements as functions: a payload's backslashes are not group references.
    title, why = f"title: {_s('Derivation ' + PAYLOAD)}", f"justification: {_s(PAYLOAD)}"
    text = re.sub(r"^title: .*$", lambda m: title, text, count=1, flags=re.M)
    text = re.sub(r"justification: >-\n(?:      .*\n)+", lambda m: why + "\n", text)
    text = re.sub(r"justification: (?!\").*$", lambda m: why, text, flags=re.M)
    assert text.count(PAYLOADS[1]) >= 3, "the derivation fixture no longer has justifications"
    return "hostile-derivation", text


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "identities"
    shutil.copytree(CATALOG, root)
    with (root / "sources.yaml").open("a", encoding="utf-8") as registry:
        registry.write(f"\n{SOURCE}:\n  title: {_s(PAYLOAD)}\n  short: {_s(TOPIC)}\n"
                       f"  authors: [{_s(PAYLOAD)}, {_s(TOPIC)}]\n  version: {_s(PAYLOAD)}\n"
                       f"  year: 2024\n  url: https://example.org/evil\n"
                       f"  license: {_s(PAYLOAD)}\n  note: {_s(PAYLOAD)}\n")
    (root / TOPIC).mkdir()
    (root / TOPIC / "hostile-record.yaml").write_text(HOSTILE_RECORD, encoding="utf-8")
    name, text = _hostile_derivation()
    (root / "derivations" / f"{name}.yaml").write_text(text, encoding="utf-8")

    from kb import site_hook

    real = site_hook.verified_site_data

    def with_javascript_url(path: Path):
        data = real(path)
        source = data.sources[SOURCE]
        data.sources[SOURCE] = source.model_copy(update={"url": JS_URL})  # not re-validated
        return data

    patch = pytest.MonkeyPatch()
    patch.setattr(site_hook, "verified_site_data", with_javascript_url)
    try:
        out = tmp_path_factory.mktemp("hostile-site") / "site"
        code, output = build_site("--root", str(root), "--site-dir", str(out))
    finally:
        patch.undo()
    assert code == 0, output
    return out


class _Links(HTMLParser):
    """The URL-valued attributes of a page, as the browser reads them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs
                      if name in ("href", "src", "action", "formaction", "xlink:href")]


def _javascript_links(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return [url for url in parser.urls
            if re.sub(r"[\s\x00-\x1f]", "", url).lower().startswith("javascript:")]


def test_no_page_has_a_javascript_link(hostile_site: Path) -> None:
    pages = list(hostile_site.rglob("*.html"))
    assert len(pages) > 100
    found = [str(p.relative_to(hostile_site)) for p in pages
             if _javascript_links(p.read_text(encoding="utf-8"))]
    assert found == []
    record = (hostile_site / "identities" / "hostile-record" / "index.html").read_text(
        encoding="utf-8")
    assert "&lt;img src=x onerror" in record and "<img src=x" not in record


@pytest.fixture(scope="module")
def hostile_url(hostile_site: Path) -> Iterator[str]:
    with serve(hostile_site) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_page(hostile_url: str) -> Iterator[tuple[Page, list[str]]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=hostile_url)
        page = context.new_page()
        dialogs: list[str] = []

        def dismiss(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        yield page, dialogs
        browser.close()


VISITED = ["./", "identities/hostile-record/", "derivations/hostile-derivation/",
           "derivations/", "cheatsheets/", "sources/", "browse/", "errata/", "coverage/"]


@pytest.mark.parametrize("path", VISITED)
def test_no_payload_runs(hostile_page: tuple[Page, list[str]], path: str) -> None:
    page, dialogs = hostile_page
    page.goto(path)
    page.wait_for_load_state("networkidle")
    # An injected event attribute runs when its event fires: fire the usual ones everywhere.
    page.evaluate("""() => document.querySelectorAll('*').forEach(e => {
        for (const type of ['mouseover', 'mouseenter', 'focus', 'click']) {
            if (type === 'click' && e.closest('a, button, label, input, select')) continue;
            e.dispatchEvent(new Event(type, {bubbles: true}));
        }})""")
    page.wait_for_timeout(200)
    assert dialogs == []
    assert page.evaluate("typeof window.kbPwned") == "undefined"
    hrefs = page.evaluate("Array.from(document.querySelectorAll('[href]'), e => e.href)")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]


def test_hostile_topic_sheet_and_navigation_show_text(hostile_page: tuple[Page, list[str]]
                                                      ) -> None:
    page, dialogs = hostile_page
    page.goto("cheatsheets/")
    link = page.locator("article a", has_text="<img src=x onerror")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("article h1").inner_text().startswith("<img src=x onerror")
    assert page.locator(".md-nav__link", has_text="<img src=x onerror").count() >= 1
    assert dialogs == [] and page.evaluate("typeof window.kbPwned") == "undefined"


def test_searching_the_hostile_record_runs_nothing(hostile_page: tuple[Page, list[str]]
                                                   ) -> None:
    page, dialogs = hostile_page
    page.goto("./")
    page.wait_for_function("() => !!document.querySelector('input.md-search__input')")
    opener = page.locator('label.md-header__button[for="__search"]')
    if opener.is_visible():
        opener.click()
    else:
        page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially("onerror", delay=15)
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    assert dialogs == [] and page.evaluate("typeof window.kbPwned") == "undefined"
