"""Sentence alignment: which source sentence each sentence of a text most likely comes from, and order kept.

Each text sentence is aligned to the source sentence it is most similar to, if that similarity reaches a
threshold; otherwise it is left unaligned (new material). Similarity is the cosine of sentence embeddings when
the semantic model is available, else the cosine of lowercased word-count vectors (`lexical_similarity`), so
alignment never depends on the model being installed. Several text sentences may align to one source sentence
(a long sentence split in two), and a text sentence may merge two source sentences (only the best is kept).

Order preservation is Kendall's tau between a text's sentence order and the source positions its sentences
align to, over aligned pairs whose source positions differ: 1 when the text follows the source's order,
about 0 for a shuffle, -1 when reversed; None when no two aligned sentences come from different
source sentences.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

Method = Literal["semantic", "lexical"]
# Below these, the best match is no better than what two unrelated sentences on one topic reach.
THRESHOLDS: dict[str, float] = {"semantic": 0.5, "lexical": 0.3}
_WORD = re.compile(r"[^\W_]+")
_BLOCK_CELLS = 4_000_000  # text rows x source sentences per block: 32 MB of float64


@dataclass(frozen=True)
class AlignedSentence:
    text_index: int
    source_index: int | None
    similarity: float


@dataclass(frozen=True)
class Alignment:
    method: Method
    threshold: float
    pairs: tuple[AlignedSentence, ...]
    order: float | None

    @property
    def aligned_share(self) -> float | None:
        """Share of the text's sentences that have a source sentence."""
        if not self.pairs:
            return None
        return sum(p.source_index is not None for p in self.pairs) / len(self.pairs)


def lexical_similarity(text_sentences: Sequence[str], source_sentences: Sequence[str]) -> np.ndarray:
    """Cosine of lowercased word-count vectors, shape (len(text_sentences), len(source_sentences))."""
    counts = [Counter(_WORD.findall(s.lower())) for s in (*text_sentences, *source_sentences)]
    vocab = {w: i for i, w in enumerate(sorted(set().union(*counts)))} if counts else {}
    matrix = np.zeros((len(counts), max(len(vocab), 1)))
    for row, count in enumerate(counts):
        for word, n in count.items():
            matrix[row, vocab[word]] = n
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1.0, norms)
    n_text = len(text_sentences)
    return matrix[:n_text] @ matrix[n_text:].T


def align_lexical(
    text_sentences: Sequence[str], source_sentences: Sequence[str], *, threshold: float | None = None
) -> Alignment:
    """`align(lexical_similarity(...), method="lexical")` without the dense matrix: each text sentence is
    compared with the source sentences sharing a word (an inverted index), a block of rows at a time, so
    memory stays bounded whatever the text's length (a 50 MB text has ~500,000 sentences)."""
    cut = THRESHOLDS["lexical"] if threshold is None else threshold
    n_src = len(source_sentences)
    postings = _postings(tuple(source_sentences))
    pairs: list[AlignedSentence] = []
    block = max(1, _BLOCK_CELLS // max(n_src, 1))
    for start in range(0, len(text_sentences), block):
        chunk = text_sentences[start : start + block]
        if n_src == 0:
            pairs += [AlignedSentence(start + r, None, 0.0) for r in range(len(chunk))]
            continue
        where, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for r, sentence in enumerate(chunk):
            for word, weight in _unit_counts(sentence).items():
                if word in postings:
                    cols, vals = postings[word]
                    where.append(cols + r * n_src)
                    values.append(vals * weight)
        scores = np.bincount(
            np.concatenate(where), weights=np.concatenate(values), minlength=len(chunk) * n_src
        ).reshape(len(chunk), n_src)
        best = np.round(scores, 12).argmax(axis=1)  # ties (to rounding) go to the earlier sentence
        top = scores[np.arange(len(chunk)), best]
        pairs += [
            AlignedSentence(start + r, int(b) if float(v) >= cut else None, float(v))
            for r, (b, v) in enumerate(zip(best, top, strict=True))
        ]
    return Alignment("lexical", cut, tuple(pairs), order_preservation(pairs))


@lru_cache(maxsize=8)
def _postings(source_sentences: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """word -> (source sentences holding it, its weight in each): the inverted index of a source, built
    once for all the texts of its cluster (they are aligned against it one after another). Read only."""
    index: dict[str, tuple[list[int], list[float]]] = {}
    for j, sentence in enumerate(source_sentences):
        for word, weight in _unit_counts(sentence).items():
            rows, weights = index.setdefault(word, ([], []))
            rows.append(j)
            weights.append(weight)
    return {w: (np.array(r, dtype=np.int64), np.array(v)) for w, (r, v) in index.items()}


def _unit_counts(sentence: str) -> dict[str, float]:
    counts = Counter(_WORD.findall(sentence.lower()))
    norm = math.sqrt(sum(n * n for n in counts.values()))
    return {w: n / norm for w, n in counts.items()} if norm else {}


def align(similarity: np.ndarray, *, method: Method, threshold: float | None = None) -> Alignment:
    """Align each row (text sentence) to its most similar column (source sentence) at or above `threshold`."""
    if similarity.ndim != 2:
        raise ValueError(f"align: expected a 2-d similarity matrix, got shape {similarity.shape}")
    cut = THRESHOLDS[method] if threshold is None else threshold
    pairs = []
    for row_index, row in enumerate(similarity):
        # Rounded so that equal similarities tie whatever order their sums were taken in: earliest wins.
        best = int(np.argmax(np.round(row, 12))) if row.size else None
        score = float(row[best]) if best is not None else 0.0
        pairs.append(AlignedSentence(row_index, best if best is not None and score >= cut else None, score))
    return Alignment(method, cut, tuple(pairs), order_preservation(pairs))


def order_preservation(pairs: Sequence[AlignedSentence]) -> float | None:
    """Kendall's tau between text order and aligned source order, ties in source position left out.

    Counted in O(m log m) (inversions with a Fenwick tree), not over all m^2 pairs: a long text aligns
    hundreds of thousands of sentences.
    """
    positions = [
        p.source_index for p in sorted(pairs, key=lambda p: p.text_index) if p.source_index is not None
    ]
    m = len(positions)
    ties = sum(c * (c - 1) // 2 for c in Counter(positions).values())
    untied = m * (m - 1) // 2 - ties
    if untied == 0:
        return None
    size = max(positions) + 1
    tree = [0] * (size + 1)
    discordant = 0
    for seen, position in enumerate(positions):
        # Earlier sentences aligned to a later source position than this one: one discordant pair each.
        at_most, i = 0, position + 1
        while i > 0:
            at_most += tree[i]
            i -= i & -i
        discordant += seen - at_most
        i = position + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    concordant = untied - discordant
    return (concordant - discordant) / untied
