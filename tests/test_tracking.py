from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from eval.rouge.scorer import Scorer
from eval.settings import Settings
from eval.tracking.measures import headline_measures
from eval.tracking.profile import (
    Fragment,
    TrackingProfile,
    copied_char_spans,
    fragments,
    novel_ngram_ratio,
    track,
    words,
)
from eval.tracking.semantic import Embedder
from tests.tracking_texts import NEAR_COPY, PARAPHRASE, SHARED, SOURCE, SUMMARY, UNRELATED, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings

# Worked out on paper:
#   source: the cat sat on the mat            (6 words)
#   text:   the cat lay on the mat today      (7 words)
#   fragments: "the cat" (text 0, source 0), "on the mat" (text 3, source 3); "lay", "today" are new.
#   coverage = (2 + 3) / 7, density = (4 + 9) / 7, compression = 6 / 7.
TINY_SOURCE = "The cat sat on the mat."
TINY_TEXT = "The cat lay on the mat today."


def test_words_are_lowercased_letter_digit_runs_with_offsets():
    w = words("Re-use, it's 2x!")
    assert w.tokens == ("re", "use", "it", "s", "2x")
    assert w.spans[0] == (0, 2) and w.spans[-1] == (13, 15)


def test_fragments_on_a_tiny_pair():
    found = fragments(words(TINY_SOURCE).tokens, words(TINY_TEXT).tokens)
    assert found == [Fragment(0, 0, 2), Fragment(3, 3, 3)]


def test_fragments_take_the_longest_match_anywhere_in_the_source():
    # "b c d" occurs twice in the source; the longer run starts at the second place.
    found = fragments(["a", "b", "c", "x", "b", "c", "d", "e"], ["b", "c", "d", "e"])
    assert found == [Fragment(0, 4, 4)]


def test_grusky_measures_on_a_tiny_pair():
    profile = track(TINY_SOURCE, TINY_TEXT, scorer=SCORER)
    assert profile.text_words == 7 and profile.source_words == 6
    assert profile.coverage == pytest.approx(5 / 7)
    assert profile.density == pytest.approx(13 / 7)
    assert profile.compression == pytest.approx(6 / 7)
    assert profile.longest_fragment == 3
    assert profile.longest_fragment_text == "on the mat"


def test_novel_ngrams_on_a_tiny_pair():
    source, text = words(TINY_SOURCE).tokens, words(TINY_TEXT).tokens
    assert novel_ngram_ratio(source, text, 1) == pytest.approx(2 / 7)  # lay, today
    assert novel_ngram_ratio(source, text, 2) == pytest.approx(3 / 6)  # cat lay, lay on, mat today
    assert novel_ngram_ratio(source, text, 4) == 1.0
    assert novel_ngram_ratio(source, ["cat"], 2) is None  # one word has no bigram


def test_copy_of_the_source_is_fully_covered():
    profile = track(SOURCE, SOURCE, scorer=SCORER)
    assert profile.coverage == 1.0
    assert profile.novel_ngrams == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert profile.longest_fragment == profile.source_words  # sentence breaks do not cut fragments
    assert profile.rouge["rouge2"].f1 == pytest.approx(1.0)


def test_rouge_figures_match_the_scorer_with_source_as_target():
    profile = track(SOURCE, SUMMARY, scorer=SCORER)
    expected = Scorer(("rouge1", "rouge2", "rougeL")).score(target=SOURCE, prediction=SUMMARY)
    assert profile.rouge == expected
    # Precision is the share of the summary from the source, so it is the high one here.
    assert profile.rouge["rouge1"].precision > profile.rouge["rouge1"].recall


def test_empty_text_leaves_undefined_measures_as_none():
    profile = track(SOURCE, "", scorer=SCORER)
    assert profile.text_words == 0
    assert profile.coverage is None and profile.density is None and profile.compression is None
    assert profile.novel_ngrams[1] is None
    assert profile.longest_fragment == 0 and profile.longest_fragment_text == ""


def test_without_an_embedder_semantic_is_none_with_a_reason_and_the_rest_is_computed():
    profile = track(SOURCE, NEAR_COPY, scorer=SCORER)
    assert profile.semantic is None and profile.closeness is None
    assert "no embedder" in (profile.semantic_reason or "")
    assert profile.alignment.method == "lexical"
    assert profile.coverage is not None and profile.coverage > 0.9


