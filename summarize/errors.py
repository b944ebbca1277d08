"""Errors users see, and the "did you mean" helper they share.

Every error here is meant to be printed as one line by the CLI: the message names the value that was
wrong and what was allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SumtrackError(Exception):
    """Base class of every error that is the user's to fix (bad input, bad config, missing model)."""


class ConfigError(SumtrackError):
    """A config file or override is malformed or names something that does not exist."""


class InputError(SumtrackError):
    """A document could not be read or is unusable (missing, empty, binary, undecodable)."""


class UnknownSystemError(ConfigError):
    """A system type that is not in the registry."""


class ModelUnavailableError(SumtrackError):
    """Model weights are neither cached nor downloadable.

    `str()` is the whole message; `short` says why in a few words ("not in the Hugging Face cache
    (offline)") and `advice` what to do, the same for every model it applies to, so a run with five such
    models can say each once, briefly, and the advice once (issue 21)."""

    def __init__(self, message: str, *, short: str | None = None, advice: str = "") -> None:
        super().__init__(message)
        self.short = short or message
        self.advice = advice

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword fields survive pickling (a Ray worker's error comes back whole).
        return (_model_unavailable, (type(self), str(self), self.short, self.advice))


def _model_unavailable(
    cls: type[ModelUnavailableError], message: str, short: str, advice: str
) -> ModelUnavailableError:
    return cls(message, short=short, advice=advice)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
