"""`sumtrack run` streams each cluster's rows to the run folder as it finishes (issue 12): the files equal an
in-memory run's, the result keeps only the first output.detail_clusters clusters, and a failure while
streaming loses nothing computed and leaves the previous run intact."""

from __future__ import annotations

import errno
import json
import os

import pytest
import yaml

from eval import config as config_mod
from eval.cli import main
from eval.output import csv_files, json_files
from eval.output import folder as folder_mod
from eval.output.folder import RunFolder, RunFolderError, write_run
from eval.run.runner import Runner
from tests.conftest import ARTICLE, NEAR_COPY, SUMMARY, UNRELATED

FILES = ("scores.csv", "rows.csv", "aggregates.csv", "cleaning.jsonl")


def corpus(clusters: int) -> dict:
    """Clusters of one article, two derivatives and two references; each cluster's texts differ a little."""
    return {
        "name": "stream",
        "corpus": {
            "clusters": [
                {
                    "id": f"c{k}",
                    "source": {"id": "src", "text": f"Story number {k}.\n{ARTICLE}\nShare This Article"},
                    "derivatives": [
                        {"id": "near", "text": NEAR_COPY if k % 2 else f"{NEAR_COPY} Case {k}."},
                        {"id": "other", "text": UNRELATED},
                    ],
                    "references": [{"id": "r1", "text": SUMMARY}, {"id": "r2", "text": NEAR_COPY}],
                }
                for k in range(clusters)
            ]
        },
        "rouge": {"types": ["rouge1", "rouge2", "rougeL"]},
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}, {"name": "tr", "type": "textrank"}],
        "aggregate": {"bootstrap": 200, "significance": "permutation"},
        "output": {"detail_clusters": 2},
        "execution": {"workers": 1},
    }


def config_file(folder, clusters: int):
    """`corpus(clusters)` as a config file in `folder`."""
    path = folder / "cfg.yaml"
    path.write_text(yaml.safe_dump(corpus(clusters)), encoding="utf-8")
    return path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    """The same 5-cluster config run in memory (files by write_run) and streamed (`sumtrack run`)."""
    folder = tmp_path_factory.mktemp("stream")
    cfg = config_file(folder, 5)
    loaded = config_mod.load(cfg, [])
    write_run(Runner(loaded).run(), loaded, folder / "memory")
    code = main(["run", str(cfg), "--out", str(folder / "streamed")])
    return folder, code


def test_a_streamed_run_writes_the_files_an_in_memory_run_writes(streamed) -> None:
    folder, code = streamed
    assert code == 0
    for name in FILES:
        assert (folder / "streamed" / name).read_bytes() == (folder / "memory" / name).read_bytes(), name
    timed = ("seconds",)  # how long a system took differs from run to run; nothing else may
    assert _untimed(folder / "streamed" / "summaries.jsonl") == _untimed(
        folder / "memory" / "summaries.jsonl"
    )
    memory = json.loads((folder / "memory" / "results.json").read_text(encoding="utf-8"))
    stream = json.loads((folder / "streamed" / "results.json").read_text(encoding="utf-8"))
    assert list(stream) == list(memory)
    for data in (memory, stream):
        data.pop("settings")  # the resolved output folder differs
        for system in data["systems"]:
            system.pop(*timed)
    assert stream == memory
    assert len(stream["matrices"]) == 5 and len({s["cluster"] for s in stream["scores"]}) == 5
    assert [c["system_a"] for c in stream["comparisons"]] and stream["aggregates"]
    # No part file is left behind, and the cluster store beside the folder is gone once it is written.
    hidden = sorted(p.name for p in (folder / "streamed").iterdir() if p.name.startswith("."))
    assert hidden == [".sumtrack-run"]  # the marker that makes the folder sumtrack's to replace
    assert not (folder / ".streamed.clusters").exists()


