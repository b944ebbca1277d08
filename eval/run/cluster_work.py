"""Scoring a run's clusters on the execution engines, each finished cluster streamed to the run's store.

The driver embeds the sentences of a block of clusters in batched calls (one loaded model, its threads on
every core), then sends each cluster with its own sentence vectors to `score_job`, which runs wherever the
engine puts it: this process, a spawned worker or a Ray task. Workers build their scorers once per process
(`components_for`) and look vectors up (`Embedder.lookup_only`), so no worker loads the embedding model
and every engine scores with the very same vectors: local with one worker, local with many, and Ray give
the same numbers bit for bit.

Each finished cluster is appended to the `ClusterStore` (eval/run/store.py) before the next is taken; a run
that finds a store with its own fingerprint (settings, corpus texts and systems' summaries) reads the
clusters done there back instead of scoring them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.options import ExecutionOptions
from eval.results import ClusterScores, Ref, Row, Tracked
from eval.run.execution import map_clusters
from eval.run.scoring import ClusterTexts, score_cluster
from eval.settings import Components, Settings, components_for
from summarize.errors import ModelUnavailableError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    from eval.run.store import ClusterStore
    from eval.tracking.semantic import Embedder

# Clusters whose sentences the driver embeds in one go: large enough for full batches, small enough that
# the vectors held at once stay a few tens of MB.
EMBED_BLOCK = 128


@dataclass(frozen=True)
class ClusterJob:
    """A cluster's texts and, with semantic tracking, its sentences' vectors (or why there are none)."""

    texts: ClusterTexts
    vectors: dict[bytes, np.ndarray] | None = None
    unavailable: str | None = None


def score_job(settings: Settings, job: ClusterJob) -> ClusterScores:
    """`score_cluster` with this process's components and the job's vectors; picklable with `partial`."""
    parts: Components = components_for(settings)
    if settings.semantic:
        from eval.tracking.semantic import Embedder

        parts = parts.with_embedder(Embedder.lookup_only(job.vectors or {}, job.unavailable))
    return score_cluster(job.texts, settings, parts)


def warm_worker(settings: Settings) -> None:
    """A worker's start (the pool's initializer, execution.worker_pool): build its scorers and run the
    ROUGE kernels once on two tiny texts, so that on a fresh install their compilation (numba, ~10 s of CPU,
    cached on disk for every later process) happens while the driver is still reading and cleaning. One
    worker compiles at a time (a file lock): the others then load what it cached instead of compiling the
    same code side by side on the same cores. With entity support, the worker loads its spaCy pipeline
    too (a second or more: importing spaCy, reading the weights), in parallel with the same preparation,
    not in its first cluster; a pipeline that cannot load fails here as it would there (each profile
    records the reason)."""
    parts = components_for(settings)
    with _compile_lock():
        parts.scorer.score_pairs(targets=["a b c\nd e"], predictions=["a c b\ne d"])
    if parts.entities is not None:
        import eval.tracking.entities  # noqa: F401  # the matching modules, imported here too

        with contextlib.suppress(ModelUnavailableError):
            parts.entities.load()


@contextlib.contextmanager
def _compile_lock() -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: each worker compiles (or loads) on its own
        yield
        return
    path = Path(tempfile.gettempdir()) / f"sumtrack-compile-{os.getuid()}.lock"
    try:
        handle = path.open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def texts_of(cluster: ClusterTexts) -> list[str]:
    return [t.text for t in (cluster.source, *cluster.derivatives, *cluster.references, *cluster.summaries)]


def jobs(clusters: Iterable[ClusterTexts], embedder: Embedder | None) -> Iterator[ClusterJob]:
    """Jobs for `clusters`, read lazily; with an embedder, each block's sentences embedded at once."""
    from eval.run.execution import _chunks
    from eval.tracking.profile import sentences

    for block in _chunks(clusters, EMBED_BLOCK):
        if embedder is None:
            yield from (ClusterJob(texts) for texts in block)
            continue
        failure = None
        try:
            embedder.prefetch(s for texts in block for text in texts_of(texts) for s in sentences(text))
        except ModelUnavailableError as exc:  # each profile records the reason
            failure = str(exc)
        for texts in block:
            vectors = None
            if failure is None:
                vectors = embedder.vectors(s for text in texts_of(texts) for s in sentences(text))
            yield ClusterJob(texts, vectors, failure)
        embedder.forget()


