"""Compiled tokenizing for rouge-score's default rule ([a-z0-9] runs of lowercased text), a batch at once.

The batch arrives as one ASCII byte string (texts joined by NUL, every other character replaced by
"?", a separator like any non-[a-zA-Z0-9] byte); ASCII letters are lowercased as they are read.
`scan` gives every token an id from an open-addressing table keyed by its bytes (FNV-1a hashes,
compared in full on a hit), in first-seen order, so Python only ever handles distinct tokens (to stem
them); newlines and text breaks come out as the codes LINE and TEXT.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LINE = -2
TEXT = -3


# Byte classes: 1 token byte ([a-z0-9], and A-Z, lowercased as read), 2 newline, 3 NUL (text break),
# 0 separator. _LOWER maps each byte to its lowercase.
_CLASS = np.zeros(256, np.uint8)
_CLASS[ord("a") : ord("z") + 1] = 1
_CLASS[ord("A") : ord("Z") + 1] = 1
_CLASS[ord("0") : ord("9") + 1] = 1
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A") : ord("Z") + 1] += 32
_CLASS[10] = 2
_CLASS[0] = 3
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, nogil=True)
def _scan_part(buf, i, stream, size, table, hashes, starts, lengths, distinct):  # pragma: no cover
    """Scans from byte i until the end, or until the table is half full; returns (i, size, distinct).

    Kept apart from `scan` so that no array is reassigned inside the hot loop (numba then keeps it fast).
    """
    n = buf.shape[0]
    mask = table.shape[0] - 1
    while i < n:
        c = _CLASS[buf[i]]
        if c != 1:
            if c == 2:
                stream[size] = LINE
                size += 1
            elif c == 3:
                stream[size] = TEXT
                size += 1
            i += 1
            continue
        start = i
        h = _FNV_OFFSET
        while i < n and _CLASS[buf[i]] == 1:
            h = (h ^ np.uint64(_LOWER[buf[i]])) * _FNV_PRIME
            i += 1
        length = i - start
        slot = np.int64(h & np.uint64(mask))
        while True:
            d = table[slot]
            if d < 0:
                starts[distinct] = start
                lengths[distinct] = length
                hashes[distinct] = h
                table[slot] = distinct
                d = distinct
                distinct += 1
                break
            if hashes[d] == h and lengths[d] == length:
                a = starts[d]
                same = True
                for k in range(length):
                    if _LOWER[buf[a + k]] != _LOWER[buf[start + k]]:
                        same = False
                        break
                if same:
                    break
            slot = (slot + 1) & mask
        stream[size] = d
        size += 1
        if 2 * distinct >= table.shape[0]:
            break
    return i, size, distinct


@njit(cache=True, nogil=True)
def scan(buf):  # pragma: no cover - compiled
    """(stream of token ids and LINE/TEXT codes, first start and length of each distinct token)."""
    n = buf.shape[0]
    # The stream's length at most: tokens are separated, so at most (n + 1) // 2 of them, plus breaks.
    breaks = 0
    for i in range(n):
        b = buf[i]
        breaks += b == 10 or b == 0
    entries = (n + 1) // 2 + breaks
    stream = np.empty(entries, np.int32)
    capacity = 4096
    table = np.full(capacity, -1, np.int64)
    hashes = np.empty(capacity // 2, np.uint64)
    starts = np.empty(capacity // 2, np.int64)
    lengths = np.empty(capacity // 2, np.int64)
    i = 0
    size = 0
    distinct = 0
    while True:
        i, size, distinct = _scan_part(buf, i, stream, size, table, hashes, starts, lengths, distinct)
        if 2 * distinct < capacity:
            break
        # Half full: double the table and rebuild it from the kept hashes.
        capacity *= 2
        mask = capacity - 1
        table = np.full(capacity, -1, np.int64)
        for k in range(distinct):
            slot = np.int64(hashes[k] & np.uint64(mask))
            while table[slot] >= 0:
                slot = (slot + 1) & mask
            table[slot] = k
        hashes = np.concatenate((hashes, np.empty(capacity // 2 - distinct, np.uint64)))
        starts = np.concatenate((starts, np.empty(capacity // 2 - distinct, np.int64)))
        lengths = np.concatenate((lengths, np.empty(capacity // 2 - distinct, np.int64)))
    return stream[:size], starts[:distinct], lengths[:distinct]


@njit(cache=True, nogil=True)
def assemble(stream, codes, texts):  # pragma: no cover - compiled
    """Token ids (codes[raw id]) with text, sentence and per-text sentence offsets.

    A raw id or code LINE or TEXT is a break; tokens with other negative codes are dropped.
    """
    tokens = np.empty(stream.shape[0], np.int32)
    text_off = np.zeros(texts + 1, np.int64)
    text_sent = np.zeros(texts + 1, np.int64)
    sent_off = np.empty(stream.shape[0] + 1, np.int64)
    n = 0
    sentences = 0
    text = 0
    open_line = False  # whether the current line has a token yet
    for raw in stream:
        code = raw if raw < 0 else codes[raw]
        if code == TEXT:
            text += 1
            text_off[text] = n
            text_sent[text] = sentences
            open_line = False
        elif code == LINE:
            open_line = False
        elif code >= 0:
            if not open_line:
                sent_off[sentences] = n
                sentences += 1
                text_sent[text + 1] = sentences
                open_line = True
            tokens[n] = code
            n += 1
    for t in range(text + 1, texts + 1):
        text_off[t] = n
        text_sent[t] = sentences
    sent_off[sentences] = n
    return tokens[:n], text_off, text_sent, sent_off[: sentences + 1]
