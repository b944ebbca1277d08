"""The evaluation config: YAML into typed, frozen models, validated when loaded.

Unknown keys fail with their path and a suggestion (`systems[2].num_beam: unknown key; did you mean
'num_beams'?`). Paths in a config are relative to the config file. `--set key.path=value` overrides are
applied to the raw YAML before validation, so they are checked exactly like the file.
"""

from __future__ import annotations

import codecs
import copy
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eval._rouge_tokens import TokenizerName
from eval.execution import ExecutionOptions
from eval.overrides import apply_override
from eval.rouge import DEFAULT_TYPES, MultiRef, RougeType
from eval.significance import Significance
from eval.writers import FORMATS, Format
from summarize import registry
from summarize.corpus import AUTO, DEFAULT_MAX_CHARS, DocRef, doc_id, repeated, resolve
from summarize.datasets import FILE_BUILDERS, DatasetOptions
from summarize.errors import ConfigError, SumtrackError, did_you_mean
from summarize.text import RULES, CleaningOptions, NormalForm, SplitMode


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocSpec(_Model):
    """One document (path or inline text) or, for derivatives and references, a folder and a glob."""

    path: str | None = None
    text: str | None = None
    dir: str | None = None
    glob: str | None = None
    exclude: tuple[str, ...] = ()
    id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> DocSpec:
        kinds = [k for k in ("path", "text", "dir") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of 'path', 'text' or 'dir' (with 'glob')")
        if self.dir is None and (self.glob or self.exclude):
            raise ValueError("'glob' and 'exclude' go with 'dir'")
        if self.dir is not None and self.id is not None:
            raise ValueError("'id' names one document; a 'dir' takes ids from file names")
        return self


class ClusterSpec(_Model):
    id: str | None = Field(None, description="cluster id (default: the source's id)")
    source: DocSpec
    derivatives: tuple[DocSpec, ...] = ()
    references: tuple[DocSpec, ...] = ()

    @field_validator("derivatives", "references", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, dict)) else value

    @field_validator("source")
    @classmethod
    def _single(cls, value: DocSpec) -> DocSpec:
        if value.dir is not None:
            raise ValueError("a source is one document: give 'path' or 'text', not 'dir'")
        return value


