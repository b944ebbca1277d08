"""A synthetic run result at any size, for the report's size test and benchmarks/report_open.py.

Shaped like SummEval (CNN/DM): each cluster has a ~700-word source, three ~300-word derivatives that copy and
reword parts of it, ten ~60-word references and fourteen ~60-word system summaries: 28 texts. Texts are
made of invented words (seeded), and every measure is a seeded random number in its range: this exercises
the report's size and layout, not the measures.
"""

from __future__ import annotations

import random
from itertools import combinations

from eval.results import ALL, ALL_DERIVATIVES, ALL_REFERENCES, ClusterScores, Ref, Results, Row, Tracked
from eval.rouge.scorer import Score
from eval.run.result import RunResult, SystemRun
from eval.run.scoring import Prepared
from eval.stats.aggregate import Comparison, ScoreRow, aggregate
from eval.tracking.alignment import AlignedSentence, Alignment
from eval.tracking.matrices import Matrix
from eval.tracking.profile import TrackingProfile
from summarize.base import Summary
from summarize.corpus import Problem
from summarize.text import DroppedLine

METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "to",
        "sa",
        "vel",
        "du",
        "po",
        "ni",
        "ar",
        "est",
        "ul",
        "bra",
        "chi",
    ]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(size)]


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def _reworded(rng: random.Random, words: list[str], sentence: str, share: float) -> str:
    out = [w if rng.random() > share else rng.choice(words) for w in sentence.rstrip(".").split()]
    return " ".join(out) + "."


def _score(rng: random.Random) -> Score:
    p, r = rng.uniform(0.3, 1.0), rng.uniform(0.02, 0.7)
    return Score(p, r, 2 * p * r / (p + r))


def _triple(rng: random.Random) -> tuple[float, float, float]:
    s = _score(rng)
    return s.precision, s.recall, s.f1


def _profile(rng: random.Random, source: list[str], text: list[str]) -> TrackingProfile:
    novel = {n: rng.uniform(0.0, 0.3 * n) for n in (1, 2, 3, 4)}
    semantic = rng.uniform(0.4, 1.0)
    pairs = tuple(
        AlignedSentence(
            i, rng.randrange(len(source)) if rng.random() < 0.8 else None, round(rng.uniform(0.2, 1), 3)
        )
        for i in range(len(text))
    )
    return TrackingProfile(
        source_words=sum(len(s.split()) for s in source),
        text_words=sum(len(s.split()) for s in text),
        rouge={t: _score(rng) for t in ("rouge1", "rouge2", "rougeL")},
        coverage=rng.uniform(0.5, 1.0),
        density=rng.uniform(1, 40),
        compression=rng.uniform(1, 15),
        novel_ngrams=novel,
        longest_fragment=rng.randint(3, 60),
        longest_fragment_text="",
        semantic=semantic,
        semantic_reason=None,
        alignment=Alignment("semantic", 0.5, pairs, rng.uniform(-0.2, 1.0)),
        closeness=(semantic + 1 - min(novel[3], 1)) / 2,
    )


def _matrix(rng: random.Random, metric: str, labels: list[str]) -> Matrix:
    n = len(labels)
    values = [[1.0] * n for _ in range(n)]
    for i, j in combinations(range(n), 2):
        values[i][j] = values[j][i] = rng.uniform(0, 0.9)
    return Matrix(metric, tuple(labels), tuple(tuple(row) for row in values))


def _add_cluster(
    result: RunResult,
    cid: str,
    scores: list[ScoreRow],
    tracked: list[Tracked],
    texts: list[Prepared],
    matrices: list[Matrix],
) -> None:
    """Put one cluster's numbers into the result's table, as the runner does."""
    kinds = {t.id: t.role for t in texts}
    rows = [
        Row(cid, Ref(r.candidate_kind, r.candidate), Ref(r.target_kind, r.target), "rouge", r.metric, stat, v)
        for r in scores
        for stat, v in (("precision", r.precision), ("recall", r.recall), ("f1", r.f1))
    ]
    rows += [
        Row(cid, Ref(kinds[a], a), Ref(kinds[b], b), "matrix", m.metric, "value", m.values[i][j])
        for m in matrices
        for i, a in enumerate(m.labels)
        for j, b in enumerate(m.labels)
    ]
    result.results.add(ClusterScores(cid, tuple(rows), tuple(tracked), matrix_labels=matrices[0].labels))


