"""Entity and number support: is each name and quantity of a text backed by its source? (issue 17)

For every text, a spaCy pipeline (tok2vec and ner only) finds its named entities (people, places, groups,
organisations, events, works, laws...) and its quantities (numbers, dates, money, percentages, numbers
written as words, and any digits the recogniser left out); each is marked supported or not by the source
with the normalised matching of eval.tracking.entity_match. From those:

- entity precision (prec_s of Nan et al. 2021): the share of the text's named entities the source supports;
- quantity precision: the same for quantities;
- unsupported: how many entities and quantities the source does not support (they are listed too);
- entity recall: the share of the source's distinct named entities the text mentions;
- entity context: the share of the text's supported entities whose neighbouring words (a few content words
  on each side, in the text's sentence) match this entity's contexts in the source at least as well as any
  other source entity's. Two entities of the source swapped ("Smith beat Jones" -> "Jones beat Smith") are
  each supported, but each now stands where the other stood in the source.
- support: the share of the text's entities and quantities the source supports (both precisions in one).

Lowercased texts. A text with no capital letter while its source has some (many system outputs are
lowercased) is recased before recognition, offsets unchanged: each word takes the casing the source gives
it away from a sentence start ("biden" -> "Biden" where the source writes "Biden"), country, demonym,
month and weekday names are capitalised, and each sentence starts with a capital. A text that has capitals
of its own is read as written. The recogniser still finds names that the source lacks in lowercased text
(less often than in cased text); names the source has are found through the source in either case.

Each distinct sentence is recognised once per process (cached by its hash): a summary that copies source
sentences costs nothing more, and sentences with no capital beyond their first word, no digit and no
number, month or weekday word skip the recogniser (spaCy finds next to no entity there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from eval.tracking import entity_match as em
from eval.tracking.entity_mentions import (
    _TITLES,
    ENTITY_LABELS,
    NAME,
    QUANTITY_LABELS,
    _Mention,
    _mentions,
    _norm_words,
    casing_of,
    is_lowercased,
    recase,
)
from eval.tracking.entity_pipeline import DEFAULT_PIPELINES, EntityPipeline, Found, stop_words

__all__ = ["DEFAULT_PIPELINES", "EntityPipeline", "EntitySupport", "Fact", "casing_of", "check", "recase"]

CONTEXT_WORDS = 4  # content words on each side of a mention
Kind = Literal["entity", "quantity"]


@dataclass(frozen=True)
class Fact:
    """One named entity or quantity of a text and whether the source supports it."""

    text: str  # as written in the text
    label: str  # spaCy's label (PERSON, GPE, CARDINAL...; NUMBER for digits the recogniser left out)
    kind: Kind
    sentence: int  # index of the text's sentence (line) it stands in
    start: int  # character offsets within that sentence
    end: int
    supported: bool
    match: str  # how it matched: named, demonym, surname, source text, value; "" when unsupported
    source_sentences: tuple[int, ...]  # where the source supports it; unsupported: the sentence checked
    context: bool | None = None  # entities: neighbouring words fit this entity's source contexts best


@dataclass(frozen=True)
class EntitySupport:
    """A text's entities and quantities checked against its source."""

    facts: tuple[Fact, ...]
    source_entities: int  # distinct named entities of the source
    recalled: int  # of those, how many the text mentions
    recased: bool  # the text was lowercased and recased through its source before recognition

    def _share(self, kind: Kind) -> float | None:
        checked = [f for f in self.facts if f.kind == kind]
        return sum(f.supported for f in checked) / len(checked) if checked else None

    @property
    def entity_precision(self) -> float | None:
        return self._share("entity")

    @property
    def quantity_precision(self) -> float | None:
        return self._share("quantity")

    @property
    def support(self) -> float | None:
        return sum(f.supported for f in self.facts) / len(self.facts) if self.facts else None

    @property
    def unsupported(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if not f.supported)

    @property
    def out_of_context(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.context is False)

    @property
    def entity_recall(self) -> float | None:
        return self.recalled / self.source_entities if self.source_entities else None

    @property
    def context(self) -> float | None:
        checked = [f.context for f in self.facts if f.context is not None]
        return sum(checked) / len(checked) if checked else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "facts": [
                {
                    "text": f.text,
                    "label": f.label,
                    "kind": f.kind,
                    "sentence": f.sentence,
                    "start": f.start,
                    "end": f.end,
                    "supported": f.supported,
                    "match": f.match,
                    "source_sentences": list(f.source_sentences),
                    "context": f.context,
                }
                for f in self.facts
            ],
            "unsupported": [f.text for f in self.unsupported],
            "source_entities": self.source_entities,
            "recalled": self.recalled,
            "recased": self.recased,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntitySupport:
        facts = tuple(Fact(**{**f, "source_sentences": tuple(f["source_sentences"])}) for f in data["facts"])
        return cls(facts, data["source_entities"], data["recalled"], data["recased"])


