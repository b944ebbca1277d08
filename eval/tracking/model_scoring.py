"""What the model-based faithfulness scorers (likelihood, NLI, judge) share: one protocol, one failure rule.

Each scorer takes a cluster's source and all its texts at once (the likelihood scorer encodes the source
once and reuses its key/value cache for every text; the NLI scorer runs each distinct sentence pair once),
and returns one JSON-able dict per text, which `eval.run.scoring` keeps in the text's `TrackingProfile`
(`model_scores[scorer.key]`) and the faithfulness measures read. Models load on first use, never when a
scorer is built: a run that scores nothing (everything cached) loads nothing. A model that cannot be loaded
raises `ModelUnavailableError` once, with one line, and the scorer remembers it: every later cluster gets
the same line at once, and every other measure of the run is still computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from summarize.errors import ModelUnavailableError, SumtrackError

T = TypeVar("T")


class ModelScorer(Protocol):
    key: str  # where its results go in TrackingProfile.model_scores: "likelihood", "nli" or "judge"
    label: str  # for messages: "NLI model 'x'"

    def score(self, source: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        """One result per text, same order; raises SumtrackError (ModelUnavailableError: no model)."""
        ...

    def signature_value(self) -> str:
        """This scorer's part of the signature (model and the settings that shape its numbers)."""
        ...


class Loader:
    """Loads a model once; a failure is remembered and raised again, the same one line, at once."""

    def __init__(self, label: str, load: Callable[[], T]) -> None:
        self.label = label
        self._load = load
        self._value: Any = None
        self._failure: SumtrackError | None = None

    def get(self) -> Any:
        if self._failure is not None:
            raise self._failure
        if self._value is None:
            try:
                self._value = self._load()
            except SumtrackError as exc:
                self._failure = exc
                raise
            except (ImportError, OSError, ValueError, RuntimeError) as exc:  # a broken checkpoint
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                self._failure = ModelUnavailableError(f"{self.label} could not be loaded: {first}")
                raise self._failure from exc
        return self._value


def short(value: str, limit: int = 48) -> str:
    """A model name as the signature shows it: no separators, bounded."""
    # No "|" (it separates the fields) and no ":" (it separates key and value; rich also reads ":package:"
    # as an emoji code when the console prints the signature).
    clean = value.replace("|", "/").replace(":", "=") if value else "-"
    return clean if len(clean) <= limit else clean[: limit - 9] + "~" + _digest(clean)


def _digest(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()[:8]
