from __future__ import annotations

import pytest

from eval.rouge.scorer import Scorer
from eval.settings import Settings
from eval.tracking.matrices import cluster_matrices, rouge2_matrix, semantic_matrix
from eval.tracking.semantic import Embedder
from tests.tracking_texts import NEAR_COPY, PARAPHRASE, SOURCE, UNRELATED, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings

TEXTS = {"source": SOURCE, "near": NEAR_COPY, "para": PARAPHRASE, "other": UNRELATED}


def test_rouge2_matrix_is_symmetric_with_a_unit_diagonal_and_matches_the_scorer():
    m = rouge2_matrix(TEXTS, scorer=SCORER)
    assert m.labels == ("source", "near", "para", "other")
    size = len(m.labels)
    for i in range(size):
        assert m.values[i][i] == 1.0
        for j in range(size):
            assert m.values[i][j] == m.values[j][i]
    expected = Scorer(("rouge2",)).score(target=SOURCE, prediction=NEAR_COPY)["rouge2"].f1
    assert m.values[0][1] == pytest.approx(expected)
    assert m.values[0][1] > m.values[0][2] > m.values[0][3]


def test_semantic_matrix_orders_by_closeness(embedder: Embedder):  # noqa: F811
    m = semantic_matrix(TEXTS, embedder)
    row = m.values[0]
    assert row[0] == 1.0 and row[1] > row[2] > row[3]
    assert m.values[2][1] == m.values[1][2]


def test_semantic_matrix_rejects_a_text_without_sentences(embedder: Embedder):  # noqa: F811
    with pytest.raises(ValueError, match=r"\['empty'\] have no sentences"):
        semantic_matrix({"source": SOURCE, "empty": "\n"}, embedder)


def test_cluster_matrices_give_the_reason_when_there_is_no_model():
    out = cluster_matrices(TEXTS, scorer=SCORER)
    assert out["rouge2_f1"].labels == tuple(TEXTS)  # type: ignore[union-attr]
    assert out["semantic"] == "semantic similarity not requested (no embedder given)"
