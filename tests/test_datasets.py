from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from eval import config
from eval.output import folder
from eval.run.runner import Runner
from summarize.datasets import DatasetOptions, iter_dataset, load_dataset_corpus
from summarize.errors import ConfigError, InputError
from tests.conftest import ARTICLE, NEAR_COPY, PARAPHRASE, SUMMARY

ROWS = [
    {
        "id": f"a{k}",
        "article": ARTICLE,
        "highlights": SUMMARY,
        "extra_refs": [SUMMARY, PARAPHRASE],
        "model_a": NEAR_COPY,
        "model_b": PARAPHRASE,
    }
    for k in range(5)
]


def _columns(rows: list[dict]) -> dict[str, list]:
    return {k: [r[k] for r in rows] for k in rows[0]}


def write(tmp_path: Path, kind: str, rows: list[dict] = ROWS) -> Path:
    import datasets

    if kind == "csv":  # CSV has no list columns
        rows = [{k: v for k, v in r.items() if k != "extra_refs"} for r in rows]
    ds = datasets.Dataset.from_dict(_columns(rows))
    path = tmp_path / f"corpus.{kind}"
    if kind == "parquet":
        ds.to_parquet(str(path))
    elif kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif kind == "csv":
        ds.to_csv(str(path), index=False)
    else:
        path = tmp_path / "saved"
        ds.save_to_disk(str(path))
    return path


def options(path: Path, tmp_path: Path, **kw) -> DatasetOptions:
    values = {
        "id_column": "id",
        "source_column": "article",
        "reference_columns": ("highlights",),
        "output_columns": ("model_a", "model_b"),
        "cache_dir": str(tmp_path / "cache"),
        **kw,
    }
    return DatasetOptions(str(path), **values)


@pytest.mark.parametrize("kind", ["parquet", "jsonl", "csv", "disk"])
def test_every_format_gives_the_same_clusters_and_outputs(tmp_path, kind):
    corpus = load_dataset_corpus(options(write(tmp_path, kind), tmp_path))
    assert not corpus.problems
    assert [c.id for c in corpus.clusters] == [f"a{k}" for k in range(5)]
    first = corpus.clusters[0]
    assert first.source.text == ARTICLE and first.source.role == "source"
    assert [(d.id, d.text, d.role) for d in first.references] == [("highlights", SUMMARY, "reference")]
    assert corpus.outputs == {
        "model_a": {f"a{k}": NEAR_COPY for k in range(5)},
        "model_b": {f"a{k}": PARAPHRASE for k in range(5)},
    }


def test_a_list_column_gives_one_document_per_item(tmp_path):
    path = write(tmp_path, "parquet")
    corpus = load_dataset_corpus(options(path, tmp_path, reference_columns=("extra_refs",)))
    refs = corpus.clusters[0].references
    assert [(d.id, d.text) for d in refs] == [("extra_refs_1", SUMMARY), ("extra_refs_2", PARAPHRASE)]


def test_limit_and_shuffle_are_seeded(tmp_path):
    path = write(tmp_path, "parquet")
    first = load_dataset_corpus(options(path, tmp_path, limit=3, shuffle_seed=7))
    again = load_dataset_corpus(options(path, tmp_path, limit=3, shuffle_seed=7))
    ids = [c.id for c in first.clusters]
    assert len(ids) == 3 and ids == [c.id for c in again.clusters]
    plain = load_dataset_corpus(options(path, tmp_path, limit=2))
    assert [c.id for c in plain.clusters] == ["a0", "a1"]


def test_without_an_id_column_rows_are_numbered(tmp_path):
    corpus = load_dataset_corpus(options(write(tmp_path, "parquet"), tmp_path, id_column=None))
    assert [c.id for c in corpus.clusters] == ["0", "1", "2", "3", "4"]


def test_a_missing_column_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(
        ConfigError, match=r"reference_columns: no column 'highlight' .*did you mean 'highlights'"
    ):
        load_dataset_corpus(options(write(tmp_path, "parquet"), tmp_path, reference_columns=("highlight",)))


