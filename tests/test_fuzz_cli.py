"""Fuzzing the command line: random ids, topics, --shape values, expressions and --wrt
through ``show``, ``cite``, ``new``, ``match``, ``derive`` and ``search``.

Whatever the arguments, a command exits with 0, 1 or 2, prints no traceback and writes
nothing outside its catalog (``kb new`` writes only a well-formed id, inside it). The
catalog is a copy of the real one in a temporary folder, loaded once for ``derive``. Run
with ``-s`` to see how many inputs ran and the slowest of each command.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb.cli
from kb.arguments import ID_RE
from kb.catalog import load, record_ids
from kb.cli import main
from tests.conftest import CATALOG

STATS: dict[str, list[tuple[float, int]]] = {}
"""Per command: (seconds, exit code) of each input run."""

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

NASTY = ["*", "**", "?", "[a-z]*", "..", "../x", "/etc/passwd", "x" * 5000, "a\n", "a\x00b",
         "trace-axb", "log-det", "-", "a--b", "CON", "a/b", "~", "$HOME", "%s", "{x}",
         "\u202e", "é", "１"]
words = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                  st.from_regex(r"[a-z0-9-]{1,30}", fullmatch=True),
                  st.sampled_from(record_ids(CATALOG)))
EXPRESSION_ALPHABET = [*"xyXYAWBb^T{}()[]-+*/_,.'0123456789 ∘⊗|\\", "tr(", "det(", "log(",
                       "inv(", "sum_{r=0}^{", "exp.(", "norm(", "X^{-1}", "diag(", "vec("]
GOOD = ["tr(A X B)", "x^T A x", "log(det(X))", "(A x - b)^T (A x - b)", "norm(x)^2",
        "tr(X^T X)", "a^T X b", "tr(X^{-1} A)", "x^T x"]
"""Expressions both commands answer, so that fuzzing also reaches the answering paths."""
expressions = st.one_of(st.text(max_size=40),
                        st.lists(st.sampled_from(EXPRESSION_ALPHABET), max_size=25).map("".join),
                        st.sampled_from([*GOOD, "tr(X^" + "9" * 400 + ")",
                                         "(" * 300 + "x" + ")" * 300]),
                        st.sampled_from(GOOD))
names = st.one_of(st.sampled_from(["x", "X", "W", "A", "", " ", "x\n", "1", "tr", "T"]),
                  st.sampled_from(["x", "X"]), st.text(max_size=8))
dimensions = st.one_of(st.sampled_from(["n", "1", "0", "-1", "", " ", "3", "101", "9" * 30,
                                        "n,", "١"]),
                       st.integers(-10, 10**6).map(str), st.text(max_size=6))
shapes = st.one_of(st.text(max_size=20),
                   st.builds(lambda n, r, c: f"{n}={r},{c}", names, dimensions, dimensions))


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Iterator[tuple[Path, Path]]:
    """(a work folder, the catalog inside it); ``derive`` answers from the catalog loaded
    once (loading is not what is fuzzed)."""
    work = tmp_path_factory.mktemp("fuzz")
    root = work / "identities"
    shutil.copytree(CATALOG, root)
    catalog = load(root)
    patch = pytest.MonkeyPatch()
    patch.setattr(kb.cli, "_catalog", lambda _root: catalog)
    patch.chdir(work)
    yield work, root
    patch.undo()
    for command, runs in sorted(STATS.items()):
        codes = {code: sum(c == code for _, c in runs) for code in (0, 1, 2)}
        print(f"\nfuzz {command}: {len(runs)} inputs, slowest {max(runs)[0]:.2f} s, "
              f"exit codes {codes}")


def invoke(place: tuple[Path, Path], command: str, *args: str) -> None:
    work, root = place
    before = tree(work)
    start = time.perf_counter()
    result = CliRunner().invoke(main, [command, *args, "--root", str(root)])
    STATS.setdefault(command, []).append((time.perf_counter() - start, result.exit_code))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"kb {command} {args!r}: {result.exception!r}\n{result.output}")
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output, (args, result.output)
    added = tree(work) - before
    removed = before - tree(work)
    assert not removed, (args, removed)
    for name in added:  # only `kb new`, only a well-formed id, only inside the catalog
        path = work / name
        assert command == "new" and path.is_relative_to(root), (args, added)
        if path.is_file():
            assert ID_RE.match(path.stem) and path.suffix == ".yaml", (args, name)
    for name in sorted(added, reverse=True):  # leave the catalog as it was
        path = work / name
        path.unlink() if path.is_file() else path.rmdir()


@FUZZ
@given(rid=words)
def test_show_and_cite(place, rid: str) -> None:
    invoke(place, "show", rid)
    invoke(place, "cite", rid)


@FUZZ
@given(rid=words, topic=words)
def test_new(place, rid: str, topic: str) -> None:
    invoke(place, "new", rid, "--topic", topic)


@FUZZ
@given(expression=expressions, wrt=names, shape=st.lists(shapes, max_size=2))
def test_match(place, expression: str, wrt: str, shape: list[str]) -> None:
    invoke(place, "match", expression, "--wrt", wrt, *[a for s in shape for a in ("--shape", s)])


@settings(FUZZ, max_examples=40)
@given(expression=expressions, wrt=names, shape=st.lists(shapes, max_size=2))
def test_derive(place, expression: str, wrt: str, shape: list[str]) -> None:
    invoke(place, "derive", expression, "--wrt", wrt,
           *[a for s in shape for a in ("--shape", s)])


@FUZZ
@given(query=st.lists(words, min_size=1, max_size=3))
def test_search(place, query: list[str]) -> None:
    invoke(place, "search", *query)
