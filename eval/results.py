"""The one long results table: every number of a run is a `Row`, keyed by typed references.

A row is (cluster, candidate, target, family, measure, stat) -> value. Candidate and target are `Ref`s, a
kind plus an id, so a system called "derivatives" (`system:derivatives`) never merges with the pooled
derivatives (`derivatives:*`), and a derivative called "references" never looks like the pooled references.

Families:
- "rouge": a candidate scored against a target with the run's ROUGE types; stat precision, recall or f1.
  Targets are the source, each derivative, each reference and, with 2+ references, the pooled references.
- "tracking": a registered tracking measure (tracking.measures) of a text against its source; stat "value".
- "matrix": one cell of a cluster's pairwise matrix ("rouge2_f1", "semantic"); stat "value". Every ordered
  pair is a row, the diagonal included, in label order.

Rows of one cluster come from `eval.run.scoring.score_cluster` as one `ClusterScores`; `Results.add` appends
them, so a run can write or stream each cluster as it finishes. Readers match rows by key, never by position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from eval.tracking.profile import TrackingProfile

Kind = Literal["source", "derivative", "reference", "system", "derivatives", "references"]
KINDS: tuple[str, ...] = get_args(Kind)
# Kinds that stand for a group of texts: their refs have the id ALL.
POOLED_KINDS: tuple[str, ...] = ("derivatives", "references")
# The id of a pooled group, and of "every one of this kind" in aggregates (source:* is every source).
ALL = "*"

Family = Literal["rouge", "tracking", "matrix"]
FAMILIES: tuple[str, ...] = get_args(Family)
Stat = Literal["precision", "recall", "f1", "value"]
ROUGE_STATS: tuple[Stat, ...] = ("precision", "recall", "f1")


@dataclass(frozen=True, order=True)
class Ref:
    """A typed reference to a text (or a pooled group of texts) within a cluster."""

    kind: Kind
    id: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Ref kind {self.kind!r}: expected one of {', '.join(KINDS)}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def pooled(self) -> bool:
        return self.kind in POOLED_KINDS


ALL_DERIVATIVES = Ref("derivatives", ALL)
ALL_REFERENCES = Ref("references", ALL)


@dataclass(frozen=True, slots=True)
class Row:
    cluster: str
    candidate: Ref
    target: Ref
    family: Family
    measure: str
    stat: Stat
    value: float | None  # None: the measure is undefined for this pair (an empty text has no coverage)

    @property
    def key(self) -> tuple[str, Ref, Ref, str, str, str]:
        return (self.cluster, self.candidate, self.target, self.family, self.measure, self.stat)

    def record(self) -> dict[str, Any]:
        """A flat dict (kinds and ids in their own fields), for CSV and JSON."""
        return {
            "cluster": self.cluster,
            "candidate_kind": self.candidate.kind,
            "candidate": self.candidate.id,
            "target_kind": self.target.kind,
            "target": self.target.id,
            "family": self.family,
            "measure": self.measure,
            "stat": self.stat,
            "value": self.value,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Row:
        return cls(
            data["cluster"],
            Ref(data["candidate_kind"], data["candidate"]),
            Ref(data["target_kind"], data["target"]),
            data["family"],
            data["measure"],
            data["stat"],
            data["value"],
        )


@dataclass(frozen=True)
class Tracked:
    """How closely one text (derivative, reference or system summary) tracks its cluster's source.

    The profile holds what rows cannot (the sentence alignment, the longest copied passage) for the reports;
    its numbers are also rows of the "tracking" family.
    """

    cluster: str
    id: str
    kind: Kind
    profile: TrackingProfile

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.id)


@dataclass(frozen=True)
class ScoreRow:
    """A candidate text scored against a target on one ROUGE type: the "rouge" rows of the results table
    (eval.results) with precision, recall and F1 side by side, as scores.csv shows them."""

    cluster: str
    candidate: str
    target: str
    metric: str
    precision: float
    recall: float
    f1: float
    candidate_kind: Kind
    target_kind: Kind  # "references" (id "*") for the multi-reference row

    @property
    def candidate_ref(self) -> Ref:
        return Ref(self.candidate_kind, self.candidate)

    @property
    def target_ref(self) -> Ref:
        return Ref(self.target_kind, self.target)


@dataclass(frozen=True)
class Matrix:
    """values[i][j] compares labels[i] with labels[j]."""

    metric: str
    labels: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class ClusterScores:
    """Everything scoring one cluster produced: the unit `score_cluster` returns and `Results.add` takes."""

    cluster: str
    rows: tuple[Row, ...]
    tracked: tuple[Tracked, ...] = ()
    # Matrix labels in order (ids; source first), and why a matrix could not be made (metric -> reason).
    matrix_labels: tuple[str, ...] = ()
    unavailable: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    @cached_property
    def rouge_rows(self) -> list[ScoreRow]:
        """`score_rows` of this cluster's rows, made once: the means and every writer read them."""
        return score_rows(self.rows)


