"""Benchmark ``kb derive``. Run from the project root: ``python bench/bench_derive.py``.
Prints figures; asserts nothing.

- ``cat.derive`` per expression, derivation plus verification, median and 99th percentile,
  cold (the first derivation of each expression in the process) and warm (repeats); also
  without the catalog lookup (``kb.derive.derive(None, …)``), to show what citing the
  catalog's matching records costs;
- side by side, in the same run, SymPy's ``.diff`` on the expressions SymPy can take (built
  with :mod:`kb.to_sympy`), cold (SymPy's cache cleared first) and warm; SymPy verifies
  nothing;
- the tidiness measure: on expressions that also match a catalog record, the answer's size
  (tree nodes) against the record's;
- ``kb derive`` as a whole process (Python start-up and catalog loading included).

The expressions are those of ``tests/derive_corpus.yaml`` when it exists, else a built-in
list (the goals of the derivation records and the examples of the site page).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import kb
from kb.derive import DeriveError, derive
from kb.derive.trees import size

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "derive_corpus.yaml"
BUILTIN = [
    ("tr(A X B)", "X", {}), ("x^T A x", "x", {}), ("(A x - b)^T (A x - b)", "x", {}),
    ("log(det(X^T X))", "X", {}), ("log(det(X))", "X", {}), ("tr(X^{-1})", "X", {}),
    ("a^T X^{-1} b", "X", {}), ("tr(A X^T B X C)", "X", {}), ("norm(x)^2", "x", {}),
    ("A exp.(x)", "x", {}), ("sum(log.(exp.(-y ∘ (X w)) + ones(n, 1)))", "w",
                             {"X": ("n", "p")}),
    ("tr(X^3)", "X", {}), ("x^T x / (x^T A x)", "x", {}), ("det(X)", "X", {}),
    ("(X theta - y)^T (X theta - y) / n + lambda theta^T theta", "theta", {"X": ("n", "d")}),
]
REPEAT = 7


def cases() -> list[dict]:
    if CORPUS.is_file():
        from ruamel.yaml import YAML

        entries = YAML(typ="safe").load(CORPUS.read_text(encoding="utf-8"))
        return [e for e in entries if e.get("expect") == "answer"]
    return [{"id": e, "expression": e, "wrt": w, "shapes": s} for e, w, s in BUILTIN]


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {1e3 * statistics.median(ordered):6.2f} ms, p99 {1e3 * p99:7.2f} ms"


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def ours(catalog, entries) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"cold": [], "warm": [], "cold, no catalog": [],
                                   "warm, no catalog": []}
    for entry in entries:
        args = (entry["expression"], entry["wrt"])
        kwargs = {"shapes": entry.get("shapes"), "structure": entry.get("structure"),
                  "order": entry.get("order", 1)}
        with_catalog = partial(catalog.derive, *args, **kwargs)
        alone = partial(derive, None, *args, **kwargs)
        try:
            out["cold"].append(timed(with_catalog))
        except (DeriveError, ValueError):
            continue
        out["warm"] += [timed(with_catalog) for _ in range(REPEAT)]
        out["cold, no catalog"].append(timed(alone))
        out["warm, no catalog"] += [timed(alone) for _ in range(REPEAT)]
    return out


def sympy_side(entries) -> tuple[dict[str, list[float]], int]:
    try:
        import sympy as sp
        from sympy.core.cache import clear_cache
    except ImportError:
        return {}, 0
    from kb.derive.engine import prepare
    from kb.to_sympy import to_sympy

    out: dict[str, list[float]] = {"cold": [], "warm": []}
    handled = 0
    for entry in entries:
        try:
            goal, specs, _ = prepare(entry["expression"], entry["wrt"], entry.get("shapes"),
                                     entry.get("structure"))
            shapes = {n: s.shape for n, s in specs.items()}
            expr = to_sympy(goal, shapes)
            wrt = to_sympy(__import__("kb").ast.Sym(entry["wrt"]), shapes)
            clear_cache()
            cold = timed(lambda e=expr, w=wrt: e.diff(w))
        except Exception:  # SymPy cannot take this expression
            continue
        handled += 1
        out["cold"].append(cold)
        out["warm"] += [timed(lambda e=expr, w=wrt: e.diff(w)) for _ in range(REPEAT)]
    del sp
    return out, handled


def tidiness(catalog, entries) -> tuple[int, int, float]:
    """(compared, within +25 %, worst ratio) on expressions that match a catalog record."""
    compared = within = 0
    worst = 0.0
    for entry in entries:
        if entry.get("order", 1) != 1 or entry.get("structure"):
            continue
        try:
            d = catalog.derive(entry["expression"], entry["wrt"], shapes=entry.get("shapes"))
            matches = catalog.match(entry["expression"], entry["wrt"],
                                    shapes={n: tuple(s) for n, s in d.shapes.items()
                                            if "·" not in "".join(s)})
        except Exception:  # refused, or no matrix form
            continue
        if not matches or d.derivatives is None:
            continue
        record = matches[0].identity.statement.derivative("denominator")
        ratio = size(d.derivative_tree()) / size(record)
        compared += 1
        within += ratio <= 1.25
        worst = max(worst, ratio)
    return compared, within, worst


def whole_process() -> list[float]:
    runs = []
    env = dict(os.environ)
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(["kb", "derive", "x^T A x", "--wrt", "x"], check=True,
                       capture_output=True, env=env)
        runs.append(time.perf_counter() - start)
    return sorted(runs)


def main() -> None:
    entries = cases()
    source = CORPUS.name if CORPUS.is_file() else "the built-in list"
    catalog = kb.load()
    catalog.derive("tr(A X)", "X")  # imports and first-use set-up, outside the figures
    print(f"{len(entries)} expressions from {source}")
    figures = ours(catalog, entries)
    print(f"kb derive, derivation + verification ({len(figures['cold'])} answered):")
    for label, samples in figures.items():
        print(f"  {label:17s} {stats(samples)}")
    sympy, handled = sympy_side(entries)
    if sympy:
        print(f"SymPy {__import__('sympy').__version__} .diff, no verification "
              f"({handled} expressions SymPy takes):")
        for label, samples in sympy.items():
            print(f"  {label:17s} {stats(samples)}")
    compared, within, worst = tidiness(catalog, entries)
    print(f"tidiness: {within} of {compared} answers within the matching record's size + 25% "
          f"(worst ratio {worst:.2f})")
    runs = whole_process()
    print(f"`kb derive 'x^T A x' --wrt x` whole process: best {runs[0]:.3f} s, "
          f"median {runs[len(runs) // 2]:.3f} s")
    print(f"(python {sys.version.split()[0]}; a 2-core machine shared with other jobs)")


if __name__ == "__main__":
    main()
