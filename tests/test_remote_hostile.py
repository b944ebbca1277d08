"""`type: openai` against a misbehaving server (issue 20), through `sumtrack run` as users run it.

Each case runs a two-cluster config with a local system (lead-1) beside the remote one, and checks three
things: the one line the remote system's failure gives, that the other system's results are all there,
and that the API key appears in no file the run wrote (run folder, cache) nor on the console.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.cli import main
from summarize.redaction import Redactor, one_line, strip_userinfo
from tests.conftest import ARTICLE, UNRELATED
from tests.hostile_server import Hostile

ENV = "SUMTRACK_HOSTILE_KEY"
KEY = "sk-hostile-0123456789abcdefSECRET"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server() -> Iterator[Hostile]:
    with Hostile() as hostile:
        yield hostile


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENV, KEY)
    return KEY


class Outcome:
    def __init__(self, code: int, out: str, err: str, tmp_path: Path) -> None:
        self.code, self.out, self.err, self.tmp_path = code, out, err, tmp_path
        self.run = tmp_path / "run"
        path = self.run / "results.json"
        self.results: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}

    def status(self) -> dict[str, str]:
        return {s["name"]: s["status"] for s in self.results["systems"]}

    def system(self, name: str = "remote") -> dict[str, Any]:
        (system,) = [s for s in self.results["systems"] if s["name"] == name]
        return system

    def line(self, name: str = "remote") -> str:
        """The one stderr line about the remote system (a failure, or its `unavailable` line: `NAME: why;
        skipped`); progress lines name it too, and are not about it."""
        err = self.err.splitlines()
        lines = [ln for ln in err if f"system {name!r}" in ln or ln.startswith(f"sumtrack: {name}: ")]
        assert len(lines) == 1, self.err
        return lines[0].removesuffix("; skipped")

    def assert_lead_kept(self) -> None:
        assert self.status()["lead-1"] == "ok"
        scored = {(r["cluster"], r["candidate"]) for r in self.results["scores"]}
        assert {("c1", "lead-1"), ("c2", "lead-1")} <= scored

    def assert_no_leak(self, *secrets: str) -> None:
        for secret in secrets or (KEY,):
            assert secret not in self.err and secret not in self.out
            for path in self.tmp_path.rglob("*"):
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path


def write_config(tmp_path: Path, system: dict[str, Any], ids: tuple[str, str] = ("c1", "c2")) -> Path:
    remote = {
        "name": "remote",
        "type": "openai",
        "model": "m",
        "api_key_env": ENV,
        "cache_dir": str(tmp_path / "cache"),
        "backoff_seconds": 0.01,
        "concurrency": 1,
    } | system
    data = {
        "corpus": {
            "clusters": [
                {"id": cid, "source": {"id": "source", "text": text}}
                for cid, text in zip(ids, (ARTICLE, UNRELATED), strict=True)
            ]
        },
        "systems": [{"name": "lead-1", "type": "lead", "sentences": 1}, remote],
        "tracking": {"enabled": False},
        "aggregate": {"bootstrap": 0},
        "output": {"dir": str(tmp_path / "run")},  # a relative dir is in the current directory
    }
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(data))
    return path


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], system: dict[str, Any], **kwargs: Any) -> Outcome:
    code = main(["run", str(write_config(tmp_path, system, **kwargs))])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, tmp_path)


# -- the key --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        ("echo-401", r"HTTP 401 Unauthorized: invalid request: you sent Authorization: Bearer \*\*\* and"),
        ("echo-400", r"HTTP 400 Bad Request: .*Bearer \*\*\*"),
        ("echo-500", r"HTTP 500 Internal Server Error: .*Bearer \*\*\*.*gave up after 2 attempts"),
        ("echo-raw", r"HTTP 400 Bad Request: .*Authorization: Bearer \*\*\*"),
        ("echo-200", r"the answer has no choices: .*Bearer \*\*\*"),
    ],
)
def test_a_server_echoing_the_key_in_its_error_shows_it_nowhere(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, mode: str, shown: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode), "max_retries": 1})
    assert outcome.code == 1
    assert outcome.status()["remote"] == "failed"
    assert outcome.line().startswith("sumtrack: error: system 'remote' failed: cluster 'c1': ")
    assert outcome.line() == f"sumtrack: error: system 'remote' failed: {outcome.system()['error']}"
    assert re.search(shown, outcome.line()), outcome.line()
    outcome.assert_lead_kept()
    outcome.assert_no_leak()


def test_a_summary_quoting_the_key_is_stored_with_the_key_masked(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url("echo-text")})
    assert outcome.code == 0, outcome.err
    assert outcome.status()["remote"] == "ok"
    summaries = (outcome.run / "summaries.jsonl").read_text()
    assert "The header was Bearer ***." in summaries
    outcome.assert_no_leak()


@pytest.mark.parametrize("raw", [f"{KEY}\r", f"  {KEY}\r\n", f"\t{KEY}"])
def test_a_key_with_whitespace_around_it_is_stripped_with_a_warning(
    server: Hostile,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    raw: str,
) -> None:
    monkeypatch.setenv(ENV, raw)
    outcome = run(tmp_path, capsys, {"base_url": server.url("echo-401")})
    with server.lock:
        sent = server.requests[-1]["headers"]["Authorization"]
    assert sent == f"Bearer {KEY}"  # the stripped key went out
    warning = [ln for ln in outcome.err.splitlines() if "warning: system 'remote': api_key_env" in ln]
    assert len(warning) == 1 and "had whitespace around it" in warning[0] and "stripped" in warning[0]
    assert outcome.status()["remote"] == "failed"  # the server refuses every key
    outcome.assert_lead_kept()
    outcome.assert_no_leak(KEY, raw)


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        ("sk-abc\x1b[31mdef0123456789", "a control character"),
        ("sk-abc\ndef0123456789", "a control character"),
        ("sk-abcключ0123456789abcdef", "a non-ASCII character"),
        ("sk-abc def0123456789", "a space"),
    ],
)
def test_a_key_that_cannot_be_a_header_is_one_line_that_does_not_show_it(
    server: Hostile,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    raw: str,
    what: str,
) -> None:
    monkeypatch.setenv(ENV, raw)
    why = (
        f"api_key_env {ENV!r}: the key holds {what} (character 7 of {len(raw)}), so it cannot be sent "
        "in an HTTP header; check how the variable is set"
    )
    cfg = write_config(tmp_path, {"base_url": server.url("ok")})
    # Like a missing input file: validate names it (exit 1), run fails that system and scores the others.
    assert main(["validate", str(cfg)]) == 1
    assert capsys.readouterr().err == f"sumtrack: error: system 'remote': {why}\n"
    sent = len(server.modes())
    outcome = run(tmp_path, capsys, {"base_url": server.url("ok")})
    assert outcome.code == 1
    assert outcome.line() == f"sumtrack: error: system 'remote' failed: {why}"
    assert outcome.status()["remote"] == "failed" and outcome.system()["error"] == why
    assert len(server.modes()) == sent  # nothing was sent
    outcome.assert_lead_kept()
    outcome.assert_no_leak(raw, raw[:6] + raw[7:], raw[7:])


def test_validate_names_an_unset_or_empty_key_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path, {"base_url": "http://127.0.0.1:9/v1"})
    monkeypatch.delenv(ENV, raising=False)
    assert main(["validate", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"sumtrack: error: system 'remote': api_key_env {ENV!r}: that environment variable is not set\n"
    )
    monkeypatch.setenv(ENV, " \r")
    assert main(["validate", str(cfg)]) == 1
    assert "that environment variable is empty" in capsys.readouterr().err
    monkeypatch.setenv(ENV, KEY)
    assert main(["validate", str(cfg)]) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://alice:hunter2-password@127.0.0.1:8000/v1",
            "systems[1].base_url: base_url 'http://***@127.0.0.1:8000/v1': holds credentials",
        ),
        (
            "https://tok-only-secret@example.com/v1",
            "base_url 'https://***@example.com/v1': holds credentials",
        ),
        ("ftp://alice:hunter2-password@h/v1", "holds credentials"),
        ("http://alice:hunter2/pw@127.0.0.1:8000/v1", "'http://***@127.0.0.1:8000/v1': holds credentials"),
        ("http://127.0.0.1:8000/my v1", "holds a space, a control character or a non-ASCII character"),
        ("http://127.0.0.1:8000/v1\x1b[2K", "holds a space, a control character"),
        ("http://exämple.com/v1", "non-ASCII character; percent-encode it"),
    ],
)
def test_bad_base_urls_are_one_line_at_validation_that_shows_no_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, url: str, message: str
) -> None:
    cfg = write_config(tmp_path, {"base_url": url})
    for command in ("validate", "run"):
        assert main([command, str(cfg)]) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and message in err, err
        assert "hunter2" not in err and "tok-only-secret" not in err
    assert not (tmp_path / "run").exists()  # refused before any work


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"timeout": float("inf")}, r"systems\[1\]\.timeout: Input should be a finite number"),
        ({"timeout": 1e9}, r"systems\[1\]\.timeout: Input should be less than or equal to 86400"),
        ({"connect_timeout": float("nan")}, r"systems\[1\]\.connect_timeout: Input should be a finite"),
        ({"max_retry_seconds": float("inf")}, r"systems\[1\]\.max_retry_seconds: .*finite"),
        ({"max_total_seconds": 0}, r"systems\[1\]\.max_total_seconds: Input should be greater than 0"),
        ({"max_response_bytes": 10}, r"systems\[1\]\.max_response_bytes: .*greater than or equal to 1024"),
        ({"max_retries": 10**6}, r"systems\[1\]\.max_retries: .*less than or equal to 100"),
    ],
)
def test_unbounded_timeouts_and_limits_are_refused_at_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, setting: dict[str, Any], message: str
) -> None:
    # JSON has no infinity; YAML's `.inf` is what a user writes.
    cfg = write_config(tmp_path, {"base_url": "http://127.0.0.1:9/v1"} | setting)
    text = cfg.read_text().replace("Infinity", ".inf").replace("NaN", ".nan")
    cfg.write_text(text)
    assert main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert re.search(message, err), err


# -- bounded replies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["drip", "drip-head", "silent"])
def test_a_server_that_drips_or_says_nothing_trips_the_one_deadline(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, mode: str
) -> None:
    # The drip sends a byte every 0.2 s for 40 s: only a deadline over the whole request stops it at 2 s.
    before = server.modes().count(mode)
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode), "timeout": 2})
    assert outcome.line() == (
        f"sumtrack: remote: {server.url(mode)}/chat/completions does not "
        "answer: no complete answer within timeout 2 s"
    )
    assert outcome.status()["remote"] == "unavailable"
    assert server.modes().count(mode) - before == 1  # no retry before the server has answered once
    outcome.assert_lead_kept()
    outcome.assert_no_leak()


def test_a_body_cut_short_is_a_failed_connection_not_a_short_answer(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url("short")})
    assert outcome.line().endswith(
        "does not answer: connection failed "
        "(IncompleteRead: IncompleteRead(13 bytes read, 987 more expected))"
    )
    outcome.assert_lead_kept()


def test_a_server_silent_after_one_answer_costs_one_timeout_not_one_per_retry(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    before = server.modes().count("once-a")
    outcome = run(
        tmp_path, capsys, {"base_url": server.url("once-a"), "timeout": 1, "max_retry_seconds": 0.5}
    )
    assert outcome.status()["remote"] == "failed"
    assert "cluster 'c2': " in outcome.line()
    assert "no complete answer within timeout 1 s; waiting" in outcome.line()
    assert "would pass max_retry_seconds 0.5" in outcome.line()
    assert server.modes().count("once-a") - before == 2  # c1 answered, c2 timed out once: no retry
    outcome.assert_lead_kept()
    # c1's summary arrived before the failure: it is cached, so the rerun asks for c2 alone.
    server.heal("once-a")
    again = run(tmp_path, capsys, {"base_url": server.url("once-a"), "timeout": 1})
    assert again.status()["remote"] == "ok"
    assert server.modes().count("once-a") - before == 3
    assert again.system()["info"]["cached_documents"] == 1


def test_max_total_seconds_caps_a_system(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(
        tmp_path,
        capsys,
        {"base_url": server.url("once-b"), "timeout": 30, "max_total_seconds": 1.5, "max_retries": 0},
    )
    assert outcome.status()["remote"] == "failed"
    assert "cluster 'c2': " in outcome.line() and "max_total_seconds 1.5 passed" in outcome.line()
    outcome.assert_lead_kept()


def test_max_total_seconds_bounds_the_wait_before_a_retry_too(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    # A 503 is an answer, so it is retried; its Retry-After asks for more than max_total_seconds leaves.
    settings = {"base_url": server.url("busy"), "max_total_seconds": 2, "max_retry_seconds": 100}
    outcome = run(tmp_path, capsys, settings)
    assert outcome.status()["remote"] == "failed"
    assert outcome.line().endswith(
        "HTTP 503 Service Unavailable: (no message); waiting 30.0 s to retry would pass max_total_seconds 2"
    )
    outcome.assert_lead_kept()


@pytest.mark.parametrize(
    ("mode", "settings", "message"),
    [
        (
            "oversize",
            {},
            "the answer is 2,000,000,000 bytes by its Content-Length, more than max_response_bytes",
        ),
        ("chunked", {}, "the answer is past 16,000,000 bytes and still coming"),
        ("chunked", {"max_response_bytes": 100_000}, "past 100,000 bytes and still coming"),
    ],
)
def test_an_oversized_or_endless_answer_is_cut_off_at_the_cap(
    server: Hostile,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    mode: str,
    settings: dict[str, Any],
    message: str,
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode)} | settings)
    assert outcome.status()["remote"] == "failed"
    assert message in outcome.line() and "raise max_response_bytes if the server is right" in outcome.line()
    outcome.assert_lead_kept()
    outcome.assert_no_leak()


@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_ctrl_c_stops_a_run_whose_request_drips_or_is_unanswered(
    server: Hostile, tmp_path: Path, mode: str
) -> None:
    cfg = write_config(tmp_path, {"base_url": server.url(mode), "timeout": 60, "connect_timeout": 60})
    server.arrived.clear()
    env = os.environ | {"PYTHONPATH": str(ROOT), ENV: KEY}
    script = "import sys; from eval.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", script, "run", str(cfg)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.arrived.wait(120), "the request never reached the server"
        process.send_signal(signal.SIGINT)
        # The server keeps at it for 40 s, the timeout is 60 s: only an aborted request ends before.
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("sumtrack: error: interrupted")
    assert "Traceback" not in err and KEY not in err + out


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hostile, Path]]:
    """The same server over HTTPS, with a self-signed certificate for 127.0.0.1 (made by openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, secret = folder / "cert.pem", folder / "key.pem"
    make = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
    ]
    subprocess.run(
        [*make, "-keyout", str(secret), "-out", str(cert), "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, secret)
    with Hostile(tls=context) as hostile:
        yield hostile, cert


@pytest.mark.parametrize(
    ("mode", "settings", "message"),
    [
        ("ok", {}, None),
        ("drip", {"timeout": 2}, "does not answer: no complete answer within timeout 2 s"),
        ("chunked", {"max_response_bytes": 100_000}, "past 100,000 bytes and still coming"),
        ("echo-401", {}, "HTTP 401 Unauthorized: invalid request: you sent Authorization: Bearer ***"),
    ],
)
def test_over_https_the_same_bounds_and_redaction_hold(
    tls_server: tuple[Hostile, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    mode: str,
    settings: dict[str, Any],
    message: str | None,
) -> None:
    server, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's certificate, as a user's CA bundle
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode)} | settings)
    if message is None:
        assert outcome.status()["remote"] == "ok", outcome.err
    else:
        assert message in outcome.line()
    outcome.assert_lead_kept()
    outcome.assert_no_leak()


