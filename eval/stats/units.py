"""The values means and paired tests are taken over, gathered cluster by cluster in compact arrays.

A run's means (aggregates.csv) and system comparisons need, for each (candidate group, target group,
metric), one (precision, recall, F1) per unit: a cluster for a system, a derivative for the pooled
derivatives (aggregate.unit_values). Every unit lies within one cluster, so the values of a whole run
are the values of each cluster, taken as it finishes and appended here; the rows themselves can then go to
disk. A unit costs three floats in an array and a reference to its id (~40 bytes), against ~1 KB for the
rows it comes from, so 10,000 clusters of 12 systems hold a few MB.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping

from eval.results import ClusterScores, Ref
from eval.stats.aggregate import unit_values

Key = tuple[Ref, Ref, str]
Values = dict[str, tuple[float, float, float]]


class ClusterUnits(Mapping[Key, Values]):
    """(candidate group, target group, metric) -> unit id -> (precision, recall, F1), equal to
    `unit_values` over every row added, key and unit order included; each inner dict is built when read."""

    def __init__(self) -> None:
        self._ids: dict[Key, list[str]] = {}
        self._values: dict[Key, array] = {}

    def add(self, scores: ClusterScores) -> None:
        """One finished cluster's units."""
        for key, by_unit in unit_values(scores.rouge_rows).items():
            ids = self._ids.setdefault(key, [])
            values = self._values.setdefault(key, array("d"))
            for unit, triple in by_unit.items():
                ids.append(unit)
                values.extend(triple)

    def __getitem__(self, key: Key) -> Values:
        ids, values = self._ids[key], self._values[key]
        return {unit: (values[3 * k], values[3 * k + 1], values[3 * k + 2]) for k, unit in enumerate(ids)}

    def __iter__(self) -> Iterator[Key]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
