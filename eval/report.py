"""Writers for a run directory: JSON, CSV, JSONL, Markdown and HTML, all read from one RunResult.

Files are written to a temporary name and renamed, so an interrupted write never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from eval.aggregate import AggregateRow, ScoreRow
from eval.config import LoadedConfig
from eval.report_html import matrices_data, render_html
from eval.runner import RunResult
from eval.tables import comparisons_table, systems_table, tracking_rows, tracking_table

SCORE_COLUMNS = ("cluster", "candidate", "target", "metric", "precision", "recall", "f1")
AGGREGATE_COLUMNS = ("candidate", "target", "metric", "stat", "mean", "low", "high", "n")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


def scores_csv(rows: Sequence[ScoreRow]) -> str:
    return _csv(SCORE_COLUMNS, (asdict(r) for r in rows))


def aggregates_csv(rows: Sequence[AggregateRow]) -> str:
    return _csv(AGGREGATE_COLUMNS, (asdict(r) for r in rows))


def summaries_jsonl(result: RunResult) -> str:
    lines = []
    for cluster, summary, prepared in result.summaries:
        record = {
            "cluster": cluster,
            **asdict(summary),
            "sentences": prepared.sentences,
            "words": prepared.words,
        }
        record["settings"] = dict(summary.settings)
        lines.append(json.dumps(record, ensure_ascii=False, default=str))
    return "".join(line + "\n" for line in lines)


def cleaning_jsonl(result: RunResult) -> str:
    """One record per line a rule matched: "kept": true where the line stayed because dropping every
    match would have removed most of its document."""
    return "".join(
        json.dumps(
            {
                "cluster": d.cluster,
                "document": d.id,
                "line": x.line,
                "rule": x.rule,
                "text": x.text,
                "kept": kept,
                "encoding": d.encoding,
            },
            ensure_ascii=False,
        )
        + "\n"
        for d in result.documents
        for lines, kept in ((d.dropped, False), (d.kept, True))
        for x in lines
    )


def results_dict(result: RunResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "signature": result.signature,
        "versions": result.versions,
        "settings": result.settings,
        "ok": result.ok,
        "stopped": result.stopped,
        "documents": [
            {
                "cluster": d.cluster,
                "id": d.id,
                "role": d.role,
                "path": d.path,
                "words": d.words,
                "sentences": len(d.sentences),
                "dropped_lines": len(d.dropped),
                "encoding": d.encoding,
            }
            for d in result.documents
        ],
        "systems": [asdict(s) for s in result.systems],
        "scores": [asdict(r) for r in result.scores],
        "aggregates": [asdict(r) for r in result.aggregates],
        "comparisons": [asdict(c) for c in result.comparisons],
        "tracking": [asdict(t) for t in result.tracking],
        "matrices": {cid: matrices_data(m) for cid, m in result.matrices.items()},
        "problems": [asdict(p) for p in result.problems],
        "warnings": result.warnings,
    }


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


def write_run(result: RunResult, loaded: LoadedConfig, out_dir: Path) -> list[Path]:
    """Write every output file of a run; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    resolved = {
        **result.settings,
        "systems": [
            {"name": s.name, "type": s.type, **s.params.model_dump(mode="json")} for s in loaded.systems
        ],
        "documents": [
            {"cluster": d.cluster, "id": d.id, "role": d.role, "path": d.path} for d in result.documents
        ],
    }
    files = {
        "config.resolved.yaml": yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True),
        "scores.csv": scores_csv(result.scores),
        "aggregates.csv": aggregates_csv(result.aggregates),
        "summaries.jsonl": summaries_jsonl(result),
        "cleaning.jsonl": cleaning_jsonl(result),
        "results.json": json.dumps(results_dict(result), indent=2, ensure_ascii=False, default=str) + "\n",
        "report.md": report_md(result, loaded.config.rouge.types),
        "report.html": render_html(html_data(result)),
    }
    written = []
    for name, text in files.items():
        _write(out_dir / name, text)
        written.append(out_dir / name)
    return written
