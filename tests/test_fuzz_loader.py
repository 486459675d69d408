"""Fuzzing the loader with whole records: random bytes, random text, the catalog's records
mutated, deep nesting, aliases, odd Unicode and random expressions.

Each input is written as a record file of a small catalog and loaded (and, when it loads,
verified) exactly as `kb verify` does. Whatever the input: no exception escapes, every
problem is a diagnostic with a known code (never the verifier's internal error) that names
the file, with a position inside it, and a file that does not load has at least one problem.
The deadline is far above what one input takes; it is there to turn a hang into a failure.
KB_FUZZ_SCALE=N runs N times as many inputs on fresh seeds; KB_FUZZ_LOG=FILE appends the
time, the codes and the size of each input to FILE.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.catalog import load_entries
from kb.catalog_run import verify_catalog
from kb.diagnostics import CODES
from tests.conftest import CATALOG

SCALE = int(os.environ.get("KB_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Runs of ``examples`` inputs, the same inputs every run unless scaled."""
    return settings(max_examples=examples * SCALE, deadline=timedelta(seconds=5),
                    derandomize=SCALE == 1,
                    database=None, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.data_too_large,
                                                          HealthCheck.function_scoped_fixture])

# A few records of each type, in their text form, to mutate.
SAMPLES = sorted(p for p in CATALOG.rglob("*.yaml")
                 if p.name not in ("sources.yaml", "uncovered.yaml"))[::24]
TEXTS = [(p.stem, p.read_text(encoding="utf-8")) for p in SAMPLES]

# Fragments an attacker would try, spliced into records.
HOSTILE = [
    "\x00", "\t", "\x1b[31m", "\u202e", "\ufeff", "\ud7ff", "\U0001F600", "ｘ１", "é", "𝑥",
    "&a", "*a", "&a [1, 2]", "<<: *a", "? [a]\n: b", "{a: 1}: b", "!!python/object:os.system",
    "!foo", "---", "...", "%YAML 1.1", "[" * 60, "{" * 60, "]", "}", ": ", "- ", "#", "|",
    ">-", "'", '"', "\\", "~", "null", "true", "1e400", "-0", "0x1F", "2020-01-01",
    "sum_{r=0}^{}", "sum_{r=0}^{1000000000}", "1" * 400, "X^{99999}", "(" * 300, "-(" * 120,
    "I(0)", "zeros(n, 0)", "tr(", "diff(X)", "<script>alert(1)</script>", "javascript:x",
    "../../etc/passwd", "x_1_", "tr", "T", "I",
]
IDENT = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "identities"
    (folder / "t").mkdir(parents=True)
    shutil.copy(CATALOG / "sources.yaml", folder / "sources.yaml")
    return folder


def check(root: Path, name: str, data: bytes) -> None:
    """Load (and verify) one record file the way `kb verify` does; assert the contract."""
    folder = root / "t"
    for old in folder.iterdir():
        old.unlink()
    path = folder / f"{name}.yaml"
    path.write_bytes(data)
    start = time.perf_counter()
    catalog, problems = load_entries([folder], root=root)
    run = verify_catalog(catalog, problems)
    if os.environ.get("KB_FUZZ_LOG"):  # for the figures: seconds, codes and size per input
        codes = " ".join(sorted({p.code for p in run.problems})) or "verified"
        with open(os.environ["KB_FUZZ_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{time.perf_counter() - start:.4f}\t{codes}\t{len(data)}\n")
    for problem in run.problems:
        assert problem.code in CODES and problem.code != "KB406", str(problem)
        assert problem.path.name in (path.name, "sources.yaml"), str(problem)
        if problem.line is not None:
            assert problem.line >= 1 and problem.col >= 1, str(problem)
    if not catalog.entries:
        assert run.problems, "a file that does not load must have a problem"


@fuzz(150)
@given(data=st.binary(max_size=600))
def test_random_bytes(root: Path, data: bytes) -> None:
    check(root, "rec", data)


@fuzz(150)
@given(text=st.text(st.characters(codec="utf-8"), max_size=400))
def test_random_text(root: Path, text: str) -> None:
    check(root, "rec", text.encode("utf-8"))


@st.composite
def mutated(draw) -> tuple[str, str]:
    """A catalog record with a few random edits: a hostile fragment or random text spliced
    in, a line deleted or repeated, a value replaced."""
    name, text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["splice", "delete", "repeat", "value", "text"]))
        if edit == "splice":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(st.sampled_from(HOSTILE)) + line[cut:]
        elif edit == "delete":
            del lines[at]
        elif edit == "repeat":
            lines.insert(at, lines[at])
        elif edit == "value" and ": " in lines[at]:
            key = lines[at].split(": ", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(HOSTILE))}"
        else:
            lines[at] += draw(st.text(max_size=20))
        text = "\n".join(lines)
    return name, text


