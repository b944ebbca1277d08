"""Judgments files (issue 19): the tidy and SummEval formats, and every bad file as one line naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.results import ClusterScores, Ref, Row
from eval.stats.judgments import JudgmentsError, read_judgments
from eval.stats.meta_values import MeasureValues, join


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_tidy_csv_and_jsonl_read_alike(tmp_path: Path) -> None:
    csv_path = write(
        tmp_path, "j.csv", "cluster,candidate,dimension,score,annotator\nc1,lead,coh,4,a\nc1,lead,coh,2,b\n"
    )
    rows = [
        {"cluster": "c1", "candidate": "lead", "dimension": "coh", "score": s, "annotator": a}
        for s, a in ((4, "a"), (2, "b"))
    ]
    jsonl_path = write(tmp_path, "j.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    for path in (csv_path, jsonl_path):
        got = read_judgments(path)
        assert [(j.cluster, j.candidate, j.dimension, j.score, j.annotator) for j in got] == [
            ("c1", "lead", "coh", 4.0, "a"),
            ("c1", "lead", "coh", 2.0, "b"),
        ]
    assert [j.line for j in read_judgments(csv_path)] == [2, 3]


def summeval_line(cluster: str, model: str) -> str:
    expert = [{"coherence": 2, "relevance": 3}, {"coherence": 3, "relevance": 3}]
    turker = [{"coherence": 5, "relevance": 1}]
    return json.dumps(
        {"id": cluster, "model_id": model, "expert_annotations": expert, "turker_annotations": turker}
    )


def test_summeval_jsonl_chooses_the_annotator_group(tmp_path: Path) -> None:
    path = write(tmp_path, "model_annotations.aligned.jsonl", summeval_line("dm-1", "M11") + "\n")
    experts = read_judgments(path)  # auto: recognised by its annotation lists
    assert {(j.cluster, j.candidate, j.annotator) for j in experts} == {
        ("dm-1", "M11", "expert0"),
        ("dm-1", "M11", "expert1"),
    }
    assert len(read_judgments(path, "summeval", "turker")) == 2
    assert len(read_judgments(path, "summeval", "all")) == 6


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("blank.jsonl", "\n\n", "the file is empty"),
        (
            "latin.csv",
            b"cluster,candidate,dimension,score\nc1,caf\xe9,coh,3\n",
            r"latin\.csv line 2: not UTF-8 text",
        ),
        (
            "bad.csv",
            "cluster,candidate,dimension,score\nc1,lead,coh,good\n",
            r"bad\.csv line 2: score 'good' is not a number",
        ),
        (
            "nan.csv",
            "cluster,candidate,dimension,score\nc1,lead,coh,nan\n",
            "line 2: score 'nan' is not a finite number",
        ),
        ("cols.csv", "cluster,system,dimension,score\nc1,lead,coh,3\n", "line 1: the header lacks candidate"),
        ("id.csv", "cluster,candidate,dimension,score\n,lead,coh,3\n", "line 2: no 'cluster'"),
        ("x.jsonl", '{"cluster": "c1"\n', r"x\.jsonl line 1: not JSON"),
        ("list.jsonl", "[1, 2]\n", "line 1: expected a JSON object"),
        (
            "se.jsonl",
            '{"id": "a", "model_id": "M1", "expert_annotations": [{"coherence": "high"}]}\n',
            r"line 1: expert_annotations\[0\]\.coherence 'high' is not a number",
        ),
        ("header.csv", "cluster,candidate,dimension,score\n", "no judgments in the file"),
    ],
)
def test_a_bad_judgments_file_is_one_line_naming_it(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(JudgmentsError, match=message) as info:
        read_judgments(path)
    assert "\n" not in str(info.value)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(JudgmentsError, match="cannot read it"):
        read_judgments(tmp_path / "nope.csv")


def values() -> MeasureValues:
    out = MeasureValues()
    for cluster in ("c1", "c2"):
        rows = []
        for kind, name, score in (
            ("system", "lead", 0.5),
            ("system", "theirs", 0.7),
            ("derivative", "d1", 0.2),
        ):
            ref = Ref(kind, name)  # type: ignore[arg-type]
            for stat, v in (("precision", score), ("recall", score / 2), ("f1", score / 3)):
                rows.append(Row(cluster, ref, Ref("source", "src"), "rouge", "rouge1", stat, v))  # type: ignore[arg-type]
                rows.append(Row(cluster, ref, Ref("reference", "ref"), "rouge", "rouge1", stat, v / 4))  # type: ignore[arg-type]
            rows.append(Row(cluster, ref, Ref("source", "src"), "tracking", "coverage", "value", None))
        out.add(ClusterScores(cluster, tuple(rows)))
    return out


def test_judgments_are_matched_to_systems_and_derivatives_and_unjudged_texts_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path, "j.csv", "cluster,candidate,dimension,score\nc1,lead,coh,4\nc1,theirs,coh,2\nc2,d1,coh,5\n"
    )
    grid = join(values(), read_judgments(path), path)
    assert grid.measures == (
        "rouge1_p",
        "rouge1_r",
        "rouge1_f",
        "coverage",
        "ref_rouge1_p",
        "ref_rouge1_r",
        "ref_rouge1_f",
    )
    assert grid.clusters == ("c1", "c2") and grid.candidates == ("lead", "theirs", "d1")
    assert grid.x[0, 0, 0] == 0.5 and grid.x[4, 0, 1] == pytest.approx(0.7 / 4)
    assert grid.unjudged == ("c1/d1", "c2/lead", "c2/theirs")
    assert str(grid.h[0, 1, 2]) == "5.0" and bool(grid.x[3, 0, 0] != grid.x[3, 0, 0])  # None: NaN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c1,lead,coh,4\nc9,lead,coh,3\n", r"line 3: no cluster 'c9' was scored in this run \('c1', 'c2'\)"),
        (
            "c1,lead,coh,4\nc1,M23,coh,3\n",
            r"line 3: cluster 'c1' has no scored text 'M23' \(its texts: 'lead', 'theirs', 'd1'\)",
        ),
        ("c1,lead,coh,4\nc2,lead,coh,3\n", "every judgment names one candidate \\('lead'\\)"),
    ],
)
def test_judgments_naming_no_scored_text_or_one_system_only_are_one_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "j.csv", "cluster,candidate,dimension,score\n" + text)
    with pytest.raises(JudgmentsError, match=message) as info:
        join(values(), read_judgments(path), path)
    assert "\n" not in str(info.value)


def test_a_second_score_by_the_same_annotator_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "j.csv", "cluster,candidate,dimension,score,annotator\nc1,lead,coh,4,a\nc1,lead,coh,3,a\n"
    )
    with pytest.raises(JudgmentsError, match="line 3: a second 'coh' score of c1/lead by annotator 'a'"):
        join(values(), read_judgments(path), path)
