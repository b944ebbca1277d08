"""The ROUGE scorer.

rouge-score 0.1.2 is the reference implementation. Its positional `score(target, prediction)` swaps
precision and recall silently when called the wrong way round, so every call here is keyword-only.
Texts for rougeLsum carry one sentence per line, as rouge-score expects.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from typing import TYPE_CHECKING, Any, cast

from eval.options import DEFAULT_TYPES, MULTI_REFS, ROUGE_TYPES, TOKENIZERS, MultiRef, TokenizerName
from eval.rouge.lcs import SentenceRows
from eval.rouge.tokens import LineTokenizer

if TYPE_CHECKING:
    import numpy as np


def __getattr__(name: str) -> Any:
    # rouge-score's Tokenizer base class imports nltk (~1 s): the adapter is loaded only when asked for.
    if name == "UnicodeTokenizer":
        from eval.rouge.unicode import UnicodeTokenizer

        return UnicodeTokenizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def package_version(package: str) -> str:
    """The installed version of `package`, or "none" when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


# One reference statistic per ROUGE type: (hits, target count, prediction count). Precision is
# hits / prediction count and recall hits / target count, as in rouge-score and ROUGE-1.5.5.
_Counts = tuple[int, int, int]
# Prepared targets kept per scorer, so repeated calls with one target tokenize it once.
_TARGET_CACHE_SIZE = 32
# Texts longer than this (characters) are scored by the compiled engine even one pair at a time.
_LONG_TEXT = 200_000
# A pair whose texts hold more characters than this together is counted by the compiled kernels, loaded
# once per process and shared by every Scorer (eval.rouge.batch.KERNELS), even in a single `score` call:
# past a few lines they beat the Python counting (0.8 against 1.1 ms on a pair of ~60-word texts; 3-4x on
# the seed texts), below it the call costs more than it saves. The numbers are the same either way
# (tests/test_rouge_pairs.py). Issue 21: a new Scorer per call was twice rouge-score-rs's time.
_COMPILED_MIN_CHARS = 600


def _ngram_counts(tokens: Sequence[str], n: int) -> Counter[object]:
    return Counter(zip(*(tokens[i:] for i in range(n)), strict=False))


def _overlap(a: Counter[object], b: Counter[object]) -> int:
    """Sum over n-grams of the smaller count: rouge-score's clipped n-gram hits."""
    return sum(min(a[gram], b[gram]) for gram in a.keys() & b.keys())


def _fmeasure(precision: float, recall: float) -> float:
    # rouge_score.scoring.fmeasure, same operations in the same order (results are compared with ==).
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def _to_score(counts: _Counts) -> Score:
    hits, target_count, prediction_count = counts
    if not hits:  # also covers rouge-score's empty-text cases, which all score zero
        return Score(0.0, 0.0, 0.0)
    precision = hits / prediction_count
    recall = hits / target_count
    return Score(precision, recall, _fmeasure(precision, recall))


class _Text:
    """A text tokenized once: its lines' tokens, and what each ROUGE type needs, built when first asked."""

    def __init__(self, sentences: list[list[str]]) -> None:
        self.sentences = sentences
        self.tokens = [token for sentence in sentences for token in sentence]
        self._ngrams: dict[int, Counter[object]] = {}

    @cached_property
    def token_counts(self) -> Counter[str]:
        return Counter(self.tokens)

    def ngrams(self, n: int) -> Counter[object]:
        if n == 1:  # plain tokens as keys, shared with rougeLsum's hit counting
            return cast("Counter[object]", self.token_counts)
        if n not in self._ngrams:
            self._ngrams[n] = _ngram_counts(self.tokens, n)
        return self._ngrams[n]

    @cached_property
    def rows(self) -> SentenceRows:
        return SentenceRows(self.sentences)


