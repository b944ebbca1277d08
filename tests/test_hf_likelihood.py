"""Token log-probabilities with a prefix encoded once (issue 18), on tiny random Llama and Qwen2 models.

The reference is one plain forward pass over start + prefix + text: the reused, copied and expanded cache,
the right padding of a batch and the windows of positions must all give its numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from summarize.errors import ConfigError, ModelUnavailableError
from summarize.hf import likelihood
from summarize.hf.likelihood import CausalLM, ContextWindowError, load_causal_lm
from tests import tiny_models

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures("hf_offline")

SOURCE = tiny_models.document(6, seed=1) + "\n\n"
TEXTS = [
    tiny_models.document(2, seed=2),
    "The mayor said.",
    tiny_models.document(4, seed=3),
    "",
    "council",
]


@pytest.fixture(scope="module", params=tiny_models.CAUSAL_FAMILIES)
def lm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CausalLM:
    folder = tiny_models.build_causal(request.param, tmp_path_factory.mktemp("lm") / request.param)
    return load_causal_lm(str(folder), device="cpu", dtype="float32")


def reference(lm: CausalLM, prefix: str | None, text: str) -> list[float]:
    """Log-probabilities of `text`'s tokens from one forward pass over the whole sequence."""
    head = [lm.start_id, *(lm.tokenize(prefix)[0] if prefix else [])]
    ids = lm.tokenize(text)[0]
    with torch.inference_mode():
        logits = lm.model(input_ids=torch.tensor([head + ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    return [logprobs[len(head) + j - 1, token].item() for j, token in enumerate(ids)]


@pytest.mark.parametrize("prefix", [SOURCE, None])
@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_reused_cache_scores_equal_one_full_forward_pass(lm: CausalLM, prefix: str | None, batch_size: int):
    got = lm.token_logprobs(prefix, TEXTS, batch_size=batch_size)
    assert [s.text for s in got] == TEXTS
    for scores, text in zip(got, TEXTS, strict=True):
        expected = reference(lm, prefix, text)
        assert len(scores.logprobs) == len(scores.ids) == len(scores.offsets) == len(expected)
        assert scores.logprobs == pytest.approx(expected, abs=1e-4), text
        assert all(value <= 0 for value in scores.logprobs)


def test_windows_of_positions_give_the_same_numbers(lm: CausalLM, monkeypatch: pytest.MonkeyPatch):
    whole = lm.token_logprobs(SOURCE, TEXTS, batch_size=2)
    monkeypatch.setattr(likelihood, "POSITIONS_PER_CALL", 4)  # two rows, two positions a call
    windowed = lm.token_logprobs(SOURCE, TEXTS, batch_size=2)
    for a, b in zip(whole, windowed, strict=True):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-5)


def test_an_encoded_prefix_serves_many_calls_unchanged(lm: CausalLM):
    prefix = lm.encode_prefix(SOURCE)
    first = lm.token_logprobs(prefix, TEXTS[:2])
    again = lm.token_logprobs(prefix, TEXTS[:2][::-1])[::-1]
    assert prefix.cache.get_seq_length() == len(prefix.ids)  # copies were extended, never the cache itself
    assert [s.logprobs for s in first] == [s.logprobs for s in again]
    assert [s.logprobs for s in first] == [s.logprobs for s in lm.token_logprobs(SOURCE, TEXTS[:2])]


def test_tokens_are_the_texts_own_with_and_without_the_prefix(lm: CausalLM):
    given, alone = lm.token_logprobs(SOURCE, TEXTS), lm.token_logprobs(None, TEXTS)
    for a, b, text in zip(given, alone, TEXTS, strict=True):
        assert a.ids == b.ids and a.offsets == b.offsets
        assert "".join(a.tokens) == text  # byte-level BPE: the pieces spell the text
        assert a.logprobs != b.logprobs or not a.ids  # the source changes the numbers
    empty = given[TEXTS.index("")]
    assert (empty.ids, empty.logprobs, empty.mean, empty.total) == ((), (), None, 0.0)
    assert given[1].total == pytest.approx(sum(given[1].logprobs))


def test_a_text_past_the_context_window_is_named_before_anything_runs(lm: CausalLM, monkeypatch):
    calls: list[object] = []
    monkeypatch.setattr(lm, "encode_prefix", lambda prefix: calls.append(prefix))
    long = " ".join(["council"] * (lm.context + 5))
    expected = rf"^text 1: \d+ prefix and \d+ text tokens exceed the context window of {lm.context}$"
    with pytest.raises(ContextWindowError, match=expected):
        lm.token_logprobs(SOURCE, ["short", long])
    assert calls == []
    with pytest.raises(ContextWindowError, match="the prefix takes"):
        CausalLM.encode_prefix(lm, long)
    with pytest.raises(ValueError, match="batch_size 0"):
        lm.token_logprobs(None, ["a"], batch_size=0)


def test_loading_names_what_is_wrong_in_one_line(tmp_path: Path):
    with pytest.raises(ModelUnavailableError, match="no folder or file"):
        load_causal_lm(str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"^dtype 'float8': Input should be 'auto', 'float32'"):
        load_causal_lm(str(tmp_path), dtype="float8")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^device 'gpu': Value error, device 'gpu': expected auto"):
        load_causal_lm(str(tmp_path), device="gpu")
    seq2seq = tiny_models.build("bart", tmp_path / "bart")
    with pytest.raises(ConfigError, match="is an encoder-decoder model, not a causal LM"):
        load_causal_lm(str(seq2seq))


def test_a_gguf_loads_through_its_conversion_with_the_same_scores(tmp_path: Path):
    gguf = tiny_models.build_causal_gguf(tmp_path / "model" / "tiny.gguf")
    first = load_causal_lm(str(gguf), cache_dir=str(tmp_path / "cache"), device="cpu")
    again = load_causal_lm(str(gguf), cache_dir=str(tmp_path / "cache"), device="cpu")
    assert first.identity == again.identity and first.identity.startswith("sha256:")
    assert first.dtype == again.dtype == "float32"  # auto on a CPU without native bfloat16 (or bfloat16)
    a, b = first.token_logprobs(SOURCE, TEXTS), again.token_logprobs(SOURCE, TEXTS)
    assert [s.logprobs for s in a] == [s.logprobs for s in b]
