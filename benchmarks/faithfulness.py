"""Does a measure tell a faithful summary from a copy with one fact changed? AUC per measure and kind.

Issue 17.

The texts are the 40 article/summary pairs of benchmarks/faithfulness_texts.py (written for this project; the
second half of the summaries rephrase their article). From each faithful summary, one copy per kind of change:

- entity: one named entity of the summary (a person, place, group or organisation) replaced by one of the
  same kind that the article does not contain;
- number: one number of the summary changed (digits or words);
- swap: two entities of the article that the summary names swapped with each other;
- negation: "not" put after the summary's first auxiliary verb ("was" -> "was not").

Every registered tracking measure (copying measures and faithfulness measures alike) scores every text
against its article; the AUC is the chance that a faithful summary scores as more faithful than a changed
copy (ties count half), over all faithful summaries against all copies of a kind, in the measure's declared
direction. A measure a text does not define (no entity: no entity precision) counts as fully faithful there.
"rephrasing" repeats the entity and number AUCs over the rephrasing half alone.

    python benchmarks/faithfulness.py               # every measure but semantic
    python benchmarks/faithfulness.py --semantic    # with the sentence-embedding measures (loads torch)
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.faithfulness_texts import PAIRS, REPHRASED_FROM
from eval.settings import Settings
from eval.tracking import entity_match as em
from eval.tracking.entities import EntityPipeline, Fact, check
from eval.tracking.measures import Measure, all_measures
from eval.tracking.profile import track

KINDS = ("entity", "number", "swap", "negation")
# Replacements by spaCy label; each is checked against the article before use.
POOL = {
    "PERSON": [
        "Maria Lindqvist",
        "Peter Novak",
        "Ahmed Karimi",
        "Julia Moreau",
        "Tomasz Wrona",
        "Anna Keller",
    ],
    "SURNAME": ["Novak", "Lindqvist", "Karimi", "Moreau", "Wrona", "Keller"],
    "GPE": ["Portugal", "Chile", "Vienna", "Toronto", "Morocco", "Denmark", "Ohio", "Lisbon"],
    "LOC": ["the Alps", "the Baltic Sea", "Patagonia", "the Sahara"],
    "ORG": ["Siemens", "Juventus", "Reuters", "Nokia", "Ajax", "the IMF", "Ryanair"],
    "NORP": ["Austrian", "Chilean", "Danish", "Peruvian"],
    "FAC": ["Wembley Stadium", "Heathrow Airport"],
    "EVENT": ["the Olympic Games", "the Tour de France"],
    "PRODUCT": ["the Galaxy phone"],
    "WORK_OF_ART": ["Hamlet"],
}
_AUXILIARY = re.compile(r"\b(is|was|were|are|will|would|has|have|had|can|could|should)\b")
_WORD_NUMBERS = {
    "two": "three",
    "three": "five",
    "four": "six",
    "five": "seven",
    "six": "eight",
    "ten": "twelve",
}


def entity_change(source: str, summary: str, facts: Sequence[Fact], rng: random.Random) -> str | None:
    names = [f for f in facts if f.kind == "entity" and f.supported]
    if not names:
        return None
    fact = rng.choice(names)
    label = "SURNAME" if fact.label == "PERSON" and " " not in fact.text else fact.label
    options = [
        p for p in POOL.get(label, POOL["GPE"]) if em.normal(p) not in em.plain(source) and p not in summary
    ]
    return _replace(summary, fact, rng.choice(options)) if options else None


def number_change(summary: str, facts: Sequence[Fact], rng: random.Random) -> str | None:
    numbers = [f for f in facts if f.kind == "quantity" and re.search(r"\d|[a-z]", f.text)]
    for fact in rng.sample(numbers, len(numbers)):
        digits = re.search(r"\d+(?:[.,]\d+)?", fact.text)
        if digits:
            old = digits.group()
            value = float(old.replace(",", ""))
            new = _changed(value, old, rng)
            return _replace(summary, fact, fact.text.replace(old, new, 1))
        for word, other in _WORD_NUMBERS.items():
            if re.search(rf"\b{word}\b", fact.text, re.IGNORECASE):
                return _replace(summary, fact, re.sub(rf"\b{word}\b", other, fact.text, count=1))
    return None


def _changed(value: float, old: str, rng: random.Random) -> str:
    if "." in old:
        return f"{value + rng.choice((0.4, 0.7, 1.2)):.{len(old.split('.')[1])}f}"
    step = max(1, round(value * rng.choice((0.2, 0.3, 0.5)))) if value >= 10 else rng.choice((1, 2, 3))
    new = int(value) + step
    return f"{new:,}" if "," in old else str(new)


def swap_change(summary: str, facts: Sequence[Fact]) -> str | None:
    names = [f for f in facts if f.kind == "entity" and f.supported]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if a.label == b.label and em.normal(a.text) != em.normal(b.text):
                return _swap(summary, a, b)
    pairs = [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if em.normal(a.text) != em.normal(b.text)
    ]
    return _swap(summary, *pairs[0]) if pairs else None


def negation_change(summary: str) -> str | None:
    match = _AUXILIARY.search(summary)
    if match is None:
        return None
    return summary[: match.end()] + " not" + summary[match.end() :]


def _offset(summary: str, fact: Fact) -> int:
    lines = summary.split("\n")
    return sum(len(line) + 1 for line in lines[: fact.sentence]) + fact.start


def _replace(summary: str, fact: Fact, new: str) -> str:
    start = _offset(summary, fact)
    return summary[:start] + new + summary[start + fact.end - fact.start :]


def _swap(summary: str, a: Fact, b: Fact) -> str:
    first, second = sorted((a, b), key=lambda f: _offset(summary, f))
    s1, s2 = _offset(summary, first), _offset(summary, second)
    e1, e2 = s1 + first.end - first.start, s2 + second.end - second.start
    return summary[:s1] + summary[s2:e2] + summary[e1:s2] + summary[s1:e1] + summary[e2:]


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties half (the Mann-Whitney U statistic over n+ n-)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def oriented(measure: Measure) -> Callable[[float | None], float] | None:
    """The measure's value with "more faithful" up; None for a measure with no direction (compression)."""
    if measure.higher_is_better is None:
        return None
    sign = 1.0 if measure.higher_is_better else -1.0
    best = 1.0 if measure.higher_is_better else 0.0  # undefined: nothing to contradict the source

    def value(v: float | None) -> float:
        return sign * (best if v is None else v)

    return value


