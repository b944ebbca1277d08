from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError

from summarize import graph, registry
from summarize.errors import UnknownSystemError
from summarize.extractive import Budget, select
from summarize.graph import pagerank
from tests.conftest import ARTICLE, REPO

SENTENCES = ARTICLE.split("\n")


def run(system_type: str, texts: list[str], **params: object) -> list[str]:
    return [s.text for s in registry.create(system_type, system_type, params).summarize(texts)]


def test_lead_takes_the_first_sentences() -> None:
    assert run("lead", [ARTICLE], sentences=2) == ["\n".join(SENTENCES[:2])]


def test_a_cut_sentence_is_always_the_last_one_in_document_order() -> None:
    # The best-ranked sentence (index 2) comes last in the document, so it is the one cut.
    sentences = ["a b c d e.", "f g h.", "i j k l m n o."]
    picked = select(sentences, [2, 0, 1], Budget(words=9))
    assert picked == ["a b c d e.", "i j k l"]
    assert sum(len(s.split()) for s in picked) == 9


def test_word_budget_cuts_the_last_sentence_or_stops_before_it() -> None:
    first = SENTENCES[0].split()
    (cut,) = run("lead", [ARTICLE], words=len(first) + 3)
    assert cut.split("\n") == [SENTENCES[0], " ".join(SENTENCES[1].split()[:3])]
    (whole,) = run("lead", [ARTICLE], words=len(first) + 3, truncate=False)
    assert whole == SENTENCES[0]


def test_sentence_and_word_budgets_stop_at_whichever_comes_first() -> None:
    assert select(["a b c", "d e f", "g h"], [0, 1, 2], Budget(sentences=1, words=100)) == ["a b c"]
    assert select(["a b c", "d e f", "g h"], [2, 0, 1], Budget(sentences=5, words=5)) == ["a b c", "g h"]
    assert Budget().sentences == 3
    assert Budget(words=50).sentences is None


@pytest.mark.parametrize("system_type", ["lead", "textrank", "lexrank", "centroid", "random"])
def test_every_system_keeps_batch_order_and_length_and_returns_source_sentences(system_type: str) -> None:
    texts = [ARTICLE, "Only one sentence here.", "\n".join(reversed(SENTENCES))]
    summaries = registry.create("x", system_type, {"sentences": 2}).summarize(texts)
    assert len(summaries) == 3
    assert summaries[1].text == "Only one sentence here."
    for text, summary in zip(texts, summaries, strict=True):
        lines = summary.text.split("\n")
        assert 1 <= len(lines) <= 2
        source_lines = text.split("\n")
        assert all(line in source_lines for line in lines)
        # Document order is kept.
        assert [source_lines.index(line) for line in lines] == sorted(
            source_lines.index(line) for line in lines
        )
        assert summary.system == "x"
        assert summary.input_tokens == summary.total_tokens == len(text.split())
    assert registry.create("x", system_type, {"sentences": 2}).summarize([]) == []


def test_random_is_seeded_per_text_not_per_batch() -> None:
    other = "One thing.\nTwo things.\nThree things.\nFour things."
    alone = run("random", [ARTICLE], seed=3)
    assert run("random", [other, ARTICLE], seed=3)[1] == alone[0]
    picks = {run("random", [ARTICLE], seed=s)[0] for s in range(6)}
    assert len(picks) > 1


def test_graph_methods_prefer_the_central_sentence() -> None:
    sentences = [
        "Budget transport buses trams council vote.",
        "Weather was sunny.",
        "The council vote on the transport budget for buses and trams passed.",
        "Buses and trams get more transport money in the council budget.",
        "A cat slept.",
    ]
    text = "\n".join(sentences)
    for system_type in ("textrank", "lexrank", "centroid"):
        (summary,) = run(system_type, [text], sentences=1)
        assert summary in [*sentences[::2], sentences[3]], system_type
        assert summary not in ("Weather was sunny.", "A cat slept."), system_type


def test_pagerank_of_a_symmetric_graph_is_uniform_and_sums_to_one() -> None:
    scores = pagerank(np.ones((4, 4)) - np.eye(4))
    assert np.allclose(scores, 0.25)
    star = np.zeros((3, 3))
    star[0, 1] = star[1, 0] = star[0, 2] = star[2, 0] = 1
    assert pagerank(star).argmax() == 0


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        registry.get("lead").params.model_validate({"sentences": 0})
    with pytest.raises(ValidationError, match="sentence"):
        registry.get("lexrank").params.model_validate({"sentence": 2})


def test_unknown_system_suggests_the_closest() -> None:
    with pytest.raises(UnknownSystemError, match="unknown system type 'textrnk'; did you mean 'textrank'"):
        registry.get("textrnk")


