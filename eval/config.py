"""The evaluation config: YAML into typed, frozen models, validated when loaded.

Unknown keys fail with their path and a suggestion (`systems[2].num_beam: unknown key; did you mean
'num_beams'?`). Paths in a config are relative to the config file. `--set key.path=value` overrides are
applied to the raw YAML before validation, so they are checked exactly like the file.
"""

from __future__ import annotations

import codecs
import copy
import importlib.util
import json
import re
import reprlib
import stat
import sys
import types
import typing
import urllib.parse
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
from summarize.corpus import AUTO, DEFAULT_MAX_CHARS, DocRef, doc_id, resolve
from summarize.datasets import FILE_BUILDERS, DatasetOptions
from summarize.errors import ConfigError, SumtrackError, did_you_mean
from summarize.reading import file_problem
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

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
        return value

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
    types: tuple[RougeType, ...] = Field(DEFAULT_TYPES, min_length=1)
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
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="auto: bfloat16 where native (CPU AVX512-BF16/AMX, CUDA), else float32; in the signature",
    )


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
    detail_clusters: int = Field(
        100,
        ge=0,
        description="clusters shown text by text in report.html, report.md and on the console (the first "
        "ones, in corpus order); every cluster is in the CSV and JSON files and in every mean",
    )


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
        return resolve(self.base / relative)

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
        local = self.base / Path(path).expanduser()
        if path.startswith((".", "/", "~")) or local.exists() or local.suffix.lower() in FILE_BUILDERS:
            path = str(resolve(local))
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
            shown = (
                f" (got {_short_repr(got)})" if err["type"] != "missing" and not isinstance(got, dict) else ""
            )
            if loc and loc[-1] == "api_key_env":
                shown = ""  # a refused value there may be a key: never echo it
            lines.append(f"{where}: {message}{shown}")
    return "\n".join(lines)