def build(rng: random.Random, pipeline: EntityPipeline) -> list[dict]:
    """One row per text: its pair, kind ("original" or a change) and text."""
    rows = []
    for index, (source, summary) in enumerate(PAIRS):
        facts = check(source, summary, pipeline).facts
        rows.append({"pair": index, "kind": "original", "source": source, "text": summary})
        changes = {
            "entity": entity_change(source, summary, facts, rng),
            "number": number_change(summary, facts, rng),
            "swap": swap_change(summary, facts),
            "negation": negation_change(summary),
        }
        rows += [
            {"pair": index, "kind": kind, "source": source, "text": text}
            for kind, text in changes.items()
            if text is not None and text != summary
        ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--semantic", action="store_true", help="also the sentence-embedding measures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", action="store_true", help="print every changed copy")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    settings = Settings(semantic=args.semantic)
    parts = settings.build()
    pipeline = parts.entities or EntityPipeline()
    rows = build(random.Random(args.seed), pipeline)
    if args.show:
        for r in rows:
            print(f"{r['pair']:2d} {r['kind']:8s} {r['text']!r}")
    measures = [m for m in all_measures() if oriented(m) is not None]
    for r in rows:
        profile = track(
            r["source"], r["text"], scorer=parts.tracking_scorer, embedder=parts.embedder, entities=pipeline
        )
        r["values"] = {m.name: m.compute(profile) for m in measures}
    counts = {k: sum(r["kind"] == k for r in rows) for k in ("original", *KINDS)}
    print(
        f"{len(PAIRS)} faithful summaries ({len(PAIRS) - REPHRASED_FROM} rephrasing); changed copies: "
        + ", ".join(f"{k} {counts[k]}" for k in KINDS)
        + f"; {time.perf_counter() - start:.1f} s; signature {parts.signature()}"
    )
    columns = ["entity", "number", "entity+number", "swap", "negation", "rephrasing e+n"]
    print(f"{'measure':20s}" + "".join(f"{c:>16s}" for c in columns))
    rephrased = {r["pair"] for r in rows if r["pair"] >= REPHRASED_FROM}
    for m in measures:
        if all(r["values"][m.name] is None for r in rows):
            print(f"{m.name:20s}" + "".join(f"{'-':>16s}" for _ in columns) + "  (not computed)")
            continue
        value = oriented(m)
        assert value is not None

        def scores(
            kinds: tuple[str, ...], pairs: set[int] | None = None, m: Measure = m, value: Callable = value
        ) -> list[float]:
            return [
                value(r["values"][m.name])
                for r in rows
                if r["kind"] in kinds and (pairs is None or r["pair"] in pairs)
            ]

        originals = scores(("original",))
        cells = [
            auc(originals, scores(("entity",))),
            auc(originals, scores(("number",))),
            auc(originals, scores(("entity", "number"))),
            auc(originals, scores(("swap",))),
            auc(originals, scores(("negation",))),
            auc(scores(("original",), rephrased), scores(("entity", "number"), rephrased)),
        ]
        print(f"{m.name:20s}" + "".join(f"{c:16.3f}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
