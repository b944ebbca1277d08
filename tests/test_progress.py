"""Progress that tells the truth (issue 21): each step named for what runs, with its count, in correct
English; a long generation reported while it goes, without a terminal too. No wall-time asserts: a fake
clock stands in for time, advanced by a fake summarizer, and lines are counted loosely."""

from __future__ import annotations

import time

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from eval import cli as cli_module
from eval import config
from eval.cli import main
from eval.output import console_progress
from eval.run.runner import Runner
from summarize import registry
from summarize.base import Summary, SystemType
from tests.conftest import ARTICLE, NEAR_COPY

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


CLOCK = FakeClock()
CALLS: list[str] = []  # what the fake summarizers did, in order, beside the progress messages


class SlowParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    batch_size: int = 1
    seconds: int = 50  # fake seconds one call takes


class Slow:
    """Generates for `seconds` fake seconds per call, one fake second at a time (a real pause between,
    so the progress heartbeat gets its turn); records each call in CALLS."""

    def __init__(self, name: str, params: SlowParams) -> None:
        self.name, self.params = name, params

    def summarize(self, texts: list[str]) -> list[Summary]:
        CALLS.append(f"{self.name} summarizes {len(texts)}")
        for _ in range(self.params.seconds):
            CLOCK.now += 1.0
            time.sleep(0.01)
        return [Summary(text=t.split("\n")[0], system=self.name) for t in texts]


@pytest.fixture()
def slow_system(monkeypatch):
    entry = SystemType("test-slow", "abstractive", "a slow fake model", SlowParams, Slow)
    monkeypatch.setitem(registry._REGISTRY, "test-slow", entry)
    CALLS.clear()


def corpus(clusters: int) -> dict:
    return {
        "name": "progress",
        "corpus": {
            "clusters": [
                {
                    "id": f"c{k}",
                    "source": {"id": "src", "text": f"Story {k}.\n{ARTICLE}"},
                    "derivatives": [{"id": "near", "text": NEAR_COPY}],
                }
                for k in range(clusters)
            ]
        },
        "rouge": {"types": ["rouge1"]},
        "tracking": {"enabled": False},
        "aggregate": {"bootstrap": 0},
        "execution": {"workers": 1},
        "output": {"formats": ["json"]},
    }


def test_without_a_terminal_a_long_generation_prints_a_line_every_few_seconds_naming_it(
    slow_system, tmp_path, capsys, monkeypatch
) -> None:
    """One document, 50 (fake) seconds of generation after an extractive system: lines keep coming, at
    least one per 10 s, and every one names the system that runs, not the one before it."""
    monkeypatch.setattr(console_progress, "PROGRESS_CLOCK", CLOCK)
    monkeypatch.setattr(console_progress.ConsoleProgress, "TICK", 0.002)
    data = corpus(1) | {
        "systems": [
            {"name": "lead-2", "type": "lead", "sentences": 2},
            {"name": "gemma-ish", "type": "test-slow", "seconds": 50},
        ]
    }
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    code = main(["run", str(cfg), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("sumtrack: ")]
    first = lines.index("sumtrack: summarizing with gemma-ish (1 document)")
    after = next(i for i, line in enumerate(lines) if i > first and "gemma-ish" not in line)
    during = lines[first + 1 : after]
    assert len(during) >= 3, err  # 50 s at one line per 10 s: 5 (loosely: the thread may be starved)
    assert all(line.startswith("sumtrack: summarizing with gemma-ish (1 document): ") for line in during)
    assert all(" s so far" in line for line in during)
    assert not any("lead-2" in line for line in lines[first:after])
    assert lines[after].startswith("sumtrack: scoring 1 cluster (")


def test_counted_steps_report_between_batches(slow_system) -> None:
    """A system with batches is fed a few batches at a time, and the count moves after each piece."""
    messages: list[str] = []

    def progress(message: str) -> None:
        messages.append(message)
        CALLS.append(message)

    data = corpus(9) | {"systems": [{"name": "batched", "type": "test-slow", "batch_size": 1, "seconds": 0}]}
    Runner(config.load_data(data), progress=progress).run()
    start = CALLS.index("summarizing with batched (9 documents)")
    assert CALLS[start : start + 7] == [
        "summarizing with batched (9 documents)",
        "batched summarizes 4",
        "summarizing with batched (4/9)",
        "batched summarizes 4",
        "summarizing with batched (8/9)",
        "batched summarizes 1",
        "summarizing with batched (9/9)",
    ]
    assert "scoring 9 clusters (ROUGE and tracking)" in messages
    assert [m for m in messages if m.startswith("scored cluster")][-1] == "scored cluster c8 (9/9)"
    assert "means and intervals over 9 clusters" in messages


def test_messages_are_correct_english_and_nothing_is_compared_with_one_cluster() -> None:
    messages: list[str] = []
    data = corpus(1) | {
        "systems": [{"name": "lead-2", "type": "lead", "sentences": 2}, {"name": "tr", "type": "textrank"}],
        "aggregate": {"bootstrap": 0, "significance": "permutation"},
    }
    Runner(config.load_data(data), progress=messages.append).run()
    assert "summarizing with lead-2 (1 document)" in messages
    assert "means and intervals over 1 cluster" in messages
    assert "scoring 1 cluster (ROUGE and tracking)" in messages
    assert not [m for m in messages if m.startswith("comparing")]
    messages.clear()
    Runner(
        config.load_data(corpus(3) | {"systems": data["systems"], "aggregate": data["aggregate"]}),
        progress=messages.append,
    ).run()
    assert "comparing 2 systems (1 pair, paired over 3 clusters)" in messages


def test_a_line_says_the_count_the_time_so_far_and_the_time_left(capsys) -> None:
    clock = FakeClock()
    progress = console_progress.ConsoleProgress(cli_module.err, clock)
    progress.start("scoring 10 clusters (ROUGE and tracking)", 10)
    clock.now += 20
    progress.update(4)
    clock.now += 5
    progress.update(5)  # under 10 s since the last line: none
    clock.now += 130
    progress.beat()
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "sumtrack: scoring 10 clusters (ROUGE and tracking)",
        "sumtrack: scoring 10 clusters (ROUGE and tracking): 4/10 done, 20 s so far, about 30 s left",
        "sumtrack: scoring 10 clusters (ROUGE and tracking): 5/10 done, 2 min 35 s so far, "
        "about 2 min 35 s left",
    ]
