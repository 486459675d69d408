"""Benchmark the lookup API and command line. Run from the project root:
``python bench/bench_api.py``. Prints figures; asserts nothing.

- whole-process time of ``kb show ID`` (Python start-up included);
- latency of ``cat.search`` (median and 99th percentile) on the catalog and on a synthetic
  catalog of 10,000 records (the real records cloned under new ids and titles);
- latency of ``cat.match`` on the catalog.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import time
from dataclasses import replace

import kb
from kb.catalog import Catalog

QUERIES = ["log det", "logdet", "trace", "tr AXB", "inverse", "frobenius norm",
           "quadratic form", "hessian", "kronecker", "eigenvalue", "softmax", "determinant",
           "symmetric", "chain rule", "x^T A x", "vec", "pseudo inverse", "hadamard", "norm",
           "derivation"]
MATCHES = [("tr(C W D)", "W"), ("log(det(S))", "S"), ("b^T W^T a", "W"), ("tr(W)", "W"),
           ("x^T Q x", "x"), ("tr(W^T W)", "W"), ("a^T W^{-1} b", "W"), ("det(W)", "W")]


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


def main() -> None:
    runs = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run(["kb", "show", "log-det"], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    runs.sort()
    print(f"`kb show log-det` whole process: best {runs[0]:.3f} s, median {runs[5]:.3f} s")

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


if __name__ == "__main__":
    main()
