"""Documents and clusters, and reading them safely from disk.

A cluster is one source, the texts derived from it, and optional human reference summaries. Reading a
file never guesses silently: a missing, empty, binary or undecodable file raises InputError naming the
file and what was found.
"""

from __future__ import annotations

import codecs
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from summarize.errors import InputError

Role = Literal["source", "derivative", "reference"]


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    role: Role
    path: Path | None = None


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


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) * 0.1


def decode(data: bytes, where: str, encoding: str = "utf-8") -> str:
    """Decode file bytes: a BOM wins, then `encoding`; failures say what was found."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{where}: starts with a {name} byte-order mark but is not valid {name}: "
                    f"{exc.reason} at offset {exc.start}"
                ) from None
    if _looks_binary(data):
        raise InputError(f"{where}: looks like a binary file, not text (NUL or control bytes found)")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        guess = ""
        try:
            data.decode("cp1252")
            guess = (
                "; it decodes as cp1252 (Windows Latin-1): set corpus.encoding: cp1252 or re-save as UTF-8"
            )
        except UnicodeDecodeError:
            pass
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise InputError(
            f"{where}: not valid {encoding}: byte(s) {bad} at offset {exc.start}{guess}"
        ) from None
    except LookupError:
        raise InputError(f"{where}: unknown encoding {encoding!r}") from None


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a text file, refusing missing, unreadable, binary, undecodable and empty files."""
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a folder, expected a text file") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    text = decode(data, where, encoding)
    if not text.strip():
        raise InputError(f"{where}: file is empty")
    return text


def doc_id(path: Path) -> str:
    return path.stem


def repeated(ids: Sequence[str]) -> list[str]:
    """The ids that occur more than once, sorted (rows are matched by id, so ids must be unique)."""
    counts = Counter(ids)
    return sorted(i for i, n in counts.items() if n > 1)


def _jsonl_doc(value: Any, role: Role, base: Path, where: str, default_id: str, encoding: str) -> Document:
    if isinstance(value, str):
        return Document(default_id, value, role)
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: expected text or an object with 'text' or 'path', got {type(value).__name__}"
        )
    unknown = set(value) - {"id", "text", "path"}
    if unknown or ("text" in value) == ("path" in value):
        raise InputError(f"{where}: an object needs exactly one of 'text' or 'path' (and optional 'id')")
    if "path" in value:
        path = (base / value["path"]).resolve()
        return Document(str(value.get("id") or doc_id(path)), read_text(path, encoding), role, path)
    return Document(str(value.get("id") or default_id), value["text"], role)


def load_jsonl(path: Path, encoding: str = "utf-8") -> LoadedCorpus:
    """One cluster per line: {"id", "source", "derivatives": [...], "references": [...]}.

    Each text is either inline (a string, or {"text": ..., "id": ...}) or a file ({"path": ..., "id": ...},
    relative to the JSONL file). A bad line or document is a Problem; the other clusters still load.
    """
    out = LoadedCorpus()
    base = path.parent
    for number, line in enumerate(read_text(path, encoding).splitlines(), 1):
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
            source = _jsonl_doc(record["source"], "source", base, where, "source", encoding)
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
                try:
                    groups[key].append(
                        _jsonl_doc(
                            item,
                            role,
                            base,
                            f"{where} {key}[{k - 1}]",
                            f"{prefix}{k}",
                            encoding,
                        )
                    )
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

    def read(self, role: Role, encoding: str = "utf-8") -> Document:
        if self.path is not None:
            return Document(self.id, read_text(self.path, encoding), role, self.path)
        if not (self.text or "").strip():
            raise InputError(f"document {self.id!r}: inline text is empty")
        return Document(self.id, self.text or "", role)


def load_cluster(
    cid: str,
    source: DocRef,
    derivatives: Sequence[DocRef] = (),
    references: Sequence[DocRef] = (),
    encoding: str = "utf-8",
) -> tuple[Cluster | None, list[Problem]]:
    """Read a cluster's files. A bad derivative or reference is left out; a bad source loses the cluster."""
    problems: list[Problem] = []
    try:
        src = source.read("source", encoding)
    except InputError as exc:
        return None, [Problem(cid, source.id, str(exc))]
    kept: dict[str, list[Document]] = {"derivative": [], "reference": []}
    for role, refs in (("derivative", derivatives), ("reference", references)):
        for ref in refs:
            try:
                kept[role].append(ref.read(role, encoding))  # type: ignore[arg-type]
            except InputError as exc:
                problems.append(Problem(cid, ref.id, str(exc)))
    return Cluster(cid, src, tuple(kept["derivative"]), tuple(kept["reference"])), problems
