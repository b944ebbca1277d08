"""Scoring one cluster: a pure function of its prepared texts and the settings, returning result rows.

`score_cluster(cluster, settings)` depends only on its arguments (both frozen and picklable), so clusters can
be scored in any order, in worker processes or Ray tasks, and their `ClusterScores` appended to the run's
`Results` as they finish. Components (scorers, embedder) are built from the settings once per process
(`eval.settings.components_for`), or passed in by a caller that holds them already.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eval.results import ALL, ROUGE_STATS, ClusterScores, Ref, Row, Tracked
from eval.settings import Components, Settings, components_for
from eval.stats.aggregate import Role
from summarize.text import DroppedLine

if TYPE_CHECKING:
    from eval.rouge.scorer import Scorer


@dataclass(frozen=True)
class Prepared:
    """A document or a system summary after cleaning and sentence splitting."""

    cluster: str
    id: str
    role: Role
    text: str  # canonical: one sentence per line
    words: int
    path: str | None = None
    dropped: tuple[DroppedLine, ...] = ()
    encoding: str | None = None  # the codec its file was read with (None: inline text)
    kept: tuple[DroppedLine, ...] = ()  # lines the rules matched but kept: dropping them would gut the text
    warning: str = ""

    @property
    def sentences(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    @property
    def ref(self) -> Ref:
        return Ref(self.role, self.id)


@dataclass(frozen=True)
class ClusterTexts:
    """One cluster's prepared texts: what `score_cluster` scores."""

    id: str
    source: Prepared
    derivatives: tuple[Prepared, ...] = ()
    references: tuple[Prepared, ...] = ()
    summaries: tuple[Prepared, ...] = ()  # one per system that produced a summary for this cluster


def score_cluster(
    cluster: ClusterTexts, settings: Settings, components: Components | None = None
) -> ClusterScores:
    """Every number of one cluster: ROUGE of each pair, tracking profiles and pairwise matrices."""
    parts = components if components is not None else components_for(settings)
    if parts.settings != settings:
        raise ValueError("score_cluster: the components were built from other settings")
    rows = rouge_rows(cluster, parts.scorer)
    if not settings.tracking:
        return ClusterScores(cluster.id, tuple(rows))
    model_scores, failures = _model_scores(cluster, parts)
    tracked, tracking = _tracking(cluster, parts, model_scores)
    labels, matrix, unavailable = _matrices(cluster, parts)
    # Without the semantic setting its absence is what was asked for. One text for every cluster, so the run
    # reports it once; each cluster's matrices carry the reason too.
    warnings = tuple(
        f"{metric} similarity unavailable: {reason}" for metric, reason in unavailable if settings.semantic
    )
    if parts.entities is not None:  # the pipeline's failure, once per cluster (the run reports it once)
        reasons = {t.profile.entities_reason for t in tracked if t.profile.entities is None}
        warnings += tuple(sorted(r for r in reasons if r))
    warnings += failures
    return ClusterScores(cluster.id, tuple(rows + tracking + matrix), tracked, labels, unavailable, warnings)


def _model_scores(
    cluster: ClusterTexts, parts: Components
) -> tuple[dict[Ref, dict[str, Any]], tuple[str, ...]]:
    """text -> scorer key -> result, from each model-based faithfulness scorer (likelihood, NLI, judge).

    A scorer whose model is missing gives one line (the same for every cluster, so the run reports it
    once) and no results; any other failure names the cluster. Every other measure is still computed.
    """
    from summarize.errors import ModelUnavailableError, SumtrackError

    texts = _texts(cluster)
    found: dict[Ref, dict[str, Any]] = {t.ref: {} for t in texts}
    failures: list[str] = []
    if not texts:
        return found, ()
    for scorer in parts.model_scorers:
        try:
            results = scorer.score(cluster.source.text, [t.text for t in texts])
        except ModelUnavailableError as exc:
            failures.append(f"{scorer.key} unavailable: {exc}")
            continue
        except SumtrackError as exc:
            failures.append(f"{scorer.key} failed on cluster {cluster.id!r}: {exc}")
            continue
        for text, result in zip(texts, results, strict=True):
            found[text.ref][scorer.key] = result
    return found, tuple(failures)


