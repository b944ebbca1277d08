"""One test per registered writer, plus choosing them with output.formats."""

from __future__ import annotations

import json

import pytest

from eval import config
from eval.options import FORMATS
from eval.output import csv_files, writers
from eval.output.csv_files import AGGREGATE_COLUMNS, ROW_COLUMNS, SCORE_COLUMNS, read_csv
from eval.output.folder import write_run
from eval.run.result import RunResult
from eval.run.runner import Runner
from tests.conftest import ARTICLE, NEAR_COPY, SUMMARY

DATA = {
    "name": "w",
    "corpus": {
        "clusters": [
            {
                "id": "c",
                "source": {"id": "src", "text": ARTICLE + "\nShare This Article"},
                "derivatives": [{"id": "near", "text": NEAR_COPY}],
                "references": [{"id": "r1", "text": SUMMARY}, {"id": "r2", "text": NEAR_COPY}],
            }
        ]
    },
    "rouge": {"types": ["rouge1", "rouge2"]},
    "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}],
}


@pytest.fixture(scope="module")
def run() -> tuple[config.LoadedConfig, RunResult]:
    loaded = config.load_data(DATA)
    return loaded, Runner(loaded).run()


def write(run, tmp_path, name: str) -> dict[str, str]:
    loaded, result = run
    paths = write_run(result, loaded, tmp_path, [name])
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def test_every_format_is_a_registered_writer_and_the_default() -> None:
    assert [w.name for w in writers.all_writers()] == list(FORMATS)
    assert config.load_data(DATA).config.output.formats == FORMATS


def test_writer_csv(run, tmp_path) -> None:
    files = write(run, tmp_path, "csv")
    assert set(files) == {"config.resolved.yaml", "signature.txt", "scores.csv", "aggregates.csv", "rows.csv"}
    assert files["signature.txt"] == f"{run[1].signature}\n"
    header = {"scores.csv": SCORE_COLUMNS, "aggregates.csv": AGGREGATE_COLUMNS, "rows.csv": ROW_COLUMNS}
    for name, columns in header.items():
        assert files[name].startswith(",".join(columns) + "\n"), name  # the header is the first line
    _, scores = read_csv(tmp_path / "scores.csv")
    pooled = [r for r in scores if r["target_kind"] == "references"]
    assert {(r["candidate_kind"], r["candidate"], r["target"]) for r in pooled} == {("system", "lead-2", "*")}
    _, aggregates = read_csv(tmp_path / "aggregates.csv")
    groups = {(a["candidate_kind"], a["candidate"], a["target_kind"], a["target"]) for a in aggregates}
    assert groups == {
        ("derivatives", "*", "source", "*"),
        ("system", "lead-2", "source", "*"),
        ("system", "lead-2", "derivatives", "*"),
        ("system", "lead-2", "references", "*"),
    }
    _, rows = read_csv(tmp_path / "rows.csv")
    assert {r["family"] for r in rows} == {"rouge", "tracking", "matrix"}
    (f1,) = [
        r
        for r in rows
        if (r["family"], r["candidate"], r["target"], r["measure"], r["stat"])
        == ("rouge", "near", "src", "rouge2", "f1")
    ]
    (cell,) = [
        r
        for r in rows
        if (r["family"], r["candidate"], r["target"], r["measure"]) == ("matrix", "near", "src", "rouge2_f1")
    ]
    assert f1["value"] == cell["value"]


def test_writer_json(run, tmp_path) -> None:
    files = write(run, tmp_path, "json")
    assert set(files) == {"config.resolved.yaml", "signature.txt", "results.json"}
    data = json.loads(files["results.json"])
    assert data["signature"] == run[1].signature
    assert {"candidate_kind", "target_kind"} <= set(data["scores"][0])
    assert {"candidate_kind", "candidate", "target_kind", "target"} <= set(data["aggregates"][0])
    (matrices,) = data["matrices"].values()
    assert [m["metric"] for m in matrices] == ["rouge2_f1", "semantic"]
    assert set(matrices[0]) == {"metric", "labels", "values"} and matrices[0]["labels"][0] == "src"
    assert "signature: " in files["config.resolved.yaml"]


def test_writer_jsonl(run, tmp_path) -> None:
    files = write(run, tmp_path, "jsonl")
    assert set(files) == {"config.resolved.yaml", "signature.txt", "summaries.jsonl", "cleaning.jsonl"}
    (summary,) = [json.loads(line) for line in files["summaries.jsonl"].splitlines()]
    assert summary["system"] == "lead-2" and summary["cluster"] == "c"
    dropped = [json.loads(line) for line in files["cleaning.jsonl"].splitlines()]
    assert any(d["document"] == "src" and d["text"] == "Share This Article" for d in dropped)


