"""Writers of a run folder, registered by name; `output.formats` chooses which run (default: all).

Each writer is a `Part` of a run folder being written (`RunFolder`): it takes each cluster's rows as the
cluster finishes (scores.csv, rows.csv and results.json grow a cluster at a time, so a run of any size holds
none of its rows in memory), then writes what needs the whole run (means, reports) at the end. The folder
grows beside the old one and replaces it only once complete, so an interrupted or failed write never leaves
half a run. config.resolved.yaml (what ran, every default filled in) is always written.

Every CSV file starts with one comment line, `# signature: rouge|tok:...`, then the header: read it with
`csv` after skipping that line, or `pandas.read_csv(path, skiprows=1)`.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import json
import math
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from eval.results import ClusterScores, Row, Tracked, cluster_matrices
from summarize.errors import SumtrackError

if TYPE_CHECKING:
    from eval.aggregate import ScoreRow
    from eval.config import LoadedConfig
    from eval.runner import RunResult
    from eval.scoring import Prepared

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


def _field(value: Any) -> str:
    """One CSV field, quoted where it holds a comma, a quote or a line break (\\r too, which `csv.writer`
    with a \\n line end leaves bare and readers then split on); floats to 6 places, None empty."""
    if isinstance(value, float):
        return f"{value:.6f}"
    if value is None:
        return ""
    text = str(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]], signature: str) -> str:
    """A CSV file: the signature comment line, the header, then one line per row (floats to 6 places)."""
    lines = [f"# signature: {signature}\n", ",".join(map(_field, columns)) + "\n"]
    lines += [",".join(_field(v) for v in map(row.get, columns)) + "\n" for row in rows]
    return "".join(lines)


def read_csv(path: Path) -> tuple[str, list[dict[str, str]]]:
    """(signature, rows) of a CSV file this module wrote."""
    with path.open(encoding="utf-8", newline="") as f:
        first = f.readline()
        if not first.startswith("# signature: "):
            raise ValueError(f"{path}: expected a '# signature: ...' first line, got {first[:60]!r}")
        return first.removeprefix("# signature: ").rstrip("\n"), list(csv.DictReader(f))


def _close_all(handles: Sequence[Any]) -> None:
    """Close every handle, even when one fails (a full disk fails the last flush); then raise the first
    failure."""
    failure: OSError | None = None
    for handle in handles:
        try:
            handle.close()
        except OSError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


class _Memo:
    """`fn`'s result for each value, remembered (ids and kinds repeat on every row of a cluster); forgotten
    past 100,000 values, so a corpus of many ids does not grow it without end."""

    def __init__(self, fn: Callable[[Any], str]) -> None:
        self.fn = fn
        self.seen: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
        out = self.seen.get(value)
        if out is None:
            if len(self.seen) > 100_000:
                self.seen.clear()
            out = self.seen[value] = self.fn(value)
        return out


class _CsvStream:
    """A CSV file written a cluster at a time: the signature line and the header first. Lines are built
    directly (the same bytes `csv_text` writes; tested), the text fields of a (candidate, target) pair
    quoted once."""

    def __init__(self, path: Path, columns: Sequence[str], signature: str) -> None:
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.handle.write(f"# signature: {signature}\n")
        self.handle.write(",".join(map(_field, columns)) + "\n")
        self._labels: dict[tuple[Any, ...], str] = {}
        self._field = _Memo(_field)

    def rows(self, rows: Iterable[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]]) -> None:
        """Rows as (pair fields, label fields, numbers): a cluster's rows repeat the same few pairs (the
        cluster, candidate and target) and labels (metric, measure, stat), so each distinct one is quoted
        and joined once."""
        heads: dict[tuple[Any, ...], str] = {}
        labels = self._labels
        lines = []
        for head, label, numbers in rows:
            h = heads.get(head)
            if h is None:
                h = heads[head] = ",".join(map(self._field, head))
            m = labels.get(label)
            if m is None:
                m = labels[label] = ",".join(map(_field, label))
            lines.append(f"{h},{m},{','.join(map(_number, numbers))}\n")
        self.handle.write("".join(lines))

    def close(self) -> None:
        self.handle.close()


def _number(value: Any) -> str:
    return f"{value:.6f}" if isinstance(value, float) else ("" if value is None else _field(value))


def _score_line(r: ScoreRow) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    pair = (r.cluster, r.candidate_kind, r.candidate, r.target_kind, r.target)
    return pair, (r.metric,), (r.precision, r.recall, r.f1)


def _row_line(r: Row) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    c, t = r.candidate, r.target
    return (r.cluster, c.kind, c.id, t.kind, t.id), (r.family, r.measure, r.stat), (r.value,)


class _Csv:
    """scores.csv and rows.csv grow a cluster at a time; aggregates.csv is written at the end."""

    def __init__(self, folder: Path, result: RunResult) -> None:
        self.folder, self.signature = folder, result.signature
        self.scores = _CsvStream(folder / "scores.csv", SCORE_COLUMNS, result.signature)
        self.rows = _CsvStream(folder / "rows.csv", ROW_COLUMNS, result.signature)

    def add(self, scores: ClusterScores) -> None:
        self.scores.rows(map(_score_line, scores.rouge_rows))
        self.rows.rows(map(_row_line, scores.rows))

    def finish(self, result: RunResult, loaded: LoadedConfig) -> None:
        self.close()
        records = (a.record() for a in result.aggregates)
        _write(self.folder / "aggregates.csv", csv_text(AGGREGATE_COLUMNS, records, self.signature))

    def close(self) -> None:
        _close_all([self.scores, self.rows])


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _jnum(value: float) -> str:
    """A number as json.dumps writes it (float repr; NaN and infinities as JavaScript names)."""
    if value != value or value in (math.inf, -math.inf):
        return _dumps(value)
    return repr(value)


def _tracked_record(t: Tracked) -> dict[str, Any]:
    return {"cluster": t.cluster, "id": t.id, "kind": t.kind, "profile": t.profile.to_dict()}


class _Json:
    """results.json: the per-cluster lists (scores, tracking, matrices) grow in side files a cluster at a
    time, one record per line; `finish` writes the document in its key order around them."""

    SECTIONS = ("scores", "tracking", "matrices")

    def __init__(self, folder: Path, result: RunResult) -> None:
        self.folder = folder
        self.parts = {
            name: (folder / f".results.{name}.part").open("w+", encoding="utf-8") for name in self.SECTIONS
        }
        self.count = dict.fromkeys(self.SECTIONS, 0)
        self._text = _Memo(_dumps)  # a string as JSON

    def _put(self, section: str, lines: list[str]) -> None:
        """A cluster's records of one section, in one write."""
        if lines:
            lead = ",\n  " if self.count[section] else "\n  "
            self.parts[section].write(lead + ",\n  ".join(lines))
            self.count[section] += len(lines)

    def add(self, scores: ClusterScores) -> None:
        from eval.report_html import matrices_data

        text = self._text
        # json.dumps(vars(r)) written out: ~700 rows a SummEval cluster.
        self._put(
            "scores",
            [
                f'{{"cluster": {text(r.cluster)}, "candidate": {text(r.candidate)}, '
                f'"target": {text(r.target)}, "metric": {text(r.metric)}, '
                f'"precision": {_jnum(r.precision)}, "recall": {_jnum(r.recall)}, "f1": {_jnum(r.f1)}, '
                f'"candidate_kind": {text(r.candidate_kind)}, "target_kind": {text(r.target_kind)}}}'
                for r in scores.rouge_rows
            ],
        )
        self._put("tracking", [_dumps(_tracked_record(t)) for t in scores.tracked])
        if scores.matrix_labels or scores.unavailable:
            matrices = matrices_data(cluster_matrices(scores))
            self._put("matrices", [f"{_dumps(scores.cluster)}: {_dumps(matrices)}"])

    def finish(self, result: RunResult, loaded: LoadedConfig) -> None:
        head = results_fields(result, scores=None, tracking=None, matrices=None)
        path = self.folder / "results.json"
        tmp = path.with_name(".results.json.tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write("{")
            for number, (key, value) in enumerate(head.items()):
                out.write(f"{',' if number else ''}\n  {_dumps(key)}: ")
                if key in self.SECTIONS:
                    part = self.parts[key]
                    part.flush()
                    part.seek(0)
                    brackets = "{}" if key == "matrices" else "[]"
                    out.write(brackets[0])
                    shutil.copyfileobj(part, out)
                    out.write(("\n  " if self.count[key] else "") + brackets[1])
                elif isinstance(value, list) and value:
                    out.write("[\n    " + ",\n    ".join(_dumps(v) for v in value) + "\n  ]")
                else:
                    out.write(_dumps(value))
            out.write("\n}\n")
        self.close()
        for name in self.SECTIONS:
            (self.folder / f".results.{name}.part").unlink()
        os.replace(tmp, path)

    def close(self) -> None:
        _close_all(list(self.parts.values()))


def document_record(d: Prepared) -> dict[str, Any]:
    return {
        "cluster": d.cluster,
        "id": d.id,
        "role": d.role,
        "path": d.path,
        "words": d.words,
        "sentences": len(d.sentences),
        "dropped_lines": len(d.dropped),
        "encoding": d.encoding,
    }


def results_fields(result: RunResult, *, scores: Any, tracking: Any, matrices: Any) -> dict[str, Any]:
    """results.json's fields in their order, the per-cluster ones (`scores`, `tracking`, `matrices`) as
    given: the streamed writer fills those from its side files, `results_dict` from the table."""
    return {
        "name": result.name,
        "signature": result.signature,
        "versions": result.versions,
        "settings": result.settings,
        "ok": result.ok,
        "stopped": result.stopped,
        "documents": [document_record(d) for d in result.documents],
        "systems": [asdict(s) for s in result.systems],
        "scores": scores,
        "aggregates": [a.record() for a in result.aggregates],
        "comparisons": [c.record() for c in result.comparisons],
        "tracking": tracking,
        "matrices": matrices,
        "problems": [asdict(p) for p in result.problems],
        "warnings": result.warnings,
    }


def results_dict(result: RunResult) -> dict[str, Any]:
    """results.json as one dict, for a run whose table holds every cluster (library use, tests)."""
    from eval.report_html import matrices_data

    return results_fields(
        result,
        scores=[dict(vars(r)) for r in result.scores],
        tracking=[_tracked_record(t) for t in result.tracking],
        matrices={cid: matrices_data(m) for cid, m in result.matrices.items()},
    )


def summaries_jsonl(result: RunResult) -> Iterator[str]:
    for cluster, summary, prepared in result.summaries:
        record = {
            "cluster": cluster,
            **asdict(summary),
            "sentences": prepared.sentences,
            "words": prepared.words,
        }
        record["settings"] = dict(summary.settings)
        yield _dumps(record) + "\n"


def cleaning_jsonl(result: RunResult) -> Iterator[str]:
    """One record per line a rule matched: "kept": true where the line stayed because dropping every
    match would have removed most of its document."""
    return (
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
    from eval.report import report_md

    return {"report.md": report_md(result, loaded.config.rouge.types)}


def _html_files(result: RunResult, loaded: LoadedConfig) -> dict[str, str | Iterable[str]]:
    from eval.report import html_data
    from eval.report_html import render_html

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


def _write(path: Path, text: str | Iterable[str]) -> None:
    """A whole file through a temporary name and a rename; `text` may come in pieces."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            handle.writelines(text)
    os.replace(tmp, path)


class RunFolderError(SumtrackError):
    """The run folder could not be written; the previous run there, if any, is as it was."""


# What marks a folder as a run folder sumtrack may replace (an empty folder may be used too).
_RUN_MARKERS = ("results.json", "config.resolved.yaml")


class RunFolder:
    """A run folder written while the run goes: each cluster's rows go to its files as the cluster
    finishes (eval.runner.Runner's `sink`), so a run of any size holds none of them in memory.

    The folder is all old or all new: the files grow in a temporary folder beside it, which replaces the old
    folder only in `commit`, once every file is written (old renamed aside, new renamed in, old deleted). A
    failure (a full disk, a read-only place) is kept until `commit`, which then removes the temporary folder,
    leaves the old run intact and raises RunFolderError saying so; the run itself goes on meanwhile.
    """

    def __init__(self, loaded: LoadedConfig, out_dir: Path, formats: Sequence[str] | None = None) -> None:
        chosen = loaded.config.output.formats if formats is None else formats
        self.writers = [get(name) for name in chosen]  # unknown names fail before anything is written
        self.loaded = loaded
        self.out_dir = Path(os.path.abspath(out_dir))
        _check_replaceable(self.out_dir)
        _sweep(self.out_dir)
        self.kept = "; the previous run there is intact" if self.out_dir.exists() else ""
        tag = f"{os.getpid()}-{time.time_ns()}-{_HOST}"
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.new-{tag}")
        self.aside = self.out_dir.with_name(f".{self.out_dir.name}.old-{tag}")
        self.parts: list[Part] = []
        self.failure: OSError | None = None
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir()
        except (FileExistsError, NotADirectoryError) as exc:
            blocker = next((p for p in self.out_dir.parents if p.is_file()), None)
            if blocker is None:
                raise self._error(exc) from None
            raise self._error(OSError(f"{blocker} is a file, not a folder")) from None
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> RunFolderError:
        self._abandon()
        return RunFolderError(f"cannot write the run folder {self.out_dir}: {exc.strerror or exc}{self.kept}")

    def _abandon(self) -> None:
        """Close every file (a full disk makes closing fail too: ignored) and remove the temporary folder,
        giving its space back at once."""
        for part in self.parts:
            with contextlib.suppress(OSError):
                part.close()
        shutil.rmtree(self.staging, ignore_errors=True)

    def start(self, result: RunResult) -> None:
        """Open every writer's files (the run's signature heads each CSV)."""
        try:
            self.parts = [w.open(self.staging, result) for w in self.writers]
        except OSError as exc:
            self.failure = exc

    def add(self, scores: ClusterScores) -> None:
        if self.failure is not None:
            return
        try:
            for part in self.parts:
                part.add(scores)
        except OSError as exc:  # the run goes on (its clusters are kept for a resume); commit reports it
            self.failure = exc
            self._abandon()

    def commit(self, result: RunResult) -> list[Path]:
        """Write what needs the whole run and put the folder in place; returns the paths written."""
        try:
            if self.failure is not None:
                raise self.failure
            _write(self.staging / "config.resolved.yaml", resolved_config(result, self.loaded, self.out_dir))
            for part in self.parts:
                part.finish(result, self.loaded)
            names = sorted(p.name for p in self.staging.iterdir())
            if self.out_dir.exists():
                os.rename(self.out_dir, self.aside)
            try:
                os.rename(self.staging, self.out_dir)
            except OSError:
                if self.aside.exists():
                    os.rename(self.aside, self.out_dir)
                raise
        except OSError as exc:
            raise self._error(exc) from None
        shutil.rmtree(self.aside, ignore_errors=True)
        return [self.out_dir / name for name in names]

    def discard(self) -> None:
        """Give up: remove the temporary folder (the old run stays)."""
        self._abandon()


_HOST = socket.gethostname().replace("-", "_") or "host"


def _sweep(out_dir: Path) -> None:
    """Clean up after runs of this folder that were killed (SIGKILL, a crash) on this machine: their
    temporary folders (`.NAME.new-PID-...`) are removed; an old run set aside (`.NAME.old-PID-...`) in the
    instant between `commit`'s two renames is put back when no run folder took its place. Folders of a
    process still running, or of another machine, are left alone."""
    prefix = f".{out_dir.name}."
    try:
        leftovers = [
            path for kind in ("new", "old") for path in out_dir.parent.glob(f"{glob.escape(prefix)}{kind}-*")
        ]
    except OSError:
        return
    for path in sorted(leftovers):
        kind, _, tag = path.name.removeprefix(prefix).partition("-")
        pid, _, rest = tag.partition("-")
        if not pid.isdigit() or not rest.endswith(f"-{_HOST}"):
            continue
        if _running(int(pid)):
            continue
        with contextlib.suppress(OSError):
            if kind == "old" and not out_dir.exists():
                os.rename(path, out_dir)
            else:
                shutil.rmtree(path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: not ours to judge
    return True


def write_run(
    result: RunResult, loaded: LoadedConfig, out_dir: Path, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write config.resolved.yaml and the files of each chosen format (default: the config's
    output.formats) for a finished run whose results table holds every cluster; returns the paths written.
    All old or all new, as `RunFolder`; raises RunFolderError when the folder cannot be written."""
    if not result.results.complete:
        raise ValueError(
            "write_run: this run's table keeps only its first clusters (it was streamed to a RunFolder)"
        )
    folder = RunFolder(loaded, out_dir, formats)
    folder.start(result)
    for scores in result.results.cluster_scores():
        folder.add(scores)
    return folder.commit(result)


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
