"""The HTML report: one self-contained file that opens offline (inline CSS, SVG and a few lines of JS).

`write_html(path, data)` renders `data`, a plain JSON-able dict:

    {
      "title": "sumtrack run",                          # optional
      "signature": "rouge|tok:default|...",             # the settings behind every number
      "aggregate": [{"system", "metric", "mean", "low", "high"}, ...],
      "scores": [{"cluster", "candidate", "target", "metric", "precision", "recall", "f1"}, ...],
      "clusters": [{
        "id": "c1",
        "source": {"id": "src", "sentences": ["...", ...]},
        "texts": [{"id": "d1", "kind": "derivative" | "system" | "reference",
                   "sentences": ["...", ...],
                   "profile": dataclasses.asdict(TrackingProfile) or None}, ...],
        "matrices": [{"metric": "rouge2_f1", "labels": [...], "values": [[...], ...]}
                     or {"metric": "semantic", "unavailable": "reason"}, ...],
      }, ...],
    }

`build_cluster(...)` computes the "texts" profiles and "matrices" of one cluster from plain strings.

Every piece of document text goes through `html.escape`: a derivative may hold markup, and it must show as
text. A Content-Security-Policy admits only the page's own script (by hash) and no network at all, so even a
mistake in escaping could not run foreign code or fetch anything.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.matrices import Matrix, cluster_matrices
from eval.rouge import Scorer
from eval.semantic import Embedder
from eval.tracking import (
    TrackingProfile,
    copied_char_spans,
    headline_measures,
    track,
)

# Measures drawn in the per-text chart: shares on a 0..1 scale, closer to the source = longer bar,
# except the novel 3-gram share, drawn as it is (longer = more new wording).
CHART_MEASURES: tuple[str, ...] = (
    "rouge2_p",
    "rouge2_r",
    "rougeL_f",
    "coverage",
    "novel_3gram",
    "semantic",
    "aligned_share",
    "closeness",
)
TABLE_MEASURES: tuple[str, ...] = (
    "rouge1_p",
    "rouge1_r",
    "rouge2_p",
    "rouge2_r",
    "rougeL_f",
    "coverage",
    "density",
    "compression",
    "novel_1gram",
    "novel_2gram",
    "novel_3gram",
    "novel_4gram",
    "longest_fragment",
    "semantic",
    "order",
    "closeness",
)
# The side-by-side view shows at most this many sentences of each text (see _side_by_side).
REPORT_MAX_SENTENCES = 5000
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")

_SCRIPT = """
document.querySelectorAll('[data-src]').forEach(function (el) {
  var target = document.getElementById(el.dataset.src);
  if (!target) { return; }
  function mark(on) { target.classList.toggle('linked', on); el.classList.toggle('linked', on); }
  el.addEventListener('mouseenter', function () { mark(true); });
  el.addEventListener('mouseleave', function () { mark(false); });
});
"""

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1, h2, h3 { font-weight: 600; } code { font-size: 12px; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child, td.label { text-align: left; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
.pair ol { padding-left: 2.2em; } .pair li { margin-bottom: .3em; }
mark.copy { background: #ffe08a; }
li.unaligned { color: #666; font-style: italic; }
.linked { outline: 2px solid #d62728; background: #fde2e2; }
a.sent { color: inherit; text-decoration: none; }
.wide { overflow-x: auto; }
.note { color: #666; }
"""


def build_cluster(
    cluster_id: str,
    source: tuple[str, str],
    texts: Sequence[tuple[str, str, str]],
    *,
    scorer: Scorer,
    embedder: Embedder | None = None,
) -> dict[str, Any]:
    """The report's dict for one cluster: `source` is (id, text), `texts` are (id, kind, text), one sentence
    per line; computes each text's tracking profile and the cluster's pairwise matrices with the given
    `scorer` (it must compute the tracking ROUGE types; eval.settings builds it) and `embedder`."""
    source_id, source_text = source
    rouge = scorer.score_pairs(targets=[source_text] * len(texts), predictions=[text for _, _, text in texts])
    entries = [
        {
            "id": text_id,
            "kind": kind,
            "sentences": text.splitlines(),
            "profile": asdict(track(source_text, text, scorer=scorer, embedder=embedder, rouge=scores)),
        }
        for (text_id, kind, text), scores in zip(texts, rouge, strict=True)
    ]
    everything = {source_id: source_text, **{text_id: text for text_id, _, text in texts}}
    return {
        "id": cluster_id,
        "source": {"id": source_id, "sentences": source_text.splitlines()},
        "texts": entries,
        "matrices": matrices_data(cluster_matrices(everything, scorer=scorer, embedder=embedder)),
    }


def matrices_data(matrices: Mapping[str, Matrix | str]) -> list[dict[str, Any]]:
    """The report's "matrices" list: a matrix as a dict, or {"metric", "unavailable": reason}."""
    return [
        asdict(m) if isinstance(m, Matrix) else {"metric": metric, "unavailable": m}
        for metric, m in matrices.items()
    ]


