"""Encoder-decoder summarizers (BART, PEGASUS, T5, LED): the seq2seq family over the HF backend (issue 3).

What is particular to them: a task prefix (T5's "summarize: "), the checkpoint's
`task_specific_params["summarization"]` as generation defaults, LED's global attention on the first token
and attention-window padding, PEGASUS's "<n>" newline token, and fp16 that T5 and PEGASUS cannot take.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import GenerationConfig

from summarize.errors import ConfigError
from summarize.hf.backend import HFSummarizer, Prepared, context_positions, merged_generation, requested_dtype
from summarize.hf.batch import Encoded, tidy_lines
from summarize.hf.config import Seq2SeqParams

T5_FAMILY = frozenset({"t5", "mt5", "umt5", "longt5"})
# fp16 overflows in T5's and PEGASUS's activations and yields NaN or empty output (issue 3).
FP16_UNSAFE = T5_FAMILY | {"pegasus", "pegasus_x", "bigbird_pegasus"}
# Keys of task_specific_params["summarization"] that are generation settings (the rest, e.g. prefix, are not).
_TASK_GENERATION_KEYS = (*Seq2SeqParams.generation_keys, "max_length", "min_length")
_REPORTED_GENERATION_KEYS = (*_TASK_GENERATION_KEYS, "do_sample")


def resolve_dtype(name: str, device: torch.device, family: str, warnings: list[str]) -> torch.dtype:
    dtype = requested_dtype(name, device)
    if dtype is torch.float16 and family in FP16_UNSAFE:
        warnings.append(
            f"dtype float16 is known to give NaN or empty output with {family}; running in float32 instead"
        )
        return torch.float32
    return dtype


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
    return merged_generation(loaded, settings | overrides)


def input_limit(config: Any, tokenizer: Any, override: int | None, warnings: list[str]) -> int:
    """min(tokenizer.model_max_length, the encoder's position limit), or the config's lower override."""
    positions = context_positions(config, tokenizer)
    encoder = getattr(config, "max_encoder_position_embeddings", None) or getattr(
        config, "max_position_embeddings", None
    )
    if override is not None:
        if encoder and override > encoder:
            raise ConfigError(f"max_input_tokens {override}: the model has only {encoder} input positions")
        return override
    if positions:
        return min(positions)
    if config.model_type in T5_FAMILY:
        warnings.append("the tokenizer declares no input limit; using 512, the length T5 was trained on")
        return 512
    raise ConfigError(f"model type {config.model_type!r} declares no input limit: set max_input_tokens")


def _attention_window(config: Any) -> int | None:
    """LED pads inputs to a multiple of its attention window; padding them ourselves keeps it quiet."""
    window = getattr(config, "attention_window", None)
    return max(window) if isinstance(window, list) else window


def _global_attention_on_first_token(inputs: dict[str, torch.Tensor]) -> None:
    inputs["global_attention_mask"] = torch.zeros_like(inputs["input_ids"])
    inputs["global_attention_mask"][:, 0] = 1


class Seq2SeqSummarizer(HFSummarizer):
    """A Hugging Face encoder-decoder checkpoint as a Summarizer."""

    auto_model = "AutoModelForSeq2SeqLM"
    family = "seq2seq"
    params: Seq2SeqParams

    prefix = ""
    generation: GenerationConfig

    def _check_config(self, config: Any) -> None:
        if not getattr(config, "is_encoder_decoder", False):
            raise ConfigError(
                f"model {self.params.model!r} ({config.model_type}) is not an encoder-decoder (seq2seq) model"
            )

    def _dtype(self, model_type: str, warnings: list[str]) -> torch.dtype:
        return resolve_dtype(self.params.dtype, self.device, model_type, warnings)

    def _setup(self, prep: Prepared) -> None:
        p = self.params
        task_prefix = _task_settings(prep.config).get("prefix")
        default = task_prefix or ("summarize: " if prep.model_type in T5_FAMILY else "")
        self.prefix = p.prefix if p.prefix is not None else default
        prep.limit = input_limit(prep.config, prep.tokenizer, p.max_input_tokens, prep.warnings)
        self.generation = generation_config(prep.config, prep.generation, p)

    def count(self, text: str) -> int:
        return len(self._prepare().tokenizer(self.prefix + text, verbose=False)["input_ids"])

    def encode(self, text: str, label: str) -> Encoded:
        prep = self._prepare()
        full = prep.tokenizer(self.prefix + text, verbose=False)["input_ids"]
        seen = full
        if len(full) > prep.limit:
            seen = prep.tokenizer(self.prefix + text, truncation=True, max_length=prep.limit)["input_ids"]
        return Encoded(label=label, ids=list(seen), total_tokens=len(full))

    def _batcher_options(self, model: Any) -> dict[str, Any]:
        prep = self._prepare()
        newline = "<n>" if prep.model_type.startswith("pegasus") else None  # PEGASUS CNN/DM's line break

        def clean(text: str) -> str:
            return tidy_lines(text.replace(newline, "\n") if newline else text)

        return {
            "generation": self.generation,
            "decoder_only": False,
            "clean": clean,
            "extra_inputs": _global_attention_on_first_token if prep.model_type == "led" else None,
            "pad_multiple": _attention_window(model.config),
        }

    def family_settings(self) -> dict[str, Any]:
        generation = self.generation.to_dict()
        return {
            "prefix": self.prefix,
            "generation": {
                k: generation[k] for k in _REPORTED_GENERATION_KEYS if generation.get(k) is not None
            },
        }
