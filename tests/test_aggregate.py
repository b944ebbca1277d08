from __future__ import annotations

import pytest

from eval.results import ALL_REFERENCES, Ref
from eval.stats.aggregate import (
    ScoreRow,
    aggregate,
    aggregate_units,
    compare_systems,
    compare_units,
    unit_values,
)
from eval.stats.significance import compare


def row(
    cluster: str, candidate: str, target: str, f1: float, kind: str = "system", target_kind: str = "source"
):
    return ScoreRow(cluster, candidate, target, "rouge1", f1, f1, f1, kind, target_kind)  # type: ignore[arg-type]


ROWS = [
    row("c1", "d1", "src", 0.2, "derivative"),
    row("c1", "d2", "src", 0.4, "derivative"),
    row("c2", "d3", "src", 0.9, "derivative"),
    row("c1", "sys", "src", 0.1),
    row("c2", "sys", "src", 0.3),
    row("c1", "sys", "d1", 0.5, target_kind="derivative"),
    row("c1", "sys", "d2", 0.7, target_kind="derivative"),
    row("c2", "sys", "d3", 0.2, target_kind="derivative"),
    row("c1", "sys", "r1", 0.6, target_kind="reference"),
    row("c2", "sys", "r1", 0.1, target_kind="reference"),
    row("c2", "sys", "r2", 0.3, target_kind="reference"),
    row("c2", "sys", "*", 0.3, target_kind="references"),
]


def by_name(values: dict) -> dict:
    """Keys written as "kind:id" strings, for reading."""
    return {(str(c), str(t), *rest): v for (c, t, *rest), v in values.items()}


def test_units_are_derivatives_for_derivatives_and_clusters_for_systems() -> None:
    values = by_name(unit_values(ROWS))
    f1 = {key: {unit: v[2] for unit, v in units.items()} for key, units in values.items()}
    assert f1[("derivatives:*", "source:*", "rouge1")] == {"c1/d1": 0.2, "c1/d2": 0.4, "c2/d3": 0.9}
    assert f1[("system:sys", "source:*", "rouge1")] == {"c1": 0.1, "c2": 0.3}
    # Derivatives of one cluster are averaged into one unit.
    assert f1[("system:sys", "derivatives:*", "rouge1")] == pytest.approx({"c1": 0.6, "c2": 0.2})
    # One reference stands for itself; several are represented by their pooled row only.
    assert f1[("system:sys", "references:*", "rouge1")] == {"c1": 0.6, "c2": 0.3}


def test_a_system_called_derivatives_never_merges_with_the_pooled_derivatives() -> None:
    rows = [*ROWS, row("c1", "derivatives", "src", 0.0), row("c2", "derivatives", "src", 0.0)]
    means = {
        (str(a.candidate), str(a.target), a.stat): a
        for a in aggregate(rows, seed=0, samples=0, confidence=0.9)
    }
    assert means[("derivatives:*", "source:*", "f1")].mean == pytest.approx(0.5)
    assert means[("derivatives:*", "source:*", "f1")].n == 3
    assert means[("system:derivatives", "source:*", "f1")].mean == 0.0


def test_aggregate_means_and_counts() -> None:
    aggregates = aggregate(ROWS, seed=0, samples=200, confidence=0.9)
    rows = {(str(a.candidate), str(a.target), a.stat): a for a in aggregates}
    derivatives = rows[("derivatives:*", "source:*", "f1")]
    assert derivatives.mean == pytest.approx(0.5) and derivatives.n == 3
    assert derivatives.low < 0.5 < derivatives.high
    assert rows[("system:sys", "derivatives:*", "recall")].mean == pytest.approx(0.4)
    assert len(rows) == 4 * 3


def test_compare_needs_two_shared_clusters() -> None:
    extra = [row("c1", "other", "src", 0.5), row("c2", "other", "src", 0.6), row("c1", "lonely", "src", 0.9)]
    tests = compare_systems([*ROWS, *extra], ["sys", "other", "lonely"], method="permutation", seed=0)
    assert [(t.system_a, t.system_b, str(t.target)) for t in tests] == [("sys", "other", "source:*")]
    (test,) = tests
    assert test.delta == pytest.approx(-0.35) and test.n == 2 and test.p_value == 0.5


