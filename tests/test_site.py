"""The site is built from the verified catalog, and a failing record stops the build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kb.render import math, reading, text
from kb.render.cite import tex_escape
from kb.render.labels import implied
from kb.render.search_keys import formula_key
from tests.conftest import CATALOG, PROJECT, build_site

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
    index = json.loads((site / "browse.json").read_text(encoding="utf-8"))["records"]
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


def pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8")
            for p in site.rglob("index.html")}


def test_browse_page_is_light_and_its_index_has_words(site: Path) -> None:
    assert (site / "browse" / "index.html").stat().st_size <= 400 * 1024
    data = json.loads((site / "browse.json").read_text(encoding="utf-8"))
    labels = data["labels"]
    assert labels["structures"]["spd"] == "symmetric positive definite"
    assert labels["sources"]["seed-000-b1"] == "Lecture notes, App. B.1"
    assert all("_" not in label for group in labels.values() for label in group.values())
    spd = [r for r in data["records"] if "spd" in r["structures"]]
    assert spd and all("symmetric" in r["structures"] for r in spd)  # spd ⇒ symmetric


def test_titles_and_prose_are_in_reading_form(site: Path) -> None:
    for path, page in pages(site).items():
        if path.startswith(("syntax/", "records/", "api/", "derive/")):
            continue  # these pages teach the spelling of the language and the command line
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        for shown in (title, heading.group(1) if heading else ""):
            assert "^T" not in shown and "^{-1}" not in shown, (path, shown)
        for word in ("positive_determinant", "full_column_rank", "seed note", "Seed 000",
                     "the seed", "equalitys", "identitys", "Unknown ("):
            assert word not in page, (path, word)
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "\\|" not in api


def test_pages_have_their_own_description(site: Path) -> None:
    found = {re.search(r'<meta name="description" content="([^"]*)"', page).group(1)
             for page in pages(site).values()}
    assert len(found) > 300


def test_sources_say_what_they_are(site: Path) -> None:
    page = (site / "sources" / "index.html").read_text(encoding="utf-8")
    assert "Matrix Calculus, Appendix B.1 of lecture notes" in page
    assert "author not stated" in page


def test_record_pages_have_a_cite_block(site: Path) -> None:
    page = (site / "identities" / "log-det" / "index.html").read_text(encoding="utf-8")
    block = page[page.index('class="kb-cite"'):]
    assert "@misc{matrixcookbook2012," in block and "@misc{kb-log-det," in block
    assert "\\cite[eq. 57 (stated for ln|det X|)]{matrixcookbook2012}" in block
    derivation = (site / "derivations" / "linear-regression-gradient-derivation" /
                  "index.html").read_text(encoding="utf-8")
    assert 'class="kb-cite"' in derivation


def test_site_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config import load_config

    monkeypatch.setenv("KB_SITE_URL", "https://example.org/kb/")
    config = load_config(str(PROJECT / "mkdocs.yml"))
    assert config.site_url == "https://example.org/kb/"
    monkeypatch.delenv("KB_SITE_URL")
    assert not load_config(str(PROJECT / "mkdocs.yml")).site_url


def test_permalink_is_absolute_with_a_site_url() -> None:
    from kb.catalog import load_entries
    from kb.render.cite import cite_block

    catalog, _ = load_entries([CATALOG / "determinants" / "log-det.yaml"], root=CATALOG)
    identity = next(iter(catalog))
    block = "\n".join(cite_block(identity, catalog.sources, "https://example.org/kb/"))
    assert 'href="https://example.org/kb/identities/log-det/">' in block
    assert "\\url{https://example.org/kb/identities/log-det/}" in block


def test_errata_show_a_counterexample_and_the_printed_form(site: Path) -> None:
    page = (site / "errata" / "index.html").read_text(encoding="utf-8")
    assert page.count("Counter-example.") >= 5
    assert "the correct gradient predicts" in page
    assert "As printed, in this record" in page
    assert 'href="../identities/symmetric-gradient-rule/"' in page


def test_reading_form_of_formulas() -> None:
    assert reading("x^T A x") == "xᵀ A x"
    assert reading("(A + B B^T)^{-1}") == "(A + B Bᵀ)⁻¹"
    assert reading("X^{-T} and X^+ and det(X^k)") == "X⁻ᵀ and X⁺ and det(Xᵏ)"
    assert reading("e^{A A^T}") == "e^(A Aᵀ)"  # no Unicode form: readable all the same


def test_formula_keys_agree_for_the_spellings_people_type() -> None:
    keys = {formula_key(q) for q in ("x^T A x", "xᵀAx", "x'Ax", "xᵀ A x", "x^{T} A x")}
    assert keys == {"xᵀAx"}
    assert formula_key("derivative of x^T A x") == "derivative of xᵀAx"
    assert formula_key("(57)") == "57"
    assert formula_key("log det") == "log det"


def test_structures_include_what_they_imply() -> None:
    assert implied(["spd"]) == ["invertible", "positive_determinant", "spd", "symmetric"]
    assert implied(["orthogonal"]) == ["invertible", "orthogonal"]


def test_tex_escape() -> None:
    # Braces as commands: BibTeX counts \{ and \} as braces, so they could close a field.
    assert tex_escape("50% of {x}_1 & \\y") == (
        r"50\% of \textbraceleft{}x\textbraceright{}\_1 \& \textbackslash{}y")