def test_writer_markdown(run, tmp_path) -> None:
    files = write(run, tmp_path, "markdown")
    assert set(files) == {"config.resolved.yaml", "signature.txt", "report.md"}
    assert files["report.md"].startswith("# sumtrack report: w") and run[1].signature in files["report.md"]


def test_writer_html(run, tmp_path) -> None:
    files = write(run, tmp_path, "html")
    assert set(files) == {"config.resolved.yaml", "signature.txt", "report.html"}
    assert files["report.html"].lstrip().lower().startswith("<!doctype html>")
    assert run[1].signature in files["report.html"]


def test_output_formats_choose_the_writers(run, tmp_path) -> None:
    loaded = config.load_data(DATA, overrides=["output.formats=[csv, markdown]"])
    paths = write_run(run[1], loaded, tmp_path)
    assert {p.name for p in paths} == {
        "config.resolved.yaml",
        "signature.txt",
        "scores.csv",
        "aggregates.csv",
        "rows.csv",
        "report.md",
    }
    with pytest.raises(KeyError, match="unknown output format 'pdf'"):
        write_run(run[1], loaded, tmp_path / "x", ["pdf"])
    assert not (tmp_path / "x").exists()  # refused before anything is written


def test_streamed_csv_lines_read_back_as_written(tmp_path) -> None:
    """scores.csv and rows.csv are built line by line without the csv module; every awkward id (a comma,
    a quote, a line break, a carriage return, an empty field, a non-ASCII name) reads back as it was, and
    the lines equal the whole-file writer's."""
    rows = [
        ("c,1", "system", 'say "hi"', "source", "src", "rouge1", 0.5, None, 1 / 3),
        ("c\n2", "derivative", "", "reference", "r\r1", "rougeL", 1.0, 0.0, 2 / 3),
        ("c,1", "system", 'say "hi"', "source", "src", "rouge2", 0.25, 0.125, 0.1),
        ("ü", "system", "plain", "source", "src", "rouge1", 0.0, 1.0, 0.999_999_7),
    ]
    stream = csv_files._CsvStream(tmp_path / "x.csv", csv_files.SCORE_COLUMNS)
    (tmp_path / "signature.txt").write_text(csv_files.signature_text("sig"), encoding="utf-8")
    stream.rows((r[:5], r[5:6], r[6:]) for r in rows)
    stream.close()
    records = [dict(zip(csv_files.SCORE_COLUMNS, r, strict=True)) for r in rows]
    expected = csv_files.csv_text(csv_files.SCORE_COLUMNS, records)
    assert (tmp_path / "x.csv").read_bytes() == expected.encode("utf-8")
    signature, back = read_csv(tmp_path / "x.csv")
    assert signature == "sig"
    assert [[r[c] for c in csv_files.SCORE_COLUMNS[:5]] for r in back] == [list(r[:5]) for r in rows]
    assert [r["recall"] for r in back] == ["", "0.000000", "0.125000", "1.000000"]
    assert back[3]["f1"] == "1.000000" and back[0]["f1"] == "0.333333"


def test_every_csv_reads_with_pandas_defaults(run, tmp_path) -> None:
    """Plain `pandas.read_csv(path)`, no options: the first line is the header, so every CSV of the run
    folder comes back with its declared columns and its numbers as floats; the signature is beside them."""
    import pandas as pd

    write_run(run[1], run[0], tmp_path)
    expected = {"scores.csv": SCORE_COLUMNS, "aggregates.csv": AGGREGATE_COLUMNS, "rows.csv": ROW_COLUMNS}
    assert {p.name for p in tmp_path.glob("*.csv")} == set(expected)
    for name, columns in expected.items():
        frame = pd.read_csv(tmp_path / name)
        assert tuple(frame.columns) == columns, name
        assert len(frame) == len(read_csv(tmp_path / name)[1]) > 0, name
    scores = pd.read_csv(tmp_path / "scores.csv")
    (f1,) = scores[(scores.candidate == "near") & (scores.target == "src") & (scores.metric == "rouge2")].f1
    assert 0 < f1 < 1
    assert (tmp_path / "signature.txt").read_text(encoding="utf-8").strip() == run[1].signature


def test_read_csv_without_signature_file_says_so(tmp_path) -> None:
    (tmp_path / "scores.csv").write_text(",".join(SCORE_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"signature\.txt: missing"):
        read_csv(tmp_path / "scores.csv")