def score_rows(rows: Iterable[Row]) -> list[ScoreRow]:
    """The "rouge" rows among `rows` as one row per (cluster, candidate, target, ROUGE type) with P, R, F1."""
    rouge = [row for row in rows if row.family == "rouge"]
    fast = _triples(rouge)
    if fast is not None:
        return fast
    stats: dict[tuple[str, Ref, Ref, str], dict[str, float]] = {}
    for row in rouge:
        if row.value is None:
            raise ValueError(f"ROUGE row without a value: {row}")
        stats.setdefault((row.cluster, row.candidate, row.target, row.measure), {})[row.stat] = row.value
    out = []
    for (cluster, candidate, target, metric), values in stats.items():
        missing = [s for s in ROUGE_STATS if s not in values]
        if missing:
            raise ValueError(f"ROUGE rows of {cluster}/{candidate}/{target}/{metric} lack {missing}")
        out.append(
            ScoreRow(
                cluster,
                candidate.id,
                target.id,
                metric,
                values["precision"],
                values["recall"],
                values["f1"],
                candidate.kind,
                target.kind,
            )
        )
    return out


def _triples(rouge: list[Row]) -> list[ScoreRow] | None:
    """`score_rows` where the rows come as `score_cluster` writes them, precision, recall and F1 of each
    (cluster, candidate, target, type) in a row and each key once; None otherwise (the general path)."""
    if len(rouge) % 3:
        return None
    out = []
    for k in range(0, len(rouge), 3):
        p, r, f = rouge[k], rouge[k + 1], rouge[k + 2]
        if (
            (p.stat, r.stat, f.stat) != ROUGE_STATS
            or not p.key[:5] == r.key[:5] == f.key[:5]
            or p.value is None
            or r.value is None
            or f.value is None
        ):
            return None
        c, t = p.candidate, p.target
        out.append(ScoreRow(p.cluster, c.id, t.id, p.measure, p.value, r.value, f.value, c.kind, t.kind))
    if len(
        {(s.cluster, s.candidate_kind, s.candidate, s.target_kind, s.target, s.metric) for s in out}
    ) < len(out):
        return None  # a key twice: the general path keeps the last of each
    return out


def cluster_matrices(scores: ClusterScores) -> dict[str, Matrix | str]:
    """metric -> one cluster's pairwise Matrix (or why it could not be made), rebuilt from its rows."""
    return _matrices(scores.rows, scores.matrix_labels, dict(scores.unavailable))


def _matrices(
    rows: Iterable[Row], labels: tuple[str, ...], unavailable: dict[str, str]
) -> dict[str, Matrix | str]:
    """The matrices of one cluster's "matrix" rows (other rows are passed over), cells in `labels` order,
    then the reasons of those that could not be made."""
    cells: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in rows:
        if row.family != "matrix":
            continue
        if row.value is None:
            raise ValueError(f"matrix row without a value: {row}")
        cells[row.measure][(row.candidate.id, row.target.id)] = row.value
    out: dict[str, Matrix | str] = {
        metric: Matrix(metric, labels, tuple(tuple(values[(a, b)] for b in labels) for a in labels))
        for metric, values in cells.items()
    }
    out.update(unavailable)
    return out


