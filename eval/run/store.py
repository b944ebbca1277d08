"""Per-cluster results streamed to disk as clusters finish, and resuming an interrupted run (issue 12).

The store is one append-only JSON Lines file (`sumtrack run` keeps it beside the run folder, in
`.<folder>.clusters/`, until the folder is written). Its first line is a header holding the
run's fingerprint (its signature, or any string that changes when the numbers would); every later line is
one finished cluster: `{"cluster": id, "record": {...}}`, written in one call and flushed before `append`
returns, so a cluster reported done survives a crash or a kill of the process; the file is fsync'd at most
once a second (and on close), so a power cut loses at most the last second's clusters (an fsync per cluster
cost ~1.3 ms here: 13 s over 10,000 clusters). A line cut short by a crash is
dropped on reopening and that cluster is simply computed again.

Nothing is held in memory but the set of finished cluster ids; `records()` reads the file back lazily, so
aggregation can stream over a corpus larger than memory. Floats go through `repr` and back, exactly.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from summarize.errors import ConfigError

FILE_NAME = "clusters.jsonl"
SYNC_SECONDS = 1.0  # the longest a recorded cluster waits for its fsync
_FORMAT = "sumtrack-clusters/2"  # 2: rows in columns (eval.run.cluster_work.encode)


class ClusterStore:
    """Append-only record of finished clusters. Open with `ClusterStore.open`; use as a context manager."""

    def __init__(self, path: Path, fingerprint: str, done: set[str], *, fsync: bool = True) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.fsync = fsync
        self._done = done
        self._file = path.open("a", encoding="utf-8")
        self._synced = time.monotonic()

    @classmethod
    def open(
        cls, path: str | Path, fingerprint: str, *, resume: bool = True, fsync: bool = True
    ) -> ClusterStore:
        """Open (creating) the store at `path`. With `resume`, clusters already recorded stay done; without,
        any earlier file is replaced. A store written with another fingerprint is refused, never mixed."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        done: set[str] = set()
        if resume and path.exists() and path.stat().st_size:
            done = _recover(path, fingerprint)
        else:
            _write_header(path, fingerprint)
        return cls(path, fingerprint, done, fsync=fsync)

    def done(self) -> frozenset[str]:
        """Ids of the clusters already recorded: the ones a resumed run skips."""
        return frozenset(self._done)

    def append(self, cluster: str, record: Mapping[str, Any]) -> None:
        """Record one finished cluster durably; a cluster is recorded at most once."""
        if cluster in self._done:
            raise ValueError(f"cluster {cluster!r} is already recorded in {self.path}")
        line = json.dumps({"cluster": cluster, "record": record}, ensure_ascii=False, allow_nan=True)
        self._file.write(line + "\n")
        self._file.flush()
        if self.fsync and time.monotonic() - self._synced >= SYNC_SECONDS:
            os.fsync(self._file.fileno())
            self._synced = time.monotonic()
        self._done.add(cluster)

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every recorded cluster and its record, in the order they were written, read lazily."""
        self._file.flush()
        yield from read_records(self.path)

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
            self._file.close()

    def __enter__(self) -> ClusterStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The (cluster, record) pairs of a store file, skipping its header and a line cut short at the end."""
    with Path(path).open(encoding="utf-8") as handle:
        next(handle, None)
        for line in handle:
            if not line.endswith("\n"):
                return  # cut short by a crash: not done
            entry = json.loads(line)
            yield entry["cluster"], entry["record"]


def done_clusters(path: str | Path, fingerprint: str) -> frozenset[str]:
    """Which clusters a run folder's store already holds (empty when there is no store yet)."""
    path = Path(path)
    if not path.exists() or not path.stat().st_size:
        return frozenset()
    return frozenset(_scan(path, fingerprint)[0])


def _write_header(path: Path, fingerprint: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"format": _FORMAT, "fingerprint": fingerprint}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _scan(path: Path, fingerprint: str) -> tuple[set[str], int]:
    """Finished ids and the byte length of the intact part of the file."""
    done: set[str] = set()
    good = 0
    with path.open("rb") as handle:
        header = handle.readline()
        try:
            meta = json.loads(header)
        except json.JSONDecodeError:
            meta = None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise ConfigError(
                f"{path}: not a sumtrack cluster store; move it away or choose another output.dir"
            )
        if meta.get("fingerprint") != fingerprint:
            raise ConfigError(
                f"{path}: holds results made with other settings ({meta.get('fingerprint')}); "
                "delete it to start over, or choose another output.dir"
            )
        good = len(header)
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["cluster"])
            except (json.JSONDecodeError, KeyError, TypeError):
                break  # a torn write: everything after it is recomputed
            good += len(line)
    return done, good


def _recover(path: Path, fingerprint: str) -> set[str]:
    done, good = _scan(path, fingerprint)
    if good < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good)
    return done
