"""Extractive summarizers: lead, TextRank, LexRank, TF-IDF centroid and a seeded random baseline.

Every one ranks the sentences of a text (given one per line), then selects under a budget shared by all:
a sentence count, a word budget, or both (whichever is reached first), so systems can be compared at equal
length. Selected sentences are returned in document order, one per line.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarize.base import Summary
from summarize.registry import SystemType

if TYPE_CHECKING:
    import numpy as np

# A short English stop list: graph methods otherwise link sentences through "the" and "of".
STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i if in into is it its of on or our
    she so than that the their them then there these they this to was we were which while who will with would
    you your not no do does did can could should may might also said says""".split()  # noqa: SIM905
)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stem(word) if len(word) > 3 else word


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from nltk.stem import porter

    return porter.PorterStemmer("ORIGINAL_ALGORITHM")


def content_words(sentence: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(sentence.lower()) if w not in STOPWORDS]


class Budget(BaseModel):
    """Length limits shared by every extractive system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sentences: int | None = Field(
        None, ge=1, description="at most this many sentences (default 3 when no word budget is set)"
    )
    words: int | None = Field(None, ge=1, description="at most this many words (null: no limit)")
    truncate: bool = Field(True, description="cut the last sentence to fill the word budget exactly")

    @model_validator(mode="after")
    def _default_limit(self) -> Budget:
        if self.sentences is None and self.words is None:
            object.__setattr__(self, "sentences", 3)
        return self


def select(sentences: Sequence[str], ranking: Sequence[int], budget: Budget) -> list[str]:
    """Take sentences in rank order until the budget is spent; return them in document order."""
    chosen: list[int] = []
    cut: dict[int, str] = {}
    words = 0
    for index in ranking:
        if budget.sentences is not None and len(chosen) >= budget.sentences:
            break
        n = len(sentences[index].split())
        if budget.words is not None and words + n > budget.words:
            room = budget.words - words
            if budget.truncate and room > 0:
                cut[index] = " ".join(sentences[index].split()[:room])
                chosen.append(index)
            break
        chosen.append(index)
        words += n
    return [cut.get(i, sentences[i]) for i in sorted(chosen)]


class ExtractiveSummarizer:
    """Ranks sentences with `rank(sentences, text_index)` and selects under the budget."""

    def __init__(self, name: str, params: Budget, rank: Callable[[list[str], str], list[int]]) -> None:
        self.name = name
        self.params = params
        self._rank = rank

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        out = []
        settings = self.params.model_dump()
        for text in texts:
            start = time.perf_counter()
            sentences = [s for s in text.split("\n") if s.strip()]
            picked = select(sentences, self._rank(sentences, text), self.params) if sentences else []
            total = len(text.split())
            out.append(
                Summary(
                    text="\n".join(picked),
                    system=self.name,
                    settings=settings,
                    input_tokens=total,
                    total_tokens=total,
                    seconds=time.perf_counter() - start,
                )
            )
        return out


def pagerank(
    weights: np.ndarray, damping: float = 0.85, tol: float = 1e-8, max_iter: int = 200
) -> np.ndarray:
    """Stationary scores of a weighted graph (rows normalised; dangling rows spread evenly)."""
    import numpy as np

    n = weights.shape[0]
    sums = weights.sum(axis=1, keepdims=True)
    transition = np.where(sums > 0, weights / np.where(sums > 0, sums, 1), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(new - scores).sum() < tol:
            return new
        scores = new
    return scores


def _by_score(scores: np.ndarray) -> list[int]:
    # Stable: ties go to the earlier sentence, as a reader would expect.
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def tfidf_matrix(sentences: Sequence[str]) -> np.ndarray:
    """Rows: L2-normalised TF-IDF vectors of the sentences; IDF from the document's own sentences."""
    import numpy as np

    bags = [Counter(content_words(s)) for s in sentences]
    vocab = {w: i for i, w in enumerate(sorted({w for bag in bags for w in bag}))}
    matrix = np.zeros((len(sentences), max(len(vocab), 1)))
    df = Counter(w for bag in bags for w in bag)
    n = len(sentences)
    for row, bag in enumerate(bags):
        for word, tf in bag.items():
            matrix[row, vocab[word]] = tf * (math.log((1 + n) / (1 + df[word])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


class TextRankParams(Budget):
    damping: float = Field(0.85, gt=0, lt=1)


class LexRankParams(Budget):
    threshold: float = Field(0.1, ge=0, lt=1, description="cosine above which sentences are linked")
    continuous: bool = Field(False, description="weight links by cosine instead of thresholding")
    damping: float = Field(0.85, gt=0, lt=1)


class CentroidParams(Budget):
    redundancy: float = Field(0.95, gt=0, le=1, description="skip sentences this similar to one chosen")


class RandomParams(Budget):
    seed: int = 0


def rank_lead(sentences: list[str], text: str) -> list[int]:
    return list(range(len(sentences)))


def make_textrank(params: TextRankParams) -> Callable[[list[str], str], list[int]]:
    # Mihalcea & Tarau (2004): overlap of content words, normalised by log sentence lengths.
    def rank(sentences: list[str], text: str) -> list[int]:
        import numpy as np

        words = [set(content_words(s)) for s in sentences]
        n = len(sentences)
        weights = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                common = len(words[i] & words[j])
                denom = math.log(len(words[i]) + 1) + math.log(len(words[j]) + 1)
                if common and denom > 0:
                    weights[i, j] = weights[j, i] = common / denom
        return _by_score(pagerank(weights, params.damping))

    return rank


def make_lexrank(params: LexRankParams) -> Callable[[list[str], str], list[int]]:
    # Erkan & Radev (2004): TF-IDF cosine graph, thresholded (or continuous), scored by PageRank.
    def rank(sentences: list[str], text: str) -> list[int]:
        import numpy as np

        vectors = tfidf_matrix(sentences)
        cosine = vectors @ vectors.T
        np.fill_diagonal(cosine, 0.0)
        weights = cosine if params.continuous else (cosine > params.threshold).astype(float)
        return _by_score(pagerank(weights, params.damping))

    return rank


def make_centroid(params: CentroidParams) -> Callable[[list[str], str], list[int]]:
    # Radev et al. (2004): sentences closest to the document's TF-IDF centroid, skipping near-duplicates.
    def rank(sentences: list[str], text: str) -> list[int]:
        import numpy as np

        vectors = tfidf_matrix(sentences)
        centroid = vectors.mean(axis=0)
        norm = np.linalg.norm(centroid)
        scores = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(sentences))
        ranking: list[int] = []
        for i in _by_score(scores):
            if all(float(vectors[i] @ vectors[j]) < params.redundancy for j in ranking):
                ranking.append(i)
        return ranking

    return rank


def make_random(params: RandomParams) -> Callable[[list[str], str], list[int]]:
    # Seeded by the configured seed and the text itself, so a document's pick does not depend on
    # which other documents share the batch or in what order they come.
    def rank(sentences: list[str], text: str) -> list[int]:
        import numpy as np

        digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        rng = np.random.default_rng([params.seed, digest])
        return [int(i) for i in rng.permutation(len(sentences))]

    return rank


def _system(name: str, description: str, params: type[Budget], make: Callable[[Any], Any]) -> SystemType:
    return SystemType(
        name=name,
        kind="extractive",
        description=description,
        params=params,
        factory=lambda display, p: ExtractiveSummarizer(display, p, make(p)),
    )


SYSTEM_TYPES: list[SystemType] = [
    _system("lead", "the first sentences of the text (lead-k baseline)", Budget, lambda p: rank_lead),
    _system(
        "textrank",
        "TextRank: PageRank over content-word overlap (Mihalcea & Tarau 2004)",
        TextRankParams,
        make_textrank,
    ),
    _system(
        "lexrank",
        "LexRank: PageRank over TF-IDF cosine links (Erkan & Radev 2004)",
        LexRankParams,
        make_lexrank,
    ),
    _system(
        "centroid",
        "sentences nearest the TF-IDF centroid, near-duplicates skipped (Radev et al. 2004)",
        CentroidParams,
        make_centroid,
    ),
    _system(
        "random", "a seeded random choice of sentences (a floor for the others)", RandomParams, make_random
    ),
]