def write_html(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Render `data` (see the module docstring) to `path`, UTF-8; returns the path."""
    out = Path(path)
    out.write_text(render_html(data), encoding="utf-8")
    return out


def render_html(data: Mapping[str, Any]) -> str:
    title = html.escape(str(data.get("title", "sumtrack report")))
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<link rel="icon" href="data:,">',
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="note">Signature: <code>{html.escape(str(data.get("signature", "")))}</code></p>',
    ]
    if data.get("aggregate"):
        parts.append("<h2>Means with bootstrap intervals</h2>")
        parts.append(
            '<p class="note">F1 of each system (and of the derivatives pooled) against the source, the '
            "derivatives and the references: mean over clusters (derivatives: over documents) with the low "
            "and high ends of the seeded bootstrap interval; n units averaged, n = 1 gives a point.</p>"
        )
        parts.append(_table(data["aggregate"], ("system", "metric", "mean", "low", "high", "n"), "aggregate"))
    for index, cluster in enumerate(data.get("clusters", [])):
        parts.append(_cluster_section(index, cluster))
    if data.get("scores"):
        columns = ("cluster", "candidate", "target", "metric", "precision", "recall", "f1")
        parts.append("<details><summary><h2 style='display:inline'>All scores</h2></summary>")
        parts.append(_table(data["scores"], columns, "scores") + "</details>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return html.escape(str(value))


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], css_class: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _measures(entry: Mapping[str, Any]) -> dict[str, float | None]:
    profile = entry.get("profile")
    return headline_measures(TrackingProfile.from_dict(profile)) if profile else {}


def _cluster_section(index: int, cluster: Mapping[str, Any]) -> str:
    cid = f"c{index}"
    texts = cluster.get("texts", [])
    measures = {t["id"]: _measures(t) for t in texts}
    rows = [{"text": t["id"], "kind": t.get("kind", ""), **measures[t["id"]]} for t in texts]
    parts = [
        f'<section class="cluster" id="{cid}"><h2>Cluster {html.escape(str(cluster["id"]))}</h2>',
        f"<p>Source: <b>{html.escape(str(cluster['source']['id']))}</b></p>",
        "<h3>Tracking profile</h3>",
        '<div class="wide">' + _table(rows, ("text", "kind", *TABLE_MEASURES), "tracking") + "</div>",
        _bar_chart(texts, measures),
        _semantic_notes(texts),
        "<h3>Pairwise matrices</h3>",
        *(_heatmap(m) for m in cluster.get("matrices", [])),
        "<h3>Source and texts side by side</h3>",
        '<p class="note">Highlighted: word sequences of 3 or more copied from the source. Hover or click a '
        "sentence of the text to see the source sentence it is aligned with.</p>",
    ]
    for n, entry in enumerate(texts):
        parts.append(_side_by_side(f"{cid}-t{n}", cluster["source"]["sentences"], entry, open_=n == 0))
    parts.append("</section>")
    return "\n".join(parts)


def _semantic_notes(texts: Sequence[Mapping[str, Any]]) -> str:
    reasons = {t["profile"]["semantic_reason"] for t in texts if t.get("profile")} - {None}
    return "".join(f'<p class="note">Semantic similarity: {html.escape(r)}</p>' for r in sorted(reasons))


def _bar_chart(texts: Sequence[Mapping[str, Any]], measures: Mapping[str, Mapping[str, float | None]]) -> str:
    """Small multiples: one panel per measure, one bar per text, 0..1 scale."""
    if not texts:
        return ""
    bar, gap, label_w, width = 14, 4, 160, 260
    panel_h = len(texts) * (bar + gap) + 22
    height = panel_h * len(CHART_MEASURES) + 10
    svg = [
        f'<svg class="chart" role="img" width="{label_w + width + 60}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11">'
    ]
    for p, name in enumerate(CHART_MEASURES):
        top = p * panel_h
        svg.append(f'<text x="0" y="{top + 14}" font-weight="600">{html.escape(name)}</text>')
        for n, entry in enumerate(texts):
            y = top + 20 + n * (bar + gap)
            value = measures[entry["id"]].get(name)
            colour = PALETTE[n % len(PALETTE)]
            svg.append(
                f'<text x="{label_w - 4}" y="{y + bar - 3}" text-anchor="end">'
                f"{html.escape(str(entry['id'])[:24])}</text>"
            )
            if value is None:
                svg.append(f'<text x="{label_w}" y="{y + bar - 3}" fill="#888">n/a</text>')
                continue
            w = max(0.0, min(1.0, value)) * width
            svg.append(
                f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" '
                f'fill="{colour}"><title>{html.escape(str(entry["id"]))}: {value:.3f}</title></rect>'
            )
            svg.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 3}">{value:.3f}</text>')
    svg.append("</svg>")
    return "".join(svg)


def _colour(value: float) -> str:
    """White (0) to dark blue (1)."""
    v = max(0.0, min(1.0, value))
    low, high = (247, 251, 255), (8, 48, 107)
    return "#" + "".join(f"{round(a + (b - a) * v):02x}" for a, b in zip(low, high, strict=True))


def _heatmap(matrix: Mapping[str, Any]) -> str:
    metric = html.escape(str(matrix["metric"]))
    if "unavailable" in matrix:
        return f'<p class="note">{metric}: {html.escape(str(matrix["unavailable"]))}</p>'
    labels, values = matrix["labels"], matrix["values"]
    cell, left, top = 46, 130, 110
    size = len(labels)
    svg = [
        f'<figure><figcaption>{metric}</figcaption><svg class="heatmap" role="img" '
        f'width="{left + cell * size + 10}" height="{top + cell * size + 10}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="11">'
    ]
    for i, label in enumerate(labels):
        name = html.escape(str(label)[:24])
        svg.append(
            f'<text x="{left - 4}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">{name}</text>'
        )
        x = left + i * cell + cell / 2
        svg.append(f'<text transform="translate({x},{top - 6}) rotate(-45)">{name}</text>')
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            x, y = left + j * cell, top + i * cell
            ink = "#fff" if value > 0.55 else "#000"
            svg.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_colour(value)}">'
                f"<title>{html.escape(str(labels[i]))} / {html.escape(str(labels[j]))}: {value:.3f}</title>"
                f'</rect><text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                f'fill="{ink}">{value:.2f}</text>'
            )
    svg.append("</svg></figure>")
    return "".join(svg)


def _spans_per_sentence(
    sentences: Sequence[str], spans: Sequence[tuple[int, int]]
) -> list[list[tuple[int, int]]]:
    """Cut character spans over "\\n".join(sentences) into spans relative to each sentence.

    Each span visits only the sentences it covers (found by bisection), so the work is the spans plus the
    pieces, not sentences x spans.
    """
    out: list[list[tuple[int, int]]] = [[] for _ in sentences]
    starts, position = [], 0
    for sentence in sentences:
        starts.append(position)
        position += len(sentence) + 1
    for a, b in sorted(spans):
        k = max(0, bisect.bisect_right(starts, a) - 1)
        while k < len(sentences) and starts[k] < b:
            start, end = starts[k], starts[k] + len(sentences[k])
            if a < end and b > start:
                out[k].append((max(a, start) - start, min(b, end) - start))
            k += 1
    return out


def _highlighted(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            a = last
        if a >= b:
            continue
        pieces.append(html.escape(sentence[last:a]))
        pieces.append(f'<mark class="copy">{html.escape(sentence[a:b])}</mark>')
        last = b
    pieces.append(html.escape(sentence[last:]))
    return "".join(pieces)


def _side_by_side(prefix: str, source: Sequence[str], entry: Mapping[str, Any], *, open_: bool) -> str:
    # A side-by-side of a book-length text would make a report no browser opens: each side shows at most
    # REPORT_MAX_SENTENCES sentences, and says so. The measures above are computed on the whole texts.
    shown_note = ""
    text = entry["sentences"]
    if len(text) > REPORT_MAX_SENTENCES or len(source) > REPORT_MAX_SENTENCES:
        shown_note = (
            f'<p class="note">Shown: the first {min(len(source), REPORT_MAX_SENTENCES):,} of {len(source):,} '
            f"source sentences and the first {min(len(text), REPORT_MAX_SENTENCES):,} of {len(text):,} "
            f"sentences of this text (the report shows at most {REPORT_MAX_SENTENCES:,} a side); "
            "the measures cover the whole texts.</p>"
        )
        text, source = text[:REPORT_MAX_SENTENCES], source[:REPORT_MAX_SENTENCES]
    text_spans, source_spans = copied_char_spans("\n".join(source), "\n".join(text))
    text_marks, source_marks = (
        _spans_per_sentence(text, text_spans),
        _spans_per_sentence(source, source_spans),
    )
    aligned: dict[int, tuple[int | None, float]] = {}
    if entry.get("profile"):
        for pair in entry["profile"]["alignment"]["pairs"]:
            aligned[pair["text_index"]] = (pair["source_index"], pair["similarity"])
    src_items = "".join(
        f'<li id="{prefix}-s{j}">{_highlighted(s, source_marks[j])}</li>' for j, s in enumerate(source)
    )
    text_items = []
    for i, sentence in enumerate(text):
        body = _highlighted(sentence, text_marks[i])
        target, similarity = aligned.get(i, (None, 0.0))
        if target is None:
            text_items.append(f'<li class="unaligned" title="no source sentence">{body}</li>')
        else:
            text_items.append(
                f'<li><a class="sent" href="#{prefix}-s{target}" data-src="{prefix}-s{target}" '
                f'title="source sentence {target + 1}, similarity {similarity:.2f}">{body}</a></li>'
            )
    kind = html.escape(str(entry.get("kind", "")))
    return (
        f'<details class="sbs"{" open" if open_ else ""}><summary>{html.escape(str(entry["id"]))} '
        f'<span class="note">({kind})</span></summary>{shown_note}<div class="pair">'
        f"<div><h4>Source</h4><ol>{src_items}</ol></div>"
        f"<div><h4>{html.escape(str(entry['id']))}</h4><ol>{''.join(text_items)}</ol></div></div></details>"
    )
