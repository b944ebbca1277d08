from __future__ import annotations

import pytest

from eval import config
from eval.run.result import RunResult
from eval.run.runner import Runner
from summarize import registry
from summarize.base import Summary, SystemType
from summarize.errors import ConfigError, ModelUnavailableError
from summarize.extractive import Budget
from tests.conftest import ARTICLE, NEAR_COPY, PARAPHRASE, SUMMARY, UNRELATED


def run(data: dict, overrides: tuple[str, ...] = ()) -> RunResult:
    return Runner(config.load_data(data, overrides=overrides)).run()


def score(result: RunResult, candidate: str, metric: str, target: str = "source") -> float:
    (row,) = [
        r
        for r in result.scores
        if r.candidate == candidate and r.metric == metric and (r.target_kind == target or r.target == target)
    ]
    return row.f1


def inline_cluster(**texts: str) -> dict:
    return {
        "id": "c",
        "source": {"id": "source", "text": ARTICLE},
        "derivatives": [{"id": k, "text": v} for k, v in texts.items()],
    }


CLOSENESS = {"near": NEAR_COPY, "summary": SUMMARY, "paraphrase": PARAPHRASE, "unrelated": UNRELATED}


def test_texts_of_known_closeness_rank_as_a_reader_would() -> None:
    result = run({"corpus": {"clusters": [inline_cluster(**CLOSENESS)]}})
    assert result.ok
    for metric in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        ranked = sorted(CLOSENESS, key=lambda k: -score(result, k, metric))
        assert ranked == ["near", "summary", "paraphrase", "unrelated"], metric
    # Precision says how much of a text comes from the source; recall how much of the source it keeps.
    summary = next(r for r in result.scores if r.candidate == "summary" and r.metric == "rouge1")
    assert summary.precision > 0.9 and summary.recall < 0.5


def test_every_pair_is_scored_and_rows_carry_ids() -> None:
    cluster = inline_cluster(near=NEAR_COPY, summary=SUMMARY)
    cluster["references"] = [{"id": "r1", "text": SUMMARY}, {"id": "r2", "text": PARAPHRASE}]
    data = {
        "corpus": {"clusters": [cluster]},
        "rouge": {"types": ["rouge1"]},
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}],
    }
    result = run(data)
    pairs = {(str(r.candidate_ref), str(r.target_ref)) for r in result.scores}
    assert pairs == {
        ("derivative:near", "source:source"),
        ("derivative:summary", "source:source"),
        ("system:lead-2", "source:source"),
        ("system:lead-2", "derivative:near"),
        ("system:lead-2", "derivative:summary"),
        ("system:lead-2", "reference:r1"),
        ("system:lead-2", "reference:r2"),
        ("system:lead-2", "references:*"),
    }
    # With the best-reference rule the multi-reference row equals the better single reference.
    assert score(result, "lead-2", "rouge1", "references") == max(
        score(result, "lead-2", "rouge1", "r1"), score(result, "lead-2", "rouge1", "r2")
    )
    groups = {(str(a.candidate), str(a.target), a.n) for a in result.aggregates}
    assert groups == {
        ("derivatives:*", "source:*", 2),
        ("system:lead-2", "source:*", 1),
        ("system:lead-2", "derivatives:*", 1),
        ("system:lead-2", "references:*", 1),
    }


def test_aggregates_pool_derivatives_over_clusters_with_a_seeded_interval() -> None:
    two = [
        inline_cluster(near=NEAR_COPY, summary=SUMMARY),
        {**inline_cluster(para=PARAPHRASE, other=UNRELATED), "id": "c2"},
    ]
    result = run({"corpus": {"clusters": two}, "rouge": {"types": ["rouge2"]}})
    (agg,) = [a for a in result.aggregates if a.stat == "f1"]
    values = [r.f1 for r in result.scores]
    assert agg.n == 4
    assert agg.mean == pytest.approx(sum(values) / 4)
    assert agg.low < agg.mean < agg.high
    again = run({"corpus": {"clusters": two}, "rouge": {"types": ["rouge2"]}})
    assert again.aggregates == result.aggregates
    other_seed = run({"corpus": {"clusters": two}, "rouge": {"types": ["rouge2"]}}, ("aggregate.seed=9",))
    assert other_seed.aggregates != result.aggregates
    assert "seed:9" in other_seed.signature


