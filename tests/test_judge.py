"""The G-Eval-style judge: weighted scores from log-probabilities, parsed integers, caching, retries; a local
tiny causal model, a scripted OpenAI-compatible server with `top_logprobs`, and a real `transformers serve`.

A tiny Llama whose output layer is rigged to put (nearly) all probability on the token "4" stands in for a
judge with an opinion: locally its weighted score is 4 with mass ~1; served, it writes "4 4 4 ...", which
`transformers serve` returns without log-probabilities (it ignores `logprobs`), so the score is parsed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from eval import config
from eval.settings import Settings
from eval.tracking.judge import (
    JudgeOptions,
    JudgeScorer,
    default_prompt,
    parsed_score,
    read_answer,
    render,
    weighted_score,
)
from summarize.errors import ConfigError, SumtrackError
from summarize.hf.config import CausalParams
from summarize.remote_config import OpenAIParams
from tests.test_remote import Scripted
from tests.tiny_causal_server import CHAT_TEMPLATE, SPECIALS, Serve
from tests.tiny_models import sentences

torch.set_num_threads(1)

SOURCE = "The council met on Monday.\nThe mayor said the budget would rise."
TEXTS = ["The mayor said the budget would rise.", "The king of France rode a horse to Paris."]


def build_rigged_llama(folder: Path, favourite: str = "4") -> Path:
    """A tiny Llama whose next token is `favourite` whatever it reads (its tokenizer knows the digits)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    trained = Tokenizer(models.BPE(unk_token="<unk>"))
    trained.pre_tokenizer = pre_tokenizers.Metaspace()
    trained.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=SPECIALS)
    # Digits often enough that each is one token with its leading space ("▁4"), as in a real vocabulary.
    trained.train_from_iterator([*sentences(200), *["Score 1 2 3 4 5"] * 200], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained, unk_token="<unk>", pad_token="<pad>", bos_token="<s>", eos_token="<|end|>",
        model_max_length=4096,
    )  # fmt: skip
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        # The residual stream is the token's embedding (the layer adds nothing), whose first coordinate is
        # large and positive for every token; only the favourite's output row reads that coordinate.
        layer = model.model.layers[0]
        layer.self_attn.o_proj.weight.zero_()
        layer.mlp.down_proj.weight.zero_()
        model.model.embed_tokens.weight[:, 0] = 5.0
        model.lm_head.weight.zero_()
        (favourite_id,) = tokenizer(favourite, add_special_tokens=False)["input_ids"]
        model.lm_head.weight[favourite_id, 0] = 20.0
    model.generation_config = GenerationConfig.from_model_config(config)
    model.generation_config.update(max_new_tokens=8, do_sample=False)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def rigged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_rigged_llama(tmp_path_factory.mktemp("judge") / "rigged")


def test_weighted_score_is_the_probability_weighted_mean_over_the_score_tokens() -> None:
    score, mass = weighted_score({4: math.log(0.6), 5: math.log(0.2), 9: math.log(0.2)})
    assert score == pytest.approx((4 * 0.6 + 5 * 0.2) / 0.8) and mass == pytest.approx(0.8)
    assert weighted_score({}) == (None, 0.0)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("4", 4), ("Score: 3/5", 3), ("Consistency (1-5): 5.", 5), ("2.5", None), ("10", None), ("none", None)],
)
def test_parsed_score_is_the_first_integer_one_to_five(reply: str, expected: int | None) -> None:
    assert parsed_score(reply) == expected


def test_read_answer_takes_top_logprobs_at_the_first_score_token() -> None:
    answer = {
        "choices": [
            {
                "message": {"content": "Score: 4"},
                "logprobs": {
                    "content": [
                        {"token": "Score", "logprob": -0.1, "top_logprobs": []},
                        {
                            "token": " 4",
                            "logprob": math.log(0.5),
                            "top_logprobs": [
                                {"token": " 4", "logprob": math.log(0.5)},
                                {"token": "4", "logprob": math.log(0.1)},  # the same score, another token
                                {"token": " 3", "logprob": math.log(0.3)},
                                {"token": " x", "logprob": math.log(0.1)},
                            ],
                        },
                    ]
                },
            }
        ]
    }
    reply, logprobs = read_answer(answer)
    assert reply == "Score: 4"
    assert logprobs is not None and math.exp(logprobs[4]) == pytest.approx(0.6)
    assert math.exp(logprobs[3]) == pytest.approx(0.3)
    assert read_answer({"choices": [{"message": {"content": "5"}}]}) == ("5", None)


