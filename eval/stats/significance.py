"""Is system A better than system B? Paired tests over clusters, seeded.

Both tests take one score per cluster for each system, matched by cluster id (never by position), and test the
mean of the per-cluster differences d = a - b:
- `permutation_test` (approximate randomisation, Noreen 1989; sacreBLEU's paired-ar): under the null
  hypothesis each difference is as likely to have either sign, so signs are flipped at random. With few
  clusters (2^n <= resamples) every sign pattern is enumerated, and the p-value is exact.
- `paired_bootstrap` (Koehn 2004; Berg-Kirkpatrick et al. 2012): clusters are resampled with replacement; the
  two-sided p-value is twice the share of resampled mean differences on the far side of zero
  (+1 smoothed), and the 2.5 and
  97.5 percentiles give a 95% interval for the difference.
Randomness comes from the seed alone (stats.bootstrap: resample r draws from child r of the seed), so the same
seed gives the same result, and tests over the same number of clusters share their resamples: `paired_tests`
runs many pairs at once, each getting the result it gets alone, in memory bounded by bootstrap.CHUNK_BYTES.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from eval.stats.bootstrap import CHUNK_BYTES, Scheme, batches, bootstrap_means, by_length, resampled_sums

if TYPE_CHECKING:
    import numpy as np

Method = Literal["permutation", "bootstrap"]


@dataclass(frozen=True)
class PairedTest:
    method: Method
    n: int
    mean_a: float
    mean_b: float
    delta: float
    p_value: float
    low: float | None
    high: float | None
    resamples: int
    seed: int


def _differences(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    if set(a) != set(b):
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        raise ValueError(f"paired test: clusters differ; only in A: {only_a}, only in B: {only_b}")
    if not a:
        raise ValueError("paired test: no clusters to compare")
    ids = sorted(a)
    return np.array([a[i] for i in ids], dtype=float), np.array([b[i] for i in ids], dtype=float)


def paired_tests(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    method: Method = "permutation",
    resamples: int | None = None,
    seed: int = 0,
    chunk_bytes: int = CHUNK_BYTES,
) -> list[PairedTest]:
    """The named paired test of each (a, b) pair of score arrays (matched by position, at least one score
    each), in order; permutation: 10,000 resamples by default, bootstrap: 1,000.

    Pairs over the same number of clusters share their resamples (as they always have: each test draws
    from the seed alone), so each pair gets the result it gets alone, and all of them are tested at once
    with one matrix product per chunk of resamples (eval.stats.bootstrap).
    """
    import numpy as np

    if method not in ("permutation", "bootstrap"):
        raise ValueError(f"paired test method {method!r}: expected permutation or bootstrap")
    for i, (a, b) in enumerate(pairs):
        if len(a) != len(b):
            raise ValueError(f"paired test {i}: {len(a)} scores for A, {len(b)} for B")
        if len(a) == 0:
            raise ValueError("paired test: no clusters to compare")
    runs = resamples or (10_000 if method == "permutation" else 1000)
    out: list[PairedTest | None] = [None] * len(pairs)
    for n, positions in by_length([a for a, _ in pairs]).items():
        kept = runs if method == "bootstrap" else 1  # bootstrap keeps every resampled mean per pair
        for batch in batches(positions, chunk_bytes // (8 * max(n, kept))):
            # Only the differences are resampled; the scores themselves stay where they are.
            diff = np.empty((len(batch), n))
            means = []
            for j, i in enumerate(batch):
                xa, xb = np.asarray(pairs[i][0], dtype=float), np.asarray(pairs[i][1], dtype=float)
                np.subtract(xa, xb, out=diff[j])
                means.append((float(xa.mean()), float(xb.mean()), float(diff[j].mean())))
            test = _permutation if method == "permutation" else _bootstrap
            for i, result in zip(batch, test(means, diff, runs, seed, chunk_bytes), strict=True):
                out[i] = result
    return [result for result in out if result is not None]


def _permutation(
    means: list[tuple[float, float, float]], diff: np.ndarray, resamples: int, seed: int, chunk_bytes: int
) -> list[PairedTest]:
    import numpy as np

    n = diff.shape[1]
    observed = np.array([abs(delta) for _, _, delta in means])
    exact = n < 63 and 2**n <= resamples
    runs = 2**n if exact else resamples
    scheme: Scheme = "every-sign" if exact else "signs"
    extreme = np.zeros(len(diff), dtype=np.int64)
    for sums in resampled_sums(diff, scheme=scheme, resamples=runs, seed=seed, chunk_bytes=chunk_bytes):
        sums /= n
        extreme += (np.abs(sums, out=sums) >= observed - 1e-12).sum(axis=0)
    # Sampled: +1 counts the observed assignment itself, so p is never 0 (Phipson & Smyth 2010).
    p_values = extreme / runs if exact else (extreme + 1) / (resamples + 1)
    return [
        PairedTest(
            "permutation",
            n,
            mean_a,
            mean_b,
            delta,
            float(p_values[j]),
            None,
            None,
            runs,
            seed,
        )
        for j, (mean_a, mean_b, delta) in enumerate(means)
    ]


def _bootstrap(
    means: list[tuple[float, float, float]], diff: np.ndarray, resamples: int, seed: int, chunk_bytes: int
) -> list[PairedTest]:
    import numpy as np

    n = diff.shape[1]
    resampled = bootstrap_means(diff, resamples=resamples, seed=seed, chunk_bytes=chunk_bytes)
    # +1 as in the permutation test: with R resamples, p is known to 1/(R+1) at best, never 0.
    far_side = np.minimum((resampled <= 0).sum(axis=0), (resampled >= 0).sum(axis=0))
    p_values = np.minimum(1.0, 2 * (far_side + 1) / (resamples + 1))
    lows, highs = np.percentile(resampled, [2.5, 97.5], axis=0)
    return [
        PairedTest(
            "bootstrap",
            n,
            mean_a,
            mean_b,
            delta,
            float(p_values[j]),
            float(lows[j]),
            float(highs[j]),
            resamples,
            seed,
        )
        for j, (mean_a, mean_b, delta) in enumerate(means)
    ]


def permutation_test(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 10_000, seed: int = 0
) -> PairedTest:
    """Two-sided paired sign-flip test of mean(a - b) = 0; `a` and `b` map cluster id -> score."""
    return paired_tests([_differences(a, b)], method="permutation", resamples=resamples, seed=seed)[0]


def paired_bootstrap(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 1000, seed: int = 0
) -> PairedTest:
    """Two-sided paired bootstrap of mean(a - b), with its 95% percentile interval."""
    return paired_tests([_differences(a, b)], method="bootstrap", resamples=resamples, seed=seed)[0]


def smallest_p(method: Method, n: int, resamples: int | None = None) -> float:
    """The smallest p-value the test can give with `n` clusters, whatever the scores.

    The exact sign-flip test sees 2^n equally likely patterns and the observed one and its mirror are
    always as extreme, so p >= 2 / 2^n: 0.125 with 4 clusters, and p < 0.05 needs 6 or more.
    """
    if method == "permutation":
        runs = resamples or 10_000
        return 2 / 2**n if 2**n <= runs else 1 / (runs + 1)
    return 2 / ((resamples or 1000) + 1)


def compare(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    method: Method = "permutation",
    resamples: int | None = None,
    seed: int = 0,
) -> PairedTest:
    """Run the named paired test (permutation: 10,000 resamples by default; bootstrap: 1,000)."""
    if method not in ("permutation", "bootstrap"):
        raise ValueError(f"paired test method {method!r}: expected permutation or bootstrap")
    return paired_tests([_differences(a, b)], method=method, resamples=resamples, seed=seed)[0]
