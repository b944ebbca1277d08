"""Kendall tau-b, Spearman and Pearson, vectorised over measures, dimensions and resamples.

Meta-evaluation (eval.stats.meta) correlates every measure with every human dimension, at three levels,
on the original data and on a thousand resamples of it. Calling scipy.stats that many times would take
minutes, so the coefficients are computed here for whole arrays at once; tests/test_meta_stats.py checks
each against scipy.stats on the same values (to 1e-9).

Two forms, both exact:
- along a short axis (the candidates of one cluster, the systems): pair matrices of signs and rank
  shares, combined with the resamples' counts by matrix products (`cluster_weighted`, `rows`);
- weighted, over many elements (every scored pair, the global level): a resample with replacement is the
  original data with a multiplicity per element, so ranks, Pearson sums and Kendall's concordances are
  weighted sums (`weighted`). Kendall's pairs are counted per level of the variable with fewer distinct
  values (human scores on a 1-5 scale have a handful), by a compiled Fenwick tree (eval.stats.kendall_kernel).

Missing values are given as a False in a validity mask; a coefficient with fewer than two valid pairs, or
a constant side, is NaN (scipy's answer too).
"""

from __future__ import annotations

import numpy as np

from eval.options import COEFFICIENTS, Coefficient

__all__ = ["COEFFICIENTS", "Coefficient", "cluster_weighted", "rows", "weighted", "weighted_all"]

_TINY = 1e-12


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where the denominator is (numerically) zero."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = den > _TINY
    np.divide(num, den, out=out, where=ok)
    return out


