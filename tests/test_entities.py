"""Entity and number support (eval.tracking.entities, eval.tracking.entity_match): hand-checkable cases."""

from __future__ import annotations

import json

import pytest

from eval.settings import Settings
from eval.tracking import entity_match as em
from eval.tracking.entities import EntityPipeline, EntitySupport, casing_of, check, recase, unsupported_text
from eval.tracking.measures import FAITHFULNESS, get, group
from eval.tracking.profile import TrackingProfile, track
from summarize.errors import ModelUnavailableError

SCORER = Settings().build().tracking_scorer

SOURCE = "\n".join(
    [
        "President Joe Biden met British Prime Minister Rishi Sunak in Washington on Tuesday.",
        "The two leaders agreed a $4 million aid package for Ukraine.",
        "Manchester United beat Liverpool 3-1 on Sunday, with Marcus Rashford scoring twice.",
        "The U.S. will send 3,000 troops to Poland, the Pentagon said.",
    ]
)


@pytest.fixture(scope="module")
def pipeline() -> EntityPipeline:
    pipe = EntityPipeline()
    try:
        pipe.load()
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    return pipe


# -- normalisation, one rule each -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Manchester United", "manchester united"),  # case
        ("MANCHESTER UNITED", "manchester united"),
        ("Rashford's", "rashford"),  # possessive
        ("Jones'", "jones"),
        ("the Pentagon", "pentagon"),  # leading "the"
        ("The Pentagon's", "pentagon"),
        ("Al-Nassr", "al nassr"),  # punctuation
        ("U.S.", "united states"),  # alias
        ("the United States", "united states"),
        ("UK", "united kingdom"),
        ("Britain", "united kingdom"),
    ],
)
def test_normal_forms(name: str, form: str) -> None:
    assert em.normal(name) == form


def test_a_demonym_stands_for_its_country() -> None:
    assert em.keys("british") == {"british", "united kingdom"}
    assert em.keys("israeli") == {"israeli", "israel"}
    assert em.keys("france") == {"france"}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3,000 troops", [3000]),
        ("three thousand troops", [3000]),
        ("twenty-five", [25]),
        ("three hundred and five", [305]),
        ("$4 million", [4e6]),
        ("$4m", [4e6]),
        ("1.5bn", [1.5e9]),
        ("15%", [15]),
        ("a dozen", [12]),
        ("the 21st", [21]),
        ("in 2019 and 2020", [2019, 2020]),
    ],
)
def test_numbers_in_digits_and_words(text: str, values: list[float]) -> None:
    assert em.numbers(text) == values


# -- support ------------------------------------------------------------------------------------------
def _facts(support: EntitySupport) -> dict[str, tuple[bool, str]]:
    return {f.text: (f.supported, f.match) for f in support.facts}


def test_a_faithful_rewrite_is_fully_supported(pipeline) -> None:
    text = "Biden and Sunak met in Washington.\nThey agreed $4m of aid for Ukraine."
    support = check(SOURCE, text, pipeline)
    facts = _facts(support)
    assert facts["Biden"] == (True, "surname") and facts["Sunak"] == (True, "surname")
    assert facts["Washington"] == (True, "named") and facts["Ukraine"] == (True, "named")
    assert support.entity_precision == 1.0 and support.quantity_precision == 1.0
    assert support.unsupported == ()


def test_a_changed_name_and_number_are_unsupported(pipeline) -> None:
    text = "Biden and Sunak met in Paris.\nThey agreed $5 million of aid for Ukraine."
    support = check(SOURCE, text, pipeline)
    assert {f.text for f in support.unsupported} == {"Paris", "$5 million"}
    assert support.entity_precision == pytest.approx(3 / 4)
    assert support.quantity_precision == 0.0
    # Each unsupported item names the source sentence it was checked against.
    paris = next(f for f in support.unsupported if f.text == "Paris")
    assert paris.source_sentences[0] == 0
    assert unsupported_text(support) == "Paris; $5 million"


def test_aliases_and_demonyms_are_supported(pipeline) -> None:
    text = "The United States will send 3000 troops to Poland.\nThe deal pleased the British."
    support = check(SOURCE, text, pipeline)
    facts = _facts(support)
    assert facts["The United States"][0] and facts["3000"][0] and facts["Poland"][0]
    assert facts["British"] == (True, "named")
    assert check(SOURCE, "The United Kingdom backed the deal.", pipeline).entity_precision == 1.0


