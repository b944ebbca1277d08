"""Scoring many (target, prediction) pairs at once: one tokenizing pass, one compiled counting pass.

Scorer.score_pairs calls `pair_floats` (one process) or `parallel_parts` (a process pool); both give
float arrays of shape (pairs, types, 3) holding precision, recall and F1, made from the integer counts
with the same float operations as rouge-score (so equal to the bit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from eval.options import TokenizerName
from eval.rouge.tokens import LineTokenizer

if TYPE_CHECKING:
    import numpy as np

# Below this many pairs a process pool costs more than it saves.
PARALLEL_MIN_PAIRS = 2000


class _Kernels:
    """How single calls (Scorer.score, score_many) count: with the compiled kernels, which every Scorer of
    the process shares once loaded (the first call loads them from numba's disk cache, or compiles them
    after an install), for a pair past a few lines; tests turn it off to check the Python counting."""

    single = True


KERNELS = _Kernels()


def type_codes(types: Sequence[str]) -> list[int]:
    from eval.rouge.kernels import ROUGE_L, ROUGE_LSUM

    return [ROUGE_L if t == "rougeL" else ROUGE_LSUM if t == "rougeLsum" else int(t[5:]) for t in types]


def pair_floats(
    tokenizer: LineTokenizer,
    types: Sequence[str],
    multi_ref: str,
    targets: Sequence[str] | Sequence[Sequence[str]],
    predictions: Sequence[str],
) -> np.ndarray:
    """Precision, recall and F1 per pair and type.

    targets[k] is pair k's target text, or a list of its references (one or more), when any pair has a list.
    """
    import numpy as np

    from eval.rouge.kernels import pair_counts

    index: dict[str, int] = {}
    if all(type(t) is str for t in targets):
        target_ids = [index.setdefault(t, len(index)) for t in targets]  # type: ignore[arg-type]
        per_pair = np.ones(len(targets), np.int64)
    else:
        target_ids = [index.setdefault(t, len(index)) for refs in targets for t in refs]
        per_pair = np.fromiter(map(len, targets), np.int64, len(targets))
    prediction_ids = [index.setdefault(p, len(index)) for p in predictions]
    encoded = tokenizer.encode(list(index))
    rows_prediction = np.repeat(np.asarray(prediction_ids, np.int64), per_pair)
    counts = pair_counts(
        encoded.tokens,
        encoded.text_off,
        encoded.text_sent,
        encoded.sent_off,
        np.asarray(target_ids, np.int64),
        rows_prediction,
        np.asarray(type_codes(types), np.int64),
        encoded.vocab,
    )
    if len(counts) == len(targets):  # one reference per pair
        return _floats(counts)
    starts = np.concatenate(([0], np.cumsum(per_pair)[:-1]))
    if multi_ref == "sum":  # pooled hits and counts over references (ROUGE-1.5.5's -f A)
        return _floats(np.add.reduceat(counts, starts, axis=0))
    floats = _floats(counts)
    best = np.empty((len(targets), *floats.shape[1:]))
    for k, (start, size) in enumerate(zip(starts.tolist(), per_pair.tolist(), strict=True)):
        # rouge-score's score_multi: per type the reference with the highest F1, the first on ties
        chosen = start + np.argmax(floats[start : start + size, :, 2], axis=0)
        best[k] = floats[chosen, np.arange(floats.shape[1])]
    return best


def _floats(counts: np.ndarray) -> np.ndarray:
    """rouge-score's precision, recall and F1 from (hits, target count, prediction count): zero without hits.

    int64 counts below 2**53 convert exactly, so each division is the correctly rounded one Python makes;
    F1 is 2 * p * r / (p + r) in that order, as rouge_score.scoring.fmeasure.
    """
    import numpy as np

    hits = counts[..., 0].astype(np.float64)
    found = counts[..., 0] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(found, hits / counts[..., 2], 0.0)
        recall = np.where(found, hits / counts[..., 1], 0.0)
        f1 = np.where(found, 2 * precision * recall / (precision + recall), 0.0)
    return np.stack((precision, recall, f1), axis=-1)


def parallel_parts(
    settings: tuple[TokenizerName, bool, tuple[str, ...], str],
    targets: Sequence[str] | Sequence[Sequence[str]],
    predictions: Sequence[str],
    workers: int,
) -> Iterator[np.ndarray]:
    """pair_floats over `workers` processes: contiguous chunks, yielded in order as they are done, so
    the caller builds results from one chunk while the workers count the next ones."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    # fork keeps the parent's imports, compiled kernels and the batch itself (nothing is pickled over);
    # elsewhere the default start method, with the chunks sent over.
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    size = -(-len(predictions) // (workers * 4))
    bounds = [(i, min(i + size, len(predictions))) for i in range(0, len(predictions), size)]
    _SHARED = (targets, predictions) if fork else None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            if fork:
                parts = [pool.submit(_shared_chunk, settings, a, b) for a, b in bounds]
            else:
                parts = [
                    pool.submit(_chunk_floats, settings, targets[a:b], predictions[a:b]) for a, b in bounds
                ]
            for part in parts:
                yield part.result()
    finally:
        _SHARED = None


# The batch a forked pool's workers read, set only while parallel_parts runs.
_SHARED: tuple[Sequence[str] | Sequence[Sequence[str]], Sequence[str]] | None = None


def _shared_chunk(settings: tuple[TokenizerName, bool, tuple[str, ...], str], a: int, b: int) -> np.ndarray:
    if _SHARED is None:
        raise RuntimeError("score_pairs worker: no batch shared by the parent process")
    targets, predictions = _SHARED
    return _chunk_floats(settings, targets[a:b], predictions[a:b])


_WORKER_TOKENIZERS: dict[tuple[TokenizerName, bool], LineTokenizer] = {}


def _chunk_floats(
    settings: tuple[TokenizerName, bool, tuple[str, ...], str],
    targets: Sequence[str] | Sequence[Sequence[str]],
    predictions: Sequence[str],
) -> np.ndarray:
    name, stem, types, multi_ref = settings
    # One tokenizer per worker process and setting, so its stem memo serves every chunk it gets.
    tokenizer = _WORKER_TOKENIZERS.get((name, stem))
    if tokenizer is None:
        tokenizer = _WORKER_TOKENIZERS[(name, stem)] = LineTokenizer(name, stem=stem)
    return pair_floats(tokenizer, types, multi_ref, targets, predictions)
