"""Pairwise matrices: every text of a cluster against every other, on ROUGE-2 F1 and on semantic similarity.

Both measures are symmetric (ROUGE-N F1 does not change when target and prediction swap; cosine neither), so
each matrix is computed once per unordered pair and mirrored. The diagonal is 1. Labels keep the order given,
so a caller puts the source first, then derivatives, then system summaries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from eval.results import Matrix
from eval.tracking.profile import sentences
from summarize.errors import ModelUnavailableError

if TYPE_CHECKING:
    from eval.options import RougeType
    from eval.rouge.scorer import Scorer
    from eval.tracking.semantic import Embedder

# The ROUGE type of the pairwise matrix; its F1 is symmetric in target and prediction.
ROUGE_TYPE: RougeType = "rouge2"


def symmetric_matrix(metric: str, labels: Sequence[str], similarity: Callable[[str, str], float]) -> Matrix:
    """`similarity(label_a, label_b)` for every unordered pair, mirrored; 1 on the diagonal."""
    size = len(labels)
    values = [[1.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            values[i][j] = values[j][i] = similarity(labels[i], labels[j])
    return Matrix(metric, tuple(labels), tuple(tuple(row) for row in values))


def rouge2_matrix(texts: Mapping[str, str], *, scorer: Scorer) -> Matrix:
    """ROUGE-2 F1 between every pair of texts (id -> text, one sentence per line).

    `scorer` is the run's (eval.settings builds it): its tokenizer and stemming make the numbers, so they
    equal the score table's for the same pair.
    """
    if ROUGE_TYPE not in scorer.types:
        raise ValueError(f"rouge2_matrix: the scorer computes {list(scorer.types)}, not {ROUGE_TYPE}")
    labels = list(texts)
    pairs = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :]]
    scores = scorer.score_pairs(
        targets=[texts[a] for a, _ in pairs], predictions=[texts[b] for _, b in pairs]
    )
    f1 = {pair: s[ROUGE_TYPE].f1 for pair, s in zip(pairs, scores, strict=True)}
    return symmetric_matrix("rouge2_f1", labels, lambda a, b: f1[(a, b)])


def semantic_matrix(texts: Mapping[str, str], embedder: Embedder) -> Matrix:
    """Cosine of document vectors (mean of sentence embeddings) between every pair of texts.

    Raises ModelUnavailableError when the model cannot be loaded, and ValueError for a text with no sentences.
    """
    split = {label: sentences(text) for label, text in texts.items()}
    empty = [label for label, sents in split.items() if not sents]
    if empty:
        raise ValueError(f"semantic_matrix: texts {empty} have no sentences")
    vectors = {label: embedder.document_vector(sents) for label, sents in split.items()}
    return symmetric_matrix("semantic", list(texts), lambda a, b: float(vectors[a] @ vectors[b]))


def cluster_matrices(
    texts: Mapping[str, str], *, scorer: Scorer, embedder: Embedder | None = None
) -> dict[str, Matrix | str]:
    """Both matrices for one cluster; where the semantic one cannot be made, the reason in its place."""
    out: dict[str, Matrix | str] = {"rouge2_f1": rouge2_matrix(texts, scorer=scorer)}
    if embedder is None:
        out["semantic"] = "semantic similarity not requested (no embedder given)"
    else:
        try:
            out["semantic"] = semantic_matrix(texts, embedder)
        except ModelUnavailableError as exc:
            out["semantic"] = str(exc)
    return out
