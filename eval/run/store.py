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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from summarize.errors import ConfigError

FILE_NAME = "clusters.jsonl"
SYNC_SECONDS = 1.0  # the longest a recorded cluster waits for its fsync
_FORMAT = "sumtrack-clusters/2"  # 2: rows in columns (eval.run.cluster_work.encode)


# Checks one recorded cluster (eval.run.cluster_work.decode, raising on a record it cannot read).
Check = Callable[[str, dict[str, Any]], object]


class ClusterStore:
    """Append-only record of finished clusters. Open with `ClusterStore.open`; use as a context manager.

    `dropped` says, in one line naming the file, where a line that is not a cluster record (garbage, not
    UTF-8, no `record`, nested past any record) cut the store on opening: it and the lines after it are
    dropped and those clusters scored again, so the store is rebuilt as the run goes (issue 20)."""

    def __init__(
        self, path: Path, fingerprint: str, done: set[str], *, fsync: bool = True, dropped: str | None = None
    ) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.fsync = fsync
        self.dropped = dropped
        self._done = done
        self._file = path.open("a", encoding="utf-8")
        self._synced = time.monotonic()

    @classmethod
    def open(
        cls,
        path: str | Path,
        fingerprint: str,
        *,
        resume: bool = True,
        fsync: bool = True,
        check: Check | None = None,
    ) -> ClusterStore:
        """Open (creating) the store at `path`. With `resume`, clusters already recorded stay done; without,
        any earlier file is replaced. A store written with another fingerprint is refused, never mixed.
        `check` reads each recorded cluster back on opening: the first it cannot read ends the store."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        done: set[str] = set()
        dropped = None
        if resume and path.exists() and path.stat().st_size:
            done, dropped = _recover(path, fingerprint, check)
        else:
            _write_header(path, fingerprint)
        return cls(path, fingerprint, done, fsync=fsync, dropped=dropped)

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
    return frozenset(_scan(path, fingerprint, None)[0])


def _write_header(path: Path, fingerprint: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"format": _FORMAT, "fingerprint": fingerprint}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _entry(line: bytes, check: Check | None) -> str:
    """The cluster id of one store line; raises ValueError saying why it is not a cluster record."""
    try:
        entry = json.loads(line)
    except RecursionError:
        raise ValueError("nested too deeply to be a record") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(entry, dict) or not isinstance(entry.get("cluster"), str):
        raise ValueError("no 'cluster' id")
    record = entry.get("record")
    if not isinstance(record, dict) or not record:
        raise ValueError("no 'record'" if record is None else "an empty or malformed 'record'")
    if check is not None:
        try:
            check(entry["cluster"], record)
        except RecursionError:
            raise ValueError("nested too deeply to be a record") from None
        except Exception as exc:  # any record decode cannot read: a damaged or foreign line
            raise ValueError(f"a record that cannot be read ({type(exc).__name__})") from None
    return entry["cluster"]


def _scan(path: Path, fingerprint: str, check: Check | None) -> tuple[set[str], int, str | None]:
    """Finished ids, the byte length of the intact part of the file, and why it ends there (None: it is
    intact, or only its last line was cut short by a crash)."""
    done: set[str] = set()
    good = 0
    with path.open("rb") as handle:
        header = handle.readline()
        try:
            meta = json.loads(header)
        except (ValueError, RecursionError):
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
        for number, line in enumerate(handle, 2):
            if not line.endswith(b"\n"):
                break  # cut short by a crash: that cluster is simply computed again
            try:
                done.add(_entry(line, check))
            except ValueError as exc:
                why = (
                    f"{path}: line {number} is not a cluster record ({exc}); the store was cut there and "
                    "the clusters from there on are scored again"
                )
                return done, good, why
            good += len(line)
    return done, good, None


def _recover(path: Path, fingerprint: str, check: Check | None) -> tuple[set[str], str | None]:
    done, good, why = _scan(path, fingerprint, check)
    if good < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good)
    return done, why
