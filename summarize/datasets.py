"""Corpora from Hugging Face `datasets`: one row per cluster, named columns for each role.

`path` is a hub dataset id, a folder written by `save_to_disk`, or a data file (.parquet, .json/.jsonl,
.csv: the loader is picked by the extension). A reference or derivative column holds one text per row or a
list of texts; an output column holds one existing system's summary per row, returned as
`outputs[column][cluster id]` for the runner to turn into a system named after the column.

`datasets` is imported on first use. Offline (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE set, or the hub not
reachable within a few seconds) a hub dataset is read from the local cache only: a missing one fails at once
with one line saying how to make it available, instead of retrying the network for half a minute.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from summarize.corpus import Cluster, Document, LoadedCorpus, Problem, Role
from summarize.errors import ConfigError, InputError, did_you_mean

FILE_BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}
_TRUE = {"1", "true", "yes", "on"}
_WHERE = "corpus.dataset"


@dataclass(frozen=True)
class DatasetOptions:
    """What to read and which columns mean what (the `corpus.dataset` config section, paths resolved)."""

    path: str
    source_column: str
    id_column: str | None = None
    name: str | None = None
    split: str | None = None
    revision: str | None = None
    reference_columns: tuple[str, ...] = ()
    derivative_columns: tuple[str, ...] = ()
    output_columns: tuple[str, ...] = ()
    limit: int | None = None
    shuffle_seed: int | None = None
    cache_dir: str | None = None  # where `datasets` keeps its Arrow cache (default: its own, ~/.cache)


@dataclass
class DatasetCorpus(LoadedCorpus):
    """Clusters and problems as from any corpus, plus existing outputs: system (column) -> cluster -> text."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetRow:
    """One row read: its cluster (None when the source is unusable), its outputs and what was wrong."""

    cluster: Cluster | None
    outputs: dict[str, str]
    problems: tuple[Problem, ...]


def load_dataset_corpus(options: DatasetOptions) -> DatasetCorpus:
    """Every row of the dataset as clusters, with existing outputs gathered per column."""
    out = DatasetCorpus(outputs={c: {} for c in options.output_columns})
    for row in iter_dataset(options):
        out.problems += row.problems
        if row.cluster is None:
            continue
        out.clusters.append(row.cluster)
        for column, text in row.outputs.items():
            out.outputs[column][row.cluster.id] = text
    return out


def iter_dataset(options: DatasetOptions, *, batch_size: int = 1000) -> Iterator[DatasetRow]:
    """Rows one at a time, read in Arrow batches, so a large corpus need not sit in memory as Python text.

    Raises ConfigError for a missing column or a repeated id (naming both rows), InputError when the
    dataset cannot be opened.
    """
    dataset = open_dataset(options)
    check_columns(options, list(dataset.column_names))
    if len(dataset) == 0:
        raise InputError(f"{_WHERE}.path: {options.path} has no rows")
    if options.shuffle_seed is not None:
        dataset = dataset.shuffle(seed=options.shuffle_seed)
    if options.limit is not None:
        dataset = dataset.select(range(min(options.limit, len(dataset))))
    columns = list(
        dict.fromkeys(
            c
            for c in (
                options.id_column,
                options.source_column,
                *options.reference_columns,
                *options.derivative_columns,
                *options.output_columns,
            )
            if c
        )
    )
    seen: dict[str, int] = {}
    number = 0
    with _quiet():
        batches = dataset.select_columns(columns).iter(batch_size=batch_size)
        for batch in batches:
            for k in range(len(batch[options.source_column])):
                record = {c: batch[c][k] for c in columns}
                row = _row(options, record, number)
                if row.cluster is not None:
                    cid = row.cluster.id
                    if cid in seen:
                        raise ConfigError(
                            f"{_WHERE}.id_column: id {cid!r} appears in rows {seen[cid]} and {number}; "
                            "ids must be unique"
                        )
                    seen[cid] = number
                number += 1
                yield row


