"""Tables a person reads, built once from a RunResult and shown by the console, report.md and report.html.

Each `*_table` builder returns (header, rows) with every cell already formatted as text; "-" marks a value
that does not apply (an extractive system has no device) or could not be computed (no semantic model).
`tracking_rows` hands the ROUGE-against-the-source rows over unformatted, since the console and the report
show different columns of them.

`fit_table` lays a table out for a console of a given width (80 columns and up): headers wrap at spaces,
long ids are cut to a unique short form listed in a legend, and columns that still do not fit go on to a
second table that repeats the key columns, so no cell is ever clipped to an ambiguous `lead…`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from eval.run.result import RunResult, SystemRun
from eval.stats.aggregate import AggregateRow, ScoreRow
from eval.tracking.measures import get
from summarize.printable import shown

if TYPE_CHECKING:
    from rich.console import RenderableType

Table = tuple[list[str], list[list[str]]]
SHORT_METRIC = {"rouge1": "R1", "rouge2": "R2", "rougeL": "RL", "rougeLsum": "RLsum"}


# How many clusters the console shows text by text (report.html and report.md show output.detail_clusters).
CONSOLE_CLUSTERS = 20
DETAIL_CLUSTERS = 100  # output.detail_clusters when the settings do not say


def detail_clusters(result: RunResult, limit: int | None = None) -> list[str]:
    """The clusters shown text by text, in corpus order: the first `output.detail_clusters` (or `limit`,
    if smaller) of those whose rows `result.results` still holds."""
    cap = (result.settings.get("output") or {}).get("detail_clusters", DETAIL_CLUSTERS)
    if limit is not None:
        cap = min(cap, limit)
    clusters = list(dict.fromkeys(d.cluster for d in result.documents if d.role == "source"))
    if not result.results.complete:  # a streamed run: only the first clusters' rows are held
        held = set(result.results.held)
        clusters = [c for c in clusters if c in held]
    return clusters[: max(cap, 0)]


def detail_note(result: RunResult, shown: Sequence[str]) -> str | None:
    """The line saying the per-text parts show only some clusters; None where they show every one."""
    total = max(result.scored, len({d.cluster for d in result.documents if d.role == "source"}))
    if len(shown) >= total:
        return None
    return (
        f"showing {len(shown)} of {total} clusters text by text; every cluster is in scores.csv and rows.csv "
        "and in every mean"
    )


def tracking_rows(
    result: RunResult, clusters: Collection[str] | None = None
) -> list[tuple[str, str, str, int, dict[str, ScoreRow]]]:
    """(cluster, candidate, kind, words, {metric: row}) for every text scored against its source (of
    `clusters` only, where given)."""
    wanted = None if clusters is None else set(clusters)
    words = {(d.cluster, d.id): d.words for d in result.documents if wanted is None or d.cluster in wanted}
    words.update({(c, p.id): p.words for c, _, p in result.summaries if wanted is None or c in wanted})
    grouped: dict[tuple[str, str], dict[str, ScoreRow]] = {}
    kinds: dict[tuple[str, str], str] = {}
    for row in result.scores:
        if row.target_kind == "source" and (wanted is None or row.cluster in wanted):
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


# The tracking measures the console and report.md show for every text; their labels and number formats are
# the registry's (eval.tracking.measures). report.html shows every registered measure.
HEADLINE: tuple[str, ...] = (
    "coverage",
    "density",
    "compression",
    "novel_2gram",
    "longest_fragment",
    "semantic",
    "order",
    "closeness",
)
OVERVIEW: tuple[str, ...] = ("coverage", "novel_2gram", "longest_fragment", "semantic", "order", "closeness")


def tracking_table(result: RunResult, clusters: Collection[str] | None = None) -> Table:
    """The headline tracking measures of every text against its cluster's source (of `clusters` only,
    where given)."""
    wanted = None if clusters is None else set(clusters)
    measures = [get(name) for name in HEADLINE]
    header = ["cluster", "text", "kind", *(m.label for m in measures)]
    rows = [
        [t.cluster, t.id, t.kind, *(m.format(m.compute(t.profile)) for m in measures)]
        for t in result.tracking
        if wanted is None or t.cluster in wanted
    ]
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


def source_rouge_table(
    result: RunResult, metrics: Sequence[str], clusters: Collection[str] | None = None
) -> Table:
    """Every text against its source: precision and recall of the first ROUGE type, F1 of each type (of
    `clusters` only, where given).

    The cluster column is there only when the run has more than one cluster."""
    rows = tracking_rows(result, clusters)
    several = len({r[0] for r in rows}) > 1 or result.scored > 1
    first = metrics[0]
    header = [
        *(["cluster"] if several else []),
        "text",
        "kind",
        "words",
        f"{SHORT_METRIC.get(first, first)} P",
        f"{SHORT_METRIC.get(first, first)} R",
        *(f"{SHORT_METRIC.get(m, m)} F" for m in metrics),
    ]
    body = [
        [
            *([cluster] if several else []),
            cand,
            kind,
            str(words),
            _num(ms[first].precision) if first in ms else "-",
            _num(ms[first].recall) if first in ms else "-",
            *(_num(ms[m].f1) if m in ms else "-" for m in metrics),
        ]
        for cluster, cand, kind, words, ms in rows
    ]
    return header, body


def derivatives_table(
    result: RunResult, metrics: Sequence[str], clusters: Collection[str] | None = None
) -> Table:
    """The overview: each derivative against its source, ROUGE (the first type) and the headline tracking
    measures, cluster by cluster (of `clusters` only, where given)."""
    first = metrics[0]
    label = SHORT_METRIC.get(first, first)
    wanted = None if clusters is None else set(clusters)
    profiles = {
        (t.cluster, t.id): t.profile for t in result.tracking if wanted is None or t.cluster in wanted
    }
    header = ["cluster", "derivative", "words", f"{label} P", f"{label} R", f"{label} F"]
    measures = [get(name) for name in OVERVIEW]
    header += [m.label for m in measures]
    rows = []
    for cluster, cand, kind, words, ms in tracking_rows(result, clusters):
        if kind != "derivative":
            continue
        score = ms.get(first)
        p = profiles.get((cluster, cand))
        rows.append(
            [
                cluster,
                cand,
                str(words),
                *(_num(getattr(score, s)) if score else "-" for s in ("precision", "recall", "f1")),
                *(m.format(m.compute(p)) if p else "-" for m in measures),
            ]
        )
    return header, rows


def interval(row: AggregateRow) -> str:
    """A mean with its bootstrap interval, or the mean alone where one unit makes the interval a point."""
    if row.n < 2:
        return _num(row.mean)
    return f"{row.mean:.3f} ({row.low:.3f}-{row.high:.3f})"


def target_group(row: AggregateRow) -> str:
    """An aggregate's target group: "source", "derivatives" or "references"."""
    return row.target.kind


