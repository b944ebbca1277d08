from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarize.text import RULES, CleaningOptions, clean, normalize, one_per_line, split_sentences
from tests.conftest import SOURCE_ID


def rules_of(text: str, **options: object) -> dict[str, str]:
    return {d.text: d.rule for d in clean(text, CleaningOptions(**options)).dropped}  # type: ignore[arg-type]


def test_normalize_unifies_line_ends_spaces_and_invisible_characters() -> None:
    assert normalize("a\u00a0 b\r\nc\u200bd\rfi\ufb01") == "a b\ncd\nfifi"
    assert normalize("ﬁ", "none") == "ﬁ"


BODY = (
    "The council met on Monday to discuss the plan.\nIt voted to approve it after a long debate.\n"
    "Residents can read the plan at the library.\nThe mayor said the vote was a victory."
)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("top of page", "page_chrome"),
        ("Share", "page_chrome"),
        ("Tags: politics, council", "page_chrome"),
        ("By Jane Doe", "byline"),
        ("• Writer: Администратор", "byline"),
        ("9 Min Read", "reading_time"),
        ("• 3 min read", "reading_time"),
        ("2 days ago", "dateline"),
        ("June 27, 2025", "dateline"),
        ("Updated: 2 March 2024, 10:15 GMT", "dateline"),
        ("To see more stories like this, click here.", "promo"),
        ("Subscribe to our newsletter for daily updates.", "promo"),
        ("© 2024 Example News. All rights reserved.", "promo"),
    ],
)
def test_each_line_rule_drops_its_kind_of_line_at_the_head_and_the_foot(line: str, rule: str) -> None:
    assert rules_of(f"{line}\n{BODY}") == {line: rule}
    assert rules_of(f"{BODY}\n{line}") == {line: rule}


@pytest.mark.parametrize("line", ["By Jane Doe", "9 Min Read", "June 27, 2025", "Share", "SiteName"])
def test_the_body_of_a_page_is_never_cleaned(line: str) -> None:
    """Head and foot are at most a third of the lines; a chrome-shaped line between body lines stays."""
    page = "\n".join([BODY, line, BODY.replace("Monday", "Tuesday")])
    assert rules_of(page) == {}


def test_a_fragment_goes_only_beside_other_chrome_and_never_a_numbered_heading() -> None:
    assert rules_of(f"Title of the story\nSiteName\n9 min read\n{BODY}") == {
        "SiteName": "fragment",
        "9 min read": "reading_time",
    }
    assert rules_of(f"Title of the story\nSiteName\n{BODY}") == {}
    assert rules_of(f"Title of the story\n1. Dog-food taster\n9 min read\n{BODY}") == {
        "9 min read": "reading_time"
    }


def test_repeated_titles_are_dropped_once_seen_whatever_their_quotes() -> None:
    text = (
        "A Rift in Iran’s Alliance\n\nA Rift in Iran's Alliance\nBody text goes here today.\n"
        "A RIFT IN IRAN'S ALLIANCE"
    )
    cleaned = clean(text)
    assert cleaned.text == "A Rift in Iran’s Alliance\nBody text goes here today."
    assert [(d.line, d.rule) for d in cleaned.dropped] == [(3, "repeated_line"), (5, "repeated_line")]


def test_end_marker_drops_itself_and_everything_after() -> None:
    text = f"{BODY}\nPrevious Post Next Post\nOur promise to readers is simple.\nMore."
    cleaned = clean(text)
    assert cleaned.text == BODY
    assert {d.rule for d in cleaned.dropped} == {"end_marker"}
    assert len(cleaned.dropped) == 3


def test_appeared_first_on_footer_and_author_bio_at_the_foot() -> None:
    text = (
        f"Officials met to discuss trade.\nThey agreed on nothing.\n{BODY}\n"
        "Jane Roe reports on trade policy for The Daily.\n"
        "The post Trade Talks Stall appeared first on The Daily."
    )
    assert rules_of(text) == {
        "Jane Roe reports on trade policy for The Daily.": "author_bio",
        "The post Trade Talks Stall appeared first on The Daily.": "end_marker",
    }


def test_rules_can_be_switched_off_and_patterns_added() -> None:
    text = "Good sentence one here.\nSiteName\nAd: buy now!\nGood sentence two here."
    assert rules_of(text, rules=frozenset(RULES) - {"fragment"}) == {}
    assert rules_of(text, extra_patterns=(r"ad:.*",)) == {"SiteName": "fragment", "Ad: buy now!": "custom"}


def test_cleaning_disabled_keeps_every_nonblank_line() -> None:
    cleaned = clean("top of page\n\nBody.\n", CleaningOptions(enabled=False))
    assert cleaned.text == "top of page\nBody."
    assert cleaned.dropped == ()


def test_bad_options_name_the_value() -> None:
    with pytest.raises(ValueError, match="cleaning rules \\['nope'\\]"):
        CleaningOptions(rules=frozenset({"nope"}))
    with pytest.raises(ValueError, match="cleaning pattern '\\('"):
        CleaningOptions(extra_patterns=("(",))


def test_a_single_short_line_is_not_dropped_as_a_fragment() -> None:
    assert clean("Iran isolated").text == "Iran isolated"


def test_sentence_splitting_per_paragraph_and_lines_mode() -> None:
    text = "Mr. Smith went to Washington. He said “hi.” Then U.S. forces left.\nSecond paragraph here."
    assert split_sentences(text) == [
        "Mr. Smith went to Washington.",
        "He said “hi.”",
        "Then U.S. forces left.",
        "Second paragraph here.",
    ]
    assert split_sentences(text, "lines") == text.split("\n")
    assert one_per_line(["a  b", "c\nd"]) == "a b\nc d"