def test_an_untrusted_certificate_is_one_line(
    tls_server: tuple[Hostile, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    server, _ = tls_server
    outcome = run(tmp_path, capsys, {"base_url": server.url("ok")})
    assert "TLS certificate not trusted" in outcome.line(), outcome.err
    outcome.assert_lead_kept()
    outcome.assert_no_leak()


# -- bad replies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("null", "the answer's choices[0].message has content null, not a string of text"),
        ("empty-choice", "the answer's choices[0] has no message, not a string of text"),
        ("no-message", "the answer's choices[0] has no message"),
        ("dict", "choices[0].message has content an object, not a string"),
        ("number", "choices[0].message has content int, not a string"),
        ("parts", "choices[0].message has content a list with no text part, not a string"),
    ],
)
def test_a_reply_without_text_is_an_error_and_never_cached(
    server: Hostile,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    mode: str,
    message: str,
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode)})
    assert outcome.code == 1
    assert outcome.status()["remote"] == "failed"
    assert outcome.line() == (
        f"sumtrack: error: system 'remote' failed: cluster 'c1': {server.url(mode)}/chat/completions: "
        + outcome.line().split("/chat/completions: ", 1)[1]
    )
    assert message in outcome.line()
    outcome.assert_lead_kept()
    # The server is fixed: the rerun asks again (nothing bad was cached) and gets real summaries.
    sent = server.modes().count(mode)
    server.heal(mode)
    try:
        again = run(tmp_path, capsys, {"base_url": server.url(mode)})
    finally:
        server.healed.discard(mode)
    assert again.status()["remote"] == "ok"
    assert server.modes().count(mode) == sent + 2
    assert again.system()["info"]["cached_documents"] == 0


