"""TextRank and LexRank on one source of many near-identical sentences (issue 20).

60,000 sentences drawn from 40 variants of a few templates (about 2 MB): before twins were merged, TextRank
took 170 s and LexRank 84 s on it; each set of twins is now one node of the graph.

    PYTHONPATH=$PWD python benchmarks/extractive_repetitive.py [sentences]
"""

from __future__ import annotations

import random
import sys
import time

from summarize import registry

TEMPLATES = [
    "The council met again on {day} to discuss the {topic} budget for the coming year.",
    "Residents asked the council on {day} about the {topic} plans and the rising costs.",
    "A spokesperson said on {day} that the {topic} review would be published soon.",
    "Officials confirmed on {day} that the {topic} project was running behind schedule.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
TOPICS = ["school", "road"]


def source(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    variants = [t.format(day=d, topic=p) for t in TEMPLATES for d in DAYS for p in TOPICS]
    return "\n".join(rng.choice(variants) for _ in range(n))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
    text = source(n)
    print(f"{n:,} sentences, {len(text.encode()):,} bytes")
    for kind in ("textrank", "lexrank"):
        summarizer = registry.create(kind, kind, {"sentences": 3})
        start = time.perf_counter()
        (summary,) = summarizer.summarize([text])
        print(f"{kind}: {time.perf_counter() - start:.2f} s; notes: {summary.notes}")


if __name__ == "__main__":
    main()
