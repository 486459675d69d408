"""Benchmark the site build as the catalog grows, against a baseline commit in the same run.

For the real catalog and synthetic catalogs (the real records copied under new ids until
there are N), builds the site with this tree and, where asked, with a baseline commit (for
example the ``main`` the work started from), and prints for each build: the wall and CPU
time (user and system, of the build and its children: steadier than wall time on a shared
machine, so the ratios printed use it), the peak memory of the build process, the weight of
one record page (``log-det``: its HTML alone and with its CSS, JS and fonts), the whole
site's size and the search index's size. This tree is built twice on the real catalog: cold
(empty formula cache) and warm (the cache of the cold build), since the cache is what makes
a second build cheaper. Then, unless ``--no-browser``, the time until the largest
cheat-sheet's math is rendered in headless Chromium, and the weight and time to
DOMContentLoaded of the browse page next to the largest cheat-sheet's.

Run from the project root, e.g.::

    python bench/bench_site.py --baseline d92daed --baseline-sizes 1000,3000 \\
        --sizes 1000,3000,10000

Prints figures; asserts nothing.
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
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RECORD_PAGE = "identities/log-det/index.html"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Build:
    seconds: float
    cpu_seconds: float
    peak_mib: float
    site: Path


def build(code: Path, root: Path, out: Path, cache: Path) -> Build:
    """`kb build` of the catalog ``root`` with the package in ``code``, as its own process;
    its peak memory is the largest resident size of it and its children (KaTeX's Node)."""
    env = {**os.environ, "PYTHONPATH": str(code), "KB_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    process = subprocess.Popen(["kb", "build", "--root", str(root), "--site-dir", str(out)],
                               cwd=code, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the build of {root} with {code} failed:\n{output.decode()}")
    return Build(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def synthetic_catalog(target: Path, count: int, verified: bool = True) -> int:
    """The real catalog, with records copied under new ids until there are ``count``.

    A copy's new id gives it new random draws, and a few records fail verification on some
    draws (a weakness of the verifier, not of the build); with ``verified`` such copies are
    replaced by copies of other records until the whole catalog verifies, so that every
    build measured is a complete one.
    """
    shutil.copytree(PROJECT / "identities", target)
    records = sorted(p for p in target.rglob("*.yaml") if p.stem not in ("sources", "uncovered"))
    fragile: set[str] = set()
    made, index = len(records), 0
    new: list[Path] = []

    def add() -> None:
        nonlocal made, index
        while True:
            source = records[index % len(records)]
            index += 1
            if source.stem not in fragile:
                break
        new_id = f"{source.stem}-copy{index}"
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
        (source.parent / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        new.append(source.parent / f"{new_id}.yaml")
        made += 1

    while made < count:
        add()
    checked = new if verified else []
    while checked:
        failed = _failing(target, checked)
        new = []
        for path in failed:
            fragile.add(path.stem.rsplit("-copy", 1)[0])
            path.unlink()
            made -= 1
            add()
        if failed:
            print(f"  ({len(failed)} copies failed verification on their new draws: "
                  "replaced)", flush=True)
        checked = new
    return made


def _failing(root: Path, paths: list[Path]) -> list[Path]:
    """The files among ``paths`` that `kb verify` (this tree) reports a problem in."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    out = subprocess.run(["kb", "verify", "--root", str(root), *map(str, paths)], cwd=root,
                         env=env, capture_output=True, text=True).stdout
    found = {(root / line.split(":", 1)[0]).resolve() for line in out.splitlines()
             if re.match(r"^[^:]+\.yaml:\d+:\d+: ", line)}
    return sorted(found)


def baseline_checkout(rev: str, target: Path) -> Path:
    """The project at ``rev`` (``git archive``), sharing this tree's node_modules."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=PROJECT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    (target / "node_modules").symlink_to(PROJECT / "node_modules")
    return target


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


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def report(label: str, records: int, result: Build) -> None:
    page = result.site / RECORD_PAGE
    index = result.site / "search" / "search_index.json"
    print(f"{label:24s} {records:6d} {result.seconds:8.1f} s {result.cpu_seconds:8.1f} s "
          f"{result.peak_mib:7.0f} MiB "
          f"{page.stat().st_size / 1024:8.1f} KiB {page_weight(result.site, page) / 1024:8.0f} KiB "
          f"{size_of(result.site) / 2**20:8.1f} MiB {index.stat().st_size / 2**20:7.1f} MiB",
          flush=True)


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


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, default=[1000, 3000],
                        help="synthetic catalog sizes built with this tree (default 1000,3000)")
    parser.add_argument("--baseline", metavar="REV",
                        help="a commit to build as well, for before/after in the same run")
    parser.add_argument("--baseline-sizes", type=sizes, default=[1000],
                        help="synthetic sizes also built with the baseline (default 1000)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_checkout(args.baseline, tmp / "baseline") if args.baseline else None
        print(f"{'build':24s} {'records':>6s} {'wall':>10s} {'cpu':>10s} {'peak':>11s} "
              f"{'log-det page':>12s} "
              f"{'with assets':>12s} {'site':>12s} {'search index':>11s}")
        catalogs = [(PROJECT / "identities", 0)]
        for count in sorted(set(args.sizes) | set(args.baseline_sizes if base else [])):
            root = tmp / f"catalog-{count}" / "identities"
            catalogs.append((root, synthetic_catalog(root, count)))
        times: dict[tuple[str, int], float] = {}
        real_count = sum(1 for p in (PROJECT / "identities").rglob("*.yaml")
                         if p.stem not in ("sources", "uncovered"))
        first_site = None
        for root, count in catalogs:
            records = count or real_count
            if base is not None and (count == 0 or count in args.baseline_sizes):
                result = build(base, root, tmp / f"site-base-{records}", tmp / "cache-base")
                report(f"baseline {args.baseline}", records, result)
                times["baseline", records] = result.cpu_seconds
                shutil.rmtree(result.site)
            if count == 0 or count in args.sizes:
                cache = tmp / f"cache-{records}"
                result = build(PROJECT, root, tmp / f"site-{records}", cache)
                report("this tree, cold cache", records, result)
                times["cold", records] = result.cpu_seconds
                if count == 0:
                    result = build(PROJECT, root, tmp / f"site-{records}", cache)
                    report("this tree, warm cache", records, result)
                    times["warm", records] = result.cpu_seconds
                    first_site = result.site
                else:
                    shutil.rmtree(result.site)
        for side in ("baseline", "cold"):
            real = times.get((side, real_count))
            for (other_side, records), seconds in sorted(times.items()):
                if real and other_side == side and records != real_count:
                    print(f"{side}: {records} records take {seconds / real:.1f}× the real "
                          f"catalog's CPU time")
        if ("baseline", real_count) in times:
            for side in ("cold", "warm"):
                ratio = times[side, real_count] / times["baseline", real_count]
                print(f"real catalog, this tree ({side} cache) / baseline, CPU time: {ratio:.2f}")

        if args.no_browser or first_site is None:
            return
        sheets = sorted((first_site / "cheatsheets").glob("*/index.html"),
                        key=lambda p: p.stat().st_size)
        largest = sheets[-1]
        print(f"largest cheat-sheet: {largest.parent.name} "
              f"({largest.stat().st_size / 1024:.0f} KiB HTML, "
              f"{page_weight(first_site, largest) / 1024:.0f} KiB with CSS, JS and fonts)")
        render = sorted(render_time(first_site, f"cheatsheets/{largest.parent.name}/"))
        print(f"  load until all math is rendered (fonts ready), cold cache: best "
              f"{1000 * render[0]:.0f} ms, median {1000 * render[len(render) // 2]:.0f} ms")
        page_report({"this tree": first_site})


if __name__ == "__main__":
    sys.exit(main())
