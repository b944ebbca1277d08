"""What a run found, in words: the first thing report.md and report.html say (issue 21).

`findings(result, metrics)` is a list built from the numbers, one `Finding` per question a reader brings:

- "tracking": which text tracks its source most closely, and how (its tracking measures, in words);
- "best": which system scores highest against the references (or the derivatives);
- "significance": whether that lead is significant, or why it cannot be with n clusters.

Each finder is one function in FINDERS; a finder returns None when the run has nothing to say on its
question. Another kind of finding (say "faithfulness", from flagged unsupported content) is one more
function appended to FINDERS: the reports render every finding the same way, in that order.
Every statement is one the numbers show; none says more (no "faithful" from ROUGE precision alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eval.tracking.measures import get, headline_measures

if TYPE_CHECKING:
    from eval.run.result import RunResult


@dataclass(frozen=True)
class Finding:
    kind: str  # "tracking", "best", "significance", ...: what question it answers
    text: str  # one or two sentences, plain text
    # (label, value) bars for the first screen's picture, highest first; empty for a finding without one
    bars: tuple[tuple[str, float], ...] = field(default=())
    scale: str = ""  # what the bars measure


Finder = Callable[["RunResult", Sequence[str]], "Finding | None"]

# The measure that ranks texts by how closely they track the source: meaning and wording kept, one number.
RANK_MEASURE = "closeness"
FALLBACK_MEASURE = "rouge2_f"  # without semantic similarity (tracking.semantic off) closeness is undefined
PICTURE_BARS = 12


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def _order_words(tau: float | None) -> str:
    if tau is None:
        return "its sentence order could not be compared"
    if tau >= 0.7:
        return f"keeps the source's order (order {tau:.2f})"
    if tau >= 0.3:
        return f"mostly keeps the source's order (order {tau:.2f})"
    if tau > -0.3:
        return f"reorders the source freely (order {tau:.2f}; 0 is no relation)"
    return f"runs against the source's order (order {tau:.2f}; -1 is reversed)"


def tracking_finding(result: RunResult, metrics: Sequence[str]) -> Finding | None:
    """The derivative (or, without derivatives, the text) whose tracking measures are closest to the
    source, described by what it keeps, copies and reorders; the bars rank every derivative."""
    texts = [t for t in result.tracking if t.kind == "derivative"] or list(result.tracking)
    if not texts:
        return None
    values = [(t, headline_measures(t.profile)) for t in texts]
    key = RANK_MEASURE if all(v.get(RANK_MEASURE) is not None for _, v in values) else FALLBACK_MEASURE
    ranked = sorted(
        ((t, v) for t, v in values if v.get(key) is not None), key=lambda tv: -float(tv[1][key] or 0.0)
    )
    if not ranked:
        return None
    several = len({t.cluster for t, _ in ranked}) > 1
    top, v = ranked[0]
    name = f"{top.id} (cluster {top.cluster})" if several else top.id
    measure = get(key)
    text = (
        f"{name} tracks its source most closely of the {len(ranked)} {top.kind}s "
        f"({measure.label} {_f(v[key])}): it keeps {_pct(v.get('rouge1_r'))} of the source's words, "
        f"{_pct(v.get('rouge1_p'))} of its own words come from the source, its longest copied passage is "
        f"{_f(v.get('longest_fragment'), 0)} words, and it {_order_words(v.get('order'))}."
    )
    if len(ranked) > 1:
        last, w = ranked[-1]
        text += f" Least close: {last.id} ({measure.label} {_f(w[key])})."
    bars = tuple(
        ((f"{t.cluster} / {t.id}" if several else t.id), float(tv[key] or 0.0))
        for t, tv in ranked[:PICTURE_BARS]
    )
    return Finding("tracking", text, bars, f"{measure.label}: {measure.description}")


def _best(result: RunResult, metrics: Sequence[str]) -> tuple[str, str, list[tuple[str, float, int]]] | None:
    """(target, metric, [(system, mean F1, n), ...] highest first) for the headline metric."""
    from eval.output.tables import comparison_target, system_name, target_group

    target = comparison_target(result)
    metric = "rouge2" if "rouge2" in metrics else (metrics[0] if metrics else "")
    means = [
        (name, a.mean, a.n)
        for a in result.aggregates
        if target_group(a) == target and a.stat == "f1" and a.metric == metric
        if (name := system_name(a)) is not None
    ]
    if not means:
        return None
    return target, metric, sorted(means, key=lambda m: -m[1])


def best_finding(result: RunResult, metrics: Sequence[str]) -> Finding | None:
    best = _best(result, metrics)
    if best is None:
        return None
    target, metric, means = best
    (name, mean, n), *rest = means
    text = f"Best against the {target}: {name}, {metric} F1 {mean:.3f}"
    if rest:
        text += f", ahead of {rest[0][0]} ({rest[0][1]:.3f})"
    text += f" (mean over {n} cluster{'s' if n != 1 else ''}; {len(means)} systems compared)."
    return Finding("best", text)


def significance_finding(result: RunResult, metrics: Sequence[str]) -> Finding | None:
    from eval.output.tables import comparisons_note

    best = _best(result, metrics)
    if best is None or len(best[2]) < 2:
        return None
    target, metric, means = best
    (first, _, n), (second, _, _) = means[0], means[1]
    if n < 2:
        return Finding(
            "significance",
            f"Whether {first} is really ahead of {second} cannot be told from 1 cluster: a paired test "
            "needs several clusters, and each cluster counts once however many texts it holds.",
        )
    note = comparisons_note(result)
    pair = next(
        (
            c
            for c in result.comparisons
            if {c.system_a, c.system_b} == {first, second} and c.metric == metric and c.target.kind == target
        ),
        None,
    )
    if note:
        return Finding("significance", f"The lead of {first} over {second} cannot be significant: {note}.")
    if pair is None:
        return Finding(
            "significance", f"{first} and {second} were not compared by a paired test in this run."
        )
    verdict = "significant" if pair.p_value < 0.05 else "not significant"
    return Finding(
        "significance",
        f"{first} against {second}: difference {abs(pair.delta):.3f} in {metric} F1 over {pair.n} clusters, "
        f"{verdict} at 0.05 ({pair.method} test, p = {pair.p_value:.3g}).",
    )


# The order the reports say them in. Append a finder here for a new kind of finding (e.g. faithfulness).
FINDERS: list[Finder] = [tracking_finding, best_finding, significance_finding]


def findings(result: RunResult, metrics: Sequence[str]) -> list[Finding]:
    """Every finding the run supports, in FINDERS' order."""
    out = []
    for finder in FINDERS:
        found = finder(result, metrics)
        if found is not None:
            out.append(found)
    return out
