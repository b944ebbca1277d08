"""Meta-evaluation's outputs: meta.csv and meta.json in the run folder, and the ranked table the console,
report.md and report.html show (eval.output.meta_report draws the picture).

meta.csv is tidy, one row per (measure, dimension, level, coefficient): value, the bootstrap interval
(low, high), n, and p where a permutation test compared the measure with its level's top one. Its first
line is the header; the signature of its numbers is in meta.json (`meta_signature`, beside the run's
`signature`), with the annotators' agreement, the clusters skipped and the texts no judgment names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.output.csv_files import _field
from eval.output.files import _write
from eval.results import ClusterScores
from eval.settings import MetaSettings
from eval.stats.judgments import Judgment, JudgmentsError, read_judgments
from eval.stats.meta_values import MeasureValues
from summarize.errors import ConfigError

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.run.result import RunResult, Sink
    from eval.stats.meta import MetaResult

META_COLUMNS = ("measure", "dimension", "level", "coefficient", "value", "low", "high", "n", "p")
# The console shows this many measures per dimension and level; meta.csv holds every one.
CONSOLE_TOP = 5
REPORT_TOP = 10


class MetaSink:
    """A run's sink that also keeps every candidate text's measures (MeasureValues) as clusters finish."""

    def __init__(self, inner: Sink | None) -> None:
        self.inner, self.values = inner, MeasureValues()

    def start(self, result: RunResult) -> None:
        if self.inner is not None:
            self.inner.start(result)

    def add(self, scores: ClusterScores) -> None:
        self.values.add(scores)
        if self.inner is not None:
            self.inner.add(scores)


@dataclass
class MetaJob:
    """`sumtrack meta`'s part of a run: the judgments, read and checked before the run starts; the sink
    that keeps each text's measures; and, once the run is done, the meta-evaluation (`evaluate`)."""

    path: Path
    judgments: list[Judgment]
    settings: MetaSettings
    values: MeasureValues = field(default_factory=MeasureValues)

    @classmethod
    def read(cls, loaded: LoadedConfig, judgments: Path | None = None) -> MetaJob:
        """`judgments` (a path as given on the command line) or the config's meta.judgments (relative to
        the config file); a bad file is one JudgmentsError naming its line."""
        spec = loaded.config.meta
        path = judgments or (loaded.resolve(spec.judgments) if spec.judgments else None)
        if path is None:
            raise ConfigError("no judgments: give --judgments FILE or meta.judgments in the config")
        read = read_judgments(path, spec.format, spec.annotators)
        return cls(path, read, MetaSettings.from_config(loaded.config, path.read_bytes()))

    def sink(self, inner: Sink | None) -> MetaSink:
        sink = MetaSink(inner)
        self.values = sink.values
        return sink

    def evaluate(self, result: RunResult, progress: Callable[[str], None] = lambda m: None) -> str | None:
        """Set `result.meta`; or, where a judgment names no scored text, return why (the run is kept)."""
        from eval.stats.meta import evaluate
        from eval.stats.meta_values import join

        try:
            grid = join(self.values, self.judgments, self.path)
        except JudgmentsError as exc:
            return str(exc)
        progress(f"meta-evaluation: {len(grid.measures)} measures, {len(grid.dimensions)} dimensions")
        result.meta = evaluate(grid, self.settings, str(self.settings.signature()))
        return None


def meta_csv(meta: MetaResult) -> str:
    lines = [",".join(META_COLUMNS) + "\n"]
    for row in meta.rows:
        record = row.record()
        lines.append(",".join(_field(record[c]) for c in META_COLUMNS) + "\n")
    return "".join(lines)


def meta_json(meta: MetaResult, run_signature: str) -> dict[str, Any]:
    return {
        "meta_signature": meta.signature,
        "signature": run_signature,
        "judged": meta.judged,
        "clusters": meta.clusters,
        "candidates": meta.candidates,
        "rank_by": meta.rank_by,
        "agreement": {d: {"alpha": a, "values": n} for d, (a, n) in meta.agreement.items()},
        "constant_clusters_skipped": meta.constant,
        "unjudged": {"count": len(meta.unjudged), "texts": list(meta.unjudged)},
        "notes": meta.notes,
    }


def write_meta(folder: Path, result: RunResult) -> None:
    """meta.csv and meta.json, where the run has a meta-evaluation."""
    if result.meta is None:
        return
    _write(folder / "meta.csv", meta_csv(result.meta))
    _write(folder / "meta.json", json.dumps(meta_json(result.meta, result.signature), indent=2) + "\n")


