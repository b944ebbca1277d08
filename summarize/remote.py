"""OpenAI-compatible chat servers as summarizers: requests, retries, the cache, cost (issue 8).

Any server that speaks `POST {base_url}/chat/completions` (vLLM, TGI, llama.cpp's server, Ollama,
`transformers serve`, OpenAI itself) summarizes one text per request, `concurrency` requests in flight.
Standard library only; one request on the wire is summarize/remote_http.py.

Failing fast and retrying are kept apart. Before the first request the client opens one TCP connection
to the server: a refused, unresolvable or silent endpoint fails the system within `connect_timeout`
seconds. Once the server has answered, 429, 5xx and dropped connections are retried with exponential
backoff and jitter, waiting what `Retry-After` asks where the server says, and all waits of the run,
plus the time lost to requests that timed out, never pass `max_retry_seconds` (so a server gone silent
costs about one `timeout`, not one per retry); `max_total_seconds` caps the system's whole run.

Every reply goes into the summary cache as it arrives, keyed by base_url, model, prompt, system, the
generation settings and the text's hash, so a rerun (even with the server stopped) sends nothing; a reply
without text is an error, never cached. The API key is read from the environment and only ever sent in
the Authorization header; it is no part of a cache key, a record or a message, and every message and
summary is redacted here, at the source, so a server echoing the key back cannot put it into the
console, results.json or a report (summarize/redaction.py).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from summarize.base import Summary
from summarize.errors import SumtrackError
from summarize.gen_cache import SummaryCache, make_key
from summarize.prompts import default_prompt, render, strip_artifacts
from summarize.remote_config import OpenAIParams
from summarize.remote_http import (
    Aborted,
    Endpoint,
    EndpointUnavailableError,
    Reply,
    RequestError,
    Retryable,
    parse_reply,
)

__all__ = ["EndpointUnavailableError", "OpenAISummarizer", "RequestError", "RetryBudget"]

CACHE_FORMAT = 1
# One wait never exceeds this, however many retries came before (Retry-After may ask for longer).
MAX_BACKOFF = 60.0
_RUN_INFO_FIRST = ("device", "wall_seconds", "generated_tokens_per_second", "prompt_tokens")


class _Cancelled(Exception):
    """Another request failed: this one stops instead of retrying."""


class RetryBudget:
    """The seconds a run may still spend waiting to retry, shared by all its request threads."""

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds
        self.spent = 0.0
        self.lost = 0.0  # of spent: seconds lost to requests that timed out
        self.retries = 0
        self._lock = threading.Lock()

    def take(self, seconds: float, lost: float = 0.0) -> bool:
        """Pay for one retry: `seconds` of waiting before it, plus `lost` to the attempt that timed out
        (charged even when the retry is refused: those seconds are gone)."""
        with self._lock:
            self.spent += lost
            self.remaining -= lost
            self.lost += lost
            if seconds > self.remaining:
                return False
            self.remaining -= seconds
            self.spent += seconds
            self.retries += 1
            return True


class OpenAISummarizer:
    """Summaries from an OpenAI-compatible chat server, through the on-disk cache."""

    def __init__(self, name: str, params: OpenAIParams) -> None:
        self.name = name
        self.params = params
        api_key, self._key_warnings = params.api_key()
        self.endpoint = Endpoint(params, api_key)
        self._clean = self.endpoint.redactor.clean
        self.prompt = params.prompt if params.prompt is not None else default_prompt(chat=True)
        self._cache = SummaryCache(params.cache_dir) if params.cache else None
        self._rng = random.Random(params.seed)
        self._rng_lock = threading.Lock()
        self._budget = RetryBudget(params.max_retry_seconds)
        self._stop = threading.Event()
        self._answered = threading.Event()  # some request got an HTTP answer: failures may be transient
        self._stats: dict[str, Any] = {"wall_seconds": 0.0, "documents": 0, "cached_documents": 0}
        self._stats |= {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self._stats |= {"request_seconds": 0.0, "stopped_at_max_tokens": 0, "served_model": None}
        self._probed = False
        self._counted = 0  # fresh replies whose usage gave a completion token count
        self._deadline: float | None = None  # when max_total_seconds runs out (monotonic clock)

    # -- requests --------------------------------------------------------------------------------------

    def messages(self, text: str) -> list[dict[str, str]]:
        """The chat messages for one text: the optional system message, then the prompt with the text."""
        # The pipeline hands over one sentence per line; a chat model reads prose.
        user = render(self.prompt, " ".join(text.split()))
        system = [{"role": "system", "content": self.params.system}] if self.params.system else []
        return [*system, {"role": "user", "content": user}]

    def body(self, text: str) -> bytes:
        p = self.params
        body: dict[str, Any] = {
            "model": p.model,
            "messages": self.messages(text),
            "max_tokens": p.max_tokens,
            "temperature": p.temperature,
            "stream": False,
        }
        if p.seed is not None:
            body["seed"] = p.seed
        if p.stop:
            body["stop"] = list(p.stop)
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half the step fixed, half drawn at random."""
        step = min(MAX_BACKOFF, self.params.backoff_seconds * 2**attempt)
        with self._rng_lock:
            return step / 2 + self._rng.uniform(0, step / 2)

    def _time_left(self, label: str) -> float | None:
        """Seconds left under max_total_seconds (None: no cap); RequestError once none are."""
        if self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise RequestError(
                f"{label}: {self.endpoint.url}: max_total_seconds {self.params.max_total_seconds:g} "
                "passed before it was answered (the summaries that arrived are cached; a rerun sends "
                "only the rest)"
            )
        return left

    def _request_or_stop(self, label: str, body: bytes) -> Reply:
        """_request, stopping the queued requests at once when it fails (not only once the caller sees it)."""
        try:
            return self._request(label, body)
        except _Cancelled:
            raise
        except BaseException:
            self._stop.set()
            raise

    def _request(self, label: str, body: bytes) -> Reply:
        p, url = self.params, self.endpoint.url
        attempt = 0
        while True:
            if self._stop.is_set():
                raise _Cancelled
            left = self._time_left(label)
            started = time.perf_counter()
            try:
                answer = self.endpoint.post(body, left)
                self._answered.set()
                return parse_reply(answer, time.perf_counter() - started, url, self.endpoint.redactor)
            except Aborted:
                raise _Cancelled from None
            except Retryable as exc:
                if self._stop.is_set():
                    raise _Cancelled from None
                self._time_left(label)  # the total cap, not the timeout, may be what cut it short
                if exc.status is not None:
                    self._answered.set()
                elif not self._answered.is_set():
                    # Until the server has answered once, silence means it is not there: fail now.
                    raise EndpointUnavailableError(f"{url} does not answer: {exc}") from None
                if attempt >= p.max_retries:
                    raise RequestError(
                        f"{label}: {url}: {exc} (gave up after {attempt + 1} attempts; "
                        f"max_retries {p.max_retries})"
                    ) from None
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                # A request that timed out cost its whole timeout: that counts as retry time too, so a
                # server gone silent costs about one timeout, not (max_retries + 1) of them.
                lost = time.perf_counter() - started if exc.timed_out else 0.0
                if not self._budget.take(wait, lost):
                    spent = f"{wait:.1f} s more" + (f" after {lost:.1f} s lost to it" if lost else "")
                    raise RequestError(
                        f"{label}: {url}: {exc}; waiting {spent} would pass max_retry_seconds "
                        f"{p.max_retry_seconds:g} (already spent {self._budget.spent:.1f} s)"
                    ) from None
                left = self._time_left(label)
                if left is not None and wait >= left:
                    raise RequestError(
                        f"{label}: {url}: {exc}; waiting {wait:.1f} s to retry would pass "
                        f"max_total_seconds {p.max_total_seconds:g}"
                    ) from None
                if self._stop.wait(wait):
                    raise _Cancelled from None
                attempt += 1
                continue
            except RequestError as exc:
                self._answered.set()
                raise RequestError(f"{label}: {exc}") from None

    def _key_parts(self) -> dict[str, Any]:
        p = self.params
        return {
            "format": CACHE_FORMAT,
            "api": "openai-chat",
            "base_url": p.base_url,
            "model": p.model,
            "prompt": self.prompt,
            "system": p.system,
            "max_tokens": p.max_tokens,
            "temperature": p.temperature,
            "seed": p.seed,
            "stop": list(p.stop),
        }

    def _fetch(self, texts: Sequence[str], labels: Sequence[str]) -> list[Reply]:
        parts = self._key_parts()
        keys = [make_key(parts, text) for text in texts]
        cache = self._cache
        hits = cache.get_many(keys) if cache is not None else {}
        # A row cached before replies were redacted may hold the key a server echoed: masked here too.
        secrets = self.endpoint.redactor.secrets

        def cached(text: str, meta: dict[str, Any]) -> Reply:
            return Reply.from_meta(secrets(text), meta)

        results: list[Reply | None] = [
            cache.build(hits[k], cached) if cache is not None and k in hits else None for k in keys
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            if not self._probed:
                self.endpoint.probe()
                self._probed = True
            self._send(missing, texts, labels, keys, results)
        return [r for r in results if r is not None]

    def _send(
        self,
        missing: list[int],
        texts: Sequence[str],
        labels: Sequence[str],
        keys: list[str],
        results: list[Reply | None],
    ) -> None:
        self._stop.clear()
        if self.params.max_total_seconds is not None and self._deadline is None:
            self._deadline = time.monotonic() + self.params.max_total_seconds
        stored: set[int] = set()

        def store(i: int, reply: Reply) -> None:
            results[i] = reply
            stored.add(i)
            self._count(reply)
            if self._cache is not None:
                self._cache.put_many([(keys[i], reply.text, reply.meta())])

        workers = min(self.params.concurrency, len(missing))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"sumtrack-{self.name}")
        futures: dict[Future[Reply], int] = {
            pool.submit(self._request_or_stop, labels[i], self.body(texts[i])): i for i in missing
        }
        try:
            for future in as_completed(futures):
                store(futures[future], future.result())
        except BaseException as exc:
            # Stop retries and queued requests, let those in flight finish (a Ctrl-C cuts them off), and
            # keep every reply that arrived: a rerun sends only the rest.
            self._stop.set()
            if not isinstance(exc, Exception):
                self.endpoint.abort_all()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, i in futures.items():
                finished = future.done() and not future.cancelled()
                if i not in stored and finished and future.exception() is None:
                    store(i, future.result())
            if isinstance(exc, _Cancelled):
                # A request that saw the stop finished before the one that failed and set it: the
                # failure, not the cancellation, is what the run must report.
                raise _first_failure(futures) or exc from None
            raise
        finally:
            pool.shutdown(wait=True)

    def _count(self, reply: Reply) -> None:
        self._counted += reply.completion_tokens is not None
        self._stats["requests"] += 1
        self._stats["prompt_tokens"] += reply.prompt_tokens or 0
        self._stats["completion_tokens"] += reply.completion_tokens or 0
        self._stats["request_seconds"] += reply.seconds
        self._stats["stopped_at_max_tokens"] += reply.finish_reason == "length"
        self._stats["served_model"] = reply.served_model or self._stats["served_model"]

    # -- the Summarizer protocol ------------------------------------------------------------------------

    def summarize(self, texts: Sequence[str]) -> list[Summary]:
        return self._summaries(texts, [f"text {i + 1}" for i in range(len(texts))])

    def summarize_clusters(self, ids: Sequence[str], texts: Sequence[str]) -> list[Summary]:
        """As summarize, with errors naming the cluster."""
        return self._summaries(texts, [f"cluster {cid!r}" for cid in ids])

    def _summaries(self, texts: Sequence[str], labels: Sequence[str]) -> list[Summary]:
        started = time.perf_counter()
        try:
            replies = self._fetch(texts, labels)
        except SumtrackError as exc:
            # Every message is cleaned here, at the source, whatever built it: no key, no URL
            # credentials, one line. The runner writes it to the console, results.json and the reports.
            raise _cleaned(exc, self._clean) from None
        except Exception as exc:  # any other failure: one line naming it, cleaned too
            raise RequestError(self._clean(f"{type(exc).__name__}: {exc}")) from None
        finally:
            self._stats["wall_seconds"] += time.perf_counter() - started
        summaries = [self._summary(r) for r in replies]
        self._stats["documents"] += len(summaries)
        self._stats["cached_documents"] += sum(s.cached for s in summaries)
        return summaries

    def _summary(self, reply: Reply) -> Summary:
        return Summary(
            text=strip_artifacts(reply.text, self.params.stop),
            system=self.name,
            settings=self.settings(),
            input_tokens=reply.prompt_tokens,
            total_tokens=reply.prompt_tokens,
            generated_tokens=reply.completion_tokens,
            seconds=0.0 if reply.cached else reply.seconds,
            cached=reply.cached,
        )

    # -- reporting ------------------------------------------------------------------------------------

    @property
    def warnings(self) -> list[str]:
        """What went wrong without failing the system (a key stripped of whitespace, unreadable
        summary-cache rows), for the run."""
        return [*self._key_warnings, *(self._cache.problems if self._cache is not None else [])]

    def settings(self) -> dict[str, Any]:
        """What shapes the output (the cache key's parts); the API key never, only the variable's name."""
        parts = {k: v for k, v in self._key_parts().items() if k not in ("format", "api")}
        return parts | {"api_key_env": self.params.api_key_env}

    def run_info(self) -> dict[str, Any]:
        """Cost first (what the console shows), then the figures behind it; plain JSON values."""
        stats = self._stats
        fresh_seconds = stats["wall_seconds"] if stats["requests"] else 0.0
        # No rate where no reply said what it generated: 0 tokens/s would be a number no server gave.
        rate = stats["completion_tokens"] / fresh_seconds if fresh_seconds > 0 and self._counted else None
        info: dict[str, Any] = {
            "device": f"remote {self.endpoint.host}:{self.endpoint.port}",
            "generated_tokens_per_second": round(rate, 2) if rate is not None else None,
            "generated_tokens": stats["completion_tokens"],
        }
        info |= {key: round(v, 4) if isinstance(v, float) else v for key, v in stats.items()}
        info["retries"] = self._budget.retries
        info["retry_wait_seconds"] = round(self._budget.spent - self._budget.lost, 4)
        info["timed_out_seconds"] = round(self._budget.lost, 4)
        info["concurrency"] = self.params.concurrency
        info |= self.settings()
        info["warnings"] = list(self.warnings)
        return {key: info[key] for key in _RUN_INFO_FIRST if key in info} | info


def create(name: str, params: OpenAIParams) -> OpenAISummarizer:
    """The `openai` system type's factory (summarize.registry names it by string)."""
    return OpenAISummarizer(name, params)


def _first_failure(futures: dict[Future[Reply], int]) -> BaseException | None:
    """The first failure (in corpus order) among finished requests that was not a cancellation."""
    for future in sorted(futures, key=futures.__getitem__):
        if future.done() and not future.cancelled():
            failure = future.exception()
            if failure is not None and not isinstance(failure, _Cancelled):
                return failure
    return None


def _cleaned(exc: SumtrackError, clean: Any) -> SumtrackError:
    """The same error with its message cleaned (every SumtrackError takes its message alone)."""
    try:
        return type(exc)(clean(str(exc)))
    except TypeError:
        return RequestError(clean(str(exc)))
