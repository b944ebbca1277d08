"""The ROUGE scorer.

rouge-score 0.1.2 is the reference implementation. Its positional `score(target, prediction)` swaps
precision and recall silently when called the wrong way round, so every call here is keyword-only.
Texts for rougeLsum carry one sentence per line, as rouge-score expects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nltk.stem import porter
from rouge_score import rouge_scorer
from rouge_score.tokenizers import Tokenizer

ROUGE_TYPES: tuple[str, ...] = (*(f"rouge{n}" for n in range(1, 10)), "rougeL", "rougeLsum")
DEFAULT_TYPES: tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum")
TokenizerName = Literal["default", "unicode"]
MultiRef = Literal["best", "sum"]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


class UnicodeTokenizer(Tokenizer):
    """rouge-score's tokenizer keeps only [a-z0-9]; this one keeps letters and digits of every script.

    Stemming (Porter) applies to ASCII tokens longer than three characters, as in rouge-score.
    """

    _NON_WORD = re.compile(r"[\W_]+")
    _ASCII = re.compile(r"^[a-z0-9]+$")

    def __init__(self, use_stemmer: bool = False) -> None:
        self._stemmer = porter.PorterStemmer("ORIGINAL_ALGORITHM") if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        tokens = self._NON_WORD.sub(" ", text.lower()).split()
        if self._stemmer is None:
            return tokens
        stem = self._stemmer.stem
        return [stem(t) if len(t) > 3 and self._ASCII.match(t) else t for t in tokens]


class Scorer:
    """ROUGE precision, recall and F1 for one or more types.

    `multi_ref="best"` keeps, per type, the reference with the highest F1 (rouge-score's rule);
    `"sum"` pools counts over references (the Perl ROUGE-1.5.5 rule).
    """

    def __init__(
        self,
        types: Sequence[str] = DEFAULT_TYPES,
        *,
        stem: bool = True,
        tokenizer: TokenizerName = "default",
        multi_ref: MultiRef = "best",
    ) -> None:
        unknown = [t for t in types if t not in ROUGE_TYPES]
        if unknown or not types:
            raise ValueError(
                f"ROUGE types {unknown or list(types)!r}: expected some of {', '.join(ROUGE_TYPES)}"
            )
        if tokenizer not in ("default", "unicode"):
            raise ValueError(f"tokenizer {tokenizer!r}: expected default or unicode")
        if multi_ref != "best":
            raise ValueError(f"multi_ref {multi_ref!r}: only 'best' is implemented so far")
        self.types = tuple(types)
        self.stem = stem
        self.tokenizer_name = tokenizer
        self.multi_ref = multi_ref
        custom = UnicodeTokenizer(stem) if tokenizer == "unicode" else None
        self._scorer = rouge_scorer.RougeScorer(list(self.types), use_stemmer=stem, tokenizer=custom)
        self._tokenizer = custom or rouge_scorer.tokenizers.DefaultTokenizer(use_stemmer=stem)

    def tokens(self, text: str) -> list[str]:
        """The tokens ROUGE sees in `text` (after lowercasing, filtering and stemming)."""
        return self._tokenizer.tokenize(text)

    def score(self, *, target: str | Sequence[str], prediction: str) -> dict[str, Score]:
        targets = [target] if isinstance(target, str) else list(target)
        if not targets:
            raise ValueError("score: at least one target is required")
        per_ref = [self._scorer.score(t, prediction) for t in targets]
        out: dict[str, Score] = {}
        for rouge_type in self.types:
            best = max((r[rouge_type] for r in per_ref), key=lambda s: s.fmeasure)
            out[rouge_type] = Score(best.precision, best.recall, best.fmeasure)
        return out

    def score_many(
        self, *, target: str | Sequence[str], predictions: Sequence[str]
    ) -> list[dict[str, Score]]:
        return [self.score(target=target, prediction=p) for p in predictions]
