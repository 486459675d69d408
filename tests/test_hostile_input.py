"""Hostile input: records written by an attacker.

Each test states one thing a stranger's record must not be able to do to `kb verify` (and so
to `kb build`, which loads the same way): crash it with a traceback, hang it, exhaust memory,
read a file outside the catalog, or be accepted wrongly. Every refusal is a diagnostic with a
code, at the place of the problem.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb import file_guard
from kb.catalog import load_entries
from kb.limits import MAX_FILE_BYTES, MAX_SUM_TERMS
from tests.conftest import CATALOG, GOOD_RECORD, PROJECT
from tests.conftest import run_cli as run
from tests.conftest import write_record as write

EQUALITY = """\
id: {id}
title: An equality
type: equality
lhs: "{lhs}"
rhs: "{rhs}"
variables:
  X: {{shape: [n, n]}}
{extra}sources:
  - ref: seed-002-ang
    locator: "Example"
"""

DERIVATION = """\
id: {id}
title: Gradient of x^T x, worked
type: derivation
goal: x^T x
wrt: x
layout: denominator
result: 2 x
steps:
  - kind: derivative
    expression: 2 x
    justification: the gradient of a squared norm
    cites: [{cites}]
variables:
  x: {{shape: [n, 1]}}
sources:
  - ref: seed-002-ang
    locator: "Example"
"""


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small catalog folder: the sources registry and one good record."""
    root = tmp_path / "identities"
    (root / "traces").mkdir(parents=True)
    shutil.copy(CATALOG / "sources.yaml", root / "sources.yaml")
    write(root, "trace-x", GOOD_RECORD.format(id="trace-x"))
    monkeypatch.chdir(tmp_path)
    return root