def fingerprint(signature: str, settings: Settings, clusters: Sequence[ClusterTexts]) -> str:
    """What a store's results depend on: the signature, what is computed, and every text scored."""
    digest = hashlib.sha256()
    # The signature holds the tokenizer, stemming and multi-reference rule, but not which types are scored;
    # cleaning and splitting show in the texts themselves.
    head = [signature, settings.rouge_types, settings.tracking, settings.semantic, settings.embedding_model]
    head += [settings.entities, settings.entity_pipeline]
    # The faithfulness models' settings in full (the signature abbreviates a replaced judge prompt).
    head.append(repr((settings.likelihood, settings.nli, settings.judge)))
    digest.update(json.dumps(head).encode())
    for cluster in clusters:
        parts = (cluster.source, *cluster.derivatives, *cluster.references, *cluster.summaries)
        for t in parts:
            digest.update(json.dumps([cluster.id, t.role, t.id, t.text]).encode())
    return f"{signature}#{digest.hexdigest()[:16]}"


def encode(scores: ClusterScores) -> dict[str, Any]:
    """A cluster's results as JSON-able data (floats exact through repr); `decode` reverses it.

    Rows go in columns: each distinct text ref and label (family, measure, stat) once, then per row the
    index of its candidate, target and label and its value (flat lists of numbers, which json encodes in C:
    a SummEval-shaped cluster has ~3,500 rows)."""
    refs: dict[Ref, int] = {}
    labels: dict[tuple[str, str, str], int] = {}
    rows = scores.rows
    return {
        "candidates": [refs.setdefault(r.candidate, len(refs)) for r in rows],
        "targets": [refs.setdefault(r.target, len(refs)) for r in rows],
        "labels_of_rows": [labels.setdefault((r.family, r.measure, r.stat), len(labels)) for r in rows],
        "values": [r.value for r in rows],
        "refs": [[ref.kind, ref.id] for ref in refs],
        "row_labels": [list(label) for label in labels],
        "tracked": [[t.id, t.kind, t.profile.to_dict()] for t in scores.tracked],
        "labels": list(scores.matrix_labels),
        "unavailable": [list(pair) for pair in scores.unavailable],
        "warnings": list(scores.warnings),
    }


def decode(cluster: str, record: dict[str, Any]) -> ClusterScores:
    from eval.tracking.profile import TrackingProfile

    refs = [Ref(kind, id) for kind, id in record["refs"]]  # one Ref per text: rows share them
    # Labels are (family, measure, stat) as written by `encode`.
    labels = record["row_labels"]
    rows = tuple(
        Row(cluster, refs[c], refs[t], labels[k][0], labels[k][1], labels[k][2], value)
        for c, t, k, value in zip(
            record["candidates"], record["targets"], record["labels_of_rows"], record["values"], strict=True
        )
    )
    tracked = tuple(
        Tracked(cluster, id, kind, TrackingProfile.from_dict(profile))
        for id, kind, profile in record["tracked"]
    )
    return ClusterScores(
        cluster,
        rows,
        tracked,
        tuple(record["labels"]),
        tuple((metric, reason) for metric, reason in record["unavailable"]),
        tuple(record["warnings"]),
    )


def score_clusters(
    clusters: Sequence[ClusterTexts],
    settings: Settings,
    embedder: Embedder | None,
    options: ExecutionOptions,
    store: ClusterStore | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[ClusterScores]:
    """Every cluster's scores, in the order of `clusters`. Clusters the store holds are read back from it;
    the others are scored on the engine and appended to the store as they finish."""
    done = store.done() if store is not None else frozenset()
    path = store.path if store is not None else None
    offsets = _offsets(path, done) if path is not None and done else {}
    todo = (c for c in clusters if c.id not in done)
    fresh = map_clusters(partial(score_job, settings), jobs(todo, embedder), options, pool=pool)
    for cluster in clusters:
        if cluster.id in done:
            yield decode(cluster.id, _read_at(path, offsets[cluster.id]))  # type: ignore[arg-type]
            continue
        _, scores = next(fresh)
        if scores.cluster != cluster.id:  # map_clusters keeps input order; never mix clusters up
            raise RuntimeError(f"scores of {scores.cluster!r} arrived for cluster {cluster.id!r}")
        if store is not None:
            try:
                store.append(cluster.id, encode(scores))
            except OSError:  # a full disk: keep scoring (the numbers matter more than resuming)
                store.close()
                store = None
        yield scores
    for _ in fresh:  # closes the engine (worker pool, Ray tasks)
        raise RuntimeError("the engine returned more clusters than it was given")


def _offsets(path: Path, wanted: frozenset[str]) -> dict[str, int]:
    """Byte offset of each wanted cluster's line in the store file."""
    out: dict[str, int] = {}
    with path.open("rb") as handle:
        offset = len(handle.readline())
        for line in handle:
            if not line.endswith(b"\n"):
                break
            cluster = json.loads(line)["cluster"]
            if cluster in wanted:
                out[cluster] = offset
            offset += len(line)
    return out


def _read_at(path: Path, offset: int) -> dict[str, Any]:
    with path.open("rb") as handle:
        handle.seek(offset)
        record: dict[str, Any] = json.loads(handle.readline())["record"]
        return record
