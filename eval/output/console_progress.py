"""The `sumtrack run` progress on stderr, for the CLI (the library reports steps through
eval.run.progress and never prints)."""

from __future__ import annotations

import threading
import time
from typing import Any

from rich.console import Console

from summarize.printable import shown

# What progress reads the time from; a test gives a fake clock.
PROGRESS_CLOCK: Any = None


class ConsoleProgress:
    """The run's progress on stderr (eval.run.progress). In a terminal: a rich bar with the step, its count
    and the time left. Elsewhere (a log, a pipe, a batch job): one `sumtrack: ...` line per step, and while a
    step goes on a line at least every EVERY seconds naming it, with its count, the time so far and the time
    left, from a heartbeat thread, so a model generating for a minute is never silent (issue 21)."""

    EVERY = 10.0  # seconds between lines without a terminal
    TICK = 1.0  # how often the heartbeat looks

    def __init__(self, err: Console, clock: Any = None) -> None:
        self.err = err
        self.clock = clock or PROGRESS_CLOCK or time.monotonic
        self.terminal = err.is_terminal
        self.lock = threading.Lock()
        self.message, self.done = "starting", 0
        self.total: int | None = None
        self.started = self.last = self.clock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> ConsoleProgress:
        if self.terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.message, total=None)
        else:
            self.thread = threading.Thread(target=self._beat_loop, name="sumtrack-progress", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, message: str) -> None:
        self.start(message, None)

    def start(self, message: str, total: int | None) -> None:
        with self.lock:
            self.message, self.total, self.done = message, total, 0
            self.started = self.clock()
        if self.bar is not None:
            self.bar.reset(self.task, total=total, completed=0, description=_escape(shown(message)))
        else:
            self._line(message)

    def update(self, done: int) -> None:
        with self.lock:
            self.done = done
        if self.bar is not None:
            self.bar.update(self.task, completed=done)
        else:
            self.beat()

    def beat(self) -> None:
        """A line saying where the step is, when EVERY seconds passed since the last line."""
        if self.clock() - self.last >= self.EVERY:
            self._line(self._where())

    def _beat_loop(self) -> None:
        while not self.stopped.wait(self.TICK):
            self.beat()

    def _where(self) -> str:
        with self.lock:
            message, total, done, started = self.message, self.total, self.done, self.started
        elapsed = self.clock() - started
        count = f"{done}/{total} done, " if total else ""
        left = ""
        if total and 0 < done < total:
            left = f", about {_seconds(elapsed / done * (total - done))} left"
        return f"{message}: {count}{_seconds(elapsed)} so far{left}"

    def _line(self, text: str) -> None:
        self.last = self.clock()
        self.err.print(f"sumtrack: {shown(text)}", markup=False, soft_wrap=True)


def _seconds(value: float) -> str:
    seconds = round(value)
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60:02d} s"


def _escape(message: str) -> str:
    from rich.markup import escape

    return escape(message)
