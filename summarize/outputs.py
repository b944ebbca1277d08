"""Summaries of systems sumtrack does not run (`type: outputs`, issue 8).

Researchers hold outputs they cannot regenerate (SummEval's sixteen systems, a paper's released
summaries). A JSONL file with one `{"cluster": "<cluster id>", "summary": "<text>"}` per line, or a
folder of `<cluster id>.txt` files, enters the run as one more system and is scored like every other.

The runner asks for summaries by cluster id (`summarize_clusters`). A bad line or file is one Problem
naming it and the rest still load; a cluster without an output is reported by the runner, never silently
skipped; an output for a cluster the corpus does not have fails the system, naming the cluster, since it
usually means the ids of the two sides do not match.
"""

from __future__ import annotations

import codecs
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from summarize.base import Summarizer, Summary, SystemType
from summarize.corpus import DEFAULT_MAX_CHARS, Problem, read_text
from summarize.errors import ConfigError, InputError

_SHOWN = 10  # ids named in one message before "and N more"


class OutputsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(
        min_length=1,
        description='a JSONL file of {"cluster": id, "summary": text} lines, or a folder of <cluster id>.txt',
    )
    encoding: str = Field("utf-8", description="of the file or files (a byte-order mark wins)")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


@dataclass(frozen=True)
class Output:
    cluster: str
    text: str
    where: str  # file:line or the file, for messages


@dataclass
class Loaded:
    form: Literal["jsonl", "folder"]
    outputs: dict[str, Output]
    problems: list[tuple[str, str]]  # (cluster or "-", message naming the line or file)


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


# corpus.max_chars limits each document, so each summary in a JSONL file of outputs, never the file: a file
# of 3,000 summaries is 2.4 MB (issue 20). The file as a whole is read at once, so it has a bound of its own.
MAX_FILE_CHARS = 256_000_000
_FILE_OPTIONS = ("encoding", "an outputs file's limit")


def _jsonl_record(record: Any, where: str) -> tuple[str, str]:
    """(cluster, summary) of one parsed line; InputError naming the line otherwise."""
    expected = 'expected {"cluster": "<cluster id>", "summary": "<text>"}'
    if not isinstance(record, dict):
        raise InputError(f"{where}: {expected}, got {type(record).__name__}")
    unknown = sorted(set(record) - {"cluster", "summary"})
    if unknown:
        raise InputError(f"{where}: unknown keys {unknown}; {expected}")
    cluster, summary = record.get("cluster"), record.get("summary")
    if isinstance(cluster, bool) or not isinstance(cluster, (str, int)) or not str(cluster).strip():
        raise InputError(f"{where}: 'cluster' must be a non-empty id; {expected}")
    if not isinstance(summary, str):
        raise InputError(f"{where}: 'summary' must be text, got {type(summary).__name__}")
    if len(summary) > DEFAULT_MAX_CHARS:
        raise InputError(
            f"{where}: a summary of {len(summary):,} characters, longer than a document may be "
            f"({DEFAULT_MAX_CHARS:,} characters)"
        )
    return unicodedata.normalize("NFC", str(cluster)), summary


def load_jsonl(path: Path, encoding: str = "utf-8") -> Loaded:
    """Every good line of a JSONL file of outputs; one problem per bad line, with its number."""
    loaded = Loaded("jsonl", {}, [])
    text = read_text(path, encoding, MAX_FILE_CHARS, _FILE_OPTIONS)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                # "Unterminated string starting at" ends in "at" already.
                message = exc.msg.removesuffix(" at")
                raise InputError(f"{where}: invalid JSON ({message} at column {exc.colno})") from None
            cluster, summary = _jsonl_record(record, where)
        except InputError as exc:
            loaded.problems.append(("-", str(exc)))
            continue
        first = loaded.outputs.get(cluster)
        if first is not None:
            loaded.problems.append(
                (cluster, f"{where}: cluster {cluster!r} again (first at {first.where}); the first is kept")
            )
            continue
        loaded.outputs[cluster] = Output(cluster, summary, where)
    if not loaded.outputs and not loaded.problems:
        raise InputError(f"{path}: no output lines")
    return loaded


