"""How closely one text tracks its source: ROUGE, extractive fragments, novel n-grams, semantics, alignment.

Words, for fragments and n-grams, are maximal runs of letters and digits of any script, lowercased, not
stemmed (punctuation is dropped): "Re-use, it's 2x!" -> re, use, it, s, 2x. ROUGE figures use the ROUGE
scorer's own tokens (rouge-score's, stemmed) so that they match the score tables.

Extractive fragments follow Grusky, Naaman & Artzi (2018), "Newsroom", NAACL: walking through the text, take
at each position the longest word sequence that also occurs in the source, and move past it (or one word on,
when there is none; Grusky et al.'s code can skip some source positions, this looks at all). From the
fragments F of a text of |T| words and a source of |S| words:
- coverage = sum |f| / |T|: the share of the text's words that lie in a copied fragment;
- density = sum |f|^2 / |T|: the average length of the fragment each word belongs to (long copied runs);
- compression = |S| / |T|.
Novel n-grams (n = 1..4): the share of the text's n-grams (counted with repetition) that the source lacks.

Texts are in the pipeline's canonical form, one sentence per line. Measures a text cannot define (an empty
text has no coverage; a 2-word text has no 4-grams) are None, never 0.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, overload

import numpy as np

from eval.options import RougeType
from eval.rouge.scorer import Score, Scorer
from eval.tracking.alignment import AlignedSentence, Alignment, align, align_lexical
from eval.tracking.entities import EntityPipeline, EntitySupport, check
from eval.tracking.semantic import Embedder
from summarize.errors import ModelUnavailableError

TRACKING_ROUGE_TYPES: tuple[RougeType, ...] = ("rouge1", "rouge2", "rougeL")
NGRAM_ORDERS: tuple[int, ...] = (1, 2, 3, 4)
# Embedding every sentence of a book-length text takes hours on a CPU and a dense text x source matrix
# of cosines; above this many sentences (in the text or its source) `semantic` is None, with the reason.
MAX_SEMANTIC_SENTENCES = 20_000
_WORD = re.compile(r"[^\W_]+")


class Spans(Sequence[tuple[int, int]]):
    """(start, end) character offsets of a text's words, held in two int arrays (a tuple of tuples costs
    ~120 bytes a word: 1 GB for a 50 MB text)."""

    def __init__(self, starts: array, ends: array) -> None:
        self._starts, self._ends = starts, ends

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(index, slice):
            return list(zip(self._starts[index], self._ends[index], strict=True))
        return self._starts[index], self._ends[index]


@dataclass(frozen=True)
class Words:
    """A text's words and where each one stands in it (character offsets), for highlighting."""

    tokens: tuple[str, ...]
    spans: Sequence[tuple[int, int]]


@lru_cache(maxsize=64)
def words(text: str) -> Words:
    """Cached: a cluster's source is measured against every one of its texts (issue 12)."""
    tokens: list[str] = []
    starts, ends = array("q"), array("q")
    seen: dict[str, str] = {}  # one string object per distinct word
    for m in _WORD.finditer(text):
        token = m.group().lower()
        tokens.append(seen.setdefault(token, token))
        starts.append(m.start())
        ends.append(m.end())
    return Words(tuple(tokens), Spans(starts, ends))


@dataclass(frozen=True)
class Fragment:
    """`length` words shared by the text (from its word `text_start`) and the source (`source_start`)."""

    text_start: int
    source_start: int
    length: int


def fragments(source: Sequence[str], text: Sequence[str]) -> list[Fragment]:
    """Greedy extractive fragments of `text` in `source` (Grusky et al. 2018), both given as word lists.

    At each text position the longest match is found by walking a suffix automaton of the source
    (Blumer et al. 1985), so the work is linear in both lengths: a 50 MB text against a long source takes
    seconds, where comparing against every occurrence of each word took hours. Among equally long
    matches the earliest in the source is taken, as the direct search did.
    """
    automaton = _automaton(tuple(source)) if len(source) <= _CACHED_SOURCE else _SuffixAutomaton(source)
    found = []
    i = 0
    n = len(text)
    while i < n:
        length, end = automaton.longest_prefix(text, i)
        if length:
            found.append(Fragment(i, end - length + 1, length))
        i += max(length, 1)
    return found


_CACHED_SOURCE = 100_000  # words; a longer source's automaton is not kept (it can take hundreds of MB)


@lru_cache(maxsize=8)
def _automaton(source: tuple[str, ...]) -> _SuffixAutomaton:
    """Built once per source: a cluster's source is matched against every one of its texts (issue 12)."""
    return _SuffixAutomaton(source)


