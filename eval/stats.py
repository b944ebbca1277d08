"""Seeded bootstrap intervals.

rouge-score's BootstrapAggregator draws from numpy's global random state, so its intervals change from
run to run. Here the generator is built from a seed the caller passes in, and the seed is recorded in the
signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float  # the plain mean of the values, not a bootstrap estimate
    low: float
    high: float
    n: int


def bootstrap_ci(
    values: Sequence[float], *, seed: int, samples: int = 1000, confidence: float = 0.95
) -> Interval:
    """Percentile bootstrap interval of the mean. With one value (or samples=0) the interval is the point."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap_ci: no values to aggregate")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r}: expected a number between 0 and 1")
    mean = float(data.mean())
    if data.size == 1 or samples <= 0:
        return Interval(mean, mean, mean, int(data.size))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, data.size, size=(samples, data.size))
    means = data[picks].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(mean, float(low), float(high), int(data.size))