def system_name(row: AggregateRow) -> str | None:
    """The system an aggregate is about (a system named "derivatives" included), or None for the pooled
    derivatives."""
    return row.candidate.id if row.candidate.kind == "system" else None


def pooled_derivatives(result: RunResult) -> list[AggregateRow]:
    """F1 means of all derivatives against their sources, one per ROUGE type."""
    return [
        a
        for a in result.aggregates
        if system_name(a) is None and target_group(a) == "source" and a.stat == "f1"
    ]


def comparison_target(result: RunResult) -> str:
    """What systems are compared against: the references where there are any, else the derivatives."""
    targets = {target_group(a) for a in result.aggregates if system_name(a) is not None}
    return "references" if "references" in targets else "derivatives"


def means_table(result: RunResult, target: str, metrics: Sequence[str]) -> Table:
    """Each system's mean F1 against `target` ("derivatives", "references" or "source"), one column per
    ROUGE type, with the bootstrap interval where it averages two or more clusters; n is that count."""
    means = {
        (name, a.metric): a
        for a in result.aggregates
        if target_group(a) == target and a.stat == "f1" and (name := system_name(a)) is not None
    }
    systems = list(dict.fromkeys(candidate for candidate, _ in means))
    header = ["system", *(f"{SHORT_METRIC.get(m, m)} F" for m in metrics), "n"]
    rows = [
        [
            system,
            *(interval(means[(system, m)]) if (system, m) in means else "-" for m in metrics),
            str(max(a.n for (s, _), a in means.items() if s == system)),
        ]
        for system in systems
    ]
    return header, rows


