"""Benchmark the site: build time (the real catalog, and a synthetic one of 600 records),
the weight of the largest cheat-sheet page with its assets, the time until its math is
fully rendered in headless Chromium, and the browse page's weight and time to
DOMContentLoaded next to the cheat-sheet's. Run from the project root:
``python bench/bench_site.py [--baseline REF]``; with a git ref (e.g. ``main``), the pages of
that version are built from ``git archive`` and measured in the same run. Prints figures.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build(root: Path, out: Path, project: Path = PROJECT) -> float:
    start = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(project))
    subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "build", "--root",
                    str(root), "--site-dir",
                    str(out)], check=True, capture_output=True, cwd=project, env=env)
    return time.perf_counter() - start


def checkout(ref: str, target: Path) -> Path:
    """The project at a git ref, unpacked (KaTeX from this checkout's node_modules)."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], check=True, capture_output=True,
                             cwd=PROJECT).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    (target / "node_modules").symlink_to(PROJECT / "node_modules")
    return target


def synthetic_catalog(target: Path, count: int) -> int:
    """The real catalog, with records copied under new ids until there are ``count``."""
    shutil.copytree(PROJECT / "identities", target)
    records = sorted(p for p in target.rglob("*.yaml") if p.stem not in ("sources", "uncovered"))
    made, index = len(records), 0
    while made < count:
        source = records[index % len(records)]
        new_id = f"{source.stem}-copy{index}"
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
        (source.parent / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        made, index = made + 1, index + 1
    return made


def page_weight(site: Path, page: Path) -> int:
    """The page and every local asset it links (CSS, JS, fonts referenced by the CSS)."""
    html = page.read_text(encoding="utf-8")
    total = len(html.encode())
    for ref in set(re.findall(r'(?:href|src)="([^"]+\.(?:css|js))(?:\?[^"]*)?"', html)):
        asset = (page.parent / ref).resolve()
        if asset.is_file():
            total += asset.stat().st_size
            if asset.suffix == ".css":
                for font in set(re.findall(r"url\(([^)]+\.woff2)\)", asset.read_text())):
                    path = (asset.parent / font).resolve()
                    total += path.stat().st_size if path.is_file() else 0
    return total


def render_time(site: Path, url_path: str, runs: int = 5) -> list[float]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{url_path}"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context()  # a cold cache every run
            page = context.new_page()
            page.goto(url, wait_until="load")
            # Math is HTML from the build: it is fully rendered once the page has loaded and
            # the KaTeX fonts are in. Both are read from the browser's own timings.
            elapsed = page.evaluate("""async () => {
                await document.fonts.ready;
                const nav = performance.getEntriesByType("navigation")[0];
                const fonts = performance.getEntriesByType("resource")
                    .filter(r => r.name.endsWith(".woff2")).map(r => r.responseEnd);
                return Math.max(nav.loadEventEnd, ...fonts);
            }""")
            count = page.locator(".katex").count()
            times.append(elapsed / 1000)
            context.close()
        browser.close()
    server.shutdown()
    print(f"  formulas on the page: {count}")
    return times


def load_times(site: Path, url_path: str, ready: str | None = None, runs: int = 5
               ) -> tuple[float, float]:
    """Median time to DOMContentLoaded and until ``ready`` (a CSS selector) is in the page,
    in ms, cold cache."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{url_path}"
    dcl, shown = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            if ready:
                page.locator(ready).first.wait_for(state="attached", timeout=60_000)
            dcl.append(page.evaluate("performance.getEntriesByType('navigation')[0]"
                                     ".domContentLoadedEventEnd"))
            shown.append(page.evaluate("performance.now()"))
            context.close()
        browser.close()
    server.shutdown()
    return sorted(dcl)[runs // 2], sorted(shown)[runs // 2]


def page_report(sites: dict[str, Path]) -> None:
    """The browse page next to the largest cheat-sheet, for each built site."""
    print("page weights and load times (median of 5, cold cache):")
    for name, site in sites.items():
        sheets = sorted((site / "cheatsheets").glob("*/index.html"),
                        key=lambda p: p.stat().st_size)
        largest = sheets[-1]
        browse = site / "browse" / "index.html"
        for label, html, path, ready in (
                (f"cheat-sheet {largest.parent.name}", largest,
                 f"cheatsheets/{largest.parent.name}/", None),
                ("browse", browse, "browse/", ".kb-browse-list[data-kb-ready]")):
            elements = len(re.findall(r"<[a-zA-Z]", html.read_text(encoding="utf-8")))
            dcl, shown = load_times(site, path, ready)
            extra = f", list shown {shown:.0f} ms" if ready else ""
            print(f"  {name:8} {label:32} {html.stat().st_size / 1024:7.0f} KiB HTML, "
                  f"{elements:6} elements, DOMContentLoaded {dcl:5.0f} ms{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", help="a git ref to measure side by side (e.g. main)")
    parser.add_argument("--pages-only", action="store_true",
                        help="only the page weights and load times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sites = {}
        if args.baseline:
            base = checkout(args.baseline, tmp / "baseline")
            build(base / "identities", tmp / "baseline-site", base)
            sites[args.baseline] = tmp / "baseline-site"
        if args.pages_only:
            build(PROJECT / "identities", tmp / "site")
            page_report({**sites, "this": tmp / "site"})
            return
        real = build(PROJECT / "identities", tmp / "site")
        n_real = sum(1 for _ in (tmp / "site").glob("*/*/*.yaml"))
        print(f"site build, real catalog ({n_real} records): {real:.2f} s")
        n = synthetic_catalog(tmp / "big" / "identities", 600)
        big = build(tmp / "big" / "identities", tmp / "big-site")
        print(f"site build, synthetic catalog ({n} records): {big:.2f} s")

        sheets = sorted((tmp / "site" / "cheatsheets").glob("*/index.html"),
                        key=lambda p: p.stat().st_size)
        largest = sheets[-1]
        print(f"largest cheat-sheet: {largest.parent.name} "
              f"({largest.stat().st_size / 1024:.0f} KiB HTML, "
              f"{page_weight(tmp / 'site', largest) / 1024:.0f} KiB with CSS, JS and fonts)")
        times = sorted(render_time(tmp / "site", f"cheatsheets/{largest.parent.name}/"))
        print(f"  load until all math is rendered (fonts ready), cold cache: best "
              f"{1000 * times[0]:.0f} ms, median {1000 * times[len(times) // 2]:.0f} ms")
        page_report({**sites, "this": tmp / "site"})


if __name__ == "__main__":
    sys.exit(main())
