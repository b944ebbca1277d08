"""Porter stemming, equal to NLTK's PorterStemmer (the NLTK_EXTENSIONS and ORIGINAL_ALGORITHM modes).

rouge-score stems with NLTK, whose stemmer costs about 8 us a word; on a cold scorer stemming the
distinct words of four seed texts took longer than rouge-score-rs's whole run (issue 10). This one
follows NLTK's steps and rule lists in the same order, but reads the consonant/vowel pattern of a
word once per step (a prefix's pattern is the word's pattern cut short, since a letter's class depends
only on the letters before it) and skips a step's rule list with one C-level `endswith` when no
suffix applies. Words outside lowercase ASCII letters and digits go to NLTK itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

Mode = Literal["nltk", "original"]

_PLAIN = re.compile(r"[a-z0-9]+")
# Vowels become "v", every other letter or digit "c"; "y" is settled afterwards, by what precedes it.
_CV = str.maketrans({**{c: "c" for c in "bcdfghjklmnpqrstvwxz0123456789"}, **{c: "v" for c in "aeiou"}})
_POOL = {
    "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
    "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
    "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed",
    "exceed": "exceed", "succeed": "succeed",
}  # fmt: skip


def _cv(word: str) -> str:
    """'c' or 'v' per letter, as NLTK's _consonant_flags: "y" is a consonant first or after a vowel."""
    pattern = word.translate(_CV)
    if "y" not in pattern:
        return pattern
    out: list[str] = []
    for i, ch in enumerate(pattern):
        if ch == "y":
            ch = "c" if i == 0 or out[i - 1] == "v" else "v"
        out.append(ch)
    return "".join(out)


def _measure(cv: str, length: int) -> int:
    """Porter's m of the word's first `length` letters, given the word's pattern `cv`."""
    return cv.count("vc", 0, length)


def _ends_cvc(word: str, cv: str, length: int, nltk: bool) -> bool:
    """Porter's *o for the first `length` letters of `word`."""
    if length >= 3 and cv[length - 3 : length] == "cvc" and word[length - 1] not in "wxy":
        return True
    return nltk and length == 2 and cv[0:2] == "vc"


# Step rule lists, in NLTK's order: (suffix, replacement, least measure of the stem).
_STEP2_HEAD = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
)  # fmt: skip
_STEP2_TAIL = (
    ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
    ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"),
    ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
)  # fmt: skip
_STEP3 = (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
    ("ness", ""),
)  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism",
    "ate", "iti", "ous", "ive", "ize",
)  # fmt: skip
_STEP4_ENDINGS = tuple(_STEP4)


