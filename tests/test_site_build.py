"""The build machinery: the catalog is loaded once, the navigation does not grow with the
catalog, formulas are rendered once across builds and math stays out of the search index."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import kb.catalog
from kb import site_hook
from kb.katex import FormulaCache, Katex
from tests.conftest import CATALOG, PROJECT, build_site

DERIVATION = "linear-regression-index-notation-derivation"


def small_catalog(root: Path, copies: int = 0) -> Path:
    """Determinants, one derivation and the record it cites; ``copies`` more of log-det and
    of the derivation under new ids."""
    root.mkdir(parents=True)
    shutil.copy(CATALOG / "sources.yaml", root)
    shutil.copytree(CATALOG / "determinants", root / "determinants")
    (root / "derivations").mkdir()
    (root / "worked-examples").mkdir()
    shutil.copy(CATALOG / "worked-examples" / "linear-regression-gradient.yaml",
                root / "worked-examples")
    for folder, name in (("derivations", DERIVATION), ("determinants", "log-det")):
        text = (CATALOG / folder / f"{name}.yaml").read_text(encoding="utf-8")
        (root / folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        for k in range(copies):
            (root / folder / f"{name}-copy{k}.yaml").write_text(
                text.replace(f"id: {name}", f"id: {name}-copy{k}", 1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for label, copies in (("small", 0), ("large", 30)):
        base = tmp_path_factory.mktemp(label)
        root = small_catalog(base / "identities", copies)
        code, output = build_site("--root", str(root), "--site-dir", str(base / "site"))
        assert code == 0, output
        out[label] = base / "site"
    return out


def _nav_links(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    start = html.index("md-nav--primary")
    primary = html[start:html.index("</nav>", start)]
    return re.findall(r'class="md-nav__link[^"]*"[^>]*href="([^"]+)"', primary) + re.findall(
        r'href="([^"]+)"[^>]*class="md-nav__link', primary)


def test_the_navigation_does_not_grow_with_the_catalog(sites) -> None:
    for page in ("identities/log-det/index.html", f"derivations/{DERIVATION}/index.html",
                 "index.html"):
        small, large = (_nav_links(sites[k] / page) for k in ("small", "large"))
        assert small and small == large, page
        assert not any("-copy" in link for link in large)
    # The derivations are listed on their index page instead.
    index = (sites["large"] / "derivations" / "index.html").read_text(encoding="utf-8")
    assert index.count(f"{DERIVATION}-copy") >= 30


def test_a_record_page_weighs_the_same_in_a_larger_catalog(sites) -> None:
    small, large = ((sites[k] / "identities" / "log-det" / "index.html").stat().st_size
                    for k in ("small", "large"))
    assert abs(large - small) / small < 0.10, (small, large)


def test_the_search_index_holds_no_math_markup(sites) -> None:
    index = json.loads((sites["small"] / "search" / "search_index.json").read_text())
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "katex" not in text and "<math" not in text and "kb-math" not in text
    assert "\\frac" not in text and "\\partial" not in text
    page = (sites["small"] / "identities" / "log-det" / "index.html").read_text()
    assert 'class="katex' in page and "<!--kb-math" not in page
    assert "data-search-exclude" in page


def test_the_build_loads_every_record_once(tmp_path: Path, monkeypatch) -> None:
    root = small_catalog(tmp_path / "identities")
    loaded: list[str] = []
    real = kb.catalog.load_record

    def counting(path, *args, **kwargs):
        loaded.append(path.stem)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(kb.catalog, "load_record", counting)
    code, output = build_site("--root", str(root), "--site-dir", str(tmp_path / "site"))
    assert code == 0, output
    records = [p.stem for p in root.rglob("*.yaml") if p.stem != "sources"]
    assert sorted(loaded) == sorted(records)


def test_the_hook_mkdocs_loads_by_path_gets_the_verified_catalog(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    config = load_config(str(PROJECT / "mkdocs.yml"))
    hooks = list(config["hooks"].values())
    assert hooks and all(hook is not site_hook for hook in hooks)  # a module of its own
    marker = object()
    site_hook.hand_over(config, tmp_path, marker)  # type: ignore[arg-type]
    assert all(hook.PREVERIFIED[tmp_path.resolve()] is marker for hook in hooks)
    site_hook.hand_over(config, tmp_path, None)
    assert all(tmp_path.resolve() not in hook.PREVERIFIED for hook in hooks)


FORMULAS = [(r"\frac{\partial}{\partial X} \log\det X = X^{-T}", True), ("x^T A x", False),
            (r"\operatorname{tr}(A X B)", False)]


def test_formulas_are_rendered_once_across_builds(tmp_path: Path) -> None:
    first = Katex(PROJECT, tmp_path)
    first.render_many(FORMULAS * 2)
    assert first.rendered == len(FORMULAS)
    html = [first.render(*f) for f in FORMULAS]
    first.close()
    second = Katex(PROJECT, tmp_path)
    assert [second.render(*f) for f in FORMULAS] == html
    assert second.rendered == 0  # from the disk cache; Node was never started
    assert second._process is None
    second.render("y^T B y")
    assert second.rendered == 1
    second.close()


def test_the_formula_cache_key_covers_display_options_and_version(tmp_path: Path) -> None:
    cache = FormulaCache(tmp_path, "0.16.9")
    other = FormulaCache(tmp_path, "0.16.10")
    assert cache.key(("x", True)) != cache.key(("x", False))
    assert cache.key(("x", True)) != other.key(("x", True))
    cache.put_many({("x", True): "<span>x</span>"})
    assert cache.get_many([("x", True)]) == {("x", True): "<span>x</span>"}
    assert other.get_many([("x", True)]) == {}
    cache.close()
    other.close()


def test_invalid_tex_names_the_formula(tmp_path: Path) -> None:
    from kb.katex import KatexError

    katex = Katex(PROJECT, tmp_path)
    with pytest.raises(KatexError, match=r"\\frac\{"):
        katex.render_many([("x", False), (r"\frac{", False)])
    katex.close()
    assert FormulaCache(tmp_path, "any").get_many([(r"\frac{", False)]) == {}


def test_the_formula_cache_is_never_inside_the_site(site: Path) -> None:
    assert not list(site.rglob("*.sqlite3"))