def failing(root: Path, *paths: Path) -> list[str]:
    """`kb verify` of the catalog (or of ``paths``): it fails; its diagnostic lines."""
    result = run("verify", *map(str, paths), "--root", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output.splitlines()[:-1]


def only(root: Path, name: str, *paths: Path) -> str:
    """The one diagnostic of ``name``.yaml."""
    lines = [line for line in failing(root, *paths) if f"{name}.yaml" in line]
    assert len(lines) == 1, lines
    return lines[0]


# ---- files ---------------------------------------------------------------------------------

def test_huge_file_is_refused_by_its_size_without_being_read(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = catalog / "traces" / "huge.yaml"
    with path.open("wb") as handle:  # sparse: 50 MB that take no disk
        handle.truncate(50 << 20)

    read = file_guard._read_regular

    def guarded(opened: Path) -> bytes | None:
        assert opened.name != "huge.yaml", "a file over the size limit was opened"
        return read(opened)

    monkeypatch.setattr(file_guard, "_read_regular", guarded)
    line = only(catalog, "huge")
    assert f"KB007 the file has {50 << 20} bytes, over the limit of {MAX_FILE_BYTES}" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_is_refused_without_blocking(catalog: Path) -> None:
    os.mkfifo(catalog / "traces" / "pipe.yaml")
    assert "pipe.yaml: KB007 not a regular file" in only(catalog, "pipe")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_lookup_index_reads_no_pipe_or_device(catalog: Path) -> None:
    """`kb search` hashes the catalog's files first: a pipe or a link to /dev/zero there
    must not block it or fill memory."""
    os.mkfifo(catalog / "traces" / "pipe.yaml")
    (catalog / "traces" / "zero.yaml").symlink_to("/dev/zero")
    result = run("search", "trace", "--root", str(catalog))
    assert result.exit_code == 1
    assert "pipe.yaml: KB007 not a regular file" in result.output
    assert "zero.yaml: KB007 a link to a file outside the catalog folder" in result.output


def test_device_and_folder_are_refused(catalog: Path) -> None:
    (catalog / "traces" / "folder.yaml").mkdir()
    assert "KB007 not a regular file" in only(catalog, "folder")
    result = run("verify", "/dev/zero")
    assert result.exit_code == 1 and "KB007 not a regular file" in result.output


def test_symlink_leaving_the_catalog_is_refused(catalog: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD_RECORD.format(id="outside"), encoding="utf-8")
    (catalog / "traces" / "outside.yaml").symlink_to(outside)
    assert "KB007 a link to a file outside the catalog folder" in only(catalog, "outside")


def test_show_does_not_read_a_record_linked_from_outside(catalog: Path, tmp_path: Path
                                                        ) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD_RECORD.format(id="outside").replace("a trace", "a secret"), "utf-8")
    (catalog / "traces" / "outside.yaml").symlink_to(outside)
    result = run("show", "outside", "--root", str(catalog))
    assert result.exit_code == 1 and "secret" not in result.output
    assert "KB007 a link to a file outside the catalog folder" in result.output


def test_symlink_inside_the_catalog_is_fine(catalog: Path) -> None:
    (catalog / "store").mkdir()
    record = catalog / "traces" / "trace-x.yaml"
    record.rename(catalog / "store" / "trace-x.txt")
    record.symlink_to(Path("../store/trace-x.txt"))
    assert run("verify", "--root", str(catalog)).exit_code == 0


@pytest.mark.parametrize(("text", "where", "words"), [
    ("id: nul\ntitle: ab\x00c\n", "2:10", "KB008 the control character U+0000"),
    ("id: nul\ntitle: ab\x1bc\n", "2:10", "KB008 the control character U+001B"),
    ("id: nul\ntitle\t: x\n", "2:6", "KB008 a tab"),
    ("id: nul\ntitle:\tx\n", "2:7", "KB008 a tab"),
    ("id: nul\ntitle: \u202etxt.exe\n", "2:8", "KB008 the bidirectional control U+202E"),
])
def test_forbidden_characters_are_located(catalog: Path, text: str, where: str, words: str
                                          ) -> None:
    write(catalog, "nul", text)
    line = only(catalog, "nul")
    assert f"nul.yaml:{where}: {words}" in line, line


def test_invalid_utf8_is_located(catalog: Path) -> None:
    write(catalog, "latin", b"id: latin\ntitle: caf\xe9\n")
    assert "latin.yaml:2:11: KB001 the file is not UTF-8" in only(catalog, "latin")


# ---- YAML ----------------------------------------------------------------------------------

def test_billion_laughs_is_refused_before_any_expansion(catalog: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    write(catalog, "laughs", "id: laughs\n" + "\n".join(lines) + "\ntitle: *a9\n")
    assert "laughs.yaml:2:5: KB009 YAML: an anchor (&a0)" in only(catalog, "laughs")


def test_alias_without_anchor_is_refused(catalog: Path) -> None:
    write(catalog, "alias", GOOD_RECORD.format(id="alias") + "tags: *nothing\n")
    assert "alias.yaml:13:7: KB009 YAML: an alias (*nothing)" in only(catalog, "alias")


@pytest.mark.parametrize(("text", "where", "what"), [
    ("id: t\n? {a: 1}\n: x\n", "2:3", "a mapping used as a key"),
    ("id: t\n{a: 1}: x\n", "2:1", "a mapping used as a key"),
    ("id: t\n[a, b]: x\n", "2:1", "a list used as a key"),
    ("id: t\ntitle: " + "[" * 5000 + "]" * 5000 + "\n", "2:23", "nested more than 16 levels"),
    ("id: t\ntitle: " + "[" * 20000 + "\n", "2:23", "nested more than 16 levels"),
])
def test_refused_yaml_is_located(catalog: Path, text: str, where: str, what: str) -> None:
    write(catalog, "t", text)
    line = only(catalog, "t")
    assert f"t.yaml:{where}: KB009 YAML: {what}" in line, line


@pytest.mark.parametrize("value", ["._", "0x_", "0b_", "+._", "2001-13-45"])
def test_values_ruamel_cannot_construct_are_located(catalog: Path, value: str) -> None:
    write(catalog, "t", f"id: t\ntitle: x\nnotes: {value}\n")
    line = only(catalog, "t")
    assert f"t.yaml:3:8: KB002 YAML: '{value}' cannot be read (" in line, line
    assert line.endswith("quote it to make it text"), line


@pytest.mark.parametrize(("text", "where"), [
    ("id: t\ntitle: [unclosed\n", "3:1"),
    ("id: t\ntitle: !python/object x\n", "2:8"),
    ("id: t\ntitle: x\n---\nid: u\n", "3:1"),
])
def test_yaml_errors_are_located(catalog: Path, text: str, where: str) -> None:
    write(catalog, "t", text)
    line = only(catalog, "t")
    assert f"t.yaml:{where}: KB002 YAML:" in line, line


# ---- expressions ---------------------------------------------------------------------------

@pytest.mark.parametrize(("lhs", "extra", "words"), [
    ("sum_{r=0}^{} X", "", "KB301 write a sum as"),
    ("sum_{r=}^{3} X", "", "KB301 write a sum as"),
    ("sum_{r=0}^{k+} X", "", "KB301 write a sum as"),
    ("sum_{r=0}^{1000000000} X", "", "KB308 a summation bound's integer 1000000000 is out"),
    ("sum_{r=1000000000}^{1000000001} X", "", "KB308 a summation bound's integer"),
    ("sum_{r=0}^{999} X", "", f"KB308 this summation runs from 0 to 999, so its body would "
     f"be evaluated 1000 times, over the limit of {MAX_SUM_TERMS}"),
    ("sum_{r=0}^{k} X", "  k: {shape: [1, 1], integer: [0, 1000]}\n",
     "KB308 this summation runs from 0 to 1000"),
    ("sum_{r=1}^{20} sum_{s=1}^{20} X", "", "KB308 this summation runs from 1 to 20, so its "
     "body would be evaluated 400 times"),
    ("sum_{r=0}^{k} X", "  k: {shape: [1, 1], integer: [0, 1000000000]}\n",
     "KB104 variables.k: an integer variable's range lies within ±1000"),
    ("1" * 400 + " X", "", "KB308 a number has more than 17 digits"),
    ("X^{100000}", "", "KB308 the exponent 100000 is out of range"),
    ("X^{1000000k}", "  k: {shape: [1, 1], integer: [1, 2]}\n", "KB308 the exponent's integer"),
    ("(" * 20000 + "X" + ")" * 20000, "", "KB308 expression longer than 2000 characters"),
    ("-(" * 600 + "X" + ")" * 600, "", "KB308 expression too long or nested too deeply"),
    ("kron(kron(X, X), kron(X, X))", "", "KB308 this n·n·n·n×n·n·n·n value can have "
     "43046721 entries, over the limit of 1000000"),
])
def test_expressions_over_the_limits_are_located(catalog: Path, lhs: str, extra: str,
                                                  words: str) -> None:
    write(catalog, "bad", EQUALITY.format(id="bad", lhs=lhs, rhs="X", extra=extra))
    line = only(catalog, "bad")
    assert words in line and "bad.yaml:" in line, line
    if "KB104" not in words:
        assert line.startswith("identities/traces/bad.yaml:4:"), line


def test_literal_of_pi_to_16_digits_is_fine(catalog: Path) -> None:
    write(catalog, "pi", EQUALITY.format(id="pi", lhs="3.141592653589793 X",
                                         rhs="X 3.141592653589793", extra=""))
    assert run("verify", "--root", str(catalog)).exit_code == 0


@pytest.mark.parametrize(("spec", "words"), [
    ("a,a,a->", "KB306 'a,a,a->' has 3 operands but 2 arrays are given"),
    ("aa,a->", "KB306 index 'a'"),
    ("a,a->b", "KB306 output index 'b' is not an input"),
])
def test_einsum_spec_not_matching_its_operands_is_located(catalog: Path, spec: str,
                                                           words: str) -> None:
    text = DERIVATION.format(id="ein", cites="trace-x").replace(
        "    expression: 2 x\n",
        f'    einsum:\n      - {{spec: "{spec}", arrays: [x, x], scale: "2"}}\n')
    write(catalog, "ein", text)
    line = only(catalog, "ein")
    assert words in line and "ein.yaml:11:16:" in line, line


def test_limits_are_documented_and_consistent() -> None:
    """site/records.md lists every limit of kb/limits.py; the size bound is the sampler's."""
    from kb import limits
    from kb.sampling import SIZES

    page = (PROJECT / "site" / "records.md").read_text(encoding="utf-8")
    names = [n for n in vars(limits) if n.isupper()]
    assert names and all(f"`{n}`" in page for n in names), names
    assert max(SIZES) == limits.LARGEST_NAMED_SIZE


# ---- records -------------------------------------------------------------------------------

def test_derivation_citing_itself_is_refused(catalog: Path) -> None:
    write(catalog, "self-proof", DERIVATION.format(id="self-proof", cites="self-proof"))
    assert ("identities/traces/self-proof.yaml:12:13: KB109 derivation 'self-proof' cites itself"
            in only(catalog, "self-proof"))


def test_derivations_citing_each_other_are_refused_once(catalog: Path) -> None:
    write(catalog, "proof-a", DERIVATION.format(id="proof-a", cites="trace-x, proof-b"))
    write(catalog, "proof-b", DERIVATION.format(id="proof-b", cites="proof-a"))
    lines = failing(catalog)
    assert lines == ["identities/traces/proof-b.yaml:12:13: KB109 derivation 'proof-b' is part "
                     "of a citation cycle: proof-a → proof-b → proof-a: a derivation may not "
                     "rest on itself"], lines


@pytest.mark.parametrize(("shape", "words"), [
    ("[n, tr]", "the dimension 'tr' is named like a function"),
    ("[I, I]", "the dimension 'I' is named like a function"),
    ("[n, X]", "the dimension 'X' is named like a variable"),
])
def test_dimension_named_like_a_function_or_variable_is_refused(catalog: Path, shape: str,
                                                                words: str) -> None:
    text = EQUALITY.format(id="dims", lhs="X^T X", rhs="X^T X", extra="").replace(
        "X: {shape: [n, n]}", f"X: {{shape: {shape}}}")
    write(catalog, "dims", text)
    line = only(catalog, "dims")
    assert "KB207 " + words in line and "dims.yaml:7:" in line, line


@pytest.mark.parametrize(("name", "words"), [
    ("x１", "KB104"), ("x_1_", "KB104"), ("é", "KB104"), ("x__1", "KB104"), ("_x", "KB104"),
])
def test_names_katex_cannot_render_are_refused(catalog: Path, name: str, words: str) -> None:
    text = EQUALITY.format(id="names", lhs="X", rhs="X", extra=f"  {name}: {{shape: [n, 1]}}\n")
    write(catalog, "names", text)
    line = only(catalog, "names")
    assert (f"names.yaml:8:3: {words} '{name}' is not a variable name: ASCII letters and "
            "digits, with at most one '_'" in line), line


@pytest.mark.parametrize("dim", ["n_1_", "３", "100"])
def test_dimensions_katex_cannot_render_or_too_large_are_refused(catalog: Path, dim: str
                                                                 ) -> None:
    text = EQUALITY.format(id="dim", lhs="X", rhs="X", extra="").replace("[n, n]",
                                                                         f"[{dim}, n]")
    write(catalog, "dim", text)
    line = only(catalog, "dim")
    assert "dim.yaml:7:" in line and "KB104 variables.X.shape" in line, line


def test_subscripted_names_still_work(catalog: Path) -> None:
    write(catalog, "sub", EQUALITY.format(id="sub", lhs="X_1 + X_1", rhs="2 X_1", extra="")
          .replace("  X: {shape: [n, n]}", "  X_1: {shape: [n_2, n_2]}"))
    assert run("verify", "--root", str(catalog)).exit_code == 0


# ---- sources -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x",
                                 "https://x\\\"><script>", "//evil.example"])
