"""The Ray engine on a real local Ray instance (2 CPUs), started once for this module."""

from __future__ import annotations

import functools

import pytest

from eval.options import ExecutionOptions
from eval.run.execution import generate_with_ray, map_clusters
from summarize import registry
from tests.execution_work import extract_and_score, toy
from tests.test_execution import TEXTS

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_tasks_give_the_local_numbers_bit_for_bit(local_ray):
    options = ExecutionOptions(engine="ray", workers=2, chunk_size=3)
    assert list(map_clusters(toy, range(10), options)) == [(k, toy(k)) for k in range(10)]
    work = functools.partial(extract_and_score, "lexrank")
    here = list(map_clusters(work, TEXTS, ExecutionOptions(workers=1)))
    assert list(map_clusters(work, TEXTS, options)) == here


def test_generation_as_ray_data_batches_matches_a_local_call(local_ray):
    factory = functools.partial(registry.create, "tr", "textrank", {"sentences": 2})
    local = factory().summarize(TEXTS)
    remote = generate_with_ray(factory, TEXTS, actors=2, batch_size=2)
    assert [s.text for s in remote] == [s.text for s in local]
    assert [s.system for s in remote] == ["tr"] * len(TEXTS)


def test_a_ray_session_started_here_prints_none_of_rays_notices(capfd):
    """`engine: ray` with a local instance: Ray's start-up INFO and WARNING lines are not shown to the
    user (errors still are). Runs its own short-lived instance, after the module's."""
    from eval.run.execution import ray_session

    if ray.is_initialized():
        ray.shutdown()
    with ray_session(ExecutionOptions(engine="ray", workers=1)) as session:
        assert session.is_initialized()
    assert not ray.is_initialized()  # started here, so shut down here
    err = capfd.readouterr().err
    assert " INFO " not in err and " WARNING " not in err, err
