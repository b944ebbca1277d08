"""The seq2seq family on tiny random-weight checkpoints loaded through from_pretrained (issues 3 and 8)."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from pydantic import ValidationError
from transformers import BartConfig, GenerationConfig

from eval import config
from eval.output.folder import write_run
from eval.run.runner import Runner
from summarize import registry
from summarize.errors import ConfigError, ModelUnavailableError
from summarize.hf import hub
from summarize.hf.backend import resolve_device
from summarize.hf.batch import DeviceMemoryError, generated_counts
from summarize.hf.config import Seq2SeqParams
from summarize.hf.seq2seq import Seq2SeqSummarizer, generation_config, input_limit, resolve_dtype
from tests import tiny_models
from tests.conftest import ARTICLE, SUMMARY

torch.set_num_threads(1)
LIMIT = tiny_models.MAX_INPUT


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("checkpoints")
    return {family: tiny_models.build(family, root / family) for family in tiny_models.FAMILIES}


# No test reads or writes the user's caches or reaches the network.
pytestmark = pytest.mark.usefixtures("hf_offline")
doc = tiny_models.document


def make(folder: Path | str, **settings: Any) -> Seq2SeqSummarizer:
    params = Seq2SeqParams(model=str(folder), **{"min_new_tokens": 3, "max_new_tokens": 5, **settings})
    return Seq2SeqSummarizer("tiny", params)


def spy(summarizer: Seq2SeqSummarizer, fail: Any = None) -> list[dict[str, Any]]:
    """Record every model.generate call (inputs and kwargs); `fail(input_ids)` may raise instead."""
    model = summarizer._load_batcher().model
    real, calls = model.generate, []

    def generate(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if fail is not None:
            fail(kwargs["input_ids"])
        return real(**kwargs)

    model.generate = generate
    return calls


# -- settings -----------------------------------------------------------------------------------------


def test_settings_defaults_and_strictness() -> None:
    params = Seq2SeqParams(model="t5-small")
    assert (params.device, params.dtype, params.batch_size, params.long_input) == (
        "auto",
        "auto",
        8,
        "truncate",
    )
    assert params.trust_remote_code is False and params.cache is True and params.local_files_only is None
    assert params.generation_overrides() == {}
    with pytest.raises(ValidationError, match=r"device 'gpu': expected auto, cpu, cuda\[:N\] or mps"):
        Seq2SeqParams(model="t5-small", device="gpu")
    with pytest.raises(ValidationError, match="num_beam"):
        Seq2SeqParams(model="t5-small", num_beam=4)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="min_new_tokens 9 is larger than max_new_tokens 5"):
        Seq2SeqParams(model="t5-small", min_new_tokens=9, max_new_tokens=5)
    with pytest.raises(ValidationError, match="long_input"):
        Seq2SeqParams(model="t5-small", long_input="drop")  # type: ignore[arg-type]
    assert Seq2SeqParams(model="x", device="cuda:1").device == "cuda:1"


def test_config_module_never_imports_torch() -> None:
    code = "import sys, summarize.registry as r; r.get('seq2seq'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registered_as_abstractive() -> None:
    entry = registry.get("seq2seq")
    assert entry.kind == "abstractive" and entry.params is Seq2SeqParams


# -- loading and families ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", tiny_models.FAMILIES)
def test_each_family_loads_by_folder_and_summarizes_in_order(
    checkpoints: dict[str, Path], family: str
) -> None:
    summarizer = registry.create("tiny", "seq2seq", {"model": str(checkpoints[family]), "min_new_tokens": 2})
    texts = [doc(2, seed=1), doc(1, seed=2), doc(3, seed=3)]
    summaries = summarizer.summarize(texts)
    assert len(summaries) == 3 and all(s.system == "tiny" for s in summaries)
    # The checkpoint's own generation config (max_new_tokens=6) holds where the config sets nothing.
    assert all(s.generated_tokens is not None and 2 <= s.generated_tokens <= 6 for s in summaries)
    info = summarizer.run_info()  # type: ignore[attr-defined]
    assert info["family"] == family and info["source"] == "folder" and info["device"] == "cpu"
    assert info["generation"]["max_new_tokens"] == 6 and info["generation"]["min_new_tokens"] == 2
    assert info["prefix"] == ("summarize: " if family == "t5" else "")


def test_led_gets_global_attention_on_the_first_token(checkpoints: dict[str, Path]) -> None:
    summarizer = make(checkpoints["led"], cache=False)
    calls = spy(summarizer)
    summarizer.summarize([doc(2), doc(1)])
    mask = calls[0]["global_attention_mask"]
    assert mask[:, 0].tolist() == [1, 1] and int(mask[:, 1:].sum()) == 0


def test_t5_prefix_is_seen_by_the_model_and_counted(checkpoints: dict[str, Path]) -> None:
    plain = make(checkpoints["t5"], prefix="", cache=False).summarize([doc(1)])[0]
    prefixed = make(checkpoints["t5"], cache=False).summarize([doc(1)])[0]
    assert prefixed.input_tokens > plain.input_tokens  # type: ignore[operator]


def test_loads_by_repo_id_from_a_hub_cache_layout_offline(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    tiny_models.hub_cache(tmp_path / "hf", "tiny-org/tiny-bart", checkpoints["bart"], commit="a" * 40)
    summarizer = registry.create("bart", "seq2seq", {"model": "tiny-org/tiny-bart", "min_new_tokens": 2})
    assert len(summarizer.summarize([doc(2)])) == 1
    info = summarizer.run_info()  # type: ignore[attr-defined]
    assert info["source"] == "cache" and info["identity"] == "tiny-org/tiny-bart@" + "a" * 40


def test_unavailable_model_fails_fast_with_advice_offline(connections: list[object]) -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        registry.create("bart", "seq2seq", {"model": "facebook/bart-large-cnn"})
    assert connections == []  # offline: refused before any attempt to reach the hub
    message = str(caught.value)
    assert "'facebook/bart-large-cnn'" in message and "HF_HUB_OFFLINE" in message
    assert "download it once" in message and "HF_HOME" in message and "local folder" in message


@pytest.fixture
def silent_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An endpoint that accepts connections and never answers, as a black-holed network does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setattr(hub, "_silent_since", {})
    yield url
    server.close()


def test_unavailable_model_fails_fast_when_the_hub_does_not_answer(
    silent_hub: str, connections: list[object]
) -> None:
    with pytest.raises(ModelUnavailableError, match=f"{silent_hub} did not answer within 2 s"):
        registry.create("t5", "seq2seq", {"model": "t5-small"})
    assert len(connections) == 1  # one probe, bounded by its one deadline
    with pytest.raises(ModelUnavailableError, match="'google/pegasus-cnn_dailymail' is not available"):
        registry.create("pegasus", "seq2seq", {"model": "google/pegasus-cnn_dailymail"})
    assert len(connections) == 1  # the second model does not probe (and wait) again


def test_unavailable_model_named_by_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        with pytest.raises(ModelUnavailableError, match="has no such model at revision 'v2'"):
            registry.create("x", "seq2seq", {"model": "org/typo-model", "revision": "v2"})
    finally:
        server.shutdown()


def test_missing_folder_and_non_seq2seq_model_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="no folder"):
        registry.create("x", "seq2seq", {"model": "./no/such/model"})
    (tmp_path / "gpt").mkdir()
    (tmp_path / "gpt" / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ConfigError, match=r"\(gpt2\) is not an encoder-decoder"):
        make(tmp_path / "gpt").summarize(["A sentence."])


# -- generation --------------------------------------------------------------------------------------


def test_batches_are_length_sorted_and_order_is_restored(checkpoints: dict[str, Path]) -> None:
    texts = [doc(n, seed=n) for n in (1, 4, 2, 5, 3)]
    single = [s.text for s in make(checkpoints["pegasus"], batch_size=1, cache=False).summarize(texts)]
    summarizer = make(checkpoints["pegasus"], batch_size=2, cache=False)
    calls = spy(summarizer)
    batched = summarizer.summarize(texts)
    assert [s.text for s in batched] == single
    widths = [c["input_ids"].shape for c in calls]
    assert [w[0] for w in widths] == [2, 2, 1] and [w[1] for w in widths] == sorted(
        (w[1] for w in widths), reverse=True
    )


def test_generation_is_deterministic(checkpoints: dict[str, Path]) -> None:
    texts = [doc(3, seed=7), doc(2, seed=8)]
    first = make(checkpoints["bart"], cache=False, num_beams=2).summarize(texts)
    second = make(checkpoints["bart"], cache=False, num_beams=2).summarize(texts)
    assert [s.text for s in first] == [s.text for s in second]


def test_truncation_is_recorded_per_document(checkpoints: dict[str, Path]) -> None:
    short, long = make(checkpoints["bart"]).summarize([doc(1), doc(12)])
    assert (short.truncated, short.input_tokens == short.total_tokens) == (False, True)
    assert long.truncated and long.input_tokens == LIMIT and long.total_tokens > 3 * LIMIT  # type: ignore[operator]
    lower = make(checkpoints["bart"], max_input_tokens=20).summarize([doc(3)])[0]
    assert lower.truncated and lower.input_tokens == 20


def test_max_input_tokens_cannot_exceed_positions(checkpoints: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="max_input_tokens 100: the model has only 64 input positions"):
        make(checkpoints["bart"], max_input_tokens=100).summarize(["A sentence."])


def test_chunking_maps_sentence_chunks_then_reduces(checkpoints: dict[str, Path]) -> None:
    summarizer = make(
        checkpoints["t5"], long_input="chunk", min_new_tokens=12, max_new_tokens=12, cache=False
    )
    calls = spy(summarizer)
    short, long = summarizer.summarize([doc(1), doc(20)])
    assert short.chunks == 1 and not short.truncated
    assert long.chunks > 4 and not long.truncated and long.input_tokens == long.total_tokens
    assert all(c["input_ids"].shape[1] <= LIMIT for c in calls)
    # The map chunks' summaries (12 tokens each) join to more than the limit: a reduce round follows,
    # and the document's generated tokens count every pass.
    rows = sum(c["input_ids"].shape[0] for c in calls)
    assert rows > long.chunks + 2 and long.generated_tokens == 12 * (rows - 1)


def test_chunks_keep_sentences_whole(checkpoints: dict[str, Path]) -> None:
    from summarize.hf.chunk import ChunkPlanner

    summarizer = make(checkpoints["bart"])
    planner = ChunkPlanner(summarizer._prepare().tokenizer, summarizer.count, LIMIT)
    sentences = tiny_models.sentences(12)
    chunks = planner.plan(sentences)
    assert " ".join(chunks) == " ".join(sentences) and all(planner.fits(c) for c in chunks)
    assert all(any(c.startswith(s) for s in sentences) for c in chunks)
    overlong = " ".join(tiny_models.sentences(10, words=10)).replace(".", "")
    assert all(planner.fits(c) for c in planner.plan([overlong]))


# -- the cache ---------------------------------------------------------------------------------------


def test_second_run_generates_nothing_and_reports_honestly(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    texts = [doc(1), doc(12), doc(20, seed=3)]
    for policy in ("truncate", "chunk"):
        folder = str(tmp_path / policy)
        first = make(checkpoints["pegasus"], long_input=policy, cache_dir=folder).summarize(texts)
        again = make(checkpoints["pegasus"], long_input=policy, cache_dir=folder)
        second = again.summarize(texts)
        assert all(s.cached for s in second) and not any(s.cached for s in first)
        for a, b in zip(first, second, strict=True):
            assert (a.text, a.input_tokens, a.total_tokens, a.truncated, a.chunks, a.generated_tokens) == (
                b.text, b.input_tokens, b.total_tokens, b.truncated, b.chunks, b.generated_tokens,
            )  # fmt: skip
        info = again.run_info()
        assert (
            info["weights_loaded"] is False
            and info["cached_documents"] == 3
            and info["generated_tokens"] == 0
        )


def test_cache_key_follows_generation_settings(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    make(checkpoints["bart"], cache_dir=str(tmp_path)).summarize([doc(2)])
    changed = make(checkpoints["bart"], cache_dir=str(tmp_path), num_beams=2).summarize([doc(2)])
    assert not changed[0].cached
    prefixed = make(checkpoints["bart"], cache_dir=str(tmp_path), prefix="news: ").summarize([doc(2)])
    assert not prefixed[0].cached


def test_interrupted_run_resumes_from_the_last_finished_batch(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    texts = [doc(n, seed=n) for n in (1, 2, 3, 4)]
    crashing = make(checkpoints["bart"], batch_size=2, cache_dir=str(tmp_path))
    batches: list[int] = []

    def crash_on_second_batch(ids: torch.Tensor) -> None:
        batches.append(ids.shape[0])
        if len(batches) == 2:
            raise KeyboardInterrupt

    spy(crashing, crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        crashing.summarize(texts)
    resumed = make(checkpoints["bart"], batch_size=2, cache_dir=str(tmp_path))
    summaries = resumed.summarize(texts)
    assert sum(s.cached for s in summaries) == 2 and resumed.run_info()["model_calls"] == 1


# -- devices, dtypes, memory --------------------------------------------------------------------------


def test_out_of_memory_halves_the_batch_and_keeps_every_row(checkpoints: dict[str, Path]) -> None:
    texts = [doc(n, seed=n) for n in (1, 2, 3, 4, 5)]
    expected = [s.text for s in make(checkpoints["bart"], batch_size=1, cache=False).summarize(texts)]
    summarizer = make(checkpoints["bart"], batch_size=8, cache=False)

    def too_big(ids: torch.Tensor) -> None:
        if ids.shape[0] > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    spy(summarizer, too_big)
    assert [s.text for s in summarizer.summarize(texts)] == expected
    info = summarizer.run_info()
    assert (info["batch_size"], info["batch_size_used"], info["oom_retries"]) == (8, 2, 1)


def test_a_document_that_never_fits_is_named(checkpoints: dict[str, Path]) -> None:
    summarizer = make(checkpoints["bart"], batch_size=4, cache=False)

    def longest_never_fits(ids: torch.Tensor) -> None:
        if ids.shape[1] >= LIMIT:
            raise torch.OutOfMemoryError("CUDA out of memory")

    spy(summarizer, longest_never_fits)
    with pytest.raises(DeviceMemoryError, match=r"document 2 \(48 input tokens\) does not fit"):
        summarizer.summarize([doc(1), doc(2), doc(12), doc(1)])


def test_dtype_and_device_policy() -> None:
    warnings: list[str] = []
    cuda = torch.device("cuda")
    assert resolve_dtype("float16", cuda, "t5", warnings) is torch.float32
    assert "NaN or empty output with t5" in warnings[0]
    assert resolve_dtype("float16", cuda, "bart", warnings) is torch.float16
    assert resolve_dtype("auto", torch.device("cpu"), "bart", warnings) is torch.float32
    with pytest.raises(ConfigError, match="dtype 'float16' on cpu"):
        resolve_dtype("float16", torch.device("cpu"), "bart", warnings)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="device 'cuda:0': CUDA is not available"):
            resolve_device("cuda:0")
    assert resolve_device("cpu").type == "cpu"


def test_generation_defaults_come_from_the_checkpoint() -> None:
    config = BartConfig(
        task_specific_params={"summarization": {"num_beams": 4, "max_length": 142, "min_length": 56}}
    )
    loaded = GenerationConfig(num_beams=1, max_length=20, no_repeat_ngram_size=3)
    kept = generation_config(config, loaded, Seq2SeqParams(model="x"))
    assert (kept.num_beams, kept.max_length, kept.min_length, kept.no_repeat_ngram_size) == (4, 142, 56, 3)
    bounded = generation_config(
        config, loaded, Seq2SeqParams(model="x", max_new_tokens=30, min_new_tokens=10)
    )
    assert (bounded.max_new_tokens, bounded.min_new_tokens, bounded.max_length, bounded.min_length) == (
        30,
        10,
        20,
        None,
    )


def test_input_limit_is_the_smaller_of_tokenizer_and_positions() -> None:
    class Tok:
        model_max_length = 1024

    config = BartConfig(max_position_embeddings=512)
    assert input_limit(config, Tok(), None, []) == 512
    Tok.model_max_length = int(1e30)
    assert input_limit(BartConfig(max_position_embeddings=1024), Tok(), None, []) == 1024


def test_run_info_reports_cost(checkpoints: dict[str, Path]) -> None:
    summarizer = make(checkpoints["t5"], cache=False)
    summarizer.summarize([doc(2), doc(3)])
    info = summarizer.run_info()
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["peak_memory_measure"] == "process RSS" and info["peak_memory_bytes"] > 10_000_000
    assert info["generated_tokens"] > 0 and info["generated_tokens_per_second"] > 0
    assert info["wall_seconds"] >= info["generate_seconds"] > 0
    assert info["documents"] == 2 and info["batch_size_used"] == 8 and info["warnings"] == []


def test_pegasus_newline_token_becomes_a_line_break(checkpoints: dict[str, Path]) -> None:
    clean = make(checkpoints["pegasus"])._load_batcher().clean
    assert clean(" First one.<n>Second one. ") == "First one.\nSecond one."


def test_generated_counts_stop_at_the_first_eos_of_the_new_tokens() -> None:
    new = torch.tensor([[5, 6, 2, 1, 1], [5, 6, 7, 8, 9], [2, 1, 1, 1, 1]])
    assert generated_counts(new, [2]) == [3, 5, 1]
    assert generated_counts(new, []) == [5, 5, 5]


def test_generated_tokens_count_what_the_decoder_wrote(checkpoints: dict[str, Path]) -> None:
    """The decoder start token is not generated; every other token up to EOS is, whatever its id."""
    summarizer = make(checkpoints["bart"], min_new_tokens=4, max_new_tokens=4, cache=False)
    assert [s.generated_tokens for s in summarizer.summarize([doc(1), doc(3)])] == [4, 4]


# -- end to end through the runner ------------------------------------------------------------------


def test_a_run_reports_an_unavailable_model_and_completes_the_rest(
    checkpoints: dict[str, Path], tmp_path: Path, connections: list[object]
) -> None:
    data = {
        "corpus": {
            "clusters": [
                {
                    "id": "c",
                    "source": {"id": "source", "text": ARTICLE},
                    "derivatives": [{"id": "d", "text": SUMMARY}],
                }
            ]
        },
        "rouge": {"types": ["rouge1"]},
        "aggregate": {"bootstrap": 0},
        "on_error": "continue",
        "systems": [
            {"name": "gone", "type": "seq2seq", "model": "facebook/bart-large-cnn"},
            {"name": "tiny", "type": "seq2seq", "model": str(checkpoints["bart"]), "long_input": "chunk"},
            {"name": "lead-1", "type": "lead", "sentences": 1},
        ],
    }
    loaded = config.load_data(data)
    result = Runner(loaded).run()
    assert connections == []  # the unavailable model was refused offline, without reaching for the hub
    status = {s.name: s for s in result.systems}
    assert status["gone"].status == "unavailable" and "facebook/bart-large-cnn" in (
        status["gone"].error or ""
    )
    assert status["tiny"].status == "ok" and status["lead-1"].status == "ok"
    assert {r.candidate for r in result.scores} >= {"tiny", "lead-1"}
    write_run(result, loaded, tmp_path / "out")
    systems = {s["name"]: s for s in json.loads((tmp_path / "out" / "results.json").read_text())["systems"]}
    info = systems["tiny"]["info"]
    assert info["device"] == "cpu" and info["dtype"] == "float32" and info["peak_memory_bytes"] > 0
    assert info["generated_tokens_per_second"] > 0 and info["long_input"] == "chunk"


def test_the_probe_reads_a_socket_timeout_as_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whichever fires first, the probe's wait or the socket's own timeout, the reason is the same.
    def times_out(*args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("timed out")

    monkeypatch.setattr(hub, "_silent_since", {})
    monkeypatch.setattr(hub.urllib.request, "urlopen", times_out)
    assert hub.probe("org/model", None, timeout=5) is None
    (why,) = [reason for _, reason in hub._silent_since.values()]
    assert why == "did not answer within 5 s"


def test_a_missing_local_model_folder_is_not_told_to_download_it() -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        registry.create("x", "seq2seq", {"model": "/data/models/nothing-here"})
    assert "/data/models/nothing-here" in str(caught.value) and "hf download" not in str(caught.value)
