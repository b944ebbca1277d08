"""`validate` and `run` accept every local model form the causal backend loads: a GGUF file, or a folder
holding one, beside a checkpoint folder with config.json; what is not there is one problem naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import config


def problems(tmp_path: Path, model: str, **settings: object) -> list[str]:
    (tmp_path / "src.txt").write_text("A source.\n")
    raw = {
        "corpus": {"clusters": [{"source": "src.txt"}]},
        "systems": [{"name": "llm", "type": "causal", "model": model, **settings}],
    }
    return config.check_config(config.load_data(raw, path=tmp_path / "c.yaml"))


@pytest.fixture
def models(tmp_path: Path) -> Path:
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    (tmp_path / "gguf-only").mkdir()
    (tmp_path / "gguf-only" / "model.Q4.gguf").write_bytes(b"GGUF")
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "config.json").write_text("{}")
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize("model", ["./m.gguf", "./gguf-only", "./checkpoint"])
def test_local_model_forms_pass(models: Path, model: str) -> None:
    assert problems(models, model) == []


def test_a_folder_with_gguf_file_set_passes(models: Path) -> None:
    assert problems(models, "./empty", gguf_file="elsewhere.gguf") == []  # the backend names it if absent


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("./nope.gguf", "systems[0].model: GGUF file './nope.gguf' not found"),
        ("./nope", "systems[0].model: model folder './nope' not found"),
        ("./empty", "systems[0].model: model folder './empty' has no config.json"),
    ],
)
def test_missing_local_models_are_one_problem(models: Path, model: str, message: str) -> None:
    found = problems(models, model)
    assert len(found) == 1 and found[0].replace(str(models), ".") == message, found
