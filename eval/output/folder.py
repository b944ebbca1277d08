"""The run folder: written beside the old one, swapped in only once complete, with what a
killed run left swept."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from eval.output.csv_files import SIGNATURE_FILE, signature_text
from eval.output.files import _write
from eval.output.meta_files import write_meta
from eval.output.writers import Part, all_writers, get, resolved_config
from eval.results import ClusterScores
from summarize.errors import SumtrackError

if TYPE_CHECKING:
    from eval.config import LoadedConfig
    from eval.run.result import RunResult


class RunFolderError(SumtrackError):
    """The run folder could not be written; the previous run there, if any, is as it was."""


class ForeignFolderError(RunFolderError):
    """The run folder holds files sumtrack did not write: it is never replaced (issue 20)."""


# The marker sumtrack writes into every run folder, listing the files it wrote there: a folder is
# sumtrack's to replace only when it holds nothing else (or is empty).
MARKER = ".sumtrack-run"
_MARKER_FORMAT = "sumtrack-run/1"
# Run folders of versions before the marker: one of these, and only sumtrack's own file names.
_RUN_MARKERS = ("results.json", "config.resolved.yaml")


class RunFolder:
    """A run folder written while the run goes: each cluster's rows go to its files as the cluster
    finishes (eval.run.runner.Runner's `sink`), so a run of any size holds none of them in memory.

    The folder is all old or all new: the files grow in a temporary folder beside it, which replaces the old
    folder only in `commit`, once every file is written (old renamed aside, new renamed in, old deleted). A
    failure (a full disk, a read-only place) is kept until `commit`, which then removes the temporary folder,
    leaves the old run intact and raises RunFolderError saying so; the run itself goes on meanwhile.
    """

    def __init__(self, loaded: LoadedConfig, out_dir: Path, formats: Sequence[str] | None = None) -> None:
        chosen = loaded.config.output.formats if formats is None else formats
        self.writers = [get(name) for name in chosen]  # unknown names fail before anything is written
        self.loaded = loaded
        if "\0" in str(out_dir):
            raise RunFolderError(
                f"cannot write the run folder {str(out_dir)!r}: a path holds no NUL character"
            )
        self.out_dir = Path(os.path.abspath(out_dir))
        _check_replaceable(self.out_dir)
        _sweep(self.out_dir)
        self.kept = "; the previous run there is intact" if self.out_dir.exists() else ""
        tag = f"{os.getpid()}-{time.time_ns()}-{_HOST}"
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.new-{tag}")
        self.aside = self.out_dir.with_name(f".{self.out_dir.name}.old-{tag}")
        self.parts: list[Part] = []
        self.failure: OSError | None = None
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir()
        except (FileExistsError, NotADirectoryError) as exc:
            blocker = next((p for p in self.out_dir.parents if p.is_file()), None)
            if blocker is None:
                raise self._error(exc) from None
            raise self._error(OSError(f"{blocker} is a file, not a folder")) from None
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> RunFolderError:
        self._abandon()
        return RunFolderError(f"cannot write the run folder {self.out_dir}: {exc.strerror or exc}{self.kept}")

    def _abandon(self) -> None:
        """Close every file (a full disk makes closing fail too: ignored) and remove the temporary folder,
        giving its space back at once."""
        for part in self.parts:
            with contextlib.suppress(OSError):
                part.close()
        shutil.rmtree(self.staging, ignore_errors=True)

    def start(self, result: RunResult) -> None:
        """Open every writer's files."""
        try:
            self.parts = [w.open(self.staging, result) for w in self.writers]
        except OSError as exc:
            self.failure = exc

    def add(self, scores: ClusterScores) -> None:
        if self.failure is not None:
            return
        try:
            for part in self.parts:
                part.add(scores)
        except OSError as exc:  # the run goes on (its clusters are kept for a resume); commit reports it
            self.failure = exc
            self._abandon()

    def commit(self, result: RunResult) -> list[Path]:
        """Write what needs the whole run and put the folder in place; returns the paths written."""
        try:
            if self.failure is not None:
                raise self.failure
            _write(self.staging / "config.resolved.yaml", resolved_config(result, self.loaded, self.out_dir))
            write_meta(self.staging, result)
            _write(self.staging / SIGNATURE_FILE, signature_text(result.signature))
            for part in self.parts:
                part.finish(result, self.loaded)
            names = sorted(p.name for p in self.staging.iterdir())
            _write(self.staging / MARKER, _marker_text(names))
            # Checked again: files put into the folder while the run went are not deleted either.
            _check_replaceable(self.out_dir)
            if self.out_dir.exists():
                os.rename(self.out_dir, self.aside)
            try:
                os.rename(self.staging, self.out_dir)
            except OSError:
                if self.aside.exists():
                    os.rename(self.aside, self.out_dir)
                raise
        except OSError as exc:
            raise self._error(exc) from None
        except RunFolderError:
            self._abandon()
            raise
        shutil.rmtree(self.aside, ignore_errors=True)
        return [self.out_dir / name for name in names]

    def discard(self) -> None:
        """Give up: remove the temporary folder (the old run stays)."""
        self._abandon()


_HOST = socket.gethostname().replace("-", "_") or "host"


def _sweep(out_dir: Path) -> None:
    """Clean up after runs of this folder that were killed (SIGKILL, a crash) on this machine: their
    temporary folders (`.NAME.new-PID-...`) are removed; an old run set aside (`.NAME.old-PID-...`) in the
    instant between `commit`'s two renames is put back when no run folder took its place. Folders of a
    process still running, or of another machine, are left alone."""
    prefix = f".{out_dir.name}."
    try:
        leftovers = [
            path for kind in ("new", "old") for path in out_dir.parent.glob(f"{glob.escape(prefix)}{kind}-*")
        ]
    except OSError:
        return
    for path in sorted(leftovers):
        kind, _, tag = path.name.removeprefix(prefix).partition("-")
        pid, _, rest = tag.partition("-")
        if not pid.isdigit() or not rest.endswith(f"-{_HOST}"):
            continue
        if _running(int(pid)):
            continue
        with contextlib.suppress(OSError):
            if kind == "old" and not out_dir.exists():
                os.rename(path, out_dir)
            else:
                shutil.rmtree(path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: not ours to judge
    return True


def write_run(
    result: RunResult, loaded: LoadedConfig, out_dir: Path, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write config.resolved.yaml and the files of each chosen format (default: the config's
    output.formats) for a finished run whose results table holds every cluster; returns the paths written.
    All old or all new, as `RunFolder`; raises RunFolderError when the folder cannot be written."""
    if not result.results.complete:
        raise ValueError(
            "write_run: this run's table keeps only its first clusters (it was streamed to a RunFolder)"
        )
    folder = RunFolder(loaded, out_dir, formats)
    folder.start(result)
    for scores in result.results.cluster_scores():
        folder.add(scores)
    return folder.commit(result)


def _marker_text(names: Sequence[str]) -> str:
    from summarize import __version__

    return (
        json.dumps({"format": _MARKER_FORMAT, "sumtrack": __version__, "files": list(names)}, indent=1) + "\n"
    )


def _known_names() -> set[str]:
    """Every file name a run folder of sumtrack holds (what the writers write)."""
    return {
        "config.resolved.yaml",
        SIGNATURE_FILE,
        "meta.csv",
        "meta.json",
        *(name for w in all_writers() for name in w.files),
    }


def _marked(folder: Path) -> set[str] | None:
    """The files the folder's marker says sumtrack wrote; None without a readable marker."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _MARKER_FORMAT else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _foreign(folder: Path, entries: Sequence[str]) -> list[str]:
    """The entries of a folder sumtrack did not write: all but the files its marker lists, or, in a run
    folder of a version before the marker (results.json or config.resolved.yaml there), all but sumtrack's
    own file names. Only plain files count as sumtrack's: a folder or a link of the same name does not."""
    owned = _marked(folder) if MARKER in entries else None
    if owned is None:
        owned = _known_names() if any(m in entries for m in _RUN_MARKERS) else set()
    owned.add(MARKER)
    return [
        name
        for name in entries
        if name not in owned or (folder / name).is_symlink() or not (folder / name).is_file()
    ]


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace anything but a folder sumtrack wrote (or an empty folder): `--out ~`, or a folder
    of one's own papers, must never be moved aside and deleted (issue 20)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise RunFolderError(f"cannot write the run folder {out_dir}: it is a file, not a folder")
    try:
        entries = sorted(os.listdir(out_dir))
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {out_dir}: {exc.strerror or exc}") from None
    foreign = _foreign(out_dir, entries)
    if foreign:
        shown = ", ".join(repr(n) if not n.isprintable() else n for n in foreign[:5])
        more = ", ..." if len(foreign) > 5 else ""
        raise ForeignFolderError(
            f"{out_dir} holds files sumtrack did not write ({shown}{more}); "
            "choose another --out or output.dir"
        )
