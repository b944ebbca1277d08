"""Writers of a run folder, registered by name; `output.formats` chooses which run (default: all).

Each writer is a view of the run's results table (eval.results via RunResult) and returns its files as
{file name: text}; `write_run` writes them through a temporary name and a rename, so an interrupted write
never leaves half a file. config.resolved.yaml (what ran, every default filled in) is always written.

Every CSV file starts with one comment line, `# signature: rouge|tok:...`, then the header: read it with
`csv` after skipping that line, or `pandas.read_csv(path, skiprows=1)`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from summarize.errors import SumtrackError

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.runner import RunResult

# The allowed values of output.formats, defined here once; the config schema uses these.
Format = Literal["csv", "json", "jsonl", "markdown", "html"]
FORMATS: tuple[Format, ...] = get_args(Format)

SCORE_COLUMNS = (
    "cluster",
    "candidate_kind",
    "candidate",
    "target_kind",
    "target",
    "metric",
    "precision",
    "recall",
    "f1",
)
AGGREGATE_COLUMNS = (
    "candidate_kind",
    "candidate",
    "target_kind",
    "target",
    "metric",
    "stat",
    "mean",
    "low",
    "high",
    "n",
)
ROW_COLUMNS = (
    "cluster",
    "candidate_kind",
    "candidate",
    "target_kind",
    "target",
    "family",
    "measure",
    "stat",
    "value",
)

Render = Callable[["RunResult", "LoadedConfig"], dict[str, str]]


@dataclass(frozen=True)
class Writer:
    name: Format
    files: tuple[str, ...]  # the files it writes, for `sumtrack list` and the README
    render: Render
    description: str


_WRITERS: dict[str, Writer] = {}


def register(writer: Writer) -> Writer:
    if writer.name in _WRITERS:
        raise ValueError(f"writer {writer.name!r} is registered already")
    _WRITERS[writer.name] = writer
    return writer


def get(name: str) -> Writer:
    try:
        return _WRITERS[name]
    except KeyError:
        raise KeyError(f"unknown output format {name!r}: expected one of {', '.join(_WRITERS)}") from None


def all_writers() -> tuple[Writer, ...]:
    return tuple(_WRITERS.values())


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]], signature: str) -> str:
    """A CSV file: the signature comment line, the header, then one line per row (floats to 6 places)."""
    buffer = io.StringIO()
    buffer.write(f"# signature: {signature}\n")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


def read_csv(path: Path) -> tuple[str, list[dict[str, str]]]:
    """(signature, rows) of a CSV file this module wrote."""
    with path.open(encoding="utf-8", newline="") as f:
        first = f.readline()
        if not first.startswith("# signature: "):
            raise ValueError(f"{path}: expected a '# signature: ...' first line, got {first[:60]!r}")
        return first.removeprefix("# signature: ").rstrip("\n"), list(csv.DictReader(f))


def _csv_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str]:
    sig = result.signature
    return {
        "scores.csv": csv_text(SCORE_COLUMNS, (asdict(r) for r in result.scores), sig),
        "aggregates.csv": csv_text(AGGREGATE_COLUMNS, (a.record() for a in result.aggregates), sig),
        "rows.csv": csv_text(ROW_COLUMNS, result.results.records(), sig),
    }


def results_dict(result: RunResult) -> dict[str, Any]:
    from eval.report_html import matrices_data

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
        "aggregates": [a.record() for a in result.aggregates],
        "comparisons": [c.record() for c in result.comparisons],
        "tracking": [asdict(t) for t in result.tracking],
        "matrices": {cid: matrices_data(m) for cid, m in result.matrices.items()},
        "problems": [asdict(p) for p in result.problems],
        "warnings": result.warnings,
    }


def _json_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str]:
    text = json.dumps(results_dict(result), indent=2, ensure_ascii=False, default=str) + "\n"
    return {"results.json": text}


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


def _jsonl_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str]:
    return {"summaries.jsonl": summaries_jsonl(result), "cleaning.jsonl": cleaning_jsonl(result)}


def _markdown_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str]:
    from eval.report import report_md

    return {"report.md": report_md(result, loaded.config.rouge.types)}


def _html_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str]:
    from eval.report import html_data
    from eval.report_html import render_html

    return {"report.html": render_html(html_data(result))}


register(
    Writer(
        "csv",
        ("scores.csv", "aggregates.csv", "rows.csv"),
        _csv_files,
        "ROUGE per pair, means with intervals, and every number as one long table",
    )
)
register(Writer("json", ("results.json",), _json_files, "everything in one JSON document"))
register(
    Writer(
        "jsonl",
        ("summaries.jsonl", "cleaning.jsonl"),
        _jsonl_files,
        "each system summary, and each line cleaning removed",
    )
)
register(Writer("markdown", ("report.md",), _markdown_files, "the report as Markdown"))
register(Writer("html", ("report.html",), _html_files, "the report as one self-contained HTML page"))


def resolved_config(result: RunResult, loaded: LoadedConfig, out_dir: Path) -> str:
    """The config as it ran, valid and runnable as it is (eval.config.resolved), under a comment line
    with the signature of its numbers."""
    import yaml

    from eval.config import resolved

    body = yaml.safe_dump(resolved(loaded, out_dir), sort_keys=False, allow_unicode=True)
    return f"# signature: {result.signature}\n{body}"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class RunFolderError(SumtrackError):
    """The run folder could not be written; the previous run there, if any, is as it was."""


# What marks a folder as a run folder sumtrack may replace (an empty folder may be used too).
_RUN_MARKERS = ("results.json", "config.resolved.yaml")


def write_run(
    result: RunResult, loaded: LoadedConfig, out_dir: Path, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write config.resolved.yaml and the files of each chosen format (default: the config's
    output.formats); returns the paths written.

    The run folder is all old or all new: the files go into a temporary folder beside it, which replaces
    the old folder only once every file is written (old renamed aside, new renamed in, old deleted). A
    failure (a full disk, a read-only place) removes the temporary folder, leaves the old run intact and
    raises RunFolderError saying so.
    """
    chosen = loaded.config.output.formats if formats is None else formats
    writers = [get(name) for name in chosen]  # unknown names fail before anything is written
    out_dir = Path(os.path.abspath(out_dir))
    _check_replaceable(out_dir)
    files = {"config.resolved.yaml": resolved_config(result, loaded, out_dir)}
    for writer in writers:
        files.update(writer.render(result, loaded))
    kept = "; the previous run there is intact" if out_dir.exists() else ""
    tag = f"{os.getpid()}-{time.time_ns()}"
    staging = out_dir.with_name(f".{out_dir.name}.new-{tag}")
    aside = out_dir.with_name(f".{out_dir.name}.old-{tag}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for name, text in files.items():
            _write(staging / name, text)
        if out_dir.exists():
            os.rename(out_dir, aside)
        try:
            os.rename(staging, out_dir)
        except OSError:
            if aside.exists():
                os.rename(aside, out_dir)
            raise
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise RunFolderError(f"cannot write the run folder {out_dir}: {exc.strerror or exc}{kept}") from None
    shutil.rmtree(aside, ignore_errors=True)
    return [out_dir / name for name in files]


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace anything but a previous run folder (or an empty folder): `--out ~` must not
    move a home folder aside and delete it."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise RunFolderError(f"cannot write the run folder {out_dir}: it is a file, not a folder")
    try:
        entries = [p.name for p in out_dir.iterdir()]
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {out_dir}: {exc.strerror or exc}") from None
    if entries and not any(m in entries for m in _RUN_MARKERS):
        raise RunFolderError(
            f"cannot write the run folder {out_dir}: it holds files but no earlier run "
            f"({', '.join(_RUN_MARKERS)}); choose another --out or output.dir"
        )
