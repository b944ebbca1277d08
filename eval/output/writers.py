"""Writers of a run folder, registered by name; `output.formats` chooses which run (default: all).

Each writer is a `Part` of a run folder being written (`RunFolder`): it takes each cluster's rows as the
cluster finishes (scores.csv, rows.csv and results.json grow a cluster at a time, so a run of any size holds
none of its rows in memory), then writes what needs the whole run (means, reports) at the end. The folder
grows beside the old one and replaces it only once complete, so an interrupted or failed write never leaves
half a run. config.resolved.yaml (what ran, every default filled in) and signature.txt (the signature of
every number in the folder) are always written.

The first line of every CSV file is its header: `pandas.read_csv(path)` reads it with no options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from eval.options import Format
from eval.output.csv_files import _Csv
from eval.output.files import _write
from eval.output.json_files import _Json, cleaning_jsonl, summaries_jsonl
from eval.results import ClusterScores

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.run.result import RunResult


class Part(Protocol):
    """One writer's files for one run, in a folder being written: `add` takes each cluster as it finishes,
    `finish` writes what needs the whole run (means, the report) and closes every file."""

    def add(self, scores: ClusterScores) -> None: ...

    def finish(self, result: RunResult, loaded: LoadedConfig) -> None: ...

    def close(self) -> None:
        """Close its files without finishing (the run folder is given up)."""


Open = Callable[[Path, "RunResult"], Part]


Render = Callable[["RunResult", "LoadedConfig"], dict[str, "str | Iterable[str]"]]


@dataclass(frozen=True)
class Writer:
    name: Format
    files: tuple[str, ...]  # the files it writes, for `sumtrack list` and the README
    open: Open  # its Part for a folder being written
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


class _AtEnd:
    """A writer whose files need the whole run: rendered once, at the end."""

    def __init__(self, folder: Path, render: Render) -> None:
        self.folder, self.render = folder, render

    def add(self, scores: ClusterScores) -> None:
        pass

    def finish(self, result: RunResult, loaded: LoadedConfig) -> None:
        for name, text in self.render(result, loaded).items():
            _write(self.folder / name, text)

    def close(self) -> None:
        pass


def _at_end(render: Render) -> Open:
    return lambda folder, result: _AtEnd(folder, render)


def _jsonl_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str | Iterable[str]]:
    return {"summaries.jsonl": summaries_jsonl(result), "cleaning.jsonl": cleaning_jsonl(result)}


def _markdown_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str | Iterable[str]]:
    from eval.output.report import report_md

    return {"report.md": report_md(result, loaded.config.rouge.types)}


def _html_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str | Iterable[str]]:
    from eval.output.report import html_data
    from eval.output.report_html import render_html

    return {"report.html": render_html(html_data(result))}


register(
    Writer(
        "csv",
        ("scores.csv", "aggregates.csv", "rows.csv"),
        _Csv,
        "ROUGE per pair, means with intervals, and every number as one long table",
    )
)


register(Writer("json", ("results.json",), _Json, "everything in one JSON document"))


register(
    Writer(
        "jsonl",
        ("summaries.jsonl", "cleaning.jsonl"),
        _at_end(_jsonl_files),
        "each system summary, and each line cleaning removed",
    )
)


register(Writer("markdown", ("report.md",), _at_end(_markdown_files), "the report as Markdown"))


register(Writer("html", ("report.html",), _at_end(_html_files), "the report as one self-contained HTML page"))


def resolved_config(result: RunResult, loaded: LoadedConfig, out_dir: Path) -> str:
    """The config as it ran, valid and runnable as it is (eval.config.resolved), under a comment line
    with the signature of its numbers."""
    import yaml

    from eval.config import resolved

    body = yaml.safe_dump(resolved(loaded, out_dir), sort_keys=False, allow_unicode=True)
    return f"# signature: {result.signature}\n{body}"
