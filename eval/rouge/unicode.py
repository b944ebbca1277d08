"""rouge-score's Tokenizer interface over our unicode rules, for checking our engine against rouge-score.

Kept apart from eval.rouge.scorer because rouge-score's tokenizers module imports nltk at once (~1 s).
"""

from __future__ import annotations

import re

from nltk.stem import porter
from rouge_score.tokenizers import Tokenizer


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
