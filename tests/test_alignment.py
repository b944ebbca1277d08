from __future__ import annotations

import random

import numpy as np
import pytest

from eval.settings import Settings
from eval.tracking.alignment import (
    AlignedSentence,
    align,
    align_lexical,
    lexical_similarity,
    order_preservation,
)
from eval.tracking.profile import sentences, track
from eval.tracking.semantic import Embedder
from tests.tracking_texts import PARAPHRASE, SOURCE, UNRELATED, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings


def pairs(*sources: int | None) -> list[AlignedSentence]:
    return [AlignedSentence(i, s, 1.0) for i, s in enumerate(sources)]


def test_order_preservation_by_hand():
    assert order_preservation(pairs(0, 1, 2, 3)) == 1.0
    assert order_preservation(pairs(3, 2, 1, 0)) == -1.0
    # pairs (0,2) (0,1) (2,1): concordant, concordant, discordant -> (2 - 1) / 3
    assert order_preservation(pairs(0, 2, 1)) == pytest.approx(1 / 3)
    # unaligned sentences and ties in source position are left out
    assert order_preservation(pairs(0, None, 0, 1)) == 1.0
    assert order_preservation(pairs(2, 2)) is None
    assert order_preservation(pairs(None)) is None


def test_align_leaves_sentences_below_the_threshold_unaligned():
    similarity = np.array([[0.9, 0.1], [0.2, 0.3]])
    result = align(similarity, method="lexical", threshold=0.5)
    assert [p.source_index for p in result.pairs] == [0, None]
    assert result.pairs[1].similarity == pytest.approx(0.3)
    assert result.aligned_share == 0.5


def test_align_rejects_a_vector():
    with pytest.raises(ValueError, match="2-d similarity matrix"):
        align(np.zeros(3), method="lexical")


def test_lexical_similarity_is_one_for_the_same_words_in_any_case():
    sim = lexical_similarity(["The Cat sat."], ["the cat SAT", "a dog ran"])
    assert sim[0, 0] == pytest.approx(1.0) and sim[0, 1] == pytest.approx(0.0)


def _shuffled(text: str) -> str:
    lines = sentences(text)
    random.Random(3).shuffle(lines)
    return "\n".join(lines)


@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "semantic"])
def test_straight_copy_keeps_order_and_shuffle_does_not(semantic: bool, request: pytest.FixtureRequest):
    model: Embedder | None = request.getfixturevalue("embedder") if semantic else None
    straight = track(SOURCE, SOURCE, embedder=model, scorer=SCORER).alignment
    shuffled_text = _shuffled(SOURCE)
    shuffled = track(SOURCE, shuffled_text, embedder=model, scorer=SCORER).alignment
    assert straight.method == ("semantic" if semantic else "lexical")
    assert [p.source_index for p in straight.pairs] == list(range(len(sentences(SOURCE))))
    assert straight.order == 1.0
    # Each shuffled sentence still finds its own source sentence ...
    expected = [sentences(SOURCE).index(s) for s in sentences(shuffled_text)]
    assert [p.source_index for p in shuffled.pairs] == expected
    # ... but the order is gone.
    assert shuffled.order is not None and shuffled.order < 0.5


def test_paraphrase_aligns_sentence_by_sentence_and_unrelated_text_does_not(embedder: Embedder):  # noqa: F811
    paraphrase = track(SOURCE, PARAPHRASE, embedder=embedder, scorer=SCORER).alignment
    aligned = [p.source_index for p in paraphrase.pairs]
    assert sum(a == i for i, a in enumerate(aligned)) >= 6  # written sentence by sentence
    assert paraphrase.order is not None and paraphrase.order > 0.8
    assert track(SOURCE, UNRELATED, embedder=embedder, scorer=SCORER).alignment.aligned_share == 0.0


def _tau_over_all_pairs(pairs_: list[AlignedSentence]) -> float | None:
    positions = [
        p.source_index for p in sorted(pairs_, key=lambda p: p.text_index) if p.source_index is not None
    ]
    concordant = discordant = 0
    for i, first in enumerate(positions):
        for second in positions[i + 1 :]:
            concordant += second > first
            discordant += second < first
    return None if concordant + discordant == 0 else (concordant - discordant) / (concordant + discordant)


def test_order_preservation_matches_the_count_over_all_pairs() -> None:
    rng = random.Random(3)
    for _ in range(500):
        found = pairs(*(rng.choice([None, *range(5)]) for _ in range(rng.randint(0, 14))))
        rng.shuffle(found)
        assert order_preservation(found) == _tau_over_all_pairs(found)


def test_lexical_alignment_without_the_dense_matrix_matches_the_dense_one() -> None:
    rng = random.Random(4)
    vocab = ["the", "council", "budget", "roads", "trams", "vote", "mayor", "spring"]
    for _ in range(200):
        text = [" ".join(rng.choices(vocab, k=rng.randint(0, 6))) for _ in range(rng.randint(0, 8))]
        source = [" ".join(rng.choices(vocab, k=rng.randint(0, 6))) for _ in range(rng.randint(1, 8))]
        dense = align(lexical_similarity(text, source), method="lexical")
        sparse = align_lexical(text, source)
        assert [p.source_index for p in sparse.pairs] == [p.source_index for p in dense.pairs]
        assert [p.similarity for p in sparse.pairs] == pytest.approx([p.similarity for p in dense.pairs])
        assert sparse.order == dense.order


def test_semantic_similarity_is_skipped_with_the_reason_above_the_sentence_limit(monkeypatch) -> None:
    from eval.tracking import profile as tracking

    class Refuses:
        def embed(self, sentences):  # pragma: no cover - must not be called
            raise AssertionError("embedded despite the limit")

    monkeypatch.setattr(tracking, "MAX_SEMANTIC_SENTENCES", 3)
    profile = track(SOURCE, SOURCE, embedder=Refuses(), scorer=SCORER)  # type: ignore[arg-type]
    assert profile.semantic is None and "above the limit of 3" in (profile.semantic_reason or "")
    assert profile.alignment.method == "lexical" and profile.alignment.order == 1.0