def test_numbers_written_as_words_match_digits(pipeline) -> None:
    support = check(SOURCE, "The U.S. will send three thousand troops.", pipeline)
    assert support.quantity_precision == 1.0
    support = check(SOURCE, "The U.S. will send four thousand troops.", pipeline)
    assert support.quantity_precision == 0.0


def test_swapped_entities_are_out_of_context(pipeline) -> None:
    faithful = check(SOURCE, "Manchester United beat Liverpool 3-1 on Sunday.", pipeline)
    swapped = check(SOURCE, "Liverpool beat Manchester United 3-1 on Sunday.", pipeline)
    assert faithful.entity_precision == swapped.entity_precision == 1.0
    assert faithful.context == 1.0
    assert swapped.context == 0.0
    assert {f.text for f in swapped.out_of_context} == {"Liverpool", "Manchester United"}


def test_entity_recall_counts_the_sources_distinct_entities(pipeline) -> None:
    source = "Joe Biden visited Paris.\nBiden then flew to Berlin."
    support = check(source, "Biden visited Paris.", pipeline)
    # Joe Biden (and Biden, the same person), Paris, Berlin: 3 distinct, 2 mentioned.
    assert support.source_entities == 3 and support.recalled == 2


# -- lowercased texts ------------------------------------------------------------------------------
def test_recasing_follows_the_source() -> None:
    casing = casing_of(["President Joe Biden met Rishi Sunak.", "Biden spoke."])
    assert recase("biden met sunak in france.", casing) == "Biden met Sunak in France."


def test_a_lowercased_text_finds_its_entities_through_the_source(pipeline) -> None:
    faithful = check(SOURCE, "biden met sunak in washington on tuesday.", pipeline)
    assert faithful.recased
    assert {f.text for f in faithful.facts if f.kind == "entity"} >= {"biden", "sunak", "washington"}
    assert faithful.unsupported == ()
    changed = check(SOURCE, "biden met sunak in france on tuesday.", pipeline)
    assert [f.text for f in changed.unsupported] == ["france"]


# -- the measures and the profile -----------------------------------------------------------------
def test_the_measures_are_registered_in_the_faithfulness_group() -> None:
    names = [m.name for m in group(FAITHFULNESS)]
    assert names[:6] == [
        "entity_support",
        "entity_precision",
        "quantity_precision",
        "unsupported",
        "entity_recall",
        "entity_context",
    ]
    assert get("unsupported").higher_is_better is False


def test_the_profile_carries_support_through_json(pipeline) -> None:
    profile = track(SOURCE, "Biden met Sunak in Paris.", scorer=SCORER, entities=pipeline)
    assert get("unsupported").compute(profile) == 1.0
    assert get("entity_precision").compute(profile) == pytest.approx(2 / 3)
    back = TrackingProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert back == profile
    assert profile.to_dict()["entities"]["unsupported"] == ["Paris"]


def test_an_unknown_pipeline_is_one_line_and_the_rest_is_computed() -> None:
    missing = EntityPipeline("no_such_spacy_pipeline")
    with pytest.raises(ModelUnavailableError, match="'no_such_spacy_pipeline' is not installed"):
        missing.load()
    profile = track(SOURCE, "Biden met Sunak in Paris.", scorer=SCORER, entities=missing)
    assert profile.entities is None
    assert profile.entities_reason is not None and "\n" not in profile.entities_reason
    assert profile.coverage is not None and profile.rouge
    assert get("entity_precision").compute(profile) is None
    assert missing.signature_fields()["entities"] == "unavailable"


def test_the_pipeline_is_in_the_signature() -> None:
    on = str(Settings().signature())
    assert "|ent:en_core_web_sm" in on and "|spacy:3." in on
    off = str(Settings(entities=False).signature())
    assert "|ent:none|spacy:-|" in off
    other = str(Settings(entity_pipeline="no_such_spacy_pipeline").signature())
    assert "|ent:unavailable|" in other


def test_a_headlines_capitals_name_nothing_but_its_numbers_are_checked(pipeline) -> None:
    support = check(SOURCE, "Leaders Maintain Distance Amid Crisis Over 5 Million Aid", pipeline)
    assert [f.text for f in support.facts if f.kind == "entity"] == []
    assert [f.text for f in support.unsupported] == ["5"]  # the article says $4 million


def test_a_name_with_a_lowercase_suffix_is_checked_as_the_name() -> None:
    from eval.tracking.entity_mentions import _capitalised_runs

    shape = "Officials cited U.S.-imposed limits."
    assert [shape[s:e] for s, e in _capitalised_runs(shape, [])] == ["U.S."]
