"""The compiled core of weighted Kendall's tau (numba, cached on disk): concordance sums of many
resamples at once (eval.stats.correlation.weighted_kendall)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _prefix(tree: np.ndarray, i: int) -> float:
    """Weight of Fenwick positions 1..i."""
    out = 0.0
    while i > 0:
        out += tree[i]
        i -= i & -i
    return out


@njit(cache=True, nogil=True)
def concordance(
    level: np.ndarray, starts: np.ndarray, ws: np.ndarray, order: np.ndarray, levels: int
) -> np.ndarray:
    """Per resample (a row of ws, (B, E), in the elements' own order; `order` puts them in x order):
    [the sum over pairs, f before e in x order and not tied with it in x, of w_e w_f sign(level_e -
    level_f); the squared weights of x's tie groups; of y's levels; the total weight] as (B, 4). x's tie
    groups begin at `starts`; a group meets the groups before it only (queries first, then it joins)."""
    b_count = ws.shape[0]
    e_count = len(order)
    out = np.zeros((b_count, 4))
    tree = np.zeros(levels + 1)
    per_level = np.zeros(levels)
    groups = len(starts)
    for b in range(b_count):
        tree[:] = 0.0
        per_level[:] = 0.0
        total = 0.0
        acc = 0.0
        ties = 0.0
        for g in range(groups):
            lo = starts[g]
            hi = starts[g + 1] if g + 1 < groups else e_count
            group = 0.0
            for i in range(lo, hi):
                w = ws[b, order[i]]
                if w != 0.0:
                    lv = level[i]
                    below = _prefix(tree, lv)  # levels < lv
                    above = total - _prefix(tree, lv + 1)  # levels > lv
                    acc += w * (below - above)
            for i in range(lo, hi):
                w = ws[b, order[i]]
                if w != 0.0:
                    j = level[i] + 1
                    while j <= levels:
                        tree[j] += w
                        j += j & -j
                    total += w
                    group += w
                    per_level[level[i]] += w
            ties += group * group
        out[b, 0] = acc
        out[b, 1] = ties
        out[b, 2] = (per_level * per_level).sum()
        out[b, 3] = total
    return out


@njit(cache=True, nogil=True)
def kendall_rows(x: np.ndarray, level: np.ndarray, levels: int) -> np.ndarray:
    """Kendall's tau-b of every row of x (R, E) with one y given by its level codes (E,): (R,)."""
    rows, e_count = x.shape
    out = np.empty(rows)
    tree = np.zeros(levels + 1)
    per_level = np.zeros(levels)
    for lv in level:
        per_level[lv] += 1.0
    whole = float(e_count) * e_count
    ties_y = (per_level * per_level).sum()
    for r in range(rows):
        order = np.argsort(x[r], kind="mergesort")
        tree[:] = 0.0
        total = 0.0
        acc = 0.0
        ties_x = 0.0
        lo = 0
        while lo < e_count:
            hi = lo + 1
            while hi < e_count and x[r, order[hi]] == x[r, order[lo]]:
                hi += 1
            for i in range(lo, hi):
                lv = level[order[i]]
                acc += _prefix(tree, lv) - (total - _prefix(tree, lv + 1))
            for i in range(lo, hi):
                j = level[order[i]] + 1
                while j <= levels:
                    tree[j] += 1.0
                    j += j & -j
                total += 1.0
            ties_x += float(hi - lo) * (hi - lo)
            lo = hi
        den = np.sqrt((whole - ties_x) * (whole - ties_y))
        out[r] = 2 * acc / den if den > 0 else np.nan
    return out
