"""Compiled ROUGE counting over a whole batch of token-id pairs (numba, cached on disk).

Input is one flat int32 array of token ids for every distinct text of a batch, with offsets for texts and
for their sentences (lines). For every pair and ROUGE type the kernel writes (hits, target count,
prediction count), the statistic rouge-score 0.1.2 divides; the floats are made in eval.rouge.scorer.

- rouge-n: the n-grams of both texts are ranked together (sorting packed keys, re-ranked between
  orders, so any n and vocabulary stays exact), then hits are the clipped matches per equal run.
- rougeL: bit-parallel LCS (Crochemore et al. 2001; Hyyro 2004), ``V = (V + U) | (V & ~U)`` with
  ``U = V & match``, in 64-bit words over the shorter text (LCS length is symmetric). The rows' match
  bits come from a per-token linked list of positions, so memory is O(tokens), never O(tokens^2/64).
- rougeLsum: for each reference sentence and each prediction sentence the same columns are kept and
  rouge-score's ``_backtrack_norec`` is replayed on them: take a match, else go left exactly where the
  column rises at the current row (the LCS table is then read from the bits), else up. The union of
  taken rows is counted against the prediction's token counts, as in rouge-score's summary-level LCS.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ROUGE_L = 0
ROUGE_LSUM = -1
# Pairs of texts with at most this many n-grams multiplied are matched by list walking, not sorting.
_SHORT_PRODUCT = 1 << 16
_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, nogil=True)
def _popcount(x: np.uint64) -> int:  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def _unigram_hits(tok, t0, t1, p0, p1, count):  # pragma: no cover - compiled
    for i in range(t0, t1):
        count[tok[i]] += 1
    hits = 0
    for j in range(p0, p1):
        if count[tok[j]] > 0:
            hits += 1
            count[tok[j]] -= 1
    for i in range(t0, t1):
        count[tok[i]] = 0
    return hits


@njit(cache=True, nogil=True)
def _ngram_hits_short(tok, t0, tc, p0, pc, order, head, nxt, used):  # pragma: no cover - compiled
    """Clipped n-gram matches for short texts: each prediction n-gram takes the first unused equal
    target n-gram, found through the target's n-grams listed by first token (at most tc * pc steps)."""
    for i in range(tc - 1, -1, -1):
        t = tok[t0 + i]
        nxt[i] = head[t]
        head[t] = i
        used[i] = False
    hits = 0
    for j in range(pc):
        i = head[tok[p0 + j]]
        while i >= 0:
            if not used[i]:
                same = True
                for s in range(1, order):
                    if tok[t0 + i + s] != tok[p0 + j + s]:
                        same = False
                        break
                if same:
                    used[i] = True
                    hits += 1
                    break
            i = nxt[i]
    for i in range(tc):
        head[tok[t0 + i]] = -1
    return hits


@njit(cache=True, nogil=True)
def _ngram_hits(tok, t0, tc, p0, pc, order, vocab):  # pragma: no cover - compiled
    """Clipped n-gram matches between the `tc` n-grams from t0 and the `pc` n-grams from p0."""
    size = tc + pc
    start = np.empty(size, np.int64)
    for i in range(tc):
        start[i] = t0 + i
    for i in range(pc):
        start[tc + i] = p0 + i
    key = np.empty(size, np.int64)
    for i in range(size):
        key[i] = tok[start[i]]
    bound = vocab  # every key is below this
    for step in range(1, order):
        if bound > (1 << 62) // vocab:  # packing one more token could overflow: rank the keys first
            key, bound = _dense_rank(key)
        for i in range(size):
            key[i] = key[i] * vocab + tok[start[i] + step]
        bound *= vocab
    ranked = np.argsort(key)
    hits = 0
    i = 0
    while i < size:
        k = key[ranked[i]]
        in_target = 0
        in_prediction = 0
        while i < size and key[ranked[i]] == k:
            if ranked[i] < tc:
                in_target += 1
            else:
                in_prediction += 1
            i += 1
        hits += min(in_target, in_prediction)
    return hits


