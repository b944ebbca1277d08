"""Batched generation with an out-of-memory fallback, and the cost meters (issues 3 and 8).

Inputs go to `model.generate` longest first in batches of similar length (less padding; an
out-of-memory error shows on the first batch), and come back labelled by their position, so the caller
restores the original order and no row is ever dropped. The same loop serves encoder-decoder and
decoder-only models: the family says which side to pad and where the new tokens start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import psutil
import torch

from summarize.errors import SumtrackError


class DeviceMemoryError(SumtrackError):
    """One document does not fit in the device's memory even in a batch of its own."""


@dataclass(frozen=True)
class Encoded:
    label: str  # "document 3" or "document 3, chunk 2": what an error message names
    ids: list[int]  # the tokens the model sees, cut at the input limit
    total_tokens: int  # the tokens the whole text has


@dataclass(frozen=True)
class Generated:
    text: str
    input_tokens: int
    total_tokens: int
    generated_tokens: int
    seconds: float = 0.0
    chunks: int = 1
    truncated: bool = False
    cached: bool = False
    # The settings that made it, kept with a cached summary so a cache hit reports them without loading
    # the tokenizer; None until the summarizer attaches them.
    settings: Mapping[str, Any] | None = None

    def meta(self) -> dict[str, Any]:
        facts = asdict(self)
        del facts["text"], facts["cached"]
        return facts

    @classmethod
    def from_meta(cls, text: str, meta: dict[str, Any]) -> Generated:
        return cls(text=text, cached=True, **meta)


def is_out_of_memory(exc: BaseException) -> bool:
    # torch.OutOfMemoryError is CUDA's (torch.cuda.OutOfMemoryError is the same class); MPS raises a
    # plain RuntimeError that says so.
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def generated_counts(new_tokens: torch.Tensor, eos_ids: Sequence[int]) -> list[int]:
    """Tokens per row of the newly generated part, up to and including the first EOS (the rest is padding)."""
    rows, width = new_tokens.shape
    if not eos_ids or width == 0:
        return [width] * rows
    is_eos = torch.isin(new_tokens, torch.tensor(list(eos_ids), device=new_tokens.device))
    first = is_eos.int().argmax(dim=1) + 1
    return torch.where(is_eos.any(dim=1), first, width).tolist()


