"""What meta-evaluation correlates: each judged text's measures, beside its human scores, on one grid.

`MeasureValues` takes each cluster's rows as the cluster finishes (a streamed run keeps none of them) and
keeps, per candidate text (a system's summary or a derivative), every number the run computed for it:
- ROUGE against the source, `rouge1_p`, `rougeL_f`, ... (the tracking profile's ROUGE has the same names and
  values: one measure);
- ROUGE against the references, `ref_rouge1_f`, ...: the pooled references (the configured multi-reference
  rule) where a cluster has two or more, its one reference otherwise;
- every tracking measure of the registry (eval.tracking.measures), faithfulness measures included.

`join` matches judgments to texts: a judgment's candidate is a system's name or a derivative's id within
its cluster (SummEval: `model_id` is a system, `id` a cluster). A judgment naming no scored text is an
error naming its line; texts with no judgment are listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval.results import ClusterScores, Ref
from eval.stats.judgments import Judgment, JudgmentsError

CANDIDATE_KINDS = ("system", "derivative")
_LETTER = {"precision": "p", "recall": "r", "f1": "f"}


@dataclass
class MeasureValues:
    """(cluster, candidate) -> measure -> value (None: undefined for that text), in the order met."""

    values: dict[tuple[str, Ref], dict[str, float | None]] = field(default_factory=dict)
    measures: dict[str, None] = field(default_factory=dict)

    def add(self, scores: ClusterScores) -> None:
        own: dict[Ref, dict[str, float | None]] = {}
        single: dict[Ref, dict[Ref, dict[str, float | None]]] = {}
        for row in scores.rows:
            if row.candidate.kind not in CANDIDATE_KINDS or row.family == "matrix":
                continue
            if row.family == "tracking":
                name = row.measure
            elif row.target.kind == "source":
                name = f"{row.measure}_{_LETTER[row.stat]}"
            elif row.target.kind == "references":
                name = f"ref_{row.measure}_{_LETTER[row.stat]}"
            elif row.target.kind == "reference":
                name = f"ref_{row.measure}_{_LETTER[row.stat]}"
                single.setdefault(row.candidate, {}).setdefault(row.target, {})[name] = row.value
                continue
            else:
                continue  # against another derivative: no measure every text has
            own.setdefault(row.candidate, {})[name] = row.value
        for candidate, targets in single.items():
            values = own.setdefault(candidate, {})
            if len(targets) == 1 and not any(k.startswith("ref_") for k in values):
                values.update(next(iter(targets.values())))
        for candidate, values in own.items():
            self.values[(scores.cluster, candidate)] = values
            self.measures.update(dict.fromkeys(values))


@dataclass(frozen=True)
class Grid:
    """Measures and human scores on one (cluster x candidate) grid; NaN where there is no value.

    x: (measures, clusters, candidates); h: (dimensions, clusters, candidates), each the mean over the
    annotators; scores: dimension -> the annotators' scores of each judged text (for agreement)."""

    measures: tuple[str, ...]
    dimensions: tuple[str, ...]
    clusters: tuple[str, ...]
    candidates: tuple[str, ...]
    x: np.ndarray
    h: np.ndarray
    scores: dict[str, list[list[float]]]
    unjudged: tuple[str, ...] = ()  # "cluster/candidate" of every scored text no judgment names


def join(values: MeasureValues, judgments: Sequence[Judgment], path: Path) -> Grid:
    """The grid of `judgments` against the texts `values` holds; JudgmentsError naming the line of the
    first judgment that names no scored text, or when there is nothing to correlate."""
    refs: dict[str, dict[str, Ref]] = {}
    for cluster, ref in values.values:
        refs.setdefault(cluster, {}).setdefault(ref.id, ref)
    by_text: dict[tuple[str, Ref], dict[str, dict[str, list[float]]]] = {}
    for j in judgments:
        texts = refs.get(j.cluster)
        if texts is None:
            raise JudgmentsError(
                f"judgments {path} line {j.line}: no cluster {j.cluster!r} was scored in this run "
                f"({_some(refs)})"
            )
        found = texts.get(j.candidate)
        if found is None:
            raise JudgmentsError(
                f"judgments {path} line {j.line}: cluster {j.cluster!r} has no scored text "
                f"{j.candidate!r} (its texts: {_some(texts)}); a candidate is a system's name or a "
                "derivative's id"
            )
        per = by_text.setdefault((j.cluster, found), {}).setdefault(j.dimension, {})
        key = j.annotator or f"#{j.line}"
        if key in per:
            raise JudgmentsError(
                f"judgments {path} line {j.line}: a second {j.dimension!r} score of {j.cluster}/"
                f"{j.candidate} by annotator {j.annotator!r}"
            )
        per[key] = [j.score]
    clusters = tuple(dict.fromkeys(c for c, _ in by_text))
    candidates = tuple(dict.fromkeys(ref.id for _, ref in by_text))
    if len(candidates) < 2:
        raise JudgmentsError(
            f"judgments {path}: every judgment names one candidate ({candidates[0]!r}); correlating a "
            "measure with people needs two candidates or more"
        )
    dimensions = tuple(dict.fromkeys(d for text in by_text.values() for d in text))
    measures = tuple(values.measures)
    ci = {c: i for i, c in enumerate(clusters)}
    si = {s: i for i, s in enumerate(candidates)}
    x = np.full((len(measures), len(clusters), len(candidates)), np.nan)
    h = np.full((len(dimensions), len(clusters), len(candidates)), np.nan)
    scores: dict[str, list[list[float]]] = {d: [] for d in dimensions}
    for (cluster, ref), dims in by_text.items():
        n, s = ci[cluster], si[ref.id]
        for m, name in enumerate(measures):
            value = values.values[(cluster, ref)].get(name)
            if value is not None:
                x[m, n, s] = value
        for d, dimension in enumerate(dimensions):
            if dimension in dims:
                given = [v for vs in dims[dimension].values() for v in vs]
                h[d, n, s] = float(np.mean(given))
                scores[dimension].append(given)
    unjudged = tuple(f"{c}/{r.id}" for c, r in values.values if (c, r) not in by_text)
    return Grid(measures, dimensions, clusters, candidates, x, h, scores, unjudged)


def _some(names: Mapping[str, object], limit: int = 8) -> str:
    shown = ", ".join(map(repr, list(names)[:limit]))
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"
