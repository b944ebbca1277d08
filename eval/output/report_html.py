"""The HTML report: one self-contained file that opens offline, at any corpus size.

`render_html(data)` renders `data`, the plain JSON-able dict `report.html_data` gathers from a run:

    {
      "title", "signature", "ok", "stopped",
      "measures": [name, ...],                  # registered measures: the order of "values"
      "clusters_total": n,                      # clusters scored in all ("clusters" may hold fewer)
      "detail_note": "showing N of M clusters text by text; ..." or None,
      "derivatives": (header, rows),            # each derivative of the clusters in "clusters"
      "means": {"target": "references" | "derivatives", "table": (header, rows)},
      "derivatives_pooled": [{"metric", "mean", "low", "high", "n"}, ...],
      "systems": {"header": [...], "rows": [[..., reason], ...]},
      "comparisons": (header, rows) or None,
      "problems": [message, ...], "warnings": [message, ...],
      "removed": {rule: lines removed, ...},    # over every cluster
      "cleaning": [[cluster, document, line, rule, text, "removed" | "kept"], ...],   # of "clusters"
      "encodings": [[cluster, document, codec], ...],      # files not read as plain UTF-8, of "clusters"
      "clusters": [{                            # the first output.detail_clusters clusters

        "id": "c1",
        "texts": [{"id", "kind", "words", "sentences": [...], "total": n}, ...],  # each text once, the source
                        # first; at most REPORT_MAX_SENTENCES sentences, "total" the text's own count
        "values": [None, [measure values in "measures" order], ...],  # per text, against the source
        "spans": [None, [text spans, source spans], ...],   # copied runs of 3+ words: [start, end) offsets
                                                            # into "\\n".join(sentences)
        "align": [None, [[source sentence or None, similarity], ...], ...],   # per text sentence
        "matrices": [{"metric", "labels", "upper"} or {"metric", "unavailable": reason}, ...],
                                      # upper: the values above the diagonal, row by row (symmetric, 1 on it)
        "notes": [why semantic measures are missing, ...],
      }, ...],
    }

The page is built for reading first: an overview (the systems compared; how each derivative tracks its
source, as charts and a table; systems and cost with every status and its reason; problems; the cleaning log),
then a cluster index. Everything that grows with the corpus (a cluster's tables, charts, heatmaps and the
source beside each text) is drawn by the page's script from the JSON data, only when the reader opens it, so
100 clusters of 28 texts stay a few MB and open at once; each text is in the data once. A larger run shows
its first `output.detail_clusters` clusters text by text and says so at the top; its means and tests cover
every cluster.

Static parts go through `html.escape`; the script builds every element with createElement and textContent,
never innerHTML, so a text holding markup shows as text. The JSON block escapes `<`, `>` and `&`. A
Content-Security-Policy admits only the page's own script (by hash) and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.output.faithfulness import faithfulness_html
from eval.output.findings_html import explained, findings_html, signature_html
from eval.output.meta_report import meta_html
from eval.output.report_assets import CSS, SCRIPT
from eval.tracking.matrices import Matrix
from eval.tracking.measures import all_measures, get

# The registered measures the profile chart draws; labels and decimals come from the registry.
CHART_MEASURES: tuple[str, ...] = (
    "rouge2_p",
    "rouge2_r",
    "coverage",
    "novel_2gram",
    "semantic",
    "aligned_share",
    "order",
    "closeness",
)
# The page holds at most this many sentences of each text (for the side-by-side view, and says so): a
# book-length text would make a report no browser opens. The measures are computed on the whole texts.
REPORT_MAX_SENTENCES = 5000
# The measures drawn on a -1..1 scale in the profile chart (the others it draws are shares, 0..1).
SIGNED = ("order",)
# Precision against recall: the ROUGE type of the scatter charts.
SCATTER = ("rouge1_r", "rouge1_p")
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
KIND_COLOURS = {"derivative": "#1f77b4", "system": "#ff7f0e", "reference": "#2ca02c", "source": "#222"}


# The per-cluster tables of report.html, by measure group (eval/tracking/measures.py).
GROUPS = (("Copying and closeness", ("copying",)), ("Faithfulness", ("faithfulness", "quality")))


def measure_keys() -> list[str]:
    """The order of each text's "values": every registered measure, in registration order."""
    return [m.name for m in all_measures()]


def matrices_data(matrices: Mapping[str, Matrix | str]) -> list[dict[str, Any]]:
    """The "matrices" list of results.json: a matrix as a dict, or {"metric", "unavailable": reason}."""
    return [
        asdict(m) if isinstance(m, Matrix) else {"metric": metric, "unavailable": m}
        for metric, m in matrices.items()
    ]