def unsupported_text(support: EntitySupport | None) -> str:
    """The unsupported items as one field, each once: "France; 12"."""
    if support is None:
        return ""
    return "; ".join(dict.fromkeys(f.text for f in support.unsupported))


@dataclass
class _Source:
    sentences: list[list[str]]  # normalised words of each sentence
    keys: dict[str, set[int]]  # normal form (and country, surname) -> sentences naming it
    via: dict[str, str]  # how a key came in where not by name: "surname", "demonym"
    numbers: frozenset[float]
    dates: frozenset[str]
    entities: list[_Mention]
    lowercase: frozenset[str]  # words the source writes in lowercase (titles: "historian", "minister")
    number_sentences: dict[float, set[int]] = field(default_factory=dict)


def _source(sentences: Sequence[str], found: Sequence[Found]) -> _Source:
    words = [_norm_words(s) for s in sentences]
    mentions = _mentions(sentences, found)
    keys: dict[str, set[int]] = {}
    via: dict[str, str] = {}
    entities = [m for m in mentions if m.label in ENTITY_LABELS and any(c.isalpha() for c in m.form)]
    names = {m.form for m in entities}
    for m in entities:
        for key in em.keys(m.form):
            keys.setdefault(key, set()).add(m.sentence)
            if key != m.form and key not in names:
                via[key] = "demonym"
        parts = m.form.split()
        if m.label in ("PERSON", "ORG") and len(parts) > 1:
            keys.setdefault(parts[-1], set()).add(m.sentence)
            if parts[-1] not in names:
                via[parts[-1]] = "surname"
    number_sentences: dict[float, set[int]] = {}
    for i, s in enumerate(sentences):
        for value in em.source_numbers([s]):
            number_sentences.setdefault(value, set()).add(i)
    dates = frozenset().union(*(em.date_words(s) for s in sentences)) if sentences else frozenset()
    lowercase = frozenset(w for s in sentences for w in em._WORD.findall(s) if w.islower()) | _TITLES
    return _Source(
        words, keys, via, frozenset(number_sentences), dates, entities, lowercase, number_sentences
    )


def _find(source: _Source, phrase: Sequence[str]) -> set[int]:
    return {i for i, words in enumerate(source.sentences) if em.contains(words, phrase)}


def _entity_support(m: _Mention, source: _Source) -> tuple[str, set[int]]:
    if not m.form:
        return "", set()
    if m.form in source.keys:
        return source.via.get(m.form, "named"), source.keys[m.form]
    country = em.country_of(m.form)
    if country and country in source.keys:
        return "demonym", source.keys[country]
    demonyms = {d for d, c in em.DEMONYMS.items() if c == m.form}
    for d in demonyms:
        if d in source.keys:
            return "demonym", source.keys[d]
    where = _find(source, m.form.split())
    if where:
        return "source text", where
    if m.label == "NORP":  # "Western" by "the West", "Islamist" by "Islamic"
        where = _stem_found(m.form, source)
        if where:
            return "source text", where
    words = m.form.split()
    while len(words) > 1 and words[0] in source.lowercase:  # "Historian Sergey Radchenko": a title first
        words = words[1:]
        tail = " ".join(words)
        if tail in source.keys:
            return source.via.get(tail, "named"), source.keys[tail]
        where = _find(source, words)
        if where:
            return "source text", where
    for d in demonyms | ({country} if country else set()):
        where = _find(source, d.split())
        if where:
            return "demonym", where
    return "", set()


_SUFFIXES = (
    "erners",
    "erner",
    "ern",
    "ists",
    "ist",
    "ism",
    "ians",
    "ian",
    "ans",
    "an",
    "ese",
    "ish",
    "is",
    "i",
    "s",
)


