"""The Markdown report and the HTML report's data, both read from one RunResult.

The writers that put them (and the CSV, JSON and JSONL files) in a run folder are in eval.output.writers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from eval.options import DEFAULT_TYPES
from eval.output import report_html
from eval.output.faithfulness import faithfulness_overview, faithfulness_table
from eval.output.findings import findings
from eval.output.meta_files import meta_data, meta_md
from eval.output.report_html import measure_keys
from eval.output.tables import (
    comparison_target,
    comparisons_note,
    comparisons_table,
    derivatives_table,
    detail_clusters,
    detail_note,
    interval,
    means_table,
    pooled_derivatives,
    source_rouge_table,
    systems_table,
    tracking_table,
)
from eval.results import Tracked
from eval.run.result import RunResult
from eval.run.scoring import Prepared
from eval.tracking.matrices import Matrix
from eval.tracking.measures import headline_measures
from eval.tracking.profile import TrackingProfile, copied_char_spans
from summarize.printable import shown


def _md(value: Any) -> str:
    """Data (an id, a message) as Markdown text: control characters escaped (a newline in an id cannot start
    a heading; an ANSI escape does not reach a terminal showing the file), `<` escaped so no HTML tag is
    made of it (a viewer that renders raw HTML shows `<script>` as text)."""
    return shown(str(value)).replace("<", "\\<")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return (f"{value:.4f}" if isinstance(value, float) else _md(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def run_summary(result: RunResult) -> str:
    """One line: what the run holds and how it went."""
    roles = [d.role for d in result.documents]
    statuses = [s.status for s in result.systems]
    parts = [
        f"{roles.count('source')} cluster(s)",
        f"{roles.count('derivative')} derivative(s)",
        f"{roles.count('reference')} reference(s)",
        f"{len(statuses)} system(s)"
        + (
            " (" + ", ".join(f"{statuses.count(k)} {k}" for k in dict.fromkeys(statuses)) + ")"
            if statuses
            else ""
        ),
        f"{len(result.problems)} problem(s)",
        f"{sum(len(d.dropped) for d in result.documents)} line(s) removed by cleaning",
    ]
    return "; ".join(parts)


def _did_not_run(systems: Sequence[Any]) -> str:
    """'2 systems did not run (unavailable: a, b)' for the systems that have an error."""
    by_status: dict[str, list[str]] = {}
    for s in systems:
        by_status.setdefault(s.status, []).append(s.name)
    what = "; ".join(f"{k}: {', '.join(names)}" for k, names in by_status.items())
    return f"{plural(len(systems), 'system')} did not run ({what})"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 document', '2 documents', '0 clusters'."""
    return f"{n} {word if n == 1 else many or word + 's'}"


DERIVATIVES_NOTE = (
    "P: share of the text's n-grams found in the source; R: share of the source's n-grams the text keeps; "
    "F: their harmonic mean. "
    "Coverage: share of words inside copied fragments; novel 2-grams: share of word pairs not in the "
    "source; longest copy: words; semantic: median best-match sentence similarity; order: Kendall's tau "
    "of aligned source positions (1 keeps the source's order, 0 no relation, -1 reversed); closeness: mean "
    "of semantic and shared 3-grams (docs/reading-the-"
    "numbers.md)."
)


