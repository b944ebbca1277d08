"""Meta-evaluation speed (issue 19): 1,200 candidates (100 clusters x 12 systems) x 40 measures x 4 human
dimensions, every level and coefficient, with 1,000 bootstrap resamples of systems and inputs both.

    PYTHONPATH=$PWD python benchmarks/meta_speed.py [--clusters 100 --systems 12 --measures 40 --samples 1000]

Prints the seconds of each level's point estimates and intervals, and of the permutation tests. The human
scores are means of three annotators on a 1-5 scale (as SummEval's experts), the measures continuous.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from eval.settings import MetaSettings
from eval.stats import meta
from eval.stats.meta_values import Grid


def grid(clusters: int, systems: int, measures: int, dimensions: int, seed: int = 0) -> Grid:
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=(dimensions, clusters, systems))
    votes = np.clip(np.round(3 + quality[:, :, :, None] + rng.normal(size=(1, 1, 1, 3))), 1, 5)
    h = votes.mean(-1)
    x = quality[rng.integers(0, dimensions, measures)] + rng.normal(
        scale=2, size=(measures, clusters, systems)
    )
    return Grid(
        tuple(f"m{i}" for i in range(measures)),
        tuple(f"d{i}" for i in range(dimensions)),
        tuple(f"c{i}" for i in range(clusters)),
        tuple(f"s{i}" for i in range(systems)),
        x,
        h,
        {f"d{i}": [list(v) for v in votes[i].reshape(-1, 3)] for i in range(dimensions)},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--systems", type=int, default=12)
    parser.add_argument("--measures", type=int, default=40)
    parser.add_argument("--dimensions", type=int, default=4)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    g = grid(args.clusters, args.systems, args.measures, args.dimensions)
    print(
        f"{args.clusters * args.systems} candidates ({args.clusters} clusters x {args.systems} systems) x "
        f"{args.measures} measures x {args.dimensions} dimensions, {args.samples} resamples (both)"
    )
    counts, idx = meta.draws(np.random.default_rng(0), args.samples, args.clusters, args.systems, "both")
    total = 0.0
    for level in meta.LEVELS:
        start = time.perf_counter()
        with meta.one_blas_thread():
            meta.level_values(level, g.x, g.h, counts, idx)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"  {level:8s} 3 coefficients x {args.samples} resamples: {seconds:6.2f} s")
    print(f"  bootstrap, every level: {total:.2f} s")
    start = time.perf_counter()
    settings = MetaSettings(bootstrap=args.samples, compare=0)
    meta.evaluate(g, settings, "bench")
    print(f"  evaluate (points + intervals + agreement, no tests): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    settings = MetaSettings(bootstrap=0, compare=1, permutations=1000)
    meta.evaluate(g, settings, "bench")
    tests = len(meta.LEVELS) * args.dimensions
    print(f"  {tests} permutation tests of 1000 permutations: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