def _stem_found(form: str, source: _Source) -> set[int]:
    """Sentences with a word sharing the stem of a group name's last word (at least 4 letters)."""
    *head, last = form.split()
    for suffix in _SUFFIXES:
        if last.endswith(suffix) and len(last) - len(suffix) >= 4:
            stem = last[: -len(suffix)]
            return {
                i
                for i, words in enumerate(source.sentences)
                for j, w in enumerate(words)
                if w.startswith(stem) and words[max(0, j - len(head)) : j] == head
            }
    return set()


def _quantity_support(m: _Mention, source: _Source) -> tuple[str, set[int]] | None:
    values, dates = em.quantity_parts(m.text)
    if not values and not dates:
        return None  # "recently", "the past decade": nothing to check
    if values <= source.numbers and dates <= source.dates:
        where = set().union(set(), *(source.number_sentences.get(v, set()) for v in values))
        where |= {i for i, words in enumerate(source.sentences) if dates & set(words)}
        return "value", where
    return "", set()


def _closest(sentence_words: Sequence[str], source: _Source, n: int = 2) -> tuple[int, ...]:
    """The `n` source sentences sharing most content words with a text sentence: what an unsupported
    item was checked against (every sentence was, but these are where it would have stood)."""
    mine = {_stem(w) for w in sentence_words} - stop_words()
    if not mine or not source.sentences:
        return ()
    shared = [len(mine & {_stem(w) for w in words}) for words in source.sentences]
    best = sorted(range(len(shared)), key=lambda i: (-shared[i], i))[:n]
    return tuple(sorted(i for i in best if shared[i] > 0))


def _window(words: Sequence[str], start: int, end: int, size: int) -> tuple[set[str], set[str]]:
    """The content words (plural "s" dropped) before and after a mention, `size` of each at most."""
    stop = stop_words()
    left = [_stem(w) for w in words[:start] if w not in stop][-size:]
    right = [_stem(w) for w in words[end:] if w not in stop][:size]
    return set(left), set(right)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _context_score(left: set[str], right: set[str], contexts: Iterable[tuple[set[str], set[str]]]) -> float:
    total = len(left) + len(right)
    return max(((len(left & ls) + len(right & rs)) / total for ls, rs in contexts), default=0.0)


def _occurrences(source: _Source, forms: Iterable[str]) -> list[tuple[set[str], set[str]]]:
    out = []
    for form in forms:
        phrase = form.split()
        for words in source.sentences:
            for i in em.contains(words, phrase):
                out.append(_window(words, i, i + len(phrase), CONTEXT_WORDS + 2))
    return out


def _position(sentence: str, m: _Mention) -> tuple[int, int]:
    before = len(_norm_words(sentence[: m.start]))
    return before, before + len(m.form.split())


def _context(m: _Mention, sentence: str, source: _Source, own: set[str]) -> tuple[bool | None, float]:
    """Whether the words around the mention fit its own source contexts at least as well as another
    source entity's, and how well they fit its own (the share of its neighbours found there)."""
    words = _norm_words(sentence)
    start, end = _position(sentence, m)
    left, right = _window(words, start, end, CONTEXT_WORDS)
    if not left and not right:
        return None, 0.0
    mine = _context_score(left, right, _occurrences(source, own))
    others = {e.form for e in source.entities if not (em.keys(e.form) & own) and e.form not in own}
    if not others:
        return None, mine
    theirs = _context_score(left, right, _occurrences(source, others))
    return mine >= theirs, mine


def prefetch(source: str, texts: Sequence[str], pipeline: EntityPipeline) -> None:
    """Recognise the sentences of a source and its texts in one batch (a cluster at a time), so that
    `check` finds them in the cache. ModelUnavailableError when the pipeline cannot be loaded."""
    source_sents = [s for s in source.splitlines() if s.strip()]
    wanted = list(source_sents)
    casing = casing_of(source_sents) if any(is_lowercased(t) for t in texts) else {}
    for text in texts:
        sentences = [s for s in text.splitlines() if s.strip()]
        if is_lowercased(text) and not is_lowercased(source):
            sentences = [recase(s, casing) for s in sentences]
        wanted += sentences
    pipeline.recognise(wanted)


