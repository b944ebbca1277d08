"""Normalisation, web-boilerplate removal and sentence splitting.

Plain-text copies of web articles carry page chrome (repeated titles, "top of page", bylines, reading-time
lines, share buttons, promotional footers). Left in, it counts against a rewrite's ROUGE precision though
it has nothing to do with how the rewrite tracks its source. Each rule below is named, can be switched
off, and every line it drops is recorded so the user can check what was removed.

The pipeline's canonical text form is one sentence per line: rougeLsum reads sentences from lines, and
extractive summarizers pick lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from summarize.errors import InputError

NormalForm = Literal["NFKC", "NFC", "none"]

# Characters that render as nothing or as a plain space but defeat exact matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^[\s•·▪●◦‣*\-–—>|]+")


def normalize(text: str, form: NormalForm = "NFKC") -> str:
    """Unicode-normalise, unify line ends, drop invisible characters and collapse runs of spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if form != "none":
        text = unicodedata.normalize(form, text)
    text = text.translate(_INVISIBLE)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


@dataclass(frozen=True)
class DroppedLine:
    line: int  # 1-based line number in the normalised text
    rule: str
    text: str


@dataclass(frozen=True)
class Cleaned:
    text: str  # kept lines (paragraphs), one per line
    dropped: tuple[DroppedLine, ...] = ()


@dataclass(frozen=True)
class CleaningOptions:
    enabled: bool = True
    normalize: NormalForm = "NFKC"
    rules: frozenset[str] | None = None  # None: every rule in RULES
    extra_patterns: tuple[str, ...] = ()  # regexes; a line fully matching one is dropped
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.rules or ()) - set(RULES))
        if unknown:
            raise ValueError(f"cleaning rules {unknown}: expected some of {', '.join(RULES)}")
        compiled = []
        for pattern in self.extra_patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise ValueError(f"cleaning pattern {pattern!r}: {exc}") from None
        object.__setattr__(self, "_compiled", tuple(compiled))

    def active(self, rule: str) -> bool:
        return self.rules is None or rule in self.rules


def _words(line: str) -> list[str]:
    return line.split()


def _key(line: str) -> str:
    """Comparison key for repeated lines: case, quotes and punctuation do not matter."""
    return " ".join(re.findall(r"\w+", line.casefold()))


_CHROME = re.compile(
    r"(top|bottom) of (the )?page|skip to (main )?content|advertisement|sponsored( content)?|"
    r"share( this( article| post| story)?)?|(tweet|email|print)( this)?|related (posts|articles|stories)|"
    r"read more|continue reading|menu|home|log ?in|sign ?in|comments?|leave a (comment|reply)|"
    r"(previous|next) (post|article)|previous post next post|tags?:.*|categor(y|ies):.*",
    re.IGNORECASE,
)
# Lines after which a web copy holds only chrome: the article has ended.
_END_MARKER = re.compile(
    r"previous post next post|share this (article|post|story)|bottom of (the )?page|"
    r"the post .+ appeared first on .+",
    re.IGNORECASE,
)
# Syndication footers ("... appeared first on Site."); only near the foot, where a sentence such as "the photo
# appeared first on a blog" is unlikely.
_SYNDICATION = re.compile(r".{0,160}\bappeared first on\b[^.]{0,80}\.?", re.IGNORECASE)
_NAME = r"[A-ZÀ-ÞА-ЯЁ][\w.'’-]*"
# "By Jane Doe", "Writer: ..."; "By the end of the day" is a sentence, not a byline.
_BYLINE = re.compile(
    rf"(?i:by|written by|posted by|reporting by)\s+{_NAME}(\s+(?:and\s+)?{_NAME}){{0,4}}|"
    r"(?i:writer|author|editor|byline)\s*:\s*.{1,60}"
)
_READING_TIME = re.compile(r"\d+\s*(min|mins|minute|minutes)\.?\s*(read|reading)( time)?", re.IGNORECASE)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATELINE = re.compile(
    rf"(\d+\s+(second|minute|hour|day|week|month|year)s?\s+ago|"
    rf"(updated|published|posted)( on)?:?\s.{{0,30}}\d.{{0,20}}|"
    rf"{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}.{{0,20}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}.{{0,20}}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}.{{0,20}})",
    re.IGNORECASE,
)
# "Jane Doe reports on ... for The Times." at the foot of an article.
_AUTHOR_BIO = re.compile(
    r"[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){1,3} (reports|writes|covers|is an? [\w ]{0,40}"
    r"(reporter|correspondent|writer|columnist|editor))\b.{0,200}\.",
)
_PROMO = re.compile(
    r"click (here|on the)|subscribe (to our|now)|sign up (for our|now)|follow us on|all rights reserved|"
    r"©|copyright \d{4}|download (our|the) app",
    re.IGNORECASE,
)
# Phrases that are promotional at the foot of a page but can be plain news in its body.
_PROMO_FOOT = re.compile(r"newsletter|our (commitment|mission|readers|audience)|your gateway", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?…:;\"”’»)]$")

