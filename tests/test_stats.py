from __future__ import annotations

import pytest

from eval.stats.bootstrap import bootstrap_ci


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


SCHEMES = ["signs", "every-sign", "counts"]


def _matrix(scheme, n, resamples, seed, rows):
    import numpy as np

    from eval.stats.bootstrap import resample_chunks

    chunks = list(resample_chunks(scheme, n, resamples, seed, rows))
    assert all(len(chunk) == rows for chunk in chunks[:-1])
    return np.concatenate(chunks)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_resamples_do_not_depend_on_how_they_are_chunked(scheme) -> None:
    import numpy as np

    from eval.stats.bootstrap import BLOCK

    resamples = 512 if scheme == "every-sign" else 2 * BLOCK + 300  # three generators' worth
    whole = _matrix(scheme, 9, resamples, 3, rows=resamples)
    assert whole.shape == (resamples, 9)
    for rows in (1, 7, BLOCK - 1, BLOCK + 5):
        assert np.array_equal(_matrix(scheme, 9, resamples, 3, rows), whole), rows
    if scheme != "every-sign":
        assert not np.array_equal(_matrix(scheme, 9, resamples, 4, resamples), whole)
        # Blocks come from different generators: no block repeats the first.
        assert not np.array_equal(whole[BLOCK : BLOCK + 50], whole[:50])


def test_resamples_are_what_they_say() -> None:
    import numpy as np

    every = _matrix("every-sign", 4, 16, 0, 5)
    assert {tuple(row) for row in every} == {
        (a, b, c, d) for a in (1, -1) for b in (1, -1) for c in (1, -1) for d in (1, -1)
    }
    counts = _matrix("counts", 50, 200, 0, 64)
    assert (counts.sum(axis=1) == 50).all() and (counts >= 0).all()
    # Each unit is drawn once per resample on average.
    assert abs(counts.mean(axis=0) - 1).max() < 0.3
    signs = _matrix("signs", 1000, 100, 0, 30)
    assert set(np.unique(signs)) == {-1.0, 1.0}
    # Each sign is a fair coin, independently: about half of 100,000 are +1, in every column alike.
    assert abs(signs.mean()) < 0.02 and np.abs(signs.mean(axis=0)).max() < 0.5


def test_columns_resampled_together_equal_each_resampled_alone_whatever_the_chunk() -> None:
    import numpy as np

    from eval.stats.bootstrap import bootstrap_cis

    rng = np.random.default_rng(1)
    columns = [rng.uniform(size=n) for n in (30, 30, 7, 30, 1, 7, 120)]
    together = bootstrap_cis(columns, seed=5, samples=500)
    tiny_chunks = bootstrap_cis(columns, seed=5, samples=500, chunk_bytes=2000)
    alone = [bootstrap_ci(column.tolist(), seed=5, samples=500) for column in columns]
    for other in (tiny_chunks, alone):
        for a, b in zip(together, other, strict=True):
            # Means and counts are bit for bit; the bounds are sums of the same terms, which the matrix
            # product may add in another order for another shape: equal to the last bits.
            assert (a.mean, a.n) == (b.mean, b.n)
            assert (a.low, a.high) == pytest.approx((b.low, b.high), rel=1e-12, abs=1e-15)
    assert together[4].low == together[4].high == columns[4][0]


def test_an_empty_column_among_many_is_named() -> None:
    from eval.stats.bootstrap import bootstrap_cis

    with pytest.raises(ValueError, match="no values"):
        bootstrap_cis([[0.1, 0.2], []], seed=0)  # type: ignore[list-item]


def test_intervals_cover_the_true_mean_about_as_often_as_they_claim() -> None:
    import numpy as np

    from eval.stats.bootstrap import bootstrap_cis

    # 400 samples of 60 draws from a skewed distribution whose mean is 1; percentile intervals of the mean
    # cover it a little less often than 95% at this size, but nowhere near 80% or always.
    rng = np.random.default_rng(11)
    columns = list(rng.exponential(1.0, size=(400, 60)))
    covered = [ci.low <= 1.0 <= ci.high for ci in bootstrap_cis(columns, seed=0, samples=1000)]
    assert 0.88 <= sum(covered) / len(covered) <= 0.99
