"""The key/value cache that grows in place (issue 18): the same numbers as transformers' DynamicCache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache, GenerationConfig

from summarize.hf import kvcache
from summarize.hf.causal import CausalSummarizer
from summarize.hf.config import CausalParams
from summarize.hf.kvcache import GrowingCache, growing_cache
from tests import tiny_models

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures("hf_offline")


@pytest.fixture(scope="module", params=tiny_models.CAUSAL_FAMILIES)
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.build_causal(request.param, tmp_path_factory.mktemp("kv") / request.param)


def prompts(folder: Path) -> dict[str, torch.Tensor]:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.padding_side = "left"
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    texts = [tiny_models.document(n, seed=n) for n in (1, 4, 2)]
    return dict(tokenizer(texts, return_tensors="pt", padding=True))


@pytest.mark.parametrize("beams", [1, 2])
def test_generation_is_identical_to_the_dynamic_cache(folder: Path, beams: int, monkeypatch):
    monkeypatch.setattr(kvcache, "GROWTH", 3)  # grow many times within a few tokens
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    inputs = prompts(folder)
    generation = GenerationConfig(
        max_new_tokens=12, min_new_tokens=12, do_sample=False, num_beams=beams,
        pad_token_id=model.config.eos_token_id, eos_token_id=model.config.eos_token_id,
        output_scores=True, return_dict_in_generate=True,
    )  # fmt: skip
    outputs: dict[str, Any] = {}
    for name, cache in (("dynamic", DynamicCache()), ("growing", growing_cache(model))):
        assert cache is not None
        with torch.inference_mode():
            outputs[name] = model.generate(**inputs, generation_config=generation, cache=cache)
        outputs[name + " cache"] = cache
    assert torch.equal(outputs["dynamic"].sequences, outputs["growing"].sequences)
    for a, b in zip(outputs["dynamic"].scores, outputs["growing"].scores, strict=True):
        assert torch.equal(a, b)  # bit for bit, not merely close
    grown = outputs["growing cache"]
    assert isinstance(grown, GrowingCache) and all(isinstance(x, kvcache.GrowingLayer) for x in grown.layers)
    assert grown.get_seq_length() == outputs["dynamic cache"].get_seq_length()


def test_cropping_then_extending_writes_after_the_kept_part(folder: Path):
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    ids = prompts(folder)["input_ids"][1:2]
    with torch.inference_mode():
        cache = growing_cache(model)
        model(input_ids=ids[:, :-3], cache=cache)
        model(input_ids=ids[:, -3:-1], cache=cache)
        assert cache is not None
        cache.crop(-2)  # back to all but the last 3 tokens
        last = model(input_ids=ids[:, -3:], cache=cache).logits
        whole = model(input_ids=ids).logits
    assert torch.allclose(last, whole[:, -3:], atol=1e-5)


def test_only_full_attention_models_get_it():
    from transformers import MistralConfig, MistralForCausalLM

    shape = dict(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=2)
    shape |= dict(num_attention_heads=4, num_key_value_heads=2)
    sliding = MistralForCausalLM(MistralConfig(**shape, sliding_window=8))
    assert growing_cache(sliding) is None  # the default cache keeps only the window: left to it
    assert isinstance(
        growing_cache(MistralForCausalLM(MistralConfig(**shape, sliding_window=None))), GrowingCache
    )


def test_the_causal_summarizer_generates_the_same_with_and_without_it(folder: Path, tmp_path: Path):
    params = CausalParams(model=str(folder), max_new_tokens=10, min_new_tokens=4, cache=False, batch_size=2)
    docs = [tiny_models.document(n, seed=n) for n in (1, 5, 3)]
    summarizer = CausalSummarizer("tiny", params)
    batcher = summarizer._load_batcher()
    assert batcher.new_cache is not None
    grown = [s.text for s in summarizer.summarize(docs)]
    plain = CausalSummarizer("tiny", params)
    plain._load_batcher().new_cache = None
    assert [s.text for s in plain.summarize(docs)] == grown
