"""Settings of the Hugging Face summarizers (seq2seq and causal), importable without torch.

The heavy code lives in summarize/hf/backend.py and the family modules, imported only by the factories,
after a fast check (huggingface_hub only, no torch) that the weights can be had at all: an unavailable
model fails in seconds, not after the hub client's minute of retries.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from summarize.base import SystemType
from summarize.prompts import ChatMode, PromptSettings, StopStrings

Dtype = Literal["auto", "float32", "bfloat16", "float16"]
LongInput = Literal["truncate", "chunk"]

_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def check_device(value: str) -> str:
    """A device setting as written (auto, cpu, cuda[:N] or mps): the systems' and the faithfulness models'."""
    if not _DEVICE.fullmatch(value):
        raise ValueError(f"device {value!r}: expected auto, cpu, cuda[:N] or mps")
    return value


class HFParams(BaseModel):
    """What every Hugging Face model needs: where its files are and how to run it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Generation settings a family accepts; None keeps the checkpoint's own value.
    generation_keys: ClassVar[tuple[str, ...]] = ()

    model: str = Field(
        min_length=1,
        description="hub repo id (org/name), a local folder, a .gguf file, or package:NAME "
        "(a GGUF shipped in an installed Python package)",
    )
    revision: str | None = Field(None, description="hub branch, tag or commit; None is the default branch")
    gguf_file: str | None = Field(
        None, description="GGUF file inside the repo/folder/package; None: the only .gguf there, if any"
    )
    trust_remote_code: bool = False
    device: str = "auto"
    dtype: Dtype = "auto"
    batch_size: int = Field(8, ge=1)
    long_input: LongInput = "truncate"
    max_input_tokens: int | None = Field(None, ge=8, description="lower the model's input limit")
    seed: int = 0
    cache: bool = True
    cache_dir: str | None = Field(None, description="None: $SUMTRACK_CACHE_DIR or ~/.cache/sumtrack")
    local_files_only: bool | None = Field(
        None, description="None: use the local cache first, go online only if the hub answers quickly"
    )

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        return check_device(value)

    @model_validator(mode="after")
    def _check_lengths(self) -> HFParams:
        low, high = getattr(self, "min_new_tokens", None), getattr(self, "max_new_tokens", None)
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_new_tokens {low} is larger than max_new_tokens {high}")
        return self

    def generation_overrides(self) -> dict[str, Any]:
        """The generation settings the config sets; the rest stay the checkpoint's."""
        return {key: getattr(self, key) for key in self.generation_keys if getattr(self, key) is not None}

    def output_settings(self) -> dict[str, Any]:
        """The settings that shape a summary (for the cache key); not where or how fast it runs."""
        skip = {"device", "batch_size", "cache", "cache_dir", "local_files_only", "trust_remote_code"}
        return self.model_dump(exclude=skip)


class Seq2SeqParams(HFParams):
    """One Hugging Face encoder-decoder checkpoint and how to run it.

    Generation settings left as None keep the checkpoint's own generation config (and, where the checkpoint
    defines them, its `task_specific_params["summarization"]`, as transformers' former summarization
    pipeline applied them): a comparison should run each model as its authors tuned it unless told otherwise.
    """

    generation_keys: ClassVar[tuple[str, ...]] = (
        "num_beams",
        "max_new_tokens",
        "min_new_tokens",
        "length_penalty",
        "no_repeat_ngram_size",
        "early_stopping",
    )

    prefix: str | None = Field(None, description='task prefix; None: the checkpoint\'s, "summarize: " for T5')
    num_beams: int | None = Field(None, ge=1)
    max_new_tokens: int | None = Field(None, ge=1)
    min_new_tokens: int | None = Field(None, ge=0)
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = Field(None, ge=0)
    early_stopping: bool | None = None


class CausalParams(PromptSettings, HFParams):
    """A decoder-only LLM prompted to summarize: chat template for instruct models, a plain prompt else.

    Decoding is greedy (or beam search with num_beams) whatever the checkpoint's sampling defaults say, so
    the same config gives the same summaries.
    """

    generation_keys: ClassVar[tuple[str, ...]] = (
        "num_beams",
        "max_new_tokens",
        "min_new_tokens",
        "no_repeat_ngram_size",
        "repetition_penalty",
    )

    batch_size: int = Field(4, ge=1)
    chat: ChatMode = Field("auto", description="auto: use the chat template when the tokenizer has one")
    stop: StopStrings = Field((), description="strings that end a summary (cut there)")
    max_new_tokens: int = Field(200, ge=1)
    min_new_tokens: int | None = Field(None, ge=0)
    num_beams: int | None = Field(None, ge=1)
    no_repeat_ngram_size: int | None = Field(None, ge=0)
    repetition_penalty: float | None = Field(None, gt=0)

    @field_validator("chat", mode="before")
    @classmethod
    def _chat_from_yaml_bool(cls, value: object) -> object:
        # YAML reads an unquoted `chat: yes` / `chat: no` as a boolean.
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value


SYSTEM_TYPES: list[SystemType] = [
    SystemType(
        name="seq2seq",
        kind="abstractive",
        description="Hugging Face encoder-decoder (BART, PEGASUS, T5, LED...) by repo id or local folder",
        params=Seq2SeqParams,
        factory="summarize.hf.factories:create_seq2seq",
    ),
    SystemType(
        name="causal",
        kind="abstractive",
        description="decoder-only LLM (Llama, Qwen2, SmolLM2, Gemma...) by repo id, folder, GGUF or package",
        params=CausalParams,
        factory="summarize.hf.factories:create_causal",
    ),
]