def test_the_default_rubrics_hold_both_placeholders_and_a_source_brace_is_left_alone() -> None:
    for dimension in ("consistency", "relevance", "coherence", "fluency"):
        prompt = default_prompt(dimension)
        assert (
            "{source}" in prompt
            and "{text}" in prompt
            and prompt.endswith(f"{dimension.capitalize()} (1-5):")
        )
    assert render("S={source} T={text}", "a {text} b", "c") == "S=a {text} b T=c"


def _local(folder: Path, tmp_path: Path, **changes: Any) -> JudgeScorer:
    params = CausalParams(model=str(folder), device="cpu", dtype="float32")
    options = JudgeOptions(system="rigged", type="causal", params=params, cache_dir=str(tmp_path / "c"))
    return JudgeScorer(dataclasses.replace(options, **changes))


@pytest.mark.usefixtures("hf_offline")
def test_a_local_causal_judge_weights_its_next_token_distribution(rigged: Path, tmp_path: Path) -> None:
    scorer = _local(rigged, tmp_path, dimensions=("consistency", "fluency"))
    results = scorer.score(SOURCE, TEXTS)
    for result in results:
        for dimension in ("consistency", "fluency"):
            rating = result[dimension]
            assert rating["method"] == "logprobs"
            assert rating["score"] == pytest.approx(4.0, abs=1e-3) and rating["mass"] > 0.99
            assert rating["source_words_seen"] == len(SOURCE.split())
    again = _local(rigged, tmp_path, dimensions=("consistency", "fluency"))
    again._backend._lm._load = lambda: pytest.fail("a cached rating loaded the model")  # type: ignore[union-attr]
    assert again.score(SOURCE, TEXTS) == results


@pytest.mark.usefixtures("hf_offline")
def test_a_random_local_judge_gives_a_weighted_score_between_one_and_five(tmp_path: Path) -> None:
    from tests import tiny_models

    folder = tiny_models.build_causal("qwen2", tmp_path / "qwen2", context=2048)
    (result,) = _local(folder, tmp_path, cache=False).score(SOURCE, TEXTS[:1])
    rating = result["consistency"]
    assert rating["method"] == "logprobs"  # byte-level BPE: every digit is a token
    assert 1.0 <= rating["score"] <= 5.0 and 0 < rating["mass"] <= 1
    assert rating["source_words_seen"] == len(SOURCE.split())


@pytest.mark.usefixtures("hf_offline")
def test_a_source_too_long_for_a_local_judge_is_shown_in_part_and_a_prompt_too_long_is_one_line(
    tmp_path: Path,
) -> None:
    from tests import tiny_models

    folder = tiny_models.build_causal("qwen2", tmp_path / "qwen2", context=1024)
    long_source = tiny_models.document(80, seed=4)
    (result,) = _local(folder, tmp_path, cache=False).score(long_source, TEXTS[:1])
    assert 0 < result["consistency"]["source_words_seen"] < len(long_source.split())
    small = tiny_models.build_causal("qwen2", tmp_path / "small")  # 256 positions: not even the rubric fits
    with pytest.raises(
        SumtrackError, match="judge 'rigged': the consistency prompt with the text and no source"
    ) as caught:
        _local(small, tmp_path, cache=False).score(SOURCE, TEXTS[:1])
    assert "\n" not in str(caught.value)


class WithLogprobs(Scripted):
    """A scripted OpenAI-compatible server that sends `top_logprobs` for its one-token reply " 4"."""

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = super().completion(body)
        assert body["logprobs"] is True and body["top_logprobs"] == 20
        top = [{"token": " 4", "logprob": math.log(0.75)}, {"token": " 5", "logprob": math.log(0.25)}]
        answer["choices"][0]["message"]["content"] = "4"
        answer["choices"][0]["logprobs"] = {
            "content": [{"token": " 4", "logprob": math.log(0.75), "top_logprobs": top}]
        }
        return answer