def _short_repr(value: Any, limit: int = 80) -> str:
    """A bounded repr: a value built from YAML aliases can expand to billions of items when printed."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxstring, r.maxother = 2, 4, 4, 4, limit, limit
    text = r.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# A config is a few hundred values; YAML aliases can make a few lines stand for billions ("billion laughs").
MAX_CONFIG_VALUES = 100_000
MAX_CONFIG_BYTES = 1_000_000


def _expanded_size(value: Any, memo: dict[int, int], limit: int) -> int:
    """How many values `value` stands for once aliases are expanded (stops counting past `limit`)."""
    key = id(value)
    if key in memo:
        return memo[key]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    total = 1
    for child in children:
        total += _expanded_size(child, memo, limit)
        if total > limit:
            break
    memo[key] = total
    return total


def _local_paths(params: BaseModel, base: Path) -> BaseModel:
    """Make a system's folder settings relative to the config file, as every other path in it is.

    `cache_dir` is always a path. `model` is a hub repo id ("org/name") unless it names a folder: written as
    a path ("./m", "../m", "/m", "~/m") or existing beside the config.
    """
    update: dict[str, str] = {}
    cache_dir = getattr(params, "cache_dir", None)
    if isinstance(cache_dir, str):
        update["cache_dir"] = str(resolve(base / Path(cache_dir).expanduser()))
    # `path` (type: outputs) is a file or folder; a server's `model` (type: openai) is the server's to read.
    path = getattr(params, "path", None)
    if isinstance(path, str):
        update["path"] = str(resolve(base / Path(path).expanduser()))
    model = getattr(params, "model", None)
    if isinstance(model, str) and getattr(params, "model_is_local_path", True):
        looks_local = model.startswith((".", "/", "~")) or (base / model).is_dir()
        if looks_local:
            update["model"] = str(resolve(base / Path(model).expanduser()))
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
    if _expanded_size(raw, {}, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(
            f"{where}: the config expands to more than {MAX_CONFIG_VALUES:,} values "
            "(YAML aliases repeated inside each other?); refused"
        )
    raw = copy.deepcopy(raw)
    for assignment in overrides:
        apply_override(raw, assignment)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, Config)) from None
    base = resolve(path.parent) if path else Path.cwd()
    return LoadedConfig(config, path, base, _systems(config, base), raw)


def load(path: str | Path, overrides: Sequence[str] = ()) -> LoadedConfig:
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file; expected a YAML config file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {info.st_size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,}")
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
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        if "could not determine a constructor for the tag" in problem:
            # safe_load builds plain data only: `!!python/...` and other custom tags are never executed.
            found = re.search(r"'([^']*)'", problem)
            tag = (found.group(1) if found else "?").replace("tag:yaml.org,2002:", "!!")
            problem = f"tag {tag!r} is not allowed (a config holds plain values only)"
        raise ConfigError(f"{path}: invalid YAML{at}: {problem[:200]}") from None
    return load_data(raw, path=path, overrides=overrides)


def resolved(loaded: LoadedConfig, out_dir: Path) -> dict[str, Any]:
    """The config as a run used it, valid and runnable from anywhere: every path absolute, the systems
    with all their settings, the run folder named; no output-only keys (those live in results.json)."""
    data = loaded.config.model_dump(mode="json")

    def absolute(spec: dict[str, Any]) -> dict[str, Any]:
        for key in ("path", "dir"):
            if spec.get(key) is not None:
                spec[key] = str(loaded.resolve(spec[key]))
        return {k: v for k, v in spec.items() if v is not None and v != []}

    for cluster in data["corpus"]["clusters"]:
        cluster["source"] = absolute(cluster["source"])
        for key in ("derivatives", "references"):
            cluster[key] = [absolute(d) for d in cluster[key]]
        if cluster.get("id") is None:
            cluster.pop("id", None)
    data["corpus"]["jsonl"] = [str(p) for p in loaded.jsonl_files()]
    data["systems"] = [
        {"name": s.name, "type": s.type, **s.params.model_dump(mode="json")} for s in loaded.systems
    ]
    data["output"]["dir"] = str(resolve(out_dir))
    return data


def check_files(loaded: LoadedConfig) -> list[str]:
    """Input problems `validate` can see without running: files and folders that do not exist.

    A run goes on without such a document (exit 1), so `validate` reports them with exit 1 as well.
    """
    problems = []
    for cluster in loaded.clusters():
        for ref in (cluster.source, *cluster.derivatives, *cluster.references):
            problem = None if ref.path is None else file_problem(ref.path)
            if problem:
                problems.append(f"cluster {cluster.id!r}: {problem}")
    problems += [f"corpus.jsonl: {p}: file not found" for p in loaded.jsonl_files() if not p.is_file()]
    dataset = loaded.dataset_options()
    if dataset is not None and Path(dataset.path).is_absolute() and not Path(dataset.path).exists():
        problems.append(f"corpus.dataset.path: {dataset.path}: not found")
    for system in loaded.systems:
        # A run reports such a system failed and goes on with the others (exit 1), as for a document.
        path = getattr(system.params, "path", None)
        if isinstance(path, str) and not Path(path).exists():
            problems.append(f"system {system.name!r}: {path}: file or folder not found")
        model = getattr(system.params, "model", None)
        if isinstance(model, str) and model.startswith("package:"):
            why = _package_problem(model.removeprefix("package:").strip())
            if why:
                problems.append(f"system {system.name!r}: {model}: {why}")
    return problems


def _package_problem(name: str) -> str | None:
    """Why a `package:NAME` model cannot be found (without importing the package); None when it can."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return f"no installed Python package {name!r} (pip install it, e.g. with --no-deps)"
    return None


def check_config(loaded: LoadedConfig) -> list[str]:
    """Config problems `validate` can see without running (a run would refuse them too, exit 2): model
    folders, devices, endpoint URLs, and ids in JSONL corpora (YAML clusters are checked when loaded)."""
    problems = []
    for i, system in enumerate(loaded.systems):
        problems += _check_system(system, f"systems[{i}]")
    # Cluster ids are shared by every corpus form: a JSONL cluster may not reuse a YAML cluster's id.
    seen = {c.id: f"corpus.clusters[{i}]" for i, c in enumerate(loaded.clusters())}
    for path in loaded.jsonl_files():
        if path.is_file():
            problems += _jsonl_id_problems(path, loaded.systems, seen)
    return problems