def test_bad_documents_are_reported_and_the_rest_still_scored(write) -> None:
    write("src.txt", ARTICLE)
    write("good.txt", SUMMARY)
    write("empty.txt", "")
    write("binary.txt", b"\x00\x01\x02\x03")
    write("latin.txt", "caf\u00e9".encode("cp1252"))
    write("chrome.txt", "top of page\nShare This Article\nEvery word here is promotional.")
    data = {
        "corpus": {
            "clusters": [
                {
                    "id": "c",
                    "source": "src.txt",
                    "derivatives": [
                        "good.txt",
                        "empty.txt",
                        "binary.txt",
                        "latin.txt",
                        "chrome.txt",
                        "missing.txt",
                    ],
                },
                {"id": "lost", "source": "missing-source.txt", "derivatives": ["good.txt"]},
            ]
        },
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}],
    }
    path = write("cfg.yaml", __import__("yaml").safe_dump(data))
    result = Runner(config.load(path)).run()
    assert not result.ok
    # cp1252 is detected (corpus.encoding: auto), and a text that is mostly chrome is kept whole with a
    # warning rather than emptied (issue 11).
    assert {r.candidate for r in result.scores} == {"good", "latin", "chrome", "lead-1"}
    problems = {p.document: p.message for p in result.problems}
    assert set(problems) == {"empty", "binary", "missing", "missing-source"}
    assert "file is empty" in problems["empty"]
    assert "binary" in problems["binary"]
    assert {d.id: d.encoding for d in result.documents}["latin"] == "cp1252 (detected)"
    assert any(
        w.endswith("chrome.txt: cleaning would remove 6 of 11 words (page_chrome); kept the text as it was")
        for w in result.warnings
    )
    assert "file not found" in problems["missing"]
    assert all("\n" not in m for m in problems.values())


def test_non_latin_text_warns_and_the_unicode_tokenizer_scores_it() -> None:
    russian = (
        "Совет утвердил новый бюджет во вторник после долгих споров.\nПлан увеличивает расходы на транспорт."
    )
    cluster = {
        "id": "ru",
        "source": {"id": "src", "text": russian},
        "derivatives": [{"id": "copy", "text": russian}],
    }
    default = run({"corpus": {"clusters": [cluster]}})
    assert score(default, "copy", "rouge1") == 0.0
    assert any("yields no ROUGE tokens" in w and "tokenizer: unicode" in w for w in default.warnings)
    unicode = run({"corpus": {"clusters": [cluster]}}, ("rouge.tokenizer=unicode",))
    assert score(unicode, "copy", "rouge1") == 1.0
    assert not unicode.warnings
    assert "tok:unicode" in unicode.signature


class Failing:
    def __init__(self, name: str, params: object) -> None:
        raise ModelUnavailableError(f"model for {name!r} is not available offline")


class Broken:
    name = "broken"

    def summarize(self, texts: list[str]) -> list[Summary]:
        return []  # loses a row: must be caught, not zipped away


@pytest.fixture()
def failing_systems(monkeypatch):
    monkeypatch.setitem(
        registry._REGISTRY,
        "test-unavailable",
        SystemType("test-unavailable", "abstractive", "always unavailable", Budget, Failing),
    )
    monkeypatch.setitem(
        registry._REGISTRY,
        "test-broken",
        SystemType("test-broken", "abstractive", "drops rows", Budget, lambda n, p: Broken()),
    )


def test_a_failing_system_is_reported_and_the_others_still_run(failing_systems) -> None:
    data = {
        "corpus": {"clusters": [inline_cluster(summary=SUMMARY)]},
        "systems": [
            {"name": "gone", "type": "test-unavailable"},
            {"name": "broken", "type": "test-broken"},
            {"name": "lead-2", "type": "lead"},
        ],
    }
    result = run(data)
    status = {s.name: (s.status, s.error) for s in result.systems}
    assert status["gone"] == ("unavailable", "model for 'gone' is not available offline")
    assert status["broken"][0] == "failed" and "returned 0 summaries for 1 texts" in (
        status["broken"][1] or ""
    )
    assert status["lead-2"] == ("ok", None)
    assert {r.candidate for r in result.scores} == {"summary", "lead-2"}
    assert not result.ok and result.stopped is None