def test_a_repeated_id_names_both_rows(tmp_path):
    rows = [*ROWS[:3], {**ROWS[3], "id": "a1"}]
    with pytest.raises(ConfigError, match=r"id 'a1' appears in rows 1 and 3"):
        load_dataset_corpus(options(write(tmp_path, "parquet", rows), tmp_path))


def test_an_empty_source_loses_its_row_and_an_empty_output_is_a_problem(tmp_path):
    rows = [ROWS[0], {**ROWS[1], "article": " "}, {**ROWS[2], "model_b": ""}]
    corpus = load_dataset_corpus(options(write(tmp_path, "jsonl", rows), tmp_path))
    assert [c.id for c in corpus.clusters] == ["a0", "a2"]
    assert sorted((p.cluster, p.document) for p in corpus.problems) == [("a1", "article"), ("a2", "model_b")]
    assert "a2" not in corpus.outputs["model_b"] and "a2" in corpus.outputs["model_a"]


def test_an_empty_text_is_reported_with_its_row_and_id(tmp_path):
    rows = [ROWS[0], {**ROWS[1], "highlights": None}, {**ROWS[2], "model_b": ""}, {**ROWS[3], "article": ""}]
    corpus = load_dataset_corpus(options(write(tmp_path, "parquet", rows), tmp_path))
    assert [p.message for p in corpus.problems] == [
        "corpus.dataset: row 1 (id 'a1'): reference column 'highlights' is empty or not text",
        "corpus.dataset: row 2 (id 'a2'): output column 'model_b' is empty or not text",
        "corpus.dataset: row 3 (id 'a3'): source column 'article' is empty or not text",
    ]


