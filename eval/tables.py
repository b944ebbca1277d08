"""Tables a person reads, built once from a RunResult and shown by the console and the Markdown report.

Each `*_table` builder returns (header, rows) with every cell already formatted as text; "-" marks a value
that does not apply (an extractive system has no device) or could not be computed (no semantic model).
`tracking_rows` hands the ROUGE-against-the-source rows over unformatted, since the console and the report
show different columns of them.
"""

from __future__ import annotations

from typing import Any

from eval.aggregate import ScoreRow
from eval.runner import RunResult, SystemRun

Table = tuple[list[str], list[list[str]]]


def tracking_rows(result: RunResult) -> list[tuple[str, str, str, int, dict[str, ScoreRow]]]:
    """(cluster, candidate, kind, words, {metric: row}) for every text scored against its source."""
    words = {(d.cluster, d.id): d.words for d in result.documents}
    words.update({(c, p.id): p.words for c, _, p in result.summaries})
    grouped: dict[tuple[str, str], dict[str, ScoreRow]] = {}
    kinds: dict[tuple[str, str], str] = {}
    for row in result.scores:
        if row.target_kind == "source":
            grouped.setdefault((row.cluster, row.candidate), {})[row.metric] = row
            kinds[(row.cluster, row.candidate)] = row.candidate_kind
    return [
        (c, cand, kinds[(c, cand)], words.get((c, cand), 0), metrics)
        for (c, cand), metrics in grouped.items()
    ]


def _num(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _mib(value: Any) -> str:
    return "-" if not value else f"{value / 2**20:,.0f} MiB"


def _inputs(run: SystemRun) -> str:
    info = run.info
    parts = [
        f"{info[key]} {label}"
        for key, label in (
            ("truncated_documents", "truncated"),
            ("chunked_documents", "chunked"),
            ("cached_documents", "cached"),
        )
        if info.get(key)
    ]
    return ", ".join(parts) or "-"


def systems_table(result: RunResult) -> Table:
    """Status and cost of every system: wall time, device, dtype, generated tokens/s, peak memory."""
    header = ["system", "kind", "status", "seconds", "device", "dtype", "tokens/s", "peak memory", "inputs"]
    rows = []
    for run in result.systems:
        info = run.info
        rows.append(
            [
                run.name,
                run.kind,
                run.status,
                f"{run.seconds:.2f}",
                str(info.get("device", "-")),
                str(info.get("dtype", "-")),
                _num(info.get("generated_tokens_per_second"), 1),
                _mib(info.get("peak_memory_bytes")),
                _inputs(run),
            ]
        )
    return header, rows


def tracking_table(result: RunResult) -> Table:
    """The headline tracking measures of every text against its cluster's source."""
    header = [
        "cluster",
        "text",
        "kind",
        "coverage",
        "density",
        "compression",
        "novel 2-grams",
        "longest copy",
        "semantic",
        "order",
        "closeness",
    ]
    rows = []
    for tracked in result.tracking:
        p = tracked.profile
        rows.append(
            [
                tracked.cluster,
                tracked.id,
                tracked.kind,
                _num(p.coverage),
                _num(p.density, 2),
                _num(p.compression, 2),
                _num(p.novel_ngrams.get(2)),
                str(p.longest_fragment),
                _num(p.semantic),
                _num(p.alignment.order),
                _num(p.closeness),
            ]
        )
    return header, rows


def comparisons_table(result: RunResult) -> Table:
    header = ["system A", "system B", "target", "metric", "mean A", "mean B", "A - B", "p", "n", "test"]
    rows = [
        [
            c.system_a,
            c.system_b,
            str(c.target),
            c.metric,
            _num(c.mean_a),
            _num(c.mean_b),
            f"{c.delta:+.3f}",
            f"{c.p_value:.3g}",
            str(c.n),
            c.method,
        ]
        for c in result.comparisons
    ]
    return header, rows


def comparisons_note(result: RunResult, alpha: float = 0.05) -> str | None:
    """Why no p-value in the comparisons table can reach `alpha`, when the number of clusters forbids it."""
    from eval.significance import smallest_p

    if not result.comparisons:
        return None
    n = max(c.n for c in result.comparisons)
    method = result.comparisons[0].method
    if method == "permutation":
        floor = smallest_p("permutation", n)
    elif method == "bootstrap":
        floor = smallest_p("bootstrap", n)
    else:
        return None
    if floor < alpha:
        return None
    return (
        f"with {n} clusters the {method} test cannot give p < {alpha:g} (its smallest p is {floor:.3g}); "
        "no difference here can be called significant, whatever the scores"
    )
