"""Benchmark: verification throughput, `kb verify` wall time, and import + load time.

Run from the project root: ``python bench/bench_verify.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

IMPORT_AND_LOAD = (
    "import time, sys; t = time.perf_counter(); import kb; cat = kb.load(); "
    "print(time.perf_counter() - t, len(cat), 'sympy' in sys.modules)"
)


def _best_of(runs: int, func) -> list[float]:
    return sorted(func() for _ in range(runs))


def main() -> None:
    import kb
    from kb.verify import verify

    catalog = kb.load()
    statements = [entry.statement for entry in catalog]
    for st in statements:  # warm caches (parser tables, numpy dispatch)
        verify(st)
    per_record = []
    start = time.perf_counter()
    for st in statements:
        t = time.perf_counter()
        report = verify(st)
        per_record.append(time.perf_counter() - t)
        assert report.ok, report.summary()
    total = time.perf_counter() - start
    print(f"records: {len(statements)}")
    print(f"in-process verification: {total:.3f} s, {len(statements) / total:.0f} records/s, "
          f"mean {1e3 * total / len(statements):.2f} ms/record, "
          f"median {1e3 * statistics.median(per_record):.2f} ms, "
          f"max {1e3 * max(per_record):.2f} ms")

    def run_verify() -> float:
        t = time.perf_counter()
        subprocess.run(["kb", "verify"], check=True, capture_output=True)
        return time.perf_counter() - t

    times = _best_of(5, run_verify)
    print(f"`kb verify` whole process: best {times[0]:.3f} s, median {times[2]:.3f} s")

    loads = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", IMPORT_AND_LOAD], check=True,
                             capture_output=True, text=True).stdout.split()
        loads.append(float(out[0]))
        sympy_loaded = out[2]
    loads.sort()
    print(f"import kb + load catalog: best {1e3 * loads[0]:.0f} ms, "
          f"median {1e3 * loads[2]:.0f} ms; sympy imported: {sympy_loaded}")


if __name__ == "__main__":
    main()