def rouge_rows(cluster: ClusterTexts, scorer: Scorer) -> list[Row]:
    """Derivatives and summaries against the source; summaries against each derivative, each reference and,
    with two or more references, all references at once (the scorer's multi-reference rule)."""
    systems = cluster.summaries
    rows = _pairs(cluster.id, scorer, cluster.source, [*cluster.derivatives, *systems])
    for target in (*cluster.derivatives, *cluster.references):
        rows += _pairs(cluster.id, scorer, target, systems)
    if len(cluster.references) > 1:
        rows += _pairs(cluster.id, scorer, list(cluster.references), systems)
    return rows


def _pairs(
    cluster: str, scorer: Scorer, target: Prepared | list[Prepared], candidates: Sequence[Prepared]
) -> list[Row]:
    if not candidates:
        return []
    if isinstance(target, list):
        texts: str | list[str] = [t.text for t in target]
        target_ref = Ref("references", ALL)
    else:
        texts, target_ref = target.text, target.ref
    scores = scorer.score_pairs(targets=[texts] * len(candidates), predictions=[c.text for c in candidates])
    return [
        Row(cluster, ref, target_ref, "rouge", rouge_type, stat, getattr(score, stat))
        for ref, per_type in zip([c.ref for c in candidates], scores, strict=True)  # one Ref per text
        for rouge_type, score in per_type.items()
        for stat in ROUGE_STATS
    ]


def _texts(cluster: ClusterTexts) -> list[Prepared]:
    """The texts tracked against the source: derivatives, references, summaries, empty ones left out."""
    return [t for t in (*cluster.derivatives, *cluster.references, *cluster.summaries) if t.text]


def _tracking(
    cluster: ClusterTexts, parts: Components, model_scores: dict[Ref, dict[str, Any]]
) -> tuple[tuple[Tracked, ...], list[Row]]:
    from eval.tracking.measures import all_measures
    from eval.tracking.profile import track

    source, measures = cluster.source, all_measures()
    tracked, rows = [], []
    texts = _texts(cluster)
    rouge = parts.tracking_scorer.score_pairs(
        targets=[source.text] * len(texts), predictions=[t.text for t in texts]
    )
    if parts.entities is not None:
        from eval.tracking.entities import prefetch
        from summarize.errors import ModelUnavailableError

        with contextlib.suppress(ModelUnavailableError):  # each profile records the reason
            prefetch(source.text, [t.text for t in texts], parts.entities)
    for text, scores in zip(texts, rouge, strict=True):
        profile = track(
            source.text,
            text.text,
            scorer=parts.tracking_scorer,
            embedder=parts.embedder,
            rouge=scores,
            entities=parts.entities,
        )
        if model_scores.get(text.ref):
            profile = replace(profile, model_scores=model_scores[text.ref])
        tracked.append(Tracked(cluster.id, text.id, text.role, profile))
        ref, source_ref = text.ref, source.ref
        rows += [
            Row(cluster.id, ref, source_ref, "tracking", m.name, "value", m.compute(profile))
            for m in measures
        ]
    return tuple(tracked), rows


def _matrices(
    cluster: ClusterTexts, parts: Components
) -> tuple[tuple[str, ...], list[Row], tuple[tuple[str, str], ...]]:
    from eval.tracking.matrices import Matrix, cluster_matrices

    texts = [cluster.source, *_texts(cluster)]
    refs = {t.id: t.ref for t in texts}
    matrices = cluster_matrices(
        {t.id: t.text for t in texts}, scorer=parts.matrix_scorer, embedder=parts.embedder
    )
    rows, unavailable = [], []
    for metric, matrix in matrices.items():
        if not isinstance(matrix, Matrix):
            unavailable.append((metric, matrix))
            continue
        rows += [
            Row(cluster.id, refs[a], refs[b], "matrix", metric, "value", value)
            for a, line in zip(matrix.labels, matrix.values, strict=True)
            for b, value in zip(matrix.labels, line, strict=True)
        ]
    return tuple(refs), rows, tuple(unavailable)
