"""Speed of eval.rouge.Scorer against rouge-score's RougeScorer, measured side by side in one run.

    python benchmarks/rouge_speed.py [--repeats N]

Cases (issue 4): (a) the four seed derivatives against the seed source, (b) 1,000 pairs of ~60-word
texts cut from the seeds; both with rouge1, rouge2, rougeL and rougeLsum, stemming on. Each timing is
the best of N repeats, alternating between the engines so that machine load hits both alike; ours starts
every repeat from a fresh Scorer, so no memo carries over. The seed files' own lines are the sentences
for rougeLsum. Both engines' results are also checked to be equal.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rouge_score import rouge_scorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.rouge import Scorer  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
SOURCE = "004_0c4284c8328f3e91.txt"
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
TARGETS = {"a": 30.0, "b": 8.0}
Pairs = list[tuple[str, str]]


def seed_case() -> Pairs:
    source = (SEEDS / SOURCE).read_text(encoding="utf-8")
    derivatives = sorted(p for p in SEEDS.glob("*.txt") if p.name != SOURCE)
    return [(source, p.read_text(encoding="utf-8")) for p in derivatives]


def window(words: list[str], start: float, size: int, sentence: int) -> str:
    """`size` words from relative position `start`, one sentence per `sentence` words."""
    first = int(start * max(len(words) - size, 0))
    chunk = words[first : first + size]
    return "\n".join(" ".join(chunk[i : i + sentence]) for i in range(0, len(chunk), sentence))


def short_case(n: int = 1000, seed: int = 0) -> Pairs:
    """Target from the source and prediction from a derivative at about the same place: realistic overlap."""
    rng = random.Random(seed)
    (source, _), *_ = pairs = seed_case()
    source_words = source.split()
    derivative_words = [d.split() for _, d in pairs]
    out: Pairs = []
    for _ in range(n):
        where = rng.random()
        target = window(source_words, where, rng.randint(50, 70), rng.randint(12, 25))
        prediction = window(rng.choice(derivative_words), where, rng.randint(50, 70), rng.randint(12, 25))
        out.append((target, prediction))
    return out


def side_by_side(repeats: int, runs: list[Callable[[], list]]) -> list[tuple[float, list]]:
    """Best time and last result of each run; repeats alternate between runs so load hits all alike."""
    best = [float("inf")] * len(runs)
    results: list[list] = [[] for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            results[i] = run()
            best[i] = min(best[i], time.perf_counter() - start)
    return list(zip(best, results, strict=True))


def rouge_score_run(pairs: Pairs) -> list:
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    return [scorer.score(target, prediction) for target, prediction in pairs]


def ours_run(pairs: Pairs) -> list:
    scorer = Scorer(TYPES, stem=True)
    targets = {t for t, _ in pairs}
    if len(targets) == 1:  # one target, many predictions: the case score_many is for
        return scorer.score_many(target=pairs[0][0], predictions=[p for _, p in pairs])
    return [scorer.score(target=target, prediction=prediction) for target, prediction in pairs]


def same(theirs: list, ours: list) -> bool:
    return all(
        tuple(t[k]) == (o[k].precision, o[k].recall, o[k].f1)
        for t, o in zip(theirs, ours, strict=True)
        for k in TYPES
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings are the best of this many runs")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: expected 1 or more")
    if not SEEDS.is_dir():
        sys.exit(f"seed corpus not found at {SEEDS}")
    cases = {
        "a": ("4 seed derivatives vs source", seed_case()),
        "b": ("1,000 pairs of ~60 words", short_case()),
    }
    print(f"{'case':<34} {'rouge-score s':>13} {'ours s':>9} {'ratio':>7}  identical")
    verdicts = []
    for key, (label, pairs) in cases.items():
        (theirs_s, theirs), (ours_s, ours) = side_by_side(
            args.repeats, [partial(rouge_score_run, pairs), partial(ours_run, pairs)]
        )
        ratio = theirs_s / ours_s
        identical = same(theirs, ours)
        shown = "yes" if identical else "NO"
        print(f"({key}) {label:<30} {theirs_s:>13.3f} {ours_s:>9.4f} {ratio:>6.1f}x  {shown}")
        verdicts.append(identical and ratio >= TARGETS[key])
    met = ", ".join(f"({k}) >= {v:g}x" for k, v in TARGETS.items())
    print(f"verdict: {'PASS' if all(verdicts) else 'FAIL'} against targets {met} with identical results")


if __name__ == "__main__":
    main()
