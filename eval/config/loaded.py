"""A validated config and what it resolves to: systems with typed settings, clusters of files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eval.config.schema import ClusterSpec, Config, DocSpec
from summarize.corpus import DocRef, doc_id, expand_path, resolve
from summarize.datasets import FILE_BUILDERS, DatasetOptions
from summarize.errors import ConfigError, InputError


@dataclass(frozen=True)
class SystemConfig:
    name: str
    type: str
    kind: str
    params: BaseModel


@dataclass(frozen=True)
class ClusterFiles:
    id: str
    source: DocRef
    derivatives: tuple[DocRef, ...]
    references: tuple[DocRef, ...]
    places: tuple[str, ...] = ()  # where each document is in the config: source, derivatives, references

    def named(self) -> list[tuple[str, str, str]]:
        docs = [
            (self.source, "source"),
            *((d, "derivative") for d in self.derivatives),
            *((r, "reference") for r in self.references),
        ]
        places = self.places or tuple(f"cluster {self.id!r} {role} {d.id!r}" for d, role in docs)
        return [(d.id, role, where) for (d, role), where in zip(docs, places, strict=True)]


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus what it resolves to: systems with typed settings, files as paths."""

    config: Config
    path: Path | None
    base: Path
    systems: tuple[SystemConfig, ...]
    raw: dict[str, Any]

    def resolve(self, relative: str) -> Path:
        """A path of the config, relative to its folder; `~` and `$VAR` expanded (reading.expand_path)."""
        try:
            return resolve(self.base / expand_path(relative))
        except InputError as exc:
            raise ConfigError(str(exc)) from None

    def clusters(self) -> list[ClusterFiles]:
        clusters = [self._cluster(i, spec) for i, spec in enumerate(self.config.corpus.clusters)]
        problems = []
        seen: dict[str, int] = {}
        for i, cluster in enumerate(clusters):
            if cluster.id in seen:
                problems.append(
                    f"corpus.clusters[{i}] and corpus.clusters[{seen[cluster.id]}]: both have cluster id "
                    f"{cluster.id!r}; give each cluster a distinct 'id'"
                )
            seen.setdefault(cluster.id, i)
            problems += id_clashes(cluster.named(), self.systems)
        if problems:
            raise ConfigError("\n".join(problems))
        return clusters

    def jsonl_files(self) -> list[Path]:
        return [self.resolve(p) for p in self.config.corpus.jsonl]

    def dataset_options(self) -> DatasetOptions | None:
        """The `corpus.dataset` section with a local path made relative to the config file."""
        spec = self.config.corpus.dataset
        if spec is None:
            return None
        path = spec.path
        try:
            local = self.base / expand_path(path)
        except InputError as exc:
            raise ConfigError(f"corpus.dataset.path: {exc}") from None
        if path.startswith((".", "/", "~", "$")) or local.exists() or local.suffix.lower() in FILE_BUILDERS:
            path = str(resolve(local))
        values = spec.model_dump()
        values["path"] = path
        return DatasetOptions(**values)

    def output_dir(self) -> Path:
        """The run folder: a relative `output.dir`, or its default `runs/<name>`, is in the current
        directory, as `--out` is (issue 21: a config's run landing beside the config's folder surprised its
        user). What a config reads is relative to the config; what a run writes is where it is run."""
        try:
            where = expand_path(self.config.output.dir or str(Path("runs") / self.config.name))
        except InputError as exc:
            raise ConfigError(str(exc)) from None
        return resolve(Path.cwd() / where)

    def _cluster(self, index: int, spec: ClusterSpec) -> ClusterFiles:
        where = f"corpus.clusters[{index}]"
        source = self._refs(spec.source, f"{where}.source")[0]
        exclude = {source[0].path} if source[0].path else set()
        derivatives = self._expand(spec.derivatives, f"{where}.derivatives", exclude)
        references = self._expand(spec.references, f"{where}.references", exclude)
        return ClusterFiles(
            spec.id or source[0].id,
            source[0],
            tuple(r for r, _ in derivatives),
            tuple(r for r, _ in references),
            (source[1], *(w for _, w in derivatives), *(w for _, w in references)),
        )

    def _expand(self, specs: Sequence[DocSpec], where: str, exclude: set[Path]) -> list[tuple[DocRef, str]]:
        return [
            r for k, s in enumerate(specs) for r in self._refs(s, f"{where}[{k}]") if r[0].path not in exclude
        ]

    def _refs(self, spec: DocSpec, where: str) -> list[tuple[DocRef, str]]:
        if spec.text is not None:
            return [(DocRef(spec.id or where.rsplit(".", 1)[-1], text=spec.text), where)]
        if spec.path is not None:
            path = self.resolve(spec.path)
            return [(DocRef(spec.id or doc_id(path), path=path), where)]
        folder = self.resolve(spec.dir or ".")
        if not folder.is_dir():
            raise ConfigError(f"{where}.dir: folder {str(folder)!r} not found")
        pattern = spec.glob or "*.txt"
        excluded = {p for x in spec.exclude for p in folder.glob(x)}
        # Not only regular files: a FIFO or a broken link among the documents is refused with one line.
        paths = sorted(p for p in folder.glob(pattern) if not p.is_dir() and p not in excluded)
        if not paths:
            raise ConfigError(f"{where}: no file in {str(folder)!r} matches {pattern!r}")
        return [(DocRef(doc_id(p), path=resolve(p)), f"{where} ({p.name})") for p in paths]


# Names of pooled rows in the results: a document or system with one of these names would merge with them.
RESERVED_IDS = ("source", "derivatives", "references")


def id_clashes(named: Sequence[tuple[str, str, str]], systems: Sequence[SystemConfig] = ()) -> list[str]:
    """One line per clash among a cluster's documents and the systems, naming both places.

    `named` is (id, role, where) of the cluster's documents, source first. Rows are matched by id, so two
    texts of a cluster with one id, or a text named like a pooled row, would merge numbers silently.
    """
    problems = []
    seen: dict[str, str] = {}
    everything = [*named, *((s.name, "system", f"systems[{i}].name") for i, s in enumerate(systems))]
    for ident, role, where in everything:
        if ident in RESERVED_IDS and not (role == "source" and ident == "source"):
            what = "name" if role == "system" else "id"
            problems.append(
                f"{where}: {what} {ident!r} is reserved for pooled rows "
                f"({', '.join(RESERVED_IDS)}); rename it"
            )
        if ident in seen:
            problems.append(
                f"{where} and {seen[ident]}: both are {ident!r}; the documents of a cluster and the "
                "systems need distinct ids"
            )
        seen.setdefault(ident, where)
    return problems
