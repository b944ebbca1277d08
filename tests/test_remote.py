"""`type: openai` against real servers: `transformers serve` over a tiny Llama, and a scripted local
HTTP server (http.server on 127.0.0.1) for retries, Retry-After, the retry cap and the API key.

Nothing here mocks the HTTP layer: every request crosses a real socket to a real server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from eval import config
from eval.cli import main
from eval.output.folder import write_run
from eval.run.result import RunResult
from eval.run.runner import Runner
from summarize import registry
from summarize.errors import ConfigError, ModelUnavailableError
from summarize.gen_cache import SummaryCache, make_key
from summarize.remote import OpenAISummarizer, RequestError
from summarize.remote_http import parse_retry_after
from tests.conftest import ARTICLE, SUMMARY, UNRELATED
from tests.tiny_causal_server import Serve, build_llama, free_port

KEY = "sk-test-0123456789abcdefSECRET"


# -- a scripted local server ---------------------------------------------------------------------------


class Scripted:
    """A real HTTP server on 127.0.0.1: answers requests from `script` in order, then 200s.

    A step is (status, headers, body) or "drop" (close the connection without answering). A 200 answer
    is a chat completion whose text names the start of the user message, so order can be checked.
    """

    MAX_REQUESTS = 200  # a runaway client gets 500s, never an endless loop

    def __init__(self, script: list[Any] | None = None, *, barrier: int = 0, reply: str | None = None):
        self.script = list(script or [])
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.reply = reply
        self.lock = threading.Lock()
        # A gate that opens for good once `barrier` requests are in flight together: the first requests wait
        # for it, so only a client keeping that many in flight gets its first answer; no later request waits.
        self.barrier = barrier
        self.gate = threading.Event()
        if not barrier:
            self.gate.set()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                owner.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        body = json.loads(request.rfile.read(length))
        with self.lock:
            self.requests.append({"path": request.path, "headers": dict(request.headers), "body": body})
            step = self.script.pop(0) if self.script else None
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if self.in_flight >= self.barrier:
                self.gate.set()
            too_many = len(self.requests) > self.MAX_REQUESTS
        try:
            self.gate.wait(
                timeout=120
            )  # a guard against a hung test only; the assertion is on most_in_flight
            if step == "drop":
                request.close_connection = True
                request.connection.close()
                return
            if too_many:
                step = (500, {}, {"error": {"message": "too many requests in one test"}})
            status, headers, answer = step or (200, {}, self.completion(body))
            data = json.dumps(answer).encode()
            request.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        finally:
            with self.lock:
                self.in_flight -= 1

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        user = body["messages"][-1]["content"]
        text = self.reply if self.reply is not None else "Echo: " + " ".join(user.split()[-6:])
        return {
            "id": "x",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": len(user.split()), "completion_tokens": 7, "total_tokens": 0},
        }

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def openai(base_url: str, tmp_path: Path, **settings: Any) -> OpenAISummarizer:
    params = {"base_url": base_url, "model": "m", "cache_dir": str(tmp_path / "cache")} | settings
    summarizer = registry.create("remote", "openai", params)
    assert isinstance(summarizer, OpenAISummarizer)
    return summarizer


def run_config(systems: list[dict[str, Any]], tmp_path: Path, clusters: int = 2) -> RunResult:
    texts = [ARTICLE, UNRELATED, SUMMARY][:clusters]
    data = {
        "corpus": {
            "clusters": [
                {"id": f"c{i}", "source": {"id": "source", "text": t}} for i, t in enumerate(texts, 1)
            ]
        },
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}, *systems],
        "tracking": {"enabled": False},
        "aggregate": {"bootstrap": 0},
    }
    loaded = config.load_data(data, path=tmp_path / "config.yaml")
    return Runner(loaded).run()


# -- a real `transformers serve` ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    torch.set_num_threads(1)
    return build_llama(tmp_path_factory.mktemp("llama") / "tiny-llama")


def test_transformers_serve_summarizes_then_a_stopped_server_is_served_from_the_cache(
    tiny_llama: Path, tmp_path: Path
) -> None:
    serve = Serve(tiny_llama, tmp_path / "serve.log").start()
    system = {
        "name": "served",
        "type": "openai",
        "base_url": serve.base_url,
        "model": str(tiny_llama),
        "max_tokens": 8,
        "concurrency": 2,
        "system": "You summarize news.",
        "cache_dir": str(tmp_path / "cache"),
    }
    try:
        first = run_config([system], tmp_path)
    finally:
        serve.stop()
    (run,) = [s for s in first.systems if s.name == "served"]
    assert run.status == "ok", run.error
    summaries = {c: s for c, s, _ in first.summaries if s.system == "served"}
    assert set(summaries) == {"c1", "c2"}
    for summary in summaries.values():
        assert summary.text.strip() and not summary.cached
        assert summary.generated_tokens is not None and 0 < summary.generated_tokens <= 8
        assert summary.input_tokens is not None and summary.input_tokens > 10
        assert summary.settings["system"] == "You summarize news."
    assert run.info["requests"] == 2 and run.info["cached_documents"] == 0
    assert run.info["completion_tokens"] == sum(s.generated_tokens or 0 for s in summaries.values())
    assert run.info["generated_tokens_per_second"] > 0
    assert str(run.info["served_model"]).startswith(str(tiny_llama))
    assert {r.candidate for r in first.scores} >= {"served", "lead-1"}

    assert serve.process is not None and serve.process.poll() is not None  # the server is gone
    second = run_config([system], tmp_path)
    (run,) = [s for s in second.systems if s.name == "served"]
    assert run.status == "ok", run.error
    again = {c: s for c, s, _ in second.summaries if s.system == "served"}
    assert {c: s.text for c, s in again.items()} == {c: s.text for c, s in summaries.items()}
    assert all(s.cached for s in again.values())
    assert run.info["requests"] == 0 and run.info["cached_documents"] == 2
    # A cached summary still reports what it cost when it was made.
    assert [s.generated_tokens for s in again.values()] == [s.generated_tokens for s in summaries.values()]


def test_an_unreachable_endpoint_fails_its_system_in_one_line_and_the_others_are_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative output.dir is in the current directory
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        json.dumps(
            {
                "corpus": {"clusters": [{"id": "c1", "source": {"text": ARTICLE}}]},
                "systems": [
                    {"name": "lead-1", "type": "lead", "sentences": 1},
                    {"name": "nowhere", "type": "openai", "base_url": url, "model": "m", "cache": False},
                ],
                "output": {"dir": "run"},
            }
        )
    )
    code = main(["run", str(cfg)])
    err = capsys.readouterr().err
    named = [line for line in err.splitlines() if "nowhere" in line and "summarizing" not in line]
    assert len(named) == 1, err
    assert url in named[0] and "does not answer" in named[0] and "connection refused" in named[0]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    status = {s["name"]: s["status"] for s in results["systems"]}
    assert status == {"lead-1": "ok", "nowhere": "unavailable"}
    assert {r["candidate"] for r in results["scores"]} == {"lead-1"}
    assert code == 0  # like an unavailable hub model: the others' results are what was asked for


def test_with_on_error_stop_an_unreachable_endpoint_stops_the_run(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    data = {
        "corpus": {"clusters": [{"id": "c1", "source": {"text": ARTICLE}}]},
        "systems": [{"name": "nowhere", "type": "openai", "base_url": url, "model": "m", "cache": False}],
        "on_error": "stop",
    }
    result = Runner(config.load_data(data, path=tmp_path / "c.yaml")).run()
    assert result.stopped is not None and "nowhere" in result.stopped and url in result.stopped


def test_an_unresolvable_host_is_unavailable(tmp_path: Path) -> None:
    summarizer = openai("http://no-such-host.invalid:8000/v1", tmp_path, cache=False)
    with pytest.raises(ModelUnavailableError, match=r"no-such-host\.invalid.*does not answer"):
        summarizer.summarize([ARTICLE])


def test_a_server_that_accepts_but_never_answers_fails_after_one_timeout_not_after_retries(
    tmp_path: Path,
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel completes connections; nothing ever reads or answers them
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        summarizer = openai(url, tmp_path, timeout=0.5, backoff_seconds=0.01)
        with pytest.raises(
            ModelUnavailableError, match=r"does not answer: no complete answer within timeout 0\.5 s"
        ):
            summarizer.summarize([ARTICLE])
        listener.setblocking(False)
        connections = []
        with contextlib.suppress(BlockingIOError):
            while True:
                connections.append(listener.accept()[0])
        assert len(connections) == 2  # the probe and one request: no retry before a first answer
        for connection in connections:
            connection.close()
    finally:
        listener.close()


def test_a_dropped_first_connection_is_not_retried(tmp_path: Path) -> None:
    with Scripted(["drop"]) as server:
        summarizer = openai(server.base_url, tmp_path, backoff_seconds=0.01)
        with pytest.raises(ModelUnavailableError, match=r"does not answer: connection failed"):
            summarizer.summarize([ARTICLE])
    assert len(server.requests) == 1


# -- retries ---------------------------------------------------------------------------------------------


def test_429_with_retry_after_then_503_then_a_dropped_connection_are_retried(tmp_path: Path) -> None:
    script = [
        (429, {"Retry-After": "1"}, {"error": {"message": "slow down"}}),
        (503, {}, {"error": {"message": "loading"}}),
        "drop",
    ]
    with Scripted(script) as server:
        summarizer = openai(server.base_url, tmp_path, backoff_seconds=0.05)
        (summary,) = summarizer.summarize([ARTICLE])
    assert len(server.requests) == 4
    assert summary.text.startswith("Echo:") and summary.generated_tokens == 7
    info = summarizer.run_info()
    assert info["retries"] == 3 and info["requests"] == 1
    # Retry-After asked for 1 s; then backoff steps of 0.1 and 0.2 s, each waited half fixed, half jittered.
    assert 1.0 + 0.05 + 0.1 <= info["retry_wait_seconds"] <= 1.0 + 0.1 + 0.2


def test_retry_after_past_the_cap_gives_up_at_once(tmp_path: Path) -> None:
    with Scripted([(429, {"Retry-After": "30"}, {})]) as server:
        summarizer = openai(server.base_url, tmp_path, max_retry_seconds=2)
        with pytest.raises(
            RequestError, match=r"HTTP 429.*waiting 30\.0 s more would pass max_retry_seconds 2"
        ):
            summarizer.summarize([ARTICLE])
    assert len(server.requests) == 1


def test_the_total_retry_time_is_capped(tmp_path: Path) -> None:
    always = [(503, {}, {"error": {"message": "overloaded"}})] * 100
    with Scripted(always) as server:
        summarizer = openai(
            server.base_url, tmp_path, backoff_seconds=0.1, max_retries=50, max_retry_seconds=0.5
        )
        with pytest.raises(RequestError, match=r"overloaded.*would pass max_retry_seconds 0\.5"):
            summarizer.summarize([ARTICLE])
    info = summarizer.run_info()
    assert info["retry_wait_seconds"] <= 0.5
    assert len(server.requests) == info["retries"] + 1 >= 3


def test_max_retries_bounds_the_attempts(tmp_path: Path) -> None:
    with Scripted([(500, {}, {"detail": "boom"})] * 10) as server:
        summarizer = openai(server.base_url, tmp_path, backoff_seconds=0.01, max_retries=2)
        with pytest.raises(RequestError, match=r"text 1: .*HTTP 500.*boom.*gave up after 3 attempts"):
            summarizer.summarize([ARTICLE])
    assert len(server.requests) == 3


def test_a_refusal_is_not_retried_and_says_what_to_check(tmp_path: Path) -> None:
    with Scripted([(401, {}, {"error": {"message": "invalid api key"}})]) as server:
        summarizer = openai(server.base_url, tmp_path)
        with pytest.raises(RequestError, match=r"HTTP 401.*invalid api key; check the key"):
            summarizer.summarize([ARTICLE])
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("1e308", 86_400.0),
        ("inf", 86_400.0),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now) == 0.0


# -- requests, order, concurrency, cache ----------------------------------------------------------------


def test_requests_run_concurrently_and_summaries_keep_their_order(tmp_path: Path) -> None:
    texts = [f"Text number {i} is about topic{i}." for i in range(6)]
    # The server holds each request until a second one arrives: only a client with two in flight passes.
    with Scripted(barrier=2) as server:
        summarizer = openai(server.base_url, tmp_path, concurrency=2)
        summaries = summarizer.summarize(texts)
    assert server.most_in_flight == 2
    assert [s.text for s in summaries] == [f"Echo: Text number {i} is about topic{i}." for i in range(6)]
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/v1/chat/completions"
    assert body["model"] == "m" and body["temperature"] == 0 and body["seed"] == 0
    assert body["max_tokens"] == 256 and body["stream"] is False
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_the_cache_key_follows_prompt_system_and_settings(tmp_path: Path) -> None:
    with Scripted() as server:
        (first,) = openai(server.base_url, tmp_path).summarize([ARTICLE])
        (again,) = openai(server.base_url, tmp_path).summarize([ARTICLE])
        assert len(server.requests) == 1
        assert again.cached and not first.cached and again.text == first.text
        variants: list[dict[str, Any]] = [
            {"prompt": "Summarize briefly:\n{text}"},
            {"system": "Be terse."},
            {"model": "other"},
            {"max_tokens": 64},
            {"temperature": 0.7},
            {"seed": 1},
            {"stop": ["\n\n"]},
        ]
        for n, settings in enumerate(variants, 2):
            openai(server.base_url, tmp_path, **settings).summarize([ARTICLE])
            assert len(server.requests) == n, settings
    # The same settings on another server: another cache entry too.
    with Scripted() as other:
        openai(other.base_url, tmp_path).summarize([ARTICLE])
        assert len(other.requests) == 1
    system_body = server.requests[2]["body"]["messages"]
    assert system_body[0] == {"role": "system", "content": "Be terse."}


def test_replies_that_arrived_are_kept_when_a_later_request_fails(tmp_path: Path) -> None:
    texts = ["First text here.", "Second text here.", "Third text here."]
    with Scripted([None, None, (400, {}, {"error": {"message": "context too long"}})]) as server:
        summarizer = openai(server.base_url, tmp_path, concurrency=1)
        with pytest.raises(RequestError, match=r"text 3: .*HTTP 400.*context too long"):
            summarizer.summarize(texts)
        assert len(server.requests) == 3
        summaries = openai(server.base_url, tmp_path, concurrency=1).summarize(texts)
    assert len(server.requests) == 4  # only the text that failed is sent again
    assert [s.cached for s in summaries] == [True, True, False]


def test_a_request_waiting_to_retry_when_another_fails_leaves_that_failure_as_the_error(
    tmp_path: Path,
) -> None:
    # One request is told to retry in 5 s; the other is refused. The waiting one wakes up cancelled (it
    # may finish first): the error is the refusal, never the cancellation.
    script = [(503, {"Retry-After": "5"}, {}), (400, {}, {"error": {"message": "context too long"}})]
    with Scripted(script, barrier=2) as server:
        summarizer = openai(server.base_url, tmp_path, concurrency=2)
        with pytest.raises(RequestError, match=r"HTTP 400 Bad Request: context too long"):
            summarizer.summarize(["First text here.", "Second text here."])
    assert len(server.requests) == 2


def test_the_failure_not_a_cancellation_is_reported_when_the_cancelled_request_ends_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summarizer = openai("http://127.0.0.1:9/v1", tmp_path, concurrency=2, cache=False)
    real = summarizer._request

    def request(label: str, body: bytes) -> Any:
        if label == "text 1":  # fails, and stops the others before its own future is done
            summarizer._stop.set()
            threading.Event().wait(0.5)
            raise RequestError("text 1: refused")
        return real(label, body)  # sees the stop at once: cancelled, and done first

    monkeypatch.setattr(summarizer, "_request", request)
    monkeypatch.setattr(summarizer.endpoint, "probe", lambda: None)
    with pytest.raises(RequestError, match=r"^text 1: refused$"):
        summarizer.summarize(["First text here.", "Second text here."])


def test_lead_ins_and_chat_tokens_are_stripped(tmp_path: Path) -> None:
    with Scripted(reply="Here is a summary of the article:\nThe council voted.<|eot_id|>") as server:
        (summary,) = openai(server.base_url, tmp_path).summarize([ARTICLE])
    assert summary.text == "The council voted."


# -- the API key ----------------------------------------------------------------------------------------


def test_the_api_key_is_sent_as_a_bearer_token_and_written_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMTRACK_TEST_KEY", KEY)
    system = {"name": "keyed", "type": "openai", "model": "m", "api_key_env": "SUMTRACK_TEST_KEY"}
    system["cache_dir"] = str(tmp_path / "cache")
    with Scripted() as server:
        system["base_url"] = server.base_url
        data = {
            "corpus": {"clusters": [{"id": "c1", "source": {"text": ARTICLE}}]},
            "systems": [system],
        }
        loaded = config.load_data(data, path=tmp_path / "config.yaml")
        result = Runner(loaded).run()
    assert result.ok, result.systems
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    written = write_run(result, loaded, tmp_path / "run")
    files = [*written, *(tmp_path / "cache").rglob("*")]
    assert any(p.name.startswith("summaries.sqlite") for p in files)
    for path in files:
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    # What is recorded is the variable's name, so a rerun knows where the key came from.
    assert b"SUMTRACK_TEST_KEY" in (tmp_path / "run" / "results.json").read_bytes()


def test_a_cached_row_holding_the_key_or_bad_figures_is_served_masked_and_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A row written before replies were redacted (or damaged): the key a server echoed, a negative
    # token count, seconds that are not a number.
    monkeypatch.setenv("SUMTRACK_TEST_KEY", KEY)
    summarizer = openai("http://127.0.0.1:9/v1", tmp_path, api_key_env="SUMTRACK_TEST_KEY")
    key = make_key(summarizer._key_parts(), ARTICLE)
    meta = {"completion_tokens": -3, "prompt_tokens": 12, "seconds": "soon", "served_model": 5}
    SummaryCache(tmp_path / "cache").put_many([(key, f"It said Bearer {KEY} to us.", meta)])
    (summary,) = summarizer.summarize([ARTICLE])  # nothing listens on port 9: served from the cache
    assert summary.cached and summary.text == "It said Bearer *** to us."
    assert summary.generated_tokens is None and summary.input_tokens == 12


def test_an_unset_key_variable_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMTRACK_NO_SUCH_KEY", raising=False)
    with pytest.raises(
        ConfigError, match="api_key_env 'SUMTRACK_NO_SUCH_KEY': that environment variable is not set"
    ):
        openai("http://127.0.0.1:9/v1", tmp_path, api_key_env="SUMTRACK_NO_SUCH_KEY")


# -- settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"api_key_env": KEY}, r"systems\[0\]\.api_key_env: api_key_env takes the NAME"),
        ({"api_key_env": "MY KEY"}, r"expected an environment variable name"),
        ({"base_url": "http://h:8000/v1/chat/completions"}, r"give the API root"),
        ({"base_url": "ftp://h/v1"}, r"expected http\(s\)://host"),
        ({"base_url": "http://h:99999/v1"}, r"port is not a number"),
        ({"concurrency": 0}, r"systems\[0\]\.concurrency"),
        ({"prompt": "no placeholder"}, r"exactly one \{text\} placeholder"),
        ({"max_token": 5}, r"unknown key; did you mean 'max_tokens'"),
    ],
)
def test_bad_settings_are_refused_when_the_config_loads(settings: dict[str, Any], message: str) -> None:
    system = {"name": "r", "type": "openai", "base_url": "http://127.0.0.1:8000/v1", "model": "m"} | settings
    data = {"corpus": {"clusters": [{"source": {"text": ARTICLE}}]}, "systems": [system]}
    with pytest.raises(ConfigError, match=message):
        config.load_data(data)


@pytest.mark.parametrize("value", [KEY, "AIza-not-an-env-name-0123456789"])
def test_a_refused_api_key_env_value_is_never_echoed(value: str) -> None:
    system = {"name": "r", "type": "openai", "base_url": "http://127.0.0.1:8000/v1", "model": "m"}
    data = {"corpus": {"clusters": [{"source": {"text": ARTICLE}}]}, "systems": [system]}
    with pytest.raises(ConfigError) as refused:
        config.load_data(data | {"systems": [system | {"api_key_env": value}]})
    assert "api_key_env" in str(refused.value) and value not in str(refused.value)


def test_base_url_is_normalised_and_model_stays_as_written(tmp_path: Path) -> None:
    (tmp_path / "llama").mkdir()
    system = {"name": "r", "type": "openai", "base_url": "http://127.0.0.1:8000/v1/", "model": "llama"}
    data = {"corpus": {"clusters": [{"source": {"text": ARTICLE}}]}, "systems": [system]}
    (loaded,) = config.load_data(data, path=tmp_path / "c.yaml").systems
    assert loaded.params.base_url == "http://127.0.0.1:8000/v1"  # type: ignore[attr-defined]
    # The server reads `model`; a folder of that name beside the config does not make it a path.
    assert loaded.params.model == "llama"  # type: ignore[attr-defined]