LineRule = Callable[[str], bool]

# Rules that look at one line alone. Order matters only for which rule a drop is credited to.
_LINE_RULES: dict[str, LineRule] = {
    "page_chrome": lambda s: bool(_CHROME.fullmatch(s)),
    "byline": lambda s: bool(_BYLINE.fullmatch(s)) and len(_words(s)) <= 10,
    "reading_time": lambda s: bool(_READING_TIME.fullmatch(s)),
    "dateline": lambda s: bool(_DATELINE.fullmatch(s)) and len(_words(s)) <= 8,
    "promo": lambda s: bool(_PROMO.search(s)),
    # A stray label ("IranGate", a lone author name): no more than three words and no sentence end.
    "fragment": lambda s: len(_words(s)) <= 3 and not _TERMINAL.search(s),
}

RULES: tuple[str, ...] = ("end_marker", "repeated_line", *_LINE_RULES, "author_bio", "custom")


def clean(text: str, options: CleaningOptions | None = None) -> Cleaned:
    """Normalise `text` and drop boilerplate lines, recording each drop with its rule."""
    options = options or CleaningOptions()
    lines = normalize(text, options.normalize).split("\n")
    if not options.enabled:
        return Cleaned("\n".join(line for line in lines if line))
    content = [(i, line) for i, line in enumerate(lines, 1) if line]
    dropped: list[DroppedLine] = []
    kept: list[tuple[int, str]] = []
    seen: set[str] = set()
    ended = False
    for position, (number, line) in enumerate(content):
        bare = _BULLET.sub("", line).strip()
        at_foot = position >= len(content) - 3
        rule = None
        if ended:
            rule = "end_marker"
        elif options.active("end_marker") and _END_MARKER.fullmatch(bare):
            rule, ended = "end_marker", True
        elif options.active("repeated_line") and _key(bare) in seen and _key(bare):
            rule = "repeated_line"
        elif options.active("custom") and any(p.fullmatch(bare) for p in options._compiled):
            rule = "custom"
        elif at_foot and options.active("end_marker") and _SYNDICATION.fullmatch(bare):
            rule, ended = "end_marker", True
        elif at_foot and options.active("author_bio") and _AUTHOR_BIO.fullmatch(bare):
            rule = "author_bio"
        elif at_foot and options.active("promo") and _PROMO_FOOT.search(bare):
            rule = "promo"
        else:
            rule = next(
                (
                    name
                    for name, test in _LINE_RULES.items()
                    if options.active(name) and len(content) > 1 and test(bare)
                ),
                None,
            )
        if rule:
            dropped.append(DroppedLine(number, rule, line))
        else:
            kept.append((number, line))
            seen.add(_key(bare))
    return Cleaned("\n".join(line for _, line in kept), tuple(dropped))


@lru_cache(maxsize=1)
def _nupunkt() -> Callable[[str], list[str]]:
    import nupunkt

    return lambda text: [str(s) for s in nupunkt.sent_tokenize(text)]


SplitMode = Literal["nupunkt", "lines"]


def split_sentences(text: str, mode: SplitMode = "nupunkt") -> list[str]:
    """Sentences of `text`: each line (paragraph) is split with nupunkt, or taken whole in "lines" mode."""
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    if mode == "lines":
        return paragraphs
    tokenize = _nupunkt()
    return [s.strip() for p in paragraphs for s in tokenize(p) if s.strip()]


def to_canonical(
    text: str, options: CleaningOptions | None = None, split: SplitMode = "nupunkt", where: str = "text"
) -> Cleaned:
    """Clean `text` and put it in canonical form (one sentence per line); InputError when nothing is left."""
    cleaned = clean(text, options)
    sentences = split_sentences(cleaned.text, split)
    if not sentences:
        rules = sorted({d.rule for d in cleaned.dropped})
        detail = f" (cleaning dropped {len(cleaned.dropped)} lines: {', '.join(rules)})" if rules else ""
        raise InputError(f"{where}: no text left after cleaning{detail}")
    return Cleaned(one_per_line(sentences), cleaned.dropped)


def one_per_line(sentences: Sequence[str]) -> str:
    """The canonical form: one sentence per line, no line breaks inside a sentence."""
    return "\n".join(" ".join(s.split()) for s in sentences)


def word_count(text: str) -> int:
    return len(text.split())
