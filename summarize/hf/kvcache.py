"""A key/value cache that grows in place, so a decode step does not copy the whole cache (issue 18).

transformers' DynamicCache appends each step's keys and values with torch.cat, which copies every layer's
cache every step: with SmolLM2-135M and a 1,955-token prompt that was 46% of a float32 decode step on this
CPU (55 of 104 ms, torch.profiler), more than the matrix products. GrowingCache keeps each layer's keys and
values in buffers with room for the next tokens and hands attention views of their filled part: the same
shapes and the same numbers as DynamicCache's, so greedy output is unchanged (tests/test_hf_kvcache.py),
without the copy. Static caches would also avoid it but attend over their whole length, padding included,
which changes the sums' order and so, now and then, a greedy token.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers.cache_utils import Cache, DynamicCache, DynamicLayer

# Positions added beyond what a step needs when a buffer grows: one copy of the cache per this many tokens.
GROWTH = 256


class GrowingLayer(DynamicLayer):
    """A DynamicLayer whose keys and values are views into buffers that grow GROWTH positions at a time."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self._key_buffer: torch.Tensor | None = None
        self._value_buffer: torch.Tensor | None = None

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        filled, added = self.get_seq_length(), key_states.shape[-2]
        if not self._holds(filled + added, key_states):
            self._grow(filled + added, key_states, value_states)
        assert self._key_buffer is not None and self._value_buffer is not None  # set by _grow
        self._key_buffer[..., filled : filled + added, :].copy_(key_states)
        self._value_buffer[..., filled : filled + added, :].copy_(value_states)
        self.keys = self._key_buffer[..., : filled + added, :]
        self.values = self._value_buffer[..., : filled + added, :]
        return self.keys, self.values

    def _holds(self, needed: int, key_states: torch.Tensor) -> bool:
        """Whether the buffers have room for `needed` positions and the keys are still their view (batch
        reordering and cropping by transformers replace or shorten them)."""
        buffer = self._key_buffer
        if buffer is None or buffer.shape[-2] < needed or buffer.dtype != key_states.dtype:
            return False
        if buffer.shape[:-2] != key_states.shape[:-2] or buffer.shape[-1] != key_states.shape[-1]:
            return False
        keys = self.keys
        return self.get_seq_length() == 0 or (keys is not None and keys.data_ptr() == buffer.data_ptr())

    def _grow(self, needed: int, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        filled = self.get_seq_length()
        shape = (*key_states.shape[:-2], needed + GROWTH)
        keys = key_states.new_empty((*shape, key_states.shape[-1]))
        values = value_states.new_empty((*shape, value_states.shape[-1]))
        if filled and self.keys is not None and self.values is not None:
            keys[..., :filled, :].copy_(self.keys)
            values[..., :filled, :].copy_(self.values)
        self._key_buffer, self._value_buffer = keys, values


class GrowingCache(DynamicCache):
    """A DynamicCache of GrowingLayer layers (full attention only: see `growing_cache`)."""

    def __init__(self) -> None:
        Cache.__init__(self, layer_class_to_replicate=GrowingLayer)


def growing_cache(model: Any) -> GrowingCache | None:
    """A GrowingCache for `model`, or None where it would differ from the default cache: models with
    sliding-window or other non-full-attention layers, and models that manage their own cache."""
    if not getattr(model, "_supports_default_dynamic_cache", lambda: False)():
        return None
    from transformers.cache_utils import get_layer_types_and_kwargs

    config = model.config.get_text_config(decoder=True)
    try:
        layer_types, _ = get_layer_types_and_kwargs(config)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    if not layer_types or any(kind != "full_attention" for kind in layer_types):
        return None
    return GrowingCache()