class _SuffixAutomaton:
    """The suffix automaton of a word sequence: every substring of it is a path from state 0.

    `first_end[s]` is where the first occurrence of the state's words ends in the source, which gives the
    earliest source position of a match.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        self.next: list[dict[str, int]] = [{}]
        self.link = [-1]
        self.length = [0]
        self.first_end = [-1]
        last = 0
        for position, token in enumerate(tokens):
            last = self._extend(last, token, position)

    def _new(self, length: int, first_end: int, link: int, moves: dict[str, int]) -> int:
        self.next.append(moves)
        self.link.append(link)
        self.length.append(length)
        self.first_end.append(first_end)
        return len(self.next) - 1

    def _extend(self, last: int, token: str, position: int) -> int:
        nxt, link, length = self.next, self.link, self.length
        cur = self._new(length[last] + 1, position, -1, {})
        p = last
        while p != -1 and token not in nxt[p]:
            nxt[p][token] = cur
            p = link[p]
        if p == -1:
            link[cur] = 0
            return cur
        q = nxt[p][token]
        if length[p] + 1 == length[q]:
            link[cur] = q
            return cur
        clone = self._new(length[p] + 1, self.first_end[q], link[q], dict(nxt[q]))
        while p != -1 and nxt[p].get(token) == q:
            nxt[p][token] = clone
            p = link[p]
        link[q] = link[cur] = clone
        return cur

    def longest_prefix(self, text: Sequence[str], start: int) -> tuple[int, int]:
        """Length of the longest prefix of text[start:] found in the source, and where it first ends."""
        state, k = 0, 0
        nxt = self.next
        while start + k < len(text):
            step = nxt[state].get(text[start + k])
            if step is None:
                break
            state, k = step, k + 1
        return k, self.first_end[state]


def novel_ngram_ratio(source: Sequence[str], text: Sequence[str], n: int) -> float | None:
    """Share of the text's n-grams that do not occur in the source; None when the text has no n-gram."""
    total = len(text) - n + 1
    if total <= 0:
        return None
    known = _ngram_set(tuple(source), n)
    return sum(tuple(text[i : i + n]) not in known for i in range(total)) / total


@lru_cache(maxsize=32)
def _ngram_set(source: tuple[str, ...], n: int) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(source[i : i + n]) for i in range(len(source) - n + 1))


def copied_char_spans(source: str, text: str, *, min_length: int = 3) -> tuple[list[tuple[int, int]], ...]:
    """Character spans of the fragments of at least `min_length` words, in the text and in the source.

    Returns (text_spans, source_spans). Short fragments ("the", "of a") are left out: every text shares them.
    """
    src, txt = words(source), words(text)
    text_spans, source_spans = [], []
    for f in fragments(src.tokens, txt.tokens):
        if f.length >= min_length:
            last = f.length - 1
            text_spans.append((txt.spans[f.text_start][0], txt.spans[f.text_start + last][1]))
            source_spans.append((src.spans[f.source_start][0], src.spans[f.source_start + last][1]))
    return text_spans, source_spans