def test_seed_cleaning_drops_the_chrome_and_keeps_the_article(seeds) -> None:
    expected = {
        "000_3accf7433a7fbd23": {"fragment", "reading_time", "repeated_line", "promo", "end_marker"},
        "001_bbee12ca4cd7f645": {"end_marker"},
        "002_f56ba79a5034cf1a": {
            "page_chrome",
            "byline",
            "fragment",
            "dateline",
            "reading_time",
            "repeated_line",
            "end_marker",
        },
        "003_118163e1d9ff72fe": set(),
        SOURCE_ID: {"author_bio", "end_marker"},
    }
    for doc, rules in expected.items():
        raw = (seeds / f"{doc}.txt").read_text(encoding="utf-8")
        cleaned = clean(raw)
        assert {d.rule for d in cleaned.dropped} == rules, doc
        # Nothing but chrome goes (the promotional blurb of 000 is the largest part).
        assert len(cleaned.text.split()) > 0.85 * len(raw.split()), doc
    source = clean((seeds / f"{SOURCE_ID}.txt").read_text(encoding="utf-8"))
    assert len(source.dropped) == 2
    assert not any("appeared first on" in line for line in source.text.split("\n"))


@pytest.mark.parametrize(
    "sentence",
    [
        "By the end of the day, the deal was done.",
        "Tagged along the river, they walked home.",
        "Posted in the garden were three guards.",
        "Category five storms are rare in the region.",
        "Share prices fell sharply on Monday.",
        "The newsletter reported that sales had doubled.",
        "We asked our readers what they thought of the plan.",
        "The photo appeared first on a local blog before it spread.",
        "Updated figures show the same trend as last year.",
    ],
)
def test_ordinary_sentences_in_the_body_survive_cleaning(sentence: str) -> None:
    text = f"The council met on Monday.\n{sentence}\nIt voted.\nThen it adjourned.\nNobody objected."
    assert rules_of(text) == {}


def test_syndication_and_weak_promo_phrases_are_dropped_at_the_foot() -> None:
    text = "The council met on Monday.\nIt voted.\nSign up to our newsletter today!"
    assert rules_of(text) == {"Sign up to our newsletter today!": "promo"}
    text = "The council met on Monday.\nIt voted.\nThis story appeared first on Example News."
    assert rules_of(text) == {"This story appeared first on Example News.": "end_marker"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "The council met on Monday.",
                "top of page",
                "Share This Article",
                "By Jane Doe",
                "9 min read",
                "SiteName",
                "",
                "   ",
                "Subscribe to our newsletter!",
                "Prices rose by 3%.",
                "Prices rose by 3%.",
                "Jane Roe reports on trade for The Daily.",
                "Привет, мир.",
                "x\u00a0y  z",
            ]
        ),
        max_size=12,
    )
)
def test_every_nonblank_line_is_either_kept_or_recorded_as_dropped(lines: list[str]) -> None:
    text = "\n".join(lines)
    cleaned = clean(text)
    normalized = normalize(text).split("\n")
    kept = cleaned.text.split("\n") if cleaned.text else []
    assert all(normalized[d.line - 1] == d.text for d in cleaned.dropped)
    dropped_numbers = {d.line for d in cleaned.dropped}
    expected_kept = [line for i, line in enumerate(normalized, 1) if line and i not in dropped_numbers]
    assert kept == expected_kept
    assert len(dropped_numbers) == len(cleaned.dropped)
    # Never more than half of the words go (a cleaner cannot gut a text).
    assert sum(len(d.text.split()) for d in cleaned.dropped) <= 0.5 * len(text.split())


def test_to_canonical_splits_and_names_the_text_when_nothing_is_left() -> None:
    from summarize.errors import InputError
    from summarize.text import to_canonical

    canonical = to_canonical("top of page\nOne sentence. Two sentences.\nThree.", where="doc.txt")
    assert canonical.text == "One sentence.\nTwo sentences.\nThree."
    assert [d.rule for d in canonical.dropped] == ["page_chrome"]
    with pytest.raises(InputError, match=r"^doc.txt: no text left after cleaning$"):
        to_canonical("\u200b\n \n\ufeff", where="doc.txt")


def test_cleaning_that_would_remove_most_of_a_text_keeps_it_whole_and_names_the_rules() -> None:
    text = "top of page\nShare This Article\nSubscribe to our newsletter today!\nA line."
    cleaned = clean(text)
    assert cleaned.text == text
    assert cleaned.dropped == ()
    assert [(d.line, d.rule) for d in cleaned.kept] == [(1, "page_chrome"), (2, "page_chrome"), (3, "promo")]
    assert cleaned.warning == (
        "cleaning would remove 11 of 13 words (page_chrome, promo); kept the text as it was"
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        "Sign up to our newsletter, the editor wrote, and our readers did. Our mission is news. Share this.",
        "By Jane Doe. 9 min read. Subscribe to our newsletter for daily updates. Click here to read more.",
        "Defense Minister Gen Nakatani reports he has not seen any ufos from space.",
    ],
)
def test_a_one_paragraph_text_is_never_cleaned(paragraph: str) -> None:
    """Every SummEval article is one line; a keyword in it must not delete it (issue 11)."""
    cleaned = clean(paragraph)
    assert (cleaned.text, cleaned.dropped, cleaned.kept) == (paragraph, (), ())
