"""Sentence-aligned chunks within a model's input limit, and map-reduce over them (issues 3 and 8).

Map-reduce: summarize a document's chunks, join the chunk summaries, and repeat on the joined text until
it fits; then summarize it once more. Units are the canonical form's lines (sentences) in the map round
and chunk summaries in reduce rounds. A unit longer than a whole chunk is split at word boundaries; only a
single word longer than the limit would be cut, and that is recorded as truncation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from summarize.errors import ConfigError
from summarize.hf.batch import Generated

# (texts, labels) -> one generation per text, in order; texts longer than the limit are cut.
Generate = Callable[[Sequence[str], Sequence[str]], list[Generated]]


class ChunkPlanner:
    """Packs units into chunks that fit; `count(text)` is the family's own count of the tokens the model
    sees for `text` (a T5 prefix, a prompt and chat template, special tokens), so the planner knows no
    family's framing."""

    # Reduce rounds before the joined summaries are cut at the limit instead (each round shrinks them
    # by the compression ratio, so real inputs need one or two).
    max_rounds = 4

    def __init__(self, tokenizer: Any, count: Callable[[str], int], limit: int) -> None:
        self.tokenizer, self.count, self.limit = tokenizer, count, limit
        self.budget = limit - count("")
        if self.budget < 4:
            raise ConfigError(f"input limit {limit}: the prompt or prefix and special tokens leave no room")

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


@dataclass
class _Doc:
    """A document carried through map-reduce rounds."""

    index: int
    units: list[str]
    total_tokens: int
    chunks: int = 1
    rounds: int = 0
    size: int = 1 << 62  # tokens of the joined units at the previous round
    lost_tokens: int = 0
    generations: list[Generated] = field(default_factory=list)
    result: Generated | None = None

    def finish(self, last: Generated) -> Generated:
        if self.rounds == 0:  # it fit: a plain generation
            return last
        return Generated(
            text=last.text,
            input_tokens=self.total_tokens - self.lost_tokens,
            total_tokens=self.total_tokens,
            generated_tokens=sum(g.generated_tokens for g in self.generations),
            seconds=sum(g.seconds for g in self.generations),
            chunks=self.chunks,
            # Source tokens lost (a word longer than a chunk), or chunk summaries cut in the last pass.
            truncated=self.lost_tokens > 0 or last.truncated,
        )


def map_reduce(
    documents: Sequence[tuple[int, Sequence[str]]], planner: ChunkPlanner, generate: Generate
) -> list[Generated]:
    """Summarize (index, lines) documents; each round runs all unfinished documents together, so their
    chunks share batches."""
    docs = [
        _Doc(i, [u for u in lines if u.strip()], planner.count(" ".join(lines))) for i, lines in documents
    ]
    pending = list(docs)
    while pending:
        jobs: list[tuple[_Doc, str, bool]] = []  # (document, text, final pass?)
        labels: list[str] = []
        for doc in pending:
            joined = " ".join(doc.units)
            size, doc.size = doc.size, planner.count(joined)
            # A document that fits gets its final pass; so does one whose chunk summaries stopped
            # shrinking or that is still too long after max_rounds: that last pass is cut at the limit.
            final = doc.size <= planner.limit or doc.size >= size or doc.rounds >= planner.max_rounds
            chunks = [joined] if final else planner.plan(doc.units)
            if doc.rounds == 0:
                doc.chunks = len(chunks)
            jobs += [(doc, chunk, final) for chunk in chunks]
            name = f"document {doc.index}"
            labels += (
                [name] if final else [f"{name}, round {doc.rounds}, chunk {n}" for n in range(len(chunks))]
            )
        generated = generate([text for _, text, _ in jobs], labels)
        for doc in pending:
            doc.units = []
        for (doc, _, final), g in zip(jobs, generated, strict=True):
            doc.generations.append(g)
            if doc.rounds == 0:
                doc.lost_tokens += max(0, g.total_tokens - g.input_tokens)
            if final:
                doc.result = doc.finish(g)
            else:
                doc.units.append(" ".join(g.text.split()))
        for doc in pending:
            doc.rounds += 1
        pending = [doc for doc in pending if doc.result is None]
    return [doc.result for doc in docs if doc.result is not None]