def test_on_error_stop_stops_at_the_first_failing_system_and_keeps_what_was_done(failing_systems) -> None:
    data = {
        "corpus": {"clusters": [inline_cluster(summary=SUMMARY)]},
        "on_error": "stop",
        "systems": [
            {"name": "lead-1", "type": "lead"},
            {"name": "gone", "type": "test-unavailable"},
            {"name": "lead-2", "type": "lead"},
        ],
    }
    result = run(data)
    assert [(s.name, s.status) for s in result.systems] == [
        ("lead-1", "ok"),
        ("gone", "unavailable"),
        ("lead-2", "skipped"),
    ]
    assert "gone" in (result.stopped or "")
    assert {r.candidate for r in result.scores} == {"summary", "lead-1"}


def test_system_names_may_not_shadow_document_ids() -> None:
    data = {
        "corpus": {"clusters": [inline_cluster(summary=SUMMARY)]},
        "systems": [{"name": "summary", "type": "lead"}],
    }
    with pytest.raises(
        ConfigError, match=r"systems\[0\].name and corpus.clusters\[0\].derivatives\[0\]: both"
    ):
        run(data)


def test_extractive_summaries_are_scored_on_their_own_sentences() -> None:
    result = run(
        {
            "corpus": {"clusters": [inline_cluster()]},
            "systems": [{"name": "lead-7", "type": "lead", "sentences": 7}],
        }
    )
    # All seven sentences of the source: a perfect copy on every type, rougeLsum included.
    for metric in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert score(result, "lead-7", metric) == 1.0
    ((_, summary, prepared),) = result.summaries
    assert prepared.sentences == ARTICLE.split("\n")
    assert summary.system == "lead-7"


def test_systems_are_compared_with_a_seeded_paired_test_over_clusters() -> None:
    clusters = [
        {
            "id": f"c{i}",
            "source": {"id": "source", "text": text},
            "derivatives": [{"id": "d", "text": SUMMARY}],
        }
        for i, text in enumerate([ARTICLE, NEAR_COPY, PARAPHRASE + "\n" + ARTICLE])
    ]
    data = {
        "corpus": {"clusters": clusters},
        "rouge": {"types": ["rouge1"]},
        "systems": [
            {"name": "lead-1", "type": "lead", "sentences": 1},
            {"name": "lead-1b", "type": "lead", "sentences": 1},
            {"name": "lead-4", "type": "lead", "sentences": 4},
        ],
    }
    result = run(data)
    pairs = {(c.system_a, c.system_b, str(c.target)): c for c in result.comparisons}
    assert set(pairs) == {
        (a, b, t)
        for a, b in (("lead-1", "lead-1b"), ("lead-1", "lead-4"), ("lead-1b", "lead-4"))
        for t in ("source:*", "derivatives:*")
    }
    same = pairs[("lead-1", "lead-1b", "source:*")]
    assert (same.delta, same.p_value, same.n, same.method) == (0.0, 1.0, 3, "permutation")
    # lead-4 keeps four times the source: its F1 against the source is higher in every cluster, but with
    # three clusters the smallest possible two-sided p-value of an exact sign-flip test is 2/8.
    longer = pairs[("lead-1", "lead-4", "source:*")]
    assert longer.delta < 0 and longer.p_value == 0.25
    assert run(data).comparisons == result.comparisons
    boot = run(data, ("aggregate.significance=bootstrap",)).comparisons
    assert {c.method for c in boot} == {"bootstrap"} and all(c.low is not None for c in boot)
    assert run(data, ("aggregate.significance=none",)).comparisons == []


def test_tracking_can_be_switched_off_and_is_on_by_default() -> None:
    data = {"corpus": {"clusters": [inline_cluster(near=NEAR_COPY, other=UNRELATED)]}}
    result = run(data)
    profiles = {t.id: t.profile for t in result.tracking}
    assert set(profiles) == {"near", "other"}
    assert profiles["near"].coverage > profiles["other"].coverage
    assert profiles["near"].semantic is None and "not requested" in (profiles["near"].semantic_reason or "")
    assert run(data, ("tracking.enabled=false",)).tracking == []


def test_two_clusters_with_one_id_are_refused() -> None:
    clusters = [inline_cluster(summary=SUMMARY), inline_cluster(near=NEAR_COPY)]
    with pytest.raises(
        ConfigError, match=r"clusters\[1\] and corpus.clusters\[0\]: both have cluster id 'c'"
    ):
        run({"corpus": {"clusters": clusters}})