def _counts(rouge_type: str, target: _Text, prediction: _Text) -> _Counts:
    m, n = len(target.tokens), len(prediction.tokens)
    if rouge_type == "rougeL":
        hits = target.rows.lcs_length(prediction.tokens) if m and n else 0
        return hits, m, n
    if rouge_type == "rougeLsum":
        hits = target.rows.hits(prediction.sentences, prediction.token_counts) if m and n else 0
        return hits, m, n
    order = int(rouge_type[5:])
    hits = _overlap(target.ngrams(order), prediction.ngrams(order))
    return hits, max(m - order + 1, 0), max(n - order + 1, 0)


class Scorer:
    """ROUGE precision, recall and F1 for one or more types, equal to rouge-score 0.1.2's to the bit.

    `multi_ref="best"` keeps, per type, the reference with the highest F1 (rouge-score's `score_multi`,
    first one on ties); `"sum"` pools hits and counts over references (ROUGE-1.5.5's default `-f A`):
    recall = sum of hits / sum of reference counts, precision = sum of hits / (references x prediction count).
    """

    def __init__(
        self,
        types: Sequence[str] = DEFAULT_TYPES,
        *,
        stem: bool = True,
        tokenizer: TokenizerName = "default",
        multi_ref: MultiRef = "best",
    ) -> None:
        if isinstance(types, str):
            raise ValueError(f"ROUGE types {types!r}: expected a sequence of type names, not one string")
        unknown = [t for t in types if t not in ROUGE_TYPES]
        if unknown or not types:
            allowed = ", ".join(ROUGE_TYPES)
            raise ValueError(f"ROUGE types {unknown or list(types)!r}: expected some of {allowed}")
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"tokenizer {tokenizer!r}: expected {_either(TOKENIZERS)}")
        if multi_ref not in MULTI_REFS:
            raise ValueError(f"multi_ref {multi_ref!r}: expected {_either(MULTI_REFS)}")
        self.types = tuple(types)
        self.stem = stem
        self.tokenizer_name = tokenizer
        self.multi_ref = multi_ref
        self._tokenizer = LineTokenizer(tokenizer, stem=stem)
        self._targets: OrderedDict[str, _Text] = OrderedDict()

    def signature_fields(self) -> dict[str, str]:
        """This scorer's part of the signature: everything of it that can change a number."""
        return {
            "tokenizer": self.tokenizer_name,
            "stem": self._tokenizer.stemmer,
            "multi_ref": self.multi_ref,
            "rouge_score": package_version("rouge-score"),
            "nltk": package_version("nltk") if self.stem else "-",
        }

    def tokens(self, text: str) -> list[str]:
        """The tokens ROUGE sees in `text` (after lowercasing, filtering and stemming)."""
        return self._prepare(text).tokens

    def score(self, *, target: str | Sequence[str], prediction: str) -> dict[str, Score]:
        return self.score_many(target=target, predictions=[prediction])[0]

    def score_many(
        self, *, target: str | Sequence[str], predictions: Sequence[str]
    ) -> list[dict[str, Score]]:
        """Scores every prediction against the same target(s), tokenizing the target(s) once."""
        if isinstance(predictions, str):
            raise TypeError("score_many: predictions must be a sequence of strings, not one string")
        texts = self._target_texts(target)
        predictions = [_text("prediction", p) for p in predictions]
        if any(len(t) > _LONG_TEXT for t in (*texts, *predictions)) or self._compiled_pays(
            texts, predictions
        ):
            # Python ints as bit rows grow with the text (issue 11: 2.9 GB on a 50 MB text); the
            # compiled path's memory is linear in the text.
            return self.score_pairs(targets=[texts] * len(predictions), predictions=predictions)
        targets = [self._target(t) for t in texts]
        return [self._score(targets, self._prepare(p)) for p in predictions]

    def score_pairs(
        self,
        *,
        targets: Sequence[str | Sequence[str]],
        predictions: Sequence[str],
        workers: int = 1,
    ) -> list[dict[str, Score]]:
        """Scores predictions[k] against targets[k] (one text, or several references) for every k, in order.

        Equal to calling `score` pair by pair, and much faster on many pairs: the batch is tokenized at
        once (each distinct text and token once) and counted by compiled code (eval.rouge.kernels).
        `workers` > 1 splits a large batch over that many processes; the numbers are the same.
        """
        if isinstance(targets, str) or isinstance(predictions, str):
            raise TypeError("score_pairs: targets and predictions must be sequences of texts, not one string")
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers {workers!r}: expected a whole number, 1 or more")
        predictions = list(predictions)
        if not all(type(p) is str for p in predictions):
            predictions = [_text("prediction", p) for p in predictions]
        refs: list[str] | list[list[str]] = [t for t in targets if type(t) is str]
        if len(refs) != len(targets):  # several references somewhere, or a bad value
            refs = [self._target_texts(t) for t in targets]
        if len(refs) != len(predictions):
            raise ValueError(
                f"score_pairs: {len(refs)} targets but {len(predictions)} predictions;"
                " expected one target per prediction"
            )
        from eval.rouge.batch import PARALLEL_MIN_PAIRS, pair_floats, parallel_parts

        if workers > 1 and len(predictions) >= PARALLEL_MIN_PAIRS:
            settings = (self.tokenizer_name, self.stem, self.types, self.multi_ref)
            out: list[dict[str, Score]] = []
            for part in parallel_parts(settings, refs, predictions, workers):
                out += _score_dicts(self.types, part)  # while the workers count the next chunks
            return out
        floats = pair_floats(self._tokenizer, self.types, self.multi_ref, refs, predictions)
        return _score_dicts(self.types, floats)

    @staticmethod
    def _compiled_pays(texts: Sequence[str], predictions: Sequence[str]) -> bool:
        """Whether the compiled kernels count these pairs faster than Python would."""
        from eval.rouge.batch import KERNELS

        if not KERNELS.single:
            return False
        target_chars = sum(map(len, texts))
        return all(target_chars + len(p) >= _COMPILED_MIN_CHARS for p in predictions)

    def _score(self, targets: list[_Text], prediction: _Text) -> dict[str, Score]:
        out: dict[str, Score] = {}
        for rouge_type in self.types:
            per_ref = [_counts(rouge_type, t, prediction) for t in targets]
            if self.multi_ref == "sum":
                pooled = (sum(c[0] for c in per_ref), sum(c[1] for c in per_ref), sum(c[2] for c in per_ref))
                out[rouge_type] = _to_score(pooled)
            else:
                scores = [_to_score(c) for c in per_ref]
                out[rouge_type] = max(scores, key=lambda s: s.f1)  # first maximum, as numpy.argmax
        return out

    @staticmethod
    def _target_texts(target: str | Sequence[str]) -> list[str]:
        texts = [target] if isinstance(target, str) else list(target)
        if not texts:
            raise ValueError("score: at least one target is required, got an empty sequence")
        return [_text("target", t) for t in texts]

    def _prepare(self, text: str) -> _Text:
        return _Text(self._tokenizer.lines(text))

    def _target(self, text: str) -> _Text:
        cache = self._targets
        if text in cache:
            cache.move_to_end(text)
            return cache[text]
        prepared = cache[text] = self._prepare(text)
        if len(cache) > _TARGET_CACHE_SIZE:
            cache.popitem(last=False)
        return prepared


def _score_dicts(types: Sequence[str], floats: np.ndarray) -> list[dict[str, Score]]:
    """One {type: Score} per row of a (pairs, types, 3) array of precision, recall and F1."""
    import gc

    # These objects hold only floats and strings, so they make no garbage cycles; yet allocating them
    # triggers the cyclic collector over and over, each pass walking every result built so far (it
    # tripled the time of 30,000 pairs). It is paused while they are built, and restored as it was.
    enabled = gc.isenabled()
    gc.disable()
    try:
        scores = [
            list(map(Score, floats[:, k, 0].tolist(), floats[:, k, 1].tolist(), floats[:, k, 2].tolist()))
            for k in range(len(types))
        ]
        return [dict(zip(types, row, strict=True)) for row in zip(*scores, strict=True)]
    finally:
        if enabled:
            gc.enable()


def _either(choices: Sequence[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


def _text(role: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{role} {value!r}: expected a string")
    return value