@njit(cache=True, nogil=True)
def _dense_rank(key):  # pragma: no cover - compiled
    ranked = np.argsort(key)
    dense = np.empty(key.shape[0], np.int64)
    rank = -1
    previous = 0
    for i in range(key.shape[0]):
        k = key[ranked[i]]
        if i == 0 or k != previous:
            rank += 1
            previous = k
        dense[ranked[i]] = rank
    return dense, rank + 1


@njit(cache=True, nogil=True)
def _link(tok, r0, r1, head, nxt):  # pragma: no cover - compiled
    """Rows r0..r1 as per-token linked lists: head[token] is its last row, nxt[row] the one before."""
    for i in range(r0, r1):
        t = tok[i]
        nxt[i - r0] = head[t]
        head[t] = i - r0


@njit(cache=True, nogil=True)
def _unlink(tok, r0, r1, head):  # pragma: no cover - compiled
    for i in range(r0, r1):
        head[tok[i]] = -1


@njit(cache=True, nogil=True)
def _column(v, u, words, top, token, head, nxt):  # pragma: no cover - compiled
    """One LCS column: v = (v + u) | (v & ~u) with u = v & match(token); False when nothing matches."""
    row = head[token]
    if row < 0:
        return False
    while row >= 0:
        u[row >> 6] |= _ONE << np.uint64(row & 63)
        row = nxt[row]
    carry = np.uint64(0)
    for w in range(words):
        vw = v[w]
        uw = vw & u[w]
        s = vw + uw
        c1 = s < vw
        s2 = s + carry
        c2 = s2 < s
        carry = np.uint64(1) if (c1 or c2) else np.uint64(0)
        v[w] = s2 | (vw & ~uw)
        u[w] = 0
    v[words - 1] &= top
    return True


@njit(cache=True, nogil=True)
def _set_short(tok, r0, r1, maskw):  # pragma: no cover - compiled
    """Match masks by token for at most 64 rows (one word); returns the mask of all rows."""
    rows = r1 - r0
    for i in range(r0, r1):
        maskw[tok[i]] |= _ONE << np.uint64(i - r0)
    return _ALL if rows == 64 else (_ONE << np.uint64(rows)) - _ONE


@njit(cache=True, nogil=True)
def _clear_short(tok, r0, r1, maskw):  # pragma: no cover - compiled
    for i in range(r0, r1):
        maskw[tok[i]] = 0


@njit(cache=True, nogil=True)
def _column_short(v, match, top):  # pragma: no cover - compiled
    """_column in one word: v = (v + u) | (v & ~u) with u = v & match."""
    if match == 0:
        return v
    u = v & match
    return ((v + u) | (v & ~u)) & top


@njit(cache=True, nogil=True)
def _lcs_short(tok, r0, r1, c0, c1, maskw):  # pragma: no cover - compiled
    """_lcs_length for at most 64 rows: one word, match masks by token."""
    top = _set_short(tok, r0, r1, maskw)
    v = top
    for j in range(c0, c1):
        v = _column_short(v, maskw[tok[j]], top)
    _clear_short(tok, r0, r1, maskw)
    return (r1 - r0) - _popcount(v)


@njit(cache=True, nogil=True)
def _lcs_length(tok, r0, r1, c0, c1, head, nxt):  # pragma: no cover - compiled
    rows = r1 - r0
    words = (rows + 63) >> 6
    top = _ALL if rows % 64 == 0 else (_ONE << np.uint64(rows % 64)) - _ONE
    v = np.full(words, _ALL, np.uint64)
    v[words - 1] = top
    u = np.zeros(words, np.uint64)
    _link(tok, r0, r1, head, nxt)
    for j in range(c0, c1):
        _column(v, u, words, top, tok[j], head, nxt)
    _unlink(tok, r0, r1, head)
    ones = 0
    for w in range(words):
        ones += _popcount(v[w])
    return rows - ones


