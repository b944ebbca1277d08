"""Per-token log-probabilities of many texts under a causal LM, with a shared prefix encoded once (issue 18).

The faithfulness likelihood scores every text twice, given its source and without it: the source is the
long part, the same for all its texts. `CausalLM.token_logprobs(prefix, suffixes)` runs the prefix through
the model once, keeps its key/value cache, and runs each batch of suffixes against a copy of it expanded to
the batch, so a source of 2,000 tokens costs one forward pass, not one per text. The result equals one
forward pass over prefix + suffix (tests/test_hf_likelihood.py checks 1e-4 in float32).

Tokens: the prefix and each suffix are tokenized separately (no special tokens) and joined as ids, so a text
has the same tokens with any prefix and without one; put a separator ("\\n\\n") at the end of the prefix.
Every sequence starts with the tokenizer's BOS token (its EOS where it has none, the document boundary GPT-2
style models were trained with), so the first token of a text has a context to be scored in.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from pydantic import ValidationError

from summarize.errors import ConfigError, SumtrackError
from summarize.hf import hub
from summarize.hf.backend import context_positions, requested_dtype, resolve_device
from summarize.hf.config import Dtype, HFParams
from summarize.hf.loading import ModelFiles

# Positions per forward call, summed over a batch: bounds the logits held at once (positions x vocabulary
# x 4 bytes, 200 MB for SmolLM2's 49k vocabulary), and so the memory a long text needs.
POSITIONS_PER_CALL = 1024


class ContextWindowError(SumtrackError):
    """A prefix and a text together are longer than the model's context window."""


@dataclass(frozen=True)
class TokenScores:
    """One text's tokens and the natural-log probability the model gave each, in order."""

    text: str
    ids: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]  # each token's characters in `text`: text[start:end]
    logprobs: tuple[float, ...]

    @property
    def tokens(self) -> tuple[str, ...]:
        """Each token's characters in the text (a byte-level token inside a character may be empty)."""
        return tuple(self.text[a:b] for a, b in self.offsets)

    @property
    def total(self) -> float:
        return math.fsum(self.logprobs)

    @property
    def mean(self) -> float | None:
        """Mean log-probability per token; None for a text with no tokens."""
        return self.total / len(self.logprobs) if self.logprobs else None


@dataclass
class Prefix:
    """A prefix encoded once: its ids, its key/value cache and the log-probabilities of the next token."""

    ids: list[int]
    cache: Any
    next_logprobs: torch.Tensor  # (vocabulary,), float32


