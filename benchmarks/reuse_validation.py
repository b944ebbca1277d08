"""Validate the tracking measures on the Clough & Stevenson (2011) short-answer reuse corpus.

For every answer, each measure is computed against the task's source text; the benchmark prints, per measure,
the AUC for telling derived answers (cut, light, heavy) from independent ones (non), and the mean per label.
AUC is the Mann-Whitney probability that a random derived answer scores closer to its source than a random
independent one (ties count one half); measures where lower means closer (novel n-grams) are negated first.

The corpus is read at run time from ../shared/data/clough-stevenson beside the project, never copied.

`--compare-dtypes` checks the embedding precision instead (issue 12): every sentence of the corpus and of
the seed corpus (../shared/seeds, the source against its derivatives) embedded in float32 and in bfloat16;
it prints how far the vectors, the sentence cosines and the semantic measure of every text move, and the
AUC of the semantic measures with each.

    python benchmarks/reuse_validation.py [--corpus DIR] [--no-semantic] [--embedding-dtype auto]
    python benchmarks/reuse_validation.py --compare-dtypes [--seeds DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import nupunkt

from eval.settings import Settings
from eval.tracking.measures import headline_measures
from eval.tracking.profile import sentences, track
from eval.tracking.semantic import Embedder, EmbeddingDtype

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings

LABELS = ("cut", "light", "heavy", "non")
DERIVED = frozenset({"cut", "light", "heavy"})
# Measures where a lower value means the text is closer to its source.
LOWER_IS_CLOSER = frozenset({"novel_1gram", "novel_2gram", "novel_3gram", "novel_4gram"})
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "clough-stevenson"
DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_SOURCE = "004_0c4284c8328f3e91.txt"  # ../shared/seeds/README.md: the source; the others derive from it
SEMANTIC = ("semantic", "semantic_mean", "semantic_doc")


def read_text(path: Path) -> str:
    """Decode as UTF-8, falling back to cp1252 (the corpus mixes both); normalise line ends."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def canonical(text: str) -> str:
    """One sentence per line, as the pipeline gives texts to the measures."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n".join(s.strip() for p in paragraphs if p for s in nupunkt.sent_tokenize(p) if s.strip())


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Mann-Whitney AUC: P(positive > negative) + P(tie) / 2."""
    pos, neg = np.asarray(positives, dtype=float), np.asarray(negatives, dtype=float)
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + ties / 2) / (pos.size * neg.size))


def load(corpus: Path) -> list[tuple[str, str, str]]:
    """(label, source, answer) for every answer in the label sheet, both texts canonical."""
    files = corpus / "corpus-20090418"
    sources = {t: canonical(read_text(files / f"orig_task{t}.txt")) for t in "abcde"}
    with (corpus / "file_list.csv").open(encoding="utf-8", newline="") as sheet:
        rows = list(csv.DictReader(sheet))
    unknown = sorted({r["Category"] for r in rows} - set(LABELS))
    if unknown:
        raise ValueError(f"{corpus / 'file_list.csv'}: unknown categories {unknown}; expected {LABELS}")
    return [(r["Category"], sources[r["Task"]], canonical(read_text(files / r["File"]))) for r in rows]


def evaluate(
    items: list[tuple[str, str, str]], embedder: Embedder | None
) -> dict[str, dict[str, list[float]]]:
    """measure -> label -> scores, every measure oriented so that higher means closer."""
    table: dict[str, dict[str, list[float]]] = {}
    for index, (label, source, answer) in enumerate(items, 1):
        profile = track(source, answer, embedder=embedder, scorer=SCORER)
        measures = headline_measures(profile)
        if embedder is not None and profile.semantic is not None:
            # Alternatives to the profile's semantic measure (median best-match cosine), to show the choice.
            best = [pair.similarity for pair in profile.alignment.pairs]
            measures["semantic_mean"] = float(np.mean(best))
            measures["semantic_doc"] = embedder.document_similarity(answer.splitlines(), source.splitlines())
        for name, value in measures.items():
            if value is not None:
                table.setdefault(name, {lab: [] for lab in LABELS})[label].append(value)
        if index % 20 == 0:
            print(f"  {index}/{len(items)} answers", file=sys.stderr)
    return table


def seed_items(seeds: Path) -> list[tuple[str, str, str]]:
    """("seed", source, derivative) for each seed derivative, cleaned and split as a run does."""
    cleaner = Settings().cleaner()
    source = cleaner.canonical(read_text(seeds / SEED_SOURCE), SEED_SOURCE).text
    others = sorted(p for p in seeds.glob("*.txt") if p.name != SEED_SOURCE)
    return [("seed", source, cleaner.canonical(read_text(p), p.name).text) for p in others]


def aucs(table: dict[str, dict[str, list[float]]]) -> dict[str, float]:
    """measure -> AUC derived vs non, oriented so that higher means closer."""
    out = {}
    for name, by_label in table.items():
        sign = -1.0 if name in LOWER_IS_CLOSER else 1.0
        derived = [sign * v for lab in DERIVED for v in by_label[lab]]
        out[name] = auc(derived, [sign * v for v in by_label["non"]])
    return out


