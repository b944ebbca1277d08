"""One request to an OpenAI-compatible chat server, over http.client (issue 8).

What goes on the wire and what comes back: the chat completion's text and `usage`, an error that is worth
retrying (429, 5xx, timeouts, dropped connections; with the server's `Retry-After`), or a refusal to report
as it is. Retry policy, caching and concurrency live in summarize/remote.py. Standard library only; the
API key goes into the Authorization header and nowhere else.

Every reply is bounded (issue 20): one deadline covers the whole request (connect, headers, body; a timer
shuts the socket, so a server dripping a byte a second trips it like a silent one), the body may not pass
max_response_bytes (refused from its Content-Length, or as soon as a chunked body passes it), a redirect is
reported with its Location and never followed, and every text taken from the server is redacted before it
is cut short or shown.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from summarize import __version__
from summarize.errors import ModelUnavailableError, SumtrackError
from summarize.redaction import Redactor
from summarize.remote_config import OpenAIParams

_RETRY_STATUSES = frozenset({408, 409, 425, 429})


class EndpointUnavailableError(ModelUnavailableError):
    """The server does not answer at all (refused, unresolvable, silent)."""


class RequestError(SumtrackError):
    """A request the server refused, or that kept failing past the retry limits."""


class Retryable(Exception):
    """An attempt that failed in a way worth retrying (the caller decides whether and when)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
        *,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status  # None: no HTTP answer at all (timeout, refused or dropped connection)
        self.retry_after = retry_after
        self.timed_out = timed_out  # the whole deadline went by: those seconds count as retry time


@dataclass(frozen=True)
class Reply:
    """One summary from the server, with what its `usage` says it cost."""

    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float
    finish_reason: str | None = None
    served_model: str | None = None
    cached: bool = False

    def meta(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 4),
            "finish_reason": self.finish_reason,
            "served_model": self.served_model,
        }

    @classmethod
    def from_meta(cls, text: str, meta: dict[str, Any]) -> Reply:
        """A cached reply; a field of the wrong type (an older or damaged row) is no value, not an error."""
        seconds = meta.get("seconds")
        reason, model = meta.get("finish_reason"), meta.get("served_model")
        return cls(
            text,
            _int(meta.get("prompt_tokens")),
            _int(meta.get("completion_tokens")),
            float(seconds) if isinstance(seconds, int | float) and seconds >= 0 else 0.0,
            reason if isinstance(reason, str) else None,
            model if isinstance(model, str) else None,
            cached=True,
        )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    # NaN is no answer; a wait past a day is a day (it passes max_retry_seconds either way, and the
    # message that says so stays short).
    return min(max(0.0, seconds), 86_400.0) if seconds == seconds else None


def _server_message(data: bytes, redactor: Redactor) -> str:
    """The error message in a server's answer: OpenAI's {"error": {"message"}}, FastAPI's "detail"...;
    redacted before it is cut short, so no part of a secret the server echoes survives."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
        body = None
    message: Any = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        message = message or body.get("detail") or body.get("message")
    text = str(message) if message else data.decode("utf-8", "replace")
    text = redactor.clean(" ".join(text.split())) or "(no message)"
    return text[:300] + ("..." if len(text) > 300 else "")


class Aborted(Exception):
    """The request's socket was shut from outside: its deadline passed, or the run is stopping."""