def test_source_url_must_be_http(catalog: Path, url: str) -> None:
    registry = catalog / "sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + (
        f'evil:\n  title: Evil\n  authors: [X]\n  year: 2020\n  url: "{url}"\n'),
        encoding="utf-8")
    lines = failing(catalog)
    assert any("sources.yaml:" in line and "KB104 evil.url: a source's url is an http:// or "
               "https:// address" in line for line in lines), lines


def test_a_second_registry_is_an_error_and_overrides_nothing(catalog: Path) -> None:
    (catalog / "traces" / "sources.yaml").write_text(
        "seed-002-ang:\n  title: Rewritten\n  authors: [Mallory]\n  year: 2020\n"
        "  url: https://evil.example\n", encoding="utf-8")
    main_line = next(i for i, line in enumerate(
        (catalog / "sources.yaml").read_text("utf-8").splitlines(), 1)
        if line.startswith("seed-002-ang:"))
    catalog_, problems = load_entries(None, root=catalog)
    assert [str(p) for p in problems] == [
        "identities/traces/sources.yaml:1:1: KB010 a second sources registry: a catalog has "
        "one, identities/sources.yaml; move these entries there (they are not used)",
        "identities/traces/sources.yaml:1:1: KB010 source 'seed-002-ang' is also defined at "
        f"identities/sources.yaml:{main_line}:1"]
    assert catalog_.sources["seed-002-ang"].url != "https://evil.example"
    assert "trace-x" in catalog_