def _looks_like_folder(model: str) -> bool:
    # A hub repo id is `name` or `org/name`; anything written as a path is meant as a folder.
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model


def _check_system(system: SystemConfig, where: str) -> list[str]:
    problems = []
    params = system.params
    model = getattr(params, "model", None)
    if isinstance(model, str) and _looks_like_folder(model):
        folder = Path(model).expanduser()
        # A causal model may be a GGUF file, or a folder holding one (see summarize/hf/hub.py).
        gguf = getattr(params, "gguf_file", None) is not None or any(folder.glob("*.gguf"))
        if model.endswith(".gguf"):
            if not folder.is_file():
                problems.append(f"{where}.model: GGUF file {model!r} not found")
        elif not folder.is_dir():
            problems.append(f"{where}.model: model folder {model!r} not found")
        elif not (folder / "config.json").is_file() and not gguf:
            problems.append(f"{where}.model: model folder {model!r} has no config.json")
    device = getattr(params, "device", None)
    if isinstance(device, str):
        why = device_problem(device)
        if why:
            problems.append(f"{where}.device: {device!r}: {why}")
    for key in ("base_url", "endpoint", "api_base"):
        url = getattr(params, key, None)
        if isinstance(url, str):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problems.append(
                    f"{where}.{key}: {url!r} is not an http(s) URL (e.g. http://localhost:8000/v1)"
                )
    return problems


def device_problem(device: str) -> str | None:
    """Why `device` cannot work on this machine, judged without importing torch; None when it may."""
    if device.startswith("mps") and sys.platform != "darwin":
        return "MPS exists only on macOS"
    if not device.startswith("cuda"):
        return None
    build = _torch_gpu_build()
    if build is False:
        return "this torch is a CPU-only build; use device: cpu or auto, or install a CUDA build of torch"
    return None


def _torch_gpu_build() -> bool | None:
    """Whether the installed torch was built for a GPU (CUDA or ROCm), read from torch/version.py without
    importing torch (seconds); None when torch is missing or the file cannot be read."""
    if "torch" in sys.modules:
        version = sys.modules["torch"].version
        return bool(getattr(version, "cuda", None) or getattr(version, "hip", None))
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "version.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    found = dict(re.findall(r"^(cuda|hip)\s*(?::[^=]*)?=\s*(.+)$", text, flags=re.M))
    if not found:
        return None
    return any(v.strip() not in ("None", "''", '""') for v in found.values())


def _jsonl_id_problems(path: Path, systems: Sequence[SystemConfig], clusters: dict[str, str]) -> list[str]:
    """Id clashes in a JSONL corpus, from its lines (ids default as the loader's do); `clusters` maps the
    cluster ids seen so far to their places and gains this file's."""
    problems = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []  # reading it is the run's job, which reports it
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue  # the run reports the line and goes on
        if not isinstance(record, dict) or "source" not in record:
            continue
        cid = str(record.get("id") or f"cluster{number}")
        if cid in clusters:
            problems.append(
                f"{path}:{number} and {clusters[cid]}: both have cluster id {cid!r}; "
                "give each cluster a distinct 'id'"
            )
        clusters.setdefault(cid, f"{path}:{number}")
        named = [(_jsonl_id(record["source"], "source"), "source", f"{path}:{number} source")]
        for key, role, prefix in (("derivatives", "derivative", "d"), ("references", "reference", "r")):
            items = record.get(key) or []
            for k, item in enumerate(items if isinstance(items, list) else []):
                named.append((_jsonl_id(item, f"{prefix}{k + 1}"), role, f"{path}:{number} {key}[{k}]"))
        problems += id_clashes(named, systems)
    return problems


def _jsonl_id(value: Any, default: str) -> str:
    if isinstance(value, dict):
        if value.get("id"):
            return str(value["id"])
        if isinstance(value.get("path"), str):
            return doc_id(Path(value["path"]))
    return default
