"""Settings -> one reproducible string, in the spirit of sacreBLEU's signatures.

Every number sumtrack writes travels with the string of the settings that made it, e.g.
`rouge|tok:default|stem:yes|split:nupunkt|clean:yes|norm:NFKC|multiref:best|agg:mean|bs:1000|ci:95|seed:0|
test:permutation|rouge-score:0.1.2|v:0.1.0`. Each field declares its short key; a test fails when one has
none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from importlib import metadata

import summarize


def _key(short: str) -> dict[str, str]:
    return {"key": short}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Signature:
    tokenizer: str = field(default="default", metadata=_key("tok"))
    stem: bool = field(default=True, metadata=_key("stem"))
    split: str = field(default="nupunkt", metadata=_key("split"))
    cleaning: str = field(default="yes", metadata=_key("clean"))
    normalize: str = field(default="NFKC", metadata=_key("norm"))
    multi_ref: str = field(default="best", metadata=_key("multiref"))
    aggregate: str = field(default="mean", metadata=_key("agg"))
    bootstrap: int = field(default=1000, metadata=_key("bs"))
    confidence: float = field(default=0.95, metadata=_key("ci"))
    seed: int = field(default=0, metadata=_key("seed"))
    significance: str = field(default="permutation", metadata=_key("test"))
    rouge_score: str = field(default_factory=lambda: _version("rouge-score"), metadata=_key("rouge-score"))
    version: str = field(default=summarize.__version__, metadata=_key("v"))

    def __str__(self) -> str:
        parts = ["rouge"]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            elif f.name == "confidence":
                value = f"{value * 100:g}"
            parts.append(f"{f.metadata['key']}:{value}")
        return "|".join(parts)