# -- messages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("deep", "the answer is JSON nested too deeply to read"),
        ("deep-error", 'HTTP 400 Bad Request: {"error":{"error":'),
    ],
)
def test_json_nested_past_the_parser_is_one_line(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, mode: str, message: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url(mode)})
    assert outcome.status()["remote"] == "failed"
    assert message in outcome.line() and "Recursion" not in outcome.line()
    outcome.assert_lead_kept()


def test_a_redirect_names_where_it_points(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url("redirect")})
    assert outcome.status()["remote"] == "failed"
    assert (
        f"HTTP 301 Moved Permanently: the server redirects to "
        f"'http://127.0.0.1:{server.port}/ok/v1/chat/completions'; set base_url to the address"
    ) in outcome.line()
    assert server.modes().count("redirect") >= 1
    outcome.assert_lead_kept()


def test_terminal_escapes_in_an_error_body_and_a_newline_in_an_id_stay_on_one_line(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url("ansi")}, ids=("c1\nforged", "c2"))
    line = outcome.line()
    assert "\x1b" not in outcome.err and "\x07" not in outcome.err and "\r" not in outcome.err
    assert "cluster 'c1\\nforged': " in line
    assert "bad\\x1b[2K sumtrack: all systems ok\\x1b]0;owned\\x07" in line
    assert "\x1b" not in outcome.system()["error"]
    assert outcome.status()["lead-1"] == "ok"


