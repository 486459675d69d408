"""The built site in real headless Chromium (Debian's package, driven by Playwright), at a
desktop (1440×900) and a phone (390×844) width.

The site is served from a local HTTP server; nothing is fetched from other hosts. axe-core
comes from the project's node_modules (``npm ci``) and is injected into the pages.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
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


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A built site served over HTTP on a free local port; yields its base address."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PROJECT = Path(__file__).resolve().parent.parent
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    return WIDTHS[request.param]


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    yield from _page(browser, base_url, WIDTHS["desktop"])


@pytest.fixture
def sized_page(browser: Browser, base_url: str, viewport: tuple[int, int]) -> Iterator[Page]:
    """A page at each of the two widths."""
    yield from _page(browser, base_url, viewport)


def _page(browser: Browser, base_url: str, size: tuple[int, int]) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url,
                                  viewport={"width": size[0], "height": size[1]})
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
    """Type a query as a reader does (key by key) and return the result pages' addresses,
    best first (Material groups a page's sections under one result item)."""
    page.goto("./")
    page.wait_for_function("() => !!document.querySelector('input.md-search__input')")
    opener = page.locator('label.md-header__button[for="__search"]')
    if opener.is_visible():
        opener.click()
    else:
        page.locator("input.md-search__input").click()
    box = page.locator("input.md-search__input")
    box.press_sequentially(query, delay=15)
    items = page.locator(".md-search-result__item > a")
    items.first.wait_for(timeout=10_000)
    # Each keystroke's results replace the last ones: wait until the list stops changing.
    seen: list[list[str]] = []
    for _ in range(60):
        page.wait_for_timeout(250)
        seen.append(items.evaluate_all("els => els.map(e => new URL(e.href).pathname)"))
        if len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]:
            break
    return seen[-1]


# Formulas as people type them, and the page each must find in the top five.
FORMULA_SEARCHES = {
    "x^T A x": "/identities/quadratic-form-gradient/",
    "xᵀAx": "/identities/quadratic-form-gradient/",
    "x'Ax": "/identities/quadratic-form-gradient/",
    "derivative of x^T A x": "/identities/quadratic-form-gradient/",
    "X^{-1}": "/identities/differential-inverse/",
    "(57)": "/identities/log-det/",
    "eq. 57": "/identities/log-det/",
    "log det": "/identities/log-det/",
    "logdet": "/identities/log-det/",
}


@pytest.mark.parametrize("query", list(FORMULA_SEARCHES))
def test_formula_search_finds_its_page(sized_page: Page, query: str) -> None:
    found = search(sized_page, query)
    assert FORMULA_SEARCHES[query] in found[:5], (query, found[:8])


def test_search_results_show_the_answer_without_raw_tex(page: Page) -> None:
    search(page, "log det")
    item = page.locator(".md-search-result__item").filter(
        has=page.locator('a[href*="/identities/log-det/"]')).first
    shown = item.inner_text()
    assert "= X⁻ᵀ" in shown, shown  # the answer as text, not only the title
    assert "ƒ" not in shown  # the formula keys are for matching, not for reading
    joined = "\n".join(page.locator(".md-search-result__item").all_inner_texts())
    for tex in ("\\frac", "\\operatorname", "\\left(", "^{\\top}", "\\mathrm"):
        assert tex not in joined


def test_identity_page_shows_rendered_math(page: Page) -> None:
    page.goto("identities/log-det/")
    assert page.locator(".katex").count() >= 3
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".kb-verified").inner_text().startswith("✔ Verified numerically")
    assert page.locator("article h1").inner_text().rstrip("¶") == "Gradient of the log-determinant"