def test_sources_defined_differently_in_two_catalogs_are_reported_at_both(
        catalog: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "sources.yaml").write_text(
        "seed-002-ang:\n  title: Rewritten\n  authors: [Mallory]\n  year: 2020\n", "utf-8")
    (other / "trace-z.yaml").write_text(GOOD_RECORD.format(id="trace-z"), encoding="utf-8")
    lines = failing(catalog, catalog, other)
    assert len(lines) == 1 and lines[0].startswith(
        "other/sources.yaml:1:1: KB010 source 'seed-002-ang' is defined differently at "
        "identities/sources.yaml:"), lines


def test_bad_records_registry_is_the_catalogs() -> None:
    """tests/bad_records is verified next to the catalog: its registry must not differ."""
    bad = PROJECT / "tests" / "bad_records" / "sources.yaml"
    assert bad.read_bytes() == (CATALOG / "sources.yaml").read_bytes()


# ---- numpy ---------------------------------------------------------------------------------

def test_numpy_warnings_do_not_reach_stderr(catalog: Path) -> None:
    write(catalog, "div-zero", EQUALITY.format(
        id="div-zero", lhs="1 / (tr(X) - tr(X)) X", rhs="X", extra=""))
    write(catalog, "overflow", GOOD_RECORD.format(id="overflow").replace(
        "expression: tr(X)", "expression: exp(1000 tr(X))").replace(
        "derivative: I(n)", "derivative: exp(1000 tr(X)) 1000 I(n)"))
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "verify",
                           "--root", str(catalog)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "KB402" in done.stdout
    assert done.stderr == "", done.stderr
