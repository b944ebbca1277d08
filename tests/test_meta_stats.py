"""Meta-evaluation statistics (issue 19): every coefficient equals scipy.stats on the same values, the
bootstrap's weighted forms equal scipy on the resampled data itself, Krippendorff's alpha matches the
textbook, and 95% intervals cover a known correlation about 95% of the time."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from eval.settings import MetaSettings
from eval.stats import correlation, meta
from eval.stats.agreement import krippendorff_interval
from eval.stats.meta_values import Grid

SCIPY = (st.kendalltau, st.spearmanr, st.pearsonr)


def scipy_all(x: np.ndarray, y: np.ndarray) -> list[float]:
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return [math.nan] * 3
    return [float(f(x, y)[0]) for f in SCIPY]


def test_a_five_point_case_worked_by_hand() -> None:
    x, y = np.array([1.0, 2, 3, 4, 5]), np.array([2.0, 1, 4, 3, 5])
    # Two discordant pairs of ten: tau (8 - 2) / 10; sum of squared rank differences 4: rho 1 - 24/120.
    tau, rho, r = correlation.rows(x, y, np.ones(5, bool))
    assert tau == pytest.approx(0.6, abs=1e-12) and rho == pytest.approx(0.8, abs=1e-12)
    assert r == pytest.approx(0.8, abs=1e-12)  # the values are their own ranks
    assert [tau, rho, r] == pytest.approx(scipy_all(x, y), abs=1e-9)


def grid_data(seed: int, m: int = 3, d: int = 2, n: int = 7, s: int = 5, holes: bool | str = True):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(m, n, s)), 1)  # rounded: ties in the measures too
    h = rng.integers(1, 5, (d, n, s)).astype(float)
    h[0, 0] = 3.0  # one cluster where people gave every candidate the same score
    if holes:
        x[0, 1, 2] = x[1, 3, 0] = np.nan
    if holes is True:  # "x": only some measures lack a value, every text judged on every dimension
        h[1, 2, 4] = np.nan
    return x, h


def expected(level: str, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The coefficients as scipy computes them, level by level, with loops."""
    m, n, _ = x.shape
    out = np.full((3, m, h.shape[0]), np.nan)
    for i in range(m):
        for j in range(h.shape[0]):
            ok = ~np.isnan(x[i]) & ~np.isnan(h[j])
            if level == "summary":
                per = np.array([scipy_all(x[i, c][ok[c]], h[j, c][ok[c]]) for c in range(n)])
                out[:, i, j] = np.nanmean(per, 0)
            elif level == "system":
                with np.errstate(invalid="ignore"):
                    xm = np.nansum(np.where(ok, x[i], 0), 0) / ok.sum(0)
                    hm = np.nansum(np.where(ok, h[j], 0), 0) / ok.sum(0)
                keep = ok.sum(0) > 0
                out[:, i, j] = scipy_all(xm[keep], hm[keep])
            else:
                out[:, i, j] = scipy_all(x[i][ok], h[j][ok])
    return out


@pytest.mark.parametrize("level", meta.LEVELS)
@pytest.mark.parametrize("holes", [False, True, "x"])
def test_every_coefficient_at_every_level_equals_scipy(level: str, holes: bool | str) -> None:
    for seed in range(3):
        x, h = grid_data(seed, holes=holes)
        values, _ = meta._point(level, x, h)  # type: ignore[arg-type]
        want = expected(level, x, h)
        assert np.array_equal(np.isnan(values), np.isnan(want))
        assert np.nanmax(np.abs(values - want)) < 1e-9


@pytest.mark.parametrize("level", meta.LEVELS)
@pytest.mark.parametrize("resample", ["systems", "inputs", "both"])
def test_each_bootstrap_resample_equals_scipy_on_the_resampled_data(level: str, resample: str) -> None:
    x, h = grid_data(5, holes="x" if resample == "both" else False)
    counts, idx = meta.draws(np.random.default_rng(1), 4, x.shape[1], x.shape[2], resample)  # type: ignore[arg-type]
    got, _ = meta.level_values(level, x, h, counts, idx)  # type: ignore[arg-type]
    for b in range(4):
        rows = np.repeat(np.arange(x.shape[1]), counts[b].astype(int))
        xs, hs = x[:, rows][:, :, idx[b]], h[:, rows][:, :, idx[b]]  # the resampled data itself
        want = expected(level, xs, hs)
        assert np.nanmax(np.abs(got[:, b] - want)) < 1e-9, (level, resample, b)


