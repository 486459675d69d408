"""Hostile input, the output half: what a stranger's record or argument must not make a
command write, read or print.

Each test states one thing: an id or topic cannot name a path, an export never leaves half a
file, ``kb build`` never deletes what it did not write, and record text cannot close the
HTML, Markdown, TeX or BibTeX around it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.writing import SITE_MARKER
from tests.conftest import CATALOG, GOOD_RECORD, PROJECT
from tests.conftest import run_cli as run
from tests.conftest import write_record as write


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small catalog folder: the sources registry and one good record."""
    root = tmp_path / "identities"
    (root / "traces").mkdir(parents=True)
    shutil.copy(CATALOG / "sources.yaml", root / "sources.yaml")
    write(root, "trace-x", GOOD_RECORD.format(id="trace-x"))
    monkeypatch.chdir(tmp_path)
    return root


def tree(folder: Path) -> list[str]:
    """Every path under a folder, to compare before and after."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---- ids and topics -------------------------------------------------------------------------

BAD_IDS = ["*", "**", "/etc/passwd", "../outside/x", "x" * 5000, "trace-x\n", "trace-x/../trace-x",
           "[a-z]*", "trace-?", "", "Trace-X", "trace--x", "-trace"]


@pytest.mark.parametrize("rid", BAD_IDS)
@pytest.mark.parametrize("command", ["show", "cite"])
def test_ids_are_validated_before_any_file_is_read(catalog: Path, command: str, rid: str
                                                   ) -> None:
    result = run(command, rid, "--root", str(catalog))
    assert result.exit_code == 2, result.output
    assert "Gradient of a trace" not in result.output
    assert "RECORD_ID" in result.output


def test_show_reads_nothing_outside_the_catalog(catalog: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.yaml").write_text(GOOD_RECORD.format(id="x"), encoding="utf-8")
    assert run("show", "../outside/x", "--root", str(catalog)).exit_code == 2
    # A well-formed id only finds files inside the catalog.
    result = run("show", "x", "--root", str(catalog))
    assert result.exit_code == 1 and "no identity with id 'x'" in result.output


@pytest.mark.parametrize("rid", ["abc\n", "x" * 5000, "../x", "a/b", "", "A", "a b"])
def test_new_refuses_bad_ids(catalog: Path, rid: str) -> None:
    result = run("new", rid, "--root", str(catalog))
    assert result.exit_code == 2, result.output
    assert sorted(p.name for p in catalog.rglob("*.yaml")) == ["sources.yaml", "trace-x.yaml"]


@pytest.mark.parametrize("topic", ["../../x", "/tmp/x", "a/../../b", "traces/trace-x.yaml",
                                   "UPPER", "x" * 300, ".", "..", "", "a\n"])
def test_new_refuses_bad_topics(catalog: Path, topic: str) -> None:
    before = tree(catalog.parent)
    result = run("new", "fine-id", "--topic", topic, "--root", str(catalog))
    assert result.exit_code == 2, result.output
    assert tree(catalog.parent) == before


def test_new_into_a_topic_that_is_a_file(catalog: Path) -> None:
    (catalog / "afile").write_text("x", encoding="utf-8")
    result = run("new", "fine-id", "--topic", "afile", "--root", str(catalog))
    assert result.exit_code == 2 and "afile" in result.output, result.output
    assert (catalog / "afile").read_text(encoding="utf-8") == "x"


def test_new_into_a_topic_linking_outside_the_catalog(catalog: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (catalog / "linked").symlink_to(tmp_path / "elsewhere")
    result = run("new", "fine-id", "--topic", "linked", "--root", str(catalog))
    assert result.exit_code == 2 and "outside the catalog" in result.output, result.output
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_new_writes_a_good_id_inside_the_catalog(catalog: Path) -> None:
    result = run("new", "fine-id", "--topic", "traces", "--root", str(catalog))
    assert result.exit_code == 0, result.output
    assert (catalog / "traces" / "fine-id.yaml").is_file()


@pytest.mark.parametrize("shape", ["W=0,0", "W=,", "W=1", "=1,2", "W=-1,2", "W=a b,2",
                                   "W=99999999,99999999", "W=1,2,3", "W", "1W=2,2", "W=n,",
                                   "W=١,٢", "W=n\n,k"])
@pytest.mark.parametrize("command", ["match", "derive"])
def test_shapes_are_validated(catalog: Path, command: str, shape: str) -> None:
    result = run(command, "tr(W)", "--wrt", "W", "--shape", shape, "--root", str(catalog))
    assert result.exit_code == 2, result.output
    assert "--shape" in result.output


def test_a_good_shape_still_matches(catalog: Path) -> None:
    result = run("match", "tr(W)", "--wrt", "W", "--shape", "W=k,k", "--root", str(catalog))
    assert result.exit_code == 0 and "I(k)" in result.output, result.output


# ---- exports: whole or nothing ----------------------------------------------------------------

@pytest.mark.parametrize("target", ["missing/folder/out.json", "adir"])
def test_export_to_a_bad_place_is_a_clean_error(catalog: Path, target: str) -> None:
    (catalog.parent / "adir").mkdir()
    result = run("export", "json", "-o", target, "--root", str(catalog))
    assert result.exit_code == 1 and "cannot write" in result.output, result.output
    assert not (catalog.parent / "missing").exists()
    assert list((catalog.parent / "adir").iterdir()) == []


def test_export_to_a_full_device_is_a_clean_error(catalog: Path) -> None:
    assert Path("/dev/full").exists(), "/dev/full simulates a full disk"
    result = run("export", "json", "-o", "/dev/full", "--root", str(catalog))
    assert result.exit_code == 1 and "cannot write /dev/full" in result.output, result.output
    assert Path("/dev/full").is_char_device()


def test_export_on_a_full_disk_leaves_the_old_file_and_no_temporary(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = catalog.parent / "out.json"
    out.write_text("previous export\n", encoding="utf-8")
    real_fsync = os.fsync

    def full(fd: int) -> None:
        real_fsync(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run("export", "json", "-o", str(out), "--root", str(catalog))
    assert result.exit_code == 1 and "No space left on device" in result.output, result.output
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in catalog.parent.iterdir()) == ["identities", "out.json"]


def test_export_replaces_a_file_whole(catalog: Path) -> None:
    out = catalog.parent / "out.tex"
    out.write_text("old", encoding="utf-8")
    result = run("export", "latex", "-o", str(out), "--root", str(catalog))
    assert result.exit_code == 0, result.output
    assert r"\@namedef{kb@den@trace-x}" in out.read_text(encoding="utf-8")
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # not the temporary file's mode


# ---- escaping in exports and citations --------------------------------------------------------

HOSTILE_TITLE = "<img src=x onerror=alert(1)> $x$ [a](javascript:alert(2)) \\(y\\)"


def test_markdown_export_escapes_html_and_markdown(catalog: Path) -> None:
    record = GOOD_RECORD.format(id="evil").replace("Gradient of a trace", HOSTILE_TITLE)
    write(catalog, "evil", record.replace('"Example"', '"<script>alert(3)</script>"'))
    for args in (("export", "markdown"), ("show", "evil", "--format", "markdown")):
        result = run(*args, "--root", str(catalog))
        assert result.exit_code == 0, result.output
        assert "<img" not in result.output and "&lt;img" in result.output
        assert "<script>" not in result.output
        assert "](javascript:" not in result.output and "$x$" not in result.output


def test_latex_export_keeps_titles_in_their_comment(catalog: Path) -> None:
    write(catalog, "evil", GOOD_RECORD.format(id="evil").replace(
        "title: Gradient of a trace", 'title: "T\\n\\\\input{/etc/passwd}\\r\\\\x"'))
    result = run("export", "latex", "--root", str(catalog))
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("% evil:"))
    assert "\\input{/etc/passwd}" in line  # inside the comment, on the comment's line
    assert not any(ln.startswith("\\input") for ln in result.output.splitlines())


def _braces_balance(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _add_source(root: Path, entry: str) -> None:
    registry = root / "sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + entry, encoding="utf-8")


def test_bibtex_fields_cannot_be_closed(catalog: Path) -> None:
    _add_source(catalog, 'evil:\n  title: "T}, note = {pwned\\\\"\n'
                '  authors: ["A}, x = {y", "B \\\\} C"]\n  version: "v}{"\n  year: 2020\n'
                '  url: "https://example.org/a"\n')  # a url with braces is refused (KB104)
    write(catalog, "evil", GOOD_RECORD.format(id="evil").replace("seed-002-ang", "evil")
          .replace('"Example"', '"eq. 1], \\\\input{x} ["'))
    result = run("cite", "evil", "--root", str(catalog))
    assert result.exit_code == 0, result.output
    assert "note = {pwned" not in result.output and "x = {y" not in result.output
    entry = result.output.split("\n% ")[0]
    assert _braces_balance(entry), entry
    assert re.findall(r"^  (\w+) = ", entry, re.M) == ["title", "author", "year", "note",
                                                       "howpublished"]
    cite = next(ln for ln in result.output.splitlines() if ln.startswith("% \\cite["))
    assert cite == (r"% \cite[eq. 1{]}, \textbackslash{}input\textbraceleft{}x"
                    r"\textbraceright{} {[}]{evil}")


def test_bibtex_leaves_out_an_address_that_is_not_http(catalog: Path) -> None:
    _add_source(catalog, 'evil:\n  title: T\n  authors: [A]\n  year: 2020\n'
                '  url: "javascript:alert(1)"\n')
    write(catalog, "evil", GOOD_RECORD.format(id="evil").replace("seed-002-ang", "evil"))
    result = run("cite", "evil", "--root", str(catalog))
    assert result.exit_code in (0, 1) and "javascript" not in result.output, result.output


def test_escape_functions_close_nothing() -> None:
    from kb.escape import esc, safe_url, tex_escape, text

    hostile = "}{\\ ] [ <a href='x'> $ ` \n # % & ~ ^ _"
    assert _braces_balance(tex_escape(hostile))
    assert "]" not in tex_escape(hostile).replace("{]}", "")
    assert "<" not in esc(hostile) and "'" not in esc(hostile) and "\n" not in text(hostile)
    for url in ("javascript:alert(1)", "JAVASCRIPT:x", " https://a.b", "https://a.b/\"x",
                "https://a.b/<x>", "data:text/html,x", "//a.b", "https:///x", "vbscript:x",
                "https://a.b/x\ny", "https://a.b/{x}"):
        assert safe_url(url) is None, url
    assert safe_url("https://example.org/a_b?c=1#d") == "https://example.org/a_b?c=1#d"


# ---- kb build writes only into its own folder ------------------------------------------------

@pytest.mark.parametrize("site_dir", ["site", "identities", ".", "..", "identities/traces",
                                      "site/assets", "kb/.."])
def test_build_refuses_the_project_s_own_folders(site_dir: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    before = {name: tree(PROJECT / name) for name in ("site", "identities")}
    result = run("build", "--site-dir", site_dir)
    assert result.exit_code == 2, result.output
    assert "refusing to build the site into" in result.output
    assert "verified" not in result.output
    assert {name: tree(PROJECT / name) for name in ("site", "identities")} == before


def test_build_refuses_a_folder_it_did_not_write(catalog: Path) -> None:
    mine = catalog.parent / "notes"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work", encoding="utf-8")
    for target in (mine, catalog.parent, catalog, mine / "thesis.tex"):
        result = run("build", "--root", str(catalog), "--site-dir", str(target))
        assert result.exit_code == 2, result.output
    assert (mine / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert tree(catalog.parent) == ["identities", "identities/sources.yaml",
                                    "identities/traces", "identities/traces/trace-x.yaml",
                                    "notes", "notes/thesis.tex"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_build_keeps_the_previous_site(
        catalog: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]) -> None:
    import mkdocs.commands.build

    site = catalog.parent / "out" / "site"
    site.mkdir(parents=True)
    (site / SITE_MARKER).write_text("", encoding="utf-8")
    (site / "index.html").write_text("the previous site", encoding="utf-8")

    def interrupted(config, **kwargs) -> None:
        (Path(config["site_dir"]) / "half.html").write_text("half", encoding="utf-8")
        raise failure("stopped mid-build")

    monkeypatch.setattr(mkdocs.commands.build, "build", interrupted)
    result = CliRunner().invoke(main, ["build", "--root", str(catalog), "--site-dir", str(site)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert tree(site.parent) == ["site", f"site/{SITE_MARKER}", "site/index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the previous site"


@pytest.mark.parametrize("mark", [[SITE_MARKER], ["browse.json", "search/search_index.json"]])
def test_build_replaces_its_own_folder_and_marks_it(
        catalog: Path, monkeypatch: pytest.MonkeyPatch, mark: list[str]) -> None:
    """A site with the marker, or one built before the marker existed (the kb hook's browse
    index with the search index), is replaced whole."""
    import mkdocs.commands.build

    site = catalog.parent / "site"
    for name in mark:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("", encoding="utf-8")
    (site / "stale.html").write_text("old", encoding="utf-8")

    def built(config, **kwargs) -> None:
        (Path(config["site_dir"]) / "index.html").write_text("new", encoding="utf-8")

    monkeypatch.setattr(mkdocs.commands.build, "build", built)
    result = run("build", "--root", str(catalog), "--site-dir", str(site))
    assert result.exit_code == 0, result.output
    assert tree(catalog.parent / "site") == [SITE_MARKER, "index.html"]
    assert sorted(p.name for p in catalog.parent.iterdir()) == ["identities", "site"]


# ---- KaTeX errors name the record and field ---------------------------------------------------

def test_a_formula_katex_rejects_names_the_record_and_field(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.katex import Katex, KatexError

    write(catalog, "zq-record", GOOD_RECORD.format(id="zq-record").replace("X", "Zq")
          .replace("tr(Zq)", "tr(Zq)"))
    real = Katex._ask

    def ask(self, batch):  # KaTeX as if it could not render the name Zq
        for tex, _ in batch:
            if "Zq" in tex:
                raise KatexError(f"KaTeX parse error: no Zq in {tex!r}", tex,
                                 "KaTeX parse error: no Zq")
        return real(self, batch)

    monkeypatch.setattr(Katex, "_ask", ask)
    site = catalog.parent / "site"
    result = run("build", "--root", str(catalog), "--site-dir", str(site))
    assert result.exit_code == 1, result.output
    assert re.search(r"zq-record\.yaml:9:\d+: KB104 KaTeX cannot render variables\.Zq: "
                     r"KaTeX parse error", result.output), result.output
    assert "Aborted with a BuildError" not in result.output
    assert not site.exists()


def test_the_hook_says_to_run_npm_ci_without_katex(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    from kb import site_hook

    config = SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"), site_url=None,
                             nav=[])
    with pytest.raises(PluginError, match="npm ci"):
        site_hook.on_config(config)


def test_a_formula_only_a_cheat_sheet_shows_is_traced_to_its_record(catalog: Path) -> None:
    from kb.catalog import load
    from kb.katex import KatexError
    from kb.render.formula_fields import locate_formula

    write(catalog, "other", GOOD_RECORD.format(id="other").replace("X", "Y"))
    identities = list(load(catalog))

    def render(tex: str) -> None:
        if "Y" in tex:
            raise KatexError("bad", tex, "KaTeX parse error: no Y")

    pages = {"cheatsheets/traces.md": ["= Y^T", "X"], "identities/trace-x.md": ["X"]}
    [found] = locate_formula("= Y^T", "KaTeX parse error", pages, identities, render)
    assert re.search(r"other\.yaml:9:\d+: KB104 KaTeX cannot render variables\.Y: KaTeX "
                     r"parse error: no Y", str(found)), str(found)
