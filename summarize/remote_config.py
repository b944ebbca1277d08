"""Settings of the OpenAI-compatible chat client (`type: openai`), importable without torch (issue 8).

The client itself (summarize/remote.py) uses only the standard library; this module holds what a config
is validated against, so `sumtrack validate` checks an openai system without touching the network.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from summarize.base import SystemType
from summarize.prompts import PromptSettings, StopStrings

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
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
    timeout: float = Field(300.0, gt=0, description="seconds to wait for one response")
    connect_timeout: float = Field(5.0, gt=0, description="seconds to wait for a connection")
    max_retries: int = Field(6, ge=0, description="retries of one request on 429, 5xx, dropped connections")
    max_retry_seconds: float = Field(
        120.0, ge=0, description="hard cap on the seconds spent waiting to retry, over all requests"
    )
    backoff_seconds: float = Field(1.0, gt=0, description="first backoff; doubles each retry, jittered")
    cache: bool = True
    cache_dir: str | None = Field(None, description="None: $SUMTRACK_CACHE_DIR or ~/.cache/sumtrack")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
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


SYSTEM_TYPES: list[SystemType] = [
    SystemType(
        name="openai",
        kind="abstractive",
        description="any server speaking OpenAI's /v1/chat/completions (vLLM, llama.cpp, Ollama, TGI...)",
        params=OpenAIParams,
        factory="summarize.remote:create",
    )
]
