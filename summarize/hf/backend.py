"""One Hugging Face backend: loading, device and dtype, the summary cache, long inputs, cost (issues 3, 8).

transformers 5 has no summarization pipeline, so this module drives `model.generate` itself, through
hf/batch.py. A model family (hf/seq2seq.py, hf/causal.py) is one small subclass that says which Auto class
loads it, how a text becomes the tokens the model sees, and what goes into the cache key beyond the
model's identity and the config's settings.

The cache is looked up before anything is loaded: its key is built from the model's identity (a hub
commit, a folder's or file's hash, a package's version) and the config's settings, so a run whose
summaries are all cached loads neither the weights nor the tokenizer, and each cached summary carries the
settings it was made with.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from transformers import AutoConfig, AutoTokenizer, GenerationConfig

from summarize.base import Summary
from summarize.errors import ConfigError, SumtrackError
from summarize.gen_cache import SummaryCache, make_key
from summarize.hardware import native_bf16
from summarize.hf import hub
from summarize.hf.batch import Batcher, Encoded, Generated, MemoryMeter
from summarize.hf.chunk import ChunkPlanner, map_reduce
from summarize.hf.config import HFParams
from summarize.hf.loading import ModelFiles

CACHE_FORMAT = 2
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
_RUN_INFO_FIRST = ("device", "dtype", "wall_seconds", "generated_tokens_per_second", "peak_memory_bytes")
# (positions among the missing texts, their generations), batch by batch.
Batches = Iterable[tuple[list[int], list[Generated]]]


@dataclass
class Prepared:
    """What the config and tokenizer say, known before (and often without) loading the weights."""

    config: Any
    tokenizer: Any
    model_type: str
    generation: GenerationConfig  # the checkpoint's, before the family applies its settings
    device: torch.device
    dtype: torch.dtype
    limit: int = 0  # input tokens the model may see, set by the family
    warnings: list[str] = field(default_factory=list)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r}: CUDA is not available here (torch {torch.__version__})")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ConfigError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"device {name!r}: MPS is not available here")
    return device


def requested_dtype(name: str, device: torch.device) -> torch.dtype:
    """The dtype the config asks for on this device, before any family's own fallback.

    auto: bfloat16 where the device computes it natively (AVX512-BF16 or AMX CPUs, Ampere and later GPUs),
    float32 elsewhere, the embedder's rule (summarize.hardware).
    """
    if name == "auto":
        return torch.bfloat16 if native_bf16(str(device)) else torch.float32
    if name == "float16" and device.type == "cpu":
        raise ConfigError(
            "dtype 'float16' on cpu: expected float32 or bfloat16 (CPU float16 is slow and lossy)"
        )
    return DTYPES[name]


def context_positions(config: Any, tokenizer: Any) -> list[int]:
    """The position limits the config and tokenizer declare (either may declare none)."""
    positions = getattr(config, "max_encoder_position_embeddings", None) or getattr(
        config, "max_position_embeddings", None
    )
    declared = tokenizer.model_max_length if tokenizer.model_max_length < 1_000_000 else None
    return [n for n in (positions, declared) if n]


class HFSummarizer:
    """A Hugging Face checkpoint as a Summarizer; subclasses are the model families."""

    auto_model: ClassVar[str]  # the transformers Auto class that loads the weights
    family: ClassVar[str]
    params: HFParams

    def __init__(self, name: str, params: HFParams, availability: hub.Availability | None = None) -> None:
        self.name = name
        self.params = params
        self.availability = availability or hub.check_available(params)
        self.device = resolve_device(params.device)
        self._files = ModelFiles(params, self.availability)
        self._cache = SummaryCache(params.cache_dir) if params.cache else None
        self._identity: str | None = None
        self._prepared: Prepared | None = None
        self._batcher: Batcher | None = None
        self._meter: MemoryMeter | None = None
        self._last_settings: dict[str, Any] | None = None
        self._stats: dict[str, Any] = {"load_seconds": 0.0, "wall_seconds": 0.0, "documents": 0}
        self._stats |= {"cached_documents": 0, "truncated_documents": 0, "chunked_documents": 0}

    # -- what a family says ------------------------------------------------------------------------------

    def _setup(self, prep: Prepared) -> None:
        """Family settings from the config and tokenizer (prefix, prompt, limit, generation config)."""
        raise NotImplementedError

    def count(self, text: str) -> int:
        """Tokens the model sees for `text`, with the family's framing and special tokens."""
        raise NotImplementedError

    def encode(self, text: str, label: str) -> Encoded:
        """The tokens the model sees for `text`, cut to the input limit, and how many the whole has."""
        raise NotImplementedError

    def _batcher_options(self, model: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _key_facts(self) -> dict[str, Any]:
        """What shapes the output beyond the identity and the config's settings, found cheaply."""
        return {}

    def family_settings(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- loading ---------------------------------------------------------------------------------------

    def _pretrained(self, loader: Any, **kwargs: Any) -> Any:
        return self._files.pretrained(loader, **kwargs)

    def _check_config(self, config: Any) -> None:
        raise NotImplementedError

    def _prepare(self) -> Prepared:
        if self._prepared is not None:
            return self._prepared
        started = time.perf_counter()
        warnings: list[str] = []
        if self._files.needs_conversion():
            # A GGUF is converted here, not when the weights load: its folder then serves the config and
            # tokenizer too (a run prepares only a model it will run). Its header is checked first.
            header = self._pretrained(AutoConfig)
            self._check_config(header)
            self._files.convert(self.auto_model, header, warnings)
        config = self._pretrained(AutoConfig)
        self._check_config(config)
        tokenizer = self._pretrained(AutoTokenizer)
        try:
            loaded = self._pretrained(GenerationConfig)
        except SumtrackError:
            # Many checkpoints (and every GGUF) ship no generation_config.json: derive it as
            # transformers does.
            loaded = GenerationConfig.from_model_config(config)
        if self.availability.source == "folder" and self.params.revision:
            warnings.append(f"revision {self.params.revision!r} ignored: {self.params.model!r} is local")
        prep = Prepared(
            config=config,
            tokenizer=tokenizer,
            model_type=config.model_type,
            generation=loaded,
            device=self.device,
            dtype=self._dtype(config.model_type, warnings),
            warnings=warnings,
        )
        self._setup(prep)
        self._prepared = prep
        self._stats["load_seconds"] += time.perf_counter() - started
        return prep

    def _dtype(self, model_type: str, warnings: list[str]) -> torch.dtype:
        return requested_dtype(self.params.dtype, self.device)

    def _load_batcher(self) -> Batcher:
        """Load the weights, only once a summary is missing from the cache."""
        if self._batcher is None:
            prep = self._prepare()
            started = time.perf_counter()
            import transformers

            loader = getattr(transformers, self.auto_model)
            # The config loaded already; a GGUF converted by this run left its float32 model in memory.
            model = self._files.take_model(prep.dtype)
            if model is None:
                model = self._pretrained(loader, config=prep.config, dtype=prep.dtype)
            model.to(prep.device).eval()
            self._batcher = Batcher(
                model=model,
                tokenizer=prep.tokenizer,
                batch_size=self.params.batch_size,
                seed=self.params.seed,
                **self._batcher_options(model),
            )
            self._stats["load_seconds"] += time.perf_counter() - started
        return self._batcher

    # -- the cache -------------------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = hub.identity(self.availability, self.params.revision)
        return self._identity

    def _key_parts(self, policy: str) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "family": self.family,
            "model": self.identity,
            "dtype": str(requested_dtype(self.params.dtype, self.device)).removeprefix("torch."),
            "policy": policy,
            "settings": self.params.output_settings(),
            **self._key_facts(),
        }

    def _through_cache(
        self, policy: str, texts: Sequence[str], compute: Callable[[list[int]], Batches]
    ) -> list[Generated]:
        """Cached generations for `texts`; `compute(missing indices)` makes the rest, stored batch by batch
        (an interrupted run resumes from the last batch it finished)."""
        parts = self._key_parts(policy)
        keys = [make_key(parts, text) for text in texts]
        cache = self._cache
        hits = cache.get_many(keys) if cache is not None else {}
        results = [
            cache.build(hits[k], Generated.from_meta) if cache is not None and k in hits else None
            for k in keys
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            settings = self.settings()
            for positions, generated in compute(missing):
                done = [dataclasses.replace(g, settings=settings) for g in generated]
                if self._cache is not None:
                    self._cache.put_many(
                        (keys[missing[j]], g.text, g.meta()) for j, g in zip(positions, done, strict=True)
                    )
                for j, g in zip(positions, done, strict=True):
                    results[missing[j]] = g
        return [r for r in results if r is not None]

    # -- the primitive and the policies ----------------------------------------------------------------

    def _generate(self, texts: Sequence[str], labels: Sequence[str]) -> list[Generated]:
        """Summaries of texts cut at the input limit, through the cache."""

        def compute(missing: list[int]) -> Batches:
            batcher = self._load_batcher()
            return batcher.run([self.encode(texts[i], labels[i]) for i in missing])

        return self._through_cache("truncate", texts, compute)

    def _summarize_chunked(self, texts: Sequence[str]) -> list[Generated]:
        def compute(missing: list[int]) -> Batches:
            planner = ChunkPlanner(self._prepare().tokenizer, self.count, self._prepare().limit)
            done = map_reduce([(i, texts[i].splitlines()) for i in missing], planner, self._generate)
            return [(list(range(len(missing))), done)]

        return self._through_cache("chunk", texts, compute)

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        started = time.perf_counter()
        if self._meter is None:
            self._meter = MemoryMeter(self.device)
        with self._meter:
            if self.params.long_input == "chunk":
                outputs = self._summarize_chunked(texts)
            else:
                outputs = self._generate(texts, [f"document {i}" for i in range(len(texts))])
        summaries = [self._summary(g) for g in outputs]
        self._stats["wall_seconds"] += time.perf_counter() - started
        self._stats["documents"] += len(summaries)
        self._stats["cached_documents"] += sum(s.cached for s in summaries)
        self._stats["truncated_documents"] += sum(s.truncated for s in summaries)
        self._stats["chunked_documents"] += sum(s.chunked for s in summaries)
        return summaries

    def _summary(self, g: Generated) -> Summary:
        settings = dict(g.settings) if g.settings is not None else self.settings()
        self._last_settings = settings
        return Summary(
            text=g.text,
            system=self.name,
            settings=settings,
            input_tokens=g.input_tokens,
            total_tokens=g.total_tokens,
            truncated=g.truncated,
            chunks=g.chunks,
            generated_tokens=g.generated_tokens,
            seconds=0.0 if g.cached else g.seconds,
            cached=g.cached,
        )

    # -- reporting ------------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        prep = self._prepare()
        return {
            "model": self.params.model,
            "identity": self.identity,
            "dtype": str(prep.dtype).removeprefix("torch."),
            "long_input": self.params.long_input,
            "max_input_tokens": prep.limit,
            **self.family_settings(),
        }

    @property
    def warnings(self) -> list[str]:
        """What went wrong without failing the system (unreadable summary-cache rows), for the run."""
        return list(self._cache.problems) if self._cache is not None else []

    def run_info(self) -> dict[str, Any]:
        """Cost first (what the console shows), then what identifies the run; plain JSON values."""
        prep, batcher, meter = self._prepared, self._batcher, self._meter
        dtype = prep.dtype if prep else requested_dtype(self.params.dtype, self.device)
        info: dict[str, Any] = {"device": str(self.device), "dtype": str(dtype).removeprefix("torch.")}
        info |= {key: round(v, 4) if isinstance(v, float) else v for key, v in self._stats.items()}
        idle = {
            "batch_size": self.params.batch_size,
            "generated_tokens": 0,
            "generated_tokens_per_second": None,
        }
        info |= batcher.stats() if batcher else idle
        info |= meter.stats() if meter else {}
        info["warnings"] = list(prep.warnings) if prep else []
        info |= {"weights_loaded": batcher is not None, "source": self.availability.source}
        info |= {"type": self.family, "family": prep.model_type if prep else None}
        info |= self.settings() if prep else (self._last_settings or {"model": self.params.model})
        return {key: info[key] for key in _RUN_INFO_FIRST if key in info} | info


def merged_generation(loaded: GenerationConfig, settings: dict[str, Any]) -> GenerationConfig:
    """The checkpoint's generation config with `settings` applied, checked, returning plain sequences."""
    effective = copy.deepcopy(loaded)
    effective.update(**settings)
    effective.return_dict_in_generate = False
    effective.num_return_sequences = 1
    effective.validate()
    return effective
