"""System type name -> summarizer factory.

The registry holds the built-in system types as "module:attribute" strings and imports a plugin module
only when one of its types is asked for, so it imports no plugin at import time and no plugin imports it:
plugins take `SystemType` from summarize.base. Each `SystemType` carries a pydantic model of its settings,
so a config is validated (unknown keys, wrong types) before anything runs, and a factory that does the
heavy imports (torch, transformers) only when called: an extractive-only run never imports torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

from summarize.base import Kind, Summarizer, SystemType
from summarize.errors import UnknownSystemError, did_you_mean

__all__ = ["BUILTINS", "Kind", "SystemType", "available", "create", "get", "register"]

# Built-in type name -> "module:attribute" of the module's list of SystemType (all light modules: settings
# and lazy factories, never torch).
BUILTINS: dict[str, str] = {
    **{
        name: "summarize.extractive:SYSTEM_TYPES"
        for name in ("lead", "textrank", "lexrank", "centroid", "random")
    },
    "seq2seq": "summarize.hf.config:SYSTEM_TYPES",
    "causal": "summarize.hf.config:SYSTEM_TYPES",
    "openai": "summarize.remote_config:SYSTEM_TYPES",
    "outputs": "summarize.outputs:SYSTEM_TYPES",
}

_REGISTRY: dict[str, SystemType] = {}


def register(system_type: SystemType) -> None:
    """Add a system type (a plugin's); a name already taken, built-in or registered, is refused."""
    if system_type.name in _REGISTRY or system_type.name in BUILTINS:
        raise ValueError(f"system type {system_type.name!r} is already registered")
    _REGISTRY[system_type.name] = system_type


def _builtin(name: str) -> SystemType:
    module, _, attribute = BUILTINS[name].partition(":")
    found = [t for t in getattr(importlib.import_module(module), attribute) if t.name == name]
    if len(found) != 1:
        raise LookupError(f"{BUILTINS[name]} defines system type {name!r} {len(found)} times, expected once")
    return found[0]


def available() -> list[SystemType]:
    types = [_builtin(name) for name in BUILTINS] + list(_REGISTRY.values())
    return sorted(types, key=lambda t: (t.kind, t.name))


def get(name: str) -> SystemType:
    if name in BUILTINS:
        return _builtin(name)
    try:
        return _REGISTRY[name]
    except KeyError:
        known = {*BUILTINS, *_REGISTRY}
        raise UnknownSystemError(
            f"unknown system type {name!r}{did_you_mean(name, known)} (known: {', '.join(sorted(known))})"
        ) from None


def create(name: str, system_type: str, params: BaseModel | dict[str, Any] | None = None) -> Summarizer:
    """Build the summarizer registered as `system_type`, displayed as `name`."""
    entry = get(system_type)
    if not isinstance(params, BaseModel):
        params = entry.params.model_validate(params or {})
    factory = entry.factory
    if isinstance(factory, str):
        module, _, function = factory.partition(":")
        factory = getattr(importlib.import_module(module), function)
    return factory(name, params)