@dataclass(frozen=True)
class TrackingProfile:
    """Every tracking measure of one text against its source; JSON-able through `dataclasses.asdict`."""

    source_words: int
    text_words: int
    rouge: dict[str, Score]
    coverage: float | None
    density: float | None
    compression: float | None
    novel_ngrams: dict[int, float | None]
    longest_fragment: int
    longest_fragment_text: str
    # Median over the text's sentences of the cosine with their best-matching source sentence. On the
    # Clough-Stevenson corpus it separates derived from independent text better (AUC 0.96) than the mean
    # (0.94) or one vector per document (0.86): a few added or dropped sentences do not move it.
    semantic: float | None
    semantic_reason: str | None
    alignment: Alignment
    # The mean of `semantic` and the text's shared 3-gram share (1 - novel 3-grams, the trigram containment
    # of Clough & Stevenson 2011): copying and meaning kept, one number. None without the semantic model.
    closeness: float | None
    # Entity and number support (eval.tracking.entities); None with the reason when it was off or unavailable.
    entities: EntitySupport | None = None
    entities_reason: str | None = None
    # The model-based faithfulness scores (issue 17), by scorer: "likelihood", "nli", "judge" (see
    # eval/tracking/model_scoring.py); JSON-able dicts, kept per text in results.json.
    model_scores: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, written out (asdict's deep copy costs ~0.5 ms a profile)."""
        a = self.alignment
        return {
            "source_words": self.source_words,
            "text_words": self.text_words,
            "rouge": {
                k: {"precision": v.precision, "recall": v.recall, "f1": v.f1} for k, v in self.rouge.items()
            },
            "coverage": self.coverage,
            "density": self.density,
            "compression": self.compression,
            "novel_ngrams": dict(self.novel_ngrams),
            "longest_fragment": self.longest_fragment,
            "longest_fragment_text": self.longest_fragment_text,
            "semantic": self.semantic,
            "semantic_reason": self.semantic_reason,
            "alignment": {
                "method": a.method,
                "threshold": a.threshold,
                "pairs": tuple(
                    {"text_index": p.text_index, "source_index": p.source_index, "similarity": p.similarity}
                    for p in a.pairs
                ),
                "order": a.order,
            },
            "closeness": self.closeness,
            "entities": None if self.entities is None else self.entities.to_dict(),
            "entities_reason": self.entities_reason,
            "model_scores": self.model_scores,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrackingProfile:
        """Rebuild a profile from `dataclasses.asdict` output, also after a JSON round trip."""
        alignment = data["alignment"]
        return cls(
            **{k: v for k, v in data.items() if k not in ("rouge", "novel_ngrams", "alignment", "entities")},
            entities=None if data.get("entities") is None else EntitySupport.from_dict(data["entities"]),
            rouge={k: Score(**v) for k, v in data["rouge"].items()},
            novel_ngrams={int(n): v for n, v in data["novel_ngrams"].items()},
            alignment=Alignment(
                alignment["method"],
                alignment["threshold"],
                tuple(AlignedSentence(**p) for p in alignment["pairs"]),
                alignment["order"],
            ),
        )


def sentences(text: str) -> list[str]:
    """The non-empty lines of a canonical text."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _sentence_similarity(
    source_sents: list[str], text_sents: list[str], embedder: Embedder | None
) -> tuple[np.ndarray | None, str | None]:
    if embedder is None:
        return None, "semantic similarity not requested (no embedder given)"
    if not source_sents or not text_sents:
        return None, "semantic similarity undefined: a text has no sentences"
    longest = max(len(source_sents), len(text_sents))
    if longest > MAX_SEMANTIC_SENTENCES:
        return None, (
            f"semantic similarity skipped: {longest:,} sentences, above the limit of "
            f"{MAX_SEMANTIC_SENTENCES:,} for sentence embeddings (sentences aligned by word overlap instead)"
        )
    try:
        return embedder.embed(text_sents) @ embedder.embed(source_sents).T, None
    except ModelUnavailableError as exc:
        return None, str(exc)


def track(
    source: str,
    text: str,
    *,
    scorer: Scorer,
    embedder: Embedder | None = None,
    rouge: dict[str, Score] | None = None,
    entities: EntityPipeline | None = None,
) -> TrackingProfile:
    """Measure how closely `text` tracks `source`; both one sentence per line.

    Without an `embedder`, or when its model cannot be loaded, `semantic` is None with the reason in
    `semantic_reason`, and sentences are aligned by word overlap instead; every other measure is computed.
    `scorer` is the run's tracking scorer (eval.settings builds it, with TRACKING_ROUGE_TYPES): its
    tokenizer and stemming make the ROUGE figures, so they equal the score table's. `rouge` is its score
    of (source, text) when the caller has it already (from one score_pairs call over many texts).
    With `entities` (a spaCy pipeline), each named entity and quantity is checked against the source; when
    the pipeline cannot be loaded, `entities` is None with the reason in `entities_reason`.
    """
    src, txt = words(source), words(text)
    found = fragments(src.tokens, txt.tokens)
    n_text = len(txt.tokens)
    longest = max(found, key=lambda f: f.length, default=None)
    longest_text = ""
    if longest is not None:
        start, end = txt.spans[longest.text_start][0], txt.spans[longest.text_start + longest.length - 1][1]
        longest_text = text[start:end]

    source_sents, text_sents = sentences(source), sentences(text)
    similarity, reason = _sentence_similarity(source_sents, text_sents, embedder)
    if similarity is None:
        alignment = align_lexical(text_sents, source_sents)
        semantic = None
    else:
        alignment = align(similarity, method="semantic")
        semantic = float(np.median(similarity.max(axis=1)))

    novel = {n: novel_ngram_ratio(src.tokens, txt.tokens, n) for n in NGRAM_ORDERS}
    closeness = None if semantic is None or novel[3] is None else (semantic + 1 - novel[3]) / 2
    support: EntitySupport | None = None
    support_reason: str | None = "entity support not requested"
    if entities is not None:
        try:
            support, support_reason = check(source, text, entities), None
        except ModelUnavailableError as exc:
            support_reason = str(exc)
    return TrackingProfile(
        source_words=len(src.tokens),
        text_words=n_text,
        rouge=rouge if rouge is not None else scorer.score(target=source, prediction=text),
        coverage=sum(f.length for f in found) / n_text if n_text else None,
        density=sum(f.length**2 for f in found) / n_text if n_text else None,
        compression=len(src.tokens) / n_text if n_text else None,
        novel_ngrams=novel,
        longest_fragment=longest.length if longest else 0,
        longest_fragment_text=longest_text,
        semantic=semantic,
        semantic_reason=reason,
        alignment=alignment,
        closeness=closeness,
        entities=support,
        entities_reason=support_reason,
    )
