from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eval import config
from summarize.errors import ConfigError
from tests.conftest import REPO


def make(write, body: dict | str, name: str = "cfg.yaml") -> Path:
    return write(name, body if isinstance(body, str) else yaml.safe_dump(body))


BASE = {"name": "t", "corpus": {"clusters": [{"source": "src.txt", "derivatives": ["d1.txt"]}]}}


def with_(**changes: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data.update(changes)
    return data


def test_the_shipped_seed_config_is_valid(seeds, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    loaded = config.load(REPO / "configs" / "seeds.yaml")
    assert config.check_files(loaded) == []
    (cluster,) = loaded.clusters()
    assert cluster.source.id == "004_0c4284c8328f3e91"
    # The source matches the glob but is never its own derivative.
    assert [d.id for d in cluster.derivatives] == [
        "000_3accf7433a7fbd23",
        "001_bbee12ca4cd7f645",
        "002_f56ba79a5034cf1a",
        "003_118163e1d9ff72fe",
    ]
    assert loaded.output_dir() == REPO / "runs" / "seeds"


def test_paths_are_relative_to_the_config_file(write, tmp_path) -> None:
    path = make(write, BASE, "sub/cfg.yaml")
    cluster = config.load(path).clusters()[0]
    assert cluster.source.path == tmp_path / "sub" / "src.txt"
    assert cluster.id == "src"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_(rouge={"stemm": True}), r"^rouge.stemm: unknown key; did you mean 'stem'\?$"),
        (
            with_(corpus={"clusters": [{"source": "a", "derivative": ["b"]}]}),
            r"^corpus.clusters\[0\].derivative: unknown key; did you mean 'derivatives'\?$",
        ),
        (
            with_(
                systems=[
                    {"name": "a", "type": "lead"},
                    {"name": "b", "type": "lead"},
                    {"name": "c", "type": "textrank", "damping": 0.8, "sentencs": 2},
                ]
            ),
            r"^systems\[2\].sentencs: unknown key; did you mean 'sentences'\?$",
        ),
        (
            with_(systems=[{"name": "a", "type": "lexrnk"}]),
            r"^systems\[0\].type: unknown system type 'lexrnk'; did you mean 'lexrank'\?",
        ),
        (
            with_(systems=[{"name": "a", "type": "lead", "sentences": 0}]),
            r"^systems\[0\].sentences: Input should be greater than or equal to 1 \(got 0\)$",
        ),
        (with_(systems=[{"name": "a", "type": "lead"}, {"name": "a", "type": "lead"}]), "used twice"),
        (with_(rouge={"types": ["rouge1", "rougeX"]}), r"^rouge.types\[1\]: Input should be 'rouge1'"),
        (with_(rouge={"tokenizer": "spacy"}), r"^rouge.tokenizer: Input should be 'default' or 'unicode'"),
        (with_(cleaning={"disable": ["bylines"]}), r"unknown cleaning rule 'bylines'; did you mean 'byline'"),
        (with_(on_error="ignore"), r"^on_error: Input should be 'continue' or 'stop'"),
        (with_(corpus={}), "the corpus is empty"),
        (with_(corpus={"clusters": [{"source": {"path": "a", "text": "b"}}]}), "exactly one of"),
        (with_(corpus={"clusters": [{"source": {"dir": "."}}]}), "a source is one document"),
        ("name: [unclosed", "invalid YAML at line 1"),
        ("", "the config is empty"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_bad_configs_fail_with_the_key_path_and_a_hint(write, data, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config.load(make(write, data))


def test_missing_config_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "none.yaml")


def test_overrides_by_path_index_and_system_name(write) -> None:
    data = with_(systems=[{"name": "lead-3", "type": "lead"}, {"name": "tr", "type": "textrank"}])
    path = make(write, data)
    loaded = config.load(
        path, ["rouge.stem=false", "systems.lead-3.sentences=2", "systems[1].damping=0.5", "aggregate.seed=7"]
    )
    assert loaded.config.rouge.stem is False
    assert loaded.systems[0].params.sentences == 2  # type: ignore[attr-defined]
    assert loaded.systems[1].params.damping == 0.5  # type: ignore[attr-defined]
    assert loaded.config.aggregate.seed == 7
    with pytest.raises(ConfigError, match="rouge.stemm: unknown key; did you mean 'stem'"):
        config.load(path, ["rouge.stemm=false"])
    with pytest.raises(ConfigError, match="no item 'lead3'; did you mean 'lead-3'"):
        config.load(path, ["systems.lead3.sentences=2"])
    with pytest.raises(ConfigError, match="expected key.path=value"):
        config.load(path, ["rouge.stem"])


def test_dir_glob_and_exclude(write, tmp_path) -> None:
    for name in ("src.txt", "a.txt", "b.txt", "skip.txt", "notes.md"):
        write(f"docs/{name}", "text")
    data = {
        "corpus": {
            "clusters": [
                {"id": "c", "source": "docs/src.txt", "derivatives": {"dir": "docs", "exclude": ["skip*"]}}
            ]
        }
    }
    cluster = config.load(make(write, data)).clusters()[0]
    assert [d.id for d in cluster.derivatives] == ["a", "b"]
    bad = {
        "corpus": {"clusters": [{"source": "docs/src.txt", "derivatives": {"dir": "docs", "glob": "*.pdf"}}]}
    }
    with pytest.raises(ConfigError, match=r"derivatives\[0\]: no file in .* matches '\*.pdf'"):
        config.load(make(write, bad)).clusters()


def test_check_files_reports_missing_documents(write) -> None:
    loaded = config.load(make(write, BASE))
    problems = config.check_files(loaded)
    assert len(problems) == 2
    assert all("file not found" in p for p in problems)


def test_config_models_are_frozen(write) -> None:
    loaded = config.load(make(write, BASE))
    with pytest.raises(Exception, match="frozen"):
        loaded.config.rouge.stem = False  # type: ignore[misc]


def test_model_folders_and_cache_dirs_are_relative_to_the_config(write, tmp_path) -> None:
    (tmp_path / "models" / "mine").mkdir(parents=True)
    systems = [
        {"name": "hub", "type": "seq2seq", "model": "facebook/bart-large-cnn", "cache_dir": "cache"},
        {"name": "folder", "type": "seq2seq", "model": "models/mine"},
        {"name": "dotted", "type": "seq2seq", "model": "./elsewhere"},
    ]
    loaded = config.load(make(write, with_(systems=systems), "sub/../cfg.yaml"))
    hub, folder, dotted = (s.params for s in loaded.systems)
    assert hub.model == "facebook/bart-large-cnn"  # type: ignore[attr-defined]
    assert hub.cache_dir == str(tmp_path / "cache")  # type: ignore[attr-defined]
    assert folder.model == str(tmp_path / "models" / "mine")  # type: ignore[attr-defined]
    assert dotted.model == str(tmp_path / "elsewhere")  # type: ignore[attr-defined]


def test_two_documents_with_one_id_are_refused(write) -> None:
    write("a/x.txt", "text")
    write("b/x.txt", "text")
    data = {"corpus": {"clusters": [{"source": "src.txt", "derivatives": ["a/x.txt", "b/x.txt"]}]}}
    with pytest.raises(
        ConfigError,
        match=r"derivatives\[1\] and corpus.clusters\[0\].derivatives\[0\]: both are 'x'",
    ):
        config.load(make(write, data)).clusters()