class PorterStemmer:
    """`stem(word)` as NLTK's `PorterStemmer(mode).stem(word)`, for NLTK_EXTENSIONS or ORIGINAL_ALGORITHM."""

    def __init__(self, mode: Mode = "nltk") -> None:
        self._nltk = mode == "nltk"
        self._nltk_stem: Callable[[str], str] | None = None
        middle = (("bli", "ble"),) if self._nltk else (("abli", "able"),)
        extra = (("fulli", "ful"),) if self._nltk else ()
        self._step2_rules = (*_STEP2_HEAD, *middle, *_STEP2_TAIL, *extra)
        endings = [s for s, _ in self._step2_rules] + (["logi"] if self._nltk else [])
        self._step2_endings = tuple(endings)
        self._step3_endings = tuple(s for s, _ in _STEP3)

    def _fallback(self, word: str) -> str:
        if self._nltk_stem is None:  # nltk takes about 1 s to import: only when such a word comes
            from nltk.stem import porter

            mode = (
                porter.PorterStemmer.NLTK_EXTENSIONS
                if self._nltk
                else porter.PorterStemmer.ORIGINAL_ALGORITHM
            )
            self._nltk_stem = porter.PorterStemmer(mode).stem
        return self._nltk_stem(word)

    def stem(self, word: str) -> str:
        if not _PLAIN.fullmatch(word):
            return self._fallback(word)
        nltk = self._nltk
        if nltk:
            if word in _POOL:
                return _POOL[word]
            if len(word) <= 2:
                return word
        word = self._step1a(word)
        word = self._step1b(word)
        word = self._step1c(word)
        word = self._step2(word)
        if word.endswith(self._step3_endings):
            word = self._apply(word, _STEP3, 1)
        if word.endswith(_STEP4_ENDINGS):
            word = self._step4(word)
        return self._step5(word)

    def _step1a(self, word: str) -> str:
        if not word.endswith("s"):
            return word
        if self._nltk and len(word) == 4 and word.endswith("ies"):
            return word[:-3] + "ie"
        if word.endswith("sses"):
            return word[:-2]
        if word.endswith("ies"):
            return word[:-2]
        if word.endswith("ss"):
            return word
        return word[:-1]

    def _step1b(self, word: str) -> str:
        nltk = self._nltk
        if nltk and word.endswith("ied"):
            return word[:-3] + ("ie" if len(word) == 4 else "i")
        if word.endswith("eed"):
            return word[:-1] if _measure(_cv(word), len(word) - 3) > 0 else word
        if word.endswith("ed"):
            stem = word[:-2]
        elif word.endswith("ing"):
            stem = word[:-3]
        else:
            return word
        cv = _cv(stem)
        if "v" not in cv:
            return word
        if stem.endswith(("at", "bl", "iz")):
            return stem + "e"
        n = len(stem)
        if n >= 2 and stem[-1] == stem[-2] and cv[-1] == "c":
            return stem if stem[-1] in "lsz" else stem[:-1]
        if _measure(cv, n) == 1 and _ends_cvc(stem, cv, n, nltk):
            return stem + "e"
        return stem

    def _step1c(self, word: str) -> str:
        if not word.endswith("y"):
            return word
        n = len(word) - 1
        cv = _cv(word)
        # NLTK: y -> i after a consonant that is not the first letter; original: after any vowel.
        ok = (n > 1 and cv[n - 1] == "c") if self._nltk else "v" in cv[:n]
        return word[:-1] + "i" if ok else word

    def _step2(self, word: str) -> str:
        if not word.endswith(self._step2_endings):
            return word
        if self._nltk and word.endswith("alli") and _measure(_cv(word), len(word) - 4) > 0:
            return self._step2(word[:-2])
        for suffix, replacement in self._step2_rules:
            if word.endswith(suffix):
                return self._replace(word, len(suffix), replacement, 1)
        # Only NLTK's "logi" is left; its measure is taken on the stem plus "l".
        return word[:-1] if _measure(_cv(word), len(word) - 3) > 0 else word

    @staticmethod
    def _replace(word: str, suffix_length: int, replacement: str, least: int) -> str:
        n = len(word) - suffix_length
        return word[:n] + replacement if _measure(_cv(word), n) >= least else word

    def _apply(self, word: str, rules: tuple[tuple[str, str], ...], least: int) -> str:
        for suffix, replacement in rules:
            if word.endswith(suffix):
                return self._replace(word, len(suffix), replacement, least)
        return word

    def _step4(self, word: str) -> str:
        for suffix in _STEP4:
            if word.endswith(suffix):
                n = len(word) - len(suffix)
                if _measure(_cv(word), n) > 1 and (suffix != "ion" or word[n - 1] in "st"):
                    return word[:n]
                return word
        return word

    def _step5(self, word: str) -> str:
        if word.endswith("e"):
            n = len(word) - 1
            cv = _cv(word)
            m = _measure(cv, n)
            if m > 1 or (m == 1 and not _ends_cvc(word, cv, n, self._nltk)):
                word = word[:n]
        if word.endswith("ll") and _measure(_cv(word), len(word) - 1) > 1:
            return word[:-1]
        return word
