"""Normalised matching of named entities and quantities against a source (eval.tracking.entities uses it).

Two names match when their normal forms are equal: lowercased, a possessive ('s, s') and a leading "the"
dropped, punctuation removed ("U.S." -> "us"), and common aliases mapped to one form ("us", "usa",
"america" -> "united states"; "uk", "britain" -> "united kingdom"). A demonym stands for its country
("British" -> "united kingdom", "Israeli" -> "israel"), so "British troops" is supported by a source that
names the United Kingdom, and the other way round. A person's surname alone is supported by the full name
the source gives ("Biden" by "Joe Biden"). A name is also supported when its normal form occurs as a word
sequence anywhere in the source, whatever the source's recogniser made of it (spaCy may call "Manchester
United" a person in one text and an organisation in the other).

Quantities match by value: "3,000", "3000" and "three thousand" are 3000; "$4 million" and "4m" are
4,000,000; "15%" and "15 per cent" are 15. A quantity is supported when every number it holds occurs among
the source's numbers and every month or weekday it names occurs in the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?\b|(?<=s)['’]", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]|_")

ALIASES: dict[str, str] = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "united states of america": "united states",
    "states": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "gb": "united kingdom",
    "un": "united nations",
    "eu": "european union",
    "nyc": "new york city",
    "uae": "united arab emirates",
    "ussr": "soviet union",
    "holland": "netherlands",
    "the netherlands": "netherlands",
}

# Demonym (and adjective) -> the country or region's normal form.
DEMONYMS: dict[str, str] = {
    "american": "united states",
    "americans": "united states",
    "british": "united kingdom",
    "briton": "united kingdom",
    "britons": "united kingdom",
    "english": "england",
    "scottish": "scotland",
    "scots": "scotland",
    "welsh": "wales",
    "irish": "ireland",
    "french": "france",
    "german": "germany",
    "germans": "germany",
    "italian": "italy",
    "italians": "italy",
    "spanish": "spain",
    "portuguese": "portugal",
    "dutch": "netherlands",
    "belgian": "belgium",
    "swiss": "switzerland",
    "austrian": "austria",
    "swedish": "sweden",
    "norwegian": "norway",
    "danish": "denmark",
    "finnish": "finland",
    "polish": "poland",
    "russian": "russia",
    "russians": "russia",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "greek": "greece",
    "turkish": "turkey",
    "israeli": "israel",
    "israelis": "israel",
    "palestinian": "palestine",
    "palestinians": "palestine",
    "iranian": "iran",
    "iraqi": "iraq",
    "syrian": "syria",
    "egyptian": "egypt",
    "saudi": "saudi arabia",
    "afghan": "afghanistan",
    "pakistani": "pakistan",
    "indian": "india",
    "indians": "india",
    "chinese": "china",
    "japanese": "japan",
    "korean": "korea",
    "australian": "australia",
    "australians": "australia",
    "canadian": "canada",
    "canadians": "canada",
    "mexican": "mexico",
    "brazilian": "brazil",
    "argentine": "argentina",
    "argentinian": "argentina",
    "nigerian": "nigeria",
    "kenyan": "kenya",
    "european": "europe",
    "europeans": "europe",
    "african": "africa",
    "asian": "asia",
}

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_WORDS = frozenset(MONTHS + WEEKDAYS)
_MONTH_SHORT = {m[:3]: m for m in MONTHS if m != "may"} | {"sept": "september"}

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "dozen": 12,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "twentieth": 20,
    "hundredth": 100,
}
_SCALES = {
    "hundred": 100,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
NUMBER_WORDS = frozenset(_UNITS) | frozenset(_ORDINALS) | {"hundred", "thousand", "million", "billion"}
_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)*)(st|nd|rd|th|s|k|m|mn|bn|tn|b)?$")
# Tokens of a number: digits with separators and suffixes, or words; "-" joins "twenty-five".
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*[a-z]*|[a-z]+")


def words(text: str) -> list[str]:
    """Lowercased words, apostrophes inside a word kept ("o'neill")."""
    return [m.group().lower() for m in _WORD.finditer(text)]


def plain(text: str) -> str:
    """Lowercase, possessives, dots and punctuation gone: the words of a sentence as names see them."""
    text = _POSSESSIVE.sub("", text).lower().replace(".", "")
    return " ".join(_NON_WORD.sub(" ", text).split())


@lru_cache(maxsize=65536)
def normal(name: str) -> str:
    """The normal form of a name: lowercase, no possessive, no leading "the", no punctuation, aliases
    mapped ("The U.S.'s" -> "united states")."""
    text = plain(name.strip())
    if text.startswith("the "):
        text = text[4:]
    return ALIASES.get(text, text)


def country_of(form: str) -> str | None:
    """The country a demonym normal form stands for ("israeli" -> "israel"), else None."""
    return DEMONYMS.get(form)


def keys(form: str) -> set[str]:
    """The forms a name can be matched under: itself, and the country of a demonym."""
    out = {form}
    country = DEMONYMS.get(form)
    if country:
        out.add(country)
    return out


def contains(haystack: Sequence[str], needle: Sequence[str]) -> list[int]:
    """Start positions of `needle` as a contiguous word sequence in `haystack`."""
    n = len(needle)
    if not n:
        return []
    first = needle[0]
    if first not in haystack:  # most sentences: one scan in C, no Python loop
        return []
    return [i for i, w in enumerate(haystack) if w == first and list(haystack[i : i + n]) == list(needle)]


def _scalar(token: str) -> float | None:
    match = _NUMBER.match(token)
    if match:
        digits, suffix = match.groups()
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
            digits = digits.replace(",", "")
        elif "," in digits:  # "3,5" is not a thousands separator: take the parts as they stand
            digits = digits.replace(",", ".", 1).replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            return None
        return value * _SCALES.get(suffix or "", 1)
    if token in _UNITS:
        return float(_UNITS[token])
    if token in _ORDINALS:
        return float(_ORDINALS[token])
    return None


def numbers(text: str) -> list[float]:
    """The numbers a text states, digits or words: "3,000 and twenty-five, $4 million" -> [3000, 25, 4e6].

    Runs of number words add up ("twenty five" = 25, "three hundred and five" = 305) and a scale word
    multiplies what comes before it ("4 million", "three hundred thousand"); "a dozen" is 12.
    """
    tokens = _NUMBER_TOKEN.findall(text.lower().replace("-", " "))
    out: list[float] = []
    total: float | None = None  # the number being read: total + current
    current = 0.0
    words_run = False  # the number being read is in words (so "twenty" + "five" add up)
    for i, token in enumerate(tokens):
        if total is not None and token in _SCALE_WORDS:
            scale = _SCALES[token]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * scale, 0.0
            continue
        if (
            total is not None
            and words_run
            and token == "and"
            and i + 1 < len(tokens)
            and tokens[i + 1] in _UNITS
        ):
            continue
        value = _scalar(token)
        if value is not None and total is not None and words_run and token in _UNITS:
            tens = current >= 20 and current % 10 == 0 and current % 100 != 0 and value < 10
            hundreds = current >= 100 and current % 100 == 0 and value < 100
            if tens or hundreds or (current == 0 and total > 0):
                current += value
                continue
        if total is not None:
            out.append(total + current)
            total, current = None, 0.0
        if value is not None:
            total, current, words_run = 0.0, value, token in _UNITS
    if total is not None:
        out.append(total + current)
    return out


_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "trillion", "bn", "mn", "tn"})


def quantity_parts(text: str) -> tuple[frozenset[float], frozenset[str]]:
    """A quantity's numbers and the month and weekday names it mentions."""
    tokens = words(text)
    dates = {_MONTH_SHORT.get(t, t) for t in tokens} & _DATE_WORDS
    return frozenset(_round(v) for v in numbers(text)), frozenset(dates)


def _round(value: float) -> float:
    return round(value, 6)


def source_numbers(texts: Iterable[str]) -> frozenset[float]:
    """Every number the source states (each value alone too: "4 million" also gives 4)."""
    out: set[float] = set()
    for text in texts:
        out.update(_round(v) for v in numbers(text))
        for token in _NUMBER_TOKEN.findall(text.lower()):
            value = _scalar(token)
            if value is not None:
                out.add(_round(value))
    return frozenset(out)


def date_words(text: str) -> frozenset[str]:
    return frozenset({_MONTH_SHORT.get(t, t) for t in words(text)} & _DATE_WORDS)


def is_capitalised(word: str) -> bool:
    return word[:1].isupper()
