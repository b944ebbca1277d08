"""The measure registry: every tracking measure declared once, with what tables, Markdown and HTML show.

A `Measure` is a name (the key in results rows and JSON), a short label for table headers, a compute
function over a `TrackingProfile`, which direction means "closer to the source", a number format, a
one-line description and a citation. `eval.run.scoring` writes one "tracking" row per registered measure;
the console, report.md and report.html iterate over `TRACKING` (or look a name up with `get`).
Adding a measure is one `register(Measure(...))` here and its test in tests/test_measures.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eval.tracking.profile import TrackingProfile

GRUSKY = "Grusky, Naaman & Artzi (2018), Newsroom, NAACL"
LIN = "Lin (2004), ROUGE: A Package for Automatic Evaluation of Summaries"
SEE = "See, Liu & Manning (2017), Get To The Point, ACL (novel n-grams)"
REIMERS = "Reimers & Gurevych (2019), Sentence-BERT, EMNLP (all-MiniLM-L6-v2)"
CLOUGH = "Clough & Stevenson (2011), Developing a corpus of plagiarised short answers"
KENDALL = "Kendall (1938), A New Measure of Rank Correlation"
NAN = "Nan et al. (2021), Entity-level Factual Consistency of Abstractive Text Summarization, EACL (prec_s)"
FAITHFULNESS = "faithfulness"  # the group of measures of whether a text says what its source says
YUAN = "Yuan, Neubig & Liu (2021), BARTScore: Evaluating Generated Text as Text Generation, NeurIPS"
VAN_DER_POEL = "van der Poel, Cotterell & Meister (2022), Mutual Information Alleviates Hallucinations, EMNLP"
LABAN = (
    "Laban, Schnabel, Bennett & Hearst (2022), SummaC: Re-Visiting NLI-based Inconsistency Detection, TACL"
)
LIU = "Liu et al. (2023), G-Eval: NLG Evaluation using GPT-4 with Better Human Alignment, EMNLP"


@dataclass(frozen=True)
class Measure:
    name: str
    label: str  # short, for table headers
    compute: Callable[[TrackingProfile], float | None]
    # True: higher means closer to the source; False: lower means closer; None: neither (compression).
    higher_is_better: bool | None
    digits: int  # decimals shown
    description: str
    citation: str
    share: bool = True  # a value in 0..1 (charts draw it on one scale)
    group: str = "copying"  # "copying" (how much is copied or kept) or FAITHFULNESS (whether facts are kept)
    overview: bool = False  # a faithfulness measure the overview tables (console, report, systems) show

    def format(self, value: float | None) -> str:
        """The value as tables show it; "-" for a value the measure does not define."""
        if value is None:
            return "-"
        return f"{value:.{self.digits}f}"


_REGISTRY: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    if measure.name in _REGISTRY:
        raise ValueError(f"measure {measure.name!r} is registered already")
    _REGISTRY[measure.name] = measure
    return measure


def get(name: str) -> Measure:
    try:
        return _REGISTRY[name]
    except KeyError:
        from summarize.errors import did_you_mean

        raise KeyError(f"unknown measure {name!r}{did_you_mean(name, list(_REGISTRY))}") from None


def all_measures() -> tuple[Measure, ...]:
    """Every registered measure, in registration order."""
    return tuple(_REGISTRY.values())


_ROUGE_NAMES = {"rouge1": "R1", "rouge2": "R2", "rougeL": "RL"}
_STATS = {
    "p": ("precision", "P", "share of the text's {} found in the source"),
    "r": ("recall", "R", "share of the source's {} the text keeps"),
    "f": ("f1", "F", "harmonic mean of {} precision and recall"),
}
_UNITS = {"rouge1": "words", "rouge2": "word pairs", "rougeL": "longest common word sequence"}


def _rouge(rouge_type: str, stat: str) -> Callable[[TrackingProfile], float | None]:
    def compute(profile: TrackingProfile) -> float | None:
        score = profile.rouge.get(rouge_type)
        return None if score is None else float(getattr(score, stat))

    return compute


for _type, _short in _ROUGE_NAMES.items():
    for _suffix, (_stat, _letter, _text) in _STATS.items():
        register(
            Measure(
                f"{_type}_{_suffix}",
                f"{_short} {_letter}",
                _rouge(_type, _stat),
                True,
                3,
                f"ROUGE against the source: {_text.format(_UNITS[_type])}",
                LIN,
            )
        )


def _novel(n: int) -> Callable[[TrackingProfile], float | None]:
    return lambda profile: profile.novel_ngrams.get(n)


register(
    Measure(
        "coverage",
        "coverage",
        lambda p: p.coverage,
        True,
        3,
        "share of the text's words inside fragments copied from the source",
        GRUSKY,
    )
)
register(
    Measure(
        "density",
        "density",
        lambda p: p.density,
        True,
        2,
        "mean squared length of the copied fragments per word (long copied runs)",
        GRUSKY,
        share=False,
    )
)
register(
    Measure(
        "compression",
        "compression",
        lambda p: p.compression,
        None,
        2,
        "source words per text word",
        GRUSKY,
        share=False,
    )
)
for _n in (1, 2, 3, 4):
    register(
        Measure(
            f"novel_{_n}gram",
            f"novel {_n}-grams",
            _novel(_n),
            False,
            3,
            f"share of the text's {_n}-grams that the source lacks",
            SEE,
        )
    )
register(
    Measure(
        "longest_fragment",
        "longest copy",
        lambda p: float(p.longest_fragment),
        True,
        0,
        "words in the longest passage copied from the source",
        GRUSKY,
        share=False,
    )
)
register(
    Measure(
        "semantic",
        "semantic",
        lambda p: p.semantic,
        True,
        3,
        "median over the text's sentences of the cosine with their best-matching source sentence",
        REIMERS,
    )
)
register(
    Measure(
        "aligned_share",
        "aligned",
        lambda p: p.alignment.aligned_share,
        True,
        3,
        "share of the text's sentences aligned to a source sentence",
        REIMERS,
    )
)
register(
    Measure(
        "order",
        "order",
        lambda p: p.alignment.order,
        True,
        3,
        "Kendall's tau of the aligned source positions: 1 keeps the source's order, -1 reverses it",
        KENDALL,
        share=False,
    )
)
register(
    Measure(
        "closeness",
        "closeness",
        lambda p: p.closeness,
        True,
        3,
        "mean of semantic and shared 3-grams (1 - novel 3-grams): copying and meaning kept, one number",
        CLOUGH,
    )
)


def group(name: str) -> tuple[Measure, ...]:
    """The registered measures of one group (FAITHFULNESS: every faithfulness measure), in order."""
    return tuple(m for m in all_measures() if m.group == name)


def _entities(attribute: str) -> Callable[[TrackingProfile], float | None]:
    def compute(profile: TrackingProfile) -> float | None:
        support = profile.entities
        if support is None:
            return None
        value = getattr(support, attribute)
        return float(len(value)) if isinstance(value, tuple) else value

    return compute


def _model_score(scorer: str, field: str) -> Callable[[TrackingProfile], float | None]:
    def compute(profile: TrackingProfile) -> float | None:
        value = (profile.model_scores.get(scorer) or {}).get(field)
        return None if value is None else float(value)

    return compute


for _name, _label, _attribute, _better, _digits, _text in (
    (
        "entity_support",
        "facts",
        "support",
        True,
        3,
        "share of the text's named entities and quantities that the source supports",
    ),
    (
        "entity_precision",
        "ent P",
        "entity_precision",
        True,
        3,
        "share of the text's named entities that the source supports",
    ),
    (
        "quantity_precision",
        "num P",
        "quantity_precision",
        True,
        3,
        "share of the text's numbers, dates, amounts and percentages the source supports",
    ),
    (
        "unsupported",
        "unsupported",
        "unsupported",
        False,
        1,
        "named entities and quantities the source does not support (listed per text)",
    ),
    (
        "entity_recall",
        "ent R",
        "entity_recall",
        True,
        3,
        "share of the source's distinct named entities that the text mentions",
    ),
    (
        "entity_context",
        "ent context",
        "context",
        True,
        3,
        "share of the text's supported entities whose neighbours fit their own source context best",
    ),
):
    register(
        Measure(
            _name,
            _label,
            _entities(_attribute),
            _better,
            _digits,
            _text,
            NAN,
            share=_name != "unsupported",
            group=FAITHFULNESS,
            overview=_name in ("entity_support", "unsupported"),
        )
    )


def _span_count(profile: TrackingProfile) -> float | None:
    found = profile.model_scores.get("likelihood")
    return None if found is None else float(len(found.get("spans") or ()))


def _judge(dimension: str) -> Callable[[TrackingProfile], float | None]:
    def compute(profile: TrackingProfile) -> float | None:
        rating = (profile.model_scores.get("judge") or {}).get(dimension) or {}
        value = rating.get("score")
        return None if value is None else float(value)

    return compute


# Model-based faithfulness (issue 17): each None unless its model is on in tracking.likelihood, tracking.nli
# or tracking.judge and loaded (eval/tracking/likelihood.py, nli.py, judge.py).
register(
    Measure(
        "likelihood",
        "src logprob",
        _model_score("likelihood", "mean_logprob"),
        True,
        3,
        "mean log-probability (nats) of the text's tokens under a causal LM given the source",
        YUAN,
        share=False,
        group="faithfulness",
    )
)
register(
    Measure(
        "pmi",
        "PMI",
        _model_score("likelihood", "pmi"),
        True,
        3,
        "mean per-token log-probability the source adds (with minus without it): above 0, the source "
        "explains the text",
        VAN_DER_POEL,
        share=False,
        group="faithfulness",
    )
)
register(
    Measure(
        "unlikely_spans",
        "unlikely spans",
        _span_count,
        False,
        0,
        "runs of words improbable given the source and not made likelier by it: candidate unsupported spans",
        VAN_DER_POEL,
        share=False,
        group="faithfulness",
    )
)
register(
    Measure(
        "summac_zs",
        "SummaC-ZS",
        _model_score("nli", "summac_zs"),
        True,
        3,
        "mean over the text's sentences of the best P(entailment) - P(contradiction) by a source sentence",
        LABAN,
        share=False,
        group="faithfulness",
    )
)
for _dimension in ("consistency", "relevance", "coherence", "fluency"):
    register(
        Measure(
            f"judge_{_dimension}",
            f"judge {_dimension[:4]}.",
            _judge(_dimension),
            True,
            2,
            f"an LLM judge's {_dimension} rating, 1-5 (probability-weighted where log-probabilities exist)",
            LIU,
            share=False,
            group="faithfulness" if _dimension == "consistency" else "quality",
        )
    )


def headline_measures(profile: TrackingProfile) -> dict[str, float | None]:
    """Every registered measure  of a profile, by name, in registration order."""
    return {m.name: m.compute(profile) for m in all_measures()}