@njit(cache=True, nogil=True)
def _backtrack(tok, r0, rows, c0, c1, cols, words, union):  # pragma: no cover - compiled
    """rouge-score's _backtrack_norec on the stored columns: take a match, else go left where the column
    rises at the current row (LCS[i][j-1] > LCS[i-1][j] exactly there), else go up."""
    i = rows
    j = c1 - c0
    while i > 0 and j > 0:
        if tok[r0 + i - 1] == tok[c0 + j - 1]:
            union[i - 1] = True
            i -= 1
            j -= 1
        elif (cols[(j - 1) * words + ((i - 1) >> 6)] >> np.uint64((i - 1) & 63)) & _ONE == 0:
            j -= 1
        else:
            i -= 1


@njit(cache=True, nogil=True)
def _union_short(tok, r0, r1, sent_off, s0, s1, maskw, cols, union):  # pragma: no cover - compiled
    """_union_rows for a sentence of at most 64 tokens: one word per column, match masks by token."""
    top = _set_short(tok, r0, r1, maskw)
    for s in range(s0, s1):
        c0 = sent_off[s]
        c1 = sent_off[s + 1]
        v = top
        for j in range(c0, c1):
            v = _column_short(v, maskw[tok[j]], top)
            cols[j - c0] = v
        if v != top:  # some token in common
            _backtrack(tok, r0, r1 - r0, c0, c1, cols, 1, union)
    _clear_short(tok, r0, r1, maskw)


@njit(cache=True, nogil=True)
def _union_rows(tok, r0, r1, sent_off, s0, s1, head, nxt, union):  # pragma: no cover - compiled
    """Sets union[i] for the rows i of sentence r0..r1 on rouge-score's LCS with any sentence s0..s1."""
    rows = r1 - r0
    words = (rows + 63) >> 6
    top = _ALL if rows % 64 == 0 else (_ONE << np.uint64(rows % 64)) - _ONE
    u = np.zeros(words, np.uint64)
    longest = 1
    for s in range(s0, s1):
        longest = max(longest, sent_off[s + 1] - sent_off[s])
    cols = np.empty(longest * words, np.uint64)
    v = np.empty(words, np.uint64)
    _link(tok, r0, r1, head, nxt)
    for s in range(s0, s1):
        c0 = sent_off[s]
        c1 = sent_off[s + 1]
        v[:] = _ALL
        v[words - 1] = top
        any_match = False
        for j in range(c0, c1):
            any_match |= _column(v, u, words, top, tok[j], head, nxt)
            cols[(j - c0) * words : (j - c0 + 1) * words] = v
        if any_match:
            _backtrack(tok, r0, rows, c0, c1, cols, words, union)
    _unlink(tok, r0, r1, head)


@njit(cache=True, nogil=True)
def _lsum_hits(
    tok, text_sent, sent_off, target, prediction, head, nxt, count, pooled, maskw, cols, flags
):  # pragma: no cover
    p_s0 = text_sent[prediction]
    p_s1 = text_sent[prediction + 1]
    for j in range(sent_off[p_s0], sent_off[p_s1]):
        count[tok[j]] += 1
    union = flags[: text_off_len(sent_off, text_sent, target)]  # all False between calls
    for r in range(text_sent[target], text_sent[target + 1]):
        r0 = sent_off[r]
        r1 = sent_off[r + 1]
        shared = False  # a sentence with no token of the prediction has no LCS to trace
        for i in range(r0, r1):
            if count[tok[i]] > 0:
                shared = True
                break
        if not shared:
            continue
        here = union[r0 - sent_off[text_sent[target]] : r1 - sent_off[text_sent[target]]]
        if r1 - r0 <= 64:
            _union_short(tok, r0, r1, sent_off, p_s0, p_s1, maskw, cols, here)
        else:
            _union_rows(tok, r0, r1, sent_off, p_s0, p_s1, head, nxt, here)
    first = sent_off[text_sent[target]]
    for i in range(union.shape[0]):
        if union[i]:
            pooled[tok[first + i]] += 1
    hits = 0
    for i in range(union.shape[0]):
        union[i] = False
        t = tok[first + i]
        if pooled[t] > 0:
            hits += min(pooled[t], count[t])
            pooled[t] = 0
    for j in range(sent_off[p_s0], sent_off[p_s1]):
        count[tok[j]] = 0
    return hits


