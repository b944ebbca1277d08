"""On-disk cache of generated summaries, so re-running a config regenerates nothing (issue 3).

SQLite in WAL mode: every write is one transaction, so a crash mid-write leaves the previous state,
never a torn row, and an interrupted run resumes from the last batch it finished. Keys are sha256
digests of a canonical JSON of everything that shapes the output (model identity, generation settings,
long-input policy, prefix, input limit, dtype, input text); values keep the text and the facts a Summary
reports (tokens seen, truncation, chunks, generated tokens) so a cached summary is reported as honestly
as a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from summarize.errors import ConfigError

FILENAME = "summaries.sqlite"
T = TypeVar("T")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    meta TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def default_dir() -> Path:
    return Path(os.environ.get("SUMTRACK_CACHE_DIR") or Path.home() / ".cache" / "sumtrack")


def make_key(parts: Mapping[str, Any], text: str) -> str:
    """One digest for the settings in `parts` and the input `text` (hashed, never stored)."""
    payload = dict(parts, input_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    text: str
    meta: dict[str, Any]


_COLUMNS = ("key", "text", "meta", "created")


class SummaryCache:
    """A key -> (text, metadata) store in one SQLite file under `directory`.

    A row that cannot be read back (its metadata not JSON, its text not a string: a damaged or foreign
    file) is skipped, so that summary is made again and stored over it; `problems` says so in one line
    naming the file (issue 20)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        folder = Path(directory).expanduser() if directory is not None else default_dir()
        self.path = folder / FILENAME
        self.problems: list[str] = []
        self._skipped = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(summaries)")]
        except (OSError, sqlite3.DatabaseError) as exc:
            raise ConfigError(
                f"summary cache {str(self.path)!r} cannot be used ({exc}); "
                "set cache_dir to another folder, delete the file, or set cache: false"
            ) from exc
        missing = [c for c in _COLUMNS if c not in columns]
        if missing:
            self._db.close()
            raise ConfigError(
                f"summary cache {str(self.path)!r} cannot be used (its table has no column "
                f"{', '.join(missing)}: not a sumtrack cache); set cache_dir to another folder, delete the "
                "file, or set cache: false"
            )

    def _skip(self, reason: str) -> None:
        self._skipped += 1
        line = (
            f"summary cache {str(self.path)!r}: {self._skipped} unreadable row(s) ({reason}) skipped; "
            "those summaries were made again and stored over them"
        )
        self.problems[:] = [line]

    def _entry(self, text: Any, meta: Any) -> Entry | None:
        if not isinstance(text, str):
            self._skip("the text is not a string")
            return None
        try:
            data = json.loads(meta)
        except (TypeError, ValueError, RecursionError):
            self._skip("the metadata is not JSON")
            return None
        if not isinstance(data, dict):
            self._skip("the metadata is not a JSON object")
            return None
        return Entry(text, data)

    def get_many(self, keys: Iterable[str]) -> dict[str, Entry]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Entry] = {}
        # SQLite caps bound parameters per statement; 500 is well under every build's limit.
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT key, text, meta FROM summaries WHERE key IN ({marks})", part)
            for key, text, meta in rows:
                entry = self._entry(text, meta)
                if entry is not None:
                    found[key] = entry
        return found

    def build(self, entry: Entry, make: Callable[[str, dict[str, Any]], T]) -> T | None:
        """`make(text, meta)` (a Generated, a Reply) for a row read back; None, the row skipped and
        reported, when its metadata does not fit (`make` raises TypeError, ValueError or KeyError)."""
        try:
            return make(entry.text, entry.meta)
        except (TypeError, ValueError, KeyError):
            self._skip("its metadata does not fit")
            return None

    def put_many(self, items: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
        """Store (key, text, metadata) rows in one transaction: all of them or none."""
        now = time.time()
        rows = [(key, text, json.dumps(dict(meta), sort_keys=True), now) for key, text, meta in items]
        if not rows:
            return
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0])

    def close(self) -> None:
        self._db.close()