def _values(clusters: int, systems: list[str], seed: int = 0) -> dict:
    """Unit values as the runner accumulates them: every system on every cluster, 2 targets, 3 metrics."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [f"cluster-{c:05d}" for c in range(clusters)]
    values = {}
    for system in systems:
        for target in (Ref("source", "*"), ALL_REFERENCES):
            for metric in ("rouge1", "rouge2", "rougeL"):
                triples = rng.uniform(0.05, 0.9, size=(clusters, 3)).tolist()
                values[(Ref("system", system), target, metric)] = dict(
                    zip(ids, map(tuple, triples), strict=True)
                )
    return values


def test_the_row_functions_are_the_unit_functions_of_their_unit_values() -> None:
    extra = [row(c, "other", "src", 0.1 * k) for k, c in enumerate(("c1", "c2"), start=3)]
    rows = [*ROWS, *extra]
    values = unit_values(rows)
    assert aggregate(rows, seed=3, samples=100, confidence=0.9) == aggregate_units(
        values, seed=3, samples=100, confidence=0.9
    )
    for method in ("permutation", "bootstrap"):
        assert compare_systems(rows, ["sys", "other"], method=method, seed=1) == compare_units(  # type: ignore[arg-type]
            values,
            ["sys", "other"],
            method=method,
            seed=1,  # type: ignore[arg-type]
        )


def test_aggregates_do_not_depend_on_the_order_units_arrived_in() -> None:
    values = _values(50, ["a", "b"])
    shuffled = {key: dict(reversed(list(units.items()))) for key, units in reversed(list(values.items()))}
    by_key = {
        (a.candidate, a.target, a.metric, a.stat): a
        for a in aggregate_units(values, seed=0, samples=200, confidence=0.95)
    }
    again = {
        (a.candidate, a.target, a.metric, a.stat): a
        for a in aggregate_units(shuffled, seed=0, samples=200, confidence=0.95)
    }
    assert by_key == again


def test_compare_units_tests_each_pair_over_its_shared_clusters_as_compare_does() -> None:
    values = _values(30, ["a", "b", "c"], seed=2)
    key_c = (Ref("system", "c"), Ref("source", "*"), "rouge1")
    values[key_c] = {
        unit: v for k, (unit, v) in enumerate(values[key_c].items()) if k % 3
    }  # c missed 10 clusters
    tests = {
        (t.system_a, t.system_b, str(t.target), t.metric): t
        for t in compare_units(values, ["a", "b", "c"], method="permutation", seed=6)
    }
    assert len(tests) == 3 * 2 * 3
    for (a, b, target, metric), test in tests.items():
        kind = "references" if target.startswith("references") else "source"
        scores_a = values[(Ref("system", a), Ref(kind, "*"), metric)]  # type: ignore[arg-type]
        scores_b = values[(Ref("system", b), Ref(kind, "*"), metric)]  # type: ignore[arg-type]
        shared = set(scores_a) & set(scores_b)
        alone = compare({u: scores_a[u][2] for u in shared}, {u: scores_b[u][2] for u in shared}, seed=6)
        assert (test.n, test.mean_a, test.mean_b, test.delta, test.p_value) == (
            alone.n,
            alone.mean_a,
            alone.mean_b,
            alone.delta,
            alone.p_value,
        )
    assert tests[("a", "c", "source:*", "rouge1")].n == 20


def test_ten_thousand_clusters_of_twelve_systems_in_bounded_memory() -> None:
    import tracemalloc

    systems = [f"s{k:02d}" for k in range(12)]
    values = _values(10_000, systems)
    tracemalloc.start()
    try:
        aggregates = aggregate_units(values, seed=0, samples=1000, confidence=0.95)
        # 2,000 sign flips instead of the default 10,000 to keep the test short: memory does not grow with
        # them (they come in chunks). Today's 396 tests used to build a 2,000 x 10,000 sign matrix each.
        tests = compare_units(values, systems, method="permutation", seed=0, resamples=2000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(aggregates) == 12 * 2 * 3 * 3 and len(tests) == 66 * 2 * 3
    assert {a.n for a in aggregates} == {t.n for t in tests} == {10_000}
    # One (resamples x clusters) matrix at these sizes is 160 MB (2,000 signs) to 800 MB (10,000); the
    # chunks, the batch of differences and the statistics' own columns stay well under that.
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MB"
