"""The csv writer: scores.csv, aggregates.csv and rows.csv, streamed a cluster at a time.

The first line of every CSV file is its header, so `pandas.read_csv(path)`, R's `read.csv`, DuckDB and a
spreadsheet read it with no options. The signature of its numbers is in the run folder's `signature.txt`
(and results.json), written by eval.output.folder.RunFolder; `read_csv` returns both.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.output.files import _close_all, _Memo, _write
from eval.results import ClusterScores, Row

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.run.result import RunResult
    from eval.stats.aggregate import ScoreRow


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
    # The "unsupported" tracking row's items: the entities and quantities the source does not support
    # ("France; 12"; "~Smith": an entity out of its source context). Empty on every other row.
    "detail",
)
DETAIL_MEASURE = "unsupported"


# A cell starting with one of these is a formula to a spreadsheet (Excel, LibreOffice, Google Sheets):
# `=HYPERLINK(...)` as a cluster id would be live once scores.csv is opened (issue 20).
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|nan)", re.IGNORECASE)


def neutralised(text: str) -> str:
    """A cell that a spreadsheet would read as a formula, prefixed with a single quote (OWASP's CSV
    injection advice), so it shows as the text it is; a number such as `-0.5` or `+3` is left as it is.
    The quote is in the file: a program reading the CSV sees `'=1+1` for a system named `=1+1`."""
    if text[:1] in _FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _field(value: Any) -> str:
    """One CSV field, neutralised where it would be a formula, quoted where it holds a comma, a quote or a
    line break (\\r too, which `csv.writer` with a \\n line end leaves bare and readers then split on);
    floats to 6 places, None empty."""
    if isinstance(value, float):
        return f"{value:.6f}"
    if value is None:
        return ""
    text = neutralised(str(value))
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """A CSV file: the header, then one line per row (floats to 6 places)."""
    lines = [",".join(map(_field, columns)) + "\n"]
    lines += [",".join(_field(v) for v in map(row.get, columns)) + "\n" for row in rows]
    return "".join(lines)


SIGNATURE_FILE = "signature.txt"


def signature_text(signature: str) -> str:
    """signature.txt: the signature alone on one line."""
    return f"{signature}\n"


def read_signature(folder: Path) -> str:
    """The signature of a run folder's numbers, from its signature.txt."""
    path = folder / SIGNATURE_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ValueError(f"{path}: missing; a run folder written by sumtrack has one") from None


def read_csv(path: Path) -> tuple[str, list[dict[str, str]]]:
    """(signature, rows) of a CSV file this module wrote: the signature from signature.txt beside it."""
    signature = read_signature(path.parent)
    with path.open(encoding="utf-8", newline="") as f:
        return signature, list(csv.DictReader(f))


class _CsvStream:
    """A CSV file written a cluster at a time: the header first. Lines are built
    directly (the same bytes `csv_text` writes; tested), the text fields of a (candidate, target) pair
    quoted once."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.handle = path.open("w", encoding="utf-8", newline="")
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


def _row_line(r: Row, detail: str = "") -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    c, t = r.candidate, r.target
    return (r.cluster, c.kind, c.id, t.kind, t.id), (r.family, r.measure, r.stat), (r.value, detail)


def _row_lines(scores: ClusterScores) -> Iterable[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]]:
    """rows.csv lines of a cluster, the "unsupported" rows with their items from the tracking profiles."""
    from eval.tracking.entities import unsupported_text

    details = {t.ref: unsupported_text(t.profile.entities) for t in scores.tracked}
    for r in scores.rows:
        if r.family == "tracking" and r.measure == DETAIL_MEASURE:
            yield _row_line(r, details.get(r.candidate, ""))
        else:
            yield _row_line(r)


class _Csv:
    """scores.csv and rows.csv grow a cluster at a time; aggregates.csv is written at the end."""

    def __init__(self, folder: Path, result: RunResult) -> None:
        self.folder = folder
        self.scores = _CsvStream(folder / "scores.csv", SCORE_COLUMNS)
        self.rows = _CsvStream(folder / "rows.csv", ROW_COLUMNS)

    def add(self, scores: ClusterScores) -> None:
        self.scores.rows(map(_score_line, scores.rouge_rows))
        self.rows.rows(_row_lines(scores))

    def finish(self, result: RunResult, loaded: LoadedConfig) -> None:
        self.close()
        records = (a.record() for a in result.aggregates)
        _write(self.folder / "aggregates.csv", csv_text(AGGREGATE_COLUMNS, records))

    def close(self) -> None:
        _close_all([self.scores, self.rows])