def write_html(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Render `data` (see the module docstring) to `path`, UTF-8; returns the path."""
    out = Path(path)
    out.write_text(render_html(data), encoding="utf-8")
    return out


def _json_block(data: Any) -> str:
    """JSON that cannot end its <script> element early, whatever the texts hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_html(data: Mapping[str, Any]) -> str:
    script = SCRIPT
    title = html.escape(str(data.get("title", "sumtrack report")))
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    clusters = data.get("clusters", [])
    registered = all_measures()
    keys = list(data.get("measures") or measure_keys())
    page_data = {
        "measures": keys,
        "labels": {m.name: m.label for m in registered},
        "descriptions": {m.name: m.description for m in registered},
        "ranges": {m.name: [-1, 1] if m.name in SIGNED else [0, 1] for m in registered},
        "digits": {m.name: m.digits for m in registered},
        # The cluster table shows every registered measure; the profile chart those on a common scale.
        "table": keys,
        # ... one table per group: how a text copies and stays close, whether it keeps the source's facts.
        "table_groups": [
            [t, [m.name for m in registered if m.name in keys and m.group in g]] for t, g in GROUPS
        ],
        "chart": [k for k in CHART_MEASURES if k in keys],
        "max_sentences": REPORT_MAX_SENTENCES,
        "scatter": list(SCATTER),
        "palette": list(PALETTE),
        "kinds": KIND_COLOURS,
        "clusters": clusters,
    }
    sections = [
        ("overview", "Overview", _overview(data)),
        ("systems", "Systems and cost", _systems(data)),
        ("comparisons", "System comparisons", _comparisons(data)),
        *([("meta", "Agreement with human judgments", meta_html(data["meta"]))] if data.get("meta") else []),
        ("clusters", _clusters_title(data), _cluster_index(clusters, keys, data.get("detail_note"))),
        ("problems", "Problems", _problems(data)),
        ("cleaning", "Cleaning log", _cleaning(data)),
    ]
    nav = "".join(f'<a href="#{key}">{html.escape(name)}</a>' for key, name, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
        f'<nav class="top">{nav}</nav>',
        f"<h1>{title}</h1>",
        findings_html(data.get("findings") or []),
        signature_html(str(data.get("signature", ""))),
    ]
    if data.get("detail_note"):
        parts.append(f'<p class="detail-note"><b>Note:</b> {html.escape(str(data["detail_note"]))}.</p>')
    for key, name, body in sections:
        parts.append(f'<section id="{key}"><h2>{html.escape(name)}</h2>{body}</section>')
    parts.append(f'<script type="application/json" id="report-data">{_json_block(page_data)}</script>')
    parts.append(f"<script>{script}</script></body></html>")
    return "\n".join(parts)


def _clusters_title(data: Mapping[str, Any]) -> str:
    shown = len(data.get("clusters", []))
    total = data.get("clusters_total", shown)
    return f"Clusters ({shown})" if shown >= total else f"Clusters ({shown} of {total})"


def _cell(value: Any, *, text: bool = False, bar: bool = False) -> str:
    shown = html.escape("–" if value is None or value == "" else str(value))
    if text:
        return f'<td class="t">{shown}</td>'
    if bar:
        try:
            number = float(str(value))
        except ValueError:
            number = None
        if number is not None and 0 <= number <= 1:
            return f'<td class="bar" style="--w:{number * 100:.1f}%">{shown}</td>'
    return f"<td>{shown}</td>"


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    css_class: str,
    *,
    text_columns: int = 1,
    bars: Sequence[int] = (),
) -> str:
    head = "".join(
        f"<th{' class=t' if i < text_columns else ''}{explained(str(c))}>{html.escape(str(c))}</th>"
        for i, c in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(_cell(v, text=i < text_columns, bar=i in bars) for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="wide"><table class="{css_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _overview(data: Mapping[str, Any]) -> str:
    clusters = data.get("clusters", [])
    total = data.get("clusters_total", len(clusters))
    n_texts = sum(len(c["texts"]) for c in clusters)
    systems = (data.get("systems") or {}).get("rows", [])
    not_ok = sum(1 for row in systems if row[-1])
    problems = len(data.get("problems", [])) + len(data.get("warnings", [])) + not_ok
    removed = data.get("removed")
    if removed is None:
        removed = {"": sum(r[5] == "removed" for r in data.get("cleaning", []))}
    texts = (
        f"{n_texts} text(s)" if len(clusters) >= total else f"{n_texts} text(s) in the first {len(clusters)}"
    )
    parts = [
        f"<p>{total} cluster(s), {texts}, {len(systems)} system(s) "
        f"({not_ok} not ok). Run status: <b>{'ok' if data.get('ok') else 'see problems'}</b>; "
        f'<a href="#problems">{problems} problem(s) and warning(s)</a>; '
        f'<a href="#cleaning">{sum(removed.values())} line(s) removed by cleaning</a>.</p>'
    ]
    if data.get("stopped"):
        parts.append(f"<p><b>The run stopped early:</b> {html.escape(str(data['stopped']))}</p>")
    parts.append(faithfulness_html(data.get("faithfulness")))
    # The systems compared first: at any corpus size they are the answer the run was made for.
    means = data.get("means", {})
    header, rows = means.get("table", ([], []))
    if rows:
        target = html.escape(str(means.get("target", "")))
        parts += [
            f"<h3>Systems compared: against the {target}</h3>",
            f'<p class="note">Mean F1 of each system against the {target}, over clusters; with n &ge; 2 '
            "clusters the seeded bootstrap interval follows in brackets (one cluster has no interval).</p>",
            _table(header, rows, "means"),
        ]
    parts.append("<h3>How each derivative tracks its source</h3>")
    pooled = data.get("derivatives_pooled", [])
    if pooled:
        parts.append(
            '<p class="note">All derivatives against the source, mean F1 over derivatives: '
            + ", ".join(html.escape(f"{p['metric']} {_interval(p)}") for p in pooled)
            + ".</p>"
        )
    first = (
        f" The charts and the table show the derivatives of the first {len(clusters)} clusters."
        if len(clusters) < total
        else ""
    )
    parts += [
        '<p class="note">Left: ROUGE-1 precision (share of the derivative\'s words found in the source) '
        "against recall (share of the source's words it keeps). Right: the tracking profile, one dot per "
        "derivative on each measure (hover a dot for its text and value, a measure's name for what it "
        "means; order runs from -1, the source's order reversed, through 0, no relation, to 1, kept). The "
        "same figures for every text of a cluster, system summaries and references included, are in its "
        f"section under Clusters.{first}</p>",
        '<div id="overview-charts"></div>',
    ]
    header, rows = data.get("derivatives", ([], []))
    if rows:
        parts.append(_table(header, rows, "derivatives", text_columns=2, bars=range(3, len(header))))
    return "".join(parts)


def _interval(row: Mapping[str, Any]) -> str:
    if row["n"] < 2:
        return f"{row['mean']:.3f}"
    return f"{row['mean']:.3f} ({row['low']:.3f}-{row['high']:.3f})"


def _systems(data: Mapping[str, Any]) -> str:
    systems = data.get("systems") or {}
    rows = systems.get("rows", [])
    if not rows:
        return '<p class="note">No systems in this run.</p>'
    header = systems["header"]
    status = header.index("status")
    errors = systems.get("errors") or [""] * len(rows)
    body = []
    for row, error in zip(rows, errors, strict=True):
        cells = []
        for i, value in enumerate(row):
            shown = html.escape(str(value) if value != "" else "–")
            if i == status:
                cells.append(f'<td class="t status-{html.escape(str(value))}">{shown}</td>')
            elif i == len(row) - 1:
                if error and error != value:  # the short reason, its whole message one click away
                    shown = f"<details><summary>{shown}</summary>{html.escape(str(error))}</details>"
                cells.append(f'<td class="reason">{shown}</td>')
            else:
                cells.append(_cell(value, text=i < 3))
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    advice = "".join(f'<p class="note advice">{html.escape(str(a))}.</p>' for a in systems.get("advice", []))
    return (
        '<p class="note">status: ok, unavailable (the model is not on this machine: the reason says how to '
        "get it), failed (the reason is the error) or skipped (the run stopped before it). Seconds include "
        "loading; tokens/s counts generated tokens; peak memory is torch's peak allocation on a GPU or the "
        "process's peak RSS on a CPU.</p>"
        f'<div class="wide"><table class="systems"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{advice}"
    )


def _comparisons(data: Mapping[str, Any]) -> str:
    table = data.get("comparisons")
    if not table:
        return '<p class="note">No paired comparisons: they need two systems and two clusters or more.</p>'
    header, rows = table
    return (
        '<p class="note">Paired test over clusters of two systems\' F1 (A - B &gt; 0: A scores higher); p is '
        "two-sided; n is the number of clusters.</p>"
        + _table(header, rows, "comparisons", text_columns=4)
        + (f"<p><b>Note:</b> {html.escape(note)}.</p>" if (note := data.get("comparisons_note")) else "")
    )


def _derivative_means(
    cluster: Mapping[str, Any], keys: Sequence[str], measures: Sequence[str]
) -> list[float | None]:
    """The mean over a cluster's derivatives of each of `measures` (None where none has a value); `keys`
    is the order of each text's values."""
    keys = list(keys)
    out = []
    for measure in measures:
        values = [
            v[keys.index(measure)]
            for t, v in zip(cluster["texts"], cluster["values"], strict=True)
            if t["kind"] == "derivative" and v is not None and v[keys.index(measure)] is not None
        ]
        out.append(sum(values) / len(values) if values else None)
    return out


INDEX_MEASURES = ("rouge1_p", "rouge1_r", "closeness")


def _cluster_index(
    clusters: Sequence[Mapping[str, Any]], keys: Sequence[str], note: str | None = None
) -> str:
    shown_note = f'<p class="detail-note"><b>Note:</b> {html.escape(note)}.</p>' if note else ""
    if not clusters:
        return shown_note or '<p class="note">No clusters.</p>'
    rows = []
    for n, cluster in enumerate(clusters):
        texts = cluster["texts"]
        kinds = [t["kind"] for t in texts[1:]]
        means = "".join(
            _cell(None if v is None else f"{v:.3f}", bar=True)
            for v in _derivative_means(cluster, keys, INDEX_MEASURES)
        )
        rows.append(
            f'<tr><td class="t"><a href="#cluster-{n}">{html.escape(str(cluster["id"]))}</a></td>'
            f'<td class="t">{html.escape(str(texts[0]["id"]))}</td><td>{texts[0]["words"]}</td>'
            f"<td>{kinds.count('derivative')}</td><td>{kinds.count('reference')}</td>"
            f"<td>{kinds.count('system')}</td>{means}</tr>"
        )
    labels = "".join(f"<th>derivatives' {html.escape(get(m).label)}</th>" for m in INDEX_MEASURES)
    index = (
        '<div class="wide"><table class="index"><thead><tr><th class="t">cluster</th>'
        '<th class="t">source</th><th>source words</th><th>derivatives</th><th>references</th>'
        f"<th>systems</th>{labels}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    sections = "".join(
        f'<details class="cluster" id="cluster-{n}" data-index="{n}"><summary>'
        f'{html.escape(str(c["id"]))} <span class="note">({len(c["texts"])} texts; source '
        f"{html.escape(str(c['texts'][0]['id']))})</span></summary>"
        '<div class="cluster-body"></div></details>'
        for n, c in enumerate(clusters)
    )
    return (
        '<p class="note">Open a cluster (or follow its link) to see every text against the source: the '
        "tracking table, charts, the pairwise heatmaps and, on request, the source beside each text. The "
        "last columns are means over the cluster's derivatives, against its source.</p>"
        + shown_note
        + index
        + sections
    )


def _problems(data: Mapping[str, Any]) -> str:
    items = [f"<li>{html.escape(str(p))}</li>" for p in data.get("problems", [])]
    items += [f"<li>warning: {html.escape(str(w))}</li>" for w in data.get("warnings", [])]
    if data.get("stopped"):
        items.append(f"<li>run stopped early: {html.escape(str(data['stopped']))}</li>")
    not_ok = [(str(row[0]), str(row[2])) for row in (data.get("systems") or {}).get("rows", []) if row[-1]]
    if not_ok:  # each reason is in Systems and cost, once
        by_status: dict[str, list[str]] = {}
        for name, status in not_ok:
            by_status.setdefault(status, []).append(name)
        what = "; ".join(f"{k}: {', '.join(v)}" for k, v in by_status.items())
        many = "1 system" if len(not_ok) == 1 else f"{len(not_ok)} systems"
        items.append(
            f'<li>{many} did not run ({html.escape(what)}): see <a href="#systems">Systems and cost</a> '
            "for why</li>"
        )
    if not items:
        return '<p class="note">None.</p>'
    return f'<ul class="problems">{"".join(items)}</ul>'


def _cleaning(data: Mapping[str, Any]) -> str:
    rows = data.get("cleaning", [])
    parts = []
    removed = [r for r in rows if r[5] == "removed"]
    kept = len(rows) - len(removed)
    counts: dict[str, int] = dict(data.get("removed") or {})
    if not data.get("removed"):
        for row in removed:
            counts[row[3]] = counts.get(row[3], 0) + 1
    if not rows and not counts:
        parts.append('<p class="note">No line was removed.</p>')
    else:
        summary = ", ".join(f"{html.escape(rule)}: {n}" for rule, n in sorted(counts.items()))
        listed = sum(counts.values()) > len(removed)
        parts.append(
            f"<p>{sum(counts.values())} line(s) removed ({summary or 'none'})"
            + (
                f"; {kept} line(s) matched a rule but kept, as removing them would gut the text"
                if kept
                else ""
            )
            + "; every one is also in cleaning.jsonl.</p><details><summary>Show the lines"
            + (f" of the first {len(data.get('clusters', []))} clusters" if listed else "")
            + "</summary>"
            + _table(
                ["cluster", "document", "line", "rule", "text", "action"], rows, "cleaning", text_columns=2
            )
            + "</details>"
        )
    encodings = data.get("encodings", [])
    if encodings:
        parts.append("<h3>Files not read as plain UTF-8</h3>")
        parts.append(_table(["cluster", "document", "encoding"], encodings, "encodings", text_columns=3))
    return "".join(parts)