@dataclass
class Results:
    """The run's table: append clusters with `add`, read with `select` and the views below.

    With `keep` set (a streamed run: `sumtrack run` writes each cluster to the run folder as it finishes),
    only the first `keep` clusters' rows stay here; `clusters` still lists every cluster added.
    """

    rows: list[Row] = field(default_factory=list)
    tracked: list[Tracked] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    matrix_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unavailable: dict[str, dict[str, str]] = field(default_factory=dict)  # cluster -> metric -> reason
    keep: int | None = None  # clusters whose rows are kept (None: all)
    _by_family: dict[str, list[Row]] = field(default_factory=dict, repr=False, compare=False)
    _units: list[ClusterScores] = field(default_factory=list, repr=False, compare=False)
    _seen: set[str] = field(default_factory=set, repr=False, compare=False)
    # score_rows() and matrices() of the rows so far: readers ask often, and they change only with `add`.
    _score_rows: tuple[int, list[ScoreRow]] | None = field(default=None, repr=False, compare=False)
    _matrices: tuple[int, dict[str, dict[str, Matrix | str]]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for row in self.rows:
            self._by_family.setdefault(row.family, []).append(row)
        self._seen.update(self.clusters)

    def add(self, scores: ClusterScores) -> None:
        if scores.cluster in self._seen:
            raise ValueError(f"Results.add: cluster {scores.cluster!r} was added already")
        self.clusters.append(scores.cluster)
        self._seen.add(scores.cluster)
        if self.keep is not None and len(self._units) >= self.keep:
            return
        self._units.append(scores)
        self.rows.extend(scores.rows)
        for row in scores.rows:
            self._by_family.setdefault(row.family, []).append(row)
        self.tracked.extend(scores.tracked)
        if scores.matrix_labels:
            self.matrix_labels[scores.cluster] = scores.matrix_labels
        if scores.unavailable:
            self.unavailable[scores.cluster] = dict(scores.unavailable)

    @property
    def complete(self) -> bool:
        """Whether every cluster added still has its rows here (False: a streamed run kept only the first)."""
        return self.keep is None or len(self._units) == len(self.clusters)

    @property
    def held(self) -> list[str]:
        """The clusters whose rows the table holds, in the order added: every cluster, unless `keep`."""
        return list(self.clusters) if self.keep is None else [u.cluster for u in self._units]

    def cluster_scores(self) -> Iterator[ClusterScores]:
        """The clusters whose rows are held, as they were added."""
        return iter(self._units)

    def select(
        self,
        *,
        family: Family | None = None,
        cluster: str | None = None,
        measure: str | None = None,
        candidate: Ref | None = None,
        target: Ref | None = None,
    ) -> Iterator[Row]:
        """Rows matching every given field, in the order they were added."""
        for row in self.rows if family is None else self._by_family.get(family, []):
            if (
                (family is None or row.family == family)
                and (cluster is None or row.cluster == cluster)
                and (measure is None or row.measure == measure)
                and (candidate is None or row.candidate == candidate)
                and (target is None or row.target == target)
            ):
                yield row

    def score_rows(self) -> list[ScoreRow]:
        """The "rouge" family as one row per (cluster, candidate, target, ROUGE type) with P, R and F1."""
        if self._score_rows is not None and self._score_rows[0] == len(self.rows):
            return list(self._score_rows[1])
        if sum(len(u.rows) for u in self._units) == len(self.rows):  # every row came with its cluster
            out = [r for u in self._units for r in u.rouge_rows]
        else:
            out = score_rows(self.select(family="rouge"))
        self._score_rows = (len(self.rows), out)
        return list(out)

    def tracking_values(self) -> dict[tuple[str, Ref], dict[str, float | None]]:
        """(cluster, text) -> tracking measure name -> value."""
        out: dict[tuple[str, Ref], dict[str, float | None]] = defaultdict(dict)
        for row in self.select(family="tracking"):
            out[(row.cluster, row.candidate)][row.measure] = row.value
        return dict(out)

    def matrices(self) -> dict[str, dict[str, Matrix | str]]:
        """cluster -> metric -> the pairwise Matrix (or why it could not be made), rebuilt from the rows."""
        if self._matrices is not None and self._matrices[0] == len(self.rows):
            return dict(self._matrices[1])
        by_cluster: dict[str, list[Row]] = defaultdict(list)
        for row in self.select(family="matrix"):
            by_cluster[row.cluster].append(row)
        out = {
            cluster: _matrices(by_cluster.get(cluster, []), labels, self.unavailable.get(cluster, {}))
            for cluster in self.clusters
            if (labels := self.matrix_labels.get(cluster)) is not None
        }
        self._matrices = (len(self.rows), out)
        return dict(out)

    def records(self) -> Iterable[dict[str, Any]]:
        return (row.record() for row in self.rows)