class CausalLM:
    """A loaded causal LM and its tokenizer, scoring texts token by token (see `load_causal_lm`)."""

    def __init__(
        self, model: Any, tokenizer: Any, *, identity: str, context: int, warnings: Sequence[str] = ()
    ) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.identity = identity  # what a cache of scores should key by: a hash, commit or package version
        self.context = context  # positions the model may see: prefix + text
        self.warnings = list(warnings)
        start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        if start is None:
            raise ConfigError(f"model {identity!r}: its tokenizer has no BOS or EOS token to start on")
        self.start_id = int(start)
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start)

    @property
    def device(self) -> torch.device:
        return torch.device(self.model.device)

    @property
    def dtype(self) -> str:
        return str(self.model.dtype).removeprefix("torch.")

    def tokenize(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """The ids of `text` without special tokens, and each one's character offsets."""
        found = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return list(found["input_ids"]), [(int(a), int(b)) for a, b in found["offset_mapping"]]

    def count(self, text: str) -> int:
        return len(self.tokenize(text)[0])

    def encode_prefix(self, prefix: str | None) -> Prefix:
        """Run the start token and `prefix` through the model once; its cache serves every suffix."""
        ids = [self.start_id, *(self.tokenize(prefix)[0] if prefix else [])]
        if len(ids) >= self.context:
            raise ContextWindowError(
                f"the prefix takes {len(ids)} tokens, the whole context window of {self.context}"
            )
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([ids], device=self.device), use_cache=True)
        next_logprobs = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        return Prefix(ids=ids, cache=out.cache, next_logprobs=next_logprobs)

    def token_logprobs(
        self, prefix: str | Prefix | None, suffixes: Sequence[str], *, batch_size: int = 8
    ) -> list[TokenScores]:
        """For each suffix, its tokens and their log-probabilities given the start token and `prefix`.

        Same order and length as `suffixes`. Every length is checked before anything runs: a text that
        does not fit the context window with the prefix raises ContextWindowError naming it.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size {batch_size}: expected 1 or more")
        encoded = [self.tokenize(text) for text in suffixes]
        start = prefix if isinstance(prefix, Prefix) else None
        width = len(start.ids) if start else 1 + (self.count(prefix) if isinstance(prefix, str) else 0)
        for i, (ids, _) in enumerate(encoded):
            if width + len(ids) > self.context:
                raise ContextWindowError(
                    f"text {i}: {width} prefix and {len(ids)} text tokens exceed the context window "
                    f"of {self.context}"
                )
        if start is None:
            start = self.encode_prefix(prefix if isinstance(prefix, str) else None)
        scores: list[list[float]] = [[] for _ in suffixes]
        order = sorted((i for i in range(len(suffixes)) if encoded[i][0]), key=lambda i: -len(encoded[i][0]))
        for at in range(0, len(order), batch_size):
            batch = order[at : at + batch_size]
            for i, row in zip(batch, self._score_batch(start, [encoded[i][0] for i in batch]), strict=True):
                scores[i] = row
        return [
            TokenScores(text=text, ids=tuple(ids), offsets=tuple(offsets), logprobs=tuple(scores[i]))
            for i, (text, (ids, offsets)) in enumerate(zip(suffixes, encoded, strict=True))
        ]

    def _score_batch(self, prefix: Prefix, rows: list[list[int]]) -> list[list[float]]:
        """Log-probabilities of `rows` (longest first) after `prefix`: right-padded, so a row's tokens never
        see its padding, and fed in windows of positions that grow one expanded copy of the cache."""
        cache = copy.deepcopy(prefix.cache)
        if len(rows) > 1:
            cache.batch_repeat_interleave(len(rows))
        width = len(rows[0])
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), len(prefix.ids) + width), dtype=torch.long)
        mask[:, : len(prefix.ids)] = 1
        for r, row in enumerate(rows):
            ids[r, : len(row)] = torch.tensor(row)
            mask[r, len(prefix.ids) : len(prefix.ids) + len(row)] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        first = prefix.next_logprobs[ids[:, 0]]
        found = [first[:, None]]
        step = max(1, POSITIONS_PER_CALL // len(rows))
        with torch.inference_mode():
            # The logits at a text's last position predict past its end: only the first width - 1 are fed.
            for a, b in _windows(width - 1, step):
                at = len(prefix.ids) + a
                positions = torch.arange(at, at + b - a, device=self.device).expand(len(rows), -1)
                out = self.model(
                    input_ids=ids[:, a:b],
                    attention_mask=mask[:, : at + b - a],
                    position_ids=positions,
                    cache=cache,
                    use_cache=True,
                )
                logprobs = torch.log_softmax(out.logits.float(), dim=-1)
                found.append(logprobs.gather(-1, ids[:, a + 1 : b + 1, None])[..., 0])
        table = torch.cat(found, dim=1).cpu()
        return [table[r, : len(row)].tolist() for r, row in enumerate(rows)]


def _windows(total: int, step: int) -> Iterator[tuple[int, int]]:
    for a in range(0, total, step):
        yield a, min(total, a + step)


def load_causal_lm(
    model: str,
    *,
    device: str = "auto",
    dtype: Dtype = "auto",
    revision: str | None = None,
    gguf_file: str | None = None,
    cache_dir: str | None = None,
    local_files_only: bool | None = None,
    trust_remote_code: bool = False,
) -> CausalLM:
    """Load a causal LM the way the `causal` summarizer does: a hub repo id, a folder, a .gguf file or
    `package:NAME`; a GGUF through its cached conversion (summarize/hf/loading.py); dtype auto as there.

    Raises ModelUnavailableError when the files are not there, ConfigError for an encoder-decoder model or
    a bad device or dtype, all one line.
    """
    settings = dict(
        model=model, device=device, dtype=dtype, revision=revision, gguf_file=gguf_file,
        cache_dir=cache_dir, local_files_only=local_files_only, trust_remote_code=trust_remote_code,
    )  # fmt: skip
    try:
        params = HFParams.model_validate(settings)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"{where} {settings.get(where)!r}: {error['msg']}") from None
    availability = hub.check_available(params)
    device_used = resolve_device(params.device)
    torch_dtype = requested_dtype(params.dtype, device_used)
    files = ModelFiles(params, availability)
    warnings: list[str] = []
    import transformers

    if files.needs_conversion():
        header = files.pretrained(transformers.AutoConfig)
        _check_causal(model, header)
        files.convert("AutoModelForCausalLM", header, warnings)
    config = files.pretrained(transformers.AutoConfig)
    _check_causal(model, config)
    tokenizer = files.pretrained(transformers.AutoTokenizer)
    loaded = files.take_model(torch_dtype)  # the float32 model a first conversion loaded
    if loaded is None:
        loaded = files.pretrained(transformers.AutoModelForCausalLM, config=config, dtype=torch_dtype)
    loaded.to(device_used).eval()
    positions = context_positions(config, tokenizer)
    if not positions:
        raise ConfigError(f"model {model!r} ({config.model_type}) declares no context window")
    identity = hub.identity(availability, revision)
    return CausalLM(loaded, tokenizer, identity=identity, context=min(positions), warnings=warnings)


def _check_causal(model: str, config: Any) -> None:
    if getattr(config, "is_encoder_decoder", False):
        kind = config.model_type
        raise ConfigError(f"model {model!r} ({kind}) is an encoder-decoder model, not a causal LM")