def test_weighted_kendall_spearman_pearson_equal_scipy_on_repeated_data() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        e = int(rng.integers(3, 30))
        x, y = rng.integers(0, 6, e).astype(float), rng.normal(size=e).round(1)
        w = rng.integers(0, 3, (3, e)).astype(float)
        w[:, :2] = 1  # at least two elements
        got = correlation.weighted(x, y, w)
        for b in range(3):
            want = scipy_all(np.repeat(x, w[b].astype(int)), np.repeat(y, w[b].astype(int)))
            assert got[:, b] == pytest.approx(want, abs=1e-9, nan_ok=True)


def test_constant_human_clusters_are_skipped_and_counted() -> None:
    x, h = grid_data(0, holes=False)
    grid = make_grid(x, h)
    result = meta.evaluate(grid, MetaSettings(bootstrap=0, compare=0), "sig")
    assert result.constant == {"d0": 1, "d1": 0}
    row = next(r for r in result.rows if (r.measure, r.dimension, r.level) == ("m0", "d0", "summary"))
    assert row.n == x.shape[1] - 1 and row.low is None


def make_grid(x: np.ndarray, h: np.ndarray) -> Grid:
    m, n, s = x.shape
    return Grid(
        tuple(f"m{i}" for i in range(m)),
        tuple(f"d{i}" for i in range(h.shape[0])),
        tuple(f"c{i}" for i in range(n)),
        tuple(f"s{i}" for i in range(s)),
        x,
        h,
        {f"d{j}": [[v] for v in h[j].ravel() if not np.isnan(v)] for j in range(h.shape[0])},
    )


def test_krippendorff_alpha_interval_matches_the_textbook_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units, gaps;
    # interval alpha 0.849.
    n = None
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = [[v for v in unit if v is not None] for unit in zip(*coders, strict=True)]
    alpha, values = krippendorff_interval(units)
    assert alpha == pytest.approx(0.849, abs=5e-4) and values == 40  # unit 12's lone value is unpairable
    assert krippendorff_interval([[3, 3], [3]]) == (None, 2)
    assert krippendorff_interval([[1, 1], [5, 5]])[0] == pytest.approx(1.0)


def test_the_95_interval_covers_a_known_correlation_in_90_to_99_percent_of_200_trials() -> None:
    rho = 0.5
    truth = {"pearson": rho, "kendall": 2 / math.pi * math.asin(rho)}  # bivariate normal
    covered = {k: 0 for k in truth}
    for trial in range(200):
        rng = np.random.default_rng(trial)
        n, s = 40, 2  # 40 inputs of 2 candidates, every pair independent
        h = rng.normal(size=(1, n, s))
        x = rho * h + math.sqrt(1 - rho**2) * rng.normal(size=(1, n, s))
        counts, idx = meta.draws(rng, 300, n, s, "inputs")
        samples, _ = meta.level_values("global", x, h, counts, idx)
        for name in truth:
            k = correlation.COEFFICIENTS.index(name)  # type: ignore[arg-type]
            low, high = np.percentile(samples[k, :, 0, 0], [2.5, 97.5])
            covered[name] += low <= truth[name] <= high
    for name, count in covered.items():
        assert 180 <= count <= 198, (name, count)


def test_the_permutation_test_tells_a_better_measure_from_noise_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    h = rng.normal(size=(30, 6))
    good, poor = h + 0.3 * rng.normal(size=h.shape), h + 3 * rng.normal(size=h.shape)
    kw = {"level": "global", "coefficient": "kendall", "permutations": 200, "resample": "both"}
    delta, p = meta.permutation_test(good, poor, h, rng=np.random.default_rng(1), **kw)  # type: ignore[arg-type]
    assert delta > 0 and p < 0.01
    _, p_back = meta.permutation_test(poor, good, h, rng=np.random.default_rng(1), **kw)  # type: ignore[arg-type]
    assert p_back > 0.5
    again = meta.permutation_test(good, poor, h, rng=np.random.default_rng(1), **kw)  # type: ignore[arg-type]
    assert again == (delta, p)


def test_evaluate_is_seeded_and_ranks_by_the_chosen_coefficient() -> None:
    x, h = grid_data(3, holes=True)
    grid = make_grid(x, h)
    settings = MetaSettings(bootstrap=50, compare=2, permutations=50, seed=7)
    first, second = (meta.evaluate(grid, settings, "sig") for _ in range(2))
    assert first.rows == second.rows
    other = meta.evaluate(grid, MetaSettings(bootstrap=50, compare=2, permutations=50, seed=8), "sig")
    assert [r.low for r in other.rows] != [r.low for r in first.rows]
    ranked = first.ranked("global", "d0")
    values = [r.value for r in ranked if r.value is not None]
    assert values == sorted(values, reverse=True) and all(r.coefficient == "kendall" for r in ranked)
    assert ranked[0].p is None and all(r.p is not None for r in ranked[1:3])
    for row in first.rows:
        if row.value is not None and row.low is not None and row.high is not None:
            assert row.low <= row.high