def test_extractive_systems_do_not_import_torch() -> None:
    code = (
        "import sys; from summarize import registry; "
        "[registry.create(t.name, t.name, {}).summarize(['A b.\\nC d.']) for t in registry.available() "
        "if t.kind == 'extractive']; print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split() == ["False", "False"]


def _words_text(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = [f"w{k}" for k in range(60)]
    return [" ".join(rng.choice(vocab, size=int(rng.integers(3, 12)))) + "." for _ in range(n)]


@pytest.mark.parametrize("system", ["textrank", "lexrank"])
def test_the_sparse_graph_keeping_every_link_ranks_as_the_full_graph(monkeypatch, system) -> None:
    from summarize import extractive

    sentences = _words_text(40)
    make = {"textrank": extractive.make_textrank, "lexrank": extractive.make_lexrank}[system]
    params = {"textrank": extractive.TextRankParams, "lexrank": extractive.LexRankParams}[system]()
    full, note = make(params)(sentences, "")  # type: ignore[arg-type]
    assert note is None
    monkeypatch.setattr(graph, "EXACT_GRAPH_SENTENCES", 10)
    monkeypatch.setattr(graph, "GRAPH_NEIGHBOURS", 39)  # every other sentence: the same graph
    sparse, note = make(params)(sentences, "")  # type: ignore[arg-type]
    assert list(sparse) == list(full)
    assert note and "each keeps its 39 strongest links" in note


def test_a_cut_graph_is_noted_in_the_summary_and_the_run_warnings(monkeypatch) -> None:
    from eval import config
    from eval.run.runner import Runner

    monkeypatch.setattr(graph, "EXACT_GRAPH_SENTENCES", 10)
    text = "\n".join(_words_text(30))
    (summary,) = registry.create("t", "textrank", {}).summarize([text])
    assert summary.notes and "graph of 30 sentences" in summary.notes[0]
    data = {
        "corpus": {"clusters": [{"id": "c", "source": {"text": text, "id": "s"}}]},
        "sentences": {"split": "lines"},
        "cleaning": {"enabled": False},
        "systems": [{"name": "tr", "type": "textrank"}],
    }
    result = Runner(config.load_data(data)).run()
    assert any(w.startswith("system 'tr' on 'c': graph of 30 sentences") for w in result.warnings)


def test_graph_memory_grows_with_links_kept_not_with_n_squared(monkeypatch) -> None:
    # 6,000 sentences: a dense graph alone would be 6000^2 x 8 bytes = 288 MB (and pagerank copies it).
    import tracemalloc

    from summarize import extractive

    sentences = _words_text(6000, seed=1)
    terms = extractive._terms([dict.fromkeys(extractive.content_words(s), 1.0) for s in sentences])
    rank = extractive.make_textrank(extractive.TextRankParams())
    tracemalloc.start()
    try:
        ranking, note = rank(sentences, "")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert note is not None and sorted(ranking) == list(range(6000))
    assert peak < 150_000_000, peak
    assert terms.n == 6000


def test_centroid_ranks_lazily_and_skips_near_duplicates() -> None:
    sentences = ["budget vote council", "budget vote council", "roads repair city", "trams buses transport"]
    from summarize import extractive

    lazy, note = extractive.make_centroid(extractive.CentroidParams())(sentences, "")
    first = next(iter(lazy))
    picked = [first, *lazy]
    assert note is None and picked.count(0) + picked.count(1) == 1  # one of the duplicates only


# -- repeated sentences: twins merged into one node, the same ranking (issue 20) -----------------------------

TWINS_TEXT = [
    "The council approved the school budget on Tuesday after a long debate.",
    "Parents said the school budget would not cover new teachers.",
    "The council approved the school budget on Tuesday after a long debate.",
    "Road repairs were delayed again because of the winter storms.",
    "Parents said the school budget would not cover new teachers!",  # the same words: a twin too
    "A new library will open in the spring, the mayor said.",
    "Road repairs were delayed again because of the winter storms.",
    "The council approved the school budget on Tuesday after a long debate.",
    "Storms closed three roads and the library for a day.",
]


def full_graph_ranking(kind: str, sentences: list[str]) -> list[int]:
    """The ranking of the graph of every sentence, twins as separate nodes (the definition)."""
    from summarize.extractive import content_words, tfidf_terms
    from summarize.graph import _by_score, _terms, rank_graph

    if kind == "lexrank":
        terms = tfidf_terms(sentences)
        return _by_score(rank_graph(terms, lambda c, rows: (c > 0.1).astype(float), 0.85)[0])
    terms = _terms([dict.fromkeys(content_words(s), 1.0) for s in sentences])
    logs = np.log(np.array([len(ids) for ids in terms.ids], dtype=float) + 1)
    return _by_score(
        rank_graph(terms, lambda c, rows: c / (logs[rows, None] + logs[None, :] + (c == 0)), 0.85)[0]
    )


@pytest.mark.parametrize("kind", ["textrank", "lexrank"])
def test_twins_are_ranked_as_in_the_full_graph(kind) -> None:
    sentences = TWINS_TEXT * 3
    rank = registry.create(kind, kind, {"sentences": 3})._rank  # type: ignore[attr-defined]
    ranking, note = rank(sentences, "\n".join(sentences))
    assert list(ranking) == full_graph_ranking(kind, sentences) and note is None


@pytest.mark.parametrize("kind", ["textrank", "lexrank"])
def test_many_repeated_sentences_make_a_graph_of_the_distinct_ones(kind) -> None:
    sentences = TWINS_TEXT * 3000  # 27,000 sentences, 6 distinct: the full graph would be cut to 50 links
    summarizer = registry.create(kind, kind, {"sentences": 2})
    (summary,) = summarizer.summarize(["\n".join(sentences)])
    assert summary.notes == ()  # the graph of 6 nodes is exact, nothing was cut
    small = registry.create(kind, kind, {"sentences": 2}).summarize(["\n".join(TWINS_TEXT * 3)])[0]
    assert summary.text == small.text  # as many times each: the same shares, the same summary