class Batcher:
    """Runs `model.generate` over encoded inputs in length-sorted batches, halving the batch on OOM."""

    def __init__(
        self,
        *,
        model: Any,
        tokenizer: Any,
        generation: Any,
        batch_size: int,
        seed: int,
        decoder_only: bool,
        clean: Callable[[str], str],
        eos_ids: Sequence[int] = (),
        extra_inputs: Callable[[dict[str, torch.Tensor]], None] | None = None,
        generate_kwargs: Mapping[str, Any] | None = None,
        pad_multiple: int | None = None,
        new_cache: Callable[[], Any] | None = None,
    ) -> None:
        self.model, self.tokenizer, self.generation = model, tokenizer, generation
        self.seed = seed
        # Decoder-only models return prompt + new tokens (prompts padded on the left, so the new tokens
        # start at the input width); encoder-decoders return the decoder's sequence, whose first token is
        # the decoder start token, never generated.
        self.decoder_only = decoder_only
        self.clean = clean
        self.extra_inputs = extra_inputs
        self.generate_kwargs = dict(generate_kwargs or {})
        self.pad_multiple = pad_multiple
        self.new_cache = new_cache  # a fresh key/value cache per generate call; None: transformers' default
        self.batch_size = batch_size
        self.batch_size_used = batch_size
        self.oom_retries = 0
        self.model_calls = 0
        self.generated_tokens = 0
        self.generate_seconds = 0.0
        eos = generation.eos_token_id
        self.eos_ids = sorted({*([eos] if isinstance(eos, int) else list(eos or [])), *eos_ids})

    def run(self, encoded: Sequence[Encoded]) -> Iterator[tuple[list[int], list[Generated]]]:
        """Yield (positions in `encoded`, their generations) batch by batch, every position once."""
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].ids))
        start = 0
        while start < len(order):
            batch = order[start : start + self.batch_size_used]
            try:
                generated = self._generate([encoded[i] for i in batch])
            except RuntimeError as exc:
                if not is_out_of_memory(exc):
                    raise
                self._release()
                if len(batch) == 1:
                    item = encoded[batch[0]]
                    raise DeviceMemoryError(
                        f"{item.label} ({len(item.ids)} input tokens) does not fit in "
                        f"{self.model.device} memory even alone: lower max_input_tokens or max_new_tokens, "
                        "use dtype bfloat16, or run on another device"
                    ) from exc
                self.batch_size_used = len(batch) // 2
                self.oom_retries += 1
                continue
            start += len(batch)
            yield batch, generated

    def _release(self) -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _generate(self, batch: Sequence[Encoded]) -> list[Generated]:
        features = self.tokenizer.pad(
            {"input_ids": [item.ids for item in batch]},
            pad_to_multiple_of=self.pad_multiple,
            return_tensors="pt",
        )
        inputs = {name: tensor.to(self.model.device) for name, tensor in features.items()}
        if self.extra_inputs is not None:
            self.extra_inputs(inputs)
        torch.manual_seed(self.seed)  # matters only where the checkpoint samples
        started = time.perf_counter()
        cache = {"cache": self.new_cache()} if self.new_cache is not None else {}
        with torch.inference_mode():
            sequences = self.model.generate(
                **inputs, generation_config=self.generation, **self.generate_kwargs, **cache
            )
        if sequences.device.type == "cuda":
            torch.cuda.synchronize(sequences.device)
        seconds = time.perf_counter() - started
        new = sequences[:, inputs["input_ids"].shape[1] :] if self.decoder_only else sequences[:, 1:]
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        counts = generated_counts(new, self.eos_ids)
        self.model_calls += 1
        self.generated_tokens += sum(counts)
        self.generate_seconds += seconds
        return [
            Generated(
                text=self.clean(text),
                input_tokens=len(item.ids),
                total_tokens=item.total_tokens,
                generated_tokens=count,
                seconds=seconds / len(batch),
                truncated=len(item.ids) < item.total_tokens,
            )
            for item, text, count in zip(batch, texts, counts, strict=True)
        ]

    def stats(self) -> dict[str, Any]:
        rate = self.generated_tokens / self.generate_seconds if self.generate_seconds > 0 else None
        return {
            "batch_size": self.batch_size,
            "batch_size_used": self.batch_size_used,
            "oom_retries": self.oom_retries,
            "model_calls": self.model_calls,
            "generated_tokens": self.generated_tokens,
            "generate_seconds": round(self.generate_seconds, 4),
            "generated_tokens_per_second": round(rate, 2) if rate is not None else None,
        }


def tidy_lines(text: str) -> str:
    """Strip each line and drop blank ones."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


class MemoryMeter:
    """Peak memory while inside: torch.cuda.max_memory_allocated on CUDA, sampled process RSS elsewhere.

    RSS is the whole process (Python, torch, anything loaded before), so compare it between systems run
    the same way; a background thread samples it because the peak comes and goes inside generate().
    """

    INTERVAL = 0.02

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process()
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)

    def _sample(self) -> None:
        self.peak = max(self.peak, self._process.memory_info().rss)

    def _loop(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self._sample()

    def __enter__(self) -> MemoryMeter:
        if self.device.type != "cuda":
            self._sample()
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="sumtrack-rss", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self._sample()
        elif self.device.type == "cuda":
            self.peak = max(self.peak, torch.cuda.max_memory_allocated(self.device))

    def stats(self) -> dict[str, Any]:
        measure = "torch.cuda.max_memory_allocated" if self.device.type == "cuda" else "process RSS"
        return {"peak_memory_bytes": self.peak, "peak_memory_measure": measure}
