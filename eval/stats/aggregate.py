"""ROUGE rows of the results table, and what is computed from them: means with intervals, paired tests.

Rows are grouped by typed reference (kind and id, eval.results.Ref), never by position or by a bare name.
For systems the unit is one cluster (a system's scores against the derivatives of one cluster are averaged
first); for the derivatives the unit is one derivative, since derivatives are different texts, not repeated
measurements of one.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from eval.results import ALL, ALL_DERIVATIVES, ALL_REFERENCES, Ref, ScoreRow
from eval.stats.bootstrap import bootstrap_cis
from eval.stats.significance import Method, paired_tests

if TYPE_CHECKING:
    import numpy as np

Role = Literal["source", "derivative", "reference", "system"]
ALL_SOURCES = Ref("source", ALL)
Stat = Literal["precision", "recall", "f1"]
STATS: tuple[Stat, ...] = ("precision", "recall", "f1")
# (candidate group, target group, metric) -> unit id -> mean (precision, recall, f1) of that unit.
UnitValues = Mapping[tuple[Ref, Ref, str], Mapping[str, tuple[float, float, float]]]


@dataclass(frozen=True)
class AggregateRow:
    """A mean over units with its interval. candidate: system:<name> or derivatives:* (all derivatives);
    target: source:* (each cluster's source), derivatives:* or references:*."""

    candidate: Ref
    target: Ref
    metric: str
    stat: Stat
    mean: float
    low: float
    high: float
    n: int

    def record(self) -> dict[str, Any]:
        """A flat dict with kinds and ids in their own fields, as aggregates.csv and results.json hold it."""
        return {
            "candidate_kind": self.candidate.kind,
            "candidate": self.candidate.id,
            "target_kind": self.target.kind,
            "target": self.target.id,
            **{k: v for k, v in asdict(self).items() if k not in ("candidate", "target")},
        }


@dataclass(frozen=True)
class Comparison:
    """A paired test of two systems' F1 over the clusters both were scored on."""

    system_a: str
    system_b: str
    target: Ref
    metric: str
    method: str
    n: int
    mean_a: float
    mean_b: float
    delta: float  # mean_a - mean_b
    p_value: float
    low: float | None  # 95% interval of delta (bootstrap only)
    high: float | None
    seed: int

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        data["target_kind"], data["target"] = self.target.kind, self.target.id
        return data


def _group(row: ScoreRow, multi: set[str]) -> tuple[Ref, Ref] | None:
    """(candidate group, target group) of a row, or None for rows no mean is taken over."""
    if row.candidate_kind == "derivative":
        return (ALL_DERIVATIVES, ALL_SOURCES) if row.target_kind == "source" else None
    if row.candidate_kind != "system":
        return None
    candidate = row.candidate_ref
    if row.target_kind == "reference":
        # With several references the pooled "references" row stands for them; with one, that one does.
        return None if row.cluster in multi else (candidate, ALL_REFERENCES)
    group = {"source": ALL_SOURCES, "derivative": ALL_DERIVATIVES, "references": ALL_REFERENCES}
    return candidate, group[row.target_kind]


def unit_values(
    rows: Sequence[ScoreRow],
) -> dict[tuple[Ref, Ref, str], dict[str, tuple[float, float, float]]]:
    """(candidate group, target group, metric) -> unit id -> mean (precision, recall, f1) of that unit."""
    multi = {r.cluster for r in rows if r.target_kind == "references"}
    units: dict[tuple[Ref, Ref, str], dict[str, list[tuple[float, float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        group = _group(row, multi)
        if group is None:
            continue
        unit = f"{row.cluster}/{row.candidate}" if group[0] == ALL_DERIVATIVES else row.cluster
        units[(*group, row.metric)][unit].append((row.precision, row.recall, row.f1))
    return {
        key: {
            unit: (
                sum(v[0] for v in values) / len(values),
                sum(v[1] for v in values) / len(values),
                sum(v[2] for v in values) / len(values),
            )
            for unit, values in by_unit.items()
        }
        for key, by_unit in units.items()
    }


def aggregate_units(values: UnitValues, *, seed: int, samples: int, confidence: float) -> list[AggregateRow]:
    """Means with a seeded percentile bootstrap interval, for every group, metric and statistic, from unit
    values shaped as `unit_values` returns them. Units are taken in order of their ids, so the numbers do not
    depend on the order they arrived in; groups with the same number of units share their resamples, and all
    are resampled together in bounded memory (eval.stats.bootstrap.bootstrap_cis)."""
    import numpy as np

    columns = []
    for by_unit in values.values():
        table = np.array([by_unit[unit] for unit in sorted(by_unit)], dtype=float).reshape(-1, len(STATS))
        columns += [np.ascontiguousarray(table[:, k]) for k in range(len(STATS))]
    intervals = iter(bootstrap_cis(columns, seed=seed, samples=samples, confidence=confidence))
    return [
        AggregateRow(candidate, target, metric, stat, ci.mean, ci.low, ci.high, ci.n)
        for candidate, target, metric in values
        for stat, ci in zip(STATS, itertools.islice(intervals, len(STATS)), strict=True)
    ]


def aggregate(rows: Sequence[ScoreRow], *, seed: int, samples: int, confidence: float) -> list[AggregateRow]:
    """`aggregate_units` of the rows' unit values."""
    return aggregate_units(unit_values(rows), seed=seed, samples=samples, confidence=confidence)


def compare_units(
    values: UnitValues,
    systems: Sequence[str],
    *,
    method: Method,
    seed: int,
    resamples: int | None = None,
) -> list[Comparison]:
    """Paired tests of F1 between every two systems, per target group and metric, over shared clusters, from
    unit values shaped as `unit_values` returns them; all pairs are tested at once (eval.stats.significance).

    Pairs with fewer than two shared clusters are left out: one cluster cannot say anything about
    significance.
    """
    targets = sorted({target for _, target, _ in values})
    metrics = list(dict.fromkeys(metric for _, _, metric in values))
    specs, pairs = [], []
    for target, metric in itertools.product(targets, metrics):
        f1 = {s: _f1(values.get((Ref("system", s), target, metric), {})) for s in systems}
        for a, b in itertools.combinations(systems, 2):
            scores_a, scores_b = _shared(f1[a], f1[b])
            if len(scores_a) >= 2:
                specs.append((a, b, target, metric))
                pairs.append((scores_a, scores_b))
    tests = paired_tests(pairs, method=method, resamples=resamples, seed=seed)
    return [
        Comparison(
            a,
            b,
            target,
            metric,
            test.method,
            test.n,
            test.mean_a,
            test.mean_b,
            test.delta,
            test.p_value,
            test.low,
            test.high,
            seed,
        )
        for (a, b, target, metric), test in zip(specs, tests, strict=True)
    ]


def _f1(by_unit: Mapping[str, tuple[float, float, float]]) -> tuple[list[str], np.ndarray]:
    """A system's unit ids in order, and their F1 in that order."""
    import numpy as np

    ids = sorted(by_unit)
    return ids, np.array([by_unit[unit][2] for unit in ids], dtype=float)


def _shared(
    a: tuple[list[str], np.ndarray], b: tuple[list[str], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Two systems' F1 over the clusters both were scored on, in order of cluster id."""
    import numpy as np

    (ids_a, f1_a), (ids_b, f1_b) = a, b
    if ids_a == ids_b:  # the usual case: both scored on every cluster
        return f1_a, f1_b
    shared = set(ids_a) & set(ids_b)
    keep_a = np.array([unit in shared for unit in ids_a], dtype=bool)
    keep_b = np.array([unit in shared for unit in ids_b], dtype=bool)
    return f1_a[keep_a], f1_b[keep_b]


def compare_systems(
    rows: Sequence[ScoreRow],
    systems: Sequence[str],
    *,
    method: Method,
    seed: int,
    resamples: int | None = None,
) -> list[Comparison]:
    """`compare_units` of the rows' unit values."""
    return compare_units(unit_values(rows), systems, method=method, seed=seed, resamples=resamples)