def test_profile_round_trips_through_json():
    profile = track(SOURCE, SUMMARY, scorer=SCORER)
    again = TrackingProfile.from_dict(json.loads(json.dumps(asdict(profile))))
    assert again == profile
    # The hand-written to_dict (what the store and results.json use) is asdict exactly, and round-trips.
    assert profile.alignment.pairs and profile.to_dict() == asdict(profile)
    assert TrackingProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_copied_char_spans_point_at_the_shared_words():
    text_spans, source_spans = copied_char_spans(TINY_SOURCE, TINY_TEXT)
    assert [TINY_TEXT[a:b] for a, b in text_spans] == ["on the mat"]
    assert [TINY_SOURCE[a:b] for a, b in source_spans] == ["on the mat"]


# Measures on which a reader's order near copy > summary > paraphrase > unrelated must hold
# (higher = closer, except the novel 3-gram share).
RANKED = (
    "rouge1_f",
    "rouge2_f",
    "rougeL_f",
    "rouge2_p",
    "density",
    "longest_fragment",
    "semantic",
    "closeness",
)


def test_profile_ranks_texts_of_known_closeness_as_a_reader_would(embedder: Embedder):  # noqa: F811
    ladder = [
        headline_measures(track(SOURCE, t, embedder=embedder, scorer=SCORER))
        for t in (NEAR_COPY, SUMMARY, PARAPHRASE, UNRELATED)
    ]

    def values(name: str) -> list[float]:
        found = [m[name] for m in ladder]
        assert None not in found, (name, found)
        return [v for v in found if v is not None]

    for name in RANKED:
        assert values(name) == sorted(values(name), reverse=True) and len(set(values(name))) == 4, name
    assert values("novel_3gram") == sorted(values("novel_3gram"))
    # Shares of the text taken from the source: a summary of lifted phrases is as extractive as a near copy.
    for name in ("rouge1_p", "coverage"):
        near, summary, paraphrase, unrelated = values(name)
        assert min(near, summary) > paraphrase > unrelated, (name, near, summary, paraphrase, unrelated)


def test_seed_derivatives_track_their_source_more_than_an_unrelated_text(embedder: Embedder):  # noqa: F811
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed corpus not found at {seeds}")
    source = (seeds / "004_0c4284c8328f3e91.txt").read_text(encoding="utf-8")
    derivatives = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("00[0-3]_*.txt"))]
    unrelated = track(source, UNRELATED, embedder=embedder, scorer=SCORER)
    for derivative in derivatives:
        profile = track(source, derivative, embedder=embedder, scorer=SCORER)
        assert profile.semantic is not None and unrelated.semantic is not None
        assert profile.semantic > unrelated.semantic + 0.3
        assert profile.rouge["rouge2"].f1 > unrelated.rouge["rouge2"].f1


def _fragments_by_direct_search(source: list[str], text: list[str]) -> list[tuple[int, int, int]]:
    # The definition (Grusky et al. 2018) as a direct search: the longest match at each position,
    # the earliest in the source among equals.
    found, i = [], 0
    while i < len(text):
        best = (0, 0)
        for j in range(len(source)):
            k = 0
            while i + k < len(text) and j + k < len(source) and text[i + k] == source[j + k]:
                k += 1
            if k > best[0]:
                best = (k, j)
        if best[0]:
            found.append((i, best[1], best[0]))
        i += max(best[0], 1)
    return found


def test_fragments_agree_with_the_direct_search_on_random_word_lists() -> None:
    import random

    rng = random.Random(7)
    for _ in range(400):
        vocab = [str(v) for v in range(rng.randint(1, 5))]
        source = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        text = [rng.choice([*vocab, "new"]) for _ in range(rng.randint(0, 30))]
        got = [(f.text_start, f.source_start, f.length) for f in fragments(source, text)]
        assert got == _fragments_by_direct_search(source, text), (source, text)


def test_fragments_of_a_long_repetitive_text_take_linear_work() -> None:
    # "a a a ..." against "a a a ...": the direct search compares every pair of positions (hours at
    # 50 MB); the automaton reads each text word about once.
    source, text = ["a"] * 20_000, ["a"] * 200_000
    found = fragments(source, text)
    assert [f.length for f in found] == [20_000] * 10
    assert all(f.source_start == 0 for f in found)


def test_word_spans_are_compact_and_index_like_a_sequence() -> None:
    w = words("Alpha beta, gamma!")
    assert list(w.spans) == [(0, 5), (6, 10), (12, 17)]
    assert w.spans[-1] == (12, 17) and w.spans[0:2] == [(0, 5), (6, 10)]