def test_results_json_is_the_documents_dict(tmp_path) -> None:
    """results.json is written in pieces (records by hand, sections copied in); read back it is exactly
    the plain dict of the run (eval.output.json_files.results_dict), NaN-free floats exact."""
    loaded = config_mod.load_data({**corpus(3), "name": 'quote " and ü'})
    result = Runner(loaded).run()
    write_run(result, loaded, tmp_path / "run", ["json"])
    text = (tmp_path / "run" / "results.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(json_files.results_dict(result), default=str))
    assert len(result.scores) > 100 and "ü" in text


def _untimed(path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record.pop("seconds")
    return records


def test_a_streamed_result_keeps_only_the_first_detail_clusters(tmp_path) -> None:
    loaded = config_mod.load_data(corpus(5))
    folder = RunFolder(loaded, tmp_path / "run")
    result = Runner(loaded, sink=folder).run()
    assert result.scored == 5 and result.results.clusters == ["c0", "c1", "c2", "c3", "c4"]
    assert not result.results.complete
    assert {r.cluster for r in result.results.rows} == {"c0", "c1"}
    assert {t.cluster for t in result.tracking} == {"c0", "c1"}
    # Means and tests still cover every cluster.
    assert {a.n for a in result.aggregates if a.candidate.kind == "system"} == {5}
    assert {c.n for c in result.comparisons} == {5}
    with pytest.raises(ValueError, match="first clusters"):
        write_run(result, loaded, tmp_path / "again")
    written = folder.commit(result)
    assert {p.name for p in written} >= {"scores.csv", "results.json", "config.resolved.yaml"}
    _, rows = csv_files.read_csv(tmp_path / "run" / "scores.csv")
    assert {r["cluster"] for r in rows} == {"c0", "c1", "c2", "c3", "c4"}


def test_a_disk_failure_while_streaming_is_one_line_and_the_old_run_stays(
    tmp_path, capsys, monkeypatch
) -> None:
    cfg = config_file(tmp_path, 3)
    out = tmp_path / "out"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []
    real = csv_files._CsvStream.rows

    def full(self, rows):
        calls.append(1)
        if len(calls) == 3:  # the second cluster's scores.csv lines
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, rows)

    def close_fails(self):  # the disk is full: the last flush fails as the files are closed
        real_close(self)
        raise OSError(errno.ENOSPC, "No space left on device")

    real_close = csv_files._Csv.close
    monkeypatch.setattr(csv_files._CsvStream, "rows", full)
    monkeypatch.setattr(csv_files._Csv, "close", close_fails)
    code, stdout, stderr = cli(capsys, "run", str(cfg), "--out", str(out), "--set", "aggregate.bootstrap=100")
    assert code == 1
    errors = [line for line in stderr.splitlines() if line.startswith("sumtrack: error:")]
    assert errors == [
        f"sumtrack: error: cannot write the run folder {out}: No space left on device; "
        "the previous run there is intact"
    ]
    assert "lead-2" in stdout and "c1" in stdout  # the numbers are still printed
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == [".out.clusters"]


def test_folders_left_by_killed_runs_are_cleaned_up(tmp_path) -> None:
    """A run killed mid-way (SIGKILL) leaves its growing folder; one killed between commit's two renames
    leaves the old run set aside. The next run of that folder removes the first and puts the second back;
    folders of a live process or of another machine are left alone."""
    loaded = config_mod.load_data(corpus(1))
    out = tmp_path / "out"
    host = folder_mod._HOST
    dead = 4_194_304 + 7  # above Linux's largest pid: no such process
    grown = tmp_path / f".out.new-{dead}-1-{host}"
    aside = tmp_path / f".out.old-{dead}-2-{host}"
    alive = tmp_path / f".out.new-{os.getpid()}-3-{host}"
    elsewhere = tmp_path / f".out.new-{dead}-4-otherhost"
    for folder in (grown, aside, alive, elsewhere):
        folder.mkdir()
    (aside / "results.json").write_text("{}")
    folder = RunFolder(loaded, out)
    assert (out / "results.json").read_text() == "{}"  # the old run is back in its place
    assert not grown.exists() and not aside.exists()
    assert alive.exists() and elsewhere.exists()
    folder.discard()


def test_a_run_that_dies_leaves_no_half_written_folder(tmp_path, capsys, monkeypatch) -> None:
    cfg = config_file(tmp_path, 3)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Runner, "_score", interrupted)
    code, _, stderr = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 130 and "sumtrack: error: interrupted" in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["cfg.yaml"]


def test_an_unwritable_folder_is_said_before_the_run_and_nothing_is_computed(
    tmp_path, capsys, monkeypatch
) -> None:
    cfg = config_file(tmp_path, 3)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    monkeypatch.setattr(Runner, "run", lambda self: pytest.fail("the run started"))
    code, stdout, stderr = cli(capsys, "run", str(cfg), "--out", str(blocker / "run"))
    assert code == 2 and stdout == ""
    (line,) = [line for line in stderr.splitlines() if line.startswith("sumtrack: error:")]
    assert line.startswith(f"sumtrack: error: cannot write the run folder {blocker / 'run'}")
    with pytest.raises(RunFolderError):
        RunFolder(config_mod.load_data(corpus(1)), blocker / "run")


def test_an_interrupted_run_resumes_and_says_so(tmp_path, capsys, monkeypatch) -> None:
    cfg = config_file(tmp_path, 5)
    whole = tmp_path / "whole"
    assert cli(capsys, "run", str(cfg), "--out", str(whole))[0] == 0
    real_add, added = RunFolder.add, []

    def stop_at_third(self, scores):
        added.append(scores.cluster)
        if len(added) == 3:
            raise KeyboardInterrupt
        real_add(self, scores)

    monkeypatch.setattr(RunFolder, "add", stop_at_third)
    out = tmp_path / "out"
    code, _, stderr = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 130 and f"kept in {tmp_path / '.out.clusters'}; run the same command to resume" in stderr
    monkeypatch.setattr(RunFolder, "add", real_add)
    code, _, stderr = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 0
    assert (
        f"resumed an interrupted run: 3 of 5 clusters were read from {tmp_path / '.out.clusters'}" in stderr
    )
    for name in ("scores.csv", "rows.csv", "aggregates.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def test_without_a_terminal_progress_is_a_line_per_step(tmp_path, capsys, monkeypatch) -> None:
    """In a log or a pipe (no status line), each step is one stderr line and scoring is reported at most
    every `EVERY` seconds, not once per cluster."""
    from eval.output.console_progress import ConsoleProgress

    monkeypatch.setattr(ConsoleProgress, "EVERY", 3600.0)
    cfg = config_file(tmp_path, 5)
    code, _, stderr = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0
    lines = [line for line in stderr.splitlines() if line.startswith("sumtrack: ")]
    assert "sumtrack: reading the corpus" in lines
    scoring = [line for line in lines if "scor" in line]
    assert scoring == ["sumtrack: scoring 5 clusters (ROUGE and tracking)"], lines
    assert any(line.startswith("sumtrack: writing ") for line in lines)