def compare_dtypes(items: list[tuple[str, str, str]], seeds: list[tuple[str, str, str]]) -> None:
    """Print how far bfloat16 embeddings move every number that depends on them, against float32."""
    exact, fast = Embedder(dtype="float32"), Embedder(dtype="bfloat16")
    for name, group in (("reuse corpus", items), ("seeds", seeds)):
        if not group:
            continue
        every = sorted({s for _, source, text in group for s in (*sentences(source), *sentences(text))})
        started = time.perf_counter()
        a = exact.embed(every)
        mid = time.perf_counter()
        b = fast.embed(every)
        print(
            f"{name}: {len(every)} distinct sentences (float32 {mid - started:.1f} s, "
            f"bfloat16 {time.perf_counter() - mid:.1f} s)"
        )
        self_cos = np.sum(a * b, axis=1)
        print(f"  cosine(bfloat16, float32) of a sentence's vectors: min {self_cos.min():.5f}")
        cos_diff, semantic_diff = [], []
        for _, source, text in group:
            src, txt = sentences(source), sentences(text)
            low, high = fast.embed(txt) @ fast.embed(src).T, exact.embed(txt) @ exact.embed(src).T
            cos_diff.append(np.abs(low - high))
            one = track(source, text, embedder=exact, scorer=SCORER).semantic
            two = track(source, text, embedder=fast, scorer=SCORER).semantic
            semantic_diff.append(abs((one or 0.0) - (two or 0.0)))
        every_diff = np.concatenate([d.ravel() for d in cos_diff])
        print(
            f"  sentence-pair cosines (text x source), {every_diff.size} pairs: |bf16 - fp32| max "
            f"{every_diff.max():.5f}, mean {every_diff.mean():.6f}"
        )
        print(
            f"  semantic measure, {len(group)} texts: |bf16 - fp32| max {max(semantic_diff):.5f}, "
            f"mean {np.mean(semantic_diff):.6f}"
        )
    if not items:
        return
    one, two = aucs(evaluate(items, exact)), aucs(evaluate(items, fast))
    rank_one = sorted(one, key=lambda m: -one[m])
    rank_two = sorted(two, key=lambda m: -two[m])
    for measure in (*SEMANTIC, "closeness"):
        print(
            f"  AUC {measure}: float32 {one[measure]:.4f}, bfloat16 {two[measure]:.4f}; rank among "
            f"{len(rank_one)} measures {rank_one.index(measure) + 1} vs {rank_two.index(measure) + 1}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-semantic", action="store_true", help="skip the sentence-embedding model")
    parser.add_argument("--embedding-dtype", choices=("auto", "float32", "bfloat16"), default="auto")
    parser.add_argument(
        "--compare-dtypes", action="store_true", help="bfloat16 against float32 on this corpus and the seeds"
    )
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="seed corpus (--compare-dtypes)")
    args = parser.parse_args(argv)
    if not (args.corpus / "file_list.csv").is_file():
        parser.error(f"--corpus {args.corpus}: no file_list.csv there (expected the Clough-Stevenson corpus)")
    started = time.perf_counter()
    items = load(args.corpus)
    print(f"{len(items)} answers from {args.corpus}", file=sys.stderr)
    if args.compare_dtypes:
        compare_dtypes(items, seed_items(args.seeds) if args.seeds.is_dir() else [])
        print(f"\n{time.perf_counter() - started:.1f} s", file=sys.stderr)
        return 0
    dtype: EmbeddingDtype = args.embedding_dtype
    embedder = None if args.no_semantic else Settings(semantic=True, embedding_dtype=dtype).embedder()
    if embedder is not None:
        print(f"embeddings in {embedder.precision}", file=sys.stderr)
    table = evaluate(items, embedder)

    means_head = " | ".join(f"mean {lab}" for lab in LABELS)
    print(f"| measure | AUC derived vs non | {means_head} | cut>light>heavy>non |")
    print("|---|---|" + "---|" * len(LABELS) + "---|")
    rows = []
    areas = aucs(table)
    for name, by_label in table.items():
        sign = -1.0 if name in LOWER_IS_CLOSER else 1.0
        means = [float(np.mean(by_label[lab])) if by_label[lab] else float("nan") for lab in LABELS]
        oriented = [sign * m for m in means]
        ordered = all(a > b for a, b in itertools.pairwise(oriented))
        rows.append((areas[name], name, means, ordered))
    for area, name, means, ordered in sorted(rows, key=lambda r: -r[0]):
        arrow = " (lower = closer)" if name in LOWER_IS_CLOSER else ""
        cells = " | ".join(f"{m:.3f}" for m in means)
        print(f"| {name}{arrow} | {area:.3f} | {cells} | {'yes' if ordered else 'no'} |")
    print(f"\n{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
