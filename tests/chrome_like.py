"""Ordinary news sentences that look like page chrome: each holds a word or shape the cleaning rules look
for (a byline, "share", "subscribe", "all rights reserved", "click here", a newsletter, a date, a numbered
heading, a short headline). Written for sumtrack's tests (issue 11); none is chrome, so cleaning must keep
every one, alone on its line at the head, body or foot of a page, and joined into one paragraph.

Grouped by the rule each one tempts, so a failure says which rule over-reached.
"""

from __future__ import annotations

CHROME_LIKE: dict[str, tuple[str, ...]] = {
    "byline": (
        "By the end of the day, the deal was done.",
        "By Monday, negotiators had agreed on a draft text.",
        "By Tuesday Morning Edition standards, the show was short.",
        "By law, the company must publish its accounts every year.",
        "Written by hand, the letter was three pages long.",
        "Posted by mistake, the memo spread within minutes.",
        "The report, written by Jane Doe and John Roe, was published in May.",
        "Reporting by the local paper forced the mayor to resign.",
        "Author: unknown, according to the museum's catalogue.",
        "Editor Maria Lopez said the paper would appeal.",
        "By contrast, exports from the region grew by 4 percent.",
        "By Order of the Court, the hearing was postponed.",
    ),
    "page_chrome": (
        "Share prices fell sharply on Monday.",
        "Shares of the airline rose 6 percent in early trading.",
        "She did not share the minister's optimism.",
        "Home prices in the capital have doubled since 2015.",
        "Home is where the heart is, the old song goes.",
        "The menu at the state dinner included lamb and rice.",
        "Comments made by the senator drew sharp criticism.",
        "Read more carefully, the contract says something else.",
        "Readers were asked to email their questions to the panel.",
        "Print circulation has fallen for a decade.",
        "Tags on the luggage showed it had been to Lagos.",
        "Category five storms are rare in the region.",
        "Top of the agenda was the water shortage.",
        "Advertisement spending rose by a fifth last year.",
        "Next, the committee will hear from the finance minister.",
        "The previous post-holder left after two years.",
        "Related stories of fraud have emerged in three other towns.",
        "Skip to the final chapter and the mystery is solved.",
    ),
    "reading_time": (
        "A 5 minute read of the report leaves little doubt.",
        "It took her 10 minutes to read the whole statement aloud.",
        "The 3 min reading break became a daily ritual.",
    ),
    "dateline": (
        "Updated figures show the same trend as last year.",
        "Published in 2019, the study found no link.",
        "Posted on a bulletin board, the notice went unnoticed.",
        "March 3, 2021 was the day the factory closed.",
        "On June 27, 2025, the court ruled in her favour.",
        "2 days ago, nobody had heard of the company.",
        "The law took effect on 1 January 2024 after a long delay.",
        "Years ago the town had three cinemas.",
        "Updated on Friday, the guidance now covers schools.",
    ),
    "promo": (
        "All rights reserved, the judge noted, did not mean the company could bar fair use.",
        "The phrase all rights reserved no longer has legal force in most countries.",
        "Users who click here are taken to a fake bank page, police said.",
        "Click here, the button said, and thousands of people did.",
        "Voters could subscribe to updates from the election office.",
        "Nearly a million people subscribe to the service in France.",
        "He decided to sign up for the army at seventeen.",
        "Sign up rates for the scheme were lower than expected.",
        "Follow us on the trail, the guide told the hikers.",
        "Downloads of the app rose after the outage.",
        "Copyright law has struggled to keep up with streaming.",
        "Copyright holders filed more than 300 claims last year.",
        "The © symbol was added to the logo in 1998.",
        "Register now for the vaccine was the slogan of the campaign.",
        "Subscribe now, the billboard read, and the company's sales doubled.",
        "Sign up today, the sign reads, and nobody in the village does.",
        "To see more of the country, she took the slow train.",
        "To view the eclipse safely, scientists recommend special glasses.",
        "Tap water in the city is safe to drink again.",
        "The newsletter reported that sales had doubled.",
        "We asked our readers what they thought of the plan.",
        "Our mission is to reach the summit before the storm, the leader said.",
        "The charity's newsletter is read by 40,000 donors.",
        "Her newsletter on local politics now has paying subscribers.",
        "The museum said its mission was to serve the whole city.",
    ),
    "author_bio": (
        "Defense Minister Gen Nakatani reports he has not seen any ufos from space.",
        "Prime Minister Ana Silva reports that inflation is slowing.",
        "John Smith covers his face as he leaves the courthouse.",
        "Mary Jones writes to the council every week about the potholes.",
        "The correspondent, Sam Lee, was expelled from the country in April.",
        "Dr Ahmed Khan is a senior editor who left the magazine in 2020.",
        "Jane Roe covers the courts for the Herald, which won a prize last year.",
    ),
    "end_marker": (
        "The photo appeared first on a local blog before it spread.",
        "The post office appeared first on the list of closures.",
        "This story appeared first on Facebook, where it was shared widely.",
        "The rumour appeared first on The Daily Mirror's website.",
        "Share this article, the campaign urged supporters.",
        "Previous posts on the forum had warned of the scam.",
        "The bottom of the page was torn, so the date was lost.",
    ),
    "fragment": (
        "1. Dog-food taster",
        "2. Ice-cream tester",
        "3. Professional sleeper",
        "Step 4: taste test",
        "Iran isolated",
        "Markets rally",
        "Chapter two",
        "A. Introduction",
        "Why it matters",
        "What happens next",
        "Key points",
    ),
    "repeated_line": (
        "Prices rose again in March.",
        "The strike ended on Friday.",
    ),
}


def sentences() -> list[str]:
    """Every sentence, in a fixed order."""
    return [s for group in CHROME_LIKE.values() for s in group]
