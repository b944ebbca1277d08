"""report.html's first screen: the findings (eval.output.findings) in words and one picture, and the
signature as one folded line; and each measure's one-line explanation, on hover of its column header."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from eval.tracking.measures import all_measures


def signature_html(signature: str) -> str:
    """The signature as one folded line: opened, the whole of it."""
    shown = html.escape(signature)
    return (
        f'<details class="signature"><summary>Signature: <code>{shown}</code></summary>'
        f'<p class="note">Every number on this page was made with these settings: <code>{shown}</code></p>'
        "</details>"
    )


def findings_html(found: Sequence[Mapping[str, Any]]) -> str:
    """The first screen: what the run found, in words (eval.output.findings), and one picture."""
    if not found:
        return ""
    items = "".join(
        f'<li class="finding finding-{html.escape(str(f["kind"]))}">{html.escape(str(f["text"]))}</li>'
        for f in found
    )
    picture = next((_bars(f) for f in found if f.get("bars")), "")
    body = f'<div class="findings"><ul>{items}</ul>{picture}</div>'
    return f'<section id="findings"><h2>Findings</h2>{body}</section>'


def _bars(finding: Mapping[str, Any]) -> str:
    """A horizontal bar per text, highest first, on a 0..1 scale (the measure is a share)."""
    bars = finding["bars"]
    label_w, bar_w, row_h, top = 230, 260, 20, 8
    width, height = label_w + bar_w + 50, top + row_h * len(bars) + 22
    parts = [
        f'<svg class="findings-bars" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(str(finding.get("scale", "")))}">'
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        shown = label if len(label) <= 34 else label[:33] + "…"
        w = max(0.0, min(1.0, float(value))) * bar_w
        colour = "#1f77b4" if i == 0 else "#9ecae1"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(shown)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
            f"<title>{html.escape(label)}: {float(value):.3f}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">{float(value):.3f}</text>'
        )
    axis_y = top + row_h * len(bars) + 14
    parts.append(
        f'<text x="{label_w}" y="{axis_y}" fill="#888">0</text>'
        f'<text x="{label_w + bar_w}" y="{axis_y}" fill="#888" text-anchor="end">1</text></svg>'
    )
    caption = html.escape(str(finding.get("scale", "")))
    return f'<figure class="findings-picture"><figcaption>{caption}</figcaption>{"".join(parts)}</figure>'


def explained(label: str) -> str:
    """A column header's title attribute: its one-line explanation, where it names a registered measure."""
    description = _DESCRIPTIONS.get(label)
    return f' title="{html.escape(description)}"' if description else ""


_DESCRIPTIONS = {m.label: m.description for m in all_measures()} | {"n": "clusters the mean is over"}
