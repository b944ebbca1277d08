"""Seeded resampling: bootstrap intervals of means, and the resample streams the paired tests draw from.

rouge-score's BootstrapAggregator draws from numpy's global random state, so its intervals change from
run to run. Here every draw comes from a seed the caller passes in, and the seed is recorded in the
signature.

Scale (issue 12): the resamples of n units form a (resamples x n) matrix; 10,000 sign flips of 10,000
clusters make 800 MB, and a run needs hundreds of them. So the matrix is never built whole: its rows are
made in chunks of at most `CHUNK_BYTES`, and every column of numbers resampled over the same number of
units (each system's mean, each statistic, each pair of systems) goes through the same chunk in one matrix
product. Resamples are made from raw draws in order, block b of them (`BLOCK`) from child b of the seed
(`SeedSequence(seed, spawn_key=(b,))`, what `SeedSequence(seed).spawn` hands out), each from the same draws
however the rows are chunked: so no p-value depends on the chunk size, nor on which other numbers are
resampled with it (interval bounds, to the last bit or two: see `bootstrap_cis`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

# Each array a chunk makes (rows of resamples, their products, a batch of columns) stays under this.
CHUNK_BYTES = 16 * 2**20

# Resamples drawn from one generator: making one costs about as much as drawing 10,000 signs.
BLOCK = 1024

# signs: each unit's sign flipped at random (sign-flip test); every-sign: row k is the k-th of all 2^n sign
# patterns (the exact test); counts: how often each unit is drawn when n are drawn with replacement
# (bootstrap).
Scheme = Literal["signs", "every-sign", "counts"]


@dataclass(frozen=True)
class Interval:
    mean: float  # the plain mean of the values, not a bootstrap estimate
    low: float
    high: float
    n: int


def _child(seed: int, block: int) -> np.random.PCG64:
    import numpy as np

    return np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,)))


def resample_chunks(scheme: Scheme, n: int, resamples: int, seed: int, rows: int) -> Iterator[np.ndarray]:
    """The (resamples x n) matrix of `scheme` as float64, `rows` rows at a time (the last chunk may be
    shorter).

    Every resample is made from a fixed number of raw 64-bit draws (ceil(n / 64) for signs, n for counts),
    taken in order, block b of `BLOCK` resamples from child b of the seed: so the matrix does not depend on
    how it is chunked, and raw draws, unlike numpy's distributions, do not change between numpy versions.
    """
    import numpy as np

    width = -(-n // 64) if scheme == "signs" else n
    generator: np.random.PCG64 | None = None
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        if scheme == "every-sign":
            yield _signs((np.arange(start, stop, dtype=np.int64)[:, None] >> np.arange(n - 1, -1, -1)) & 1)
            continue
        words = np.empty((stop - start, width), dtype="<u8")
        row = start
        while row < stop:
            if row % BLOCK == 0 or generator is None:
                generator = _child(seed, row // BLOCK)
            take = min(stop, (row // BLOCK + 1) * BLOCK) - row
            words[row - start : row - start + take] = generator.random_raw(take * width).reshape(take, width)
            row += take
        if scheme == "signs":
            # Read as little-endian bytes, so every platform gets the same signs.
            out = _signs(np.unpackbits(words.view(np.uint8), axis=1, count=n, bitorder="little"))
        else:
            out = _counts(words, n)
        del words
        yield out
        del out  # before the next chunk is made: one chunk at a time


def _counts(words: np.ndarray, n: int) -> np.ndarray:
    """Each row's n raw draws as n picks from range(n), counted: how often each unit is drawn.

    A draw x picks floor(x * n / 2^64) (Lemire 2019, without the rejection step): each unit's chance differs
    from 1/n by less than 2^-64, far below what any number of resamples can see. The 128-bit product is
    made from 32-bit halves, which cannot overflow for n < 2^32.
    """
    import numpy as np

    if n >= 2**32:
        raise ValueError(f"bootstrap of {n} units: at most {2**32 - 1} are supported")
    high = words >> np.uint64(32)
    words &= np.uint64(0xFFFFFFFF)
    words *= np.uint64(n)
    words >>= np.uint64(32)
    high *= np.uint64(n)
    high += words
    high >>= np.uint64(32)
    picks = high.view(np.int64)
    picks += np.arange(0, picks.size, n, dtype=np.int64)[:, None]  # row r counts into r*n .. r*n+n-1
    return np.bincount(picks.ravel(), minlength=picks.size).reshape(picks.shape).astype(np.float64)


def _signs(bits: np.ndarray) -> np.ndarray:
    """+1 for a 0 bit, -1 for a 1 bit, as float64."""
    import numpy as np

    out = bits.astype(np.float64)
    out *= -2.0
    out += 1.0
    return out


def resampled_sums(
    data: np.ndarray, *, scheme: Scheme, resamples: int, seed: int, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[np.ndarray]:
    """For `data` of shape (columns, n): (rows x columns) blocks of each resample's weighted sum of each
    column, resamples 0, 1, ... in order, a chunk of rows at a time."""
    columns, n = data.shape
    # Counting makes four (rows x n) arrays of 8 bytes; flipping signs one, and one of bytes.
    per_row = n * (32 if scheme == "counts" else 9)
    rows = max(1, chunk_bytes // max(per_row, 8 * columns))
    for chunk in resample_chunks(scheme, n, resamples, seed, rows):
        sums = chunk @ data.T
        del chunk  # before the next chunk is made
        yield sums


def bootstrap_means(
    data: np.ndarray, *, resamples: int, seed: int, chunk_bytes: int = CHUNK_BYTES
) -> np.ndarray:
    """For `data` of shape (columns, n): the (resamples x columns) means of each bootstrap resample."""
    import numpy as np

    out = np.empty((resamples, len(data)))
    done = 0
    for block in resampled_sums(
        data, scheme="counts", resamples=resamples, seed=seed, chunk_bytes=chunk_bytes
    ):
        out[done : done + len(block)] = block
        done += len(block)
    out /= data.shape[1]
    return out


def by_length(arrays: Sequence[np.ndarray]) -> dict[int, list[int]]:
    """Positions of the arrays, grouped by length (each length resamples from its own rows)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, array in enumerate(arrays):
        groups[len(array)].append(i)
    return groups


