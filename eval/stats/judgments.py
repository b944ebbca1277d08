"""Human judgments read from a file: one score per (cluster, candidate, dimension, annotator).

Two formats (docs/meta-evaluation.md):
- tidy, CSV (a header line) or JSONL (one object a line): `cluster, candidate, dimension, score`, and an
  optional `annotator`;
- SummEval's JSONL (Fabbri et al. 2021, model_annotations.aligned.jsonl): `id` (the cluster), `model_id`
  (the system), and `expert_annotations` / `turker_annotations`, each a list of {dimension: score}, one
  dict per annotator.

Every bad line is one JudgmentsError naming the file and the line; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.options import Annotators, JudgmentsFormat
from summarize.errors import SumtrackError

TIDY_COLUMNS = ("cluster", "candidate", "dimension", "score")


class JudgmentsError(SumtrackError):
    """A judgments file that cannot be read, or a judgment that names no scored text."""


@dataclass(frozen=True, slots=True)
class Judgment:
    line: int  # 1-based line of the file (a CSV's header is line 1)
    cluster: str
    candidate: str
    dimension: str
    score: float
    annotator: str


def read_judgments(
    path: Path, form: JudgmentsFormat = "auto", annotators: Annotators = "expert"
) -> list[Judgment]:
    """Every judgment in `path`; JudgmentsError (one line, naming the line) on anything malformed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JudgmentsError(f"judgments {path}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise JudgmentsError(f"judgments {path} line {line}: not UTF-8 text") from None
    if not text.strip():
        raise JudgmentsError(f"judgments {path}: the file is empty")
    csv_file = path.suffix.lower() in (".csv", ".tsv")
    if form == "summeval" or (form == "auto" and not csv_file and _looks_summeval(text)):
        if csv_file:
            raise JudgmentsError(f"judgments {path}: SummEval's format is JSONL, not CSV")
        out = list(_summeval(path, text, annotators))
    elif csv_file:
        out = list(_tidy_csv(path, text))
    else:
        out = list(_tidy_jsonl(path, text))
    if not out:
        raise JudgmentsError(f"judgments {path}: no judgments in the file")
    return out


def _looks_summeval(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and ("expert_annotations" in record or "turker_annotations" in record)


def _score(path: Path, line: int, value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise JudgmentsError(f"judgments {path} line {line}: {what} {value!r} is not a number")
    try:
        score = float(value)
    except ValueError:
        raise JudgmentsError(f"judgments {path} line {line}: {what} {value!r} is not a number") from None
    if not math.isfinite(score):
        raise JudgmentsError(f"judgments {path} line {line}: {what} {value!r} is not a finite number")
    return score


def _text(path: Path, line: int, value: Any, key: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise JudgmentsError(f"judgments {path} line {line}: no {key!r}")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise JudgmentsError(f"judgments {path} line {line}: {key} {value!r} is not an id")
    return str(value).strip()


def _tidy(path: Path, line: int, record: dict[str, Any]) -> Judgment:
    missing = [k for k in TIDY_COLUMNS if k not in record]
    if missing:
        raise JudgmentsError(
            f"judgments {path} line {line}: no {', '.join(missing)} (a tidy judgment has "
            f"{', '.join(TIDY_COLUMNS)}[, annotator])"
        )
    annotator = record.get("annotator")
    return Judgment(
        line,
        _text(path, line, record["cluster"], "cluster"),
        _text(path, line, record["candidate"], "candidate"),
        _text(path, line, record["dimension"], "dimension"),
        _score(path, line, record["score"], "score"),
        "" if annotator in (None, "") else str(annotator),
    )


def _tidy_csv(path: Path, text: str) -> Iterator[Judgment]:
    reader = csv.DictReader(
        io.StringIO(text, newline=""), dialect="excel-tab" if path.suffix == ".tsv" else "excel"
    )
    header = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in TIDY_COLUMNS if c not in header]
    if missing:
        raise JudgmentsError(
            f"judgments {path} line 1: the header lacks {', '.join(missing)} (columns: "
            f"{', '.join(TIDY_COLUMNS)}[, annotator])"
        )
    reader.fieldnames = header
    for record in reader:
        if not any((v or "").strip() for k, v in record.items() if k is not None):
            continue
        yield _tidy(path, reader.line_num, {k: (v or "").strip() for k, v in record.items() if k})


def _records(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JudgmentsError(f"judgments {path} line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise JudgmentsError(f"judgments {path} line {number}: expected a JSON object")
        yield number, record


def _tidy_jsonl(path: Path, text: str) -> Iterator[Judgment]:
    for number, record in _records(path, text):
        yield _tidy(path, number, record)


GROUPS: dict[str, tuple[str, ...]] = {"expert": ("expert_annotations",), "turker": ("turker_annotations",)}
GROUPS["all"] = GROUPS["expert"] + GROUPS["turker"]


def _summeval(path: Path, text: str, annotators: Annotators) -> Iterator[Judgment]:
    for number, record in _records(path, text):
        cluster = _text(path, number, record.get("id"), "id")
        candidate = _text(path, number, record.get("model_id"), "model_id")
        for key in GROUPS[annotators]:
            group = record.get(key)
            if group is None:
                raise JudgmentsError(f"judgments {path} line {number}: no {key!r} (annotators: {annotators})")
            if not isinstance(group, list):
                raise JudgmentsError(f"judgments {path} line {number}: {key} is not a list of annotations")
            for i, scores in enumerate(group):
                if not isinstance(scores, dict):
                    raise JudgmentsError(
                        f"judgments {path} line {number}: {key}[{i}] is not a dict of dimension -> score"
                    )
                for dimension, value in scores.items():
                    score = _score(path, number, value, f"{key}[{i}].{dimension}")
                    yield Judgment(
                        number, cluster, candidate, str(dimension), score, f"{key.split('_')[0]}{i}"
                    )
