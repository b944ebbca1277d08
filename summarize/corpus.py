"""Documents and clusters, and reading them safely from disk.

A cluster is one source, the texts derived from it, and optional human reference summaries. Reading a
file never guesses silently: a missing, special (FIFO, device), empty, binary, undecodable or too long
file raises InputError naming the file and what was found, and the codec each file was read with (given,
from its byte-order mark, or detected) is kept on its Document. The reading itself is summarize/reading.py.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from summarize.errors import InputError
from summarize.reading import (
    AUTO,
    CONFIG_OPTIONS,
    DEFAULT_MAX_CHARS,
    Decoded,
    Options,
    decode,
    expand_path,
    read_decoded,
    read_text,
    resolve,
)

# Re-exported: callers read files through the corpus module.
__all__ = [
    "AUTO",
    "DEFAULT_MAX_CHARS",
    "Cluster",
    "Decoded",
    "DocRef",
    "Document",
    "LoadedCorpus",
    "Problem",
    "decode",
    "doc_id",
    "expand_path",
    "load_cluster",
    "load_jsonl",
    "read_decoded",
    "read_text",
    "repeated",
    "resolve",
]

Role = Literal["source", "derivative", "reference"]


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    role: Role
    path: Path | None = None
    encoding: str | None = None  # the codec a file was read with (None: inline text)


@dataclass(frozen=True)
class Cluster:
    id: str
    source: Document
    derivatives: tuple[Document, ...] = ()
    references: tuple[Document, ...] = ()

    def documents(self) -> Iterator[Document]:
        yield self.source
        yield from self.derivatives
        yield from self.references


@dataclass(frozen=True)
class Problem:
    """A document that could not be used, and why; the rest of the run goes on without it."""

    cluster: str
    document: str
    message: str


@dataclass
class LoadedCorpus:
    clusters: list[Cluster] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def doc_id(path: Path) -> str:
    """A file's id: its name without the extension, composed (NFC): macOS writes names decomposed (NFD),
    and `café.txt` must be the id `café` as typed (issue 20)."""
    return unicodedata.normalize("NFC", path.stem)


def repeated(ids: Sequence[str]) -> list[str]:
    """The ids that occur more than once, sorted (rows are matched by id, so ids must be unique)."""
    counts = Counter(ids)
    return sorted(i for i, n in counts.items() if n > 1)


def _inline(
    doc_id_: str, text: str, role: Role, where: str, max_chars: int, names: Options = CONFIG_OPTIONS
) -> Document:
    if len(text) > max_chars:
        raise InputError(
            f"{where}: {len(text):,} characters, longer than {names[1]} ({max_chars:,} characters)"
        )
    return Document(doc_id_, text, role)


def _from_file(
    doc_id_: str, path: Path, role: Role, encoding: str, max_chars: int, names: Options = CONFIG_OPTIONS
) -> Document:
    decoded = read_decoded(path, encoding, max_chars, names)
    return Document(doc_id_, decoded.text, role, path, decoded.codec)


def _jsonl_doc(
    value: Any, role: Role, base: Path, where: str, default_id: str, encoding: str, max_chars: int
) -> Document:
    if isinstance(value, str):
        return _inline(default_id, value, role, where, max_chars)
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: expected text or an object with 'text' or 'path', got {type(value).__name__}"
        )
    unknown = set(value) - {"id", "text", "path"}
    if unknown or ("text" in value) == ("path" in value):
        raise InputError(f"{where}: an object needs exactly one of 'text' or 'path' (and optional 'id')")
    if "path" in value:
        path = resolve(base / expand_path(str(value["path"])))
        return _from_file(str(value.get("id") or doc_id(path)), path, role, encoding, max_chars)
    return _inline(str(value.get("id") or default_id), str(value["text"]), role, where, max_chars)


def load_jsonl(path: Path, encoding: str = AUTO, max_chars: int = DEFAULT_MAX_CHARS) -> LoadedCorpus:
    """One cluster per line: {"id", "source", "derivatives": [...], "references": [...]}.

    Each text is either inline (a string, or {"text": ..., "id": ...}) or a file ({"path": ..., "id": ...},
    relative to the JSONL file). A bad line or document is a Problem; the other clusters still load.
    `max_chars` limits each document, not the JSONL file.
    """
    out = LoadedCorpus()
    base = path.parent
    for number, line in enumerate(read_text(path, encoding, sys.maxsize).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.problems.append(Problem(f"line {number}", "-", f"{where}: invalid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict) or "source" not in record:
            out.problems.append(
                Problem(f"line {number}", "-", f"{where}: expected an object with a 'source'")
            )
            continue
        unknown = set(record) - {"id", "source", "derivatives", "references"}
        cid = str(record.get("id") or f"cluster{number}")
        if unknown:
            out.problems.append(Problem(cid, "-", f"{where}: unknown keys {sorted(unknown)}"))
            continue
        try:
            source = _jsonl_doc(record["source"], "source", base, where, "source", encoding, max_chars)
        except InputError as exc:
            out.problems.append(Problem(cid, "source", str(exc)))
            continue
        groups: dict[str, list[Document]] = {"derivatives": [], "references": []}
        roles: tuple[tuple[str, Role, str], ...] = (
            ("derivatives", "derivative", "d"),
            ("references", "reference", "r"),
        )
        for key, role, prefix in roles:
            items = record.get(key) or []
            if not isinstance(items, list):
                out.problems.append(Problem(cid, key, f"{where}: '{key}' must be a list"))
                continue
            for k, item in enumerate(items, 1):
                at = f"{where} {key}[{k - 1}]"
                try:
                    groups[key].append(_jsonl_doc(item, role, base, at, f"{prefix}{k}", encoding, max_chars))
                except InputError as exc:
                    out.problems.append(Problem(cid, f"{key}[{k - 1}]", str(exc)))
        out.clusters.append(Cluster(cid, source, tuple(groups["derivatives"]), tuple(groups["references"])))
    return out


@dataclass(frozen=True)
class DocRef:
    """Where a document comes from: a file, or inline text."""

    id: str
    path: Path | None = None
    text: str | None = None

    def read(
        self,
        role: Role,
        encoding: str = AUTO,
        max_chars: int = DEFAULT_MAX_CHARS,
        names: Options = CONFIG_OPTIONS,
    ) -> Document:
        """The document's text; `names` are what refusals call the codec and length settings (the config's
        keys, or a command's options)."""
        if self.path is not None:
            return _from_file(self.id, self.path, role, encoding, max_chars, names)
        if not (self.text or "").strip():
            raise InputError(f"document {self.id!r}: inline text is empty")
        return _inline(self.id, self.text or "", role, f"document {self.id!r}", max_chars, names)


def load_cluster(
    cid: str,
    source: DocRef,
    derivatives: Sequence[DocRef] = (),
    references: Sequence[DocRef] = (),
    encoding: str = AUTO,
    max_chars: int = DEFAULT_MAX_CHARS,
    names: Options = CONFIG_OPTIONS,
) -> tuple[Cluster | None, list[Problem]]:
    """Read a cluster's files. A bad derivative or reference is left out; a bad source loses the cluster.
    `names`: what refusals call the codec and length settings."""
    problems: list[Problem] = []
    try:
        src = source.read("source", encoding, max_chars, names)
    except InputError as exc:
        return None, [Problem(cid, source.id, str(exc))]
    kept: dict[str, list[Document]] = {"derivative": [], "reference": []}
    for role, refs in (("derivative", derivatives), ("reference", references)):
        for ref in refs:
            try:
                kept[role].append(ref.read(role, encoding, max_chars, names))  # type: ignore[arg-type]
            except InputError as exc:
                problems.append(Problem(cid, ref.id, str(exc)))
    return Cluster(cid, src, tuple(kept["derivative"]), tuple(kept["reference"])), problems
