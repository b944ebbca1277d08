from __future__ import annotations

import numpy as np
import pytest

from eval.significance import compare, paired_bootstrap, permutation_test

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
    assert compare(noisy, A, method=method, seed=6).p_value != first.p_value


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
    from eval.significance import smallest_p

    assert smallest_p("permutation", 4) == 0.125
    assert smallest_p("permutation", 5) == 0.0625 and smallest_p("permutation", 6) < 0.05
    # The bound is reached: four clusters where A always wins by the same margin.
    a = {f"c{k}": 0.6 for k in range(4)}
    b = {f"c{k}": 0.5 for k in range(4)}
    assert permutation_test(a, b).p_value == smallest_p("permutation", 4)
