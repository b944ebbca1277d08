"""The json and jsonl writers: results.json (streamed a cluster at a time), summaries.jsonl
and cleaning.jsonl."""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.output.files import _close_all, _Memo
from eval.results import ClusterScores, Tracked, cluster_matrices

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.run.result import RunResult
    from eval.run.scoring import Prepared


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
        from eval.output.report_html import matrices_data

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
        "system_status": result.status_counts(),
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
    from eval.output.report_html import matrices_data

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