def _pearson(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Pearson along the last axis over the elements where `v` is True (x, y, v broadcast together)."""
    vf = v.astype(float)
    n = vf.sum(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (x * vf).sum(-1, keepdims=True) / n
        my = (y * vf).sum(-1, keepdims=True) / n
    dx, dy = (x - mx) * vf, (y - my) * vf
    sxy, sxx, syy = (dx * dy).sum(-1), (dx * dx).sum(-1), (dy * dy).sum(-1)
    den = np.sqrt(sxx * syy)
    # Relative guard: a constant side gives sxx of rounding size only.
    scale = np.sqrt((x * x * vf).sum(-1) * (y * y * vf).sum(-1)) + _TINY
    out = _divide(sxy, den)
    out[den <= 1e-13 * scale] = np.nan
    return np.clip(out, -1.0, 1.0)


def _pairs(x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the last axis (length S): sign(x_s - x_t), the pair's validity, and the rank share
    [x_t < x_s] + [x_t == x_s] / 2, each (..., S, S), zero where a side is missing."""
    pv = v[..., :, None] & v[..., None, :]
    diff = x[..., :, None] - x[..., None, :]
    sign = np.where(pv, np.sign(diff), 0.0)
    share = np.where(pv, (diff > 0) + 0.5 * (diff == 0), 0.0)
    return sign, pv.astype(float), share


def rows(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(kendall, spearman, pearson) along the last axis of x, y, v (broadcast together): (3, ...)."""
    x, y, v = np.broadcast_arrays(x, y, v)
    x, y = np.where(v, x, 0.0), np.where(v, y, 0.0)
    sx, _, lx = _pairs(x, v)
    sy, _, ly = _pairs(y, v)
    tau = _divide((sx * sy).sum((-2, -1)), np.sqrt((sx * sx).sum((-2, -1)) * (sy * sy).sum((-2, -1))))
    # Average ranks among the valid elements: 1/2 for itself plus the shares of the others.
    rx, ry = 0.5 + lx.sum(-1), 0.5 + ly.sum(-1)
    return np.stack([np.clip(tau, -1, 1), _pearson(rx, ry, v), _pearson(x, y, v)])


def cluster_weighted(
    x: np.ndarray, xv: np.ndarray, y: np.ndarray, yv: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """(kendall, spearman, pearson) of each measure x (M, S) with each dimension y (D, S) across one
    cluster's S candidates, where candidate s appears c[b, s] times (c: (B, S)); a pair counts where both
    have a value (xv, yv): (3, M, D, B).

    A resample of the candidates with replacement is the cluster with multiplicities, so every sum is a
    matrix product with the counts: Kendall's pair sums with c_s c_t; the ranks (1/2 plus the shares, 1 for
    each element below and 1/2 for each tie, times their counts); Pearson's sums with c."""
    m, s = x.shape
    d = y.shape[0]
    x, y = np.where(xv, x, 0.0), np.where(yv, y, 0.0)
    sx, px, lx = _pairs(x, xv)  # (M, S, S)
    sy, py, ly = _pairs(y, yv)  # (D, S, S)
    c = c.astype(float)
    cc = (c[:, :, None] * c[:, None, :]).reshape(len(c), s * s).T  # (S*S, B)

    def pair_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # sum_st a[m,st] b[d,st] c_s c_t
        return (a.reshape(m, 1, s * s) * b.reshape(1, d, s * s)).reshape(m * d, s * s) @ cc

    num, den_x, den_y = pair_sum(sx, sy), pair_sum(sx * sx, py), pair_sum(px, sy * sy)
    tau = np.clip(_divide(num, np.sqrt(den_x * den_y)), -1, 1)
    xvf, yvf = xv.astype(float), yv.astype(float)
    if xv.all() and yv.all():  # every candidate has every value: ranks of x need not know y's gaps
        rx = 0.5 + lx.reshape(m * s, s) @ c.T  # (M*S, B)
        ry = 0.5 + ly.reshape(d * s, s) @ c.T
        rho = _complete_pearson(rx.reshape(m, s, -1), ry.reshape(d, s, -1), c)
    else:
        # rank of x_s among the elements valid for both (m, d): x's shares over t where y[d] is valid
        rx = 0.5 + (lx[:, None] * yvf[None, :, None, :]).reshape(m * d * s, s) @ c.T  # (M*D*S, B)
        ry = 0.5 + (ly[None] * xvf[:, None, None, :]).reshape(m * d * s, s) @ c.T
        w = (xvf[:, None, :] * yvf[None]).reshape(m * d * s, 1) * np.tile(c.T, (m * d, 1))
        rho = _sum_pearson(rx, ry, w, m * d, s)
    sums = _value_sums(x, xvf, y, yvf, c)
    r = _pearson_of_sums(*sums)
    return np.stack([tau, rho, r]).reshape(3, m, d, len(c))


def _complete_pearson(rx: np.ndarray, ry: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Weighted Pearson of every rx (M, S, B) with every ry (D, S, B), weights c (B, S): (M*D, B)."""
    n = c.sum(1)  # (B,)
    cx, cy = rx * c.T[None], ry * c.T[None]
    sx, sy = cx.sum(1), cy.sum(1)  # (M, B), (D, B)
    sxx, syy = (cx * rx).sum(1), (cy * ry).sum(1)
    sxy = np.matmul(cx.transpose(2, 0, 1), ry.transpose(2, 1, 0)).transpose(1, 2, 0)  # (M, D, B)
    m, d = rx.shape[0], ry.shape[0]
    full = (m, d, len(c))
    out = _pearson_of_sums(
        np.broadcast_to(n, full), np.broadcast_to(sx[:, None], full), np.broadcast_to(sy[None], full),
        np.broadcast_to(sxx[:, None], full), np.broadcast_to(syy[None], full), sxy,
    )  # fmt: skip
    return out.reshape(m * d, -1)


def _sum_pearson(rx: np.ndarray, ry: np.ndarray, w: np.ndarray, rows: int, s: int) -> np.ndarray:
    """Weighted Pearson over the S elements of each row of (rows*S, B) arrays: (rows, B)."""
    shape = (rows, s, -1)
    rx, ry, w = rx.reshape(shape), ry.reshape(shape), w.reshape(shape)
    n = w.sum(1)
    sx, sy = np.einsum("rsb,rsb->rb", w, rx), np.einsum("rsb,rsb->rb", w, ry)
    sxx = np.einsum("rsb,rsb,rsb->rb", w, rx, rx)
    syy = np.einsum("rsb,rsb,rsb->rb", w, ry, ry)
    sxy = np.einsum("rsb,rsb,rsb->rb", w, rx, ry)
    return _pearson_of_sums(n, sx, sy, sxx, syy, sxy)


def _value_sums(x: np.ndarray, xvf: np.ndarray, y: np.ndarray, yvf: np.ndarray, c: np.ndarray) -> list:
    """n, sum x, sum y, sum x^2, sum y^2, sum xy over the elements valid for each (m, d), weighted by
    c: each (M*D, B), by matrix products. x is centred first, so the sums lose no digits."""
    m, s = x.shape
    d = y.shape[0]
    mx = (x * xvf).sum(1, keepdims=True) / np.maximum(xvf.sum(1, keepdims=True), 1)
    my = (y * yvf).sum(1, keepdims=True) / np.maximum(yvf.sum(1, keepdims=True), 1)
    xc, yc = (x - mx) * xvf, (y - my) * yvf

    def total(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a[:, None, :] * b[None]).reshape(m * d, s) @ c.T

    return [
        total(xvf, yvf),
        total(xc, yvf),
        total(xvf, yc),
        total(xc * xc, yvf),
        total(xvf, yc * yc),
        total(xc, yc),
    ]


def _pearson_of_sums(
    n: np.ndarray, sx: np.ndarray, sy: np.ndarray, sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray
) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx, vy = sxx - sx * sx / n, syy - sy * sy / n
    den = np.sqrt(np.maximum(vx, 0) * np.maximum(vy, 0))
    scale = np.sqrt(np.abs(sxx * syy)) + _TINY
    out = _divide(cov, den)
    out[~(den > 1e-9 * scale)] = np.nan
    return np.clip(out, -1, 1)


def weighted_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average ranks of x (E,) in data where element e appears w[b, e] times (w: (B, E)): the ranks
    scipy.stats.rankdata gives the data with its copies, each copy of e ranked alike. (B, E)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    group = np.cumsum(np.r_[True, xs[1:] != xs[:-1]]) - 1
    ws = w[:, order]
    less = (np.cumsum(ws, axis=1) - ws)[:, starts]  # weight strictly below each group
    total = np.add.reduceat(ws, starts, axis=1)
    ranks = np.empty_like(ws)
    ranks[:, order] = less[:, group] + (total[:, group] + 1) / 2
    return ranks


def _weighted_pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson of x, y (B, E) or (E,) with multiplicities w (B, E): (B,)."""
    n = w.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (w * x).sum(1) / n
        my = (w * y).sum(1) / n
    dx, dy = x - mx[:, None], y - my[:, None]
    sxx, syy = (w * dx * dx).sum(1), (w * dy * dy).sum(1)
    den = np.sqrt(sxx * syy)
    out = _divide((w * dx * dy).sum(1), den)
    scale = np.sqrt((w * x * x).sum(1) * (w * y * y).sum(1)) + _TINY
    out[den <= 1e-13 * scale] = np.nan
    return np.clip(out, -1, 1)


def weighted_kendall(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of x, y (E,) in data where element e appears w[b, e] times: (B,). Copies of one
    element are tied on both sides, as in the resampled data itself.

    Knight's algorithm, weighted: in the order of x, one tie group at a time, each element meets those of
    smaller x through a Fenwick tree of weight per level of y (compiled: eval.stats.kendall_kernel), so a
    resample costs O(E log levels)."""
    from eval.stats.kendall_kernel import concordance

    _, level = np.unique(y, return_inverse=True)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]]).astype(np.int64)
    ws = np.ascontiguousarray(w, dtype=np.float64)
    num, ties_x, ties_y, total = concordance(
        level[order].astype(np.int64), starts, ws, order, int(level.max()) + 1
    ).T
    den = np.sqrt((total**2 - ties_x) * (total**2 - ties_y))
    return np.clip(_divide(2 * num, den), -1, 1)


def plain_all(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(kendall, spearman, pearson) of every row of x (M, E) with every row of y (D, E), no value
    missing: (3, M, D). The point estimates and the permutation tests: many rows, no resampling."""
    from scipy.stats import rankdata

    from eval.stats.kendall_kernel import kendall_rows

    out = np.empty((3, len(x), len(y)))
    for j, row in enumerate(y):
        _, level = np.unique(row, return_inverse=True)
        out[0, :, j] = np.clip(
            kendall_rows(np.ascontiguousarray(x), level.astype(np.int64), int(level.max()) + 1), -1, 1
        )
    out[1] = _correlation_matrix(rankdata(x, axis=1), rankdata(y, axis=1))
    out[2] = _correlation_matrix(x, y)
    return out


def _correlation_matrix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson of every row of x with every row of y: (M, D); NaN for a constant row."""
    xc, yc = x - x.mean(1, keepdims=True), y - y.mean(1, keepdims=True)
    nx, ny = np.sqrt((xc * xc).sum(1)), np.sqrt((yc * yc).sum(1))
    scale_x = np.sqrt((x * x).sum(1)) + _TINY
    scale_y = np.sqrt((y * y).sum(1)) + _TINY
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (xc @ yc.T) / np.outer(nx, ny)
    out[(nx <= 1e-13 * scale_x)[:, None] | (ny <= 1e-13 * scale_y)[None, :]] = np.nan
    return np.clip(out, -1, 1)


def weighted_all(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(kendall, spearman, pearson) of every row of x (M, E) with every row of y (D, E), no value
    missing, with multiplicities w (B, E): (3, B, M, D). Ranks are made once per row and resample;
    the products of every pair are matrix products."""
    m, d = len(x), len(y)
    if len(w) == 1 and (w == 1).all():
        return plain_all(x, y)[:, None]
    out = np.empty((3, len(w), m, d))
    from concurrent.futures import ThreadPoolExecutor

    from eval.options import available_cores

    def kendall(pair: tuple[int, int]) -> None:  # the compiled kernel lets go of the GIL
        out[0, :, pair[0], pair[1]] = weighted_kendall(x[pair[0]], y[pair[1]], w)

    with ThreadPoolExecutor(min(8, available_cores())) as pool:
        list(pool.map(kendall, [(i, j) for i in range(m) for j in range(d)]))
    step = max(1, _ROW_CELLS // max(1, (m + d) * x.shape[1]))
    xc, yc = x - x.mean(1, keepdims=True), y - y.mean(1, keepdims=True)
    for b0 in range(0, len(w), step):
        wb = w[b0 : b0 + step]
        rx = np.stack([weighted_ranks(row, wb) for row in x], axis=1)  # (b, M, E)
        ry = np.stack([weighted_ranks(row, wb) for row in y], axis=1)
        out[1, b0 : b0 + step] = _all_pairs(rx, ry, wb)
        out[2, b0 : b0 + step] = _all_pairs(xc[None], yc[None], wb)
    return out


# weighted_all's (resamples x rows x elements) arrays stay under this many numbers.
_ROW_CELLS = 4_000_000


def _all_pairs(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted Pearson of x (b|1, M, E) with y (b|1, D, E), weights w (b, E): (b, M, D)."""
    wx = x * w[:, None, :]
    wy = y * w[:, None, :]
    n = w.sum(1)[:, None, None]
    sx, sy = wx.sum(2)[:, :, None], wy.sum(2)[:, None, :]
    sxx, syy = (wx * x).sum(2)[:, :, None], (wy * y).sum(2)[:, None, :]
    sxy = np.matmul(wx, np.swapaxes(np.broadcast_to(y, (len(w), *y.shape[1:])), 1, 2))
    full = (len(w), x.shape[1], y.shape[1])
    n, sx, sy, sxx, syy = (np.broadcast_to(a, full) for a in (n, sx, sy, sxx, syy))
    return _pearson_of_sums(n, sx, sy, sxx, syy, sxy)


def weighted(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(kendall, spearman, pearson) of x, y (E,) with multiplicities w (B, E), elements of weight 0 left
    out: (3, B)."""
    keep = w.any(0)
    x, y, w = x[keep], y[keep], w[:, keep]
    rho = _weighted_pearson(weighted_ranks(x, w), weighted_ranks(y, w), w)
    return np.stack([weighted_kendall(x, y, w), rho, _weighted_pearson(x[None], y[None], w)])