@njit(cache=True, nogil=True)
def text_off_len(sent_off, text_sent, text):  # pragma: no cover - compiled
    return sent_off[text_sent[text + 1]] - sent_off[text_sent[text]]


@njit(cache=True, nogil=True)
def pair_counts(tok, text_off, text_sent, sent_off, targets, predictions, codes, vocab):  # pragma: no cover
    """(hits, target count, prediction count) for every pair (targets[k], predictions[k]) and type code.

    Codes: n >= 1 is rouge-n, ROUGE_L is rougeL, ROUGE_LSUM is rougeLsum.
    """
    pairs = targets.shape[0]
    out = np.zeros((pairs, codes.shape[0], 3), np.int64)
    vocab = max(vocab, 1)
    count = np.zeros(vocab, np.int64)
    pooled = np.zeros(vocab, np.int64)
    head = np.full(vocab, -1, np.int64)
    longest = 1
    for t in range(text_off.shape[0] - 1):
        longest = max(longest, text_off[t + 1] - text_off[t])
    nxt = np.empty(longest, np.int64)
    used = np.empty(longest, np.bool_)
    flags = np.zeros(longest, np.bool_)
    longest_sentence = 1
    for t in range(sent_off.shape[0] - 1):
        longest_sentence = max(longest_sentence, sent_off[t + 1] - sent_off[t])
    cols = np.empty(longest_sentence, np.uint64)
    maskw = np.zeros(vocab, np.uint64)
    for k in range(pairs):
        t0 = text_off[targets[k]]
        t1 = text_off[targets[k] + 1]
        p0 = text_off[predictions[k]]
        p1 = text_off[predictions[k] + 1]
        m = t1 - t0
        n = p1 - p0
        lcs = -1
        for c in range(codes.shape[0]):
            code = codes[c]
            if code >= 1:
                tc = max(m - code + 1, 0)
                pc = max(n - code + 1, 0)
                hits = 0
                if tc > 0 and pc > 0:
                    if code == 1:
                        hits = _unigram_hits(tok, t0, t1, p0, p1, count)
                    elif tc * pc <= _SHORT_PRODUCT:
                        hits = _ngram_hits_short(tok, t0, tc, p0, pc, code, head, nxt, used)
                    else:
                        hits = _ngram_hits(tok, t0, tc, p0, pc, code, vocab)
                out[k, c, 0] = hits
                out[k, c, 1] = tc
                out[k, c, 2] = pc
                continue
            hits = 0
            if m > 0 and n > 0:
                if code == ROUGE_L:
                    if lcs < 0:  # bits over the shorter text: the LCS length is symmetric
                        r0, r1, c0, c1 = (t0, t1, p0, p1) if m <= n else (p0, p1, t0, t1)
                        if r1 - r0 <= 64:
                            lcs = _lcs_short(tok, r0, r1, c0, c1, maskw)
                        else:
                            lcs = _lcs_length(tok, r0, r1, c0, c1, head, nxt)
                    hits = lcs
                else:
                    hits = _lsum_hits(
                        tok,
                        text_sent,
                        sent_off,
                        targets[k],
                        predictions[k],
                        head,
                        nxt,
                        count,
                        pooled,
                        maskw,
                        cols,
                        flags,
                    )
            out[k, c, 0] = hits
            out[k, c, 1] = m
            out[k, c, 2] = n
    return out
