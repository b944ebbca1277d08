"""Runs a config end to end: corpus -> clean -> split -> summarize -> score -> aggregate.

Never prints: progress goes to an optional callback and everything else into the returned RunResult.
A bad document or a failing system is recorded and the run goes on (unless `on_error: stop`), so one
problem never loses what the others computed.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

from eval.aggregate import AggregateRow, Comparison, Role, ScoreRow, aggregate, compare_systems
from eval.config import LoadedConfig, SystemConfig
from eval.matrices import Matrix, cluster_matrices
from eval.rouge import Scorer
from eval.semantic import Embedder
from eval.signature import Signature
from eval.tracking import TRACKING_ROUGE_TYPES, TrackingProfile, track
from summarize import registry
from summarize.base import Summary, run_info
from summarize.corpus import (
    Cluster,
    Document,
    LoadedCorpus,
    Problem,
    load_cluster,
    load_jsonl,
    repeated,
)
from summarize.errors import ConfigError, InputError, ModelUnavailableError, SumtrackError
from summarize.text import DroppedLine, one_per_line, split_sentences, to_canonical

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    """A document after cleaning and sentence splitting."""

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


@dataclass(frozen=True)
class Tracked:
    """How closely one text (derivative, reference or system summary) tracks its cluster's source."""

    cluster: str
    id: str
    kind: Role
    profile: TrackingProfile


