"""One test per registered measure, each on a pair worked out on paper.

Tiny pair (stemming changes none of these words):
  source: the cat sat on the mat (6 words; bigrams: the cat, cat sat, sat on, on the, the mat)
  text: the cat lay on the mat today (7 words; bigrams: the cat, cat lay, lay on, on the, the mat, mat today)
  ROUGE-1 hits: the x2, cat, on, mat = 5 -> P 5/7, R 5/6, F 10/13
  ROUGE-2 hits: the cat, on the, the mat = 3 -> P 3/6, R 3/5, F 6/11
  ROUGE-L: LCS "the cat on the mat" = 5 -> as ROUGE-1
  fragments "the cat" (2) and "on the mat" (3): coverage 5/7, density (4 + 9)/7, compression 6/7
  novel n-grams: 1: lay, today = 2/7; 2: cat lay, lay on, mat today = 3/6; 3: all but "on the mat" = 4/5;
  4: none of the 4 in the source = 1.
With a fixed embedder giving the two sentences cosine 0.6: semantic 0.6 (one sentence: the median is it),
aligned share 1 (0.6 >= 0.5), closeness (0.6 + (1 - 4/5)) / 2 = 0.4. Order needs two aligned sentences:
the reversed two-sentence text gives Kendall's tau -1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from eval.settings import Settings
from eval.tracking import measures
from eval.tracking.profile import track

SCORER = Settings().build().tracking_scorer
SOURCE = "The cat sat on the mat."
TEXT = "The cat lay on the mat today."


class FixedEmbedder:
    """Unit vectors chosen by hand: the text's sentence is at cosine 0.6 from the source's."""

    def __init__(self) -> None:
        self.vectors = {SOURCE: np.array([1.0, 0.0]), TEXT: np.array([0.6, 0.8])}

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[s] for s in sentences])


def tiny(name: str) -> float | None:
    profile = track(SOURCE, TEXT, scorer=SCORER, embedder=FixedEmbedder())  # type: ignore[arg-type]
    return measures.get(name).compute(profile)


EXPECTED: dict[str, float | None] = {
    "rouge1_p": 5 / 7,
    "rouge1_r": 5 / 6,
    "rouge1_f": 10 / 13,
    "rouge2_p": 3 / 6,
    "rouge2_r": 3 / 5,
    "rouge2_f": 6 / 11,
    "rougeL_p": 5 / 7,
    "rougeL_r": 5 / 6,
    "rougeL_f": 10 / 13,
    "coverage": 5 / 7,
    "density": 13 / 7,
    "compression": 6 / 7,
    "novel_1gram": 2 / 7,
    "novel_2gram": 3 / 6,
    "novel_3gram": 4 / 5,
    "novel_4gram": 1.0,
    "longest_fragment": 3.0,
    "semantic": 0.6,
    "aligned_share": 1.0,
    "closeness": 0.4,
}


# Faithfulness, on a pair with names and numbers:
#   source: "Joe Biden visited Paris on Monday." / "Biden met 3 ministers."
#   text:   "Biden visited Rome on Monday with 4 ministers."
#   entities: Biden (the source's Joe Biden: supported), Rome (not); quantities: Monday (supported), 4 (not)
#   -> facts 2/4, ent P 1/2, num P 1/2, unsupported 2; the source's distinct entities Joe Biden and Paris,
#   the text names one: ent R 1/2. Biden's neighbours (visited, rome, monday) share visited and monday with
#   Joe Biden's in the source (2/3) and only monday with Paris's (1/3): in context, ent context 1.
FAITH_SOURCE = "Joe Biden visited Paris on Monday.\nBiden met 3 ministers."
FAITH_TEXT = "Biden visited Rome on Monday with 4 ministers."
FAITH_EXPECTED: dict[str, float | None] = {
    "entity_support": 2 / 4,
    "entity_precision": 1 / 2,
    "quantity_precision": 1 / 2,
    "unsupported": 2.0,
    "entity_recall": 1 / 2,
    "entity_context": 1.0,
}
# The model-based faithfulness measures read the scorers' results kept in the profile (eval/tracking/
# likelihood.py, nli.py, judge.py compute them; their tests check those numbers): here, results set by hand.
MODEL_SCORES = {
    "likelihood": {"mean_logprob": -2.5, "pmi": 0.75, "spans": [{"text": "today"}, {"text": "lay"}]},
    "nli": {"summac_zs": 0.4},
    "judge": {"consistency": {"score": 4.25}, "fluency": {"score": 3.0}, "coherence": {"score": None}},
}
MODEL_EXPECTED: dict[str, float | None] = {
    "likelihood": -2.5,
    "pmi": 0.75,
    "unlikely_spans": 2.0,
    "summac_zs": 0.4,
    "judge_consistency": 4.25,
    "judge_fluency": 3.0,
    "judge_coherence": None,  # rated, but no score could be read
    "judge_relevance": None,  # not asked for
}


def test_every_registered_measure_has_a_worked_example() -> None:
    names = [m.name for m in measures.all_measures()]
    assert len(names) == len(set(names))
    assert set(names) == {*EXPECTED, *FAITH_EXPECTED, *MODEL_EXPECTED, "order"}


@pytest.mark.parametrize("name", list(FAITH_EXPECTED))
def test_faithfulness_measure_on_a_pair_with_names_and_numbers(name: str) -> None:
    from eval.tracking.entities import EntityPipeline
    from summarize.errors import ModelUnavailableError

    pipeline = EntityPipeline()
    try:
        pipeline.load()
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    profile = track(FAITH_SOURCE, FAITH_TEXT, scorer=SCORER, entities=pipeline)
    assert measures.get(name).compute(profile) == pytest.approx(FAITH_EXPECTED[name])
    assert measures.get(name).group == measures.FAITHFULNESS
    # Without the pipeline the measure is undefined, never 0.
    assert measures.get(name).compute(track(FAITH_SOURCE, FAITH_TEXT, scorer=SCORER)) is None


@pytest.mark.parametrize("name", list(MODEL_EXPECTED))
def test_model_faithfulness_measures_read_the_scores_kept_in_the_profile(name: str) -> None:
    from dataclasses import replace

    plain = track(SOURCE, TEXT, scorer=SCORER)
    measure = measures.get(name)
    assert measure.group in ("faithfulness", "quality")
    assert measure.compute(plain) is None  # the model is off: no number, never 0
    assert measure.compute(replace(plain, model_scores=MODEL_SCORES)) == MODEL_EXPECTED[name]


def test_copying_measures_are_grouped_apart_from_faithfulness() -> None:
    assert measures.get("rouge1_p").group == "copying"
    assert {m.name for m in measures.all_measures() if m.group == "faithfulness"} == {
        *FAITH_EXPECTED, "likelihood", "pmi", "unlikely_spans", "summac_zs", "judge_consistency"
    }  # fmt: skip


@pytest.mark.parametrize("name", list(EXPECTED))
def test_measure_on_the_tiny_pair(name: str) -> None:
    assert tiny(name) == pytest.approx(EXPECTED[name])


def test_measure_order() -> None:
    source = "The council met on Monday.\nThe budget passed after a vote."
    reversed_text = "The budget passed after a vote.\nThe council met on Monday."
    order = measures.get("order")
    assert order.compute(track(source, reversed_text, scorer=SCORER)) == -1.0
    assert order.compute(track(source, source, scorer=SCORER)) == 1.0
    assert order.compute(track(source, "The budget passed.", scorer=SCORER)) is None  # one sentence


def test_measures_declare_how_to_show_them() -> None:
    for m in measures.all_measures():
        assert m.label and m.description and m.citation, m.name
        assert m.format(None) == "-"
    assert measures.get("coverage").format(5 / 7) == "0.714"
    assert measures.get("longest_fragment").format(3.0) == "3"
    assert measures.get("compression").higher_is_better is None
    assert measures.get("novel_2gram").higher_is_better is False
    with pytest.raises(KeyError, match="did you mean 'coverage'"):
        measures.get("coverag")
    with pytest.raises(ValueError, match="registered already"):
        measures.register(measures.get("coverage"))
