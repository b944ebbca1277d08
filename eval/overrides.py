"""`--set key.path=value`: changes to the raw YAML of a config, applied before it is validated.

A path walks mappings by key and lists by index (`systems[0]`, `systems.0`) or, for lists of named items such
as systems, by name (`systems.lead-3.sentences=2`). The value is read as YAML (`false`, `3`, `[a, b]`).
"""

from __future__ import annotations

from typing import Any

import yaml

from summarize.errors import ConfigError, did_you_mean


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(f"--set value {text[:40]!r}...: nested too deeply to be a config value") from None
    except yaml.YAMLError:
        return text


def apply_override(raw: dict[str, Any], assignment: str) -> None:
    """Apply `a.b[0].c=value` (or `systems.NAME.key=value`) to the raw config; the value is read as YAML."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected key.path=value")
    key, value = assignment.split("=", 1)
    parts = [p for p in key.replace("[", ".").replace("]", "").split(".") if p]
    if not parts:
        raise ConfigError(f"--set {assignment!r}: empty key")
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, parts[: depth + 1], assignment)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, assignment)] = _parse_value(value)
    elif isinstance(node, dict):
        node[last] = _parse_value(value)
    else:
        raise ConfigError(f"--set {assignment!r}: {'.'.join(parts[:-1])} is not a section")


def _index(node: list[Any], part: str, assignment: str) -> int:
    if part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
        return int(part)
    names = [item.get("name") for item in node if isinstance(item, dict)]
    if part in names:
        return names.index(part)
    raise ConfigError(f"--set {assignment!r}: no item {part!r}{did_you_mean(part, [n for n in names if n])}")


def _child(node: Any, part: str, path: list[str], assignment: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, assignment)]
    if not isinstance(node, dict):
        raise ConfigError(f"--set {assignment!r}: {'.'.join(path[:-1])} is not a section")
    return node.setdefault(part, {})
