"""Tokenizing for the ROUGE engine: rouge-score's rules, with every token stemmed once per scorer.

Both tokenizers split text at newlines first (rougeLsum's sentences) and give the whole text's tokens
as the concatenation of the lines' tokens. That equals tokenizing the whole text at once: a newline is
a separator under both rules, and lowercasing is context-free across a newline (the one contextual
rule, Greek final sigma, looks only at cased neighbours).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, get_args

TokenizerName = Literal["default", "unicode"]
TOKENIZERS: tuple[str, ...] = get_args(TokenizerName)
# Which Porter variant each tokenizer stems with. rouge-score's default tokenizer uses nltk's PorterStemmer()
# (mode NLTK_EXTENSIONS); the unicode tokenizer uses the original 1980 algorithm, which stems a few words
# differently ("news" -> "new"), so the variant is part of the signature.
STEMMERS: dict[str, str] = {"default": "porter-nltk", "unicode": "porter-orig"}
_NLTK_MODES = {"porter-nltk": "NLTK_EXTENSIONS", "porter-orig": "ORIGINAL_ALGORITHM"}

# rouge_score.tokenize: keep [a-z0-9] runs, stem tokens longer than 3 characters, drop invalid ones.
# The separators spare newlines so that one pass over a whole text still leaves its lines apart.
_DEFAULT_SEPARATOR = re.compile(r"[^a-z0-9\n]+")
_VALID_DEFAULT = re.compile(r"^[a-z0-9]+$")
# Our unicode variant (eval.rouge.UnicodeTokenizer, which splits at [\W_]+): letters and digits of
# every script.
_UNICODE_SEPARATOR = re.compile(r"(?:[^\w\n]|_)+")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")

# Distinct tokens kept in a scorer's stem memo before it starts afresh (bounds memory on huge corpora).
_MEMO_LIMIT = 1 << 20


class LineTokenizer:
    """Splits a text into lines and each line into rouge-score's tokens, memoising the stemmer."""

    def __init__(self, name: TokenizerName, *, stem: bool) -> None:
        if name not in TOKENIZERS:
            raise ValueError(f"tokenizer {name!r}: expected one of {', '.join(TOKENIZERS)}")
        self.name = name
        # "no", or the Porter variant that stems (reported in the signature).
        self.stemmer = STEMMERS[name] if stem else "no"
        if name == "default":
            self._separator = _DEFAULT_SEPARATOR
            self._finish = self._default_token
        else:
            self._separator = _UNICODE_SEPARATOR
            self._finish = self._unicode_token
        self._stem: Callable[[str], str] | None = None
        if stem:
            # nltk takes ~1 s to import (it pulls in scipy and sklearn): only a scorer that stems pays for it.
            from nltk.stem import porter

            self._stem = porter.PorterStemmer(_NLTK_MODES[self.stemmer]).stem
        self._memo: dict[str, str | None] = {}

    def _default_token(self, raw: str) -> str | None:
        token = self._stem(raw) if self._stem is not None and len(raw) > 3 else raw
        return token if _VALID_DEFAULT.match(token) else None

    def _unicode_token(self, raw: str) -> str | None:
        if self._stem is not None and len(raw) > 3 and _ASCII_WORD.match(raw):
            return self._stem(raw)
        return raw

    def lines(self, text: str) -> list[list[str]]:
        """The tokens of each line of `text` that has any, in order."""
        spaced = self._separator.sub(" ", text.lower())
        return [tokens for line in spaced.split("\n") if (tokens := self._finish_line(line.split()))]

    def _finish_line(self, raws: list[str]) -> list[str]:
        if self._stem is None:  # the separators leave only valid tokens
            return raws
        memo = self._memo
        out: list[str] = []
        for raw in raws:
            try:
                token = memo[raw]
            except KeyError:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                token = memo[raw] = self._finish(raw)
            if token is not None:
                out.append(token)
        return out
