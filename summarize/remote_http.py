"""One request to an OpenAI-compatible chat server, over http.client (issue 8).

What goes on the wire and what comes back: the chat completion's text and `usage`, an error that is worth
retrying (429, 5xx, timeouts, dropped connections; with the server's `Retry-After`), or a refusal to report
as it is. Retry policy, caching and concurrency live in summarize/remote.py. Standard library only, so the
connection and the response get separate timeouts; the API key goes into the Authorization header and
nowhere else.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from summarize import __version__
from summarize.errors import ModelUnavailableError, SumtrackError
from summarize.remote_config import OpenAIParams

_RETRY_STATUSES = frozenset({408, 409, 425, 429})


class EndpointUnavailableError(ModelUnavailableError):
    """The server does not answer at all (refused, unresolvable, silent)."""


class RequestError(SumtrackError):
    """A request the server refused, or that kept failing past the retry limits."""


class Retryable(Exception):
    """An attempt that failed in a way worth retrying (the caller decides whether and when)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status  # None: no HTTP answer at all (timeout, refused or dropped connection)
        self.retry_after = retry_after


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
        return cls(
            text,
            meta.get("prompt_tokens"),
            meta.get("completion_tokens"),
            float(meta.get("seconds") or 0.0),
            meta.get("finish_reason"),
            meta.get("served_model"),
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
    return max(0.0, seconds) if seconds == seconds else None  # NaN is no answer


def _server_message(data: bytes) -> str:
    """The error message in a server's answer: OpenAI's {"error": {"message"}}, FastAPI's "detail"..."""
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    message: Any = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        message = message or body.get("detail") or body.get("message")
    text = str(message) if message else data.decode("utf-8", "replace")
    text = " ".join(text.split()) or "(no message)"
    return text[:300] + ("..." if len(text) > 300 else "")


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
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"sumtrack/{__version__}",
        }
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

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

    def _connection(self) -> http.client.HTTPConnection:
        if self.https:
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.connect_timeout, context=context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout)

    def post(self, body: bytes) -> dict[str, Any]:
        """One attempt: the decoded JSON answer, Retryable, or RequestError for a refusal."""
        connection = self._connection()
        try:
            try:
                connection.connect()
            except TimeoutError:
                raise Retryable(f"no connection within {self.connect_timeout:g} s") from None
            if connection.sock is not None:
                connection.sock.settimeout(self.timeout)
            connection.request("POST", self.path, body, self._headers)
            response = connection.getresponse()
            data = response.read()
        except ssl.SSLCertVerificationError as exc:
            raise RequestError(f"{self.url}: TLS certificate not trusted ({exc.verify_message})") from None
        except TimeoutError:
            raise Retryable(f"no response within timeout {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise Retryable(f"connection failed ({type(exc).__name__}: {exc})") from None
        finally:
            connection.close()
        status = response.status
        if status == 200:
            try:
                answer = json.loads(data)
            except ValueError:
                raise RequestError(f"{self.url}: the answer is not JSON: {data[:120]!r}") from None
            if not isinstance(answer, dict):
                raise RequestError(f"{self.url}: expected a JSON object, got {type(answer).__name__}")
            return answer
        message = f"HTTP {status} {response.reason}: {_server_message(data)}"
        if status in _RETRY_STATUSES or status >= 500:
            raise Retryable(message, status, parse_retry_after(response.getheader("Retry-After")))
        hint = {
            401: "; check the key in the variable api_key_env names",
            403: "; check the key in the variable api_key_env names",
            404: "; check base_url (the API root, usually ending in /v1) and model",
        }.get(status, "")
        raise RequestError(f"{self.url}: {message}{hint}")


def parse_reply(answer: dict[str, Any], seconds: float, url: str) -> Reply:
    """The first choice's text and the usage figures of a chat completion."""
    choices = answer.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise RequestError(f"{url}: the answer has no choices: {json.dumps(answer)[:200]}")
    message = choices[0].get("message") or {}
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # content parts, as some servers send them
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    usage: dict[str, Any] = answer["usage"] if isinstance(answer.get("usage"), dict) else {}
    return Reply(
        text=str(content or ""),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        seconds=seconds,
        finish_reason=choices[0].get("finish_reason"),
        served_model=answer.get("model") if isinstance(answer.get("model"), str) else None,
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
