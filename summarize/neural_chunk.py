"""Sentence-aligned chunks that fit a model's input limit, for map-reduce summarization (issue 3).

Units are the canonical form's lines (sentences) in the map round and chunk summaries in reduce rounds.
A unit longer than a whole chunk is split at word boundaries; only a single word longer than the limit
would be cut, and the caller records that as truncation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarize.errors import ConfigError


class ChunkPlanner:
    # Reduce rounds before the joined summaries are cut at the limit instead (each round shrinks them
    # by the compression ratio, so real inputs need one or two).
    max_rounds = 4

    def __init__(self, tokenizer: Any, prefix: str, limit: int) -> None:
        self.tokenizer, self.prefix, self.limit = tokenizer, prefix, limit
        self.budget = limit - self.count("")
        if self.budget < 4:
            raise ConfigError(f"input limit {limit}: the prefix {prefix!r} and special tokens leave no room")

    def count(self, text: str) -> int:
        """Tokens the model would see for `text`, prefix and special tokens included."""
        return len(self.tokenizer(self.prefix + text, verbose=False)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count(text) <= self.limit

    def _size(self, unit: str) -> int:
        return len(self.tokenizer(" " + unit, add_special_tokens=False, verbose=False)["input_ids"])

    def _pieces(self, unit: str) -> list[tuple[str, int]]:
        """The unit itself, or its words when it alone exceeds a chunk."""
        size = self._size(unit)
        if size <= self.budget:
            return [(unit, size)]
        return [(word, self._size(word)) for word in unit.split()]

    def _pack(self, sized: Sequence[tuple[str, int]]) -> list[list[tuple[str, int]]]:
        """Greedy packing of sized units into groups within the budget."""
        groups: list[list[tuple[str, int]]] = []
        used = 0
        for unit, size in sized:
            if groups and used + size <= self.budget:
                groups[-1].append((unit, size))
                used += size
            else:
                groups.append([(unit, size)])
                used = size
        return groups

    def plan(self, units: Sequence[str]) -> list[str]:
        """Chunks of whole units (whole sentences where possible), each within the input limit."""
        sized = [piece for unit in units if unit.strip() for piece in self._pieces(unit.strip())]
        groups = [[unit for unit, _ in group] for group in self._pack(sized)]
        # Sizes are estimates (a unit's tokens can merge across the joining space): where a chunk still
        # overflows, its last unit moves to the next chunk.
        index = 0
        while index < len(groups):
            group = groups[index]
            while len(group) > 1 and not self.fits(" ".join(group)):
                if index + 1 == len(groups):
                    groups.append([])
                groups[index + 1].insert(0, group.pop())
            index += 1
        return [" ".join(group) for group in groups]
