"""Per-cluster functions for the execution tests, module-level so spawned processes and Ray import them."""

from __future__ import annotations

import math

from eval.rouge.scorer import Scorer
from summarize import registry


def toy(k: int) -> float:
    """A float whose last bits depend on the order of operations: any engine difference would show."""
    return sum(math.sin(k * j + 0.1) / (j + 1) for j in range(200))


def boom(k: int) -> int:
    if k == 5:
        raise ValueError(f"cluster {k} is broken")
    return k


def extract_and_score(system_type: str, text: str) -> tuple[str, float]:
    summary = registry.create(system_type, system_type, {"sentences": 2}).summarize([text])[0].text
    score = Scorer(("rouge1", "rougeL")).score(target=text, prediction=summary)
    return summary, score["rougeL"].f1


def slow_then_boom(marker: str, k: int) -> int:
    """Item 0 waits until item 5 (in another chunk) has failed, so the failing chunk finishes first."""
    import time
    from pathlib import Path

    flag = Path(marker)
    if k == 5:
        flag.touch()
        raise ValueError(f"cluster {k} is broken")
    if k == 0:
        for _ in range(1200):  # bounded: a guard against a hung test, not a timing assumption
            if flag.exists():
                break
            time.sleep(0.1)
    return k


WARMED: list[int] = []


def warm() -> None:
    """A pool initializer: marks the worker as warmed before any task runs there."""
    import os

    WARMED.append(os.getpid())


def warmed_pid(k: int) -> tuple[int, list[int]]:
    import os

    return k, [os.getpid()] if [os.getpid()] == WARMED else []
