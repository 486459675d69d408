"""The derive engine's corpus (tests/derive_corpus.yaml): trusted first, then used.

Every ``expected`` answer of the corpus is checked here against central finite differences
of its expression, in plain numpy, whether or not the engine exists: the corpus is data we
must be able to trust before it judges the engine. Then, with ``kb.derive``, every entry is
derived and compared with the corpus: no wrong answer ever, at least 95% of the ``answer``
entries answered, and every ``refuse`` entry refused with a DeriveError.

The expected derivative is in denominator layout. An expression whose derivative has no
matrix form (a matrix by a matrix, say) states its differential instead, in ``dX``; an entry
with ``order: 2`` states the Hessian.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from ruamel.yaml import YAML

import kb
from kb import ast
from kb.dims import Shape
from kb.grammar import parse
from kb.layouts import derivative_shape, kind_of
from kb.numeric import Env, evaluate
from kb.sampling import assign_sizes, project, sample
from kb.schema import Structure
from kb.shapes import Scope, VarInfo, VarSpec, check

CORPUS = Path(__file__).with_name("derive_corpus.yaml")
FIELDS = {"id", "expression", "wrt", "shapes", "structure", "expected", "source", "expect",
          "order"}
DRAWS = 3
STEP = 1e-3
TOLERANCE = 1e-6
"""Relative: two Richardson levels of central differences at 1e-3 leave about 1e-10."""
ENGINE_TOLERANCE = 1e-8
"""The engine's answer against the corpus's, evaluated on the same draws."""


@cache
def corpus() -> tuple[dict, ...]:
    return tuple(YAML(typ="safe").load(CORPUS.read_text(encoding="utf-8")))


def entries(expect: str | None = None) -> list[dict]:
    return [e for e in corpus() if expect is None or e["expect"] == expect]


def source_family(entry: dict) -> str:
    """The source without its locator: 'sympy test_derivatives', 'Matrix Cookbook', …"""
    return entry["source"].split(":")[0].split(" (")[0]


# ---- an entry's variables, draws and trees -------------------------------------------------


class Problem:
    """An entry's variables with shapes and structures, and draws of them."""

    def __init__(self, entry: dict, seed: int = 0) -> None:
        self.entry = entry
        structure = entry.get("structure") or {}
        self.specs = {name: VarSpec(Shape.parse(pair), frozenset(
                          Structure(s) for s in structure.get(name, ())))
                      for name, pair in entry["shapes"].items()}
        dims = {d for spec in self.specs.values() for dim in (spec.shape.rows, spec.shape.cols)
                for d in dim.names}
        self.scope = Scope({n: VarInfo(s.shape) for n, s in self.specs.items()}, frozenset(dims),
                           differentials=frozenset({entry["wrt"]}))
        self.sizes = assign_sizes(self.specs)
        rng = np.random.default_rng(seed)
        self.values = sample(self.specs, self.sizes, DRAWS, rng)
        wrt = self.specs[entry["wrt"]]
        rows, cols = wrt.shape.sizes(self.sizes)
        self.direction = project(rng.standard_normal((DRAWS, rows, cols)), wrt.structure)
        self.other = project(rng.standard_normal((DRAWS, rows, cols)), wrt.structure)
        self.tree = check(parse(entry["expression"]), self.scope)

    def typed(self, text: str) -> ast.Node:
        return check(parse(text), self.scope)

    def value(self, tree: ast.Node, moved: np.ndarray | None = None) -> np.ndarray:
        values = dict(self.values)
        if moved is not None:
            wrt = self.entry["wrt"]
            values[wrt] = values[wrt] + moved
        env = Env(DRAWS, values, self.sizes, {self.entry["wrt"]: self.direction})
        return evaluate(tree, env)

    @property
    def kind(self):
        return kind_of(self.tree.shape, self.specs[self.entry["wrt"]].shape)

    def along(self, direction: np.ndarray) -> np.ndarray:
        """d f along ``direction``: central differences at STEP and STEP/2, one Richardson
        step (plain numpy; independent of the engine and of the verifier's differences)."""
        def central(h: float) -> np.ndarray:
            return (self.value(self.tree, h * direction)
                    - self.value(self.tree, -h * direction)) / (2 * h)

        return (4 * central(STEP / 2) - central(STEP)) / 3

    def mixed(self) -> np.ndarray:
        """uᵀ (∂²f) v by the mixed central difference, with one Richardson step."""
        u, v = self.other, self.direction

        def second(h: float) -> np.ndarray:
            f = self.value
            return (f(self.tree, h * (u + v)) - f(self.tree, h * (u - v))
                    - f(self.tree, h * (v - u)) + f(self.tree, -h * (u + v))) / (4 * h * h)

        return (4 * second(STEP / 2) - second(STEP)) / 3

    def predicted(self, answer: str) -> np.ndarray:
        """What ``answer`` (a derivative, differential or Hessian) says df is along the
        direction (for a Hessian: uᵀ H v)."""
        tree = self.typed(answer)
        got = self.value(tree)
        wrt_shape = self.specs[self.entry["wrt"]].shape
        if self.entry.get("order", 1) == 2:
            return np.swapaxes(self.other, -1, -2) @ got @ self.direction
        if self.kind is None:
            return got
        want = derivative_shape(self.tree.shape, wrt_shape, "denominator")
        assert tree.shape == want, f"{answer}: shape {tree.shape}, a derivative is {want}"
        numerator = np.swapaxes(got, -1, -2)
        if self.tree.shape.is_scalar:
            return (got * self.direction).sum(axis=(-2, -1), keepdims=True)
        if wrt_shape.is_scalar:
            return numerator * self.direction
        change = numerator @ self.direction
        return change if self.tree.shape.is_column else np.swapaxes(change, -1, -2)


def relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1.0)
    return float(np.abs(a - b).max()) / scale


# ---- the corpus itself --------------------------------------------------------------------


def test_the_corpus_is_well_formed() -> None:
    ids = [e["id"] for e in corpus()]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(entries("answer")) >= 100
    for entry in corpus():
        assert set(entry) <= FIELDS, entry["id"]
        assert entry["expect"] in ("answer", "refuse"), entry["id"]
        assert (entry.get("expected") is None) == (entry["expect"] == "refuse"), entry["id"]
        assert entry["wrt"] in entry["shapes"] and entry["source"], entry["id"]
    families = Counter(source_family(e) for e in corpus())
    assert {"sympy test_derivatives", "matrixcalculus.org example", "Matrix Cookbook"} <= set(
        families), families


@pytest.mark.parametrize("entry", entries("answer"), ids=lambda e: e["id"])
def test_expected_answer_matches_finite_differences(entry) -> None:
    for seed in (0, 1):
        problem = Problem(entry, seed)
        if entry.get("order", 1) == 2:
            hessian = problem.value(problem.typed(entry["expected"]))
            assert relative(hessian, np.swapaxes(hessian, -1, -2)) < TOLERANCE, "not symmetric"
            numeric = problem.mixed()
        else:
            numeric = problem.along(problem.direction)
        assert np.all(np.isfinite(numeric)), "the expression is not finite on the draws"
        error = relative(problem.predicted(entry["expected"]), numeric)
        assert error < TOLERANCE, f"{entry['expected']}: off by {error:.2e}"
        wrt = problem.specs[entry["wrt"]]
        if wrt.structure and problem.kind is not None and entry.get("order", 1) == 1:
            # A gradient on a subspace (symmetric, diagonal) lies in that subspace.
            gradient = problem.value(problem.typed(entry["expected"]))
            assert relative(gradient, project(gradient, wrt.structure)) < TOLERANCE


@pytest.mark.parametrize("entry", entries("refuse"), ids=lambda e: e["id"])
def test_refused_entries_are_valid_expressions(entry) -> None:
    assert Problem(entry).tree.shape is not None


# ---- the engine against the corpus ----------------------------------------------------------
# Three tests, each over the whole corpus, so that a missing engine is three clear failures.

ENGINE_MISSING = ("kb.derive is not in this tree: the derive engine (branch `derive`) must land "
                  "before or with this corpus; these tests fail until it does")


@cache
def _outcomes() -> dict[str, tuple[str, object]]:
    """Each entry's outcome: ("answer", derivation), ("refused", error) or ("error", error)."""
    try:
        from kb.derive import DeriveError
    except ImportError as exc:  # the engine is missing: fail, never skip
        raise AssertionError(f"{ENGINE_MISSING} ({exc})") from None
    catalog = kb.load()
    out: dict[str, tuple[str, object]] = {}
    for entry in corpus():
        try:
            out[entry["id"]] = ("answer", catalog.derive(
                entry["expression"], entry["wrt"], shapes=entry["shapes"],
                structure=entry.get("structure"), order=entry.get("order", 1)))
        except DeriveError as exc:
            out[entry["id"]] = ("refused", exc)
        except Exception as exc:  # a parse error, a failed verification: a bug either way
            out[entry["id"]] = ("error", exc)
    return out


def _engine_answer(entry: dict, derivation, problem: Problem) -> str:
    if problem.kind is None and entry.get("order", 1) == 1:
        return derivation.differential()
    return derivation.derivative("denominator")


def test_engine_never_gives_a_wrong_answer() -> None:
    outcomes = _outcomes()
    wrong = []
    for entry in entries("answer"):
        status, result = outcomes[entry["id"]]
        if status == "error":
            wrong.append(f"{entry['id']}: {type(result).__name__}: {result}")
        if status != "answer":
            continue
        problem = Problem(entry)
        answer = "?"
        try:
            answer = _engine_answer(entry, result, problem)
            # The whole derivative (or differential along the direction), entry by entry.
            got = problem.value(problem.typed(answer))
            want = problem.value(problem.typed(entry["expected"]))
            error = relative(got, want) if got.shape == want.shape else float("inf")
        except Exception as exc:  # unparsable, ill-shaped: as wrong as a wrong number
            error, answer = float("inf"), f"{answer} ({type(exc).__name__}: {exc})"
        if not error < ENGINE_TOLERANCE:
            wrong.append(f"{entry['id']}: engine {answer}; corpus {entry['expected']}")
    assert not wrong, "\n".join(wrong)


def test_engine_answers_at_least_95_percent() -> None:
    outcomes = _outcomes()
    unanswered = [f"{e['id']}: {outcomes[e['id']][1]}" for e in entries("answer")
                  if outcomes[e["id"]][0] != "answer"]
    share = 1 - len(unanswered) / len(entries("answer"))
    assert share >= 0.95, f"{share:.1%} answered; not answered:\n" + "\n".join(unanswered)


def test_engine_refuses_cleanly() -> None:
    outcomes = _outcomes()
    wrong = [f"{e['id']}: {outcomes[e['id']][0]}" for e in entries("refuse")
             if outcomes[e["id"]][0] != "refused"]
    assert not wrong, "\n".join(wrong)