def synthetic_result(
    clusters: int = 100,
    *,
    derivatives: int = 3,
    references: int = 10,
    systems: int = 14,
    seed: int = 0,
    bootstrap: int = 200,
) -> RunResult:
    """A RunResult of `clusters` clusters of 1 + derivatives + references + systems texts."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    names = [f"system-{k:02d}" for k in range(systems)]
    result = RunResult("synthetic", "rouge|synthetic", {}, {})
    result.systems = [SystemRun(n, "lead", "extractive", seconds=rng.uniform(0, 3)) for n in names]
    result.systems.append(
        SystemRun("bart-large-cnn", "seq2seq", "abstractive", "unavailable", "not in the Hugging Face cache")
    )
    for c in range(clusters):
        cid = f"cluster-{c:03d}"
        source = [_sentence(rng, words, 20) for _ in range(35)]
        docs = [Prepared(cid, f"{cid}-source", "source", "\n".join(source), 700)]
        docs[0] = Prepared(
            cid, docs[0].id, "source", docs[0].text, 700, dropped=(DroppedLine(1, "byline", "By Jane Doe"),)
        )
        for d in range(derivatives):
            kept = sorted(rng.sample(range(len(source)), 15))
            text = [_reworded(rng, words, source[k], 0.1 + 0.2 * d) for k in kept]
            docs.append(Prepared(cid, f"derivative-{d}", "derivative", "\n".join(text), 300))
        for r in range(references):
            text = [_reworded(rng, words, rng.choice(source), 0.5) for _ in range(3)]
            docs.append(Prepared(cid, f"reference-{r:02d}", "reference", "\n".join(text), 60))
        result.documents += docs
        summaries = []
        for name in names:
            text = "\n".join(source[:3])
            prepared = Prepared(cid, name, "system", text, 60)
            summaries.append(prepared)
            result.summaries.append((cid, Summary(text, name), prepared))
        texts = docs[1:] + summaries
        tracked = [Tracked(cid, t.id, t.role, _profile(rng, source, t.sentences)) for t in texts]
        scores = [
            ScoreRow(cid, t.id, docs[0].id, m, *_triple(rng), t.role, "source")
            for t in texts
            for m in METRICS
        ]
        for s in summaries:
            for target in docs[1:]:
                scores += [
                    ScoreRow(cid, s.id, target.id, m, *_triple(rng), "system", target.role) for m in METRICS
                ]
            scores += [ScoreRow(cid, s.id, ALL, m, *_triple(rng), "system", "references") for m in METRICS]
        labels = [d.id for d in docs] + [s.id for s in summaries]
        matrices = [_matrix(rng, "rouge2_f1", labels), _matrix(rng, "semantic", labels)]
        _add_cluster(result, cid, scores, tracked, [*docs, *summaries], matrices)
    result.aggregates = aggregate(result.scores, seed=0, samples=bootstrap, confidence=0.95)
    result.comparisons = [
        Comparison(a, b, target, m, "permutation", clusters, 0.4, 0.38, 0.02, rng.random(), None, None, 0)
        for target in (ALL_REFERENCES, ALL_DERIVATIVES)
        for m in METRICS
        for a, b in combinations(names, 2)
    ]
    result.problems.append(Problem("cluster-000", "missing.txt", "missing.txt: no such file"))
    result.warnings.append("system 'bart-large-cnn' unavailable: not in the Hugging Face cache")
    return result


def large_result(total: int, detail: int, *, held: int | None = None) -> RunResult:
    """`total` small synthetic clusters, output.detail_clusters = `detail`; with `held`, a streamed run
    whose results table keeps only the first `held` clusters' rows."""
    result = synthetic_result(total, references=2, systems=3, bootstrap=50)
    result.settings = {"output": {"detail_clusters": detail}, "rouge": {"types": list(METRICS)}}
    if held is not None:  # as `sumtrack run` streams: every cluster added, the first `held` kept
        streamed = Results(keep=held)
        for scores in result.results.cluster_scores():
            streamed.add(scores)
        result.results = streamed
    return result
