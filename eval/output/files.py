"""Small file helpers the writers share: whole files through a rename, closing many streams,
a memo of repeated ids."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


def _close_all(handles: Sequence[Any]) -> None:
    """Close every handle, even when one fails (a full disk fails the last flush); then raise the first
    failure."""
    failure: OSError | None = None
    for handle in handles:
        try:
            handle.close()
        except OSError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


class _Memo:
    """`fn`'s result for each value, remembered (ids and kinds repeat on every row of a cluster); forgotten
    past 100,000 values, so a corpus of many ids does not grow it without end."""

    def __init__(self, fn: Callable[[Any], str]) -> None:
        self.fn = fn
        self.seen: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
        out = self.seen.get(value)
        if out is None:
            if len(self.seen) > 100_000:
                self.seen.clear()
            out = self.seen[value] = self.fn(value)
        return out


def _write(path: Path, text: str | Iterable[str]) -> None:
    """A whole file through a temporary name and a rename; `text` may come in pieces."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            handle.writelines(text)
    os.replace(tmp, path)