@fuzz(250)
@given(record=mutated())
def test_mutated_records(root: Path, record: tuple[str, str]) -> None:
    name, text = record
    check(root, name, text.encode("utf-8", "surrogatepass"))


EXPRESSION_RECORD = """\
id: rec
title: t
type: derivative
expression: "tr(A X)"
wrt: X
layout: denominator
derivative: "A^T"
variables:
  X: {shape: [n, n]}
  A: {shape: [n, n]}
  x: {shape: [n, 1], description: "may go unused"}
  k: {shape: [1, 1], integer: [1, 3]}
sources:
  - ref: seed-002-ang
    locator: "e"
"""
EXPRESSION_ALPHABET = "XYAxyabnk0123 +-*/^_{}()[],.=∘⊗'TIrs" + "trdetlogexpinvsum"


@fuzz(200)
@given(field=st.sampled_from(["expression", "derivative"]), whole=st.booleans(),
       expression=st.text(EXPRESSION_ALPHABET, max_size=80))
def test_random_expressions(root: Path, field: str, whole: bool, expression: str) -> None:
    """A random string as a whole field, or added in front of the field's expression."""
    quoted = expression.replace("\\", "\\\\").replace('"', '\\"')
    old = next(line for line in EXPRESSION_RECORD.splitlines() if line.startswith(field))
    value = old.split('"')[1]
    new = f'{field}: "{quoted}"' if whole else f'{field}: "{quoted} + {value}"'
    text = EXPRESSION_RECORD.replace(old, new)
    check(root, "rec", text.encode("utf-8"))


YAML_SCALAR = st.one_of(IDENT, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                        st.sampled_from(HOSTILE))


def _yaml(value: object, depth: int = 0) -> str:
    """Flow-style YAML of nested lists and mappings (quoted keys and scalars)."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_quote(k)}: {_yaml(v, depth + 1)}"
                               for k, v in value.items()) + "}"
    return _quote(value)


def _quote(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "null" if value is None else str(value).lower()


FIELDS = ["id", "title", "type", "expression", "wrt", "layout", "derivative", "variables",
          "sources", "notes", "steps", "conditions", "erratum", "aliases", "tags", "integer"]


@fuzz(150)
@given(record=st.dictionaries(
    st.sampled_from(FIELDS),
    st.recursive(YAML_SCALAR, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(IDENT, inner, max_size=4)),
        max_leaves=40),
    max_size=8),
    depth=st.integers(0, 40))
def test_structured_records_and_deep_nesting(root: Path, record: dict, depth: int) -> None:
    text = "\n".join(f"{key}: {_yaml(value)}" for key, value in record.items())
    text += "\nnested: " + "[" * depth + "x" + "]" * depth + "\n"
    check(root, "rec", text.encode("utf-8"))


@fuzz(60)
@given(width=st.integers(1, 12), levels=st.integers(1, 12), anchor=IDENT)
def test_aliases(root: Path, width: int, levels: int, anchor: str) -> None:
    lines = [f"l0: &{anchor}0 [x]"]
    lines += [f"l{i}: &{anchor}{i} [{', '.join([f'*{anchor}{i - 1}'] * width)}]"
              for i in range(1, levels)]
    name, text = TEXTS[0]
    check(root, name, (text + "\n" + "\n".join(lines) + f"\nnotes: *{anchor}{levels - 1}\n")
          .encode("utf-8"))
