"""Bit-parallel longest common subsequence for ROUGE-L and ROUGE-Lsum, exact to rouge-score 0.1.2.

The reference tokens are the bits of a Python int (bit i is token i); each prediction token is one
column of the LCS table. The column update is the bit-vector recurrence of Crochemore et al. (2001),
also Hyyrö (2004): ``U = V & match; V = (V + U) | (V - U)``. After column j a zero bit at row i means
``LCS[i][j] == LCS[i-1][j] + 1``, so the whole table is recoverable from the stored columns.

rougeLsum's union LCS depends on which alignment rouge-score's ``_backtrack_norec`` reads out. At a cell
(i, j) it takes the match if the tokens are equal, else moves left when ``LCS[i][j-1] > LCS[i-1][j]``,
else up. Without a match the cell equals the larger neighbour, so "left" happens exactly when the column
rises at row i, i.e. when bit i-1 of ``~V_j`` is set. One backtrack step therefore walks up to the
highest row at or below the cursor that is a match or a rise, then leaves column j: that is one
carry-propagating addition once the rows are bit-reversed, and it runs for every reference sentence at
once because sentences are separated by guard bits that stop the carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Each byte with its bits in reverse order, to reverse a whole int with three C-level calls.
_REVERSED_BYTES = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def match_masks(tokens: Sequence[str], positions: Sequence[int] | None = None) -> dict[str, int]:
    """Token -> int with bit p set for every position p (default: its index) where the token occurs."""
    masks: dict[str, int] = {}
    for index, token in enumerate(tokens):
        bit = 1 << (index if positions is None else positions[index])
        masks[token] = masks.get(token, 0) | bit
    return masks


def lcs_length(masks: Mapping[str, int], length: int, other: Sequence[str]) -> int:
    """Length of the LCS of the `length` tokens behind `masks` and the tokens `other`."""
    full = (1 << length) - 1
    v = full
    get = masks.get
    for token in other:
        match = get(token)
        if match:
            u = v & match
            v = ((v + u) | (v - u)) & full
    return length - v.bit_count()


class SentenceRows:
    """The reference side of rougeLsum: every non-empty reference sentence as one block of rows.

    Natural layout (for the LCS columns): sentence k's token r sits at bit ``offset_k + r``, followed by
    one guard bit, kept zero in rougeLsum's columns so that carries stop there and each sentence's rows
    evolve alone. Reversed layout (for the backtrack): the same int bit-reversed over
    ``8 * nbytes`` bits, so that a sentence's last token comes first and its row 0 is the guard bit
    above it (for the first sentence, the bit past the top).
    """

    def __init__(self, sentences: Sequence[Sequence[str]]) -> None:
        positions: list[int] = []
        tokens: list[str] = []
        block_ends: list[int] = []
        offset = 0
        for sentence in sentences:
            tokens.extend(sentence)
            positions.extend(range(offset, offset + len(sentence)))
            offset += len(sentence)
            block_ends.append(offset)
            offset += 1  # the guard bit
        self.nbytes = (offset + 7) // 8
        width = 8 * self.nbytes
        self.masks = match_masks(tokens, positions)
        self.rev_masks = match_masks(tokens, [width - 1 - p for p in positions])
        self.rows = sum(self.masks.values())
        self._bits = offset
        # Cursor bits, reversed layout: each sentence starts at its last row and is done at its row 0.
        self.start = sum(1 << (width - end) for end in block_ends)
        lengths = map(len, sentences)
        self.done = sum(1 << (width - end + n) for end, n in zip(block_ends, lengths, strict=True))

    def lcs_length(self, other: Sequence[str]) -> int:
        """Length of the LCS of all the sentences' tokens, concatenated, and `other` (rougeL).

        A guard bit is a reference token that never matches: its bit stays set, so it adds nothing.
        """
        return lcs_length(self.masks, self._bits, other)

    def reverse(self, x: int) -> int:
        return int.from_bytes(x.to_bytes(self.nbytes, "little").translate(_REVERSED_BYTES), "big")

    def union_lcs(self, candidate: Sequence[str]) -> int:
        """Reversed-layout bits of the reference rows on rouge-score's LCS with `candidate`, all sentences."""
        masks = self.masks
        rows = self.rows
        v = rows
        columns: list[int] = []
        for token in candidate:
            match = masks.get(token)
            if match:
                u = v & match
                v = ((v + u) | (v - u)) & rows
            columns.append(v)
        if v == rows:  # no token in common: every LCS is empty
            return 0
        rev_masks = self.rev_masks
        nbytes = self.nbytes
        to_bytes, from_bytes = int.to_bytes, int.from_bytes  # self.reverse, inlined for the hot loop
        cursor = self.start
        done = self.done
        found = 0
        for j in range(len(candidate) - 1, -1, -1):
            match = rev_masks.get(candidate[j], 0)
            rises = to_bytes(rows ^ columns[j], nbytes, "little").translate(_REVERSED_BYTES)
            stops = match | from_bytes(rises, "big")
            # Rows from each cursor up to its sentence's row 0 that are neither match nor rise: the
            # carry of `+ cursor` runs through them and lands on the row where the backtrack leaves j.
            free = (done - cursor) & ~stops
            landed = (free + cursor) & ~free
            taken = landed & match
            found |= taken
            cursor = (landed ^ taken) | (taken << 1)
            if cursor == done:
                break
        return found

    def hits(self, candidates: Sequence[Sequence[str]], candidate_counts: Mapping[str, int]) -> int:
        """rouge-score's summary-level LCS hits: union LCS tokens, each counted at most as often as the
        candidate holds it (ROUGE-1.5.5's guard against double counting).

        rouge-score decrements a reference and a candidate count per hit; the union holds distinct
        reference positions, so the reference count never runs out first and min(candidate, union) is
        the same total whatever the order.
        """
        union = 0
        for candidate in candidates:
            union |= self.union_lcs(candidate)
        if not union:
            return 0
        rev_masks = self.rev_masks
        total = 0
        for token, count in candidate_counts.items():
            mask = rev_masks.get(token)
            if mask:
                total += min(count, (union & mask).bit_count())
        return total