def check_columns(options: DatasetOptions, available: Sequence[str]) -> None:
    """Every named column exists; a typo gets the closest real column."""
    named: list[tuple[str, str]] = [("source_column", options.source_column)]
    if options.id_column:
        named.append(("id_column", options.id_column))
    for key in ("reference_columns", "derivative_columns", "output_columns"):
        named += [(key, c) for c in getattr(options, key)]
    for key, column in named:
        if column not in available:
            raise ConfigError(
                f"{_WHERE}.{key}: no column {column!r} in {options.path}{did_you_mean(column, available)} "
                f"(columns: {', '.join(available)})"
            )


def open_dataset(options: DatasetOptions) -> Any:
    """The one split asked for, as a `datasets.Dataset`."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a dependency of the extra
        raise InputError(
            f"{_WHERE}: needs the 'datasets' package (pip install 'sumtrack[datasets]'): {exc}"
        ) from None
    local = Path(options.path).expanduser()
    with _quiet():
        if local.is_dir():
            return _pick_split(_from_disk(datasets, local), options)
        if local.suffix.lower() in FILE_BUILDERS:
            if not local.is_file():
                raise InputError(f"{_WHERE}.path: file {str(local)!r} not found")
            return _from_files(datasets, local, options)
        if local.exists():
            raise InputError(
                f"{_WHERE}.path: {str(local)!r} is neither a save_to_disk folder nor a data file "
                f"({', '.join(FILE_BUILDERS)})"
            )
        return _from_hub(datasets, options)


def _from_disk(datasets: Any, folder: Path) -> Any:
    try:
        return datasets.load_from_disk(str(folder))
    except FileNotFoundError as exc:
        raise InputError(
            f"{_WHERE}.path: {str(folder)!r} is a folder but not one written by save_to_disk ({exc})"
        ) from None


def _from_files(datasets: Any, file: Path, options: DatasetOptions) -> Any:
    builder = FILE_BUILDERS[file.suffix.lower()]
    try:
        loaded = datasets.load_dataset(builder, data_files=str(file), cache_dir=options.cache_dir)
    except Exception as exc:  # pyarrow and the builders raise many types for a malformed file
        if _has_no_rows(file):
            raise InputError(f"{_WHERE}.path: {str(file)!r} has no rows") from None
        raise InputError(f"{_WHERE}.path: cannot read {str(file)!r} as {builder}: {exc}") from None
    return _pick_split(loaded, options)


def _has_no_rows(file: Path) -> bool:
    """Whether a data file the builders refused is simply empty (they fail on one with odd messages)."""
    try:
        if file.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return bool(pq.read_metadata(str(file)).num_rows == 0)
        with file.open("rb") as handle:
            head = handle.read(1 << 16)
            lines = [line for line in head.splitlines() if line.strip()]
            if len(head) == 1 << 16:  # a large file is not empty
                return False
    except (OSError, ValueError, ImportError):
        return False
    if file.suffix.lower() == ".csv":
        return len(lines) <= 1  # a header alone
    return b"".join(lines).strip() in (b"", b"[]")


def _from_hub(datasets: Any, options: DatasetOptions) -> Any:
    offline = hub_offline()
    context = _offline_mode() if offline else contextlib.nullcontext()
    try:
        with context:
            loaded = datasets.load_dataset(
                options.path,
                options.name,
                revision=options.revision,
                cache_dir=options.cache_dir,
            )
    except (ConnectionError, FileNotFoundError, OSError) as exc:
        if offline:
            raise InputError(
                f"{_WHERE}.path: hub dataset {options.path!r} is not in the local cache and the hub "
                f"cannot be reached ({offline}); download it where there is a network (datasets.load_dataset"
                f"({options.path!r}).save_to_disk(FOLDER)) and set corpus.dataset.path to that folder, or "
                "copy the Hugging Face cache here"
            ) from None
        raise InputError(f"{_WHERE}.path: cannot load hub dataset {options.path!r}: {exc}") from None
    except ValueError as exc:  # an unknown config name or split
        raise ConfigError(f"{_WHERE}: {exc}") from None
    return _pick_split(loaded, options)


def _pick_split(loaded: Any, options: DatasetOptions) -> Any:
    if not hasattr(loaded, "keys"):  # already one Dataset
        return loaded
    splits = list(loaded.keys())
    split = options.split
    if split is None:
        if len(splits) == 1:
            return loaded[splits[0]]
        raise ConfigError(f"{_WHERE}.split: {options.path} has splits {', '.join(splits)}; choose one")
    if split not in splits:
        raise ConfigError(
            f"{_WHERE}.split: no split {split!r} in {options.path}{did_you_mean(split, splits)} "
            f"(splits: {', '.join(splits)})"
        )
    return loaded[split]


def hub_offline(timeout: float = 3.0) -> str | None:
    """Why the hub is out of reach (an env setting, or no connection within `timeout` s), or None."""
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(name, "").strip().lower() in _TRUE:
            return f"{name} is set"
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port} unreachable: {exc.strerror or exc}"


@contextlib.contextmanager
def _offline_mode() -> Iterator[None]:
    """`datasets` and `huggingface_hub` read the cache only, for one call (their flags are set at import)."""
    import datasets.config
    import huggingface_hub.constants

    before = (datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE)
    datasets.config.HF_HUB_OFFLINE = huggingface_hub.constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE = before


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No progress bars or log lines from `datasets` (the library never prints), restored afterwards."""
    from datasets.utils import logging as ds_logging

    was_enabled = ds_logging.is_progress_bar_enabled()
    verbosity = ds_logging.get_verbosity()
    ds_logging.disable_progress_bar()
    ds_logging.set_verbosity(ds_logging.CRITICAL)  # its "Failed to read file" lines: the error says it once
    try:
        yield
    finally:
        ds_logging.set_verbosity(verbosity)
        if was_enabled:
            ds_logging.enable_progress_bar()


