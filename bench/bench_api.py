"""Benchmark the lookup API and command line, against a baseline commit in the same run.

Run from the project root, e.g.::

    python bench/bench_api.py --baseline d92daed --sizes 1000,3000,10000

Prints figures; asserts nothing.

- whole-process time and peak memory of ``kb show``, ``kb search`` and ``kb match`` on the
  real catalog and on synthetic catalogs of the given sizes (the real records copied under new
  ids), with this tree and with the baseline; ``kb search`` is timed on its first run (which
  builds the lookup index) and on later runs (which read it);
- in-process latency of ``cat.search`` (median and 99th percentile) on the catalog and on a
  synthetic in-memory catalog of 10,000 records, and of ``cat.match`` on the catalog.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench_site import PROJECT, baseline_checkout, sizes, synthetic_catalog

import kb
from kb.catalog import Catalog

QUERIES = ["log det", "logdet", "trace", "tr AXB", "inverse", "frobenius norm",
           "quadratic form", "hessian", "kronecker", "eigenvalue", "softmax", "determinant",
           "symmetric", "chain rule", "x^T A x", "vec", "pseudo inverse", "hadamard", "norm",
           "derivation"]
MATCHES = [("tr(C W D)", "W"), ("log(det(S))", "S"), ("b^T W^T a", "W"), ("tr(W)", "W"),
           ("x^T Q x", "x"), ("tr(W^T W)", "W"), ("a^T W^{-1} b", "W"), ("det(W)", "W")]
COMMANDS = {"show": ["show", "log-det"], "search": ["search", "log", "det"],
            "match": ["match", "log(det(S))", "--wrt", "S"]}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {1e3 * statistics.median(ordered):.3f} ms, p99 {1e3 * p99:.3f} ms"


def timed(func, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def run(code: Path, args: list[str], root: Path, cache: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak MiB of one `kb` process."""
    env = {**os.environ, "PYTHONPATH": str(code), "KB_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    process = subprocess.Popen(["kb", *args, "--root", str(root)], cwd=code, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"kb {' '.join(args)} failed with {code}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def processes(label: str, code: Path, root: Path, records: int, cache: Path,
              repeat: int) -> dict[str, float]:
    """Median whole-process figures of each command; `kb search` also on its first run."""
    first = run(code, COMMANDS["search"], root, cache)
    print(f"{label:22s} {records:6d}  kb search, first run   wall {first[0]:6.2f} s  "
          f"cpu {first[1]:6.2f} s  peak {first[2]:5.0f} MiB", flush=True)
    out = {}
    for name, args in COMMANDS.items():
        runs = sorted(run(code, args, root, cache) for _ in range(repeat))
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        out[name] = cpu
        print(f"{label:22s} {records:6d}  kb {name:16s}    wall {wall:6.2f} s  "
              f"cpu {cpu:6.2f} s  peak {peak:5.0f} MiB", flush=True)
    print(f"{label:22s} {records:6d}  kb search / kb show (cpu): "
          f"{out['search'] / out['show']:.2f}", flush=True)
    return out


def synthetic(catalog: Catalog, size: int) -> Catalog:
    rng = random.Random(0)
    words = sorted({w for i in catalog for w in i.title.lower().split()})
    identities = list(catalog)
    big = Catalog(sources=catalog.sources)
    for n in range(size):
        base = identities[n % len(identities)]
        title = f"{base.title} {' '.join(rng.sample(words, 3))}"
        record = base.record.model_copy(update={"id": f"{base.id}-{n}", "title": title})
        big.entries[record.id] = replace(base, record=record)
    return big


def in_process() -> None:
    catalog = kb.load()
    catalog.search("warm up")
    samples = [t for q in QUERIES for t in timed(lambda q=q: catalog.search(q), 50)]
    print(f"search on the catalog ({len(catalog)} records): {percentiles(samples)}")

    big = synthetic(catalog, 10_000)
    start = time.perf_counter()
    big.search("warm up")
    print(f"  index of 10,000 records built in {time.perf_counter() - start:.2f} s")
    samples = [t for q in QUERIES for t in timed(lambda q=q: big.search(q), 20)]
    print(f"search on 10,000 records: {percentiles(samples)}")

    catalog.match("tr(W)", "W")
    samples = [t for e, w in MATCHES for t in timed(lambda e=e, w=w: catalog.match(e, w), 20)]
    print(f"match on the catalog ({len(catalog)} records): {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, default=[1000, 3000, 10000],
                        help="synthetic catalog sizes (default 1000,3000,10000)")
    parser.add_argument("--baseline", metavar="REV", help="a commit to measure as well")
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_checkout(args.baseline, tmp / "baseline") if args.baseline else None
        catalogs = [(PROJECT / "identities", 0)]
        for count in args.sizes:
            root = tmp / f"catalog-{count}" / "identities"
            catalogs.append((root, synthetic_catalog(root, count, verified=False)))
        real = sum(1 for p in (PROJECT / "identities").rglob("*.yaml")
                   if p.stem not in ("sources", "uncovered"))
        for root, count in catalogs:
            records = count or real
            if base is not None:
                processes(f"baseline {args.baseline}", base, root, records,
                          tmp / f"cache-base-{records}", args.repeat)
            processes("this tree", PROJECT, root, records, tmp / f"cache-{records}",
                      args.repeat)
    in_process()


if __name__ == "__main__":
    main()
