"""The sentence graph of TextRank and LexRank (summarize/extractive.py): sparse term vectors, similarities
a block of rows at a time, PageRank dense or over a k-nearest-neighbour graph, and twin sentences merged into
one weighted node."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


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
