"""Generated cases: our engine equals rouge-score 0.1.2 exactly (==) on thousands of texts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from eval.options import ROUGE_TYPES
from eval.rouge.lcs import SentenceRows, lcs_length, match_masks
from eval.rouge.scorer import Scorer, UnicodeTokenizer

# Words chosen to stress the tokenizers: stems, case, digits, apostrophes, underscores, other scripts,
# Greek final sigma, characters whose lowercase is ASCII (Kelvin sign, dotted capital I).
WORDS = [
    "the", "The", "cat", "cats", "running", "runs", "ran", "a", "A", "is", "generalizations",
    "42", "3.14", "co-op", "don't", "x_y", "Über", "naïve", "東京", "Σίσυφος", "ΟΔΟΣ", "İstanbul",
    "\u212aelvin", "ﬁne", "café", "—", "...", "‘quoted’", "é", "e\u0301",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "\n", "\n\n", " \n ", "\t", "\r\n", "!?", "-", "_"]

word_texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
any_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
repetitive_texts = st.lists(st.sampled_from(["a", "b", "c", "\n", "a\n"]), max_size=30).map(" ".join)
texts = st.one_of(word_texts, word_texts, repetitive_texts, any_texts)

# The three scorers of each configuration, built once so the stem memo and target cache are exercised.
CONFIGS = [(stem, tokenizer) for stem in (True, False) for tokenizer in ("default", "unicode")]
OURS = {c: Scorer(ROUGE_TYPES, stem=c[0], tokenizer=c[1]) for c in CONFIGS}
THEIRS = {
    c: rouge_scorer.RougeScorer(
        list(ROUGE_TYPES), use_stemmer=c[0], tokenizer=UnicodeTokenizer(c[0]) if c[1] == "unicode" else None
    )
    for c in CONFIGS
}


def triples(scores) -> dict[str, tuple[float, float, float]]:
    return {k: tuple(s) if isinstance(s, tuple) else (s.precision, s.recall, s.f1) for k, s in scores.items()}


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=texts, prediction=texts, config=st.sampled_from(CONFIGS))
def test_equal_to_rouge_score(target, prediction, config):
    ours = OURS[config].score(target=target, prediction=prediction)
    assert triples(ours) == triples(THEIRS[config].score(target, prediction))


@settings(max_examples=400, deadline=None)
@given(targets=st.lists(texts, min_size=1, max_size=4), prediction=texts)
def test_multi_ref_best_equal_to_rouge_score_multi(targets, prediction):
    ours = OURS[(True, "default")].score(target=targets, prediction=prediction)
    assert triples(ours) == triples(THEIRS[(True, "default")].score_multi(targets, prediction))


@settings(max_examples=300, deadline=None)
@given(targets=st.lists(texts, min_size=1, max_size=4), prediction=texts)
def test_multi_ref_sum_pools_hits_of_single_references(targets, prediction):
    # For n-grams and rougeL the pooled hits are recoverable from each single-reference score.
    ours = Scorer(["rouge1", "rougeL"], multi_ref="sum").score(target=targets, prediction=prediction)
    single = Scorer(["rouge1", "rougeL"])
    n = len(single.tokens(prediction))
    for rouge_type in ("rouge1", "rougeL"):
        hits = sum(
            round(single.score(target=t, prediction=prediction)[rouge_type].precision * n) for t in targets
        )
        m = sum(len(single.tokens(t)) for t in targets)
        assert ours[rouge_type].recall == (hits / m if hits else 0.0)
        assert ours[rouge_type].precision == (hits / (n * len(targets)) if hits else 0.0)


long_texts = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e", "the", "cats", "ran"]), st.sampled_from([" "] * 12 + ["\n"])
    ),
    min_size=150,
    max_size=500,
).map(lambda pairs: "".join(w + s for w, s in pairs))


@settings(max_examples=40, deadline=None)
@given(target=long_texts, prediction=long_texts)
def test_long_texts_equal_to_rouge_score(target, prediction):
    ours = OURS[(True, "default")].score(target=target, prediction=prediction)
    assert triples(ours) == triples(THEIRS[(True, "default")].score(target, prediction))


# --- the alignment engine on its own: exact union LCS indices, not only the scores ----------------

token_lists = st.lists(st.sampled_from("abcde"), max_size=12)


@settings(max_examples=2000, deadline=None)
@given(reference=st.lists(token_lists, min_size=1, max_size=5), candidates=st.lists(token_lists, max_size=5))
def test_union_lcs_picks_rouge_scores_alignment(reference, candidates):
    sentences = [s for s in reference if s]
    if not sentences:
        return
    rows = SentenceRows(sentences)
    union = 0
    for candidate in candidates:
        union |= rows.union_lcs(candidate)
    # reversed-layout bits back to (sentence, index) pairs
    found = set()
    offset = 0
    for k, sentence in enumerate(sentences):
        natural = rows.reverse(union) >> offset
        found |= {(k, i) for i in range(len(sentence)) if natural >> i & 1}
        offset += len(sentence) + 1
    expected = {
        (k, i)
        for k, sentence in enumerate(sentences)
        for i in rouge_scorer._find_union([rouge_scorer.lcs_ind(sentence, c) for c in candidates])
    }
    assert found == expected


@settings(max_examples=1000, deadline=None)
@given(a=st.lists(st.sampled_from("abcd"), max_size=80), b=st.lists(st.sampled_from("abcd"), max_size=80))
def test_lcs_length_equal_to_rouge_score_table(a, b):
    assert lcs_length(match_masks(a), len(a), b) == rouge_scorer._lcs_table(a, b)[-1][-1]


# --- the batch path: many pairs at once share a vocabulary, texts and the compiled counting -------------

BATCH_OURS = {c: Scorer(ROUGE_TYPES, stem=c[0], tokenizer=c[1]) for c in CONFIGS}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=st.lists(st.tuples(texts, texts), max_size=12), config=st.sampled_from(CONFIGS))
def test_score_pairs_equal_to_rouge_score(pairs, config):
    ours = BATCH_OURS[config].score_pairs(targets=[t for t, _ in pairs], predictions=[p for _, p in pairs])
    for (target, prediction), mine in zip(pairs, ours, strict=True):
        assert triples(mine) == triples(THEIRS[config].score(target, prediction))


@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(st.tuples(st.lists(texts, min_size=1, max_size=4), texts), min_size=1, max_size=5),
    multi_ref=st.sampled_from(["best", "sum"]),
)
def test_score_pairs_multi_ref_equal_to_score(batch, multi_ref):
    scorer = Scorer(ROUGE_TYPES, multi_ref=multi_ref)
    ours = scorer.score_pairs(targets=[t for t, _ in batch], predictions=[p for _, p in batch])
    assert ours == [scorer.score(target=t, prediction=p) for t, p in batch]
    if multi_ref == "best":
        theirs = THEIRS[(True, "default")]
        assert [triples(o) for o in ours] == [triples(theirs.score_multi(t, p)) for t, p in batch]


@settings(max_examples=40, deadline=None)
@given(target=long_texts, prediction=long_texts)
def test_score_pairs_long_texts_equal_to_rouge_score(target, prediction):
    ours = BATCH_OURS[(True, "default")].score_pairs(targets=[target], predictions=[prediction])[0]
    assert triples(ours) == triples(THEIRS[(True, "default")].score(target, prediction))
