"""`sumtrack score`'s command line as a config (the same entry point as `run`: eval.run.runner.Runner)."""

from __future__ import annotations

import argparse
from typing import Any

from summarize.corpus import doc_id, resolve


def score_config(args: argparse.Namespace) -> dict[str, Any]:
    """`sumtrack score`'s arguments as a config: one cluster, the files as its derivatives, no tracking."""
    paths = [resolve(p.expanduser()) for p in args.files]
    return {
        "name": "score",
        "corpus": {
            "clusters": [
                {
                    "id": doc_id(args.source),
                    "source": {"path": str(resolve(args.source.expanduser()))},
                    "derivatives": [{"path": str(p)} for p in paths],
                }
            ],
            "encoding": args.encoding,
            "max_chars": args.max_chars,
        },
        "cleaning": {"enabled": not args.raw, "normalize": "none" if args.raw else "NFKC"},
        "sentences": {"split": "lines" if args.raw else "nupunkt"},
        "rouge": {"types": list(args.types), "stem": not args.no_stem, "tokenizer": args.tokenizer},
        "aggregate": {"bootstrap": 0, "significance": "none"},
        "tracking": {"enabled": False},
    }
