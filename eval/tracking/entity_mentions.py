"""A text's mentions: recasing a lowercased text through its source, and the names and numbers in a sentence.

`recase` gives a lowercased text the casing its source uses (see eval.tracking.entities); `_mentions` turns
the recogniser's spans into mentions, splitting names at their lowercase words, adding capitalised runs the
recogniser missed and the digits and number words it left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eval.tracking import entity_match as em
from eval.tracking.entity_pipeline import _TOKEN, Found, stop_words

ENTITY_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
QUANTITY_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
_NUMBER_WORDS = frozenset(em.NUMBER_WORDS) - {"one", "first", "second"}


# -- recasing -------------------------------------------------------------------------------------
def casing_of(source_sentences: Sequence[str]) -> dict[str, str]:
    """How the source writes its capitalised words away from a sentence start: {"biden": "Biden"}."""
    seen: dict[str, dict[str, int]] = {}
    for sentence in source_sentences:
        for i, m in enumerate(em._WORD.finditer(sentence)):
            word = m.group()
            forms = seen.setdefault(word.lower(), {})
            if i > 0:
                forms[word] = forms.get(word, 0) + 1
    casing = {}
    for lower, forms in seen.items():
        if forms:
            best = max(forms, key=lambda w: forms[w])
            if best[:1].isupper():
                casing[lower] = best
    for name in (*em.DEMONYMS, *em.MONTHS, *em.WEEKDAYS, *em.DEMONYMS.values()):
        for part in name.split():
            casing.setdefault(part, part.capitalize())
    casing.pop("may", None)  # the verb far more often than the month
    return casing


def recase(sentence: str, casing: Mapping[str, str]) -> str:
    """`sentence` with each word cased as `casing` says and its first letter capitalised; same length."""
    out = list(sentence)
    for i, m in enumerate(em._WORD.finditer(sentence)):
        word = m.group()
        stem = re.sub(r"['’]s?$", "", word)  # "kingdom's" is cased as "kingdom"
        form = casing.get(stem.lower())
        if form is not None and len(form) == len(stem):
            out[m.start() : m.start() + len(stem)] = form
        elif i == 0:
            out[m.start()] = word[0].upper()
    return "".join(out)


def is_lowercased(text: str) -> bool:
    return not any(c.isupper() for c in text) and any(c.isalpha() for c in text)


@dataclass
class _Mention:
    sentence: int
    start: int
    end: int
    text: str
    label: str
    form: str  # normal form


def _mentions(
    sentences: Sequence[str],
    found: Sequence[Found],
    shapes: Sequence[str] | None = None,
    *,
    names: bool = False,
) -> list[_Mention]:
    """The recognised spans of each sentence as mentions, names split at their lowercase words (the small
    pipeline reads "Biden met Sunak" as one name); `shapes` are the sentences as recognised (recased)."""
    out = []
    shapes = shapes or sentences
    for i, (sentence, shape, ents) in enumerate(zip(sentences, shapes, found, strict=True)):
        covered = []
        for start, end, label in ents:
            parts = _name_parts(shape, start, end) if label in ENTITY_LABELS else [(start, end)]
            for s, e in parts:
                text = sentence[s:e]
                out.append(_Mention(i, s, e, text, label, em.normal(text)))
            covered.append((start, end))
        if names:
            for s, e in _capitalised_runs(shape, covered):
                out.append(_Mention(i, s, e, sentence[s:e], NAME, em.normal(sentence[s:e])))
                covered.append((s, e))
        # Digits and number words the recogniser left out are quantities too (a changed figure must not
        # slip through); "one", "first" and "second" are left out, far more often words than numbers.
        for m in em._NUMBER_TOKEN.finditer(sentence):
            word = m.group()
            if (word[0].isdigit() or word.lower() in _NUMBER_WORDS) and not any(
                s <= m.start() < e for s, e in covered
            ):
                out.append(_Mention(i, m.start(), m.end(), word, "NUMBER", word))
    return out


_TITLES = frozenset(
    [
        "president",
        "prime",
        "minister",
        "chancellor",
        "governor",
        "senator",
        "mayor",
        "general",
        "coach",
        "manager",
        "chief",
        "executive",
        "director",
        "professor",
        "dr",
        "mr",
        "mrs",
        "ms",
        "sir",
        "dame",
        "lord",
        "lady",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "judge",
    ]
)
NAME = "NAME"  # a capitalised run of words the recogniser left out


def _capitalised_runs(shape: str, covered: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of capitalised words outside the recognised spans ("Tomasz Wrona", "Tour de France"); a
    sentence's first word alone is no name (its capital is the sentence's)."""
    tokens = [
        (m.start(), m.end(), m.group())
        for m in _TOKEN.finditer(shape)
        if not covered or not any(s <= m.start() < e for s, e in covered)
    ]
    runs: list[list[tuple[int, int, str]]] = []
    last_end = -2
    for start, end, word in tokens:
        core = re.split(r"-(?=[a-z])", word.strip("\"'()[],.;:!?"))[0]  # "U.S.-imposed": "U.S."
        name_like = core[:1].isupper() or (core.lower() in _CONNECTORS and runs and last_end == start - 1)
        if name_like and runs and last_end == start - 1 and runs[-1]:
            runs[-1].append((start, end, core))
        elif core[:1].isupper():
            runs.append([(start, end, core)])
        else:
            runs.append([])
        last_end = end if name_like else -2
    out = []
    for run in runs:
        while run and run[-1][2].lower() in _CONNECTORS:
            run.pop()
        if not run or (run[0][0] == _first_word(shape) and len(run) == 1):
            continue
        if run[0][0] == _first_word(shape) and run[0][2].lower() in stop_words():
            run = run[1:]
        if run:
            end = run[-1][0] + len(run[-1][2]) if shape[run[-1][0]] not in "\"'(" else run[-1][1]
            out.append((run[0][0], end))
    return out


def _first_word(shape: str) -> int:
    return len(shape) - len(shape.lstrip())


_CONNECTORS = frozenset({"of", "the", "de", "for", "van", "von", "al", "bin", "la", "le", "du"})


def _name_parts(shape: str, start: int, end: int) -> list[tuple[int, int]]:
    """The capitalised runs of a recognised name ("Biden met Sunak" -> "Biden", "Sunak"; "Manchester
    United 3-1" -> "Manchester United"); the whole span where it has no capital at all."""
    runs: list[list[tuple[int, int]]] = [[]]
    for m in _TOKEN.finditer(shape, start, end):
        word = m.group()
        core = word.strip("\"'()[],.;:!?")
        if core[:1].isupper() or (core.lower() in _CONNECTORS and runs[-1]):
            runs[-1].append((m.start(), m.end()))
        elif runs[-1]:
            runs.append([])
    parts = []
    for run in runs:
        while run and shape[run[-1][0] : run[-1][1]].lower().strip("\"'(),.") in _CONNECTORS:
            run.pop()
        if run:
            parts.append((run[0][0], run[-1][1]))
    if not parts:
        return [(start, end)]
    return [(s, e) for s, e in parts if shape[s:e].strip()]


def _norm_words(sentence: str) -> list[str]:
    """A sentence's words as names are normalised (no possessives or dots), without a name's rules (a
    leading "the" and the aliases are a name's, not a sentence's)."""
    return em.plain(sentence).split()