def report_md(result: RunResult, metrics: Sequence[str]) -> str:
    """report.md, in the order of report.html: overview, systems and cost, comparisons, per cluster,
    problems, cleaning log."""
    out = [f"# sumtrack report: {_md(result.name)}", ""]
    found = findings(result, metrics)
    if found:  # the answer first (issue 21); the signature and the tables below
        out += ["## Findings", ""] + [f"- {_md(f.text)}" for f in found] + [""]
    out += [f"Signature: `{result.signature}`", ""]
    out += [run_summary(result) + ".", ""]
    shown = detail_clusters(result)
    wanted = set(shown)
    note = detail_note(result, shown)
    if note:
        out += [f"**Note:** {note}.", ""]
    out += ["## Overview", ""]
    line, (header, rows) = faithfulness_overview(result, shown)
    if line:
        out += ["### Faithfulness: entities and quantities the source does not support", "", FAITH_NOTE, ""]
        out += [f"{line}.", ""] + ([_md_table(header, rows), ""] if rows else [])
    # The means first: at any corpus size they are the answer; the per-derivative table follows.
    target = comparison_target(result)
    header, rows = means_table(result, target, metrics)
    if rows:
        out += [
            f"### Systems against the {target}",
            "",
            f"Mean F1 over clusters of each system against the {target}; with n >= 2 clusters the seeded "
            "bootstrap interval follows in brackets.",
            "",
            _md_table(header, rows),
            "",
        ]
    out += ["### How each derivative tracks its source", "", DERIVATIVES_NOTE, ""]
    pooled = pooled_derivatives(result)
    if pooled:
        out += [
            "All derivatives against the source, mean F1 over "
            f"{pooled[0].n} derivative(s): " + ", ".join(f"{a.metric} {interval(a)}" for a in pooled),
            "",
        ]
    header, rows = derivatives_table(result, metrics, shown)
    if rows and note:
        out += [f"The derivatives of the first {len(shown)} clusters:", ""]
    out += [_md_table(header, rows) if rows else "No derivatives.", ""]
    if result.systems:
        out += [
            "## Systems and cost",
            "",
            "Wall time includes loading; tokens/s counts generated tokens; peak memory is the "
            "process RSS on CPU or torch's peak allocation on GPU.",
            "",
            _md_table(*systems_table(result)),
            "",
        ]
        failed = [s for s in result.systems if s.error]
        out += [f"- {_md(s.name)} ({s.status}): {_md(s.error)}" for s in failed] + ([""] if failed else [])
        truncated = [(c, s) for c, s, _ in result.summaries if s.truncated]
        if truncated:
            listed = [(c, s) for c, s in truncated if c in wanted]
            out += ["Inputs cut to fit the model (truncated):", ""]
            out += [
                f"- {_md(s.system)} on {_md(c)}: saw {s.input_tokens} of {s.total_tokens} tokens"
                for c, s in listed
            ]
            if len(listed) < len(truncated):
                out.append(f"- and {len(truncated) - len(listed)} more in clusters not shown text by text")
            out.append("")
    if result.comparisons:
        out += [
            "## System comparisons",
            "",
            "Paired test over clusters of the two systems' F1 (A - B > 0: A scores higher); p is two-sided.",
            "",
            _md_table(*comparisons_table(result)),
            "",
        ]
        floor = comparisons_note(result)
        if floor:
            out += [f"Note: {floor}.", ""]
    out += meta_md(result.meta)
    out += _per_cluster_md(result, metrics, shown, note)
    codecs = [d for d in result.documents if d.encoding not in (None, "utf-8") and d.cluster in wanted]
    if codecs:
        out += ["## Files not read as plain UTF-8", ""]
        out += [
            _md_table(["cluster", "document", "encoding"], [[d.cluster, d.id, d.encoding] for d in codecs]),
            "",
        ]
    not_ok = [s for s in result.systems if s.error]
    if result.problems or result.warnings or result.stopped or not_ok:
        out += ["## Problems", ""]
        out += [f"- {_md(p.message)}" for p in result.problems]
        if not_ok:  # each reason is said once, under Systems and cost
            out.append(f"- {_md(_did_not_run(not_ok))}: see Systems and cost for why")
        out += [f"- warning: {_md(w)}" for w in result.warnings]
        if result.stopped:
            out.append(f"- run stopped early: {_md(result.stopped)}")
        out.append("")
    dropped = [(d, x) for d in result.documents if d.cluster in wanted for x in d.dropped]
    removed = sum(len(d.dropped) for d in result.documents)
    if removed:
        out += ["## Lines removed by cleaning", ""]
        if len(dropped) < removed:
            out += [
                f"{removed} line(s) in all, every one in cleaning.jsonl; those of the first {len(shown)} "
                "clusters:",
                "",
            ]
        out += [
            _md_table(
                ["cluster", "document", "line", "rule", "text"],
                [[d.cluster, d.id, x.line, x.rule, x.text[:120]] for d, x in dropped],
            ),
            "",
        ]
    return "\n".join(out)


