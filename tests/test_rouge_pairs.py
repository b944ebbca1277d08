"""Scorer.score_pairs: the batch path equals rouge-score 0.1.2 (==) and `score` pair by pair."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

import eval.rouge.batch
from eval.options import DEFAULT_TYPES, ROUGE_TYPES
from eval.rouge.scorer import Scorer, UnicodeTokenizer

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SOURCE = "004_0c4284c8328f3e91.txt"


def triples(scores) -> dict[str, tuple[float, float, float]]:
    return {k: tuple(s) if isinstance(s, tuple) else (s.precision, s.recall, s.f1) for k, s in scores.items()}


def seed_pairs() -> list[tuple[str, str]]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    source = (SEEDS / SOURCE).read_text(encoding="utf-8")
    derivatives = sorted(p for p in SEEDS.glob("*.txt") if p.name != SOURCE)
    return [(source, p.read_text(encoding="utf-8")) for p in derivatives]


def short_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """~60-word windows at about the same place in the source and a derivative, a line per sentence."""
    rng = random.Random(seed)
    pairs = seed_pairs()
    words = [pairs[0][0].split()] + [d.split() for _, d in pairs]

    def window(w: list[str], where: float) -> str:
        size, line = rng.randint(50, 70), rng.randint(8, 25)
        first = int(where * max(len(w) - size, 0))
        chunk = w[first : first + size]
        return "\n".join(" ".join(chunk[i : i + line]) for i in range(0, len(chunk), line))

    return [(window(words[0], (x := rng.random())), window(rng.choice(words[1:]), x)) for _ in range(n)]


@pytest.mark.parametrize("stem", [True, False])
def test_1004_pairs_equal_rouge_score(stem):
    pairs = seed_pairs() + short_pairs(1000)
    ours = Scorer(ROUGE_TYPES, stem=stem).score_pairs(
        targets=[t for t, _ in pairs], predictions=[p for _, p in pairs]
    )
    theirs = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stem)
    assert len(ours) == 1004
    for (target, prediction), mine in zip(pairs, ours, strict=True):
        assert triples(mine) == triples(theirs.score(target, prediction))


@pytest.mark.parametrize("stem", [True, False])
def test_unicode_tokenizer_pairs_equal_rouge_score(stem):
    pairs = (
        seed_pairs() + short_pairs(100, seed=1) + [("Σίσυφος ΟΔΟΣ\nİstanbul café", "οδος σίσυφος café\nx")]
    )
    ours = Scorer(ROUGE_TYPES, stem=stem, tokenizer="unicode").score_pairs(
        targets=[t for t, _ in pairs], predictions=[p for _, p in pairs]
    )
    theirs = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stem, tokenizer=UnicodeTokenizer(stem))
    for (target, prediction), mine in zip(pairs, ours, strict=True):
        assert triples(mine) == triples(theirs.score(target, prediction))


def test_same_as_score_with_repeats_empties_and_several_references():
    targets = ["a b c\nd e", ["a b", "c d e f", ""], "", "x\x00y z", ["only one"], "a b c\nd e"]
    predictions = ["a c e\nb", "a b c d", "a b", "y z x", "", "a c e\nb"]
    for multi_ref in ("best", "sum"):
        scorer = Scorer(ROUGE_TYPES, multi_ref=multi_ref)
        batch = scorer.score_pairs(targets=targets, predictions=predictions)
        assert batch == [
            scorer.score(target=t, prediction=p) for t, p in zip(targets, predictions, strict=True)
        ]


def test_workers_give_the_same_numbers(monkeypatch):
    monkeypatch.setattr(eval.rouge.batch, "PARALLEL_MIN_PAIRS", 10)
    pairs = short_pairs(60, seed=2)
    targets: list[str | list[str]] = [t for t, _ in pairs]
    targets[3] = [pairs[3][0], pairs[4][0]]  # one pair with two references
    predictions = [p for _, p in pairs]
    scorer = Scorer(DEFAULT_TYPES)
    one = scorer.score_pairs(targets=targets, predictions=predictions)
    assert scorer.score_pairs(targets=targets, predictions=predictions, workers=2) == one
    assert one[3] == scorer.score(target=targets[3], prediction=predictions[3])


def test_empty_batch():
    assert Scorer().score_pairs(targets=[], predictions=[]) == []


def test_long_prediction_against_a_normal_source_stays_bounded():
    # Issue 11: a huge prediction made the LCS build a mask per token of a huge int. Now the bits run
    # over the shorter text and memory is linear (benchmarks/rouge_speed.py --long measures 5 and 50 MB);
    # here the numbers of a 40,000-token case, against rouge-score itself.
    source = "the cat sat on the mat\nand then it ran off to see the dog\n"
    prediction = "the dog sat on a mat then ran\n" * 5000
    types = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
    ours = Scorer(types).score_pairs(targets=[source], predictions=[prediction])[0]
    assert triples(ours) == triples(
        rouge_scorer.RougeScorer(types, use_stemmer=True).score(source, prediction)
    )
    assert ours["rougeL"].recall == 9 / 15


def test_score_pairs_is_keyword_only_and_checks_its_arguments():
    scorer = Scorer()
    with pytest.raises(TypeError):
        scorer.score_pairs(["a"], ["b"])  # type: ignore[misc]
    with pytest.raises(ValueError, match="2 targets but 1 predictions"):
        scorer.score_pairs(targets=["a", "b"], predictions=["a"])
    with pytest.raises(TypeError, match="not one string"):
        scorer.score_pairs(targets="ab", predictions=["a", "b"])
    with pytest.raises(TypeError, match="prediction None: expected a string"):
        scorer.score_pairs(targets=["a"], predictions=[None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at least one target"):
        scorer.score_pairs(targets=[[]], predictions=["a"])
    with pytest.raises(ValueError, match="workers 0: expected a whole number"):
        scorer.score_pairs(targets=["a"], predictions=["a"], workers=0)


def test_score_of_a_long_text_takes_the_bounded_path_and_equals_rouge_score():
    source = "the cat sat on the mat\nand then it ran off to see the dog\n"
    prediction = "the dog sat on a mat then ran\n" * 8000  # 240,000 characters: over the threshold
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    ours = Scorer(types).score(target=source, prediction=prediction)
    assert triples(ours) == triples(
        rouge_scorer.RougeScorer(types, use_stemmer=True).score(source, prediction)
    )


@pytest.mark.parametrize("stem", [True, False])
def test_a_new_scorer_per_pair_gives_the_same_numbers_on_either_path(stem, monkeypatch):
    """Issue 21: a new Scorer per call shares the stem memo and the compiled kernels (which count a
    single pair past a few lines); Python counting and compiled counting give rouge-score's numbers to
    the bit on the seed pairs, and a new scorer finds the words an earlier one stemmed."""
    from eval.rouge import tokens

    pairs = seed_pairs()
    theirs = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stem)
    expected = [triples(theirs.score(t, p)) for t, p in pairs]
    by_path = {}
    for compiled in (False, True):
        monkeypatch.setattr(eval.rouge.batch.KERNELS, "single", compiled)
        by_path[compiled] = [
            triples(Scorer(ROUGE_TYPES, stem=stem).score(target=t, prediction=p)) for t, p in pairs
        ]
    assert by_path[False] == by_path[True] == expected
    if stem:
        memo = tokens._MEMOS[("default", "porter-nltk")]
        assert Scorer(ROUGE_TYPES)._tokenizer._memo is memo and "negotiations" in memo
