"""Settings -> one reproducible string, in the spirit of sacreBLEU's signatures.

Every number sumtrack writes travels with the string of what made it, e.g.
`rouge|tok:default|stem:porter-nltk|multiref:best|split:nupunkt|clean:yes|norm:NFKC|emb:none|agg:mean|bs:1000|
ci:95|seed:0|test:permutation|rouge-score:0.1.2|nltk:3.9.1|nupunkt:0.5.1|st:-|v:0.1.0`. The values are read
from the components that computed (eval.settings.Components.signature), not from the config. Each field
declares its short key; a test fails when one has none. "-" marks a part that took no part in the numbers
(no stemming: no nltk; no embedder: no sentence-transformers).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import summarize


def _key(short: str) -> dict[str, str]:
    return {"key": short}


@dataclass(frozen=True)
class Signature:
    tokenizer: str = field(default="default", metadata=_key("tok"))
    stem: str = field(default="porter-nltk", metadata=_key("stem"))  # "no" or the Porter variant
    multi_ref: str = field(default="best", metadata=_key("multiref"))
    split: str = field(default="nupunkt", metadata=_key("split"))
    cleaning: str = field(default="yes", metadata=_key("clean"))
    normalize: str = field(default="NFKC", metadata=_key("norm"))
    embedder: str = field(default="none", metadata=_key("emb"))
    aggregate: str = field(default="mean", metadata=_key("agg"))
    bootstrap: int = field(default=1000, metadata=_key("bs"))
    confidence: float = field(default=0.95, metadata=_key("ci"))
    seed: int = field(default=0, metadata=_key("seed"))
    significance: str = field(default="permutation", metadata=_key("test"))
    rouge_score: str = field(default="-", metadata=_key("rouge-score"))
    nltk: str = field(default="-", metadata=_key("nltk"))
    nupunkt: str = field(default="-", metadata=_key("nupunkt"))
    sentence_transformers: str = field(default="-", metadata=_key("st"))
    entities: str = field(default="none", metadata=_key("ent"))  # the spaCy pipeline and its version
    spacy: str = field(default="-", metadata=_key("spacy"))
    # The model-based faithfulness measures (issue 17): model and settings, "none" when off
    likelihood: str = field(default="none", metadata=_key("lik"))
    nli: str = field(default="none", metadata=_key("nli"))
    judge: str = field(default="none", metadata=_key("judge"))
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


@dataclass(frozen=True)
class MetaSignature:
    """What made a meta-evaluation's numbers (eval.stats.meta), beside the run's own signature:
    `meta|judg:3f2a9c1b04de|fmt:summeval|annot:expert|levels:summary+system+global|bs:1000|resample:both|
    ci:95|seed:0|rank:kendall|cmp:1|perm:1000|numpy:2.1.3|v:0.1.0`."""

    judgments: str = field(default="-", metadata=_key("judg"))  # sha256 of the file's bytes, 12 digits
    format: str = field(default="auto", metadata=_key("fmt"))
    annotators: str = field(default="expert", metadata=_key("annot"))
    levels: str = field(default="summary+system+global", metadata=_key("levels"))
    bootstrap: int = field(default=1000, metadata=_key("bs"))
    resample: str = field(default="both", metadata=_key("resample"))
    confidence: float = field(default=0.95, metadata=_key("ci"))
    seed: int = field(default=0, metadata=_key("seed"))
    rank_by: str = field(default="kendall", metadata=_key("rank"))
    compare: int = field(default=1, metadata=_key("cmp"))
    permutations: int = field(default=1000, metadata=_key("perm"))
    numpy: str = field(default="-", metadata=_key("numpy"))
    version: str = field(default=summarize.__version__, metadata=_key("v"))

    def __str__(self) -> str:
        parts = ["meta"]
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "confidence":
                value = f"{value * 100:g}"
            parts.append(f"{f.metadata['key']}:{value}")
        return "|".join(parts)
