"""`sumtrack meta` end to end (issue 19): a corpus whose systems are `type: outputs`, judgments beside
it, meta.csv and meta.json in the run folder, the section in report.html and report.md."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from eval.cli import main
from tests.conftest import ARTICLE, PARAPHRASE, UNRELATED

SOURCES = {"c1": ARTICLE, "c2": UNRELATED, "c3": PARAPHRASE}
OUTPUTS = {
    "mine": {
        "c1": "The city council approved a new budget.\nIt cuts funding for road repairs.",
        "c2": "A rare orchid was found in the northern mountains.\nResearchers plan to return.",
        "c3": "The spending plan was voted through.\nThe mayor welcomed the result.",
    },
    "theirs": {
        "c1": "Weather was fine.\nNobody came.",
        "c2": "The council met.\nIt rained all day.",
        "c3": "Orchids are flowers.\nSome are rare.",
    },
}
# Who did best, per cluster: mine > lead-1 > theirs on relevance; coherence disagrees in c2.
SCORES = {
    ("mine", "relevance"): (5, 4), ("lead-1", "relevance"): (3, 3), ("theirs", "relevance"): (1, 2),
    ("mine", "coherence"): (4, 4), ("lead-1", "coherence"): (4, 5), ("theirs", "coherence"): (2, 1),
}  # fmt: skip


def setup(tmp_path: Path, **meta: Any) -> Path:
    for system, outputs in OUTPUTS.items():
        lines = "".join(json.dumps({"cluster": c, "summary": s}) + "\n" for c, s in outputs.items())
        (tmp_path / f"{system}.jsonl").write_text(lines, encoding="utf-8")
    with (tmp_path / "judgments.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["cluster", "candidate", "dimension", "score", "annotator"])
        for k, cluster in enumerate(SOURCES):
            for (system, dimension), (a, b) in SCORES.items():
                shift = k if system == "mine" else 0
                out.writerows(
                    [
                        [cluster, system, dimension, min(5, a + shift), "ann1"],
                        [cluster, system, dimension, b, "ann2"],
                    ]
                )
    config = {
        "name": "meta-test",
        "corpus": {"clusters": [{"id": c, "source": {"text": t}} for c, t in SOURCES.items()]},
        "systems": [
            {"name": "lead-1", "type": "lead", "sentences": 1},
            *({"name": s, "type": "outputs", "path": f"{s}.jsonl"} for s in OUTPUTS),
        ],
        "aggregate": {"bootstrap": 20},
        "output": {"dir": str(tmp_path / "run")},  # a relative dir is in the current directory
        "meta": {"judgments": "judgments.csv", "bootstrap": 40, "permutations": 30, "compare": 1, **meta},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_sumtrack_meta_writes_meta_csv_and_the_report_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = setup(tmp_path)
    assert main(["meta", str(config)]) == 0
    stdout = capsys.readouterr().out
    assert (
        "Agreement with human judgments, summary level" in stdout and "meta signature: meta|judg:" in stdout
    )
    run = tmp_path / "run"
    lines = (run / "meta.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "measure,dimension,level,coefficient,value,low,high,n,p"
    rows = list(csv.DictReader(lines))
    measures = {r["measure"] for r in rows}
    assert {"rouge1_p", "coverage", "novel_2gram"} <= measures  # ROUGE against the source and tracking
    assert {r["level"] for r in rows} == {"summary", "system", "global"}
    assert {r["coefficient"] for r in rows} == {"kendall", "spearman", "pearson"}
    assert len(rows) == len(measures) * 2 * 3 * 3
    info = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    assert (
        info["meta_signature"].startswith("meta|judg:") and "|bs:40|resample:both|" in info["meta_signature"]
    )
    assert info["judged"] == 9 and info["unjudged"]["count"] == 0
    assert set(info["agreement"]) == {"relevance", "coherence"}
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'id="meta"' in html and "Agreement with human judgments" in html and "<svg" in html
    md = (run / "report.md").read_text(encoding="utf-8")
    assert "## Agreement with human judgments" in md and "Krippendorff" in md
    # the scored clusters stay beside the run folder: a second `meta` (other judgments) reuses them
    capsys.readouterr()
    assert main(["meta", str(config), "--set", "meta.levels=[system]"]) == 0
    assert "resumed an interrupted run: 3 of 3 clusters" in capsys.readouterr().err
    assert {r["level"] for r in csv.DictReader((run / "meta.csv").open(encoding="utf-8"))} == {"system"}


def test_a_judgment_naming_no_scored_text_keeps_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = setup(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "cluster,candidate,dimension,score\nc1,mine,coherence,3\nc1,M23,coherence,2\n", encoding="utf-8"
    )
    assert main(["meta", str(config), "--judgments", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 3: cluster 'c1' has no scored text 'M23'" in err and "the run's files are written" in err
    assert (tmp_path / "run" / "scores.csv").is_file() and not (tmp_path / "run" / "meta.csv").exists()


def test_bad_judgments_stop_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = setup(tmp_path)
    (tmp_path / "judgments.csv").write_text(
        "cluster,candidate,dimension,score\nc1,mine,coherence,high\n", encoding="utf-8"
    )
    assert main(["meta", str(config)]) == 2
    assert "judgments.csv line 2: score 'high' is not a number" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_meta_config_keys_are_checked_with_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = setup(tmp_path, resampel="both")
    assert main(["validate", str(config)]) == 2
    assert "meta.resampel: unknown key; did you mean 'resample'?" in capsys.readouterr().err
    config = setup(tmp_path)
    assert main(["meta", str(config), "--set", "meta.resample=clusters"]) == 2
    assert "meta.resample" in capsys.readouterr().err
    plain = yaml.safe_load(config.read_text(encoding="utf-8"))
    del plain["meta"]
    config.write_text(yaml.safe_dump(plain), encoding="utf-8")
    assert main(["meta", str(config)]) == 2
    assert "no judgments: give --judgments FILE or meta.judgments" in capsys.readouterr().err
