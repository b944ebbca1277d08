"""Runs a config end to end: corpus -> clean -> split -> summarize -> score -> aggregate.

Never prints: progress goes to an optional callback and everything else into the returned RunResult.
A bad document or a failing system is recorded and the run goes on (unless `on_error: stop`), so one
problem never loses what the others computed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.config import LoadedConfig, SystemConfig, check_config, id_clashes
from eval.options import ExecutionOptions, available_cores
from eval.results import Results
from eval.run.execution import worker_pool
from eval.run.progress import Progress, Steps, plural
from eval.run.result import RunResult, Sink, SystemRun, versions
from eval.run.scoring import ClusterTexts, Prepared
from eval.settings import Settings
from eval.stats.aggregate import Role, aggregate_units, compare_units
from eval.stats.units import ClusterUnits
from eval.tracking.semantic import Embedder
from summarize import registry
from summarize.base import Summary, run_info
from summarize.corpus import (
    CONFIG_OPTIONS,
    Cluster,
    Document,
    Problem,
    load_cluster,
    load_jsonl,
    repeated,
)
from summarize.datasets import DatasetCorpus, load_dataset_corpus
from summarize.errors import ConfigError, InputError, ModelUnavailableError, SumtrackError
from summarize.reading import Options
from summarize.text import one_per_line, split_sentences

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from eval.run.store import ClusterStore


# Below this many clusters the local engine scores in this process: starting a worker (~1 s of CPU to spawn,
# import and build its scorers) costs more than scoring a few clusters (~50 ms each).
FEW_CLUSTERS = 8


def load_corpus(loaded: LoadedConfig, names: Options = CONFIG_OPTIONS) -> DatasetCorpus:
    """Every cluster of the config's corpus, with the problems met reading it; `names`: what refusals call
    the codec and length settings (the config's keys; `sumtrack score` names its options)."""
    corpus = DatasetCorpus()
    encoding, max_chars = loaded.config.corpus.encoding, loaded.config.corpus.max_chars
    for files in loaded.clusters():
        cluster, problems = load_cluster(
            files.id, files.source, files.derivatives, files.references, encoding, max_chars, names
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
    options = loaded.dataset_options()
    if options is not None:
        part = load_dataset_corpus(options)
        corpus.clusters += part.clusters
        corpus.problems += part.problems
        corpus.outputs.update(part.outputs)
    dupes = repeated([c.id for c in corpus.clusters])
    if dupes:
        raise ConfigError(f"corpus: cluster ids {dupes} appear twice; give each cluster a distinct 'id'")
    clashes = [
        line
        for c in corpus.clusters
        for line in id_clashes(
            [(d.id, d.role, f"cluster {c.id!r} {d.role} {d.id!r}") for d in c.documents()], loaded.systems
        )
    ]
    if clashes:
        raise ConfigError("\n".join(dict.fromkeys(clashes)))
    return corpus


class Runner:
    """One run of one config. `run()` returns the RunResult; nothing is printed or written."""

    def __init__(
        self,
        loaded: LoadedConfig,
        progress: Progress | None = None,
        embedder: Embedder | None = None,
        store_dir: Path | None = None,
        sink: Sink | None = None,
        names: Options = CONFIG_OPTIONS,
    ) -> None:
        """`embedder` is used for semantic similarity when the config's tracking.semantic is on (default:
        the settings' all-MiniLM-L6-v2 Embedder, loaded on first use; it imports torch). With `store_dir`
        (`sumtrack run` uses `.<run folder>.clusters` beside the run folder) each cluster is recorded there
        as it finishes, and a run interrupted with the same settings, corpus and systems resumes from the
        clusters recorded (eval/run/store.py). With a `sink` (`sumtrack run` passes its RunFolder)
        each cluster's rows go there as it finishes and the result's table keeps only the first
        output.detail_clusters clusters' rows, so memory does not grow with the corpus; means and tests cover
        every cluster either way. `names`: what messages call the codec and length settings (the config's
        corpus.encoding and corpus.max_chars; `sumtrack score` passes its --encoding and --max-chars)."""
        self.loaded = loaded
        self.names = names
        self.store_dir = store_dir
        self.sink = sink
        self.options = loaded.config.execution.options()
        self.config = loaded.config
        self.progress = Steps(progress)
        self.settings = Settings.from_config(loaded.config)
        self.components = self.settings.build()
        if embedder is not None and self.settings.semantic:
            self.components = self.components.with_embedder(embedder)

    def run(self) -> RunResult:
        if self.options.engine != "ray":
            return self._run()
        from eval.run.execution import ray_session

        with ray_session(self.options):  # one Ray instance for generation and scoring
            return self._run()

    def _run(self) -> RunResult:
        result = RunResult(
            name=self.config.name,
            signature=str(self.components.signature()),
            settings=self.config.model_dump(mode="json"),
            versions=versions(),
        )
        if self.sink is not None:
            result.results = Results(keep=self.config.output.detail_clusters)
        wrong = check_config(self.loaded)  # the same checks as `validate`, before anything is computed
        if wrong:
            raise ConfigError("\n".join(wrong))
        self.progress.step("reading the corpus")
        corpus = load_corpus(self.loaded, self.names)
        result.problems += corpus.problems
        scoring = self.options
        if scoring.engine == "local" and len(corpus.clusters) < FEW_CLUSTERS:
            scoring = replace(scoring, workers=1)  # scored here: a worker costs more to start
        elif scoring.engine == "local":
            scoring = _capped(scoring, len(corpus.clusters), result.warnings)
        from eval.run.cluster_work import warm_worker

        # Worker processes start now and build their scorers (compiling the ROUGE kernels on a fresh
        # install) while this process cleans, runs the systems and embeds: by the first cluster, ready.
        with worker_pool(scoring, warm=partial(warm_worker, self.settings)) as pool:
            clusters = self._prepare(corpus.clusters, result)
            corpus.clusters.clear()  # the raw texts: from here on only their cleaned, split form is used
            sources = [docs[0] for docs in clusters.values()]
            for system in self.loaded.systems:
                if result.stopped:
                    result.systems.append(SystemRun(system.name, system.type, system.kind, "skipped"))
                    continue
                self._summarize(system, sources, result)
            for column, texts in corpus.outputs.items():
                self._existing(column, texts, sources, result)
            units = self._score(clusters, result, scoring, pool)
        spec = self.config.aggregate
        self.progress.step(f"means and intervals over {plural(result.scored, 'cluster')}")
        result.aggregates = aggregate_units(
            units, seed=spec.seed, samples=spec.bootstrap, confidence=spec.confidence
        )
        if spec.significance != "none":
            systems = [s.name for s in result.systems if s.status == "ok"]
            if len(systems) >= 2 and result.scored >= 2:  # else there is nothing to compare (issue 21)
                pairs = plural(len(systems) * (len(systems) - 1) // 2, "pair")
                self.progress.step(
                    f"comparing {len(systems)} systems ({pairs}, paired over {result.scored} clusters)"
                )
            result.comparisons = compare_units(units, systems, method=spec.significance, seed=spec.seed)
        return result

    def prepare(self, doc: Document, cluster: str, role: Role) -> Prepared:
        """Clean and split one document; raises InputError when nothing is left."""
        canonical = self.components.cleaner.canonical(doc.text, str(doc.path or doc.id))
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
                if not self.components.scorer.tokens(prepared.text):
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

    def _summarize(self, system: SystemConfig, sources: Sequence[Prepared], result: RunResult) -> None:
        run = SystemRun(system.name, system.type, system.kind)
        result.systems.append(run)
        if not sources:
            run.status = "skipped"
            return
        self.progress.step(
            f"summarizing with {system.name} ({plural(len(sources), 'document')})", len(sources)
        )
        start = time.perf_counter()
        summarizer = None
        try:
            if self.options.engine == "ray" and _generates_on_ray(system.type):
                summaries = _generate_on_ray(system, sources, self.options)
                run.info = {"engine": "ray"}
            else:
                summarizer = registry.create(system.name, system.type, system.params)
                summaries = []
                # Pieces of 4 batches, so progress counts documents as they go (no batches: one piece).
                step = 4 * getattr(system.params, "batch_size", 0) or len(sources)
                for at in range(0, len(sources), step):
                    summaries += _summaries_of(summarizer, sources[at : at + step])
                    done = min(at + step, len(sources))
                    self.progress.update(done, f"summarizing with {system.name}")
                run.info = run_info(summarizer)
            if len(summaries) != len(sources):
                raise RuntimeError(f"returned {len(summaries)} summaries for {len(sources)} texts")
        except ModelUnavailableError as exc:
            # Said once, in the system's status (issue 21): not also as a warning.
            run.status, run.error, run.reason, run.advice = "unavailable", str(exc), exc.short, exc.advice
        except SumtrackError as exc:
            run.status, run.error = "failed", str(exc)
        except Exception as exc:  # a broken system must not lose the other systems' results
            run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
        run.seconds = time.perf_counter() - start
        result.problems += getattr(summarizer, "problems", [])  # bad lines of a type: outputs file
        result.warnings += [f"system {system.name!r}: {w}" for w in getattr(summarizer, "warnings", [])]
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
            result.warnings += [f"system {system.name!r} on {source.cluster!r}: {n}" for n in summary.notes]
            if not text:
                result.warnings.append(
                    f"system {system.name!r} produced an empty summary for {source.cluster!r}"
                )

    def _existing(
        self, name: str, texts: dict[str, str], sources: Sequence[Prepared], result: RunResult
    ) -> None:
        """An existing system's summaries (a dataset's output column), scored like every system."""
        if name in {s.name for s in self.loaded.systems}:
            raise ConfigError(f"corpus.dataset.output_columns: {name!r} is also the name of a system")
        result.systems.append(SystemRun(name, "outputs", "abstractive"))
        for source in sources:
            text = texts.get(source.cluster)
            if text is None:
                _no_summary(name, source.cluster, result)  # unless the row's problem already says why
                continue
            canonical = one_per_line(split_sentences(text, "nupunkt"))
            prepared = Prepared(source.cluster, name, "system", canonical, len(canonical.split()))
            summary = Summary(text=text, system=name, settings={"column": name})
            result.summaries.append((source.cluster, summary, prepared))

    def _score(
        self,
        clusters: dict[str, list[Prepared]],
        result: RunResult,
        options: ExecutionOptions,
        pool: ProcessPoolExecutor | None = None,
    ) -> ClusterUnits:
        """Each cluster through `score_cluster` on the configured engine (eval.run.cluster_work), in corpus
        order as it finishes: its rows appended to the results table and handed to the sink, its units kept
        for the means (returned)."""
        from eval.run.cluster_work import fingerprint, score_clusters

        by_cluster = _summaries_by_cluster(result)
        items = [
            ClusterTexts(
                cid,
                docs[0],
                tuple(d for d in docs[1:] if d.role == "derivative"),
                tuple(d for d in docs[1:] if d.role == "reference"),
                tuple(by_cluster.get(cid, ())),
            )
            for cid, docs in clusters.items()
        ]
        store: ClusterStore | None = None
        if self.store_dir is not None and items:
            try:
                store = _open_store(self.store_dir, fingerprint(result.signature, self.settings, items))
                if store.dropped:
                    result.warnings.append(store.dropped)
            except OSError as exc:  # the run folder's own error comes when it is written; score anyway
                result.warnings.append(
                    f"cannot keep finished clusters in {self.store_dir}: {exc.strerror or exc}; "
                    "an interrupted run will start over"
                )
        if store is not None and store.done():
            result.resumed = len(store.done())
            self.progress.step(f"resuming: {plural(result.resumed, 'cluster')} already scored")
        units = ClusterUnits()
        warned = set(result.warnings)
        if self.sink is not None:
            self.sink.start(result)
        try:
            scored = score_clusters(items, self.settings, self.components.embedder, options, store, pool)
            what = "ROUGE, tracking and embedding" if self.settings.semantic else "ROUGE and tracking"
            self.progress.step(f"scoring {plural(len(items), 'cluster')} ({what})", len(items))
            for number, scores in enumerate(scored, 1):
                self.progress.update(number, f"scored cluster {scores.cluster}")
                result.results.add(scores)
                units.add(scores)
                if self.sink is not None:
                    self.sink.add(scores)
                for warning in scores.warnings:
                    if warning not in warned:
                        warned.add(warning)
                        result.warnings.append(warning)
        finally:
            if store is not None:
                store.close()
        return units


def _capped(options: ExecutionOptions, clusters: int, warnings: list[str]) -> ExecutionOptions:
    """Local workers, at most one per core and one per cluster: more only compete for the same cores (and
    each holds its own scorers in memory); a count set above that is capped with a note (issue 20)."""
    cores = available_cores()
    most = max(1, min(cores, clusters))
    if options.worker_count <= most:
        return options
    if options.workers is not None:
        why = f"this machine's {cores} cores" if most == cores else f"one per cluster, {clusters} clusters"
        warnings.append(f"execution.workers {options.workers}: {most} worker processes used ({why})")
    return replace(options, workers=most)


def _open_store(folder: Path, fingerprint: str) -> ClusterStore:
    """The run folder's cluster store; one made with other settings or another corpus is started afresh
    (its clusters would not be this run's)."""
    from eval.run.cluster_work import decode
    from eval.run.store import FILE_NAME, ClusterStore

    try:
        return ClusterStore.open(folder / FILE_NAME, fingerprint, check=decode)
    except ConfigError:
        return ClusterStore.open(folder / FILE_NAME, fingerprint, resume=False)


def _generates_on_ray(system_type: str) -> bool:
    """Systems that compute their summaries (extractive, Hugging Face models) run as Ray actors; existing
    outputs and remote servers are looked up or called from the driver."""
    from summarize import extractive
    from summarize.hf import config as hf_config

    return system_type in {t.name for t in (*extractive.SYSTEM_TYPES, *hf_config.SYSTEM_TYPES)}


def _generate_on_ray(
    system: SystemConfig, sources: Sequence[Prepared], options: ExecutionOptions
) -> list[Summary | None]:
    """The system over the sources as Ray Data batches: the model loaded once per actor; a system that
    asks for GPUs (`num_gpus`, or a cuda device) gets one actor per GPU share the cluster has, extractive
    systems one actor per worker."""
    import ray

    from eval.run.execution import generate_with_ray, num_gpus_for

    factory = partial(registry.create, system.name, system.type, system.params)
    gpus = num_gpus_for(system.params)
    if gpus:
        actors = max(1, int(ray.cluster_resources().get("GPU", 0) // gpus))
    elif system.kind == "extractive":
        actors = options.worker_count
    else:
        actors = 1  # a CPU model per actor would multiply its memory
    return generate_with_ray(factory, [s.text for s in sources], options, actors=actors, num_gpus=gpus)


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
