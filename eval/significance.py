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
Randomness comes from `np.random.default_rng(seed)`; the same seed gives the same result.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    import numpy as np

Method = Literal["permutation", "bootstrap"]
# The config's choices: a test, or none (defined here, where the tests are).
Significance = Literal["permutation", "bootstrap", "none"]
SIGNIFICANCE: tuple[str, ...] = get_args(Significance)


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


def permutation_test(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 10_000, seed: int = 0
) -> PairedTest:
    """Two-sided paired sign-flip test of mean(a - b) = 0; `a` and `b` map cluster id -> score."""
    import numpy as np

    xa, xb = _differences(a, b)
    diff = xa - xb
    observed = abs(diff.mean())
    if 2**diff.size <= resamples:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=diff.size)))
        extreme = np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12
        p_value = float(extreme.mean())
        used = len(signs)
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice((1.0, -1.0), size=(resamples, diff.size))
        extreme = np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12
        # +1 counts the observed assignment itself, so p is never 0 (Phipson & Smyth 2010).
        p_value = float((extreme.sum() + 1) / (resamples + 1))
        used = resamples
    return PairedTest(
        "permutation",
        diff.size,
        float(xa.mean()),
        float(xb.mean()),
        float(diff.mean()),
        p_value,
        None,
        None,
        used,
        seed,
    )


def paired_bootstrap(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 1000, seed: int = 0
) -> PairedTest:
    """Two-sided paired bootstrap of mean(a - b), with its 95% percentile interval."""
    import numpy as np

    xa, xb = _differences(a, b)
    diff = xa - xb
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
    # +1 as in the permutation test: with R resamples, p is known to 1/(R+1) at best, never 0.
    far_side = min(int((means <= 0).sum()), int((means >= 0).sum()))
    p_value = min(1.0, 2 * (far_side + 1) / (resamples + 1))
    low, high = np.percentile(means, [2.5, 97.5])
    return PairedTest(
        "bootstrap",
        diff.size,
        float(xa.mean()),
        float(xb.mean()),
        float(diff.mean()),
        p_value,
        float(low),
        float(high),
        resamples,
        seed,
    )


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
    if method == "permutation":
        return permutation_test(a, b, resamples=resamples or 10_000, seed=seed)
    if method == "bootstrap":
        return paired_bootstrap(a, b, resamples=resamples or 1000, seed=seed)
    raise ValueError(f"paired test method {method!r}: expected permutation or bootstrap")
