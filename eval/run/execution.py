"""Where per-cluster work runs: this process, worker processes on this machine, or Ray tasks (issue 12).

`map_clusters(fn, items, options)` applies a picklable function to every item and yields `(index, result)`
pairs. The local engine sends chunks of items to `workers` spawned processes (spawn: no forked copy of a
driver holding torch threads or open files); the Ray engine sends the same chunks as Ray tasks, to a local
Ray instance (`address: null`) or a cluster (`auto`, `ray://host:port`). Both run the same `_run_chunk` on
the same chunks, so the numbers are the same bit for bit whichever engine ran them. Only a bounded number of
chunks is in flight, so a generator of items is read as results come back and memory stays flat.

`generate_with_ray` runs one summarizer over texts as Ray Data `map_batches` on a pool of actors: each actor
builds the summarizer (loads the model) once and then summarizes batch after batch.

Ray is an optional extra (`pip install "sumtrack[ray]"`) and imported only when the Ray engine is used.
A function that needs heavy state (a model, an embedder) should keep it in a module-level cache built on
first use, so each worker process loads it once, not once per chunk.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from eval.options import ExecutionOptions
from summarize.errors import ConfigError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")


def _nothing() -> None:
    """A task that only makes a worker start (and run the pool's initializer)."""


@contextlib.contextmanager
def worker_pool(
    options: ExecutionOptions, warm: Callable[[], Any] | None = None
) -> Iterator[ProcessPoolExecutor | None]:
    """The local engine's worker processes, started now (None with one worker or on Ray): a caller that
    opens the pool before its own preparation (reading, cleaning, embedding) has the workers spawned,
    imported and, with `warm` (picklable, run once in each worker as it starts), their scorers built by
    the time the first cluster is sent. Pass it to `map_clusters` as `pool`."""
    if options.engine != "local" or options.worker_count == 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(options.worker_count, mp_context=context, initializer=warm) as pool:
        for _ in range(options.worker_count):
            pool.submit(_nothing)
        yield pool


def _run_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    return [fn(item) for item in chunk]


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _chunk_size(options: ExecutionOptions, items: Iterable[Any]) -> int:
    if options.chunk_size is not None:
        return max(1, options.chunk_size)
    if isinstance(items, Sequence):
        return max(1, min(64, -(-len(items) // (4 * options.worker_count))))
    return 16


def map_clusters(
    fn: Callable[[T], R],
    items: Iterable[T],
    options: ExecutionOptions = ExecutionOptions(),
    *,
    ordered: bool = True,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[tuple[int, R]]:
    """`(index, fn(item))` for every item, index counting from 0 in input order.

    `ordered=True` yields in input order (results that finish early wait, at most the in-flight window);
    `ordered=False` yields each chunk as soon as it finishes. `fn` must be picklable (a module-level
    function or a `functools.partial` of one) when more than one worker or Ray runs it. An exception raised
    by `fn` ends the iteration there; what was yielded before is the caller's to keep. `pool`: the local
    engine's workers started beforehand (`worker_pool`), left running when the iteration ends.
    """
    size = _chunk_size(options, items)
    chunks = enumerate(_chunks(items, size))
    if options.engine == "ray":
        done = _ray_chunks(fn, chunks, options)
    elif options.worker_count == 1:
        done = ((k, _run_chunk(fn, chunk)) for k, chunk in chunks)
    else:
        done = _process_chunks(fn, chunks, options.worker_count, pool)
    yield from _flatten(_in_order(done) if ordered else done, size)


@dataclass(frozen=True)
class _Failed:
    """A chunk whose function raised: held until its turn, so every result before it is yielded first."""

    error: BaseException


def _flatten(done: Iterable[tuple[int, list[R] | _Failed]], size: int) -> Iterator[tuple[int, R]]:
    for k, results in done:
        if isinstance(results, _Failed):
            raise results.error
        for offset, result in enumerate(results):
            yield k * size + offset, result


def _in_order(done: Iterable[tuple[int, list[R] | _Failed]]) -> Iterator[tuple[int, list[R] | _Failed]]:
    waiting: dict[int, list[R] | _Failed] = {}
    following = 0
    for k, results in done:
        waiting[k] = results
        while following in waiting:
            yield following, waiting.pop(following)
            following += 1


def _process_chunks(
    fn: Callable[[Any], Any],
    chunks: Iterator[tuple[int, list[Any]]],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[tuple[int, list[Any] | _Failed]]:
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(worker_pool(ExecutionOptions(workers=workers)))
        assert pool is not None  # more than one worker: map_clusters runs one worker here
        yield from _submitted(pool, fn, chunks, 2 * workers)


def _submitted(
    pool: ProcessPoolExecutor, fn: Callable[[Any], Any], chunks: Iterator[tuple[int, list[Any]]], window: int
) -> Iterator[tuple[int, list[Any] | _Failed]]:
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    pending: dict[Future[list[Any]], int] = {}
    try:
        for k, chunk in islice(chunks, window):
            pending[pool.submit(_run_chunk, fn, chunk)] = k
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=pending.__getitem__):
                k = pending.pop(future)
                for k_next, chunk in islice(chunks, 1):
                    pending[pool.submit(_run_chunk, fn, chunk)] = k_next
                error = future.exception()
                yield k, (_Failed(error) if error is not None else future.result())
    finally:
        for future in pending:  # a caller that stops early: the pool may outlive this iteration
            future.cancel()


@contextlib.contextmanager
def ray_session(options: ExecutionOptions) -> Iterator[Any]:
    """The `ray` module, initialised for `options`; a Ray instance started here is shut down on exit."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            f"execution.engine: ray needs the ray package (pip install 'sumtrack[ray]'): {exc}"
        ) from None
    if ray.is_initialized():
        yield ray
        return
    # Ray's own start-up notices (INFO and WARNING lines on stderr) are not the user's business here; its
    # errors still show.
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.ERROR,
    }
    if options.address is None:
        kwargs["num_cpus"] = options.worker_count
    else:
        kwargs["address"] = options.address
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = options.address or "a local Ray instance"
        raise ConfigError(f"execution.address: cannot start or join {where}: {exc}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def _ray_chunks(
    fn: Callable[[Any], Any], chunks: Iterator[tuple[int, list[Any]]], options: ExecutionOptions
) -> Iterator[tuple[int, list[Any] | _Failed]]:
    with ray_session(options) as ray:
        remote = ray.remote(_run_chunk)
        fn_ref = ray.put(fn)  # shipped once, not with every chunk
        window = 2 * options.worker_count
        pending: dict[Any, int] = {}
        for k, chunk in islice(chunks, window):
            pending[remote.remote(fn_ref, chunk)] = k
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            for ref in finished:
                k = pending.pop(ref)
                for k_next, chunk in islice(chunks, 1):
                    pending[remote.remote(fn_ref, chunk)] = k_next
                outcome: list[Any] | _Failed
                try:
                    outcome = ray.get(ref)
                except Exception as error:  # a task's error is re-raised when its turn comes
                    outcome = _Failed(error)
                yield k, outcome


def num_gpus_for(params: Any) -> float:
    """GPUs one generation actor needs: the system's own `num_gpus` setting, else 1 for a cuda device."""
    value = getattr(params, "num_gpus", None)
    if value is not None:
        return float(value)
    device = str(getattr(params, "device", "") or "")
    return 1.0 if device.startswith("cuda") else 0.0


class _SummarizeActor:
    """One Ray Data actor: builds its summarizer once, then summarizes every batch it is given."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.summarizer = factory()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        summaries = self.summarizer.summarize([str(t) for t in batch["text"]])
        if len(summaries) != len(batch["text"]):
            raise RuntimeError(f"returned {len(summaries)} summaries for {len(batch['text'])} texts")
        return {"index": batch["index"], "summary": [pickle.dumps(s) for s in summaries]}


def generate_with_ray(
    factory: Callable[[], Any],
    texts: Sequence[str],
    options: ExecutionOptions = ExecutionOptions(engine="ray"),
    *,
    actors: int = 1,
    batch_size: int = 16,
    num_gpus: float = 0.0,
) -> list[Any]:
    """`factory().summarize(texts)` run as Ray Data `map_batches` over `actors` actors; same order as texts.

    `factory` (e.g. `functools.partial(registry.create, name, type, params)`) is called once per actor, so
    a model is loaded once per actor; `num_gpus` (see `num_gpus_for`) is reserved per actor.
    """
    if not texts:
        return []
    with ray_session(options) as ray:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the library never prints; this context is this driver's
        items = [{"index": k, "text": t} for k, t in enumerate(texts)]
        dataset = ray.data.from_items(items).map_batches(
            _SummarizeActor,
            fn_constructor_args=(factory,),
            batch_size=batch_size,
            concurrency=actors,
            num_gpus=num_gpus or None,
            batch_format="numpy",
        )
        out: list[Any] = [None] * len(texts)
        for row in dataset.iter_rows():
            out[int(row["index"])] = pickle.loads(row["summary"])
    return out
