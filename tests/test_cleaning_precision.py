"""The cleaning rules' precision on ordinary sentences that look like chrome, and their recall on the chrome
of the seed corpus (issue 11). The README quotes these figures."""

from __future__ import annotations

import random

import pytest

from summarize.text import clean
from tests.chrome_like import CHROME_LIKE, sentences

BODY = [
    "The council met on Monday to discuss the plan.",
    "It voted to approve the budget after a long debate.",
    "Residents can read the plan at the library.",
    "The mayor said the vote was a victory for the city.",
    "Opposition members walked out before the final count.",
]

# The chrome of each seed, labelled by hand from the files: (line number, rule). Titles are content.
SEED_CHROME = {
    "000_3accf7433a7fbd23": [
        (3, "fragment"),  # "IranGate", a category label
        (4, "reading_time"),
        (5, "repeated_line"),
        (7, "repeated_line"),
        (9, "repeated_line"),
        (64, "promo"),  # "To view categorized content ..., click on the link below"
        (66, "end_marker"),  # "Share This Article"
        (67, "end_marker"),  # the site's promotional blurb after it
    ],
    "001_bbee12ca4cd7f645": [(30, "end_marker")],
    "002_f56ba79a5034cf1a": [
        (1, "page_chrome"),
        (5, "byline"),  # Cyrillic
        (6, "fragment"),  # the byline's name again
        (7, "dateline"),
        (8, "reading_time"),
        (10, "repeated_line"),
        (73, "end_marker"),  # "bottom of page"
    ],
    "003_118163e1d9ff72fe": [],
    "004_0c4284c8328f3e91": [(35, "author_bio"), (36, "end_marker")],
}


def test_the_corpus_is_large_and_covers_every_rule() -> None:
    assert len(sentences()) >= 90
    assert len(set(sentences())) == len(sentences())
    assert {"byline", "page_chrome", "dateline", "promo", "author_bio", "end_marker", "fragment"} <= set(
        CHROME_LIKE
    )


def _dropped(lines: list[str]) -> list[tuple[str, str]]:
    return [(d.rule, d.text) for d in clean("\n".join(lines)).dropped]


@pytest.mark.parametrize("sentence", sentences())
def test_a_chrome_like_sentence_survives_alone_and_at_the_head_body_and_foot_of_a_page(sentence: str) -> None:
    assert clean(sentence).text == sentence
    for lines in ([sentence, *BODY], [*BODY[:2], sentence, *BODY[2:]], [*BODY, sentence]):
        assert _dropped(lines) == [], lines.index(sentence)


@pytest.mark.parametrize("seed", range(5))
def test_all_of_them_one_per_line_survive_in_any_order(seed: int) -> None:
    lines = sentences()
    random.Random(seed).shuffle(lines)
    cleaned = clean("\n".join(lines))
    assert (cleaned.dropped, cleaned.kept) == ((), ())
    assert cleaned.text.split("\n") == lines


def test_all_of_them_joined_into_one_paragraph_survive_alone_and_between_chrome() -> None:
    paragraph = " ".join(sentences())
    assert clean(paragraph).text == paragraph
    page = clean(
        f"top of page\nBy Jane Doe\n9 min read\n{paragraph}\nShare This Article\nAll rights reserved."
    )
    assert page.text == paragraph
    assert [d.rule for d in page.dropped] == [
        "page_chrome",
        "byline",
        "reading_time",
        "end_marker",
        "end_marker",
    ]


def test_the_seed_chrome_is_all_caught_and_nothing_else(seeds) -> None:
    caught = expected = 0
    for doc, chrome in SEED_CHROME.items():
        cleaned = clean((seeds / f"{doc}.txt").read_text(encoding="utf-8"))
        got = [(d.line, d.rule) for d in cleaned.dropped]
        assert got == chrome, doc
        caught += len(set(got) & set(chrome))
        expected += len(chrome)
    assert (caught, expected) == (18, 18)


def test_a_one_paragraph_source_that_mentions_a_newsletter_keeps_its_cluster(write) -> None:
    """SummEval shape: every article one line, references one line each (issue 11)."""
    import yaml

    from eval import config
    from eval.run.runner import Runner

    source = (
        "The ministry's newsletter said on Friday that our readers had asked about the sightings. "
        "Our mission is to explain, the editor wrote, and subscribers were told to click here for updates. "
        "Defense Minister Gen Nakatani said the objects were balloons, and the ministry will publish photos."
    )
    write("src.txt", source)
    write("ref.txt", "Defense Minister Gen Nakatani reports he has not seen any ufos from space.")
    write("d.txt", "1. Dog-food taster")
    cluster = {"id": "ufo", "source": "src.txt", "derivatives": ["d.txt"], "references": ["ref.txt"]}
    data = {
        "corpus": {"clusters": [cluster]},
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}],
    }
    result = Runner(config.load(write("cfg.yaml", yaml.safe_dump(data)))).run()
    assert result.ok and not result.warnings, (result.problems, result.warnings)
    assert all(d.dropped == () for d in result.documents)
    assert {(r.candidate, r.target) for r in result.scores} >= {("lead-1", "ref"), ("d", "src")}


# Held out (issue 21): written for this test, not tuned on while the rule was written. Each opens like
# chrome (an imperative to the reader, a copyright mark) and goes on as a sentence of prose.
CHROME_OPENING_PROSE = (
    "Tap here to begin, the faded label on the old arcade machine instructed.",
    "Subscribe to the magazine, her grandmother insisted, because its crosswords were the best in town.",
    "Sign up here, the volunteer shouted, and a queue formed along the harbour wall.",
    "Click below for the answer, the puzzle book teased, though the last page had been torn out.",
    "Follow us at a distance, the guide warned the hikers, and stay close to the river.",
    "© 1998 by the author, the flyleaf declared in faded ink, though nobody believed it.",
    "Download the app, the ticket inspector sighed, pointing at a poster nobody could see.",
    "Register now, the banner above the town hall pleaded, though polling day lay months away.",
    "Please click here to continue, the screen flashed, while the queue behind him grew restless.",
    "Click here to enter, the sign on the abandoned factory read, in letters two feet high.",  # the issue's
)

# Chrome that goes on after a comma, still addressing the reader: still dropped at a page's edge.
CHROME_WITH_A_CLAUSE = (
    "Subscribe now, and get your first month free.",
    "Sign up for our newsletter, delivered free to your inbox every morning.",
    "Click here to read more, or follow us on social media.",
)


@pytest.mark.parametrize("sentence", CHROME_OPENING_PROSE)
def test_prose_that_opens_like_chrome_survives_at_the_head_and_foot_of_a_page(sentence: str) -> None:
    for lines in ([sentence, *BODY], [*BODY, sentence], [sentence], [sentence, BODY[0]]):
        assert _dropped(lines) == [], (lines.index(sentence), len(lines))
    # Beside real chrome too: the line is judged by its own words.
    assert _dropped(["top of page", sentence, *BODY, "Share This Article"]) == [
        ("page_chrome", "top of page"),
        ("end_marker", "Share This Article"),
    ]


@pytest.mark.parametrize("line", CHROME_WITH_A_CLAUSE)
def test_chrome_that_goes_on_addressing_the_reader_is_still_dropped(line: str) -> None:
    assert _dropped([*BODY, line]) == [("promo", line)]
    assert _dropped([line, *BODY]) == [("promo", line)]
