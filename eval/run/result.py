"""What a run returns: `RunResult` (the results table, each system's run, the corpus as prepared) and
where each finished cluster goes as it finishes (`Sink`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, Protocol

from eval.results import ClusterScores, Results, Tracked
from eval.run.scoring import Prepared
from eval.stats.aggregate import AggregateRow, Comparison, ScoreRow
from eval.tracking.matrices import Matrix
from summarize.base import Summary
from summarize.corpus import (
    Problem,
)

if TYPE_CHECKING:
    from eval.stats.meta import MetaResult


class Sink(Protocol):
    """Where each cluster's scores go as it finishes (eval.output.writers.RunFolder): `start` comes before the
    first cluster, with the run's result so far (its signature and settings)."""

    def start(self, result: RunResult) -> None: ...

    def add(self, scores: ClusterScores) -> None: ...


@dataclass
class SystemRun:
    name: str
    type: str
    kind: str
    status: Literal["ok", "unavailable", "failed", "skipped"] = "ok"
    error: str | None = None  # the whole message
    reason: str | None = None  # why, in a few words ("not in the Hugging Face cache (offline)")
    advice: str = ""  # what to do about it: the same for every system it applies to, so said once
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    name: str
    signature: str
    settings: dict[str, Any]
    versions: dict[str, str]
    documents: list[Prepared] = field(default_factory=list)
    summaries: list[tuple[str, Summary, Prepared]] = field(default_factory=list)  # (cluster, raw, prepared)
    results: Results = field(default_factory=Results)  # every number, one row each (eval.results)
    aggregates: list[AggregateRow] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    systems: list[SystemRun] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (on_error: stop)
    resumed: int = 0  # clusters read back from an interrupted run's store, not scored again
    meta: MetaResult | None = None  # the meta-evaluation against human judgments (`sumtrack meta`)

    @property
    def scored(self) -> int:
        """How many clusters were scored, whether or not `results` still holds their rows (a streamed run,
        `sumtrack run`, keeps only the first output.detail_clusters clusters' rows; it lists every id)."""
        return len(self.results.clusters)

    @property
    def scores(self) -> list[ScoreRow]:
        """The ROUGE rows of the results table, one per (cluster, candidate, target, type) with P, R, F1."""
        return self.results.score_rows()

    @property
    def tracking(self) -> list[Tracked]:
        return self.results.tracked

    @property
    def matrices(self) -> dict[str, dict[str, Matrix | str]]:
        """cluster -> metric -> pairwise matrix (or the reason it is missing), from the results table."""
        return self.results.matrices()

    def status_counts(self) -> dict[str, int]:
        """How many systems ended in each status, in the order first met: {"ok": 7, "unavailable": 5}."""
        counts: dict[str, int] = {}
        for s in self.systems:
            counts[s.status] = counts.get(s.status, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        # A model that is not available here is reported, not an error: with on_error: continue the user
        # asked for the other systems' results (with on_error: stop it sets `stopped`).
        return (
            not self.problems
            and self.stopped is None
            and all(s.status in ("ok", "unavailable") for s in self.systems)
        )


def versions() -> dict[str, str]:
    out = {}
    for package in (
        "sumtrack",
        "rouge-score",
        "nltk",
        "nupunkt",
        "sentence-transformers",
        "transformers",
        "torch",
    ):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out