def _texts(value: Any) -> list[str | None]:
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else None for v in value]
    return [value if isinstance(value, str) else None]


def _at(number: int, cid: str) -> str:
    """Where a row is, for a message: its number and, when it differs, its cluster id."""
    return f"{_WHERE}: row {number}" + ("" if cid == f"row{number}" else f" (id {cid!r})")


def _docs(
    record: dict[str, Any], columns: Sequence[str], role: Role, cid: str, number: int
) -> tuple[list, list]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for column in columns:
        value = record[column]
        many = isinstance(value, (list, tuple))
        for k, text in enumerate(_texts(value), 1):
            doc_id = f"{column}_{k}" if many else column
            if text is None or not text.strip():
                what = f"column {column!r}" + (f" item {k}" if many else "")
                message = f"{_at(number, cid)}: {role} {what} is empty or not text"
                problems.append(Problem(cid, doc_id, message))
                continue
            docs.append(Document(doc_id, text, role))
    return docs, problems


def _row(options: DatasetOptions, record: dict[str, Any], number: int) -> DatasetRow:
    raw_id = record[options.id_column] if options.id_column else number
    cid = str(raw_id) if raw_id is not None and str(raw_id).strip() else f"row{number}"
    source = record[options.source_column]
    if not isinstance(source, str) or not source.strip():
        message = f"{_at(number, cid)}: source column {options.source_column!r} is empty or not text"
        return DatasetRow(None, {}, (Problem(cid, options.source_column, message),))
    references, ref_problems = _docs(record, options.reference_columns, "reference", cid, number)
    derivatives, der_problems = _docs(record, options.derivative_columns, "derivative", cid, number)
    outputs: dict[str, str] = {}
    problems = [*ref_problems, *der_problems]
    for column in options.output_columns:
        text = record[column]
        if isinstance(text, str) and text.strip():
            outputs[column] = text
        else:
            message = f"{_at(number, cid)}: output column {column!r} is empty or not text"
            problems.append(Problem(cid, column, message))
    cluster = Cluster(
        cid,
        Document(options.source_column, source, "source"),
        tuple(derivatives),
        tuple(references),
    )
    return DatasetRow(cluster, outputs, tuple(problems))