def short_ids(ids: Sequence[str], max_len: int = 14) -> dict[str, str]:
    """A unique short form, at most `max_len` characters, for every id longer than that.

    The form is a prefix and "…"; where two ids share the prefix, it keeps more of their ends
    ("summary…a-v1", "summary…a-v2"), and as a last resort a number. Short ids stay as they are and no
    short form equals another id."""
    distinct = list(dict.fromkeys(ids))
    long = [i for i in distinct if len(i) > max_len]
    taken = {i for i in distinct if len(i) <= max_len}
    out: dict[str, str] = {}
    for n, ident in enumerate(long, 1):
        head = max_len - 1
        forms = [ident[: head - k] + "…" + (ident[-k:] if k else "") for k in range(max(head - 1, 0))]
        forms.append(ident[: max(head - len(str(n)) - 1, 0)] + "…" + f"#{n}")
        form = next(
            (f for f in forms if f not in taken and sum(_could_be(f, o) for o in long) == 1), forms[-1]
        )
        taken.add(form)
        out[ident] = form
    return out


def _could_be(form: str, ident: str) -> bool:
    """Whether the short `form` reads as an abbreviation of `ident`."""
    head, _, tail = form.partition("…")
    return ident.startswith(head) and ident.endswith(tail) and not tail.startswith("#")


def fit_table(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    keys: int = 1,
    ids: Sequence[int] = (0,),
    caption: str | None = None,
) -> list[RenderableType]:
    """rich renderables showing the table within `width` columns (see the module docstring).

    `keys` leading columns are repeated in every part; `ids` are the columns holding ids. Cells are rich
    Text, never markup, so an id like `report [v1]` prints as it is; control characters are escaped."""
    from rich.table import Table as RichTable
    from rich.text import Text

    # Control characters from data (an ANSI escape, a CR in an id) are shown escaped, never acted on.
    title, header = shown(title), [shown(h) for h in header]
    caption = shown(caption) if caption else caption
    columns = [[shown(c) for c in col] for col in zip(*rows, strict=True)] if rows else [[] for _ in header]
    legend: dict[str, str] = {}
    if _total(_widths(header, columns, wrap=True)) > width:
        legend = short_ids([cell for i in ids for cell in columns[i]])
        columns = [[legend.get(c, c) for c in col] if i in ids else col for i, col in enumerate(columns)]
    wrap = _total(_widths(header, columns, wrap=False)) > width
    widths = _widths(header, columns, wrap=wrap)
    parts = _blocks(widths, keys, width)
    out: list[RenderableType] = []
    for number, part in enumerate(parts, 1):
        suffix = f" ({number}/{len(parts)})" if len(parts) > 1 else ""
        table = RichTable(
            title=Text(title + suffix),
            caption=Text(caption) if caption and number == len(parts) else None,
        )
        for i in part:
            table.add_column(
                Text(header[i]),
                width=widths[i],
                overflow="fold",
                justify="right" if _numeric(columns[i]) else "left",
            )
        for r in range(len(rows)):
            table.add_row(*(Text(columns[i][r]) for i in part))
        out.append(table)
    out += [Text(f"  {short} = {ident}", overflow="fold") for ident, short in legend.items()]
    return out


# A column wider than this (an error message, a list of inputs) wraps inside its cell.
_MAX_COLUMN = 30


def _widths(header: Sequence[str], columns: Sequence[Sequence[str]], *, wrap: bool) -> list[int]:
    out = []
    for name, cells in zip(header, columns, strict=True):
        label = max((len(w) for w in name.split()), default=0) if wrap else len(name)
        widest = max((len(c) for c in cells), default=0)
        if widest > _MAX_COLUMN:
            widest = max(_MAX_COLUMN, max((len(w) for c in cells for w in c.split()), default=0))
        out.append(max(label, min(widest, max(_MAX_COLUMN, label)), 1))
    return out


def _total(widths: Sequence[int]) -> int:
    """Width of a rich table with the default box: each column adds its padding and one rule."""
    return sum(widths) + 3 * len(widths) + 1


def _blocks(widths: Sequence[int], keys: int, width: int) -> list[list[int]]:
    key_cols = list(range(min(keys, len(widths))))
    parts: list[list[int]] = []
    current = list(key_cols)
    for i in range(len(key_cols), len(widths)):
        if len(current) > len(key_cols) and _total([widths[c] for c in (*current, i)]) > width:
            parts.append(current)
            current = [*key_cols]
        current.append(i)
    parts.append(current)
    return parts


def _numeric(cells: Sequence[str]) -> bool:
    """Whether a column holds numbers ("-" for a missing one), so it is right-aligned."""
    values = [c.replace(",", "").replace(" MiB", "").split(" (")[0] for c in cells if c != "-"]
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return bool(values)


def comparisons_note(result: RunResult, alpha: float = 0.05) -> str | None:
    """Why no p-value in the comparisons table can reach `alpha`, when the number of clusters forbids it."""
    from eval.stats.significance import smallest_p

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
