"""Do two run folders hold the same numbers? For a change meant to keep behaviour identical (issue 16).

    python benchmarks/same_numbers.py runs/before runs/after

scores.csv, rows.csv, aggregates.csv and cleaning.jsonl must be equal byte for byte; results.json and
summaries.jsonl must be equal once what a run measures about itself (seconds, memory, cache hits, host) is
set aside. Prints one line per file and exits 1 when any differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

EXACT = ("scores.csv", "rows.csv", "aggregates.csv", "cleaning.jsonl")
# What a run records about itself rather than about the texts: it changes from run to run.
RUN_FACTS = {
    "seconds",
    "wall_seconds",
    "cpu_seconds",
    "peak_memory_mib",
    "memory_mib",
    "cached",
    "tokens_per_second",
}
# "info" is how a system ran (memory, tokens/s, whether it generated or read the cache), not what it wrote.
RUN_FACTS |= {"info", "started", "host", "versions"}


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in RUN_FACTS}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def same(a: Path, b: Path, name: str) -> bool:
    if name in EXACT:
        return a.read_bytes() == b.read_bytes()
    if name.endswith(".jsonl"):
        lines = [[strip(json.loads(x)) for x in p.read_text(encoding="utf-8").splitlines()] for p in (a, b)]
        return lines[0] == lines[1]
    return strip(json.loads(a.read_text(encoding="utf-8"))) == strip(
        json.loads(b.read_text(encoding="utf-8"))
    )


def main(before: str, after: str) -> int:
    failed = 0
    for name in (*EXACT, "results.json", "summaries.jsonl"):
        a, b = Path(before) / name, Path(after) / name
        if not a.exists() or not b.exists():
            print(f"{name}: missing in {'the first' if not a.exists() else 'the second'} folder")
            failed += 1
            continue
        ok = same(a, b, name)
        failed += not ok
        print(f"{name}: {'same' if ok else 'DIFFERENT'}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
