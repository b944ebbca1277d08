"""The ROUGE engine: worked examples, then equality with rouge-score 0.1.2 (==, never approx)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from eval.options import DEFAULT_TYPES, ROUGE_TYPES
from eval.rouge.scorer import Score, Scorer, UnicodeTokenizer

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SOURCE = "004_0c4284c8328f3e91.txt"


def reference(types, *, stem: bool, tokenizer: str = "default") -> rouge_scorer.RougeScorer:
    custom = UnicodeTokenizer(stem) if tokenizer == "unicode" else None
    return rouge_scorer.RougeScorer(list(types), use_stemmer=stem, tokenizer=custom)


def triples(scores) -> dict[str, tuple[float, float, float]]:
    """Ours and rouge-score's results in one comparable shape."""
    return {
        k: (s.precision, s.recall, s.f1 if isinstance(s, Score) else s.fmeasure) for k, s in scores.items()
    }


# --- worked examples -------------------------------------------------------------------------------


def test_five_tokens_by_hand():
    # target: the cat sat on mat; prediction: the cat on the mat (no stemming needed, none applies)
    scores = Scorer(DEFAULT_TYPES, stem=False).score(
        target="The cat sat on mat.", prediction="the cat on the mat"
    )
    # unigrams: the, cat, on, mat match (prediction's second "the" is clipped): 4 of 5 each side
    assert scores["rouge1"] == Score(4 / 5, 4 / 5, 2 * (4 / 5) * (4 / 5) / (4 / 5 + 4 / 5))
    # bigrams: only (the, cat) is shared, of 4 on each side
    assert scores["rouge2"] == Score(0.25, 0.25, 0.25)
    # LCS: the cat on mat
    assert scores["rougeL"] == scores["rougeLsum"] == scores["rouge1"]


def test_precision_is_over_the_prediction():
    scores = Scorer(["rouge1"], stem=False).score(target="a b c d", prediction="a b")
    assert scores["rouge1"] == Score(1.0, 0.5, 2 * 1.0 * 0.5 / 1.5)


def test_summary_level_lcs_unions_over_prediction_sentences():
    # target sentences [a b c] [d e]; prediction sentences [a c] [d x e b]
    # union LCS of [a b c]: {a, c} from the first, {b} from the second; of [d e]: {d, e}. 5 hits.
    target, prediction = "a b c\nd e", "a c\nd x e b"
    scores = Scorer(["rougeL", "rougeLsum"], stem=False).score(target=target, prediction=prediction)
    assert scores["rougeLsum"] == Score(5 / 6, 1.0, 2 * (5 / 6) * 1.0 / (5 / 6 + 1.0))
    # whole-text LCS is a c d e: 4
    assert scores["rougeL"] == Score(4 / 6, 4 / 5, 2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5))


def test_summary_level_lcs_follows_rouge_scores_tie_break():
    # LCS([a b], [b a]) is "a" or "b"; rouge-score's backtrack moves up on ties and so reads out "a".
    # With the second sentence's "b" the union is {a, b}: 2 hits. Reading out "b" would give 1.
    scores = Scorer(["rougeLsum"], stem=False).score(target="a b", prediction="b a\nb")
    assert scores["rougeLsum"] == Score(2 / 3, 1.0, 2 * (2 / 3) * 1.0 / (2 / 3 + 1.0))


def test_stemming_and_tokens():
    scorer = Scorer(["rouge1"], stem=True)
    assert scorer.tokens("The Cats were RUNNING, fast!") == ["the", "cat", "were", "run", "fast"]
    assert scorer.score(target="cats running", prediction="cat runs")["rouge1"] == Score(1.0, 1.0, 1.0)
    assert Scorer(["rouge1"], stem=False).score(target="cats", prediction="cat")["rouge1"] == Score(0, 0, 0)


def test_unicode_tokenizer_keeps_other_scripts():
    assert Scorer(tokenizer="unicode").tokens("Fröhliche Grüße, Москва!") == ["fröhliche", "grüße", "москва"]
    assert Scorer(tokenizer="default").tokens("Fröhliche Grüße, Москва!") == ["fr", "hlich", "gr", "e"]


@pytest.mark.parametrize("rouge_type", ROUGE_TYPES)
@pytest.mark.parametrize(("target", "prediction"), [("", "a b"), ("a b", ""), ("...", "!!"), ("\n\n", "a")])
def test_empty_texts_score_zero(rouge_type, target, prediction):
    assert Scorer([rouge_type]).score(target=target, prediction=prediction)[rouge_type] == Score(0, 0, 0)


# --- multiple references ---------------------------------------------------------------------------

REFS = ["a b c", "a d"]


def test_multi_ref_best_keeps_the_reference_with_best_f1():
    # rouge1 against "a b c": 2 hits, P 2/3, R 2/3; against "a d": 2 hits, P 2/3, R 1 -> the second
    scores = Scorer(["rouge1"], stem=False).score(target=REFS, prediction="a b d")
    assert scores["rouge1"] == Score(2 / 3, 1.0, 2 * (2 / 3) * 1.0 / (2 / 3 + 1.0))


