"""Settings of the Hugging Face seq2seq summarizer, importable without torch.

The heavy code lives in summarize/neural.py and is imported only by the factory, after a fast check
(huggingface_hub only, no torch) that the weights can be had at all: an unavailable model fails in
seconds, not after the hub client's minute of retries.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from summarize.base import Summarizer
from summarize.registry import SystemType

Dtype = Literal["auto", "float32", "bfloat16", "float16"]
LongInput = Literal["truncate", "chunk"]

GENERATION_KEYS = (
    "num_beams",
    "max_new_tokens",
    "min_new_tokens",
    "length_penalty",
    "no_repeat_ngram_size",
    "early_stopping",
)
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


class Seq2SeqParams(BaseModel):
    """One Hugging Face encoder-decoder checkpoint and how to run it.

    Generation settings left as None keep the checkpoint's own generation config (and, where the checkpoint
    defines them, its `task_specific_params["summarization"]`, as transformers' former summarization
    pipeline applied them): a comparison should run each model as its authors tuned it unless told otherwise.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1, description="hub repo id (org/name) or a local folder")
    revision: str | None = Field(None, description="hub branch, tag or commit; None is the default branch")
    trust_remote_code: bool = False
    device: str = "auto"
    dtype: Dtype = "auto"
    batch_size: int = Field(8, ge=1)
    long_input: LongInput = "truncate"
    max_input_tokens: int | None = Field(None, ge=8, description="lower the model's input limit")
    prefix: str | None = Field(None, description='task prefix; None: the checkpoint\'s, "summarize: " for T5')
    num_beams: int | None = Field(None, ge=1)
    max_new_tokens: int | None = Field(None, ge=1)
    min_new_tokens: int | None = Field(None, ge=0)
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = Field(None, ge=0)
    early_stopping: bool | None = None
    seed: int = 0
    cache: bool = True
    cache_dir: str | None = Field(None, description="None: $SUMTRACK_CACHE_DIR or ~/.cache/sumtrack")
    local_files_only: bool | None = Field(
        None, description="None: use the local cache first, go online only if the hub answers quickly"
    )

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        if not _DEVICE.fullmatch(value):
            raise ValueError(f"device {value!r}: expected auto, cpu, cuda[:N] or mps")
        return value

    @model_validator(mode="after")
    def _check_lengths(self) -> Seq2SeqParams:
        if (
            self.min_new_tokens is not None
            and self.max_new_tokens is not None
            and self.min_new_tokens > self.max_new_tokens
        ):
            raise ValueError(
                f"min_new_tokens {self.min_new_tokens} is larger than max_new_tokens {self.max_new_tokens}"
            )
        return self

    def generation_overrides(self) -> dict[str, object]:
        """The generation settings the config sets; the rest stay the checkpoint's."""
        return {key: getattr(self, key) for key in GENERATION_KEYS if getattr(self, key) is not None}


def _create(name: str, params: Seq2SeqParams) -> Summarizer:
    from summarize import neural_hub

    neural_hub.check_available(params.model, params.revision, params.local_files_only)
    from summarize.neural import Seq2SeqSummarizer

    return Seq2SeqSummarizer(name, params)


SYSTEM_TYPES: list[SystemType] = [
    SystemType(
        name="seq2seq",
        kind="abstractive",
        description="Hugging Face encoder-decoder (BART, PEGASUS, T5, LED...) by repo id or local folder",
        params=Seq2SeqParams,
        factory=_create,
    )
]