def _remote(base_url: str, tmp_path: Path, **settings: Any) -> JudgeScorer:
    params = OpenAIParams(base_url=base_url, model="judge", backoff_seconds=0.01, **settings)
    return JudgeScorer(
        JudgeOptions(system="served", type="openai", params=params, cache_dir=str(tmp_path / "c"))
    )


def test_an_openai_judge_uses_top_logprobs_and_is_retried_like_generation(tmp_path: Path) -> None:
    busy = (503, {}, {"error": {"message": "busy"}})
    with WithLogprobs([busy, busy]) as server:
        results = _remote(server.base_url, tmp_path).score(SOURCE, TEXTS)
    assert len(server.requests) == 4  # two refused, then one per text
    for result in results:
        rating = result["consistency"]
        assert rating["method"] == "logprobs" and rating["score"] == pytest.approx(4.25)
        assert rating["mass"] == pytest.approx(1.0)
    # Cached: with the server gone, a rerun sends nothing and gets the same ratings.
    assert _remote(server.base_url, tmp_path).score(SOURCE, TEXTS) == results


def test_an_openai_judge_that_never_answers_is_one_line(tmp_path: Path) -> None:
    from summarize.remote_http import EndpointUnavailableError

    with Scripted() as server:
        url = server.base_url
    with pytest.raises(EndpointUnavailableError) as caught:
        _remote(url, tmp_path, connect_timeout=1).score(SOURCE, TEXTS)
    assert "\n" not in str(caught.value)


def test_the_judge_config_is_validated_with_did_you_mean() -> None:
    corpus = {"clusters": [{"source": {"text": "x"}}]}

    def load(judge: dict[str, Any]) -> Any:
        return config.load_data({"corpus": corpus, "tracking": {"judge": judge}})

    with pytest.raises(
        ConfigError,
        match=r"tracking.judge.dimensions: .*unknown dimension 'consistncy'; did you mean 'consistency'",
    ):
        load({"enabled": True, "system": {"type": "causal", "model": "m"}, "dimensions": ["consistncy"]})
    with pytest.raises(ConfigError, match=r"tracking.judge.system.modl: unknown key; did you mean 'model'"):
        load({"enabled": True, "system": {"type": "causal", "modl": "m"}})
    with pytest.raises(ConfigError, match=r"tracking.judge.system: no system named 'jduge'"):
        load({"enabled": True, "system": "jduge"})
    with pytest.raises(ConfigError, match=r"tracking.judge.system.type: 'lead': expected causal or openai"):
        load({"enabled": True, "system": {"type": "lead"}})
    with pytest.raises(ConfigError, match=r"prompts.fluency: the prompt has no \{text\} placeholder"):
        load(
            {"enabled": True, "system": {"type": "causal", "model": "m"}, "prompts": {"fluency": "{source}"}}
        )
    with pytest.raises(
        ConfigError, match=r"tracking.judge.jdge: unknown key; did you mean 'judge'|tracking.jdge"
    ):
        config.load_data({"corpus": corpus, "tracking": {"jdge": {}}})
    with pytest.raises(ConfigError, match=r"tracking.judge: .*the judge needs a system"):
        load({"enabled": True})
    loaded = load(
        {"enabled": True, "system": {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}}
    )
    settings = Settings.from_config(loaded.config)
    assert settings.judge is not None and settings.judge.type == "openai"
    assert "|judge:openai=m+consistency|" in str(settings.signature())


# -- a real `transformers serve` ------------------------------------------------------------------------


def test_a_judge_behind_transformers_serve_parses_the_score_it_writes(rigged: Path, tmp_path: Path) -> None:
    serve = Serve(rigged, tmp_path / "serve.log").start()
    try:
        params = OpenAIParams(base_url=serve.base_url, model=str(rigged), concurrency=2)
        options = JudgeOptions(system="served", type="openai", params=params, cache_dir=str(tmp_path / "c"))
        scorer = JudgeScorer(options)
        results = scorer.score(SOURCE, TEXTS)
    finally:
        serve.stop()
    for result in results:
        rating = result["consistency"]
        # transformers serve ignores `logprobs`: the score is the integer the model wrote.
        assert rating["method"] == "parsed" and rating["score"] == 4.0, rating
        assert rating["reply"].strip().startswith("4")
    assert JudgeScorer(options).score(SOURCE, TEXTS) == results  # the server is stopped: from the cache