class _Watch:
    """One request's connection, shut when its deadline passes or when `Endpoint.abort_all` is called.

    A socket timeout bounds each read, not the request: a server dripping a byte a second would never
    trip it. Shutting the socket from a timer ends every wait at once (connect, headers, body)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.abort, ("deadline",))
        self._timer.daemon = True
        self._timer.start()

    def abort(self, reason: str) -> None:
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            sock = self.connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self.reason = self.reason or "closed"
        self.connection.close()


class Endpoint:
    """`POST {base_url}/chat/completions` over http.client: one connection per request."""

    def __init__(self, params: OpenAIParams, api_key: str | None) -> None:
        parts = urlsplit(params.base_url)
        self.url = f"{params.base_url}/chat/completions"
        self.host = parts.hostname or ""
        self.https = parts.scheme == "https"
        self.port = parts.port or (443 if self.https else 80)
        self.path = f"{parts.path}/chat/completions"
        self.timeout = params.timeout
        self.connect_timeout = params.connect_timeout
        self.max_bytes = params.max_response_bytes
        self.redactor = Redactor([api_key])
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"sumtrack/{__version__}",
        }
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._watches: set[_Watch] = set()
        self._lock = threading.Lock()
        self._aborted = False

    def probe(self) -> None:
        """One TCP connection: an endpoint that does not answer fails here, before any retry."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.connect_timeout):
                return
        except socket.gaierror as exc:
            reason = f"cannot resolve host {self.host!r} ({exc.strerror or exc})"
        except TimeoutError:
            reason = f"no answer within connect_timeout {self.connect_timeout:g} s"
        except ConnectionRefusedError:
            reason = "connection refused; is the server running?"
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
        raise EndpointUnavailableError(f"{self.url} does not answer: {reason}")

    def abort_all(self) -> None:
        """Shut every request in flight now, and any started later (Ctrl-C: stop within a second)."""
        with self._lock:
            self._aborted = True
            watches = list(self._watches)
        for watch in watches:
            watch.abort("aborted")

    def _connection(self, seconds: float) -> http.client.HTTPConnection:
        timeout = min(self.connect_timeout, seconds)
        if self.https:
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, body: bytes, seconds: float | None = None) -> dict[str, Any]:
        """One attempt, all of it within `seconds` (default: timeout): the decoded JSON answer,
        Retryable, RequestError for a refusal, or Aborted when abort_all was called."""
        seconds = self.timeout if seconds is None else min(seconds, self.timeout)
        connection = self._connection(seconds)
        watch = _Watch(connection, seconds)
        with self._lock:
            if self._aborted:
                watch.close()
                raise Aborted
            self._watches.add(watch)
        try:
            status, reason, location, retry_after, data = self._exchange(connection, watch, body)
        finally:
            with self._lock:
                self._watches.discard(watch)
            watch.close()
        return self._answer(status, reason, location, retry_after, data)

    def _exchange(
        self, connection: http.client.HTTPConnection, watch: _Watch, body: bytes
    ) -> tuple[int, str, str | None, str | None, bytes]:
        try:
            try:
                connection.connect()
            except TimeoutError:
                if watch.reason is None:
                    raise Retryable(f"no connection within {self.connect_timeout:g} s") from None
                raise
            if connection.sock is not None:
                connection.sock.settimeout(self.timeout)
            if watch.reason is not None:  # the deadline passed while connecting
                raise OSError("shut")
            connection.request("POST", self.path, body, self._headers)
            response = connection.getresponse()
            data = self._read(response, watch)
        except ssl.SSLCertVerificationError as exc:
            raise RequestError(f"{self.url}: TLS certificate not trusted ({exc.verify_message})") from None
        except UnicodeError:
            # http.client's own text would quote the header that failed, which may be the key.
            raise RequestError(f"{self.url}: a header could not be encoded as latin-1") from None
        except ValueError as exc:
            if watch.reason == "aborted":
                raise Aborted from None
            # "Invalid header value ..." quotes the header: never show it.
            raise RequestError(f"{self.url}: the request could not be sent ({type(exc).__name__})") from None
        except (OSError, http.client.HTTPException) as exc:
            if watch.reason == "aborted":
                raise Aborted from None
            if watch.reason == "deadline" or isinstance(exc, TimeoutError):
                raise Retryable(
                    f"no complete answer within timeout {self.timeout:g} s", timed_out=True
                ) from None
            raise Retryable(f"connection failed ({type(exc).__name__}: {exc})") from None
        return (
            response.status,
            response.reason,
            response.getheader("Location"),
            response.getheader("Retry-After"),
            data,
        )

    def _read(self, response: http.client.HTTPResponse, watch: _Watch) -> bytes:
        """The whole body, refused as soon as it is known to pass max_response_bytes."""
        length = response.getheader("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_bytes:
            raise RequestError(self._too_large(f"{int(length):,} bytes by its Content-Length"))
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise RequestError(self._too_large(f"past {self.max_bytes:,} bytes and still coming"))
            chunks.append(chunk)
        # A read of `amt` bytes takes a shut socket for the end of the body, so a body cut short (by the
        # server, or by the deadline shutting the socket) is told here, not by http.client.
        if response.length:  # bytes Content-Length promised that never came
            raise http.client.IncompleteRead(b"".join(chunks), response.length)
        if response.length is None and not response.chunked and watch.reason is not None:
            raise OSError("shut")  # a body that ends when the connection closes: closed by us
        return b"".join(chunks)

    def _too_large(self, size: str) -> str:
        return (
            f"{self.url}: the answer is {size}, more than max_response_bytes {self.max_bytes:,}; "
            "raise max_response_bytes if the server is right"
        )

    def _answer(
        self, status: int, reason: str, location: str | None, retry_after: str | None, data: bytes
    ) -> dict[str, Any]:
        clean = self.redactor.clean
        if status == 200:
            try:
                answer = json.loads(data)
            except RecursionError:
                raise RequestError(f"{self.url}: the answer is JSON nested too deeply to read") from None
            except ValueError:
                shown = clean(repr(data[:2000]))[:120]
                raise RequestError(f"{self.url}: the answer is not JSON: {shown}") from None
            if not isinstance(answer, dict):
                raise RequestError(f"{self.url}: expected a JSON object, got {type(answer).__name__}")
            return answer
        message = f"HTTP {status} {clean(reason or '')}".rstrip()
        if 300 <= status < 400:
            where = repr(clean(location)[:300]) if location else "nowhere (no Location header)"
            raise RequestError(
                f"{self.url}: {message}: the server redirects to {where}; set base_url to the address "
                "it names (sumtrack follows no redirect, so the key goes nowhere else)"
            )
        message = f"{message}: {_server_message(data, self.redactor)}"
        if status in _RETRY_STATUSES or status >= 500:
            raise Retryable(message, status, parse_retry_after(retry_after))
        hint = {
            401: "; check the key in the variable api_key_env names",
            403: "; check the key in the variable api_key_env names",
            404: "; check base_url (the API root, usually ending in /v1) and model",
        }.get(status, "")
        raise RequestError(f"{self.url}: {message}{hint}")


def parse_reply(answer: dict[str, Any], seconds: float, url: str, redactor: Redactor | None = None) -> Reply:
    """The first choice's text and the usage figures of a chat completion; RequestError where the
    answer holds no text (an empty reply is never taken, or cached, as a summary)."""
    clean = (redactor or Redactor()).clean
    choices = answer.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        shown = clean(json.dumps(answer, ensure_ascii=False)[:4000])[:200]
        raise RequestError(f"{url}: the answer has no choices: {shown}")
    message = choices[0].get("message")
    raw = message.get("content") if isinstance(message, dict) else None
    content = raw
    if isinstance(raw, list):  # content parts, as some servers send them
        texts = [t for p in raw if isinstance(p, dict) and isinstance(t := p.get("text"), str)]
        content = "".join(texts) if texts else None
    if not isinstance(content, str):
        where = "choices[0].message" if isinstance(message, dict) else "choices[0]"
        got = "no message" if not isinstance(message, dict) else f"content {_kind(raw)}"
        raise RequestError(f"{url}: the answer's {where} has {got}, not a string of text")
    usage: dict[str, Any] = answer["usage"] if isinstance(answer.get("usage"), dict) else {}
    reason = choices[0].get("finish_reason")
    model = answer.get("model")
    return Reply(
        text=(redactor or Redactor()).secrets(content),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        seconds=seconds,
        finish_reason=clean(reason)[:40] if isinstance(reason, str) else None,
        served_model=clean(model)[:200] if isinstance(model, str) else None,
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list with no text part"
    return {dict: "an object", bool: "a boolean"}.get(type(value), type(value).__name__)


def _int(value: Any) -> int | None:
    """A token count as the server gives it; a negative or non-integer one is no count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