FAITH_NOTE = (
    "Each named entity and quantity of a text checked against its source (docs/faithfulness.md); "
    '"not in the source" lists what the source does not support, "ent context" the share of its entities '
    "that stand where the source has them (two swapped names stand where the other one was)."
)


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[Any, list[Sequence[Any]]]:
    """Rows by their first cell, in order."""
    out: dict[Any, list[Sequence[Any]]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _per_cluster_md(
    result: RunResult, metrics: Sequence[str], shown: Sequence[str], note: str | None
) -> list[str]:
    rouge_header, rouge_rows = source_rouge_table(result, metrics, shown)
    profile_header, profile_rows = tracking_table(result, shown)
    several = rouge_header[0] == "cluster"
    rouge_by = _grouped(rouge_rows) if several else {cid: rouge_rows for cid in shown}
    profiles_by = _grouped(profile_rows)
    faith_header, faith_rows = faithfulness_table(result, shown)
    faith_by = _grouped(faith_rows)
    sources = {d.cluster: d for d in result.documents if d.role == "source"}
    out = ["## Per cluster", ""] + ([f"Note: {note}.", ""] if note else [])
    for cid in shown:
        rouge = [r[1:] if several else r for r in rouge_by.get(cid, [])]
        profiles = [r[1:] for r in profiles_by.get(cid, [])]
        source = sources[cid]
        out += [f"### {_md(cid)}", "", f"Source: {_md(source.id)} ({source.words} words).", ""]
        if rouge:
            out += ["ROUGE against the source:", "", _md_table(rouge_header[int(several) :], rouge), ""]
        if profiles:
            out += ["Tracking profile:", "", _md_table(profile_header[1:], profiles), ""]
        faithful = [r[1:] for r in faith_by.get(cid, [])]
        if faithful:
            out += ["Faithfulness:", "", _md_table(faith_header[1:], faithful), ""]
    return out


def _rounded(value: float | None, digits: int = 4) -> float | None:
    """A number for the page's JSON: rounded, and None where it is undefined (JSON has no NaN)."""
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _faithfulness_data(result: RunResult, shown: Sequence[str]) -> dict[str, Any] | None:
    line, table = faithfulness_overview(result, shown)
    return None if line is None else {"line": line, "table": table, "note": FAITH_NOTE}


def _flagged(profile: TrackingProfile | None) -> list[list[Any]]:
    """A text's unsupported and out-of-context facts for the side-by-side view: [sentence, start, end,
    out of context, label, source sentences checked against]."""
    support = profile.entities if profile is not None else None
    if support is None:
        return []
    return [
        [f.sentence, f.start, f.end, f.supported, f.label, list(f.source_sentences)]
        for f in support.facts
        if not f.supported or f.context is False
    ]


def _cluster_data(
    cid: str,
    docs: Sequence[Prepared],
    tracked: Sequence[Tracked],
    matrices: Mapping[str, Matrix | str],
) -> dict[str, Any]:
    """One cluster for the page's script: every text once (the source first), each text's measures,
    copied spans and sentence alignment against the source, and the pairwise matrices. `docs`: the
    cluster's documents and system summaries; `tracked`: its texts' tracking profiles."""
    source = next(d for d in docs if d.role == "source")
    texts = [source, *(d for d in docs if d.role != "source" and d.text)]
    profiles = {t.id: t.profile for t in tracked}
    keys = measure_keys()
    limit = report_html.REPORT_MAX_SENTENCES

    def shown(doc: Prepared) -> str:
        return "\n".join(doc.sentences[:limit])

    values: list[list[float | None] | None] = [None]
    spans: list[list[list[list[int]]] | None] = [None]
    aligned: list[list[list[float | None]] | None] = [None]
    for text in texts[1:]:
        profile = profiles.get(text.id)
        measures = headline_measures(profile) if profile else {}
        values.append([_rounded(measures.get(key), 3) for key in keys])
        text_spans, source_spans = copied_char_spans(shown(source), shown(text))
        spans.append([[list(s) for s in text_spans], [list(s) for s in source_spans]])
        pairs = profile.alignment.pairs if profile else ()
        aligned.append([[p.source_index, _rounded(p.similarity, 2)] for p in pairs])
    return {
        "id": cid,
        "texts": [
            {
                "id": d.id,
                "kind": d.role,
                "words": d.words,
                "sentences": d.sentences[:limit],
                "total": len(d.sentences),
            }
            for d in texts
        ],
        "values": values,
        "spans": spans,
        "align": aligned,
        "matrices": [
            {
                "metric": m.metric,
                "labels": list(m.labels),
                # Both matrices are symmetric with 1 on the diagonal: the pairs above it are enough.
                "upper": [_rounded(v, 3) for i, row in enumerate(m.values) for v in row[i + 1 :]],
            }
            if isinstance(m, Matrix)
            else {"metric": metric, "unavailable": m}
            for metric, m in matrices.items()
        ],
        "facts": [None] + [_flagged(profiles.get(t.id)) for t in texts[1:]],
        "notes": sorted({p.semantic_reason for p in profiles.values() if p.semantic_reason}),
    }


def html_data(result: RunResult, metrics: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything report.html shows (see `report_html.render_html`), gathered from a run's result in
    one place, so the page reads nothing else. `metrics`: the ROUGE types to show (default: the run's).

    The per-text parts hold the first `output.detail_clusters` clusters (`tables.detail_clusters`);
    the aggregates, comparisons and the systems cover every cluster."""
    metrics = metrics or result.settings.get("rouge", {}).get("types") or DEFAULT_TYPES
    target = comparison_target(result)
    systems_header, systems_rows = systems_table(result)
    shown = detail_clusters(result)
    wanted = set(shown)
    # Each text, profile and matrix is found through one pass over the run, whatever its size: the
    # matrices property rebuilds every cluster's matrices from the rows, so it is read once.
    docs: dict[str, list[Prepared]] = {cid: [] for cid in shown}
    for d in result.documents:
        if d.cluster in wanted:
            docs[d.cluster].append(d)
    for c, _, p in result.summaries:
        if c in wanted:
            docs[c].append(p)
    tracked: dict[str, list[Tracked]] = {cid: [] for cid in shown}
    for t in result.tracking:
        if t.cluster in wanted:
            tracked[t.cluster].append(t)
    matrices = result.matrices if shown else {}
    removed = Counter(x.rule for d in result.documents for x in d.dropped)
    return {
        "title": f"sumtrack report: {result.name}",
        "findings": [asdict(f) for f in findings(result, metrics)],
        "signature": result.signature,
        "ok": result.ok,
        "stopped": result.stopped,
        "measures": measure_keys(),
        "clusters_total": max(result.scored, len(shown)),
        "detail_note": detail_note(result, shown),
        "derivatives": derivatives_table(result, metrics, shown),
        "faithfulness": _faithfulness_data(result, shown),
        "means": {"target": target, "table": means_table(result, target, metrics)},
        "derivatives_pooled": [
            {"metric": a.metric, "mean": a.mean, "low": a.low, "high": a.high, "n": a.n}
            for a in pooled_derivatives(result)
        ],
        "systems": {
            "header": [*systems_header, "reason"],
            "rows": [
                [*row, run.reason or run.error or ""]
                for row, run in zip(systems_rows, result.systems, strict=True)
            ],
            # The whole message of each, one click away from its short reason; each advice once.
            "errors": [run.error or "" for run in result.systems],
            "advice": list(dict.fromkeys(run.advice for run in result.systems if run.advice)),
        },
        "comparisons": comparisons_table(result) if result.comparisons else None,
        "comparisons_note": comparisons_note(result),
        "meta": meta_data(result.meta),
        "problems": [p.message for p in result.problems],
        "warnings": list(result.warnings),
        # Every removed line counted by rule; the lines themselves for the clusters shown.
        "removed": dict(sorted(removed.items())),
        "cleaning": [
            [d.cluster, d.id, str(x.line), x.rule, x.text, action]
            for d in result.documents
            if d.cluster in wanted
            for lines, action in ((d.dropped, "removed"), (d.kept, "kept"))
            for x in lines
        ],
        "encodings": [
            [d.cluster, d.id, d.encoding]
            for d in result.documents
            if d.cluster in wanted and d.encoding not in (None, "utf-8")
        ],
        "clusters": [_cluster_data(cid, docs[cid], tracked[cid], matrices.get(cid, {})) for cid in shown],
    }
