"""The site is built from the verified catalog, and a failing record stops the build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from kb.render import math, text
from tests.conftest import CATALOG, build_site

WRONG_RECORD = """\
id: wrong-sign
title: A wrong record
type: derivative
expression: x^T x
wrt: x
layout: denominator
derivative: -2 x
variables:
  x: {shape: [n, 1]}
sources:
  - ref: seed-001-mit6390
    locator: A.3
"""


def test_every_page_type_is_built(site: Path) -> None:
    for page in ["index.html", "layouts/index.html", "syntax/index.html", "records/index.html",
                 "cheatsheets/index.html", "cheatsheets/traces/index.html",
                 "browse/index.html", "sources/index.html", "errata/index.html",
                 "identities/log-det/index.html", "identities/log-det/log-det.yaml",
                 "derivations/index.html",
                 "derivations/linear-regression-gradient-derivation/index.html",
                 "browse.json", "assets/katex/katex.min.css", "assets/kb.js"]:
        assert (site / page).is_file(), page


def test_every_identity_has_a_page_and_a_browse_entry(site: Path) -> None:
    index = json.loads((site / "browse.json").read_text(encoding="utf-8"))
    ids = {entry["id"] for entry in index}
    records = {p.stem for p in CATALOG.rglob("*.yaml")} - {"sources", "uncovered"}
    assert records | {"xss-title"} == ids
    derivations = {p.stem for p in (CATALOG / "derivations").glob("*.yaml")}
    assert derivations
    for record_id in ids:
        folder = "derivations" if record_id in derivations else "identities"
        assert (site / folder / record_id / "index.html").is_file()


def test_math_is_rendered_at_build_time_without_errors(site: Path) -> None:
    page = (site / "identities" / "log-det" / "index.html").read_text(encoding="utf-8")
    assert 'class="katex' in page
    assert "katex-error" not in page
    assert 'class="arithmatex"' not in page  # every formula went through KaTeX
    assert "data-search-exclude" in page


def test_pages_load_nothing_from_other_hosts(site: Path) -> None:
    page = (site / "cheatsheets" / "traces" / "index.html").read_text(encoding="utf-8")
    loaded = re.findall(r'<(?:script|img|link)\b[^>]*(?:src|href)="(https?://[^"]+)"', page)
    assert loaded == [], loaded
    assert "fonts.googleapis" not in page


def test_record_text_is_escaped(site: Path) -> None:
    page = (site / "identities" / "xss-title" / "index.html").read_text(encoding="utf-8")
    assert "<script>window.kbInjected" not in page
    assert "&lt;script&gt;window.kbInjected = 1&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>bold</b>" not in page
    assert "<script>alert(2)" not in page
    sheet = (site / "cheatsheets" / "algebra" / "index.html").read_text(encoding="utf-8")
    assert "<script>window.kbInjected" not in sheet


def test_a_failing_record_stops_the_build_with_its_location(tmp_path: Path) -> None:
    root = tmp_path / "identities"
    shutil.copytree(CATALOG, root)
    bad = root / "algebra" / "wrong-sign.yaml"
    bad.write_text(WRONG_RECORD, encoding="utf-8")
    out = tmp_path / "site"
    code, output = build_site("--root", str(root), "--site-dir", str(out))
    assert code == 1
    assert re.search(r"wrong-sign\.yaml:7:13: KB401 derivative \(denominator layout\) "
                     r"does not hold", output), output
    assert output.strip().splitlines()[-1].endswith("1 failed")
    assert not out.exists()  # nothing half-built is left behind
    assert "Traceback" not in output


def test_an_invalid_record_stops_the_build(tmp_path: Path) -> None:
    root = tmp_path / "identities"
    shutil.copytree(CATALOG, root)
    (root / "algebra" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n",
                                                  encoding="utf-8")
    code, output = build_site("--root", str(root), "--site-dir", str(tmp_path / "site"))
    assert code == 1
    assert "broken.yaml:" in output and "YAML" in output


def test_text_escaping_neutralizes_markdown_and_math() -> None:
    assert text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert "$" not in text("costs $5") and "\\(" not in text("\\(x\\)")
    assert text("a*b_c") == "a\\*b\\_c"
    assert math("a<b") == '<span class="arithmatex">\\(a&lt;b\\)</span>'
