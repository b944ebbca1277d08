"""Extractive summarizers: lead, TextRank, LexRank, TF-IDF centroid and a seeded random baseline.

Every one ranks the sentences of a text (given one per line), then selects under a budget shared by all:
a sentence count, a word budget, or both (whichever is reached first), so systems can be compared at equal
length. Selected sentences are returned in document order, one per line.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarize.base import Summary, SystemType
from summarize.graph import (
    Terms,
    _by_score,
    _terms,
    _tfidf,
    rank_distinct,
)

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


# A ranking (best first; may be lazy, and may leave sentences out) and a note when a size limit changed how
# it was computed.
Ranked = tuple[Iterable[int], str | None]
RankFn = Callable[[list[str], str], Ranked]


def select(sentences: Sequence[str], ranking: Iterable[int], budget: Budget) -> list[str]:
    """Take sentences in rank order until the budget is spent; return them in document order.

    With `truncate`, the sentence that no longer fits is taken too and the summary, in document order, is cut
    at the word budget: only its end is cut, never a sentence in its middle.
    """
    chosen: list[int] = []
    words = 0
    for index in ranking:
        if budget.sentences is not None and len(chosen) >= budget.sentences:
            break
        n = len(sentences[index].split())
        if budget.words is not None and words + n > budget.words:
            if budget.truncate and budget.words > words:
                chosen.append(index)
            break
        chosen.append(index)
        words += n
    picked = [sentences[i] for i in sorted(chosen)]
    return picked if budget.words is None else _cut_to(picked, budget.words)


def _cut_to(picked: list[str], limit: int) -> list[str]:
    out: list[str] = []
    for sentence in picked:
        tokens = sentence.split()
        if len(tokens) > limit:
            if limit > 0:
                out.append(" ".join(tokens[:limit]))
            break
        out.append(sentence)
        limit -= len(tokens)
    return out


class ExtractiveSummarizer:
    """Ranks sentences with `rank(sentences, text_index)` and selects under the budget."""

    def __init__(self, name: str, params: Budget, rank: RankFn) -> None:
        self.name = name
        self.params = params
        self._rank = rank

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        out = []
        settings = self.params.model_dump()
        for text in texts:
            start = time.perf_counter()
            sentences = [s for s in text.split("\n") if s.strip()]
            ranking, note = self._rank(sentences, text) if sentences else ((), None)
            picked = select(sentences, ranking, self.params) if sentences else []
            total = len(text.split())
            out.append(
                Summary(
                    text="\n".join(picked),
                    system=self.name,
                    settings=settings,
                    input_tokens=total,
                    total_tokens=total,
                    seconds=time.perf_counter() - start,
                    notes=(note,) if note else (),
                )
            )
        return out


def tfidf_terms(sentences: Sequence[str]) -> Terms:
    """L2-normalised TF-IDF vectors of the sentences; IDF from the document's own sentences."""
    return _tfidf([Counter(content_words(s)) for s in sentences])


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


def rank_lead(sentences: list[str], text: str) -> Ranked:
    return range(len(sentences)), None


def make_textrank(params: TextRankParams) -> RankFn:
    # Mihalcea & Tarau (2004): overlap of content words, normalised by log sentence lengths.
    def rank(sentences: list[str], text: str) -> Ranked:
        import numpy as np

        words = [dict.fromkeys(content_words(s), 1.0) for s in sentences]
        logs = np.zeros(0)

        def terms_of(firsts: list[int], counts: list[int]) -> Terms:
            nonlocal logs
            terms = _terms([words[i] for i in firsts])
            logs = np.log(np.array([len(ids) for ids in terms.ids], dtype=float) + 1)
            return terms

        def edges(common: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return common / (logs[rows, None] + logs[None, :] + (common == 0))

        # Twins: sentences of the same content words (TextRank sees only which words occur).
        keys = [frozenset(w) for w in words]
        return rank_distinct(keys, terms_of, edges, params.damping)

    return rank


def make_lexrank(params: LexRankParams) -> RankFn:
    # Erkan & Radev (2004): TF-IDF cosine graph, thresholded (or continuous), scored by PageRank.
    def rank(sentences: list[str], text: str) -> Ranked:

        bags = [Counter(content_words(s)) for s in sentences]

        def terms_of(firsts: list[int], counts: list[int]) -> Terms:
            return _tfidf([bags[i] for i in firsts], counts)

        def edges(cosine: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return cosine if params.continuous else (cosine > params.threshold).astype(float)

        # Twins: sentences of the same content words, each as often (the same TF-IDF vector).
        keys = [frozenset(bag.items()) for bag in bags]
        return rank_distinct(keys, terms_of, edges, params.damping)

    return rank


def make_centroid(params: CentroidParams) -> RankFn:
    # Radev et al. (2004): sentences closest to the document's TF-IDF centroid, skipping near-duplicates.
    def rank(sentences: list[str], text: str) -> Ranked:
        import numpy as np

        terms = tfidf_terms(sentences)
        centroid = np.zeros(len(terms.postings))
        for ids, weights in zip(terms.ids, terms.weights, strict=True):
            np.add.at(centroid, ids, weights)
        centroid /= max(len(sentences), 1)
        norm = np.linalg.norm(centroid)
        unit = centroid / norm if norm > 0 else centroid
        scores = np.array([float(w @ unit[ids]) for ids, w in zip(terms.ids, terms.weights, strict=True)])
        vectors = [
            dict(zip(ids.tolist(), w.tolist(), strict=True))
            for ids, w in zip(terms.ids, terms.weights, strict=True)
        ]

        def dot(a: dict[int, float], b: dict[int, float]) -> float:
            small, large = (a, b) if len(a) <= len(b) else (b, a)
            return sum(v * large.get(k, 0.0) for k, v in small.items())

        def ranking() -> Iterator[int]:
            # Lazy: the budget stops it after a few picks, so near-duplicate checks are a few per sentence.
            chosen: list[int] = []
            for i in _by_score(scores):
                if all(dot(vectors[i], vectors[j]) < params.redundancy for j in chosen):
                    chosen.append(i)
                    yield i

        return ranking(), None

    return rank


def make_random(params: RandomParams) -> RankFn:
    # Seeded by the configured seed and the text itself, so a document's pick does not depend on
    # which other documents share the batch or in what order they come.
    def rank(sentences: list[str], text: str) -> Ranked:
        import numpy as np

        digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        rng = np.random.default_rng([params.seed, digest])
        return [int(i) for i in rng.permutation(len(sentences))], None

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
