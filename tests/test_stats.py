from __future__ import annotations

import pytest

from eval.stats import bootstrap_ci


def test_same_seed_same_interval_and_mean_is_the_plain_mean() -> None:
    values = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2]
    a = bootstrap_ci(values, seed=1)
    assert a == bootstrap_ci(values, seed=1)
    assert a.mean == pytest.approx(sum(values) / len(values))
    assert a.low < a.mean < a.high
    assert a.n == 6
    assert bootstrap_ci(values, seed=2) != a


def test_degenerate_cases() -> None:
    one = bootstrap_ci([0.3], seed=0)
    assert (one.mean, one.low, one.high, one.n) == (0.3, 0.3, 0.3, 1)
    assert bootstrap_ci([0.2, 0.4], seed=0, samples=0).low == pytest.approx(0.3)
    with pytest.raises(ValueError, match="no values"):
        bootstrap_ci([], seed=0)
    with pytest.raises(ValueError, match="confidence 1.5"):
        bootstrap_ci([1.0, 2.0], seed=0, confidence=1.5)


def test_interval_narrows_with_more_data() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    small = bootstrap_ci(rng.normal(size=10).tolist(), seed=0)
    large = bootstrap_ci(rng.normal(size=1000).tolist(), seed=0)
    assert large.high - large.low < small.high - small.low
