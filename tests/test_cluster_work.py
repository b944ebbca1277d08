"""Scoring a corpus on the execution engines (issue 12): the same scores.csv rows from one worker, two
worker processes and a real local Ray instance; a run killed mid-way resumes from the clusters it recorded."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from eval import config
from eval.output.csv_files import read_csv
from eval.output.folder import write_run
from eval.run import cluster_work
from eval.run.runner import Runner
from eval.run.store import FILE_NAME, read_records

WORDS = [
    "council",
    "budget",
    "transport",
    "road",
    "repair",
    "city",
    "plan",
    "vote",
    "mayor",
    "debate",
    "school",
    "tax",
    "rise",
    "cut",
    "bus",
    "rail",
    "park",
    "water",
    "power",
    "housing",
    "rent",
    "wage",
    "health",
    "clinic",
    "police",
    "court",
    "bridge",
    "river",
    "storm",
    "flood",
    "farm",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize() + "."


def write_corpus(path: Path, rows: int, seed: int = 0) -> Path:
    """A parquet file of `rows` articles with a reference and two systems' outputs each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    columns: dict[str, list[str]] = {k: [] for k in ("id", "article", "highlights", "model_a", "model_b")}
    for k in range(rows):
        article = [_sentence(rng) for _ in range(6)]
        columns["id"].append(f"row{k:04d}")
        columns["article"].append(" ".join(article))
        columns["highlights"].append(" ".join(article[:2]))
        columns["model_a"].append(" ".join(article[1:3]))
        columns["model_b"].append(_sentence(rng) + " " + article[0])
    pq.write_table(pa.table(columns), str(path))
    return path


def config_data(corpus: Path, **execution) -> dict:
    return {
        "name": "scale-test",
        "corpus": {
            "dataset": {
                "path": str(corpus),
                "id_column": "id",
                "source_column": "article",
                "reference_columns": ["highlights"],
                "output_columns": ["model_a", "model_b"],
            }
        },
        "systems": [{"name": "lead2", "type": "lead", "sentences": 2}],  # generated on Ray with engine: ray
        "aggregate": {"bootstrap": 100, "significance": "none"},
        "execution": execution,
    }


def scores_of(data: dict, out: Path) -> list[dict[str, str]]:
    loaded = config.load_data(data, path=out.parent / "config.yaml")
    result = Runner(loaded, store_dir=out.parent / f".{out.name}.clusters").run()
    assert result.ok, (result.problems, result.systems)
    write_run(result, loaded, out, formats=["csv"])
    signature, rows = read_csv(out / "scores.csv")
    assert signature == result.signature
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.parquet", 200)


def test_every_engine_gives_the_same_scores_csv_rows(corpus, tmp_path):
    pytest.importorskip("ray")
    one = scores_of(config_data(corpus, workers=1), tmp_path / "one")
    clusters = {r["cluster"] for r in one}
    assert len(clusters) == 200
    against_highlights = {
        (r["cluster"], r["candidate"]) for r in one if r["target"] == "highlights" and r["metric"] == "rouge1"
    }
    assert against_highlights == {(c, m) for c in clusters for m in ("model_a", "model_b", "lead2")}
    assert scores_of(config_data(corpus, workers=2), tmp_path / "two") == one
    assert scores_of(config_data(corpus, engine="ray", workers=2), tmp_path / "ray") == one
    # The other tables too: tracking and matrices are computed on the workers as well.
    rows = [read_csv(tmp_path / name / "rows.csv")[1] for name in ("one", "two", "ray")]
    assert rows[0] == rows[1] == rows[2]


def test_a_killed_run_resumes_from_the_clusters_it_recorded(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus.parquet", 400, seed=1)
    data = config_data(corpus, workers=1)
    (tmp_path / "c.yaml").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "eval.cli", "run", str(tmp_path / "c.yaml"), "--out", str(out)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    store = tmp_path / ".run.clusters" / FILE_NAME
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        if store.exists() and store.read_bytes().count(b"\n") > 20:  # header + 20 clusters
            break
        time.sleep(0.05)
    assert child.poll() is None, f"the run ended before it could be killed: {child.stderr.read()!r}"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not (out / "scores.csv").exists()

    done = {cluster for cluster, _ in read_records(store)}  # what the killed run recorded
    assert 20 <= len(done) < 400
    scored: list[str] = []
    real_score_job = cluster_work.score_job

    def counting(settings, job):
        scored.append(job.texts.id)
        return real_score_job(settings, job)

    monkeypatch.setattr(cluster_work, "score_job", counting)
    loaded = config.load_data(data, path=tmp_path / "c.yaml")
    resumed = Runner(loaded, store_dir=store.parent).run()
    assert len(scored) == 400 - len(done) and not set(scored) & done  # the same fingerprint: resumed
    fresh = Runner(loaded).run()  # no store: everything scored
    assert len(scored) == 800 - len(done)
    assert resumed.results.rows == fresh.results.rows
    assert [t.profile for t in resumed.tracking] == [t.profile for t in fresh.tracking]


def test_a_store_made_with_other_settings_is_started_afresh(corpus, tmp_path):
    small = write_corpus(tmp_path / "small.parquet", 5, seed=2)
    out = tmp_path / "run"
    first = scores_of(config_data(small, workers=1), out)
    other = config_data(small, workers=1)
    other["rouge"] = {"types": ["rouge1"]}
    second = scores_of(other, out)
    assert {r["metric"] for r in second} == {"rouge1"} and len(second) < len(first)


def test_bfloat16_embeddings_stay_within_1e_3_of_float32_and_are_signed():
    from eval.tracking.semantic import Embedder
    from tests.tracking_texts import SOURCE

    exact = Embedder(threads=1, dtype="float32")
    try:
        exact.prefetch(["x"])
    except Exception as exc:
        pytest.skip(f"the embedding model is not installed: {exc}")
    fast = Embedder(threads=1, dtype="bfloat16")
    lines = [s for s in SOURCE.split("\n") if s.strip()]
    a, b = exact.embed(lines), fast.embed(lines)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    assert fast.signature_fields()["embedder"] == exact.signature_fields()["embedder"] + "+bf16"
