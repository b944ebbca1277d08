from __future__ import annotations

import random

import numpy as np
import pytest

from eval.alignment import AlignedSentence, align, lexical_similarity, order_preservation
from eval.semantic import Embedder
from eval.settings import Settings
from eval.tracking import sentences, track
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