class DatasetSpec(_Model):
    """A Hugging Face `datasets` corpus: one row per cluster (summarize/datasets.py reads it)."""

    path: str = Field(min_length=1, description="hub id, save_to_disk folder, or .parquet/.json(l)/.csv file")
    name: str | None = Field(None, description="the dataset's config name (hub datasets)")
    split: str | None = Field(None, description="default: the only split")
    revision: str | None = None
    id_column: str | None = Field(None, description="default: the row number")
    source_column: str
    reference_columns: tuple[str, ...] = Field((), description="each a text or a list-of-texts column")
    derivative_columns: tuple[str, ...] = ()
    output_columns: tuple[str, ...] = Field((), description="each one existing system's summaries")
    limit: int | None = Field(None, ge=1)
    shuffle_seed: int | None = Field(None, description="shuffle the rows (before limit) with this seed")

    @field_validator("reference_columns", "derivative_columns", "output_columns", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class CorpusSpec(_Model):
    clusters: tuple[ClusterSpec, ...] = ()
    jsonl: tuple[str, ...] = Field((), description="JSONL files, one cluster per line")
    dataset: DatasetSpec | None = Field(None, description="a Hugging Face datasets corpus")
    encoding: str = Field(AUTO, description="auto (BOM, else UTF-8, else detected per file) or a codec")
    max_chars: int = Field(DEFAULT_MAX_CHARS, gt=0, description="longer documents are refused")

    @field_validator("encoding")
    @classmethod
    def _codec(cls, value: str) -> str:
        if value != AUTO:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {value!r}: expected auto or a Python codec name"
                ) from None
        return value

    @field_validator("jsonl", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _not_empty(self) -> CorpusSpec:
        if not self.clusters and not self.jsonl and self.dataset is None:
            raise ValueError("the corpus is empty: give 'clusters', 'jsonl' or 'dataset'")
        return self


class CleaningSpec(_Model):
    enabled: bool = True
    normalize: NormalForm = "NFKC"
    disable: tuple[str, ...] = Field((), description="rules to switch off")
    extra_patterns: tuple[str, ...] = Field((), description="regexes: a line fully matching one is dropped")

    @field_validator("disable")
    @classmethod
    def _known_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for rule in value:
            if rule not in RULES:
                raise ValueError(
                    f"unknown cleaning rule {rule!r}{did_you_mean(rule, RULES)} (rules: {', '.join(RULES)})"
                )
        return value

    def options(self) -> CleaningOptions:
        return CleaningOptions(
            enabled=self.enabled,
            normalize=self.normalize,
            rules=frozenset(RULES) - frozenset(self.disable),
            extra_patterns=self.extra_patterns,
        )


class SentencesSpec(_Model):
    split: SplitMode = "nupunkt"


class RougeSpec(_Model):
    types: tuple[RougeType, ...] = DEFAULT_TYPES
    stem: bool = True
    tokenizer: TokenizerName = "default"
    multi_ref: MultiRef = "best"


class AggregateSpec(_Model):
    bootstrap: int = Field(1000, ge=0, description="bootstrap resamples (0: no interval)")
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    significance: Significance = Field(
        "permutation", description="paired test between every two systems over clusters (2+ clusters)"
    )


class TrackingSpec(_Model):
    enabled: bool = Field(True, description="tracking profile of every text and pairwise matrices")
    semantic: bool = Field(False, description="sentence-embedding similarity (all-MiniLM-L6-v2; loads torch)")


class ExecutionSpec(_Model):
    """Where per-cluster work runs (eval/execution.py): this machine's cores, or Ray."""

    engine: Literal["local", "ray"] = "local"
    workers: int | None = Field(None, ge=1, description="worker processes or Ray CPUs (default: the cores)")
    address: str | None = Field(None, description="ray: null starts a local instance; auto; ray://host:port")

    @model_validator(mode="after")
    def _address(self) -> ExecutionSpec:
        try:
            self.options()
        except ConfigError as exc:
            raise ValueError(str(exc).split(": ", 1)[-1]) from None
        return self

    def options(self) -> ExecutionOptions:
        return ExecutionOptions(engine=self.engine, workers=self.workers, address=self.address)


class SystemSpec(_Model):
    """A system's name and type; its other keys are checked against the type's own settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)
    type: str


class OutputSpec(_Model):
    dir: str | None = Field(
        None, description="run directory (default: runs/<name> beside the config's folder)"
    )
    formats: tuple[Format, ...] = Field(FORMATS, description="writers to run (config.resolved.yaml always)")


class Config(_Model):
    name: str = Field("sumtrack", min_length=1)
    corpus: CorpusSpec
    cleaning: CleaningSpec = CleaningSpec()
    sentences: SentencesSpec = SentencesSpec()
    rouge: RougeSpec = RougeSpec()
    aggregate: AggregateSpec = AggregateSpec()
    tracking: TrackingSpec = TrackingSpec()
    systems: tuple[SystemSpec, ...] = ()
    on_error: Literal["continue", "stop"] = "continue"
    output: OutputSpec = OutputSpec()
    execution: ExecutionSpec = ExecutionSpec()


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


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus what it resolves to: systems with typed settings, files as paths."""

    config: Config
    path: Path | None
    base: Path
    systems: tuple[SystemConfig, ...]
    raw: dict[str, Any]

    def resolve(self, relative: str) -> Path:
        return resolve(self.base / relative)

    def clusters(self) -> list[ClusterFiles]:
        return [self._cluster(i, spec) for i, spec in enumerate(self.config.corpus.clusters)]

    def jsonl_files(self) -> list[Path]:
        return [self.resolve(p) for p in self.config.corpus.jsonl]

    def dataset_options(self) -> DatasetOptions | None:
        """The `corpus.dataset` section with a local path made relative to the config file."""
        spec = self.config.corpus.dataset
        if spec is None:
            return None
        path = spec.path
        local = self.base / Path(path).expanduser()
        if path.startswith((".", "/", "~")) or local.exists() or local.suffix.lower() in FILE_BUILDERS:
            path = str(local.resolve())
        values = spec.model_dump()
        values["path"] = path
        return DatasetOptions(**values)

    def output_dir(self) -> Path:
        if self.config.output.dir:
            return self.resolve(self.config.output.dir)
        return (
            self.base / "runs" / self.config.name
            if self.path is None
            else (self.base.parent / "runs" / self.config.name)
        )

    def _cluster(self, index: int, spec: ClusterSpec) -> ClusterFiles:
        where = f"corpus.clusters[{index}]"
        source = self._refs(spec.source, f"{where}.source")[0]
        exclude = {source.path} if source.path else set()
        derivatives = self._expand(spec.derivatives, f"{where}.derivatives", exclude)
        references = self._expand(spec.references, f"{where}.references", exclude)
        return ClusterFiles(spec.id or source.id, source, derivatives, references)

    def _expand(self, specs: Sequence[DocSpec], where: str, exclude: set[Path]) -> tuple[DocRef, ...]:
        refs = [
            r for k, s in enumerate(specs) for r in self._refs(s, f"{where}[{k}]") if r.path not in exclude
        ]
        dupes = repeated([r.id for r in refs])
        if dupes:
            raise ConfigError(f"{where}: document ids {dupes} appear twice; give them distinct 'id's")
        return tuple(refs)

    def _refs(self, spec: DocSpec, where: str) -> list[DocRef]:
        if spec.text is not None:
            return [DocRef(spec.id or where.rsplit(".", 1)[-1], text=spec.text)]
        if spec.path is not None:
            path = self.resolve(spec.path)
            return [DocRef(spec.id or doc_id(path), path=path)]
        folder = self.resolve(spec.dir or ".")
        if not folder.is_dir():
            raise ConfigError(f"{where}.dir: folder {str(folder)!r} not found")
        pattern = spec.glob or "*.txt"
        excluded = {p for x in spec.exclude for p in folder.glob(x)}
        # Not only regular files: a FIFO or a broken link among the documents is refused with one line.
        paths = sorted(p for p in folder.glob(pattern) if not p.is_dir() and p not in excluded)
        if not paths:
            raise ConfigError(f"{where}: no file in {str(folder)!r} matches {pattern!r}")
        return [DocRef(doc_id(p), path=resolve(p)) for p in paths]


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc`, for naming the keys it allows."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        current = _unwrap(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin in (tuple, list, dict, typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a not in (type(None), Ellipsis)]
            models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else (inner[-1] if inner else None)
            continue
        return annotation


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def format_errors(exc: ValidationError, model: type[BaseModel], prefix: Sequence[int | str] = ()) -> str:
    """One line per problem: `path: message`, with "did you mean" for unknown keys."""
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]
        where = _path([*prefix, *loc]) or "config"
        if err["type"] == "extra_forbidden":
            holder = _fields_at(model, loc[:-1])
            allowed = list(holder.model_fields) if holder else []
            hint = did_you_mean(str(loc[-1]), allowed) or (
                f" (allowed: {', '.join(allowed)})" if allowed else ""
            )
            lines.append(f"{where}: unknown key{hint}")
        else:
            message = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = f" (got {got!r})" if err["type"] != "missing" and not isinstance(got, dict) else ""
            lines.append(f"{where}: {message}{shown}")
    return "\n".join(lines)


def _local_paths(params: BaseModel, base: Path) -> BaseModel:
    """Make a system's folder settings relative to the config file, as every other path in it is.

    `cache_dir` is always a path. `model` is a hub repo id ("org/name") unless it names a folder: written as
    a path ("./m", "../m", "/m", "~/m") or existing beside the config.
    """
    update: dict[str, str] = {}
    cache_dir = getattr(params, "cache_dir", None)
    if isinstance(cache_dir, str):
        update["cache_dir"] = str((base / Path(cache_dir).expanduser()).resolve())
    # `path` (type: outputs) is a file or folder; a server's `model` (type: openai) is the server's to read.
    path = getattr(params, "path", None)
    if isinstance(path, str):
        update["path"] = str((base / Path(path).expanduser()).resolve())
    model = getattr(params, "model", None)
    if isinstance(model, str) and getattr(params, "model_is_local_path", True):
        looks_local = model.startswith((".", "/", "~")) or (base / model).is_dir()
        if looks_local:
            update["model"] = str((base / Path(model).expanduser()).resolve())
    return params.model_copy(update=update) if update else params


def _systems(config: Config, base: Path) -> tuple[SystemConfig, ...]:
    out = []
    names: set[str] = set()
    for i, spec in enumerate(config.systems):
        where = f"systems[{i}]"
        if spec.name in names:
            raise ConfigError(f"{where}.name: {spec.name!r} is used twice; system names must be unique")
        names.add(spec.name)
        try:
            entry = registry.get(spec.type)
        except SumtrackError as exc:
            raise ConfigError(f"{where}.type: {exc}") from None
        try:
            params = entry.params.model_validate(spec.model_extra or {})
        except ValidationError as exc:
            raise ConfigError(format_errors(exc, entry.params, ("systems", i))) from None
        out.append(SystemConfig(spec.name, spec.type, entry.kind, _local_paths(params, base)))
    return tuple(out)


def load_data(raw: Any, *, path: Path | None = None, overrides: Sequence[str] = ()) -> LoadedConfig:
    where = str(path) if path else "config"
    if raw is None:
        raise ConfigError(f"{where}: the config is empty")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of keys at the top level, got {type(raw).__name__}")
    raw = copy.deepcopy(raw)
    for assignment in overrides:
        apply_override(raw, assignment)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, Config)) from None
    base = path.parent.resolve() if path else Path.cwd()
    return LoadedConfig(config, path, base, _systems(config, base), raw)


def load(path: str | Path, overrides: Sequence[str] = ()) -> LoadedConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    return load_data(raw, path=path, overrides=overrides)


def check_files(loaded: LoadedConfig) -> list[str]:
    """Problems `validate` can see without running: files and folders that do not exist."""
    problems = []
    for cluster in loaded.clusters():
        for ref in (cluster.source, *cluster.derivatives, *cluster.references):
            if ref.path is not None and not ref.path.is_file():
                problems.append(f"cluster {cluster.id!r}: {ref.path}: file not found")
    problems += [f"corpus.jsonl: {p}: file not found" for p in loaded.jsonl_files() if not p.is_file()]
    dataset = loaded.dataset_options()
    if dataset is not None and Path(dataset.path).is_absolute() and not Path(dataset.path).exists():
        problems.append(f"corpus.dataset.path: {dataset.path}: not found")
    for system in loaded.systems:
        path = getattr(system.params, "path", None)
        if isinstance(path, str) and not Path(path).exists():
            problems.append(f"system {system.name!r}: {path}: file or folder not found")
    return problems
