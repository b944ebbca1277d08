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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarize.base import Summary, SystemType

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


def pagerank(
    weights: np.ndarray,
    damping: float = 0.85,
    tol: float = 1e-8,
    max_iter: int = 200,
    mass: np.ndarray | None = None,
) -> np.ndarray:
    """Stationary scores of a weighted graph (rows normalised; dangling rows spread evenly). With `mass`,
    node k stands for mass[k] sentences (rank_distinct): the random jump lands on it, and a dangling node
    spreads to it, in that proportion; its score is the sum of its sentences' scores."""
    import numpy as np

    n = weights.shape[0]
    sums = weights.sum(axis=1, keepdims=True)
    if mass is not None:
        jump = mass / mass.sum()
        transition = np.where(sums > 0, weights / np.where(sums > 0, sums, 1), jump[None, :])
        scores = jump.copy()
        for _ in range(max_iter):
            new = (1 - damping) * jump + damping * transition.T @ scores
            if np.abs(new - scores).sum() < tol:
                return new
            scores = new
        return scores
    transition = np.where(sums > 0, weights / np.where(sums > 0, sums, 1), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(new - scores).sum() < tol:
            return new
        scores = new
    return scores


def _by_score(scores: np.ndarray) -> list[int]:
    # Stable: ties go to the earlier sentence, as a reader would expect. Rounded first, so two sentences
    # with equal scores tie whatever order the floating-point sums were taken in.
    import numpy as np

    rounded = np.round(scores, 12)
    return sorted(range(len(scores)), key=lambda i: (-rounded[i], i))


# Graph methods compare every two sentences. Up to EXACT_GRAPH_SENTENCES the whole graph is kept (a dense
# n x n array: 32 MB at 2,000 sentences); beyond, each sentence keeps its GRAPH_NEIGHBOURS strongest links
# (a k-nearest-neighbour graph), so a book-length source costs O(n k) memory, not O(n^2). Similarities are
# computed a block of rows at a time from an inverted index (word -> sentences), never in a Python double
# loop; the summary's notes say when the graph was cut.
EXACT_GRAPH_SENTENCES = 2000
GRAPH_NEIGHBOURS = 50
_BLOCK_CELLS = 2_000_000  # rows x n per block: 16 MB of float64
_BLOCK_WORK = 2_000_000  # inverted-index entries read per block: about 50 MB of temporaries


@dataclass(frozen=True)
class Terms:
    """Sentences as sparse vectors: for sentence i, `ids[i]` (word ids) and `weights[i]`, and the inverted
    index word id -> (sentence ids, that word's weight in each)."""

    ids: list[np.ndarray]
    weights: list[np.ndarray]
    postings: list[tuple[np.ndarray, np.ndarray]]

    @property
    def n(self) -> int:
        return len(self.ids)


def _terms(bags: Sequence[Mapping[str, float]]) -> Terms:
    import numpy as np

    vocab: dict[str, int] = {}
    ids, weights = [], []
    post_rows: list[list[int]] = []
    post_vals: list[list[float]] = []
    for row, bag in enumerate(bags):
        row_ids = []
        for word, value in bag.items():
            k = vocab.setdefault(word, len(vocab))
            if k == len(post_rows):
                post_rows.append([])
                post_vals.append([])
            post_rows[k].append(row)
            post_vals[k].append(value)
            row_ids.append(k)
        ids.append(np.array(row_ids, dtype=np.int64))
        weights.append(np.array(list(bag.values()), dtype=float))
    postings = [(np.array(r, dtype=np.int64), np.array(v)) for r, v in zip(post_rows, post_vals, strict=True)]
    return Terms(ids, weights, postings)


def tfidf_terms(sentences: Sequence[str]) -> Terms:
    """L2-normalised TF-IDF vectors of the sentences; IDF from the document's own sentences."""
    return _tfidf([Counter(content_words(s)) for s in sentences])


def _tfidf(bags: Sequence[Counter[str]], counts: Sequence[int] | None = None) -> Terms:
    """TF-IDF terms of distinct bags of words, bag k standing for `counts[k]` sentences (default 1 each):
    the IDF is the one of every sentence, duplicates included."""
    times = counts or [1] * len(bags)
    df: Counter[str] = Counter()
    for bag, count in zip(bags, times, strict=True):
        for w in bag:
            df[w] += count
    n = sum(times)
    vectors = []
    for bag in bags:
        vector = {w: tf * (math.log((1 + n) / (1 + df[w])) + 1) for w, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        vectors.append({w: v / norm for w, v in vector.items()} if norm > 0 else {})
    return _terms(vectors)


def similarity_rows(terms: Terms, rows: np.ndarray) -> np.ndarray:
    """Dense block len(rows) x n of dot products between the given sentences and every sentence."""
    import numpy as np

    n = terms.n
    flat_index, flat_weight = [], []
    for r, i in enumerate(rows):
        for k, value in zip(terms.ids[i], terms.weights[i], strict=True):
            cols, vals = terms.postings[k]
            flat_index.append(cols + r * n)
            flat_weight.append(vals * value)
    if not flat_index:
        return np.zeros((len(rows), n))
    return np.bincount(
        np.concatenate(flat_index), weights=np.concatenate(flat_weight), minlength=len(rows) * n
    ).reshape(len(rows), n)


# (block of similarities, its row ids) -> edge weights
Graph = Callable[["np.ndarray", "np.ndarray"], "np.ndarray"]


def _blocks(terms: Terms) -> Iterator[np.ndarray]:
    """Row ids in blocks whose similarity work (index entries read) and output stay within bounds."""
    import numpy as np

    n = terms.n
    sizes = np.array([len(rows) for rows, _ in terms.postings], dtype=np.int64)
    start, work = 0, 0
    for i, ids in enumerate(terms.ids):
        work += int(sizes[ids].sum()) if len(ids) else 0
        rows = i + 1 - start
        if work >= _BLOCK_WORK or rows * n >= _BLOCK_CELLS or i == n - 1:
            yield np.arange(start, i + 1)
            start, work = i + 1, 0


def _edges(terms: Terms, edge_weights: Graph, rows: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """The graph's rows `rows`: no sentence links to itself; with `counts` (node k standing for counts[k]
    identical sentences), node k's links to node j count counts[j] times, and to itself counts[k] - 1 (its
    twins), which is the graph of every sentence with each set of twins merged into one node."""
    import numpy as np

    weights = edge_weights(similarity_rows(terms, rows), rows)
    diagonal = (np.arange(len(rows)), rows)
    if counts is None:
        weights[diagonal] = 0.0
        return weights
    twins = weights[diagonal] * (counts[rows] - 1)
    weights *= counts[None, :]
    weights[diagonal] = twins
    return weights


def rank_graph(
    terms: Terms, edge_weights: Graph, damping: float, counts: np.ndarray | None = None
) -> tuple[np.ndarray, str | None]:
    """PageRank scores of the sentence graph (with `counts`, of each merged node: the sum of its sentences'
    scores); the note says when the graph kept only the strongest links."""
    import numpy as np

    n = terms.n
    if n <= EXACT_GRAPH_SENTENCES:
        weights = np.zeros((n, n))
        for rows in _blocks(terms):
            weights[rows] = _edges(terms, edge_weights, rows, counts)
        return pagerank(weights, damping, mass=counts), None
    keep = min(GRAPH_NEIGHBOURS, n - 1)
    src, dst, val = [], [], []
    for rows in _blocks(terms):
        weights = _edges(terms, edge_weights, rows, counts)
        top = np.argpartition(-weights, keep, axis=1)[:, :keep]
        picked = np.take_along_axis(weights, top, axis=1)
        mask = picked > 0
        src.append(np.repeat(rows, keep).reshape(len(rows), keep)[mask])
        dst.append(top[mask])
        val.append(picked[mask])
    edges = (np.concatenate(src), np.concatenate(dst), np.concatenate(val))
    scores = sparse_pagerank(n, *edges, damping, mass=counts)
    note = (
        f"graph of {n} {'distinct ' if counts is not None else ''}sentences: each keeps its {keep} strongest "
        f"links (above {EXACT_GRAPH_SENTENCES} sentences the full graph is not built)"
    )
    return scores, note


def rank_distinct(
    keys: Sequence[Any],
    terms_of: Callable[[list[int], list[int]], Terms],
    edge_weights: Graph,
    damping: float,
) -> tuple[list[int], str | None]:
    """The PageRank ranking of sentences whose graph node is `keys[i]` (what the method sees of sentence i).

    Sentences with equal keys are twins: the same links, so the same score. On a text of many repeated
    sentences (60,000 near-identical lines: 170 s before, issue 20) each set of twins is one node weighted by
    its size, so the graph has as many nodes as there are distinct sentences; the scores are those of the
    full graph. `terms_of(first sentence of each node, node sizes)` builds the nodes' terms. Without twins
    the graph is the plain one, computed as before."""
    import numpy as np

    node: dict[Any, int] = {}
    of: list[int] = []
    firsts: list[int] = []  # the first sentence of each node
    for i, key in enumerate(keys):
        k = node.get(key)
        if k is None:
            k = node[key] = len(node)
            firsts.append(i)
        of.append(k)
    if len(node) == len(keys):
        scores, note = rank_graph(terms_of(list(range(len(keys))), [1] * len(keys)), edge_weights, damping)
        return _by_score(scores), note
    counts = np.bincount(np.array(of), minlength=len(node)).astype(float)
    merged, note = rank_graph(terms_of(firsts, counts.astype(int).tolist()), edge_weights, damping, counts)
    return _by_score((merged / counts)[np.array(of)]), note


def _sparse_merged(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    share: np.ndarray,
    dangling: np.ndarray,
    damping: float,
    tol: float,
    mass: np.ndarray,
) -> np.ndarray:
    import numpy as np

    jump = mass / mass.sum()
    scores = jump.copy()
    for _ in range(200):
        spread = np.bincount(dst, weights=share * scores[src], minlength=n) + scores[dangling].sum() * jump
        new = (1 - damping) * jump + damping * spread
        if np.abs(new - scores).sum() < tol:
            return new
        scores = new
    return scores


def sparse_pagerank(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    val: np.ndarray,
    damping: float,
    tol: float = 1e-8,
    mass: np.ndarray | None = None,
) -> np.ndarray:
    """`pagerank` of the graph given as edges src -> dst with weights val."""
    import numpy as np

    sums = np.bincount(src, weights=val, minlength=n)
    share = val / sums[src]
    dangling = sums == 0
    if mass is not None:
        return _sparse_merged(n, src, dst, share, dangling, damping, tol, mass)
    scores = np.full(n, 1.0 / n)
    for _ in range(200):
        spread = np.bincount(dst, weights=share * scores[src], minlength=n) + scores[dangling].sum() / n
        new = (1 - damping) / n + damping * spread
        if np.abs(new - scores).sum() < tol:
            return new
        scores = new
    return scores


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
