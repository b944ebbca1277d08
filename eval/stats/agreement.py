"""Inter-annotator agreement: Krippendorff's alpha with the interval metric (Krippendorff 2011,
"Computing Krippendorff's Alpha-Reliability"), the ceiling a measure's agreement with people can reach.

alpha = 1 - D_o / D_e: D_o is the disagreement within units (the values several annotators gave one text),
D_e the disagreement expected by chance among all pairable values; with the squared difference as the
interval metric both are sums of squares, so the whole is a few vectorised sums. Units with fewer than two
values are not pairable and are left out, as Krippendorff prescribes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def krippendorff_interval(units: Sequence[Sequence[float]]) -> tuple[float | None, int]:
    """(alpha, pairable values) over `units`, each the values one text received; alpha is None where no
    unit has two values or every pairable value is the same (no variation to agree on)."""
    pairable = [np.asarray(u, dtype=float) for u in units if len(u) >= 2]
    if not pairable:
        return None, 0
    m = np.array([len(u) for u in pairable], dtype=float)
    sums = np.array([u.sum() for u in pairable])
    squares = np.array([(u * u).sum() for u in pairable])
    n = m.sum()
    # Sum over ordered pairs i != j within a unit of (v_i - v_j)^2 is 2 (m sum v^2 - (sum v)^2).
    within = (2 * (m * squares - sums**2) / (m - 1)).sum() / n
    expected = 2 * (n * squares.sum() - sums.sum() ** 2) / (n * (n - 1))
    if expected <= 1e-12 * max(1.0, squares.sum()):
        return None, int(n)
    return float(1 - within / expected), int(n)
