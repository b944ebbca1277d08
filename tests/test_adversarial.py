"""Adversarial inputs end to end through the CLI (issue 11): each gives one line, a documented exit code
(README: Exit codes), and every other result written.

Most cases run `eval.cli.main` in-process; a hang (a FIFO), a closed pipe and a YAML bomb run as
subprocesses with a timeout, so a regression fails the test instead of hanging the suite. The tests run as
root here, which reads files whatever their mode: "permission denied" is tried where the OS refuses even
root (a path through a file, a folder under /proc) and with chmod where the user is not root.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eval.cli import main
from eval.output import csv_files, writers
from tests.conftest import ARTICLE, NEAR_COPY, REPO, SUMMARY

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    return code, captured.out, captured.err


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("sumtrack: error:")]


def subprocess_cli(*argv: str, timeout: float = 60, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "eval.cli", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def config(write, derivatives: list, **extra) -> Path:
    write("src.txt", ARTICLE)
    write("near.txt", NEAR_COPY)
    data = {
        "name": "adv",
        "corpus": {"clusters": [{"id": "c", "source": "src.txt", "derivatives": ["near.txt", *derivatives]}]},
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}],
        **extra,
    }
    return write("cfg.yaml", yaml.safe_dump(data, allow_unicode=True))


def score_rows(out: Path) -> list[dict[str, str]]:
    return csv_files.read_csv(out / "scores.csv")[1]


def scored(out: Path) -> set[str]:
    return {row["candidate"] for row in score_rows(out)}


def run_one_bad(write, tmp_path, capsys, name: str, content: str | bytes | None) -> tuple[int, str, Path]:
    """A cluster with one good derivative and one bad one; returns (exit code, stderr, run folder)."""
    if content is not None:
        write(name, content)
    cfg = config(write, [name])
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    return code, err, out


def assert_refused_and_others_kept(code: int, err: str, out: Path, name: str) -> None:
    assert code == 1
    (line,) = errors(err)
    assert name in line
    assert {"near", "lead-2"} <= scored(out)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", ""),
        ("blank.txt", " \n\t\n  \n"),
        ("binary.bin", bytes(range(256)) * 8),
        ("zip.txt", b"PK\x03\x04" + os.urandom(2000)),
    ],
)
def test_unusable_documents_are_one_line_each_and_the_others_are_scored(
    write, tmp_path, capsys, name, content
) -> None:
    code, err, out = run_one_bad(write, tmp_path, capsys, name, content)
    assert_refused_and_others_kept(code, err, out, name)


def test_a_chrome_only_page_is_refused_or_kept_but_never_silently_empty(write, tmp_path, capsys) -> None:
    chrome = "Share\nRead more\nSubscribe to our newsletter\nAll rights reserved\nTop of page\n"
    code, err, out = run_one_bad(write, tmp_path, capsys, "chrome.txt", chrome)
    results = json.loads((out / "results.json").read_text())
    if code == 1:  # refused: named in one line, listed as a problem
        assert [p["document"] for p in results["problems"]] == ["chrome"]
        assert "chrome.txt" in errors(err)[0]
    else:  # kept: then its lines are in the results
        assert code == 0 and "chrome" in scored(out)
    assert {"near", "lead-2"} <= scored(out)


def test_a_folder_given_as_a_document(write, tmp_path, capsys) -> None:
    (tmp_path / "folder.txt").mkdir()
    code, err, out = run_one_bad(write, tmp_path, capsys, "folder.txt", None)
    assert_refused_and_others_kept(code, err, out, "folder.txt")


def test_a_missing_document_gives_the_same_exit_code_in_validate_and_run(write, tmp_path, capsys) -> None:
    cfg = config(write, ["gone.txt"])
    code, _, err = cli(capsys, "validate", str(cfg))
    assert code == 1 and "gone.txt" in errors(err)[0]
    code, err, out = run_one_bad(write, tmp_path, capsys, "gone.txt", None)
    assert_refused_and_others_kept(code, err, out, "gone.txt")


def test_a_document_the_os_refuses_to_read(write, tmp_path, capsys) -> None:
    # A path through a file is refused even for root (ENOTDIR), as a permission error is for other users.
    write("plain.txt", "text")
    code, err, out = run_one_bad(write, tmp_path, capsys, "plain.txt/child.txt", None)
    assert_refused_and_others_kept(code, err, out, "child.txt")


@pytest.mark.skipif(ROOT, reason="root reads a file whatever its mode; see the ENOTDIR case above")
def test_permission_denied(write, tmp_path, capsys) -> None:
    path = write("locked.txt", ARTICLE)
    path.chmod(0)
    try:
        code, err, out = run_one_bad(write, tmp_path, capsys, "locked.txt", None)
    finally:
        path.chmod(0o644)
    assert_refused_and_others_kept(code, err, out, "locked.txt")


def test_cp1252_and_utf16_with_bom_are_read_or_refused_in_one_line(write, tmp_path, capsys) -> None:
    write("bom16.txt", NEAR_COPY.encode("utf-16"))
    write("win.txt", (NEAR_COPY + " The mayor’s café.").encode("cp1252"))
    cfg = config(write, ["bom16.txt", "win.txt"])
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert "bom16" in scored(out)  # a BOM says how to read it
    assert code in (0, 1) and len(errors(err)) == (code == 1)
    assert code == 0 or "win.txt" in errors(err)[0]


def test_cp1252_and_bomless_utf16_are_read_with_encoding_auto(write, tmp_path, capsys) -> None:
    write("win.txt", NEAR_COPY.encode("cp1252"))
    write("le16.txt", NEAR_COPY.encode("utf-16-le"))
    cfg = config(write, ["win.txt", "le16.txt"])
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 0, err
    rows = [r for r in score_rows(out) if r["target"] == "src" and r["metric"] == "rouge1"]
    f1 = {r["candidate"]: float(r["f1"]) for r in rows}
    assert f1["win"] == pytest.approx(f1["near"]) and f1["le16"] == pytest.approx(f1["near"])


def test_a_nul_byte_after_the_first_8_kb_never_reaches_the_report(write, tmp_path, capsys) -> None:
    text = (ARTICLE + "\n") * 30 + "tail \x00 end.\n"
    code, _err, out = run_one_bad(write, tmp_path, capsys, "nul.txt", text)
    assert code in (0, 1)
    assert "\x00" not in (out / "report.html").read_text(encoding="utf-8")
    assert "\x00" not in (out / "results.json").read_text(encoding="utf-8")


def test_a_fifo_is_refused_without_hanging(write, tmp_path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    cfg = config(write, ["pipe.txt"])
    done = subprocess_cli("run", str(cfg), "--out", str(tmp_path / "out"), timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = errors(done.stderr)
    assert "pipe.txt" in line
    assert {"near", "lead-2"} <= scored(tmp_path / "out")


def test_a_symlink_loop_is_one_line(write, tmp_path, capsys) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    code, err, out = run_one_bad(write, tmp_path, capsys, "loop.txt", None)
    assert_refused_and_others_kept(code, err, out, "loop.txt")


def test_validate_names_a_fifo_or_a_symlink_loop_as_what_it_is(write, tmp_path, capsys) -> None:
    # validate said "file not found" for both, where run says what the file is.
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    cfg = config(write, ["pipe.txt", "loop.txt"])
    code, _, err = cli(capsys, "validate", str(cfg))
    assert code == 1
    pipe, loop = errors(err)
    assert "pipe.txt: is a named pipe (FIFO)" in pipe
    assert "loop.txt: cannot read (" in loop and "not found" not in loop


def test_score_with_a_symlink_loop_among_the_files_or_as_the_source(write, tmp_path, capsys) -> None:
    src, near = write("src.txt", ARTICLE), write("near.txt", NEAR_COPY)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    code, out, err = cli(capsys, "score", "--source", str(src), str(near), str(loop))
    assert code == 1 and "near" in out
    (line,) = errors(err)
    assert "loop.txt" in line
    code, _, err = cli(capsys, "score", "--source", str(loop), str(near))
    assert code == 2
    (line,) = errors(err)
    assert "loop.txt" in line


def test_an_output_folder_through_a_symlink_loop_is_one_line_before_any_work(write, tmp_path, capsys) -> None:
    cfg = config(write, [])
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code, out, err = cli(capsys, "run", str(cfg), "--out", str(loop / "run"))
    assert code == 2 and out == ""
    (line,) = errors(err)
    assert "cannot write the run folder" in line and line.endswith(
        "nothing was run (choose another --out or output.dir)"
    )


def test_a_model_or_outputs_path_through_a_symlink_loop_is_refused(write, tmp_path, capsys) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    systems = [
        {"name": "m", "type": "seq2seq", "model": "./loop"},
        {"name": "o", "type": "outputs", "path": "./loop"},
    ]
    cfg = config(write, [], systems=systems)
    for argv in (["validate", str(cfg)], ["run", str(cfg), "--out", str(tmp_path / "out")]):
        code, _, err = cli(capsys, *argv)
        assert code == 2
        assert any("model folder" in line and "loop" in line for line in errors(err))


def test_a_nul_byte_in_a_path_is_one_line(write, tmp_path, capsys) -> None:
    code, err, out = run_one_bad(write, tmp_path, capsys, "bad\x00name.txt", None)
    assert code == 1 and len(errors(err)) == 1
    assert {"near", "lead-2"} <= scored(out)


def test_a_few_megabyte_derivative_completes_with_every_result(write, tmp_path, capsys) -> None:
    lines = NEAR_COPY.splitlines()
    # ~1.5 MB of distinct sentences (repeated lines would be dropped by cleaning as a repeated title), under
    # corpus.max_chars; a longer document is refused with one line (tests/test_corpus.py)
    big = "\n".join(f"In part {k}, {lines[k % len(lines)].lower()}" for k in range(15_000))
    code, err, out = run_one_bad(write, tmp_path, capsys, "big.txt", big)
    assert code == 0, err
    assert {"near", "big", "lead-2"} <= scored(out)
    tracked = {t["id"]: t["profile"] for t in json.loads((out / "results.json").read_text())["tracking"]}
    assert tracked["big"]["coverage"] > 0.8
    html_report = (out / "report.html").read_text(encoding="utf-8")
    # The page holds the first 5,000 sentences of the text with its full count; its side-by-side view says
    # it shows part of the text (tests/test_report_html.py checks that in a browser).
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html_report, re.S)
    assert block is not None
    texts = {t["id"]: t for c in json.loads(block.group(1))["clusters"] for t in c["texts"]}
    assert len(texts["big"]["sentences"]) == 5000 and texts["big"]["total"] == 15_000


SCRIPTS = {
    "cyrillic": "Городской совет утвердил новый бюджет во вторник после долгих споров.",
    "chinese": "市议会周二在激烈辩论后批准了新的预算。公共交通支出增加百分之十二。",
    "arabic": "وافق مجلس المدينة على ميزانية جديدة يوم الثلاثاء بعد نقاش طويل.",
    "emoji": "The council 🎉 approved the budget 🚌🚋 on Tuesday 👍.",
    "zero-width": "The\u200b city\u200c council\u200d approved\ufeff a new budget on Tuesday.",
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_other_scripts_are_scored_with_the_unicode_tokenizer(write, tmp_path, capsys, name) -> None:
    text = SCRIPTS[name]
    write("src.txt", text + "\n" + text[::-1])
    write("d.txt", text)
    data = {
        "name": "adv",
        "corpus": {"clusters": [{"id": "c", "source": "src.txt", "derivatives": ["d.txt"]}]},
        "rouge": {"tokenizer": "unicode"},
        "sentences": {"split": "lines"},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    rows = [r for r in score_rows(tmp_path / "out") if r["metric"] == "rouge1"]
    assert rows and float(rows[0]["precision"]) > 0.9


def test_the_default_tokenizer_warns_on_a_text_without_ascii_words(write, tmp_path, capsys) -> None:
    code, err, _out = run_one_bad(write, tmp_path, capsys, "zh.txt", SCRIPTS["chinese"])
    assert code == 0
    assert "zh.txt: yields no ROUGE tokens" in err and "rouge.tokenizer: unicode" in err


def test_html_and_script_in_a_derivative_stay_text_in_the_report(write, tmp_path, capsys) -> None:
    payload = 'He wrote <script>alert("x")</script> and <img src=x onerror=alert(1)> in the minutes.'
    code, err, out = run_one_bad(write, tmp_path, capsys, "xss.txt", NEAR_COPY + "\n" + payload)
    assert code == 0, err
    html_report = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html_report and "<img src=x" not in html_report
    # Texts travel as JSON with <, > and & escaped, and the page's script sets them as text (in Chromium:
    # tests/test_report_html.py); the payload is there, whole, once decoded.
    assert "\\u003cscript\\u003ealert" in html_report
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html_report, re.S)
    assert block is not None
    texts = ["\n".join(t["sentences"]) for c in json.loads(block.group(1))["clusters"] for t in c["texts"]]
    assert any(payload in text for text in texts)


def test_console_markup_in_names_and_ids_is_printed_as_written(write, tmp_path, capsys) -> None:
    write("src.txt", ARTICLE)
    write("v1.txt", NEAR_COPY)
    write("v2.txt", SUMMARY)
    data = {
        "name": "adv",
        "corpus": {
            "clusters": [
                {
                    "id": "c[bold]",
                    "source": "src.txt",
                    "derivatives": [
                        {"path": "v1.txt", "id": "report [v1]"},
                        {"path": "v2.txt", "id": "report [v2]"},
                    ],
                }
            ]
        },
        "systems": [{"name": "lead[/red]", "type": "lead"}],
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    code, out, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "report [v1]" in out and "report [v2]" in out and "lead[/red]" in out and "c[bold]" in out


BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
corpus: {clusters: [{source: {text: hello}}]}
rouge: {stem: *i}
"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BOMB, "expands to more than 100,000 values"),
        (
            "corpus: !!python/object/apply:os.system ['touch pwned']\n",
            "'!!python/object/apply:os.system' is not",
        ),
        ("- a\n- b\n", "expected a mapping of keys at the top level, got list"),
        ("", "the config is empty"),
        ("# only a comment\n", "the config is empty"),
        ("corpus: [unclosed\n", "invalid YAML at line 2"),
    ],
)
def test_hostile_or_malformed_configs_are_one_line_in_validate_and_run(
    write, tmp_path, content, message
) -> None:
    cfg = write("cfg.yaml", content)
    for command in ("validate", "run"):
        # A hang (an alias bomb expanded) ends the test through the subprocess's own timeout.
        done = subprocess_cli(command, str(cfg), timeout=60, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert message in line, line
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"cleaning": {"extra_patterns": ["(unclosed"]}},
            "cleaning.extra_patterns: invalid regex '(unclosed'",
        ),
        ({"rouge": {"types": []}}, "rouge.types: "),
        (
            {"systems": [{"name": "m", "type": "seq2seq", "model": "/no/such/model/folder"}]},
            "systems[0].model: model folder '/no/such/model/folder' not found",
        ),
        (
            {"systems": [{"name": "derivatives", "type": "lead"}]},
            "systems[0].name: name 'derivatives' is reserved",
        ),
    ],
)
def test_validate_refuses_what_a_run_would(write, tmp_path, capsys, extra, message) -> None:
    cfg = config(write, [], **extra)
    for argv in (("validate", str(cfg)), ("run", str(cfg), "--out", str(tmp_path / "out"))):
        code, _, err = cli(capsys, *argv)
        assert code == 2
        (line,) = errors(err)
        assert message in line
    assert not (tmp_path / "out").exists()


def test_a_cuda_device_on_a_cpu_only_torch_is_refused_by_validate(write, capsys) -> None:
    from eval.config import _torch_gpu_build

    if _torch_gpu_build() is not False:
        pytest.skip("torch here is a GPU build (or missing)")
    cfg = config(
        write, [], systems=[{"name": "m", "type": "seq2seq", "model": "t5-small", "device": "cuda:0"}]
    )
    code, _, err = cli(capsys, "validate", str(cfg))
    assert code == 2
    (line,) = errors(err)
    assert "systems[0].device: 'cuda:0': this torch is a CPU-only build" in line


@pytest.mark.parametrize(
    ("derivatives", "places"),
    [
        (
            [{"path": "near.txt", "id": "x"}, {"text": "Another text.", "id": "x"}],
            ("derivatives[2] and corpus.clusters[0].derivatives[1]", "'x'"),
        ),
        (
            [{"text": "Same id as the source.", "id": "src"}],
            ("derivatives[1] and corpus.clusters[0].source",),
        ),
        ([{"text": "A derivative.", "id": "references"}], ("derivatives[1]: id 'references' is reserved",)),
    ],
)
def test_clashing_ids_are_refused_naming_both_places(write, tmp_path, capsys, derivatives, places) -> None:
    cfg = config(write, derivatives)
    for argv in (("validate", str(cfg)), ("run", str(cfg), "--out", str(tmp_path / "out"))):
        code, _, err = cli(capsys, *argv)
        assert code == 2
        (line,) = errors(err)
        for place in places:
            assert place in line
    assert not (tmp_path / "out").exists()


def test_a_reference_with_a_derivatives_id_in_jsonl_is_refused(write, tmp_path, capsys) -> None:
    record = {
        "id": "k",
        "source": ARTICLE,
        "derivatives": [{"id": "a", "text": NEAR_COPY}],
        "references": [{"id": "a", "text": SUMMARY}],
    }
    write("corpus.jsonl", json.dumps(record) + "\n")
    cfg = write("cfg.yaml", yaml.safe_dump({"name": "adv", "corpus": {"jsonl": "corpus.jsonl"}}))
    for argv in (("validate", str(cfg)), ("run", str(cfg), "--out", str(tmp_path / "out"))):
        code, _, err = cli(capsys, *argv)
        assert code == 2
        (line,) = errors(err)
        assert "references[0] and " in line and "derivatives[0]" in line and "'a'" in line


def test_a_jsonl_cluster_with_a_yaml_clusters_id_is_refused_naming_both(write, tmp_path, capsys) -> None:
    # validate said valid where run refused (exit 2) without naming the places.
    write("src.txt", ARTICLE)
    write("corpus.jsonl", json.dumps({"id": "c", "source": ARTICLE, "derivatives": [NEAR_COPY]}) + "\n")
    corpus = {"clusters": [{"id": "c", "source": "src.txt", "derivatives": []}], "jsonl": ["corpus.jsonl"]}
    cfg = write("cfg.yaml", yaml.safe_dump({"name": "adv", "corpus": corpus}))
    for argv in (("validate", str(cfg)), ("run", str(cfg), "--out", str(tmp_path / "out"))):
        code, _, err = cli(capsys, *argv)
        assert code == 2
        (line,) = errors(err)
        assert "corpus.jsonl:1 and corpus.clusters[0]: both have cluster id 'c'" in line


def test_the_resolved_config_of_a_run_validates_and_runs_as_it_is(write, tmp_path, capsys) -> None:
    cfg = config(write, [])
    out = tmp_path / "out"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    resolved = out / "config.resolved.yaml"
    assert "documents" not in yaml.safe_load(resolved.read_text())
    moved = tmp_path / "elsewhere" / "config.yaml"  # relative paths would now point nowhere
    moved.parent.mkdir()
    moved.write_text(resolved.read_text())
    code, _, err = cli(capsys, "validate", str(moved))
    assert code == 0, err
    again = tmp_path / "again"
    assert cli(capsys, "run", str(moved), "--out", str(again))[0] == 0
    assert (again / "scores.csv").read_text() == (out / "scores.csv").read_text()


def test_an_output_path_that_is_a_file_is_one_line_before_any_work(write, tmp_path, capsys) -> None:
    cfg = config(write, [])
    target = write("taken", "a file")
    code, out, err = cli(capsys, "run", str(cfg), "--out", str(target))
    assert code == 2 and out == ""
    (line,) = errors(err)
    assert "it is a file" in line
    assert target.read_text() == "a file"


def test_an_unwritable_output_place_is_one_line(write, tmp_path, capsys) -> None:
    # /proc refuses new folders even to root, as a read-only mount does.
    cfg = config(write, [])
    code, out, err = cli(capsys, "run", str(cfg), "--out", "/proc/sumtrack-run")
    assert code == 2 and out == ""
    (line,) = errors(err)
    assert "cannot write the run folder /proc/sumtrack-run" in line and "nothing was run" in line


def test_a_failing_write_leaves_the_previous_run_intact(write, tmp_path, capsys, monkeypatch) -> None:
    cfg = config(write, [])
    out = tmp_path / "out"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_write = writers._write
    calls = []

    def disk_full(path: Path, text: str) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(writers, "_write", disk_full)
    write("near.txt", SUMMARY)  # the new run would differ
    code, _stdout, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 1
    (line,) = errors(err)
    assert "No space left on device; the previous run there is intact" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # No staging folder is left; the finished clusters are kept beside it for the next try (issue 12).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [".out.clusters"]


def test_a_folder_that_is_not_a_run_is_never_replaced(write, tmp_path, capsys) -> None:
    cfg = config(write, [])
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(precious))
    assert code == 2 and "holds files sumtrack did not write (notes.txt)" in errors(err)[0]
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]


def test_score_into_a_closed_pipe_exits_quietly(write, tmp_path) -> None:
    src, near, summary = write("src.txt", ARTICLE), write("near.txt", NEAR_COPY), write("sum.txt", SUMMARY)
    command = f"{sys.executable} -m eval.cli score --json --source {src} {near} {summary} | head -1"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, shell=True, capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout == "[\n"
    assert "Traceback" not in done.stderr and "Error" not in done.stderr and "error:" not in done.stderr


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_closed_pipe_exits_141_whether_a_table_or_json_is_printed(write, json_flag) -> None:
    # rich's own handler exited 1 (README: 1 is a failed input) when a table met a closed pipe.
    src, near = write("src.txt", ARTICLE), write("near.txt", NEAR_COPY)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "eval.cli", "score", *json_flag, "--source", str(src), str(near)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "rror" not in err


def test_comparisons_say_when_few_clusters_cannot_reach_significance(write, tmp_path, capsys) -> None:
    clusters = [
        {
            "id": f"c{k}",
            "source": {"text": ARTICLE, "id": "s"},
            "derivatives": [{"text": NEAR_COPY, "id": "d"}],
        }
        for k in range(4)
    ]
    data = {
        "name": "adv",
        "corpus": {"clusters": clusters},
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}, {"name": "lead-3", "type": "lead"}],
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    code, out, _ = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0
    note = "with 4 clusters the permutation test cannot give p < 0.05 (its smallest p is 0.125)"
    assert note in " ".join(out.split())
    assert note in (tmp_path / "out" / "report.md").read_text()
