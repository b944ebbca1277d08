"""Normalisation, web-boilerplate removal and sentence splitting.

Plain-text copies of web articles carry page chrome (repeated titles, "top of page", bylines, reading-time
lines, share buttons, promotional footers). Left in, it counts against a rewrite's ROUGE precision though
it has nothing to do with how the rewrite tracks its source. Each rule below is named, can be switched
off, and every line it drops is recorded so the user can check what was removed.

Chrome lives at the head and foot of a page, so the rules look only there (an end marker such as
"Previous Post Next Post" in the second half ends the article), each matches a whole line by its shape,
not a keyword, and a one-line text (one paragraph) is never cleaned. A cleaning that would remove most of
a text is not applied (issue 11).

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
    # Lines the rules matched but that were kept because dropping them would gut the text, and why.
    kept: tuple[DroppedLine, ...] = ()
    warning: str = ""


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


# Each rule matches the whole line: a rule drops a paragraph (a line) or nothing, never a sentence from
# inside one. Shapes are anchored at both ends, so an ordinary sentence that merely contains a keyword
# ("Share prices fell", "All rights reserved, the judge noted, ...") does not match (issue 11).
_CHROME = re.compile(
    r"(top|bottom) of (the )?page|skip to (main )?content|advertisement|sponsored( content)?|"
    r"share( this( article| post| story)?)?|(tweet|email|print)( this)?|related (posts|articles|stories)|"
    r"read more|continue reading|menu|home|log ?in|sign ?in|comments?|leave a (comment|reply)|"
    r"(previous|next) (post|article)|(tags?|categor(y|ies)) ?:( [\w’'&-]+,?){1,8}",
    re.IGNORECASE,
)
# Lines after which a web copy holds only chrome: the article has ended.
_END_MARKER = re.compile(
    r"previous post next post|share this (article|post|story)|bottom of (the )?page", re.IGNORECASE
)
_CAP = r"[A-Z0-9][\w.&'’:-]*"
# Syndication footers: "The post <Title In Capitals> appeared first on <Site>."
_SYNDICATION = re.compile(
    rf"(?:The post (?P<title>.{{1,160}}?)|This (?:article|story|post)) appeared first on (?:the )?"
    rf"{_CAP}(?: {_CAP}){{0,5}}\.?"
)
_NAME = r"[A-ZÀ-ÞА-ЯЁ][\w.'’-]*"
# "By Jane Doe", "Writer: ..."; "By the end of the day" is a sentence, not a byline.
_BYLINE = re.compile(
    rf"(?i:by|written by|posted by|reporting by)\s+{_NAME}(\s+(?:and\s+)?{_NAME}){{0,4}}|"
    r"(?i:writer|author|editor|byline)\s*:\s*[^.!?]{1,60}"
)
_READING_TIME = re.compile(r"\d+\s*(min|mins|minute|minutes)\.?\s*(read|reading)( time)?", re.IGNORECASE)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    rf"({_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
)
_TIME = r"(,?\s*(at\s+)?\d{1,2}([:.]\d{2})?\s*([ap]\.?m\.?)?(\s+[A-Z]{2,4})?)?"
# A date line and nothing else ("June 27, 2025", "Updated: 2 March 2024, 10:15 GMT", "3 days ago").
_DATELINE = re.compile(
    rf"\d+\s+(second|minute|hour|day|week|month|year)s?\s+ago|"
    rf"((updated|published|posted)( on)?:?\s+)?{_DATE}{_TIME}(\s*[|•·-]\s*{_TIME})?",
    re.IGNORECASE,
)
# "Jane Doe reports on ... for The Times." as the last lines of an article: a name, a beat, a masthead.
_AUTHOR_BIO = re.compile(
    rf"{_NAME}( {_NAME}){{1,3}} (reports on|reports about|writes about|writes on|covers|"
    r"is an? [\w ]{0,40}(reporter|correspondent|writer|columnist|editor)) .{0,200}? "
    rf"(for|at) (the |The )?{_CAP}( {_CAP}){{0,4}}\."
)
# Promotion is an imperative addressed to the reader, at the start of a short line; a news sentence that
# reports someone clicking, subscribing or reserving rights does not start that way.
_PROMO = re.compile(
    r"(please )?(click|tap) (here|below|on (the|this) link|the link)( (to|for)\b.{0,120})?[.!:]?|"
    r"to (see|view|read|get|find) (more|all|the latest|categori[sz]ed|related)\b.{0,120}\b(click|tap)\b"
    r".{0,60}|"
    r"(subscribe|sign up|register)\b.{0,60}\b(our|newsletters?|updates|alerts|inbox|e-?mails?|here|now|"
    r"today|free)\b.{0,100}|"
    r"(follow us (on|at)|download (our|the) app)\b.{0,100}",
    re.IGNORECASE,
)
# "© 2024 Example News. All rights reserved.", "Copyright 2023 The Daily", "All rights reserved."
_COPYRIGHT = re.compile(
    r"((copyright\s*)?(©|\(c\))|copyright\s+(?=\d{4}))\s*(\d{4}(\s*[-–]\s*\d{4})?)?[\w .,&'’-]{0,80}?"
    r"(\.?\s*all rights reserved)?\.?|all rights reserved\.?",
    re.IGNORECASE,
)
# A line that reports ("..., the guide told the hikers", "... was the slogan") is news, not promotion.
_REPORTED = re.compile(
    r"\b(is|are|was|were|has|have|had|will|would|did|does|said|says|told|tells|noted|added|urged|asked|"
    r"according)\b|"
    # "..., the billboard read, ...": a quoted sign or slogan
    r"\b(the|a|an|its|their) [\w’'-]+ (read|reads)\s*[,.;]",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…:;\"”’»)]$")
_NUMBERED = re.compile(r"(\d+|[ivxlc]+|[a-z])[.)]\s", re.IGNORECASE)
# A second sentence inside the line: such a line is a paragraph, and promo and bio rules leave it alone.
_TWO_SENTENCES = re.compile(r"(?<!\b[A-Z])[.!?]\s+[A-Z\"“]")

LineRule = Callable[[str], bool]

# Rules for the head and foot of a page (see _zones). Order matters only for which rule a drop is
# credited to.
_LINE_RULES: dict[str, LineRule] = {
    "page_chrome": lambda s: bool(_CHROME.fullmatch(s)),
    "byline": lambda s: bool(_BYLINE.fullmatch(s)) and len(_words(s)) <= 8,
    "reading_time": lambda s: bool(_READING_TIME.fullmatch(s)),
    "dateline": lambda s: bool(_DATELINE.fullmatch(s)) and len(_words(s)) <= 10,
    "promo": lambda s: _promo(s),
}


def _promo(line: str) -> bool:
    """An imperative to the reader or a copyright line, short, not reporting anything."""
    if _REPORTED.search(line):
        return False
    if _COPYRIGHT.fullmatch(line):
        return len(_words(line)) <= 16
    return bool(_PROMO.fullmatch(line)) and len(_words(line)) <= 30 and not _TWO_SENTENCES.search(line)


# A chrome-like opening that goes on as a sentence of prose ("Click here to enter, the sign on the
# abandoned factory read, in letters two feet high.") is prose at any position (issue 21): after a clause
# break, several more words that narrate (a past-tense verb, or a subject: "the sign", "she") and say nothing
# to the reader. Real chrome that goes on after a comma keeps addressing the reader ("Subscribe now, and
# get your first month free.").
_CLAUSE_BREAK = re.compile(r"[,;—–]\s+|\s+-\s+")
_TO_READER = re.compile(
    r"\b(you|your|yours|our|us|free|now|today|here|below|click|tap|subscribe|sign ?(up|in)|register|download|"
    r"follow|newsletters?|inbox|app|offers?|deals?|discounts?|updates|alerts|e-?mails?|more|latest)\b",
    re.IGNORECASE,
)
_NARRATING = re.compile(
    r"\b([a-z]{3,}ed|read|said|says|was|were|had|stood|hung|ran|went|came|wrote|shone|held|saw|sat|lay|"
    r"rose|fell|grew|knew|thought|took|gave|left|kept|brought|bore|spoke|began|told|sang|drew|swung)\b|"
    r"^(the|a|an|his|her|their|its|he|she|they|it|this|that|these|those|my|one)\b",
    re.IGNORECASE,
)


def _continues_as_prose(line: str) -> bool:
    """After its first clause break the line goes on for four words or more that narrate and do not
    address the reader: a sentence that opens like chrome, not chrome."""
    parts = _CLAUSE_BREAK.split(line, maxsplit=1)
    if len(parts) < 2:
        return False
    tail = parts[1]
    return len(_words(tail)) >= 4 and not _TO_READER.search(tail) and bool(_NARRATING.search(tail))


def _repeated_title(line: str, seen: set[str]) -> bool:
    """A title printed again (two words or more, no sentence end): a repeated sentence is left alone."""
    key = _key(line)
    return key in seen and len(key.split()) > 1 and not re.search(r"[.!?]$", line)


def _author_bio(line: str) -> bool:
    """One sentence of name, beat and masthead, in the last two lines of a page of six or more."""
    return bool(_AUTHOR_BIO.fullmatch(line)) and not _TWO_SENTENCES.search(line)


def _fragment(line: str) -> bool:
    """A stray label ("IranGate", an author's name repeated under the byline): at most three words, no
    sentence end, not a numbered heading ("1. Dog-food taster")."""
    return len(_words(line)) <= 3 and not _TERMINAL.search(line) and not _NUMBERED.match(line)


def _syndication(line: str) -> bool:
    match = _SYNDICATION.fullmatch(line)
    if not match:
        return False
    words = (match["title"] or "").split()
    return sum(w[:1].isupper() or w[:1].isdigit() for w in words) * 2 >= len(words)


def _ends_article(line: str, i: int, n: int, foot: int) -> bool:
    """An end marker in the second half, or a syndication footer in the foot."""
    return (2 * i >= n > 1 and bool(_END_MARKER.fullmatch(line))) or (i >= foot and _syndication(line))


def _prose(line: str) -> bool:
    return len(_words(line)) >= 6 and bool(re.search(r"[.!?…\"”’»)]$", line))


def _zones(bares: Sequence[str]) -> tuple[int, int]:
    """Where chrome lives: lines before `head` and from `foot` on. That is up to a third of the lines at
    each end (at most 10 at the head, 4 at the foot), widened to the short lines before the first and
    after the last paragraph of prose. The body between is never touched; a one-line text has neither."""
    n = len(bares)
    if n < 2:
        return 0, n
    third = -(-n // 3)
    lead = next((i for i, line in enumerate(bares) if _prose(line)), n)
    trail = next((i for i, line in enumerate(reversed(bares)) if _prose(line)), n)
    return max(min(10, third), min(10, lead)), n - max(min(4, third), min(6, trail))


RULES: tuple[str, ...] = ("end_marker", "repeated_line", *_LINE_RULES, "fragment", "author_bio", "custom")
# A document is kept whole when cleaning would remove more than this share of its words.
GUARD_SHARE = 0.5


def _verdicts(bares: Sequence[str], options: CleaningOptions) -> list[str | None]:
    """The rule that drops each line, or None."""
    n = len(bares)
    head, foot = _zones(bares)
    out: list[str | None] = [None] * n
    seen: set[str] = set()
    ended = False
    for i, bare in enumerate(bares):
        zone = i < head or i >= foot
        if ended:
            out[i] = "end_marker"
        elif options.active("custom") and any(p.fullmatch(bare) for p in options._compiled):
            out[i] = "custom"
        elif options.active("end_marker") and _ends_article(bare, i, n, foot):
            out[i], ended = "end_marker", True
        elif zone and options.active("repeated_line") and _repeated_title(bare, seen):
            out[i] = "repeated_line"
        elif zone and not _continues_as_prose(bare):
            out[i] = next((k for k, rule in _LINE_RULES.items() if options.active(k) and rule(bare)), None)
        if out[i] is None:
            seen.add(_key(bare))
    # Weak shapes go only beside other chrome: alone, a short line may be a heading, and "Jane Roe covers
    # the courts for The Herald." may be news.
    for i, bare in enumerate(bares):
        beside = {out[j] for j in (i - 1, i + 1) if 0 <= j < n} - {None, "fragment", "author_bio"}
        if out[i] is not None or not beside:
            continue
        if options.active("fragment") and i > 0 and (i < head or i >= foot) and _fragment(bare):
            out[i] = "fragment"
        elif options.active("author_bio") and i >= n - 2 and n >= 6 and _author_bio(bare):
            out[i] = "author_bio"
    return out


def clean(text: str, options: CleaningOptions | None = None) -> Cleaned:
    """Normalise `text` and drop boilerplate lines, recording each drop with its rule.

    When the drops would remove more than half of the words, nothing is dropped: the text is kept as it
    was, the would-be drops are in `kept` and `warning` says so (a cleaner must never gut a text)."""
    options = options or CleaningOptions()
    lines = normalize(text, options.normalize).split("\n")
    if not options.enabled:
        return Cleaned("\n".join(line for line in lines if line))
    content = [(i, line) for i, line in enumerate(lines, 1) if line]
    verdicts = _verdicts([_BULLET.sub("", line).strip() for _, line in content], options)
    dropped = tuple(
        DroppedLine(n, rule, line) for (n, line), rule in zip(content, verdicts, strict=True) if rule
    )
    total = sum(len(_words(line)) for _, line in content)
    removed = sum(len(_words(d.text)) for d in dropped)
    if dropped and removed > GUARD_SHARE * total:
        rules = ", ".join(sorted({d.rule for d in dropped}))
        warning = f"cleaning would remove {removed} of {total} words ({rules}); kept the text as it was"
        return Cleaned("\n".join(line for _, line in content), (), dropped, warning)
    kept = [line for (_, line), rule in zip(content, verdicts, strict=True) if not rule]
    return Cleaned("\n".join(kept), dropped)


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
    return Cleaned(one_per_line(sentences), cleaned.dropped, cleaned.kept, cleaned.warning)


def one_per_line(sentences: Sequence[str]) -> str:
    """The canonical form: one sentence per line, no line breaks inside a sentence."""
    return "\n".join(" ".join(s.split()) for s in sentences)


def word_count(text: str) -> int:
    return len(text.split())
