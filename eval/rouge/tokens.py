"""Tokenizing for the ROUGE engine: rouge-score's rules, with every token stemmed once per scorer.

Both tokenizers split text at newlines first (rougeLsum's sentences) and give the whole text's tokens
as the concatenation of the lines' tokens. That equals tokenizing the whole text at once: a newline is
a separator under both rules, and lowercasing is context-free across a newline (the one contextual
rule, Greek final sigma, looks only at cased neighbours).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eval.options import TOKENIZERS, TokenizerName
from eval.rouge.porter import Mode, PorterStemmer

if TYPE_CHECKING:
    import numpy as np

# Which Porter variant each tokenizer stems with. rouge-score's default tokenizer uses nltk's PorterStemmer()
# (mode NLTK_EXTENSIONS); the unicode tokenizer uses the original 1980 algorithm, which stems a few words
# differently ("news" -> "new"), so the variant is part of the signature.
STEMMERS: dict[str, str] = {"default": "porter-nltk", "unicode": "porter-orig"}

# rouge_score.tokenize: keep [a-z0-9] runs, stem tokens longer than 3 characters, drop invalid ones.
# The separators spare newlines so that one pass over a whole text still leaves its lines apart.
_DEFAULT_SEPARATOR = re.compile(r"[^a-z0-9\n]+")
_VALID_DEFAULT = re.compile(r"^[a-z0-9]+$")
# Our unicode variant (eval.rouge.scorer.UnicodeTokenizer, which splits at [\W_]+): letters and digits of
# every script.
_UNICODE_SEPARATOR = re.compile(r"(?:[^\w\n]|_)+")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")
# The same tokens found directly, with every newline and text break ("\x00", between the texts of a batch)
# kept as a token of its own, so that a whole batch is tokenized by one C-level call.
_DEFAULT_FIND = re.compile(r"[a-z0-9]+|[\n\x00]")
_UNICODE_FIND = re.compile(r"[^\W_]+|[\n\x00]")
_DROPPED = -1  # a stem that is no valid token (rouge-score drops it)

# Distinct tokens kept in a stem memo before it starts afresh (bounds memory on huge corpora).
_MEMO_LIMIT = 1 << 20
# One stem memo per (tokenizer, stemmer), shared by every scorer in the process: stemming is a pure
# function of the token, so a new Scorer starts with every token an earlier one stemmed (issue 21: a new
# scorer per call re-stemmed each text's words, 13 ms on a seed text).
_MEMOS: dict[tuple[str, str], dict[str, str | None]] = {}
_STEMMERS: dict[Mode, Callable[[str], str]] = {}


def _stemmer(variant: Mode) -> Callable[[str], str]:
    stem = _STEMMERS.get(variant)
    if stem is None:
        stem = _STEMMERS[variant] = PorterStemmer(variant).stem
    return stem


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
            self._find = _DEFAULT_FIND
            self._finish = self._default_token
        else:
            self._separator = _UNICODE_SEPARATOR
            self._find = _UNICODE_FIND
            self._finish = self._unicode_token
        # Our Porter stemmer equals nltk's (eval.rouge.porter; nltk itself, ~1 s to import, only for words
        # outside [a-z0-9], which these tokenizers never stem).
        self._stem: Callable[[str], str] | None = None
        if stem:
            self._stem = _stemmer("nltk" if self.stemmer == "porter-nltk" else "original")
        self._memo = _MEMOS.setdefault((name, self.stemmer), {})

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

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Every text's tokens as integer ids, each distinct token tokenized and stemmed once."""
        import numpy as np

        from eval.rouge.scan import LINE, TEXT, assemble, scan

        # A NUL separates like a space under both rules, so a text's own NULs can become spaces.
        joined = "\x00".join(t.replace("\x00", " ") if "\x00" in t else t for t in texts)
        if self._find is _DEFAULT_FIND:
            # Only [a-z0-9] survive this rule, so every other character may become "?" (one byte each,
            # so byte offsets are character offsets) and the scan runs compiled, lowercasing ASCII. Only
            # two other characters lowercase to anything in [a-z0-9]; where they occur, lowercase first.
            if "\u0130" in joined or "\u212a" in joined:  # İ -> i + dot above, Kelvin sign -> k
                joined = joined.lower()
            stream, starts, lengths = scan(np.frombuffer(joined.encode("ascii", "replace"), np.uint8))
            distinct = [
                joined[s : s + n].lower() for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)
            ]
        else:
            joined = joined.lower()
            raw = self._find.findall(joined)
            first_seen: dict[str, int] = dict.fromkeys(raw, 0)
            for index, token in enumerate(first_seen):
                first_seen[token] = index
            stream = np.fromiter(map(first_seen.__getitem__, raw), np.int32, len(raw))
            distinct = list(first_seen)
        ids: dict[str, int] = {}
        codes = np.empty(len(distinct), np.int32)
        for index, token in enumerate(distinct):
            if token == "\n":
                codes[index] = LINE
            elif token == "\x00":
                codes[index] = TEXT
            else:
                final = self._finish_raw(token)
                codes[index] = _DROPPED if final is None else ids.setdefault(final, len(ids))
        tokens, text_off, text_sent, sent_off = assemble(stream, codes, len(texts))
        return Encoded(tokens, text_off, text_sent, sent_off, len(ids))

    def _finish_raw(self, raw: str) -> str | None:
        if self._stem is None:
            return raw
        memo = self._memo
        try:
            return memo[raw]
        except KeyError:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            token = memo[raw] = self._finish(raw)
            return token

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


@dataclass(frozen=True)
class Encoded:
    """A batch of texts as token ids.

    Text k is tokens[text_off[k]:text_off[k + 1]]; its sentences (non-empty lines) are numbers
    text_sent[k] to text_sent[k + 1] - 1; sentence s is tokens[sent_off[s]:sent_off[s + 1]].
    """

    tokens: np.ndarray
    text_off: np.ndarray
    text_sent: np.ndarray
    sent_off: np.ndarray
    vocab: int
