"""Hugging Face seq2seq summarizers: loading, long-input policy, batching, generation, cost (issue 3).

transformers 5 has no summarization pipeline, so this module drives `model.generate` itself:
inputs are sorted by length into batches (less padding), the original order is restored, and no row is
ever dropped. Inputs longer than the model's limit are either truncated (and the tokens seen recorded per
document) or summarized by sentence-aligned map-reduce. Every generation goes through the on-disk cache.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig

from summarize import neural_hub
from summarize.base import Summary
from summarize.errors import ConfigError, SumtrackError
from summarize.gen_cache import SummaryCache, make_key
from summarize.neural_batch import Batcher, Encoded, Generated, MemoryMeter
from summarize.neural_chunk import ChunkPlanner, map_reduce
from summarize.neural_config import GENERATION_KEYS, Seq2SeqParams

CACHE_FORMAT = 1
T5_FAMILY = frozenset({"t5", "mt5", "umt5", "longt5"})
# fp16 overflows in T5's and PEGASUS's activations and yields NaN or empty output (issue 3).
FP16_UNSAFE = T5_FAMILY | {"pegasus", "pegasus_x", "bigbird_pegasus"}
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
# Keys of task_specific_params["summarization"] that are generation settings (the rest, e.g. prefix, are not).
_TASK_GENERATION_KEYS = (*GENERATION_KEYS, "max_length", "min_length")
_RUN_INFO_FIRST = ("device", "dtype", "wall_seconds", "generated_tokens_per_second", "peak_memory_bytes")
_REPORTED_GENERATION_KEYS = (*_TASK_GENERATION_KEYS, "do_sample")


@dataclass
class _Prepared:
    """What the tokenizer and config say, known before (and often without) loading the weights."""

    tokenizer: Any
    family: str
    identity: str
    limit: int
    prefix: str
    generation: GenerationConfig
    device: torch.device
    dtype: torch.dtype
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


def resolve_dtype(name: str, device: torch.device, family: str, warnings: list[str]) -> torch.dtype:
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    if name == "float16" and device.type == "cpu":
        raise ConfigError(
            "dtype 'float16' on cpu: expected float32 or bfloat16 (CPU float16 is slow and lossy)"
        )
    if name == "float16" and family in FP16_UNSAFE:
        warnings.append(
            f"dtype float16 is known to give NaN or empty output with {family}; running in float32 instead"
        )
        return torch.float32
    return DTYPES[name]


def input_limit(config: Any, tokenizer: Any, override: int | None, warnings: list[str]) -> int:
    """min(tokenizer.model_max_length, the encoder's position limit), or the config's lower override."""
    positions = getattr(config, "max_encoder_position_embeddings", None) or getattr(
        config, "max_position_embeddings", None
    )
    declared = tokenizer.model_max_length if tokenizer.model_max_length < 1_000_000 else None
    known = [n for n in (positions, declared) if n]
    if override is not None:
        if positions and override > positions:
            raise ConfigError(f"max_input_tokens {override}: the model has only {positions} input positions")
        return override
    if known:
        return min(known)
    if config.model_type in T5_FAMILY:
        warnings.append("the tokenizer declares no input limit; using 512, the length T5 was trained on")
        return 512
    raise ConfigError(f"model type {config.model_type!r} declares no input limit: set max_input_tokens")


def _task_settings(config: Any) -> dict[str, Any]:
    return dict((getattr(config, "task_specific_params", None) or {}).get("summarization", {}))


def generation_config(config: Any, loaded: GenerationConfig, params: Seq2SeqParams) -> GenerationConfig:
    """The checkpoint's generation config, its summarization task settings, then the config's overrides."""
    task = _task_settings(config)
    settings = {key: task[key] for key in _TASK_GENERATION_KEYS if key in task}
    overrides = params.generation_overrides()
    # A config that bounds new tokens replaces the checkpoint's total-length bound instead of adding to it.
    if "max_new_tokens" in overrides:
        settings.pop("max_length", None)
    if "min_new_tokens" in overrides:
        settings.pop("min_length", None)
    effective = copy.deepcopy(loaded)
    effective.update(**settings, **overrides)
    effective.return_dict_in_generate = False
    effective.num_return_sequences = 1
    effective.validate()
    return effective


def _attention_window(config: Any) -> int | None:
    """LED pads inputs to a multiple of its attention window; padding them ourselves keeps it quiet."""
    window = getattr(config, "attention_window", None)
    return max(window) if isinstance(window, list) else window


class Seq2SeqSummarizer:
    """A Hugging Face encoder-decoder checkpoint as a Summarizer."""

    def __init__(
        self, name: str, params: Seq2SeqParams, availability: neural_hub.Availability | None = None
    ) -> None:
        self.name = name
        self.params = params
        self.availability = availability or neural_hub.check_available(
            params.model, params.revision, params.local_files_only
        )
        self._cache = SummaryCache(params.cache_dir) if params.cache else None
        self._prepared: _Prepared | None = None
        self._batcher: Batcher | None = None
        self._meter: MemoryMeter | None = None
        self._stats: dict[str, Any] = {"load_seconds": 0.0, "wall_seconds": 0.0, "documents": 0}
        self._stats |= {"cached_documents": 0, "truncated_documents": 0, "chunked_documents": 0}

    # -- loading ---------------------------------------------------------------------------------------

    def _pretrained(self, loader: Any, **kwargs: Any) -> Any:
        """loader.from_pretrained through the source chosen by neural_hub, never waiting on retries."""
        p, source = self.params, self.availability.source
        revision = p.revision if source != "folder" else None
        common = dict(revision=revision, trust_remote_code=p.trust_remote_code, **kwargs)
        model = str(Path(p.model).expanduser()) if source == "folder" else p.model
        try:
            return loader.from_pretrained(model, local_files_only=source != "online", **common)
        except OSError as exc:
            # Cached config but missing files: fetch them only from a hub that answers for this model.
            retry = source == "cache" and self.availability.may_go_online
            if not retry or neural_hub.probe(p.model, p.revision) in (None, 404):
                raise neural_hub.unavailable(p.model, str(exc).splitlines()[0]) from exc
        try:
            return loader.from_pretrained(model, local_files_only=False, **common)
        except OSError as exc:
            raise neural_hub.unavailable(p.model, str(exc).splitlines()[0]) from exc

    def _prepare(self) -> _Prepared:
        if self._prepared is not None:
            return self._prepared
        p = self.params
        started = time.perf_counter()
        config = self._pretrained(AutoConfig)
        if not getattr(config, "is_encoder_decoder", False):
            raise ConfigError(
                f"model {p.model!r} ({config.model_type}) is not an encoder-decoder (seq2seq) model"
            )
        tokenizer = self._pretrained(AutoTokenizer)
        try:
            loaded = self._pretrained(GenerationConfig)
        except SumtrackError:
            # Many checkpoints ship no generation_config.json: derive it from the config as transformers does.
            loaded = GenerationConfig.from_model_config(config)
        warnings: list[str] = []
        device = resolve_device(p.device)
        family = config.model_type
        if self.availability.source == "folder":
            identity = "sha256:" + neural_hub.folder_fingerprint(p.model)
            if p.revision:
                warnings.append(f"revision {p.revision!r} ignored: {p.model!r} is a local folder")
        else:
            commit = neural_hub.cached_commit(p.model, p.revision)
            identity = f"{p.model}@{commit or p.revision or 'main'}"
        task_prefix = _task_settings(config).get("prefix")
        default_prefix = task_prefix or ("summarize: " if family in T5_FAMILY else "")
        self._prepared = _Prepared(
            tokenizer=tokenizer,
            family=family,
            identity=identity,
            limit=input_limit(config, tokenizer, p.max_input_tokens, warnings),
            prefix=p.prefix if p.prefix is not None else default_prefix,
            generation=generation_config(config, loaded, p),
            device=device,
            dtype=resolve_dtype(p.dtype, device, family, warnings),
            warnings=warnings,
        )
        self._stats["load_seconds"] += time.perf_counter() - started
        return self._prepared

    def _load_batcher(self) -> Batcher:
        """Load the weights, only once a summary is missing from the cache."""
        if self._batcher is None:
            prep = self._prepare()
            started = time.perf_counter()
            model = self._pretrained(AutoModelForSeq2SeqLM, dtype=prep.dtype)
            model.to(prep.device).eval()
            self._batcher = Batcher(
                model=model,
                tokenizer=prep.tokenizer,
                generation=prep.generation,
                batch_size=self.params.batch_size,
                seed=self.params.seed,
                global_attention=prep.family == "led",
                pad_multiple=_attention_window(model.config),
                newline_token="<n>" if prep.family.startswith("pegasus") else None,
            )
            self._stats["load_seconds"] += time.perf_counter() - started
        return self._batcher

    # -- the primitive: summarize texts that are cut at the input limit, through the cache -------------

    def _key_parts(self, policy: str) -> dict[str, Any]:
        prep = self._prepare()
        generation = prep.generation.to_dict()
        generation.pop("transformers_version", None)
        return {
            "format": CACHE_FORMAT,
            "model": prep.identity,
            "dtype": str(prep.dtype).removeprefix("torch."),
            "limit": prep.limit,
            "prefix": prep.prefix,
            "policy": policy,
            "generation": generation,
        }

    def _encode(self, text: str, label: str) -> Encoded:
        prep = self._prepare()
        full = prep.tokenizer(prep.prefix + text, verbose=False)["input_ids"]
        seen = full
        if len(full) > prep.limit:
            seen = prep.tokenizer(prep.prefix + text, truncation=True, max_length=prep.limit)["input_ids"]
        return Encoded(label=label, ids=list(seen), total_tokens=len(full))

    def _generate(self, texts: Sequence[str], labels: Sequence[str]) -> list[Generated]:
        parts = self._key_parts("truncate")
        keys = [make_key(parts, text) for text in texts]
        hits = self._cache.get_many(keys) if self._cache is not None else {}
        results: list[Generated | None] = [
            Generated.from_meta(hits[key].text, hits[key].meta) if key in hits else None for key in keys
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            batcher = self._load_batcher()
            encoded = [self._encode(texts[i], labels[i]) for i in missing]
            for positions, generated in batcher.run(encoded):
                rows = [
                    (keys[missing[j]], g.text, g.meta()) for j, g in zip(positions, generated, strict=True)
                ]
                if self._cache is not None:
                    self._cache.put_many(rows)  # per batch: an interrupted run resumes from here
                for j, g in zip(positions, generated, strict=True):
                    results[missing[j]] = g
        return [r for r in results if r is not None]

    # -- the policies ---------------------------------------------------------------------------------

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        started = time.perf_counter()
        if self._meter is None:
            self._meter = MemoryMeter(self._prepare().device)
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

    def _summarize_chunked(self, texts: Sequence[str]) -> list[Generated]:
        prep = self._prepare()
        parts = self._key_parts("chunk")
        keys = [make_key(parts, text) for text in texts]
        hits = self._cache.get_many(keys) if self._cache is not None else {}
        planner = ChunkPlanner(prep.tokenizer, prep.prefix, prep.limit)
        results = [Generated.from_meta(hits[k].text, hits[k].meta) if k in hits else None for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        done = map_reduce([(i, texts[i].splitlines()) for i in missing], planner, self._generate)
        for i, generated in zip(missing, done, strict=True):
            results[i] = generated
        if self._cache is not None:
            self._cache.put_many((keys[i], g.text, g.meta()) for i, g in zip(missing, done, strict=True))
        return [r for r in results if r is not None]

    def _summary(self, g: Generated) -> Summary:
        return Summary(
            text=g.text,
            system=self.name,
            settings=self.settings(),
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
        generation = prep.generation.to_dict()
        return {
            "model": self.params.model,
            "identity": prep.identity,
            "dtype": str(prep.dtype).removeprefix("torch."),
            "long_input": self.params.long_input,
            "max_input_tokens": prep.limit,
            "prefix": prep.prefix,
            "generation": {
                k: generation[k] for k in _REPORTED_GENERATION_KEYS if generation.get(k) is not None
            },
        }

    def run_info(self) -> dict[str, Any]:
        """Cost first (what the console shows), then what identifies the run; plain JSON values."""
        if self._prepared is None:
            return {"model": self.params.model, "source": self.availability.source, "loaded": False}
        prep, batcher, meter = self._prepared, self._batcher, self._meter
        info: dict[str, Any] = {"device": str(prep.device), "dtype": str(prep.dtype).removeprefix("torch.")}
        info |= {key: round(v, 4) if isinstance(v, float) else v for key, v in self._stats.items()}
        idle = {
            "batch_size": self.params.batch_size,
            "generated_tokens": 0,
            "generated_tokens_per_second": None,
        }
        info |= batcher.stats() if batcher else idle
        info |= meter.stats() if meter else {}
        info["warnings"] = list(prep.warnings)
        info |= {"weights_loaded": batcher is not None, "source": self.availability.source}
        info |= {"family": prep.family} | self.settings()
        return {key: info[key] for key in _RUN_INFO_FIRST if key in info} | info
