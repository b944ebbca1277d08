"""SummaC-ZS with a tiny random NLI model, loaded through the real path (folder, hub cache, unavailable).

Random weights say nothing about entailment: the tests check the loading, the label ids read from the
config, the source x text matrix and its aggregation against the model's own probabilities, the cache, and
that a missing model is one line within seconds while `sumtrack run` computes every other measure.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch

from eval.cli import main
from eval.tracking.nli import NLIOptions, NLIScorer, label_ids
from summarize.errors import ConfigError, ModelUnavailableError
from tests import tiny_models

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures("hf_offline")

# A non-standard order: the ids must come from id2label, never from a position.
ID2LABEL = {0: "CONTRADICTION", 1: "neutral", 2: "Entailment"}
SOURCE = "The council met on Monday.\nThe mayor said the budget would rise.\nTaxes stay the same."
TEXTS = ["The mayor said the budget would rise.\nThe council met.", "Taxes stay the same.", ""]


def build_nli(folder: Path) -> Path:
    """A tiny random RoBERTa sequence classifier with three NLI labels and a locally trained tokenizer."""
    from transformers import RobertaConfig, RobertaForSequenceClassification

    tokenizer = tiny_models._bpe_tokenizer(128)
    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=130, num_labels=3, id2label=ID2LABEL,
        label2id={v: k for k, v in ID2LABEL.items()}, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    model = RobertaForSequenceClassification(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def nli_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_nli(tmp_path_factory.mktemp("nli") / "tiny-nli")


def probabilities(folder: Path, premise: str, hypothesis: str) -> tuple[float, float]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.inference_mode():
        logits = model(**tokenizer(premise, hypothesis, return_tensors="pt")).logits[0]
    probs = torch.softmax(logits.float(), dim=-1)
    return float(probs[2]), float(probs[0])


def test_label_ids_come_from_the_config() -> None:
    assert label_ids(ID2LABEL, "m") == (2, 0)
    assert label_ids({0: "entailment", 1: "not_entailment"}, "m") == (0, None)
    with pytest.raises(ConfigError, match=r"NLI model 'm': its config's id2label \(0: LABEL_0, 1: LABEL_1\)"):
        label_ids({0: "LABEL_0", 1: "LABEL_1"}, "m")


def test_summac_zs_is_the_mean_of_each_text_sentence_best_source_sentence(nli_folder: Path) -> None:
    scorer = NLIScorer(NLIOptions(model=str(nli_folder), device="cpu", batch_size=3, cache=False))
    first, second, empty = scorer.score(SOURCE, TEXTS)
    premises = SOURCE.split("\n")
    for result, text in ((first, TEXTS[0]), (second, TEXTS[1])):
        hypotheses = text.split("\n")
        assert result["source_sentences"] == 3 and result["pairs"] == 3 * len(hypotheses)
        best = []
        for row, hypothesis in zip(result["sentences"], hypotheses, strict=True):
            scores = [(e - c) for e, c in (probabilities(nli_folder, p, hypothesis) for p in premises)]
            assert row["score"] == pytest.approx(max(scores), abs=1e-5)
            assert row["source_index"] == scores.index(max(scores))
            best.append(max(scores))
        assert result["summac_zs"] == pytest.approx(sum(best) / len(best), abs=1e-5)
        assert -1 <= result["summac_zs"] <= 1
    assert empty["summac_zs"] is None and empty["reason"] == "a text with no sentences"


def test_too_many_pairs_gives_none_with_the_reason(nli_folder: Path) -> None:
    scorer = NLIScorer(NLIOptions(model=str(nli_folder), device="cpu", max_pairs=4, cache=False))
    (result,) = scorer.score(SOURCE, [TEXTS[0]])
    assert result["summac_zs"] is None
    assert result["reason"] == "6 sentence pairs, above max_pairs 4"


def test_loads_from_the_hub_cache_by_repo_id_and_caches_scores(nli_folder: Path, tmp_path: Path) -> None:
    import huggingface_hub.constants

    tiny_models.hub_cache(Path(huggingface_hub.constants.HF_HUB_CACHE), "org/tiny-nli", nli_folder)
    options = NLIOptions(model="org/tiny-nli", device="cpu", cache_dir=str(tmp_path / "scores"))
    first = NLIScorer(options).score(SOURCE, TEXTS)
    again = NLIScorer(options)
    again._loader._load = lambda: pytest.fail("a cached score loaded the model's weights")  # type: ignore[method-assign]
    assert again.score(SOURCE, TEXTS) == first
    uncached = NLIScorer(NLIOptions(model=str(nli_folder), device="cpu", cache=False)).score(SOURCE, TEXTS)
    assert [r["summac_zs"] for r in first] == pytest.approx([r["summac_zs"] for r in uncached])


def test_a_model_neither_cached_nor_downloadable_is_one_line_within_seconds() -> None:
    scorer = NLIScorer(NLIOptions(model="nosuch-org/nli-missing", device="cpu"))
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError) as caught:
        scorer.score(SOURCE, TEXTS)
    assert time.monotonic() - started < 30  # the hub is never waited on (HF_HUB_OFFLINE here)
    message = str(caught.value)
    assert "\n" not in message and "'nosuch-org/nli-missing' is not available" in message
    with pytest.raises(ModelUnavailableError) as again:  # remembered: the next cluster gets it at once
        scorer.score(SOURCE, TEXTS)
    assert str(again.value) == message


def _config(tmp_path: Path, nli: dict[str, object]) -> Path:
    import yaml

    data = {
        "corpus": {
            "clusters": [
                {
                    "id": f"c{i}",
                    "source": {"text": SOURCE, "id": "src"},
                    "derivatives": [{"text": t, "id": "d"}],
                }
                for i, t in enumerate(TEXTS[:2])
            ]
        },
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}],
        "tracking": {"nli": nli},
        "aggregate": {"bootstrap": 0},
        "output": {"formats": ["json"]},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _profiles(out: Path) -> list[dict[str, object]]:
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    found = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "model_scores" in value and "coverage" in value:
                found.append(value)
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(results)
    return found


def test_sumtrack_run_with_an_unavailable_nli_model_says_so_once_and_computes_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, {"enabled": True, "model": "nosuch-org/nli-missing"})
    started = time.monotonic()
    assert main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    assert time.monotonic() - started < 120
    said = capsys.readouterr()
    lines = [line for line in (said.out + said.err).splitlines() if "nli unavailable" in line]
    assert len(lines) == 1, lines
    assert "'nosuch-org/nli-missing' is not available" in lines[0]
    text = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    assert "nli:nosuch-org/nli-missing" in text  # the signature names what was asked for
    profiles = _profiles(tmp_path / "out")
    assert len(profiles) == 4  # the derivative and lead-1's summary, in each of the two clusters
    for profile in profiles:
        assert profile["coverage"] is not None and profile["rouge"]
        assert "nli" not in profile["model_scores"]


def test_sumtrack_run_with_a_tiny_nli_model_keeps_each_text_sentence_best_source_sentence(
    tmp_path: Path, nli_folder: Path
) -> None:
    cfg = _config(tmp_path, {"enabled": True, "model": str(nli_folder), "device": "cpu"})
    assert main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    profiles = _profiles(tmp_path / "out")
    assert profiles
    for profile in profiles:
        nli = profile["model_scores"]["nli"]  # type: ignore[index]
        assert -1 <= nli["summac_zs"] <= 1
        assert all(0 <= row["source_index"] < 3 for row in nli["sentences"])
    assert "|nli:" in (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