def load_folder(folder: Path, encoding: str = "utf-8") -> Loaded:
    """Every readable `<cluster id>.txt` in `folder`; one problem per file that is not."""
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not files:
        raise InputError(f"{folder}: no <cluster id>.txt files in the folder")
    loaded = Loaded("folder", {}, [])
    for path in files:
        try:
            text = read_text(path, encoding)
        except InputError as exc:
            loaded.problems.append((path.stem, str(exc)))
            continue
        # macOS writes file names decomposed (NFD: "cafe" + U+0301); ids are compared composed (NFC).
        cluster = unicodedata.normalize("NFC", path.stem)
        first = loaded.outputs.get(cluster)
        if first is not None:
            loaded.problems.append(
                (cluster, f"{path}: cluster {cluster!r} again (first in {first.where}); the first is kept")
            )
            continue
        loaded.outputs[cluster] = Output(cluster, text, str(path))
    return loaded


def load(path: Path, encoding: str = "utf-8") -> Loaded:
    if path.is_dir():
        return load_folder(path, encoding)
    if not path.exists():
        raise InputError(f"{path}: outputs file or folder not found")
    return load_jsonl(path, encoding)


class OutputsSummarizer:
    """Looks summaries up by cluster id; `problems` holds one entry per bad line or file."""

    def __init__(self, name: str, params: OutputsParams) -> None:
        self.name = name
        self.params = params
        self.path = Path(params.path).expanduser()
        self.problems: list[Problem] = []
        self._loaded: Loaded | None = None
        self._missing = 0

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        raise ConfigError(
            f"system {self.name!r} (type outputs) looks summaries up by cluster id: "
            "it runs in a config, not on bare texts"
        )

    def summarize_clusters(self, ids: Sequence[str], texts: Sequence[str]) -> list[Summary | None]:
        """The output of each cluster in `ids`, None where the file has none for it."""
        loaded = self._load()
        composed = [unicodedata.normalize("NFC", cid) for cid in ids]
        known = set(composed)
        unknown = [o for o in loaded.outputs.values() if o.cluster not in known]
        if unknown:
            listed = _names([f"{o.cluster!r} ({o.where})" for o in unknown])
            raise InputError(
                f"{self.path}: outputs for clusters that are not in the corpus: {listed}; "
                f"the corpus has {_names(sorted(known))}"
            )
        found = [loaded.outputs.get(cid) for cid in composed]
        self._missing = sum(o is None for o in found)
        return [None if o is None else self._summary(o) for o in found]

    def _load(self) -> Loaded:
        if self._loaded is None:
            self._loaded = load(self.path, self.params.encoding)
            self.problems = [
                Problem(cluster, self.name, f"system {self.name!r}: {message}")
                for cluster, message in self._loaded.problems
            ]
        return self._loaded

    def _summary(self, output: Output) -> Summary:
        text = output.text.replace("\r\n", "\n").replace("\r", "\n").strip()
        return Summary(text=text, system=self.name, settings={"path": str(self.path), "from": output.where})

    def run_info(self) -> dict[str, Any]:
        loaded = self._loaded
        return {
            "device": "-",
            "path": str(self.path),
            "form": loaded.form if loaded else None,
            "outputs": len(loaded.outputs) if loaded else 0,
            "bad_entries": len(loaded.problems) if loaded else 0,
            "clusters_without_output": self._missing,
        }


def _create(name: str, params: OutputsParams) -> Summarizer:
    return OutputsSummarizer(name, params)


SYSTEM_TYPES: list[SystemType] = [
    SystemType(
        name="outputs",
        kind="abstractive",
        description="summaries of a system sumtrack does not run: a JSONL file or a folder of <cluster>.txt",
        params=OutputsParams,
        factory=_create,
    )
]
