"""The SQLite summary cache: keys, persistence, atomic writes, a damaged file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from summarize.errors import ConfigError
from summarize.gen_cache import FILENAME, SummaryCache, default_dir, make_key

PARTS = {"model": "org/m@abc", "generation": {"num_beams": 4}, "policy": "truncate", "prefix": ""}


def test_key_depends_on_every_part_and_the_text_not_on_order() -> None:
    key = make_key(PARTS, "A text.")
    assert key == make_key(dict(reversed(PARTS.items())), "A text.")
    assert key != make_key(PARTS, "A text!")
    assert key != make_key(PARTS | {"generation": {"num_beams": 5}}, "A text.")
    assert key != make_key(PARTS | {"policy": "chunk"}, "A text.")
    assert len(key) == 64


def test_round_trip_survives_reopening(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    cache.put_many([("k1", "First.", {"input_tokens": 3}), ("k2", "Second.", {"input_tokens": 5})])
    cache.close()
    again = SummaryCache(tmp_path)
    found = again.get_many(["k2", "missing", "k1", "k2"])
    assert (
        set(found) == {"k1", "k2"}
        and found["k2"].text == "Second."
        and found["k1"].meta == {"input_tokens": 3}
    )
    assert len(again) == 2 and not SummaryCache(tmp_path / "other").get_many(["k1"])


def test_many_keys_at_once(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path)
    cache.put_many((f"k{i}", str(i), {}) for i in range(1200))
    assert len(cache.get_many(f"k{i}" for i in range(1300))) == 1200


def test_default_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMTRACK_CACHE_DIR", str(tmp_path))
    assert default_dir() == tmp_path
    monkeypatch.delenv("SUMTRACK_CACHE_DIR")
    assert default_dir() == Path.home() / ".cache" / "sumtrack"


def test_a_crash_mid_write_leaves_the_last_commit(tmp_path: Path) -> None:
    SummaryCache(tmp_path).put_many([("kept", "Kept.", {})])
    # A process that dies inside a transaction, after writing rows and before COMMIT.
    crash = (
        "import os, sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "db.execute('BEGIN IMMEDIATE'); "
        "rows = [(str(i), 'x', '{}', 0) for i in range(500)]; "
        "db.executemany('INSERT INTO summaries VALUES (?, ?, ?, ?)', rows); "
        "os._exit(1)"
    )
    subprocess.run([sys.executable, "-c", crash, str(tmp_path / FILENAME)], check=False)
    cache = SummaryCache(tmp_path)
    assert len(cache) == 1 and cache.get_many(["kept"])["kept"].text == "Kept."
    assert cache._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_damaged_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match=r"summaries.sqlite.*delete the file, or set cache: false"):
        SummaryCache(tmp_path)


def test_wal_mode(tmp_path: Path) -> None:
    SummaryCache(tmp_path)
    mode = sqlite3.connect(tmp_path / FILENAME).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
