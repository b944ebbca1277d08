"""Compiled tokenizing for rouge-score's default rule ([a-z0-9] runs of lowercased text), a batch at once.

The batch arrives as one ASCII byte string (texts joined by NUL, lowercased, every other character
replaced by "?", a separator like any non-[a-z0-9] byte). `scan` gives every token an id from an
open-addressing table keyed by its bytes, in first-seen order, so Python only ever handles distinct
tokens (to stem them); newlines and text breaks come out as the codes LINE and TEXT.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LINE = -2
TEXT = -3


@njit(cache=True, nogil=True)
def _is_token_byte(b):  # pragma: no cover - compiled
    return (97 <= b <= 122) or (48 <= b <= 57)


@njit(cache=True, nogil=True)
def _hash(buf, start, end):  # pragma: no cover - compiled
    h = np.uint64(14695981039346656037)
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    return h


@njit(cache=True, nogil=True)
def _same(buf, a, b, length):  # pragma: no cover - compiled
    for i in range(length):  # noqa: SIM110 - a loop numba compiles
        if buf[a + i] != buf[b + i]:
            return False
    return True


@njit(cache=True, nogil=True)
def scan(buf):  # pragma: no cover - compiled
    """(stream of token ids and LINE/TEXT codes, first start and length of each distinct token)."""
    n = buf.shape[0]
    entries = 0  # tokens, newlines and text breaks: the stream's exact length
    inside = False
    for i in range(n):
        b = buf[i]
        word = _is_token_byte(b)
        if (word and not inside) or b == 10 or b == 0:
            entries += 1
        inside = word
    stream = np.empty(entries, np.int32)
    size = 0
    capacity = 1024
    table = np.full(capacity, -1, np.int64)
    starts = np.empty(256, np.int64)
    lengths = np.empty(256, np.int64)
    distinct = 0
    i = 0
    while i < n:
        b = buf[i]
        if b == 10 or b == 0:
            stream[size] = LINE if b == 10 else TEXT
            size += 1
            i += 1
            continue
        if not _is_token_byte(b):
            i += 1
            continue
        start = i
        while i < n and _is_token_byte(buf[i]):
            i += 1
        length = i - start
        slot = np.int64(_hash(buf, start, i) & np.uint64(capacity - 1))
        while True:
            d = table[slot]
            if d < 0:
                if distinct == starts.shape[0]:
                    starts = np.concatenate((starts, np.empty(distinct, np.int64)))
                    lengths = np.concatenate((lengths, np.empty(distinct, np.int64)))
                starts[distinct] = start
                lengths[distinct] = length
                table[slot] = distinct
                d = distinct
                distinct += 1
                if 2 * distinct > capacity:  # keep the table at most half full
                    capacity *= 2
                    table = np.full(capacity, -1, np.int64)
                    for k in range(distinct):
                        s = np.int64(_hash(buf, starts[k], starts[k] + lengths[k]) & np.uint64(capacity - 1))
                        while table[s] >= 0:
                            s = (s + 1) & (capacity - 1)
                        table[s] = k
                break
            if lengths[d] == length and _same(buf, starts[d], start, length):
                break
            slot = (slot + 1) & (capacity - 1)
        stream[size] = d
        size += 1
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
