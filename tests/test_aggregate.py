from __future__ import annotations

import pytest

from eval.aggregate import ScoreRow, aggregate, compare_systems, unit_values


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
