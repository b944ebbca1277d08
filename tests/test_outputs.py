"""`type: outputs`: summaries of systems sumtrack does not run, scored like every other system."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer

from eval import config
from eval.cli import main
from eval.run.result import RunResult
from eval.run.runner import Runner
from summarize import registry
from summarize.errors import ConfigError
from tests.conftest import ARTICLE, PARAPHRASE, UNRELATED

TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
SOURCES = {"c1": ARTICLE, "c2": UNRELATED, "c3": PARAPHRASE}
# One sentence per line already, so cleaning and splitting leave them as written.
REFERENCES = {
    "c1": "The council approved a budget that raises transport spending.\nRoad repairs lose money.",
    "c2": "Botanists found a rare orchid in a remote valley.\nThey will return next summer.",
    "c3": "Councillors passed the spending plan.\nStreet repairs lose out to buses and trams.",
}
OUTPUTS = {
    "c1": "The city council approved a new budget.\nIt cuts funding for road repairs.",
    "c2": "A rare orchid was found in the northern mountains.\nResearchers plan to return.",
    "c3": "The spending plan was voted through.\nThe mayor welcomed the result.",
}


def corpus(tmp_path: Path) -> dict[str, Any]:
    clusters = []
    for cid, source in SOURCES.items():
        (tmp_path / f"{cid}-ref.txt").write_text(REFERENCES[cid], encoding="utf-8")
        clusters.append(
            {
                "id": cid,
                "source": {"id": "source", "text": source},
                "derivatives": [{"id": "copy", "text": source.replace("the", "a")}],
                "references": [{"id": "ref", "path": f"{cid}-ref.txt"}],
            }
        )
    return {"clusters": clusters}


def jsonl(path: Path, outputs: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"cluster": c, "summary": s}) + "\n" for c, s in outputs.items()))
    return path


def run(tmp_path: Path, path: str, **extra: Any) -> RunResult:
    data = {
        "corpus": corpus(tmp_path),
        "rouge": {"types": list(TYPES)},
        "systems": [
            {"name": "lead-1", "type": "lead", "sentences": 1},
            {"name": "theirs", "type": "outputs", "path": path},
        ],
        "tracking": {"enabled": False},
        "aggregate": {"bootstrap": 0},
        **extra,
    }
    return Runner(config.load_data(data, path=tmp_path / "config.yaml")).run()


def status(result: RunResult) -> dict[str, str]:
    return {s.name: s.status for s in result.systems}


def test_jsonl_outputs_score_against_the_references_exactly_as_rouge_score(tmp_path: Path) -> None:
    jsonl(tmp_path / "theirs.jsonl", OUTPUTS)
    result = run(tmp_path, "theirs.jsonl")
    assert result.ok and status(result) == {"lead-1": "ok", "theirs": "ok"}
    reference = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=True)
    prepared = {(d.cluster, d.id): d.text for d in result.documents}
    rows = [r for r in result.scores if r.candidate == "theirs" and r.target == "ref"]
    assert len(rows) == len(SOURCES) * len(TYPES)
    for row in rows:
        assert prepared[(row.cluster, "ref")] == REFERENCES[row.cluster]  # nothing changed the reference
        expected = reference.score(REFERENCES[row.cluster], OUTPUTS[row.cluster])[row.metric]
        assert (row.precision, row.recall, row.f1) == (expected.precision, expected.recall, expected.fmeasure)


def test_outputs_are_scored_against_source_and_derivatives_and_compared(tmp_path: Path) -> None:
    jsonl(tmp_path / "theirs.jsonl", OUTPUTS)
    result = run(tmp_path, "theirs.jsonl")
    targets = {r.target for r in result.scores if r.candidate == "theirs"}
    assert targets == {"source", "copy", "ref"}
    pairs = {frozenset((c.system_a, c.system_b)) for c in result.comparisons}
    assert frozenset(("lead-1", "theirs")) in pairs
    summaries = {c: (s, p) for c, s, p in result.summaries if s.system == "theirs"}
    assert set(summaries) == set(SOURCES)
    summary, prepared = summaries["c1"]
    assert summary.settings["from"].endswith("theirs.jsonl:1")
    # The same sentence splitting as every abstractive system's summary.
    assert prepared.sentences == OUTPUTS["c1"].split("\n")


def test_a_folder_of_cluster_files_scores_as_the_jsonl_does(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    for cid, text in OUTPUTS.items():
        (folder / f"{cid}.txt").write_text(text + "\r\n", encoding="utf-8")
    (folder / "notes.md").write_text("not an output")
    from_folder = run(tmp_path, "theirs")
    jsonl(tmp_path / "theirs.jsonl", OUTPUTS)
    from_jsonl = run(tmp_path, "theirs.jsonl")
    assert from_folder.ok

    def rows(result: RunResult) -> set[tuple[Any, ...]]:
        return {(r.cluster, r.target, r.metric, r.f1) for r in result.scores if r.candidate == "theirs"}

    assert rows(from_folder) == rows(from_jsonl) and rows(from_folder)


def test_a_cluster_without_output_is_reported_and_the_others_are_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative output.dir is in the current directory
    jsonl(tmp_path / "theirs.jsonl", {c: s for c, s in OUTPUTS.items() if c != "c2"})
    result = run(tmp_path, "theirs.jsonl")
    assert status(result)["theirs"] == "ok"
    (problem,) = result.problems
    assert (problem.cluster, problem.document) == ("c2", "theirs")
    assert problem.message == "system 'theirs' has no summary for cluster 'c2'"
    assert {r.cluster for r in result.scores if r.candidate == "theirs"} == {"c1", "c3"}
    assert {r.cluster for r in result.scores if r.candidate == "lead-1"} == {"c1", "c2", "c3"}
    assert not result.ok
    # Through the CLI: one error line, exit 1, everything else written.
    cfg = tmp_path / "config.yaml"
    data = {
        "corpus": corpus(tmp_path),
        "systems": [{"name": "theirs", "type": "outputs", "path": "theirs.jsonl"}],
    }
    cfg.write_text(json.dumps(data | {"output": {"dir": "run"}}))
    assert main(["run", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "c2" in line] == [
        "sumtrack: error: system 'theirs' has no summary for cluster 'c2'"
    ]
    assert (tmp_path / "run" / "results.json").is_file()


def test_an_output_for_a_cluster_not_in_the_corpus_is_refused_naming_it(tmp_path: Path) -> None:
    jsonl(tmp_path / "theirs.jsonl", OUTPUTS | {"c9": "A stray summary."})
    result = run(tmp_path, "theirs.jsonl")
    assert status(result) == {"lead-1": "ok", "theirs": "failed"}
    (run_,) = [s for s in result.systems if s.name == "theirs"]
    assert run_.error is not None and "\n" not in run_.error
    assert "clusters that are not in the corpus: 'c9' (" in run_.error and "theirs.jsonl:4" in run_.error
    assert {r.candidate for r in result.scores if r.candidate != "copy"} == {"lead-1"}


def test_a_stray_file_in_the_folder_is_an_unknown_cluster(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    for cid, text in OUTPUTS.items():
        (folder / f"{cid}.txt").write_text(text)
    (folder / "README.txt").write_text("About these outputs.")
    result = run(tmp_path, "theirs")
    (run_,) = [s for s in result.systems if s.name == "theirs"]
    assert run_.status == "failed" and "'README'" in (run_.error or "")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"cluster": "c2", "summary": "x"'], r"theirs\.jsonl:2: invalid JSON \(Expecting ',' delimiter"),
        (['{"cluster": "c2", "summary": "x'], r"invalid JSON \(Unterminated string starting at column 30\)$"),
        (['["c2", "x"]'], r"theirs\.jsonl:2: expected \{\"cluster\".*got list"),
        (['{"cluster": "c2", "text": "x"}'], r"theirs\.jsonl:2: unknown keys \['text'\]"),
        (['{"cluster": "c2", "summary": 5}'], r"theirs\.jsonl:2: 'summary' must be text, got int"),
        (['{"cluster": "", "summary": "x"}'], r"theirs\.jsonl:2: 'cluster' must be a non-empty id"),
    ],
)
def test_a_bad_line_is_one_problem_with_its_number(tmp_path: Path, lines: list[str], message: str) -> None:
    good = [json.dumps({"cluster": c, "summary": OUTPUTS[c]}) for c in ("c1", "c3")]
    (tmp_path / "theirs.jsonl").write_text("\n".join([good[0], *lines, good[1]]) + "\n")
    result = run(tmp_path, "theirs.jsonl")
    assert status(result)["theirs"] == "ok"
    messages = [p.message for p in result.problems]
    assert len(messages) == 2, messages  # the bad line, and the cluster it left without output
    assert messages[0].startswith("system 'theirs': ")
    assert re.search(message, messages[0]), messages[0]
    assert messages[1] == "system 'theirs' has no summary for cluster 'c2'"
    assert {r.cluster for r in result.scores if r.candidate == "theirs"} == {"c1", "c3"}


def test_a_repeated_cluster_keeps_the_first_and_says_so(tmp_path: Path) -> None:
    lines = [{"cluster": c, "summary": s} for c, s in OUTPUTS.items()] + [
        {"cluster": "c1", "summary": "Other."}
    ]
    (tmp_path / "theirs.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    result = run(tmp_path, "theirs.jsonl")
    (problem,) = result.problems
    assert "theirs.jsonl:4: cluster 'c1' again (first at" in problem.message
    summary = next(s for c, s, _ in result.summaries if s.system == "theirs" and c == "c1")
    assert summary.text == OUTPUTS["c1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"theirs\.jsonl: outputs file or folder not found"),
        (b"", r"theirs\.jsonl: file is empty"),
        (b"\x00\x01\x02binary\x00", r"looks like a binary file"),
        ('{"cluster": "c1", "summary": "caf\xe9"}\n'.encode("latin-1"), r"not valid utf-8: byte\(s\) e9"),
    ],
)
def test_a_bad_file_fails_the_system_in_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    if content is not None:
        (tmp_path / "theirs.jsonl").write_bytes(content)
    result = run(tmp_path, "theirs.jsonl")
    assert status(result) == {"lead-1": "ok", "theirs": "failed"}
    (run_,) = [s for s in result.systems if s.name == "theirs"]
    assert run_.error is not None and "\n" not in run_.error and re.search(message, run_.error), run_.error
    assert {r.candidate for r in result.scores} >= {"lead-1"}


def test_a_bad_file_in_the_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    for cid, text in OUTPUTS.items():
        (folder / f"{cid}.txt").write_text(text if cid != "c3" else "  \n")
    result = run(tmp_path, "theirs")
    assert status(result)["theirs"] == "ok"
    (problem,) = result.problems  # the empty file says why c3 has no output; no second line for it
    assert problem.cluster == "c3" and problem.message.endswith("c3.txt: file is empty")
    assert {r.cluster for r in result.scores if r.candidate == "theirs"} == {"c1", "c2"}


def test_an_empty_folder_fails_the_system(tmp_path: Path) -> None:
    (tmp_path / "theirs").mkdir()
    result = run(tmp_path, "theirs")
    (run_,) = [s for s in result.systems if s.name == "theirs"]
    assert run_.status == "failed" and "no <cluster id>.txt files" in (run_.error or "")


def test_paths_are_relative_to_the_config_and_validate_checks_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cfg").mkdir()
    data = {
        "corpus": corpus(tmp_path),
        "systems": [{"name": "theirs", "type": "outputs", "path": "../o.jsonl"}],
    }
    for cluster in data["corpus"]["clusters"]:
        cluster["references"] = [{"id": "ref", "path": f"../{cluster['id']}-ref.txt"}]
    cfg = tmp_path / "cfg" / "config.yaml"
    cfg.write_text(json.dumps(data))
    (loaded,) = config.load(cfg).systems
    assert loaded.params.path == str(tmp_path / "o.jsonl")  # type: ignore[attr-defined]
    assert main(["validate", str(cfg)]) == 1  # as `run` exits: the system fails, the others run
    assert f"system 'theirs': {tmp_path / 'o.jsonl'}: file or folder not found" in capsys.readouterr().err
    jsonl(tmp_path / "o.jsonl", OUTPUTS)
    assert main(["validate", str(cfg)]) == 0


def test_bad_settings_and_bare_texts_are_refused() -> None:
    data = {"corpus": {"clusters": [{"source": {"text": ARTICLE}}]}}
    with pytest.raises(ConfigError, match=r"systems\[0\]\.path: Field required"):
        config.load_data(data | {"systems": [{"name": "o", "type": "outputs"}]})
    with pytest.raises(ConfigError, match=r"systems\[0\]\.encoding: unknown encoding 'klingon'"):
        config.load_data(
            data | {"systems": [{"name": "o", "type": "outputs", "path": "x", "encoding": "klingon"}]}
        )
    summarizer = registry.create("o", "outputs", {"path": "x.jsonl"})
    with pytest.raises(ConfigError, match="looks summaries up by cluster id"):
        summarizer.summarize([ARTICLE])
