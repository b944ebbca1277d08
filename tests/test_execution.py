from __future__ import annotations

import functools

import pytest

from eval import config
from eval.options import ExecutionOptions
from eval.run.execution import map_clusters, num_gpus_for, worker_pool
from summarize.errors import ConfigError
from tests.conftest import ARTICLE, PARAPHRASE, SUMMARY
from tests.execution_work import boom, extract_and_score, slow_then_boom, toy, warm, warmed_pid

TEXTS = [ARTICLE, "\n".join([SUMMARY, PARAPHRASE, ARTICLE])] * 3


def test_one_worker_runs_in_order_here():
    out = list(map_clusters(toy, range(10), ExecutionOptions(workers=1, chunk_size=3)))
    assert out == [(k, toy(k)) for k in range(10)]


def test_a_pool_started_beforehand_is_warmed_and_outlives_each_map():
    options = ExecutionOptions(workers=2, chunk_size=1)
    with worker_pool(options, warm=warm) as pool:
        assert pool is not None
        first = list(map_clusters(warmed_pid, range(6), options, pool=pool))
        again = list(map_clusters(warmed_pid, range(3), options, pool=pool))  # the same pool, still open
    assert [k for k, _ in first] == list(range(6)) and [k for k, _ in again] == list(range(3))
    # Every task ran in a worker whose initializer had run (and only once), never in this process.
    pids = {pid for _, (_, marked) in [*first, *again] for pid in marked}
    assert len(pids) >= 1 and all(marked for _, (_, marked) in [*first, *again])
    with worker_pool(ExecutionOptions(workers=1)) as none:
        assert none is None  # one worker: everything runs here


def test_spawned_workers_give_the_same_numbers_in_input_order():
    options = ExecutionOptions(workers=2, chunk_size=2)
    out = list(map_clusters(toy, iter(range(11)), options))  # a generator: read as results come back
    assert out == [(k, toy(k)) for k in range(11)]
    unordered = dict(map_clusters(toy, range(11), options, ordered=False))
    assert unordered == dict(out)
    work = functools.partial(extract_and_score, "textrank")
    here = list(map_clusters(work, TEXTS, ExecutionOptions(workers=1)))
    assert list(map_clusters(work, TEXTS, ExecutionOptions(workers=2, chunk_size=1))) == here


def test_an_error_in_a_worker_reaches_the_caller_after_the_results_before_it():
    got = []
    with pytest.raises(ValueError, match="cluster 5 is broken"):
        for item in map_clusters(boom, range(8), ExecutionOptions(workers=2, chunk_size=5)):
            got.append(item)
    assert got == [(k, k) for k in range(5)]


def test_a_chunk_that_fails_first_still_lets_the_chunks_before_it_through(tmp_path):
    # The failing chunk (items 5..7) finishes long before the slow first one: its error waits its turn.
    work = functools.partial(slow_then_boom, str(tmp_path / "failed"))
    got = []
    with pytest.raises(ValueError, match="cluster 5 is broken"):
        for item in map_clusters(work, range(8), ExecutionOptions(workers=2, chunk_size=5)):
            got.append(item)
    assert got == [(k, k) for k in range(5)]


def test_bad_execution_settings_name_the_value():
    with pytest.raises(ConfigError, match="expected null .*auto or ray://host:port"):
        ExecutionOptions(engine="ray", address="localhost:6379")
    with pytest.raises(ConfigError, match="only the ray engine"):
        ExecutionOptions(address="auto")
    with pytest.raises(ConfigError, match=r"execution.workers: Input should be greater than or equal to 1"):
        config.load_data({"corpus": {"jsonl": "x.jsonl"}, "execution": {"workers": 0}})
    with pytest.raises(ConfigError, match=r"execution: .*auto or ray://"):
        config.load_data({"corpus": {"jsonl": "x.jsonl"}, "execution": {"engine": "ray", "address": "x"}})
    loaded = config.load_data({"corpus": {"jsonl": "x.jsonl"}, "execution": {"engine": "ray"}})
    assert loaded.config.execution.options() == ExecutionOptions(engine="ray")


def test_num_gpus_comes_from_the_system_settings():
    class Params:
        device = "cuda:0"

    assert num_gpus_for(Params()) == 1.0
    assert num_gpus_for(object()) == 0.0

    class Explicit:
        num_gpus = 0.5
        device = "cuda"

    assert num_gpus_for(Explicit()) == 0.5