def check(source: str, text: str, pipeline: EntityPipeline) -> EntitySupport:
    """Every entity and quantity of `text` (one sentence per line) checked against `source`.

    ModelUnavailableError when the pipeline cannot be loaded."""
    source_sents = [s for s in source.splitlines() if s.strip()]
    text_sents = [s for s in text.splitlines() if s.strip()]
    recased = is_lowercased(text) and not is_lowercased(source)
    src, casing = _source_of(source, source_sents, pipeline)
    read = [recase(s, casing) for s in text_sents] if recased else text_sents
    mentions = _mentions(text_sents, pipeline.recognise(read), read, names=True)
    facts = []
    mentions = _headline_names(mentions, text_sents, src)
    for m in mentions:
        sentence = text_sents[m.sentence]
        if m.label in ENTITY_LABELS or m.label == NAME:
            how, where = _entity_support(m, src)
            kind: Kind = "entity"
            own = em.keys(m.form) | ({m.form.split()[-1]} if how == "surname" else set())
            if how == "demonym":  # its contexts are the demonym's (or the country's) in the source
                own |= {d for d, c in em.DEMONYMS.items() if c in own}
            context, fit = _context(m, sentence, src, own) if how else (None, 0.0)
            if how == "demonym" and context is False and fit == 0:
                # "British officials" in the source backs "the United Kingdom" only where the text uses
                # it as the source uses the demonym; elsewhere it is a country the source does not name.
                how, where = "", set()
        elif m.label in QUANTITY_LABELS or m.label == "NUMBER":
            got = _quantity_support(m, src)
            if got is None:
                continue
            how, where = got
            kind, context = "quantity", None
        else:
            continue
        checked = tuple(sorted(where))[:3] if how else _closest(_norm_words(sentence), src)
        facts.append(
            Fact(m.text, m.label, kind, m.sentence, m.start, m.end, bool(how), how, checked, context)
        )
    source_forms = _distinct_entities(src)
    text_words = [_norm_words(s) for s in text_sents]
    text_keys = set().union(*(em.keys(m.form) for m in mentions)) if mentions else set()
    recalled = sum(_mentioned(form, text_keys, text_words) for form in source_forms)
    return EntitySupport(tuple(facts), len(source_forms), recalled, recased)


def _title_cased(sentence: str) -> bool:
    """A headline: no closing stop, three words or more, every word but the small ones capitalised."""
    words = [w for w in sentence.split() if w[:1].isalpha()]
    if len(words) < 3 or sentence.rstrip().endswith((".", "!", "?", '."', ".\u201d")):
        return False
    return all(w[0].isupper() for w in words if w.lower() not in stop_words())


def _headline_names(mentions: list[_Mention], sentences: Sequence[str], source: _Source) -> list[_Mention]:
    """The mentions to check: in a title-cased line (a headline, "Russia Maintain Distance Amid Crisis")
    a capital says nothing, so its names are not checked (its numbers are)."""
    return [
        m
        for m in mentions
        if not ((m.label in ENTITY_LABELS or m.label == NAME) and _title_cased(sentences[m.sentence]))
    ]


def _source_of(source: str, sentences: list[str], pipeline: EntityPipeline) -> tuple[_Source, dict[str, str]]:
    """The source's entities, numbers and casing, made once per source (every text of a cluster is
    checked against the same one)."""
    cached = pipeline._sources.get(source)
    if cached is None:
        cached = _source(sentences, pipeline.recognise(sentences)), casing_of(sentences)
        pipeline._sources[source] = cached
        while len(pipeline._sources) > 8:
            pipeline._sources.popitem(last=False)
    return cached


def _distinct_entities(source: _Source) -> list[str]:
    """The source's distinct named entities: one per normal form, a country and its demonym as one, a
    surname alone as the full name given before it."""
    forms: dict[str, str] = {}
    surnames = {e.form.split()[-1] for e in source.entities if e.label == "PERSON" and " " in e.form}
    for e in source.entities:
        if e.form in surnames:
            continue
        forms.setdefault(em.country_of(e.form) or e.form, e.form)
    return list(forms.values())


def _mentioned(form: str, text_keys: set[str], text_words: Sequence[Sequence[str]]) -> bool:
    if em.keys(form) & text_keys:
        return True
    parts = form.split()
    candidates = [parts, parts[-1:]] if len(parts) > 1 else [parts]
    return any(em.contains(words, c) for words in text_words for c in candidates)
