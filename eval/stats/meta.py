"""Meta-evaluation: how well each measure agrees with human judgments, with seeded intervals and tests.

Levels, as in the summarization literature (Fabbri et al. 2021, SummEval; Deutsch, Dror & Roth 2021):
- summary: per cluster, across its judged candidates, then averaged over clusters; a cluster whose human
  scores are constant defines no correlation and is skipped (and counted);
- system: across candidates (systems) of their means over clusters;
- global: across every judged (cluster, candidate) pair.
Each with Kendall's tau-b, Spearman's rho and Pearson's r (eval.stats.correlation, equal to scipy.stats).

Uncertainty follows Deutsch, Dror & Roth (2021), "A Statistical Analysis of Summarization Evaluation
Metrics using Resampling Methods" (TACL): percentile bootstrap intervals resampling the systems (the
candidates, the same draw for every cluster), the inputs (the clusters), or both; and their paired
permutation test of "measure A correlates better than B" (PERM-BOTH and its one-axis forms): the two
measures' standardised scores are swapped at random, per cell (both), per system or per input, and p is the
share of swaps whose difference reaches the observed one. Every draw comes from
`np.random.default_rng(seed)` (the permutation tests from `default_rng([seed, k])`), recorded in the
signature (eval.settings.MetaSettings).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from eval.options import COEFFICIENTS, META_LEVELS, Coefficient, Resample
from eval.options import MetaLevel as Level
from eval.stats import correlation
from eval.stats.agreement import krippendorff_interval

if TYPE_CHECKING:
    from eval.settings import MetaSettings
    from eval.stats.meta_values import Grid

LEVELS = META_LEVELS

# Arrays a chunk of resamples makes stay under about this many numbers each.
_CELLS = 4_000_000


@dataclass(frozen=True)
class MetaRow:
    """One coefficient of one measure against one human dimension at one level; meta.csv's row."""

    measure: str
    dimension: str
    level: Level
    coefficient: Coefficient
    value: float | None
    low: float | None
    high: float | None
    n: int  # clusters averaged (summary), systems (system) or pairs (global)
    # One-sided permutation p that the level's top measure (by meta.rank_by) correlates better than this.
    p: float | None = None

    def record(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class MetaResult:
    rows: list[MetaRow]
    signature: str
    agreement: dict[str, tuple[float | None, int]]  # dimension -> (Krippendorff's alpha, values)
    constant: dict[str, int]  # dimension -> clusters skipped at the summary level (constant human score)
    unjudged: tuple[str, ...]  # "cluster/candidate" of scored texts no judgment names
    judged: int  # judged texts
    clusters: int
    candidates: int
    rank_by: Coefficient = "kendall"
    notes: list[str] = field(default_factory=list)

    def ranked(self, level: Level, dimension: str) -> list[MetaRow]:
        """The rank_by rows of one level and dimension, best first (undefined last)."""
        rows = [r for r in self.rows if r.level == level and r.dimension == dimension]
        rows = [r for r in rows if r.coefficient == self.rank_by]
        return sorted(rows, key=lambda r: (r.value is None, -(r.value or 0.0), r.measure))


def draws(
    rng: np.random.Generator, samples: int, clusters: int, systems: int, resample: Resample
) -> tuple[np.ndarray, np.ndarray]:
    """(cluster counts (B, N), system indices (B, S)) of `samples` resamples."""
    if resample in ("inputs", "both"):
        counts = _multiplicities(rng.integers(0, clusters, (samples, clusters)), clusters)
    else:
        counts = np.ones((samples, clusters))
    if resample in ("systems", "both"):
        idx = rng.integers(0, systems, (samples, systems))
    else:
        idx = np.broadcast_to(np.arange(systems), (samples, systems))
    return counts, idx


def level_values(
    level: Level,
    x: np.ndarray,
    h: np.ndarray,
    counts: np.ndarray,
    idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients (3, B, M, D), n (3, B, M, D)) of measures x (M, N, S) against dimensions h (D, N, S)
    on each resample (cluster counts (B, N), system indices (B, S)); NaN marks a missing value."""
    xv, hv = ~np.isnan(x), ~np.isnan(h)
    x, h = np.where(xv, x, 0.0), np.where(hv, h, 0.0)
    if level == "summary":
        return _summary(x, xv, h, hv, counts, idx)
    if level == "system":
        return _system(x, xv, h, hv, counts, idx)
    return _global(x, xv, h, hv, counts, idx)


def _summary(
    x: np.ndarray, xv: np.ndarray, h: np.ndarray, hv: np.ndarray, counts: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster across its candidates (the systems drawn, as multiplicities), then the mean over the
    clusters drawn (as weights) of the clusters where the coefficient is defined."""
    m, n, s = x.shape
    d = h.shape[0]
    systems = _multiplicities(idx, s)
    total = np.zeros((3, m, d, len(counts)))
    weight = np.zeros_like(total)
    used = np.zeros_like(total)
    for i in range(n):
        if not (xv[:, i].any() and hv[:, i].any()):
            continue
        per = correlation.cluster_weighted(x[:, i], xv[:, i], h[:, i], hv[:, i], systems)
        ok = ~np.isnan(per)
        a = counts[:, i] * ok
        total += np.where(ok, per, 0.0) * a
        weight += a
        used += ok & (counts[:, i] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(weight > 0, total / weight, np.nan)
    return mean.transpose(0, 3, 1, 2), used.transpose(0, 3, 1, 2)


# Rows (measure x dimension x cluster) of one summary-level pass.
_ROWS = 20_000


def _multiplicities(idx: np.ndarray, size: int) -> np.ndarray:
    """How often each of `size` items is drawn in each row of idx (B, k): (B, size)."""
    rows = np.repeat(np.arange(len(idx)), idx.shape[1])
    out = np.zeros((len(idx), size))
    np.add.at(out, (rows, idx.ravel()), 1)
    return out


def _system(
    x: np.ndarray, xv: np.ndarray, h: np.ndarray, hv: np.ndarray, counts: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    both = xv[:, None] & hv[None]  # (M, D, N, S)
    w = np.einsum("bn,mdns->bmds", counts, both.astype(float), optimize=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.einsum("bn,mdns->bmds", counts, both * x[:, None], optimize=True) / w
        hm = np.einsum("bn,mdns->bmds", counts, both * h[None], optimize=True) / w
    valid = w > 0
    b, m, d, s = xm.shape
    gather = np.broadcast_to(idx[:, None, None, :], (b, m, d, idx.shape[1]))
    xg, hg, vg = (np.take_along_axis(a, gather, -1) for a in (xm, hm, valid))
    step = max(1, _CELLS // max(1, m * d * s * s))
    out = np.concatenate(
        [correlation.rows(xg[i : i + step], hg[i : i + step], vg[i : i + step]) for i in range(0, b, step)],
        axis=1,
    )
    return out, np.broadcast_to(vg.sum(-1), out.shape).astype(float)


def _global(
    x: np.ndarray, xv: np.ndarray, h: np.ndarray, hv: np.ndarray, counts: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    m, n, s = x.shape
    d = h.shape[0]
    system_counts = _multiplicities(idx, s)  # (B, S)
    w = (counts[:, :, None] * system_counts[:, None, :]).reshape(len(counts), n * s)
    out = np.empty((3, len(counts), m, d))
    used = np.empty_like(out)
    slow = list(range(m))
    if (hv == hv[:1]).all():  # every judged text judged on every dimension (SummEval)
        # The measures with a value for every judged text share one set of pairs: all at once.
        judged = hv[0].ravel()
        fast = [i for i in range(m) if xv[i].ravel()[judged].all()]
        slow = [i for i in range(m) if i not in fast]
        if fast and judged.sum() >= 2:
            xs, hs = x[fast].reshape(len(fast), -1)[:, judged], h.reshape(d, -1)[:, judged]
            out[:, :, fast] = correlation.weighted_all(xs, hs, w[:, judged])
            used[:, :, fast] = (w[:, judged] > 0).sum(1)[None, :, None, None]
    for i in slow:
        for j in range(d):
            valid = (xv[i] & hv[j]).ravel()
            if valid.sum() < 2:
                out[:, :, i, j], used[:, :, i, j] = np.nan, valid.sum()
                continue
            out[:, :, i, j] = correlation.weighted(x[i].ravel(), h[j].ravel(), w * valid)
            used[:, :, i, j] = (w * valid > 0).sum(1)
    return out, used


def _point(level: Level, x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    one = np.ones((1, x.shape[1]))
    values, n = level_values(level, x, h, one, np.arange(x.shape[2])[None])
    return values[:, 0], n[:, 0]


def permutation_test(
    a: np.ndarray,
    b: np.ndarray,
    human: np.ndarray,
    *,
    level: Level,
    coefficient: Coefficient,
    permutations: int,
    resample: Resample,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """(observed r_A - r_B, one-sided p that A correlates better than B) for measures a, b (N, S) against
    human (N, S) (Deutsch, Dror & Roth 2021). Cells where either measure is missing are left out."""
    k = COEFFICIENTS.index(coefficient)
    valid = ~np.isnan(a) & ~np.isnan(b)
    za, zb = (np.where(valid, (v - v[valid].mean()) / (v[valid].std() or 1.0), np.nan) for v in (a, b))
    observed = _point(level, np.stack([za, zb]), human[None])[0][k, :, 0]
    delta = observed[0] - observed[1]
    n, s = a.shape
    shape = {"both": (permutations, n, s), "systems": (permutations, 1, s), "inputs": (permutations, n, 1)}
    swap = np.broadcast_to(rng.random(shape[resample]) < 0.5, (permutations, n, s))
    step = max(1, _CELLS // max(1, 2 * n * s * s))
    hits = 0
    for p0 in range(0, permutations, step):
        sw = swap[p0 : p0 + step]
        pa, pb = np.where(sw, zb, za), np.where(sw, za, zb)
        values = _point(level, np.concatenate([pa, pb]), human[None])[0][k, :, 0]
        diff = values[: len(sw)] - values[len(sw) :]
        hits += int(np.sum(np.nan_to_num(diff, nan=-np.inf) >= delta - 1e-12))
    return float(delta), (1 + hits) / (permutations + 1)


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """BLAS on one thread while meta-evaluation runs: its matrix products are many and small, and a
    threaded BLAS on a busy machine makes them ~30x slower (measured on a shared 2-core box)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def evaluate(grid: Grid, settings: MetaSettings, signature: str) -> MetaResult:
    """Every coefficient of every measure against every dimension at the chosen levels, with intervals,
    the top measures' permutation tests, and the annotators' agreement."""
    with one_blas_thread():
        return _evaluate(grid, settings, signature)


def _evaluate(grid: Grid, settings: MetaSettings, signature: str) -> MetaResult:
    rng = np.random.default_rng(settings.seed)
    _, n, s = grid.x.shape
    counts, idx = draws(rng, settings.bootstrap, n, s, settings.resample)
    rows: list[MetaRow] = []
    alpha = (1 - settings.confidence) / 2 * 100
    for level in settings.levels:
        values, used = _point(level, grid.x, grid.h)
        low = high = np.full_like(values, np.nan)
        if settings.bootstrap:
            samples, _ = level_values(level, grid.x, grid.h, counts, idx)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a coefficient no resample defines
                low, high = np.nanpercentile(samples, [alpha, 100 - alpha], axis=1)
        for c, coefficient in enumerate(COEFFICIENTS):
            for i, measure in enumerate(grid.measures):
                for j, dimension in enumerate(grid.dimensions):
                    rows.append(
                        MetaRow(
                            measure, dimension, level, coefficient, _num(values[c, i, j]),
                            _num(low[c, i, j]), _num(high[c, i, j]), int(used[c, i, j]),
                        )
                    )  # fmt: skip
    result = MetaResult(
        rows,
        signature,
        {d: krippendorff_interval(grid.scores[d]) for d in grid.dimensions},
        _constant(grid),
        grid.unjudged,
        int((~np.isnan(grid.h)).any(0).sum()),
        n,
        s,
        settings.rank_by,
    )
    _compare(result, grid, settings)
    return result


def _compare(result: MetaResult, grid: Grid, settings: MetaSettings) -> None:
    """The p of each of the next `compare` measures against the top one, per level and dimension."""
    if not settings.compare or not settings.permutations:
        return
    position = {(r.measure, r.dimension, r.level, r.coefficient): k for k, r in enumerate(result.rows)}
    test = 0
    for level in settings.levels:
        for j, dimension in enumerate(grid.dimensions):
            ranked = [r for r in result.ranked(level, dimension) if r.value is not None]
            for other in ranked[1 : 1 + settings.compare]:
                a, b = grid.measures.index(ranked[0].measure), grid.measures.index(other.measure)
                _, p = permutation_test(
                    grid.x[a], grid.x[b], grid.h[j],
                    level=level, coefficient=settings.rank_by, permutations=settings.permutations,
                    resample=settings.resample, rng=np.random.default_rng([settings.seed, test]),
                )  # fmt: skip
                test += 1
                k = position[(other.measure, dimension, level, settings.rank_by)]
                result.rows[k] = MetaRow(**{**result.rows[k].record(), "p": p})  # type: ignore[arg-type]


def _constant(grid: Grid) -> dict[str, int]:
    out = {}
    for j, dimension in enumerate(grid.dimensions):
        h = grid.h[j]
        judged = (~np.isnan(h)).sum(1)
        spread = np.nanmax(np.where(np.isnan(h), -np.inf, h), 1) - np.nanmin(
            np.where(np.isnan(h), np.inf, h), 1
        )
        out[dimension] = int(((judged >= 2) & (spread == 0)).sum())
    return out


def _num(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