@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_a_file_without_rows_is_one_clear_line(tmp_path, kind, capsys):
    import datasets

    path = tmp_path / f"corpus.{kind}"
    if kind == "parquet":
        datasets.Dataset.from_dict(_columns(ROWS)).select([]).to_parquet(str(path))
    else:
        path.write_text("id,article,highlights,model_a,model_b\n" if kind == "csv" else "", encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(InputError, match=r"^corpus\.dataset\.path: .*corpus\." + kind + "' has no rows$"):
        load_dataset_corpus(options(path, tmp_path))
    assert capsys.readouterr().err == ""  # no log line from `datasets` beside the error


def test_rows_stream_lazily(tmp_path):
    rows = iter_dataset(options(write(tmp_path, "parquet"), tmp_path), batch_size=2)
    assert next(rows).cluster.id == "a0"  # type: ignore[union-attr]


def test_missing_files_and_unknown_split(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_dataset_corpus(options(tmp_path / "nope.parquet", tmp_path))
    with pytest.raises(ConfigError, match="no split 'test'.*splits: train"):
        load_dataset_corpus(options(write(tmp_path, "parquet"), tmp_path, split="test"))


def test_an_uncached_hub_dataset_offline_fails_fast_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        load_dataset_corpus(options(Path("nobody-here/no-such-dataset-xyz"), tmp_path))
    assert time.monotonic() - start < 60  # generous: the point is no retry loop, not speed
    message = str(info.value)
    assert "\n" not in message
    assert "not in the local cache" in message and "HF_HUB_OFFLINE is set" in message
    assert "save_to_disk" in message


def test_a_config_with_a_dataset_scores_its_output_columns(tmp_path):
    path = write(tmp_path, "parquet")
    data = {
        "corpus": {
            "dataset": {
                "path": path.name,
                "id_column": "id",
                "source_column": "article",
                "reference_columns": "highlights",
                "output_columns": ["model_a", "model_b"],
            }
        },
        "rouge": {"types": ["rouge1"]},
        "tracking": {"enabled": False},
        "aggregate": {"bootstrap": 0, "significance": "none"},
    }
    (tmp_path / "c.yaml").write_text(json.dumps(data), encoding="utf-8")
    result = Runner(config.load(tmp_path / "c.yaml")).run()
    assert result.ok, result.problems
    assert [s.name for s in result.systems] == ["model_a", "model_b"]
    against_refs = {(r.cluster, r.candidate) for r in result.scores if r.target == "highlights"}
    assert against_refs == {(f"a{k}", m) for k in range(5) for m in ("model_a", "model_b")}
    a = next(r for r in result.scores if r.candidate == "model_a" and r.target == "article")
    b = next(r for r in result.scores if r.candidate == "model_b" and r.target == "article")
    assert a.f1 > b.f1  # the near copy tracks the article more closely than the paraphrase


def test_the_config_refuses_a_misspelt_dataset_key():
    with pytest.raises(
        ConfigError, match=r"corpus.dataset.source_colum: unknown key; did you mean 'source_column'"
    ):
        config.load_data({"corpus": {"dataset": {"path": "x.parquet", "source_colum": "a"}}})


def test_a_data_file_is_found_beside_the_config_and_validate_reports_a_missing_one(tmp_path):
    (tmp_path / "sub").mkdir()
    spec = {"path": "sub/corpus.parquet", "source_column": "article"}
    (tmp_path / "c.yaml").write_text(json.dumps({"corpus": {"dataset": spec}}), encoding="utf-8")
    loaded = config.load(tmp_path / "c.yaml")
    assert loaded.dataset_options().path == str(tmp_path / "sub" / "corpus.parquet")  # type: ignore[union-attr]
    assert config.check_files(loaded) == [
        f"corpus.dataset.path: {tmp_path / 'sub' / 'corpus.parquet'}: not found"
    ]
    hub = config.load_data({"corpus": {"dataset": {"path": "org/name", "source_column": "a"}}})
    assert hub.dataset_options().path == "org/name"  # type: ignore[union-attr]
    assert config.check_files(hub) == []


def test_sumtrack_run_writes_the_output_columns_scores(tmp_path, capsys):
    from eval.cli import main
    from eval.output.csv_files import read_csv

    path = write(tmp_path, "parquet")
    spec = {
        "path": path.name,
        "id_column": "id",
        "source_column": "article",
        "reference_columns": ["highlights"],
        "output_columns": ["model_a", "model_b"],
    }
    data = {"corpus": {"dataset": spec}, "tracking": {"enabled": False}, "aggregate": {"bootstrap": 0}}
    (tmp_path / "c.yaml").write_text(json.dumps(data), encoding="utf-8")
    assert main(["run", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    _, rows = read_csv(tmp_path / "out" / "scores.csv")
    rows = [r for r in rows if r["target"] == "highlights" and r["metric"] == "rouge1"]
    assert {(r["cluster"], r["candidate"]) for r in rows} == {
        (f"a{k}", m) for k in range(5) for m in ("model_a", "model_b")
    }


def test_ctrl_c_says_the_run_resumes_and_the_rerun_gives_every_cluster(tmp_path, capsys, monkeypatch):
    from eval.cli import main
    from eval.output.csv_files import read_csv

    spec = {"path": write(tmp_path, "parquet").name, "id_column": "id", "source_column": "article"}
    spec |= {"reference_columns": ["highlights"], "output_columns": ["model_a", "model_b"]}
    data = {"corpus": {"dataset": spec}, "tracking": {"enabled": False}, "aggregate": {"bootstrap": 0}}
    (tmp_path / "c.yaml").write_text(json.dumps(data), encoding="utf-8")
    argv = ["run", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out")]
    add = folder.RunFolder.add

    def interrupted(self, scores):
        if scores.cluster == "a2":
            raise KeyboardInterrupt
        add(self, scores)

    monkeypatch.setattr(folder.RunFolder, "add", interrupted)
    capsys.readouterr()
    assert main(argv) == 130
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("sumtrack: error:")]
    (err,) = errors  # one line (the others on stderr are progress: no terminal here)
    assert err.startswith("sumtrack: error: interrupted; the clusters scored so far are kept in ")
    assert err.endswith("run the same command to resume")
    monkeypatch.setattr(folder.RunFolder, "add", add)
    assert main(argv) == 0
    _, rows = read_csv(tmp_path / "out" / "scores.csv")
    assert {r["cluster"] for r in rows} == {f"a{k}" for k in range(5)}