def test_multi_ref_sum_pools_counts_like_rouge_1_5_5():
    # hits 2 + 2 over reference counts 3 + 2 and prediction counts 3 + 3
    scorer = Scorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], stem=False, multi_ref="sum")
    scores = scorer.score(target=REFS, prediction="a b d")
    f = 2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5)
    assert scores["rouge1"] == scores["rougeL"] == scores["rougeLsum"] == Score(4 / 6, 4 / 5, f)
    # bigrams: (a b) with the first; none with the second; counts 2 + 1 and 2 + 2
    assert scores["rouge2"] == Score(1 / 4, 1 / 3, 2 * (1 / 4) * (1 / 3) / (1 / 4 + 1 / 3))


def test_multi_ref_sum_of_one_reference_is_best():
    best = Scorer(ROUGE_TYPES).score(target=["x y z", "w"], prediction="x z")
    single = Scorer(ROUGE_TYPES, multi_ref="sum").score(target=["x y z"], prediction="x z")
    assert single == Scorer(ROUGE_TYPES).score(target="x y z", prediction="x z")
    assert best == single


def test_multi_ref_best_equals_rouge_score_multi():
    types = ROUGE_TYPES
    ours = Scorer(types).score(target=["the cat sat", "a cat sat on it", "dogs"], prediction="the cat sat on")
    theirs = reference(types, stem=True).score_multi(
        ["the cat sat", "a cat sat on it", "dogs"], "the cat sat on"
    )
    assert triples(ours) == triples(theirs)


# --- equality with rouge-score on the seed corpus --------------------------------------------------


def seed_texts() -> tuple[str, list[str]]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    derivatives = sorted(p for p in SEEDS.glob("00[0-3]_*.txt"))
    return (SEEDS / SOURCE).read_text(encoding="utf-8"), [p.read_text(encoding="utf-8") for p in derivatives]


@pytest.mark.parametrize("tokenizer", ["default", "unicode"])
@pytest.mark.parametrize("stem", [True, False])
def test_seed_pairs_equal_rouge_score_both_ways(stem, tokenizer):
    source, derivatives = seed_texts()
    assert len(derivatives) == 4
    theirs = reference(ROUGE_TYPES, stem=stem, tokenizer=tokenizer)
    scorer = Scorer(ROUGE_TYPES, stem=stem, tokenizer=tokenizer)
    for derivative, ours in zip(
        derivatives, scorer.score_many(target=source, predictions=derivatives), strict=True
    ):
        assert triples(ours) == triples(theirs.score(source, derivative))
        reverse = scorer.score(target=derivative, prediction=source)
        assert triples(reverse) == triples(theirs.score(derivative, source))


def test_seed_tokens_equal_rouge_score():
    source, derivatives = seed_texts()
    for stem in (True, False):
        assert Scorer(stem=stem).tokens(source) == reference(["rouge1"], stem=stem)._tokenizer.tokenize(
            source
        )
        unicode = UnicodeTokenizer(stem).tokenize(derivatives[2])
        assert Scorer(stem=stem, tokenizer="unicode").tokens(derivatives[2]) == unicode


# --- the API and bad arguments ---------------------------------------------------------------------


def test_score_many_matches_score_and_reuses_the_target():
    scorer = Scorer(ROUGE_TYPES)
    predictions = ["one two three", "two three four\nfive", ""]
    many = scorer.score_many(target="one two\nthree four", predictions=predictions)
    assert many == [scorer.score(target="one two\nthree four", prediction=p) for p in predictions]
    assert len(scorer._targets) == 1


def test_target_cache_is_bounded_and_results_do_not_depend_on_it():
    scorer = Scorer(ROUGE_TYPES)
    first = scorer.score(target="t0 shared words", prediction="shared words here")
    for i in range(100):
        scorer.score(target=f"t{i} shared", prediction="shared")
    assert len(scorer._targets) <= 32
    assert scorer.score(target="t0 shared words", prediction="shared words here") == first


def test_scorer_pickles_for_worker_processes():
    scorer = Scorer(ROUGE_TYPES, tokenizer="unicode")
    before = scorer.score(target="Läufer running\nfast", prediction="runs fast")
    copy = pickle.loads(pickle.dumps(scorer))
    assert copy.score(target="Läufer running\nfast", prediction="runs fast") == before


def test_score_is_keyword_only():
    with pytest.raises(TypeError):
        Scorer().score("a", "b")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"types": ["rouge1", "rougeX"]}, r"\['rougeX'\].*expected some of rouge1"),
        ({"types": ["rouge0"]}, "rouge0"),
        ({"types": []}, r"ROUGE types \[\]"),
        ({"types": "rouge1"}, "not one string"),
        ({"tokenizer": "spacy"}, "tokenizer 'spacy': expected default or unicode"),
        ({"multi_ref": "mean"}, "multi_ref 'mean': expected best or sum"),
    ],
)
def test_bad_settings_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Scorer(**kwargs)


def test_bad_texts_name_the_problem():
    scorer = Scorer()
    with pytest.raises(ValueError, match="at least one target"):
        scorer.score(target=[], prediction="a")
    with pytest.raises(TypeError, match="prediction None: expected a string"):
        scorer.score(target="a", prediction=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="target 3: expected a string"):
        scorer.score(target=["a", 3], prediction="a")  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not one string"):
        scorer.score_many(target="a", predictions="a b")