@dataclass
class SystemRun:
    name: str
    type: str
    kind: str
    status: Literal["ok", "unavailable", "failed", "skipped"] = "ok"
    error: str | None = None
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
    scores: list[ScoreRow] = field(default_factory=list)
    aggregates: list[AggregateRow] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    tracking: list[Tracked] = field(default_factory=list)
    matrices: dict[str, dict[str, Matrix | str]] = field(default_factory=dict)  # cluster -> metric -> matrix
    systems: list[SystemRun] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (on_error: stop)

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
    for package in ("sumtrack", "rouge-score", "nupunkt", "transformers", "torch"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def signature_for(loaded: LoadedConfig) -> Signature:
    c = loaded.config
    cleaning = "no"
    if c.cleaning.enabled:
        custom = sorted(c.cleaning.disable) + list(c.cleaning.extra_patterns)
        cleaning = (
            "yes" if not custom else "custom-" + hashlib.sha256("\n".join(custom).encode()).hexdigest()[:8]
        )
    return Signature(
        tokenizer=c.rouge.tokenizer,
        stem=c.rouge.stem,
        split=c.sentences.split,
        cleaning=cleaning,
        normalize=c.cleaning.normalize,
        multi_ref=c.rouge.multi_ref,
        bootstrap=c.aggregate.bootstrap,
        confidence=c.aggregate.confidence,
        seed=c.aggregate.seed,
        significance=c.aggregate.significance,
    )


def load_corpus(loaded: LoadedConfig) -> LoadedCorpus:
    corpus = LoadedCorpus()
    encoding, max_chars = loaded.config.corpus.encoding, loaded.config.corpus.max_chars
    for files in loaded.clusters():
        cluster, problems = load_cluster(
            files.id, files.source, files.derivatives, files.references, encoding, max_chars
        )
        corpus.problems += problems
        if cluster is not None:
            corpus.clusters.append(cluster)
    for path in loaded.jsonl_files():
        try:
            part = load_jsonl(path, encoding, max_chars)
        except InputError as exc:
            corpus.problems.append(Problem("-", str(path), str(exc)))
            continue
        corpus.clusters += part.clusters
        corpus.problems += part.problems
    dupes = repeated([c.id for c in corpus.clusters])
    if dupes:
        raise ConfigError(f"corpus: cluster ids {dupes} appear twice; give each cluster a distinct 'id'")
    return corpus


class Runner:
    """One run of one config. `run()` returns the RunResult; nothing is printed or written."""

    def __init__(
        self, loaded: LoadedConfig, progress: Progress | None = None, embedder: Embedder | None = None
    ) -> None:
        """`embedder` is used for semantic similarity when the config's tracking.semantic is on (default:
        a new all-MiniLM-L6-v2 Embedder, loaded on first use; it imports torch)."""
        self.loaded = loaded
        wanted = loaded.config.tracking.semantic
        self.embedder = (embedder or Embedder()) if wanted else None
        self.config = loaded.config
        self.progress = progress or (lambda message: None)
        self.scorer = Scorer(
            self.config.rouge.types,
            stem=self.config.rouge.stem,
            tokenizer=self.config.rouge.tokenizer,
            multi_ref=self.config.rouge.multi_ref,
        )
        self.cleaning = self.config.cleaning.options()
        # Same tokenizer and stemming as the score tables, so the profiles' ROUGE figures match them.
        self.tracking_scorer = Scorer(
            TRACKING_ROUGE_TYPES, stem=self.config.rouge.stem, tokenizer=self.config.rouge.tokenizer
        )

    def run(self) -> RunResult:
        result = RunResult(
            name=self.config.name,
            signature=str(signature_for(self.loaded)),
            settings=self.config.model_dump(mode="json"),
            versions=versions(),
        )
        self.progress("reading the corpus")
        corpus = load_corpus(self.loaded)
        result.problems += corpus.problems
        clusters = self._prepare(corpus.clusters, result)
        self._check_names(clusters)
        sources = [docs[0] for docs in clusters.values()]
        for system in self.loaded.systems:
            if result.stopped:
                result.systems.append(SystemRun(system.name, system.type, system.kind, "skipped"))
                continue
            self._summarize(system, sources, result)
        self.progress("scoring")
        result.scores = self._score(clusters, result)
        spec = self.config.aggregate
        result.aggregates = aggregate(
            result.scores, seed=spec.seed, samples=spec.bootstrap, confidence=spec.confidence
        )
        if spec.significance != "none":
            systems = [s.name for s in result.systems if s.status == "ok"]
            result.comparisons = compare_systems(
                result.scores, systems, method=spec.significance, seed=spec.seed
            )
        if self.config.tracking.enabled:
            self._track(clusters, result)
        return result

    def prepare(self, doc: Document, cluster: str, role: Role) -> Prepared:
        """Clean and split one document; raises InputError when nothing is left."""
        canonical = to_canonical(
            doc.text, self.cleaning, self.config.sentences.split, str(doc.path or doc.id)
        )
        return Prepared(
            cluster,
            doc.id,
            role,
            canonical.text,
            len(canonical.text.split()),
            str(doc.path) if doc.path else None,
            canonical.dropped,
            doc.encoding,
            canonical.kept,
            canonical.warning,
        )

    def _prepare(self, clusters: Iterable[Cluster], result: RunResult) -> dict[str, list[Prepared]]:
        out: dict[str, list[Prepared]] = {}
        tokenizer = self.config.rouge.tokenizer
        for cluster in clusters:
            docs: list[Prepared] = []
            for doc in cluster.documents():
                try:
                    prepared = self.prepare(doc, cluster.id, doc.role)
                except InputError as exc:
                    result.problems.append(Problem(cluster.id, doc.id, str(exc)))
                    if doc.role == "source":
                        break
                    continue
                if prepared.warning:
                    result.warnings.append(f"{prepared.path or prepared.id}: {prepared.warning}")
                if not self.scorer.tokens(prepared.text):
                    hint = (
                        "; set rouge.tokenizer: unicode to keep letters of every script"
                        if tokenizer == "default"
                        else ""
                    )
                    result.warnings.append(
                        f"{prepared.path or prepared.id}: yields no ROUGE tokens with tokenizer {tokenizer!r}"
                        f" (its scores will be 0){hint}"
                    )
                docs.append(prepared)
            result.documents += docs
            if docs:  # empty when the source failed: the cluster has nothing to score against
                out[cluster.id] = docs
        return out

    def _check_names(self, clusters: dict[str, list[Prepared]]) -> None:
        names = {s.name for s in self.loaded.systems}
        for cid, docs in clusters.items():
            clash = names & {d.id for d in docs}
            if clash:
                raise ConfigError(
                    f"systems: name(s) {sorted(clash)} are also document ids in cluster {cid!r}; "
                    "rename the systems so rows stay unambiguous"
                )

    def _summarize(self, system: SystemConfig, sources: Sequence[Prepared], result: RunResult) -> None:
        run = SystemRun(system.name, system.type, system.kind)
        result.systems.append(run)
        if not sources:
            run.status = "skipped"
            return
        self.progress(f"summarizing with {system.name} ({len(sources)} documents)")
        start = time.perf_counter()
        summarizer = None
        try:
            summarizer = registry.create(system.name, system.type, system.params)
            summaries = _summaries_of(summarizer, sources)
            if len(summaries) != len(sources):
                raise RuntimeError(f"returned {len(summaries)} summaries for {len(sources)} texts")
            run.info = run_info(summarizer)
        except ModelUnavailableError as exc:
            run.status, run.error = "unavailable", str(exc)
        except SumtrackError as exc:
            run.status, run.error = "failed", str(exc)
        except Exception as exc:  # a broken system must not lose the other systems' results
            run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
        run.seconds = time.perf_counter() - start
        result.problems += getattr(summarizer, "problems", [])  # bad lines of a type: outputs file
        if run.status != "ok":
            if self.config.on_error == "stop":
                result.stopped = f"system {system.name!r} {run.status}: {run.error}"
            return
        for source, summary in zip(sources, summaries, strict=True):
            if summary is None:
                _no_summary(system.name, source.cluster, result)
                continue
            sentences = (
                [s for s in summary.text.split("\n") if s.strip()]
                if system.kind == "extractive"
                else split_sentences(summary.text, "nupunkt")
            )
            text = one_per_line(sentences)
            prepared = Prepared(source.cluster, system.name, "system", text, len(text.split()))
            result.summaries.append((source.cluster, summary, prepared))
            if not text:
                result.warnings.append(
                    f"system {system.name!r} produced an empty summary for {source.cluster!r}"
                )

    def _track(self, clusters: dict[str, list[Prepared]], result: RunResult) -> None:
        """Tracking profile of every text against its source, and each cluster's pairwise matrices."""
        by_cluster = _summaries_by_cluster(result)
        for number, (cid, docs) in enumerate(clusters.items(), 1):
            self.progress(f"tracking cluster {cid} ({number}/{len(clusters)})")
            source = docs[0]
            texts = [t for t in (*docs[1:], *by_cluster.get(cid, [])) if t.text]
            result.tracking += [
                Tracked(
                    cid,
                    t.id,
                    t.role,
                    track(source.text, t.text, scorer=self.tracking_scorer, embedder=self.embedder),
                )
                for t in texts
            ]
            everything = {source.id: source.text, **{t.id: t.text for t in texts}}
            result.matrices[cid] = cluster_matrices(everything, embedder=self.embedder)

    def _score(self, clusters: dict[str, list[Prepared]], result: RunResult) -> list[ScoreRow]:
        by_cluster = _summaries_by_cluster(result)
        rows: list[ScoreRow] = []
        for cid, docs in clusters.items():
            source, others = docs[0], docs[1:]
            derivatives = [d for d in others if d.role == "derivative"]
            references = [d for d in others if d.role == "reference"]
            systems = by_cluster.get(cid, [])
            rows += self._pairs(cid, source, [*derivatives, *systems])
            for target in (*derivatives, *references):
                rows += self._pairs(cid, target, systems)
            if len(references) > 1 and systems:
                rows += self._pairs(cid, references, systems)
        return rows

    def _pairs(
        self, cid: str, target: Prepared | list[Prepared], candidates: Sequence[Prepared]
    ) -> list[ScoreRow]:
        if not candidates:
            return []
        if isinstance(target, list):
            texts: str | list[str] = [t.text for t in target]
            target_id, target_kind = "references", "references"
        else:
            texts, target_id, target_kind = target.text, target.id, target.role
        scores = self.scorer.score_many(target=texts, predictions=[c.text for c in candidates])
        return [
            ScoreRow(cid, cand.id, target_id, metric, s.precision, s.recall, s.f1, cand.role, target_kind)
            for cand, per_type in zip(candidates, scores, strict=True)
            for metric, s in per_type.items()
        ]


def _summaries_of(summarizer: Any, sources: Sequence[Prepared]) -> list[Summary | None]:
    """summarize(texts), or summarize_clusters(ids, texts) where a system has it: `type: outputs` looks
    summaries up by cluster id (None: none for that cluster); remote systems name clusters in errors."""
    texts = [s.text for s in sources]
    by_cluster = getattr(summarizer, "summarize_clusters", None)
    if callable(by_cluster):
        return list(by_cluster([s.cluster for s in sources], texts))
    return list(summarizer.summarize(texts))


def _no_summary(system: str, cluster: str, result: RunResult) -> None:
    """A cluster a system has no summary for is a problem, unless one already says why (a bad file)."""
    if not any(p.cluster == cluster and p.document == system for p in result.problems):
        result.problems.append(
            Problem(cluster, system, f"system {system!r} has no summary for cluster {cluster!r}")
        )


def _summaries_by_cluster(result: RunResult) -> dict[str, list[Prepared]]:
    by_cluster: dict[str, list[Prepared]] = defaultdict(list)
    for cluster, _, prepared in result.summaries:
        by_cluster[cluster].append(prepared)
    return by_cluster
