"""report.html's meta-evaluation section: the notes, each level's ranked table, and one picture, the
measures ranked per dimension with their bootstrap intervals (an SVG drawn here, so the page needs no
script for it and keeps its strict content policy).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

ROW = 15  # pixels per measure
LABEL = 150  # pixels for the measure names
PLOT = 220  # pixels for the -1..1 axis
DOT = "#1f77b4"


def _x(value: float) -> float:
    return LABEL + (max(-1.0, min(1.0, value)) + 1) / 2 * PLOT


def _panel(dimension: str, points: Sequence[Sequence[Any]], alpha: float | None) -> str:
    """One dimension: a row per measure, best first: a dot at the coefficient and a bar over its interval;
    a dashed line at the annotators' alpha, the ceiling."""
    height = ROW * len(points) + 30
    parts = [
        f'<svg width="{LABEL + PLOT + 20}" height="{height}" role="img" '
        f'aria-label="{html.escape(dimension)}: measures ranked">'
    ]
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = _x(tick)
        colour = "#999" if tick == 0 else "#e4e4e4"
        parts.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" stroke="{colour}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick:g}</text>')
    if alpha is not None:
        x = _x(alpha)
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" stroke="#d62728" '
            f'stroke-dasharray="4 3"><title>annotator agreement (alpha) {alpha:.3f}</title></line>'
        )
    for i, (measure, value, low, high) in enumerate(points):
        y = 12 + i * ROW
        name = html.escape(str(measure))
        parts.append(f'<text x="{LABEL - 6}" y="{y + 4}" text-anchor="end">{name}</text>')
        if value is None:
            continue
        if low is not None and high is not None:
            parts.append(
                f'<line x1="{_x(low):.1f}" y1="{y}" x2="{_x(high):.1f}" y2="{y}" stroke="{DOT}" '
                'stroke-width="2" stroke-opacity=".45"/>'
            )
        shown = f"{value:.3f}" + (
            f" ({low:.3f} to {high:.3f})" if low is not None and high is not None else ""
        )
        parts.append(
            f'<circle cx="{_x(value):.1f}" cy="{y}" r="3.5" fill="{DOT}">'
            f"<title>{name}: {shown}</title></circle>"
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{html.escape(dimension)}</figcaption>{''.join(parts)}</figure>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(
        f"<th{' class=t' if i in (0, 2) else ''}>{html.escape(c)}</th>" for i, c in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=t' if i in (0, 2) else ''}>{html.escape(v)}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="wide"><table class="meta"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def meta_html(data: Mapping[str, Any] | None) -> str:
    """The section's body, from eval.output.meta_files.meta_data."""
    if not data:
        return '<p class="note">No judgments: run `sumtrack meta CONFIG --judgments FILE`.</p>'
    chart = data["chart"]
    parts = [
        f'<p class="note">Signature: <code>{html.escape(data["signature"])}</code></p>',
        "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in data["notes"]) + "</ul>",
        f'<p class="note">Every measure ranked per dimension by {html.escape(chart["coefficient"])} at the '
        f"{html.escape(chart['level'])}: the dot is the coefficient, the bar its bootstrap interval, the red "
        "dashed line the annotators' agreement (Krippendorff's alpha). Hover a dot for its values.</p>",
        '<div class="charts">'
        + "".join(_panel(d, points, data["agreement"].get(d)) for d, points in chart["dimensions"].items())
        + "</div>",
    ]
    for title, header, rows in data["tables"]:
        parts += [f"<h3>{html.escape(title.capitalize())}</h3>", _table(header, rows)]
    parts.append(
        f'<p class="note">The first {data["top"]} measures per dimension; every measure and coefficient '
        "is in meta.csv, the signature and counts in meta.json.</p>"
    )
    return "".join(parts)
