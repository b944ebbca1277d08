"""System type name -> summarizer factory.

Each entry carries a pydantic model of its settings, so a config is validated (unknown keys, wrong types)
before anything runs, and a factory that does the heavy imports (torch, transformers) only when called:
an extractive-only run never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from summarize.base import Summarizer
from summarize.errors import UnknownSystemError, did_you_mean

Kind = Literal["extractive", "abstractive"]


@dataclass(frozen=True)
class SystemType:
    name: str
    kind: Kind
    description: str
    params: type[BaseModel]
    # (display name, validated params) -> Summarizer. Heavy imports belong inside the factory.
    factory: Callable[[str, Any], Summarizer]


_REGISTRY: dict[str, SystemType] = {}
_loaded = False


def register(system_type: SystemType) -> None:
    if system_type.name in _REGISTRY:
        raise ValueError(f"system type {system_type.name!r} is already registered")
    _REGISTRY[system_type.name] = system_type


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    # All light: hf.config and remote_config hold settings and lazy factories, never torch.
    from summarize import extractive, outputs, remote_config
    from summarize.hf import config as hf_config

    for system_type in (*extractive.SYSTEM_TYPES, *hf_config.SYSTEM_TYPES):
        register(system_type)
    for system_type in (*remote_config.SYSTEM_TYPES, *outputs.SYSTEM_TYPES):
        register(system_type)


def available() -> list[SystemType]:
    _load_builtins()
    return sorted(_REGISTRY.values(), key=lambda t: (t.kind, t.name))


def get(name: str) -> SystemType:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownSystemError(
            f"unknown system type {name!r}{did_you_mean(name, _REGISTRY)} (known: {known})"
        ) from None


def create(name: str, system_type: str, params: BaseModel | dict[str, Any] | None = None) -> Summarizer:
    """Build the summarizer registered as `system_type`, displayed as `name`."""
    entry = get(system_type)
    if not isinstance(params, BaseModel):
        params = entry.params.model_validate(params or {})
    return entry.factory(name, params)
