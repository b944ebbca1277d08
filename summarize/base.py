"""The summarizer abstraction: batch in, batch out, same order, same length.

Texts passed to a summarizer are in the pipeline's canonical form: cleaned, one sentence per line.
Extractive systems pick lines; abstractive systems join them. A summary's text is one sentence per line
as well where the system knows its sentences (extractive); the pipeline re-splits abstractive output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel


@dataclass(frozen=True)
class Summary:
    """One summary plus what produced it."""

    text: str
    system: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    # Tokens (model tokens for abstractive systems, words for extractive ones) the system saw,
    # and how many the whole input had: input_tokens < total_tokens means the input was cut.
    input_tokens: int | None = None
    total_tokens: int | None = None
    truncated: bool = False
    chunks: int = 1
    generated_tokens: int | None = None
    seconds: float = 0.0
    cached: bool = False
    # Where a size limit made the system work differently on this text (e.g. a sparser sentence graph);
    # the runner turns each into a run warning, so no limit is silent.
    notes: tuple[str, ...] = ()

    @property
    def chunked(self) -> bool:
        return self.chunks > 1


@runtime_checkable
class Summarizer(Protocol):
    """Anything with a name that turns a batch of texts into as many summaries, in order."""

    name: str

    def summarize(self, texts: Sequence[str]) -> list[Summary]: ...


def run_info(summarizer: Summarizer) -> dict[str, Any]:
    """Cost and placement facts a summarizer reports about its last run (device, dtype, memory...)."""
    info = getattr(summarizer, "run_info", None)
    return dict(info()) if callable(info) else {}


Kind = Literal["extractive", "abstractive"]


@dataclass(frozen=True)
class SystemType:
    """A system type as the registry (summarize.registry) knows it: its settings model and its factory."""

    name: str
    kind: Kind
    description: str
    params: type[BaseModel]
    # (display name, validated params) -> Summarizer, or the "module:function" that is it: a plugin names its
    # heavy module by string, so the module of its settings never imports it (summarize.registry imports it
    # when a summarizer is made). Heavy imports belong inside the factory.
    factory: str | Callable[[str, Any], Summarizer]