def batches(positions: list[int], width: int) -> Iterator[list[int]]:
    for start in range(0, len(positions), max(1, width)):
        yield positions[start : start + max(1, width)]


def bootstrap_cis(
    columns: Sequence[np.ndarray],
    *,
    seed: int,
    samples: int = 1000,
    confidence: float = 0.95,
    chunk_bytes: int = CHUNK_BYTES,
) -> list[Interval]:
    """`bootstrap_ci` of each column (1-d float arrays), in order. Columns of one length share their
    resamples, so each column gets the interval `bootstrap_ci` gives it alone; its bounds to the last bit or
    two, since the matrix product may add the same terms in another order for another shape or chunk."""
    import numpy as np

    if any(len(column) == 0 for column in columns):
        raise ValueError("bootstrap_ci: no values to aggregate")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r}: expected a number between 0 and 1")
    tail = (1 - confidence) / 2 * 100
    out: list[Interval | None] = [None] * len(columns)
    for n, positions in by_length(columns).items():
        # A batch of columns, and the (samples x batch) means kept for the percentiles, each fit in a chunk.
        for batch in batches(positions, chunk_bytes // (8 * max(n, samples, 1))):
            data = np.stack([np.asarray(columns[i], dtype=float) for i in batch])
            means = [float(row.mean()) for row in data]
            if n == 1 or samples <= 0:
                for mean, i in zip(means, batch, strict=True):
                    out[i] = Interval(mean, mean, mean, n)
                continue
            resampled = bootstrap_means(data, resamples=samples, seed=seed, chunk_bytes=chunk_bytes)
            lows, highs = np.percentile(resampled, [tail, 100 - tail], axis=0)
            for j, i in enumerate(batch):
                out[i] = Interval(means[j], float(lows[j]), float(highs[j]), n)
    return [interval for interval in out if interval is not None]


def bootstrap_ci(
    values: Sequence[float], *, seed: int, samples: int = 1000, confidence: float = 0.95
) -> Interval:
    """Percentile bootstrap interval of the mean. With one value (or samples=0) the interval is the point."""
    import numpy as np

    return bootstrap_cis(
        [np.asarray(values, dtype=float)], seed=seed, samples=samples, confidence=confidence
    )[0]
