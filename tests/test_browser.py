"""The built site in real headless Chromium (Debian's package, driven by Playwright).

The site is served from a local HTTP server; nothing is fetched from other hosts.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# The flags keep Chromium off the network it cannot reach on CI machines.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def chromium_path() -> str:
    path = os.environ.get("KB_CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is needed for the browser tests: run ./install.sh"
    return path


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def test_home_page_loads(page: Page) -> None:
    page.goto("./")
    assert "Verified matrix-calculus identities" in page.title()
    assert page.locator(".md-tabs__link", has_text="Cheat-sheets").count() == 1


def search(page: Page, query: str) -> list[str]:
    page.goto("./")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").fill(query)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    return results.all_inner_texts()


def test_search_finds_the_log_determinant(page: Page) -> None:
    results = search(page, "logdet")
    assert any("log-determinant" in text.lower() for text in results), results


def test_search_snippets_have_no_raw_tex(page: Page) -> None:
    results = search(page, "trace")
    assert results
    joined = "\n".join(results)
    for tex in ("\\frac", "\\operatorname", "\\left(", "^{\\top}"):
        assert tex not in joined


def test_identity_page_shows_rendered_math(page: Page) -> None:
    page.goto("identities/log-det/")
    assert page.locator(".katex").count() >= 3
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".kb-verified").inner_text().startswith("✔ Verified numerically")


def test_copy_button_puts_the_latex_on_the_clipboard(page: Page) -> None:
    page.goto("identities/log-det/")
    button = page.locator(".kb-copy").first
    expected = button.get_attribute("data-latex")
    assert expected and "\\log\\det" in expected
    button.click()
    page.wait_for_function("document.querySelector('.kb-copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == expected


def test_browse_filter_narrows_the_list(page: Page, site: Path) -> None:
    page.goto("browse/")
    page.locator(".kb-browse-list[data-kb-ready]").wait_for()
    items = page.locator(".kb-browse-item")
    total = items.count()
    page.locator('select[data-kb-filter="kind"]').select_option("scalar-by-vector")
    visible = page.locator(".kb-browse-item:not([hidden])")
    shown = visible.count()
    index = {e["id"]: e for e in json.loads((site / "browse.json").read_text(encoding="utf-8"))}
    want = sum(e["kind"] == "scalar-by-vector" for e in index.values())
    assert 0 < shown == want < total
    ids = visible.evaluate_all("els => els.map(e => e.dataset.id)")
    assert all(index[i]["kind"] == "scalar-by-vector" for i in ids)


def test_layout_choice_is_remembered_across_instant_navigation(page: Page) -> None:
    page.goto("cheatsheets/traces/")
    numerator_cell = page.locator(".kb-cheatsheet td.kb-numerator").first
    assert numerator_cell.is_visible()
    page.locator('.kb-layout-button[data-kb-layout="denominator"]').click()
    assert not numerator_cell.is_visible()
    page.locator(".md-nav__link", has_text="Determinants").first.click()
    page.wait_for_url("**/cheatsheets/determinants/")
    assert page.locator(".katex").count() > 0
    assert not page.locator(".kb-cheatsheet td.kb-numerator").first.is_visible()
    assert page.locator(".kb-cheatsheet td.kb-denominator").first.is_visible()


def test_hostile_record_text_is_shown_as_text(page: Page) -> None:
    page.goto("identities/xss-title/")
    assert page.evaluate("typeof window.kbInjected") == "undefined"
    assert page.locator("article h1").inner_text().startswith("<script>window.kbInjected")
