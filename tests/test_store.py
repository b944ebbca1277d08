from __future__ import annotations

import subprocess
import sys

import pytest

from eval.run.store import ClusterStore, done_clusters, read_records
from summarize.errors import ConfigError

RECORD = {"rows": [{"metric": "rouge1", "f1": 0.1 + 0.2, "recall": 1 / 3}], "note": "é"}


def test_records_survive_reopening_and_floats_come_back_exactly(tmp_path):
    path = tmp_path / "run" / "clusters.jsonl"
    with ClusterStore.open(path, "sig-a") as store:
        store.append("c1", RECORD)
        store.append("c2", {"rows": []})
        with pytest.raises(ValueError, match="'c1' is already recorded"):
            store.append("c1", RECORD)
    assert done_clusters(path, "sig-a") == {"c1", "c2"}
    with ClusterStore.open(path, "sig-a") as store:
        assert store.done() == {"c1", "c2"}
        store.append("c3", RECORD)
        assert [c for c, _ in store.records()] == ["c1", "c2", "c3"]
    (_, first), *_ = read_records(path)
    assert first == RECORD and first["rows"][0]["f1"] == 0.1 + 0.2


def test_a_run_killed_mid_write_resumes_from_the_clusters_it_finished(tmp_path):
    path = tmp_path / "clusters.jsonl"
    code = (
        "import os, signal, sys\n"
        "from eval.run.store import ClusterStore\n"
        f"store = ClusterStore.open({str(path)!r}, 'sig')\n"
        "for k in range(3):\n"
        "    store.append(f'c{k}', {'k': k})\n"
        'store._file.write(\'{"cluster": "c3", "rec\')\n'  # a write the kill cuts short
        "store._file.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    with ClusterStore.open(path, "sig") as store:
        assert store.done() == {"c0", "c1", "c2"}
        store.append("c3", {"k": 3})
    assert [c for c, _ in read_records(path)] == ["c0", "c1", "c2", "c3"]


def test_a_store_from_other_settings_is_refused_not_mixed(tmp_path):
    path = tmp_path / "clusters.jsonl"
    with ClusterStore.open(path, "rouge|stem:yes") as store:
        store.append("c1", RECORD)
    with pytest.raises(ConfigError, match=r"other settings \(rouge\|stem:yes\); delete it"):
        ClusterStore.open(path, "rouge|stem:no")
    with ClusterStore.open(path, "rouge|stem:no", resume=False) as store:  # starting over is explicit
        assert store.done() == frozenset()
    assert list(read_records(path)) == []


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "clusters.jsonl"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a sumtrack cluster store"):
        ClusterStore.open(path, "sig")