def _interval(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return "-"
    if low is None or high is None:
        return f"{value:.3f}"
    return f"{value:.3f} ({low:.3f}-{high:.3f})"


def meta_table(
    meta: MetaResult, level: str, top: int | None = CONSOLE_TOP
) -> tuple[list[str], list[list[str]]]:
    """One level's table: per dimension, the measures ranked by meta.rank_by, with all three
    coefficients and their intervals, n and the permutation p against the top measure."""
    header = ["dimension", "rank", "measure", "kendall", "spearman", "pearson", "n", "p vs top"]
    cells = {(r.measure, r.dimension, r.coefficient): r for r in meta.rows if r.level == level}
    rows = []
    for dimension in meta.agreement:
        for rank, row in enumerate(meta.ranked(level, dimension)[:top], 1):  # type: ignore[arg-type]
            coefs = [cells.get((row.measure, dimension, c)) for c in ("kendall", "spearman", "pearson")]
            rows.append(
                [
                    dimension,
                    str(rank),
                    row.measure,
                    *[_interval(c.value, c.low, c.high) if c else "-" for c in coefs],
                    str(row.n),
                    "-" if row.p is None else f"{row.p:.3f}",
                ]
            )
    return header, rows


def levels(meta: MetaResult) -> list[str]:
    return list(dict.fromkeys(r.level for r in meta.rows))


LEVEL_TITLES = {
    "summary": "summary level (per cluster across its candidates, averaged over clusters)",
    "system": "system level (across candidates' means over clusters)",
    "global": "global (across every judged text)",
}


def meta_notes(meta: MetaResult) -> list[str]:
    """The lines that go with the tables: agreement, skipped clusters, unjudged texts."""
    agree = ", ".join(f"{d} {'-' if a is None else f'{a:.3f}'}" for d, (a, _) in meta.agreement.items())
    out = [
        f"{meta.judged} judged texts in {meta.clusters} clusters, {meta.candidates} candidates; ranked by "
        f"{meta.rank_by}; intervals: bootstrap; p: one-sided permutation test that the top measure "
        "correlates better",
        f"annotator agreement (Krippendorff's alpha, interval), the ceiling a measure can reach: {agree}",
    ]
    skipped = {d: k for d, k in meta.constant.items() if k}
    if skipped:
        out.append(
            "clusters skipped at the summary level (constant human score): "
            + ", ".join(f"{d} {k}" for d, k in skipped.items())
        )
    if meta.unjudged:
        shown = ", ".join(meta.unjudged[:5]) + (" ..." if len(meta.unjudged) > 5 else "")
        out.append(f"{len(meta.unjudged)} scored texts have no judgment (left out): {shown}")
    return out + list(meta.notes)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def meta_md(meta: MetaResult | None, top: int = REPORT_TOP) -> list[str]:
    """report.md's section."""
    if meta is None:
        return []

    out = ["## Agreement with human judgments", "", f"Signature: `{meta.signature}`", ""]
    out += [f"- {line}" for line in meta_notes(meta)] + [""]
    for level in levels(meta):
        header, rows = meta_table(meta, level, top)
        out += [f"### {LEVEL_TITLES[level].capitalize()}", "", _md_table(header, rows), ""]
    out += [f"The first {top} measures per dimension; every measure and coefficient is in meta.csv.", ""]
    return out


def meta_data(meta: MetaResult | None, top: int = REPORT_TOP) -> dict[str, Any] | None:
    """report.html's data of the section: the notes, each level's table, and the picture's points."""
    if meta is None:
        return None
    first = levels(meta)[0]
    chart = {
        d: [[r.measure, r.value, r.low, r.high] for r in meta.ranked(first, d)]  # type: ignore[arg-type]
        for d in meta.agreement
    }
    return {
        "signature": meta.signature,
        "notes": meta_notes(meta),
        "tables": [[LEVEL_TITLES[lv], *meta_table(meta, lv, top)] for lv in levels(meta)],
        "chart": {"level": LEVEL_TITLES[first], "coefficient": meta.rank_by, "dimensions": chart},
        "agreement": {d: a for d, (a, _) in meta.agreement.items()},
        "top": top,
    }


def console_parts(meta: MetaResult) -> list[tuple[str, Sequence[str], Sequence[Sequence[str]]]]:
    """(title, header, rows) of each table the console prints."""
    return [
        (f"Agreement with human judgments, {LEVEL_TITLES[level]}", *meta_table(meta, level))
        for level in levels(meta)
    ]
