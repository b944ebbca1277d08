"""The Markdown report and the HTML report's data, both read from one RunResult.

The writers that put them (and the CSV, JSON and JSONL files) in a run folder are in eval.writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from eval.report_html import matrices_data
from eval.runner import RunResult
from eval.tables import comparisons_note, comparisons_table, systems_table, tracking_rows, tracking_table


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def report_md(result: RunResult, metrics: Sequence[str]) -> str:
    out = [f"# sumtrack report: {result.name}", "", f"Signature: `{result.signature}`", ""]
    out += [
        "## How closely each text tracks its source",
        "",
        "P: share of the text's n-grams found in the source; R: share of the source's n-grams the text "
        "keeps; F: their harmonic mean. Higher P with low R is a faithful condensation; high P and R is a "
        "near copy.",
        "",
    ]
    header = ["cluster", "text", "kind", "words"] + [f"{m} {s}" for m in metrics for s in ("P", "R", "F")]
    body = [
        [c, cand, kind, words]
        + [getattr(ms[m], s) for m in metrics if m in ms for s in ("precision", "recall", "f1")]
        for c, cand, kind, words, ms in tracking_rows(result)
    ]
    out += [_md_table(header, body), ""]
    if result.aggregates:
        out += [
            "## Means with bootstrap intervals",
            "",
            "Mean over clusters (systems) or over all derivatives, with a seeded percentile bootstrap "
            "interval; n is the number of units averaged. With n = 1 the interval is the point itself.",
            "",
        ]
        out += [
            _md_table(
                ["candidate", "target", "metric", "stat", "mean", "low", "high", "n"],
                [
                    [a.candidate, a.target, a.metric, a.stat, a.mean, a.low, a.high, a.n]
                    for a in result.aggregates
                    if a.stat == "f1"
                ],
            ),
            "",
        ]
    if result.systems:
        out += [
            "## Systems",
            "",
            "Wall time includes loading; tokens/s counts generated tokens; peak memory is the "
            "process RSS on CPU or torch's peak allocation on GPU.",
            "",
        ]
        out += [_md_table(*systems_table(result)), ""]
        failed = [s for s in result.systems if s.error]
        out += [f"- {s.name} ({s.status}): {s.error}" for s in failed] + ([""] if failed else [])
        truncated = [(c, s) for c, s, _ in result.summaries if s.truncated]
        if truncated:
            out += ["Inputs cut to fit the model (truncated):", ""]
            out += [
                f"- {s.system} on {c}: saw {s.input_tokens} of {s.total_tokens} tokens" for c, s in truncated
            ]
            out.append("")
    if result.tracking:
        out += [
            "## Tracking profile",
            "",
            "Coverage: share of the text's words inside fragments copied from the source; density: mean "
            "squared fragment length (long copied runs); compression: source words per text word; novel "
            "2-grams: share of the text's word pairs not in the source; semantic: median best-match "
            "sentence similarity; order: Kendall's tau of aligned source positions; closeness: mean of "
            "semantic and shared 3-grams (the best separator of derived from independent text).",
            "",
        ]
        out += [_md_table(*tracking_table(result)), ""]
    if result.comparisons:
        out += [
            "## System comparisons",
            "",
            "Paired test over clusters of the two systems' F1 (A - B > 0: A scores higher); p is two-sided.",
            "",
        ]
        out += [_md_table(*comparisons_table(result)), ""]
        note = comparisons_note(result)
        if note:
            out += [f"Note: {note}.", ""]
    dropped = [(d, x) for d in result.documents for x in d.dropped]
    if dropped:
        out += ["## Lines removed by cleaning", ""]
        out += [
            _md_table(
                ["cluster", "document", "line", "rule", "text"],
                [[d.cluster, d.id, x.line, x.rule, x.text[:120]] for d, x in dropped],
            ),
            "",
        ]
    codecs = [d for d in result.documents if d.encoding not in (None, "utf-8")]
    if codecs:
        out += ["## Files not read as plain UTF-8", ""]
        out += [
            _md_table(["cluster", "document", "encoding"], [[d.cluster, d.id, d.encoding] for d in codecs]),
            "",
        ]
    if result.problems or result.warnings or result.stopped:
        out += ["## Problems", ""]
        out += [f"- {p.message}" for p in result.problems]
        out += [f"- warning: {w}" for w in result.warnings]
        if result.stopped:
            out.append(f"- run stopped early: {result.stopped}")
        out.append("")
    return "\n".join(out)


def html_data(result: RunResult) -> dict[str, Any]:
    """The dict `eval.report_html.render_html` renders (see its docstring), from a run's result."""
    texts = {(d.cluster, d.id): d for d in result.documents}
    texts.update({(c, p.id): p for c, _, p in result.summaries})
    clusters = []
    for cid, matrices in result.matrices.items():
        source = next(d for d in result.documents if d.cluster == cid and d.role == "source")
        tracked = [t for t in result.tracking if t.cluster == cid]
        clusters.append(
            {
                "id": cid,
                "source": {"id": source.id, "sentences": source.sentences},
                "texts": [
                    {
                        "id": t.id,
                        "kind": t.kind,
                        "sentences": texts[(cid, t.id)].sentences,
                        "profile": asdict(t.profile),
                    }
                    for t in tracked
                ],
                "matrices": matrices_data(matrices),
            }
        )
    return {
        "title": f"sumtrack report: {result.name}",
        "signature": result.signature,
        # F1 only: the precision and recall of each text against its source are in the tracking profiles.
        "aggregate": [
            {**asdict(a), "system": f"{a.candidate} vs {a.target}", "metric": f"{a.metric} F1"}
            for a in result.aggregates
            if a.stat == "f1"
        ],
        "scores": [asdict(r) for r in result.scores],
        "clusters": clusters,
    }
