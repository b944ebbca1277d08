from __future__ import annotations

import numpy as np
import pytest

from eval.stats.significance import compare, paired_bootstrap, permutation_test

RNG = np.random.default_rng(7)
A = {f"c{i}": float(v) for i, v in enumerate(RNG.uniform(0.3, 0.5, size=40))}
BETTER = {k: v + 0.05 + float(RNG.normal(0, 0.01)) for k, v in A.items()}


@pytest.mark.parametrize("method", ["permutation", "bootstrap"])
def test_identical_systems_are_not_different(method):
    result = compare(A, dict(A), method=method)
    assert result.delta == 0.0 and result.p_value == 1.0


@pytest.mark.parametrize("method", ["permutation", "bootstrap"])
def test_clearly_different_systems_get_a_small_p(method):
    result = compare(BETTER, A, method=method, seed=1)
    assert result.p_value < 0.01
    assert result.delta == pytest.approx(np.mean(list(BETTER.values())) - np.mean(list(A.values())))


@pytest.mark.parametrize("method", ["permutation", "bootstrap"])
def test_same_seed_same_result_and_seed_is_recorded(method):
    noisy = {k: v + float(RNG.normal(0, 0.05)) for k, v in A.items()}
    first, second = compare(noisy, A, method=method, seed=5), compare(noisy, A, method=method, seed=5)
    assert first == second and first.seed == 5
    other = compare(noisy, A, method=method, seed=6)
    assert (other.p_value, other.low, other.high) != (first.p_value, first.low, first.high)


def test_clusters_are_matched_by_id_not_by_position():
    reordered = dict(reversed(list(A.items())))
    assert permutation_test(A, reordered).p_value == 1.0


def test_few_clusters_are_enumerated_exactly():
    # 3 clusters, all differences +1: of the 8 sign patterns, 2 reach |mean| = 1 -> p = 1/4.
    result = permutation_test({"a": 2.0, "b": 3.0, "c": 4.0}, {"a": 1.0, "b": 2.0, "c": 3.0})
    assert result.p_value == 0.25 and result.resamples == 8


def test_bootstrap_interval_brackets_the_difference():
    result = paired_bootstrap(BETTER, A, seed=0)
    assert result.low is not None and result.high is not None
    assert result.low < result.delta < result.high and result.low > 0


def test_mismatched_clusters_are_named():
    with pytest.raises(ValueError, match=r"only in A: \['c0'\], only in B: \[\]"):
        compare(A, {k: v for k, v in A.items() if k != "c0"})


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="'t-test': expected permutation or bootstrap"):
        compare(A, A, method="t-test")  # type: ignore[arg-type]


def test_the_smallest_p_of_the_exact_sign_flip_test() -> None:
    from eval.stats.significance import smallest_p

    assert smallest_p("permutation", 4) == 0.125
    assert smallest_p("permutation", 5) == 0.0625 and smallest_p("permutation", 6) < 0.05
    # The bound is reached: four clusters where A always wins by the same margin.
    a = {f"c{k}": 0.6 for k in range(4)}
    b = {f"c{k}": 0.5 for k in range(4)}
    assert permutation_test(a, b).p_value == smallest_p("permutation", 4)


def _pairs(sizes: list[int], seed: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(0.2, 0.6, size=n), rng.uniform(0.2, 0.6, size=n) + 0.01 * k) for k, n in enumerate(sizes)
    ]


SIZES = [40, 5, 40, 40, 13, 5, 300]  # 5 clusters: exact; 13: exact (2^13 <= 10,000); 40, 300: sampled


@pytest.mark.parametrize("method", ["permutation", "bootstrap"])
def test_pairs_tested_together_get_what_each_gets_alone(method) -> None:
    from eval.stats.significance import paired_tests

    pairs = _pairs(SIZES)
    together = paired_tests(pairs, method=method, seed=2)
    single = permutation_test if method == "permutation" else paired_bootstrap
    alone = [
        single(
            {f"c{i:03d}": float(v) for i, v in enumerate(a)},
            {f"c{i:03d}": float(v) for i, v in enumerate(b)},
            seed=2,
        )
        for a, b in pairs
    ]
    for t, s in zip(together, alone, strict=True):
        assert (t.n, t.mean_a, t.mean_b, t.delta, t.p_value, t.resamples) == (
            s.n,
            s.mean_a,
            s.mean_b,
            s.delta,
            s.p_value,
            s.resamples,
        )
        if method == "bootstrap":
            # Sums of the same terms, added by the matrix product in an order its shape may change.
            assert (t.low, t.high) == pytest.approx((s.low, s.high), rel=1e-12, abs=1e-15)
    assert [t.resamples for t in together][:2] == ([10_000, 32] if method == "permutation" else [1000, 1000])


@pytest.mark.parametrize("method", ["permutation", "bootstrap"])
def test_chunk_size_does_not_change_the_p_values(method) -> None:
    from eval.stats.significance import paired_tests

    pairs = _pairs(SIZES)
    default = paired_tests(pairs, method=method, seed=4)
    # 3,000 bytes: one pair per batch and a handful of resamples per chunk.
    tiny = paired_tests(pairs, method=method, seed=4, chunk_bytes=3000)
    assert [t.p_value for t in tiny] == [t.p_value for t in default]
    if method == "bootstrap":
        assert [t.low for t in tiny] == pytest.approx([t.low for t in default], rel=1e-12, abs=1e-15)


def test_the_exact_test_is_the_share_of_all_sign_patterns_as_extreme() -> None:
    import itertools

    rng = np.random.default_rng(5)
    a, b = rng.uniform(size=9), rng.uniform(size=9)
    diff = a - b
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=9)))
    expected = float(np.mean(np.abs((patterns * diff).mean(axis=1)) >= abs(diff.mean()) - 1e-12))
    result = permutation_test(
        {str(i): float(v) for i, v in enumerate(a)}, {str(i): float(v) for i, v in enumerate(b)}
    )
    assert result.p_value == expected and result.resamples == 512


def test_under_the_null_about_one_test_in_twenty_is_significant() -> None:
    from eval.stats.significance import paired_tests

    # 400 pairs of systems drawn alike, 60 clusters each: the sampled sign-flip test's p-values are uniform,
    # so about 5% fall under 0.05 (a stream of signs that were not fair coins would miss this).
    rng = np.random.default_rng(8)
    pairs = [(rng.normal(0.4, 0.1, size=60), rng.normal(0.4, 0.1, size=60)) for _ in range(400)]
    share = np.mean([t.p_value < 0.05 for t in paired_tests(pairs, seed=0)])
    assert 0.02 <= share <= 0.10


def test_pairs_of_unequal_length_are_named() -> None:
    from eval.stats.significance import paired_tests

    with pytest.raises(ValueError, match="paired test 1: 3 scores for A, 2 for B"):
        paired_tests([(np.ones(2), np.ones(2)), (np.ones(3), np.ones(2))])
    with pytest.raises(ValueError, match="'t-test': expected permutation or bootstrap"):
        paired_tests([], method="t-test")  # type: ignore[arg-type]
