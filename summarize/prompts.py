"""Prompts for summarizers that are instructed, not trained, to summarize (decoder-only LLMs, chat APIs).

Shared by the local causal backend and the OpenAI-compatible client, so the same `prompt` and `system`
settings mean the same thing for both. Importable without torch.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from summarize.errors import ConfigError

PLACEHOLDER = "{text}"

# An instruction for chat (instruct) models.
DEFAULT_CHAT_PROMPT = (
    "Summarize the following news article in three to five sentences. "
    "Use only facts stated in the article.\n\n{text}"
)
# A completion prompt for base models, in the spirit of Radford et al. (2019), who induced summaries from
# GPT-2 by appending "TL;DR:" to the article.
DEFAULT_COMPLETION_PROMPT = "{text}\n\nTL;DR:"

ChatMode = Literal["auto", "yes", "no"]


def _no_empty_stop(value: tuple[str, ...]) -> tuple[str, ...]:
    if any(not s for s in value):
        raise ValueError("stop strings must not be empty")
    return value


# The `stop` setting of the model families that take one (causal, openai): strings, none of them empty.
StopStrings = Annotated[tuple[str, ...], AfterValidator(_no_empty_stop)]


class PromptSettings(BaseModel):
    """`prompt` (with one `{text}` placeholder) and an optional `system` message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str | None = Field(
        None, description="prompt with one {text} placeholder; None: an instruction (chat) or TL;DR"
    )
    system: str | None = Field(None, description="system message for chat models")

    @field_validator("prompt")
    @classmethod
    def _one_placeholder(cls, value: str | None) -> str | None:
        count = 1 if value is None else value.count(PLACEHOLDER)
        if count != 1:
            raise ValueError(f"expected exactly one {PLACEHOLDER} placeholder, found {count}")
        return value


def check_prompt(prompt: str) -> None:
    count = prompt.count(PLACEHOLDER)
    if count != 1:
        raise ConfigError(
            f"prompt {prompt[:60]!r}: expected exactly one {PLACEHOLDER} placeholder, found {count}"
        )


def default_prompt(chat: bool) -> str:
    return DEFAULT_CHAT_PROMPT if chat else DEFAULT_COMPLETION_PROMPT


def render(prompt: str, text: str) -> str:
    """The prompt with the text in place of its placeholder (no str.format: texts hold braces)."""
    check_prompt(prompt)
    before, after = prompt.split(PLACEHOLDER)
    return f"{before}{text}{after}"


def split_prompt(prompt: str) -> tuple[str, str]:
    """(before, after) the placeholder: a caller counting tokens fits the text between the two."""
    check_prompt(prompt)
    before, after = prompt.split(PLACEHOLDER)
    return before, after


def template_hash(template: str | None) -> str:
    """A short, stable fingerprint of a chat template, for cache keys and the record of each summary."""
    if not template:
        return "none"
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:16]


# Lead-ins small instruct models put before the summary itself ("Here is a summary of the article:").
_LEAD_IN = re.compile(
    r"^\s*(?:sure[,!.]?\s*)?(?:here(?:'s| is| are)\b[^\n:]{0,80}:|summary:|tl;dr:)\s*", re.IGNORECASE
)
_CHAT_TOKENS = re.compile(r"<\|[^|>]{1,40}\|>|<(?:/?s|start_of_turn|end_of_turn|eos|bos)>")


def strip_artifacts(text: str, stop: tuple[str, ...] = ()) -> str:
    """Cut at the first stop string, drop chat special tokens and a leading "Here is a summary:" line."""
    for marker in stop:
        if marker and marker in text:
            text = text[: text.index(marker)]
    text = _CHAT_TOKENS.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _LEAD_IN.sub("", text, count=1)
    return text.strip()
