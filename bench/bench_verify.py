"""Benchmark: per-record verification time, before and after, and `kb verify` wall time.

Run from the project root: ``python bench/bench_verify.py [--baseline REV] [--rounds N]``.
The baseline (default d92daed, the verifier before singularity-aware draws and convergence
checks) is checked out once into a temporary ``git worktree`` and imported from there by a
subprocess, so both sides run in the same run on the same machine load; rounds alternate
between them and each record keeps its best time. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
import kb
from kb.statement import compile_record
from kb.verify import verify
catalog = kb.load()
statements = [entry.statement for entry in catalog]
for st in statements:  # warm caches (parser tables, numpy dispatch)
    verify(st)
times, failed = {}, []
for st in statements:
    t = time.perf_counter()
    report = verify(st)
    times[st.record.id] = time.perf_counter() - t
    if not report.ok:
        failed.append(st.record.id)
copies = {}  # the same records under new ids, so under other seeds (issue 11)
for st in statements:
    for k in range(int(sys.argv[1])):
        copy = compile_record(st.record.model_copy(update={"id": f"{st.record.id}-copy-{k}"}))
        if not verify(copy).ok:
            copies[st.record.id] = copies.get(st.record.id, 0) + 1
print(json.dumps({"times": times, "failed": failed, "copies": copies}))
"""


def _baseline(rev: str) -> Path:
    """A worktree of the baseline revision, created on first use."""
    path = Path(tempfile.gettempdir()) / f"kb-bench-{rev}"
    if not (path / "kb").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT,
                       check=True, capture_output=True)
    return path


def _run(tree: Path, copies: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", CHILD, str(copies)], cwd=tree, env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _summary(name: str, times: dict[str, float]) -> str:
    values = list(times.values())
    total = sum(values)
    return (f"{name:>9}: total {total:.3f} s, mean {1e3 * total / len(values):.2f} ms/record, "
            f"median {1e3 * statistics.median(values):.2f} ms, max {1e3 * max(values):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="d92daed", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    parser.add_argument("--copies", type=int, default=31,
                        help="copies of every record under new ids, in the first round")
    args = parser.parse_args()
    old_tree = _baseline(args.baseline)
    best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
    for round_ in range(args.rounds):
        for side, tree in (("before", old_tree), ("after", ROOT)):
            result = _run(tree, args.copies if round_ == 0 else 0)
            if result["failed"]:
                print(f"{side}: {len(result['failed'])} records failed: {result['failed'][:5]}")
            if round_ == 0:
                failures = result["copies"]
                print(f"{side}: {sum(failures.values())} failures among {args.copies} copies of "
                      f"every record under new ids: " + (", ".join(
                          f"{rid} {n}" for rid, n in sorted(failures.items())) or "none"))
            for rid, t in result["times"].items():
                best[side][rid] = min(t, best[side].get(rid, float("inf")))
    common = sorted(set(best["before"]) & set(best["after"]))
    before = {rid: best["before"][rid] for rid in common}
    after = {rid: best["after"][rid] for rid in common}
    print(f"records in both catalogs: {len(common)} (after only: "
          f"{len(set(best['after']) - set(common))}); best of {args.rounds} rounds per record")
    print(_summary(f"before {args.baseline}", before))
    print(_summary("after", after))
    ratio = sum(after.values()) / sum(before.values())
    print(f"ratio after/before on the common records: {ratio:.2f}×")
    ratios = sorted(((after[r] / before[r], r) for r in common), reverse=True)
    print("largest per-record ratios: " + ", ".join(f"{r} {x:.1f}×" for x, r in ratios[:5]))

    def run_verify() -> float:
        t = time.perf_counter()
        subprocess.run(["kb", "verify"], cwd=ROOT, check=True,
                       capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        return time.perf_counter() - t

    times = sorted(run_verify() for _ in range(3))
    print(f"`kb verify` whole process (after): best {times[0]:.3f} s, median {times[1]:.3f} s")


if __name__ == "__main__":
    main()
