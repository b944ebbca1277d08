"""The vocabularies the config is made of, defined once at the bottom of eval/: the config schema
validates against them and the modules that act on them (the ROUGE engine, the significance tests, the
writers, the execution engines) import them from here, so config.py needs none of those modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, get_args

from summarize.errors import ConfigError

# ROUGE settings (eval.rouge).
RougeType = Literal[
    "rouge1",
    "rouge2",
    "rouge3",
    "rouge4",
    "rouge5",
    "rouge6",
    "rouge7",
    "rouge8",
    "rouge9",
    "rougeL",
    "rougeLsum",
]
ROUGE_TYPES: tuple[str, ...] = get_args(RougeType)
DEFAULT_TYPES: tuple[RougeType, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MultiRef = Literal["best", "sum"]
MULTI_REFS: tuple[str, ...] = get_args(MultiRef)

# ROUGE tokenizers (eval.rouge.tokens).
TokenizerName = Literal["default", "unicode"]
TOKENIZERS: tuple[str, ...] = get_args(TokenizerName)

# Significance tests (eval.stats.significance), or none.
Significance = Literal["permutation", "bootstrap", "none"]
SIGNIFICANCE: tuple[str, ...] = get_args(Significance)

# Writers of output.formats (eval.output.writers).
Format = Literal["csv", "json", "jsonl", "markdown", "html"]
FORMATS: tuple[Format, ...] = get_args(Format)

# Meta-evaluation against human judgments (eval.stats.meta, eval.stats.judgments).
MetaLevel = Literal["summary", "system", "global"]
META_LEVELS: tuple[MetaLevel, ...] = get_args(MetaLevel)
Resample = Literal["systems", "inputs", "both"]
RESAMPLES: tuple[Resample, ...] = get_args(Resample)
Coefficient = Literal["kendall", "spearman", "pearson"]
COEFFICIENTS: tuple[Coefficient, ...] = get_args(Coefficient)
JudgmentsFormat = Literal["auto", "tidy", "summeval"]
Annotators = Literal["expert", "turker", "all"]

# Execution engines (eval.run.execution).
Engine = Literal["local", "ray"]
ENGINES: tuple[Engine, ...] = ("local", "ray")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(frozen=True)
class ExecutionOptions:
    """The `execution` config section: engine, worker count (None: this machine's cores), Ray address."""

    engine: Engine = "local"
    workers: int | None = None
    address: str | None = None  # ray only: None starts a local instance; "auto" or "ray://host:port" joins
    chunk_size: int | None = None  # items per task (default: about 4 chunks per worker, at most 64 items)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"execution.engine {self.engine!r}: expected one of {', '.join(ENGINES)}")
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"execution.workers {self.workers}: expected 1 or more")
        if self.address is not None:
            if self.engine != "ray":
                raise ConfigError("execution.address: only the ray engine joins a cluster")
            if self.address != "auto" and not self.address.startswith("ray://"):
                raise ConfigError(
                    f"execution.address {self.address!r}: expected null (a local Ray instance), "
                    "auto or ray://host:port"
                )

    @property
    def worker_count(self) -> int:
        return self.workers or available_cores()
