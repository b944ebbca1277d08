"""The faithfulness tables: every measure of the registry's faithfulness group, and what each text names
that its source does not support (eval/tracking/entities.py). The console, report.md, report.html and the
systems table read them from here through eval.output.tables; measures registered later in the group (by
any module) show up in the same places.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from typing import Any

from eval.run.result import RunResult
from eval.tracking.entities import unsupported_text
from eval.tracking.measures import FAITHFULNESS, Measure, group

Table = tuple[list[str], list[list[str]]]


def faithfulness_measures(result: RunResult, *, overview: bool = False) -> list[Measure]:
    """The registered faithfulness measures with a value for some text of the run (`overview`: only those
    the overview tables show)."""
    return [
        m
        for m in group(FAITHFULNESS)
        if (m.overview or not overview) and any(m.compute(t.profile) is not None for t in result.tracking)
    ]


UNSUPPORTED_SHOWN = 6  # items a table cell lists; results.json and rows.csv hold every one


def unsupported_cell(profile: Any, limit: int = UNSUPPORTED_SHOWN) -> str:
    """A text's unsupported entities and quantities, the first `limit` of them and how many more."""
    items = unsupported_text(getattr(profile, "entities", None)).split("; ")
    items = [i for i in items if i]
    if not items:
        return "-"
    more = len(items) - limit
    return "; ".join(items[:limit]) + (f" (+{more} more)" if more > 0 else "")


def faithfulness_table(result: RunResult, clusters: Collection[str] | None = None) -> Table:
    """Every text's faithfulness measures and the entities and quantities its source does not support."""
    wanted = None if clusters is None else set(clusters)
    measures = faithfulness_measures(result)
    if not measures:
        return [], []
    header = ["cluster", "text", "kind", *(m.label for m in measures), "not in the source"]
    rows = [
        [
            t.cluster,
            t.id,
            t.kind,
            *(m.format(m.compute(t.profile)) for m in measures),
            unsupported_cell(t.profile),
        ]
        for t in result.tracking
        if wanted is None or t.cluster in wanted
    ]
    return header, rows


FAITHFULNESS_ROWS = 20  # texts the overview lists with what their source does not support


def faithfulness_overview(
    result: RunResult, clusters: Collection[str] | None = None, limit: int = FAITHFULNESS_ROWS
) -> tuple[str | None, Table]:
    """The overview's faithfulness part: one line counting the texts whose every entity and quantity the
    source supports, then the texts that have something unsupported (or out of its source context), the
    least supported first, at most `limit` of them. (None, ([], [])) when no faithfulness measure ran."""
    header, rows = faithfulness_table(result, clusters)
    if not header:
        return None, ([], [])
    flagged = [r for r in rows if r[-1] != "-"]
    first = faithfulness_measures(result, overview=True)
    column = header.index(first[0].label) if first else None

    def key(row: list[str]) -> float:
        cell = row[column] if column is not None else "-"
        return float(cell) if cell not in ("-", "") else 2.0

    flagged.sort(key=key)
    line = (
        f"{len(rows) - len(flagged)} of {len(rows)} text(s) name only entities and quantities their source "
        f"supports; {len(flagged)} name something it does not"
    )
    if len(flagged) > limit:
        line += f" (the {limit} least supported listed)"
    return line, (header, flagged[:limit])


def system_faithfulness(result: RunResult) -> tuple[list[str], dict[str, list[str]]]:
    """Per system: the mean of each overview faithfulness measure over its summaries the run holds."""
    measures = faithfulness_measures(result, overview=True)
    out: dict[str, list[str]] = {}
    for run in result.systems:
        profiles = [t.profile for t in result.tracking if t.kind == "system" and t.id == run.name]
        cells = []
        for m in measures:
            values = [v for p in profiles if (v := m.compute(p)) is not None]
            cells.append(m.format(sum(values) / len(values)) if values else "-")
        out[run.name] = cells
    return [m.label for m in measures], out


def faithfulness_html(faith: Mapping[str, Any] | None) -> str:
    """report.html's overview part (the data report.py gathers): the texts that name what their source
    does not support, the unsupported items in red."""
    if not faith:
        return ""
    header, rows = faith.get("table", ([], []))
    parts = [
        '<h3 id="faithfulness">Faithfulness: what the source does not support</h3>',
        f'<p class="note">{html.escape(faith.get("note", ""))}</p>',
        f"<p><b>{html.escape(faith['line'])}.</b></p>",
    ]
    if rows:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
        text = ' class="t"'
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{text if i < 3 else ''}>{html.escape(str(v))}</td>" for i, v in enumerate(row[:-1])
            )
            + f'<td class="t unsupported-list">{html.escape(row[-1])}</td></tr>'
            for row in rows
        )
        parts.append(
            f'<div class="wide"><table class="faithfulness"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    return "".join(parts)
