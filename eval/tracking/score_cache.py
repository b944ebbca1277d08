"""On-disk cache of model-based faithfulness scores (likelihood, NLI, judge), so a rerun scores nothing.

The same SQLite store as the summaries (summarize/gen_cache.py, WAL mode, one transaction per write), so
one `cache_dir` holds everything a run generated or scored. Keys are sha256 digests of the scorer's kind,
its model identity (a content hash, hub commit or package version), every setting that shapes the number
and the hashes of the source and the text: a changed model, setting or text never reuses an old score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from summarize.gen_cache import SummaryCache, make_key


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ScoreCache:
    """key parts + (source, text) -> a JSON-able result; `directory` None: $SUMTRACK_CACHE_DIR or ~/.cache."""

    def __init__(self, kind: str, directory: str | None = None) -> None:
        self.kind = kind
        self._store = SummaryCache(directory)

    def key(self, parts: Mapping[str, Any], source: str, text: str) -> str:
        return make_key({**parts, "kind": self.kind, "source_sha256": text_hash(source)}, text)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: entry.meta for key, entry in self._store.get_many(keys).items()}

    def put_many(self, items: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        self._store.put_many((key, "", value) for key, value in items)

    def close(self) -> None:
        self._store.close()
