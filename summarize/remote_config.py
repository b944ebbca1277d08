"""Settings of the OpenAI-compatible chat client (`type: openai`), importable without torch (issue 8).

The client itself (summarize/remote.py) uses only the standard library; this module holds what a config
is validated against, so `sumtrack validate` checks an openai system without touching the network.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from summarize.base import SystemType
from summarize.errors import ConfigError
from summarize.prompts import PromptSettings, StopStrings
from summarize.redaction import strip_userinfo

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What http.client would refuse or mangle in a request line or Host header (InvalidURL, UnicodeError).
_UNSAFE_URL = re.compile(r"[^\x21-\x7e]")
DAY = 86_400.0
# Shapes of API keys people paste where the variable's name belongs (OpenAI, Anthropic, HF, generic hex).
_LOOKS_LIKE_KEY = re.compile(r"(sk-|hf_|gsk_|xai-)\S{8,}|[0-9a-f]{32,}")


class OpenAIParams(PromptSettings):
    """A server speaking OpenAI's `/v1/chat/completions`, and how to talk to it."""

    # `model` names a model on the server (its own id, or a path as the server sees it): never a folder
    # to resolve beside the config (eval/config.py reads this).
    model_is_local_path: ClassVar[bool] = False

    base_url: str = Field(min_length=1, description="the API root, e.g. http://127.0.0.1:8000/v1")
    model: str = Field(min_length=1, description="the model name the server knows")
    api_key_env: str | None = Field(
        None, description="name of the environment variable holding the API key (sent as a Bearer token)"
    )
    max_tokens: int = Field(256, ge=1, description="most tokens the server may generate per summary")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int | None = Field(0, description="sent to servers that accept one; None sends none")
    stop: StopStrings = Field((), description="strings that end a summary (sent and applied here)")
    concurrency: int = Field(4, ge=1, le=256, description="requests in flight at once")
    timeout: float = Field(
        120.0,
        gt=0,
        le=DAY,
        allow_inf_nan=False,
        description="seconds one request may take in all: connecting, the headers and the whole body",
    )
    connect_timeout: float = Field(
        5.0, gt=0, le=DAY, allow_inf_nan=False, description="seconds to wait for a connection"
    )
    max_retries: int = Field(
        6, ge=0, le=100, description="retries of one request on 429, 5xx, dropped connections"
    )
    max_retry_seconds: float = Field(
        120.0,
        ge=0,
        le=DAY,
        allow_inf_nan=False,
        description="hard cap, over all requests, on the seconds spent waiting to retry plus those lost to "
        "requests that timed out",
    )
    backoff_seconds: float = Field(
        1.0, gt=0, le=3600, allow_inf_nan=False, description="first backoff; doubles each retry, jittered"
    )
    max_total_seconds: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="most seconds this system may spend on requests in one run; None: no cap",
    )
    max_response_bytes: int = Field(
        16_000_000, ge=1024, le=2**31, description="the largest answer accepted (its whole body, in bytes)"
    )
    cache: bool = True
    cache_dir: str | None = Field(None, description="None: $SUMTRACK_CACHE_DIR or ~/.cache/sumtrack")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if "@" in value:
            # Refused rather than stripped: stripping would drop the credentials the server expects (a
            # confusing 401 later), and keeping them would write the password wherever base_url is
            # recorded (results.json, config.resolved.yaml, summaries.jsonl, the cache key). Any '@' is
            # refused: in `http://user:pa/ss@host` the password's '/' would make the rest look like a path.
            raise ValueError(
                f"base_url {strip_userinfo(value)!r}: holds credentials (user:password@), which sumtrack "
                "never sends or records; put the key in an environment variable and name it in "
                "api_key_env (an '@' meant in the path is written %40)"
            )
        if _UNSAFE_URL.search(value):
            raise ValueError(
                f"base_url {value!r}: holds a space, a control character or a non-ASCII character; "
                "percent-encode it (a non-ASCII host name in its xn-- form)"
            )
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url {value!r}: expected http(s)://host[:port]/v1")
        if parts.query or parts.fragment:
            raise ValueError(f"base_url {value!r}: no query or fragment; give the API root only")
        path = parts.path.rstrip("/")
        if path.endswith("/chat/completions"):
            raise ValueError(
                f"base_url {value!r}: give the API root (ending in /v1); "
                "sumtrack appends /chat/completions itself"
            )
        try:
            parts.port  # noqa: B018 (raises on a port out of range)
        except ValueError:
            raise ValueError(f"base_url {value!r}: the port is not a number in 0-65535") from None
        return f"{parts.scheme}://{parts.netloc}{path}"

    @field_validator("api_key_env")
    @classmethod
    def _check_env_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _LOOKS_LIKE_KEY.fullmatch(value):
            raise ValueError(
                "api_key_env takes the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "not the key itself; keep keys out of configs"
            )
        if not _ENV_NAME.fullmatch(value):
            # The value is not echoed: it may be a key of a shape not recognised above.
            raise ValueError("api_key_env: expected an environment variable name (letters, digits, _)")
        return value

    def api_key(self) -> tuple[str | None, list[str]]:
        """The key from the variable api_key_env names, stripped of surrounding whitespace, and warnings;
        ConfigError (never showing the key) when it is unset or cannot be sent as a header value."""
        if self.api_key_env is None:
            return None, []
        name = self.api_key_env
        raw = os.environ.get(name)
        if raw is None:
            raise ConfigError(f"api_key_env {name!r}: that environment variable is not set")
        key = raw.strip()
        if not key:
            raise ConfigError(f"api_key_env {name!r}: that environment variable is empty")
        warnings = []
        if key != raw:
            warnings.append(
                f"api_key_env {name!r}: the key had whitespace around it (a CRLF .env file leaves a "
                "trailing \\r); it was stripped"
            )
        for position, char in enumerate(key, 1):
            if not "\x21" <= char <= "\x7e":
                what = (
                    "a space"
                    if char == " "
                    else "a control character"
                    if char < " " or "\x7f" <= char <= "\x9f"
                    else "a non-ASCII character"
                )
                raise ConfigError(
                    f"api_key_env {name!r}: the key holds {what} (character {position} of {len(key)}), "
                    "so it cannot be sent in an HTTP header; check how the variable is set"
                )
        return key, warnings

    def environment_problems(self) -> list[str]:
        """What `sumtrack validate` reports about this system's environment: the key variable."""
        try:
            self.api_key()
        except ConfigError as exc:
            return [str(exc)]
        return []


SYSTEM_TYPES: list[SystemType] = [
    SystemType(
        name="openai",
        kind="abstractive",
        description="any server speaking OpenAI's /v1/chat/completions (vLLM, llama.cpp, Ollama, TGI...)",
        params=OpenAIParams,
        factory="summarize.remote:create",
    )
]