def test_a_negative_token_count_is_no_count(
    server: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    outcome = run(tmp_path, capsys, {"base_url": server.url("negative")})
    assert outcome.status()["remote"] == "ok"
    info = outcome.system()["info"]
    assert info["completion_tokens"] == 0 and info["generated_tokens_per_second"] is None
    row = [ln for ln in outcome.out.splitlines() if ln.lstrip("│ ").startswith("remote")]
    assert row and not re.search(r"-\d", row[0]) and "-5000" not in outcome.out


# -- the pieces ----------------------------------------------------------------------------------------


def test_redactor_masks_a_key_in_every_form_it_takes_in_a_message() -> None:
    key = 'sk-a"b\\c0123456789'
    redactor = Redactor([key, None, "ab"])  # None and a too-short secret are ignored
    for text in (key, json.dumps(key), repr(key), f"Authorization: Bearer {key}"):
        cleaned = redactor.clean(f"before {text} after")
        assert "0123456789" not in cleaned and cleaned.startswith("before ") and cleaned.endswith(" after")
    assert redactor.clean("token: Bearer other-token.xyz, more") == "token: Bearer ***, more"
    assert redactor.secrets("keep ab and Bearer x") == "keep ab and Bearer x"


def test_one_line_escapes_controls_and_strip_userinfo_masks_credentials() -> None:
    assert one_line("a\nb\rc\td\x1b[0m\u202e\x85") == "a\\nb\\rc\\td\\x1b[0m\\u202e\\x85"
    assert one_line("café — ok") == "café — ok"
    assert strip_userinfo("see http://u:p@h:1/v1 and 'https://u:pa/ss@h/x'") == (
        "see http://***@h:1/v1 and 'https://***@h/x'"
    )
