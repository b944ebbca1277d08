"""How aggregation and the paired tests scale with the number of clusters (issue 12).

Builds unit values as aggregate.unit_values returns them (12 systems, 2 targets, 3 ROUGE types,
every system scored on every cluster, seeded random scores), then runs `aggregate_units` (1,000 bootstrap
samples) and `compare_units` (every two systems: 66 pairs x 2 targets x 3 metrics = 396 permutation tests of
10,000 sign flips each) and prints, per size, the CPU seconds of each and the peak memory they allocate
(tracemalloc, which numpy reports to; the input itself is not counted). CPU is measured in a first pass
without tracemalloc, memory in a second.

    python benchmarks/stats_scale.py --clusters 100 1000 10000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.results import ALL_REFERENCES, Ref
from eval.stats.aggregate import UnitValues, aggregate_units, compare_units

SYSTEMS = [f"system-{k:02d}" for k in range(12)]
TARGETS = [Ref("source", "*"), ALL_REFERENCES]
METRICS = ["rouge1", "rouge2", "rougeL"]


def unit_values(clusters: int, seed: int = 0) -> UnitValues:
    rng = random.Random(seed)
    values: dict = {}
    for system in SYSTEMS:
        for target in TARGETS:
            for metric in METRICS:
                units = {}
                for c in range(clusters):
                    p, r = rng.uniform(0.2, 0.9), rng.uniform(0.05, 0.7)
                    units[f"cluster-{c:06d}"] = (p, r, 2 * p * r / (p + r))
                values[(Ref("system", system), target, metric)] = units
    return values


def measure(work: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of one call, then the peak MB a second call allocates."""
    start = time.process_time()
    work()
    cpu = time.process_time() - start
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return cpu, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, nargs="+", default=[100, 1000, 10_000])
    args = parser.parse_args()
    print("clusters  aggregate_units CPU s  peak MB  compare_units CPU s  peak MB")
    for clusters in args.clusters:
        values = unit_values(clusters)
        agg = measure(lambda v=values: aggregate_units(v, seed=0, samples=1000, confidence=0.95))
        cmp = measure(lambda v=values: compare_units(v, SYSTEMS, method="permutation", seed=0))
        print(f"{clusters:>8}  {agg[0]:>21.2f}  {agg[1]:>7.1f}  {cmp[0]:>19.2f}  {cmp[1]:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