def test_copy_buttons_say_which_layout_they_copy(page: Page) -> None:
    page.goto("identities/log-det/")
    buttons = page.locator(".kb-formula .kb-copy")
    labels = buttons.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert any("denominator layout" in label for label in labels), labels
    assert any("numerator layout" in label for label in labels), labels
    button = buttons.first
    expected = button.get_attribute("data-latex")
    assert expected and "\\log\\det" in expected
    button.click()
    page.wait_for_function("document.querySelector('.kb-formula .kb-copy').textContent "
                           "=== 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == expected


def test_cheat_sheet_formulas_have_copy_buttons(page: Page) -> None:
    page.goto("cheatsheets/traces/")
    entry = page.locator(".kb-entry").first
    button = entry.locator(".kb-denominator .kb-copy")
    assert "denominator layout" in (button.get_attribute("aria-label") or "")
    expected = button.get_attribute("data-latex")
    button.click()
    page.wait_for_timeout(200)
    assert page.evaluate("navigator.clipboard.readText()") == expected


def test_cite_block_gives_bibtex_and_an_absolute_permalink(page: Page, base_url: str) -> None:
    page.goto("identities/log-det/")
    cite = page.locator(".kb-cite")
    link = cite.locator(".kb-permalink")
    assert link.get_attribute("href") == base_url + "identities/log-det/"
    bib = cite.locator(".kb-bibtex").inner_text()
    assert "@misc{matrixcookbook2012," in bib
    assert "\\url{" + base_url + "identities/log-det/}" in bib
    assert "\\cite[eq. 57" in cite.inner_text()
    cite.locator(".kb-copy-bibtex").click()
    page.wait_for_timeout(200)
    assert page.evaluate("navigator.clipboard.readText()").startswith("@misc{")


def test_derivation_page_has_a_cite_block(page: Page) -> None:
    page.goto("derivations/linear-regression-gradient-derivation/")
    assert "@misc{kb-linear-regression-gradient-derivation," in page.locator(
        ".kb-cite .kb-bibtex").inner_text()


def test_browse_filter_includes_implied_structures_and_keeps_the_url(page: Page) -> None:
    page.goto("browse/")
    page.locator(".kb-browse-list[data-kb-ready]").wait_for()
    total = page.locator(".kb-browse-item").count()
    options = page.locator('select[data-kb-filter="structures"] option').all_inner_texts()
    assert "symmetric positive definite" in options and "spd" not in options
    assert not any("_" in option for option in options), options
    page.locator('select[data-kb-filter="structures"]').select_option("symmetric")
    assert page.url.endswith("/browse/?structures=symmetric")
    shown = page.locator(".kb-browse-item:not([hidden])")
    ids = shown.evaluate_all("els => els.map(e => e.dataset.id)")
    assert 0 < len(ids) < total
    assert "trace-inverse-xtcx-a" in ids, ids  # its C is spd, so symmetric
    count = page.locator(".kb-browse-count").inner_text()
    assert "identities" in count and "derivations" in count
    page.goto("browse/?structures=symmetric&kind=scalar-by-matrix")
    page.locator(".kb-browse-list[data-kb-ready]").wait_for()
    assert page.locator('select[data-kb-filter="kind"]').input_value() == "scalar-by-matrix"
    again = page.locator(".kb-browse-item:not([hidden])").count()
    assert 0 < again <= len(ids)


def test_layout_choice_is_remembered_across_instant_navigation(page: Page) -> None:
    page.goto("cheatsheets/traces/")
    numerator = page.locator(".kb-sheet .kb-numerator").first
    denominator = page.locator(".kb-sheet .kb-denominator").first
    assert denominator.is_visible() and not numerator.is_visible()  # the default
    page.locator('.kb-layout-button[data-kb-layout="numerator"]').click()
    assert numerator.is_visible() and not denominator.is_visible()
    page.locator(".md-nav__link", has_text="Determinants").first.click()
    page.wait_for_url("**/cheatsheets/determinants/")
    assert page.locator(".katex").count() > 0
    assert page.locator(".kb-sheet .kb-numerator").first.is_visible()
    assert not page.locator(".kb-sheet .kb-denominator").first.is_visible()


FITS = """() => {
  const doc = document.documentElement;
  const column = document.querySelector("article.md-content__inner").getBoundingClientRect();
  const problems = [];
  if (doc.scrollWidth > doc.clientWidth) problems.push("page scrolls sideways");
  document.querySelectorAll(".kb-entry").forEach(entry => {
    const box = entry.getBoundingClientRect();
    if (box.right > column.right + 1 || box.left < column.left - 1)
      problems.push(entry.id + ": entry outside the column");
  });
  document.querySelectorAll(".kb-display").forEach(display => {
    if (display.offsetParent === null) return;
    const box = display.getBoundingClientRect();
    if (box.right > column.right + 1) problems.push("formula box outside the column");
    const scrolls = display.scrollWidth > display.clientWidth + 1;
    if (scrolls && !display.classList.contains("kb-scrolls"))
      problems.push((display.closest(".kb-entry") || {}).id + ": cut formula without a cue");
  });
  return problems;
}"""


def test_cheat_sheets_fit_the_column(sized_page: Page, site: Path) -> None:
    sheets = sorted(p.parent.name for p in (site / "cheatsheets").glob("*/index.html"))
    assert len(sheets) > 15
    for sheet in sheets:
        for layout in ("denominator", "numerator"):
            sized_page.goto(f"cheatsheets/{sheet}/")
            sized_page.evaluate(f"localStorage.setItem('kb-layout', '{layout}')")
            sized_page.reload()
            sized_page.wait_for_timeout(100)
            assert sized_page.evaluate(FITS) == [], (sheet, layout)


def test_long_formulas_on_record_pages_have_a_cue(sized_page: Page) -> None:
    for path in ("derivations/gaussian-log-likelihood-covariance-derivation/",
                 "derivations/two-layer-network-first-layer-derivation/",
                 "identities/trace-inverse-a-plus-xtcx-xtbx-symmetric/",
                 "identities/woodbury-identity/", "errata/"):
        sized_page.goto(path)
        sized_page.wait_for_timeout(100)
        assert sized_page.evaluate(FITS) == [], path


AXE_PAGES = ["", "cheatsheets/determinants/", "identities/log-det/",
             "derivations/linear-regression-gradient-derivation/", "browse/"]


@pytest.mark.parametrize("scheme", ["default", "slate"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_serious_accessibility_violation(sized_page: Page, path: str, scheme: str) -> None:
    sized_page.goto(path)
    if path == "browse/":
        sized_page.locator(".kb-browse-list[data-kb-ready]").wait_for()
    sized_page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
    sized_page.wait_for_timeout(400)  # the theme's colour transitions
    sized_page.add_script_tag(path=str(AXE))
    violations = sized_page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations
          .filter(v => v.impact === "serious" || v.impact === "critical")
          .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
    }""")
    assert violations == [], (path, scheme, violations)


def test_hostile_record_text_is_shown_as_text(page: Page) -> None:
    page.goto("identities/xss-title/")
    assert page.evaluate("typeof window.kbInjected") == "undefined"
    assert page.locator("article h1").inner_text().startswith("<script>window.kbInjected")
