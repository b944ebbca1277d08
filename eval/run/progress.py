"""How a run tells its caller what it is doing, without printing (the CLI prints).

A caller passes any `progress(message)` callable; one that also has `start(message, total)` and
`update(done)` (the CLI's: a rich bar with the time left in a terminal, a line every few seconds
elsewhere) gets each long step as a count instead: summarizing (documents), scoring (clusters, with
their embedding). A plain callable gets each step's message, and each count as `message (done/total)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[str], None]


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 document', '2 documents', '0 clusters' (issue 21: "(1 documents)")."""
    return f"{n} {word if n == 1 else many or word + 's'}"


class Steps:
    """The run's side of progress: steps, and counts within a step."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress: Any = progress or (lambda message: None)
        self.counted = callable(getattr(self.progress, "start", None)) and callable(
            getattr(self.progress, "update", None)
        )
        self.total: int | None = None

    def step(self, message: str, total: int | None = None) -> None:
        """A new step: `total` things to do in it, or None when it is not counted."""
        self.total = total
        if self.counted:
            self.progress.start(message, total)
        else:
            self.progress(message)

    def update(self, done: int, message: str) -> None:
        """`done` of the step's total are done; `message` says what finished last, for a plain callable."""
        if self.counted:
            self.progress.update(done)
        else:
            self.progress(f"{message} ({done}/{self.total})")
