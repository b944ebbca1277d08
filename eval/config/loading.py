"""Loading a config: YAML (with `--set` overrides) into the schema, errors named by their key path."""

from __future__ import annotations

import copy
import re
import reprlib
import stat
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from eval.config.loaded import LoadedConfig, SystemConfig
from eval.config.schema import Config
from eval.overrides import apply_override
from summarize import registry
from summarize.corpus import expand_path, resolve
from summarize.errors import ConfigError, InputError, SumtrackError, did_you_mean


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc`, for naming the keys it allows."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        current = _unwrap(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin in (tuple, list, dict, typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a not in (type(None), Ellipsis)]
            models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else (inner[-1] if inner else None)
            continue
        return annotation


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def format_errors(exc: ValidationError, model: type[BaseModel], prefix: Sequence[int | str] = ()) -> str:
    """One line per problem: `path: message`, with "did you mean" for unknown keys."""
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]
        where = _path([*prefix, *loc]) or "config"
        if err["type"] == "extra_forbidden":
            holder = _fields_at(model, loc[:-1])
            allowed = list(holder.model_fields) if holder else []
            hint = did_you_mean(str(loc[-1]), allowed) or (
                f" (allowed: {', '.join(allowed)})" if allowed else ""
            )
            lines.append(f"{where}: unknown key{hint}")
        else:
            message = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = (
                f" (got {_short_repr(got)})" if err["type"] != "missing" and not isinstance(got, dict) else ""
            )
            if loc and loc[-1] in ("api_key_env", "base_url"):
                # A refused api_key_env may be a key, a refused base_url may hold a password: never echo
                # them (base_url's own messages show it with any credentials masked).
                shown = ""
            lines.append(f"{where}: {message}{shown}")
    return "\n".join(lines)


def _short_repr(value: Any, limit: int = 80) -> str:
    """A bounded repr: a value built from YAML aliases can expand to billions of items when printed."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxstring, r.maxother = 2, 4, 4, 4, limit, limit
    text = r.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# A config is a few hundred values; YAML aliases can make a few lines stand for billions ("billion laughs").
MAX_CONFIG_VALUES = 100_000
MAX_CONFIG_BYTES = 1_000_000
# A config is a few levels deep; far deeper nesting is a mistake or an attack on the recursive code that
# reads it (YAML's composer, copying, validation) and would end in a RecursionError (issue 20).
MAX_CONFIG_DEPTH = 100


def _too_deep(value: Any, limit: int = MAX_CONFIG_DEPTH) -> str | None:
    """The key path of the first value nested more than `limit` levels deep (None if none is); iterative,
    so no nesting makes it recurse."""
    stack: list[tuple[Any, list[int | str]]] = [(value, [])]
    seen: dict[int, int] = {}  # a node YAML aliases share is walked once per depth, not once per alias
    while stack:
        node, loc = stack.pop()
        if len(loc) > limit:
            return _path(loc[:3]) + "..." if loc else "config"
        if isinstance(node, (dict, list)):
            if seen.get(id(node), -1) >= len(loc):
                continue
            seen[id(node)] = len(loc)
        if isinstance(node, dict):
            stack += [(v, [*loc, str(k)]) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, [*loc, i]) for i, v in enumerate(node)]
    return None


def _check_depth(raw: Any, where: str) -> None:
    deep = _too_deep(raw)
    if deep is not None:
        raise ConfigError(
            f"{where}: nested more than {MAX_CONFIG_DEPTH} levels deep (at {deep}); a config is a few levels "
            "of keys and lists"
        )


def _expanded_size(value: Any, memo: dict[int, int], limit: int) -> int:
    """How many values `value` stands for once aliases are expanded (stops counting past `limit`)."""
    key = id(value)
    if key in memo:
        return memo[key]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    total = 1
    for child in children:
        total += _expanded_size(child, memo, limit)
        if total > limit:
            break
    memo[key] = total
    return total


def _local_paths(params: BaseModel, base: Path) -> BaseModel:
    """Make a system's folder settings relative to the config file, as every other path in it is.

    `cache_dir` is always a path. `model` is a hub repo id ("org/name") unless it names a folder: written as
    a path ("./m", "../m", "/m", "~/m") or existing beside the config.
    """
    update: dict[str, str] = {}
    cache_dir = getattr(params, "cache_dir", None)
    if isinstance(cache_dir, str):
        update["cache_dir"] = str(resolve(base / expand_path(cache_dir)))
    # `path` (type: outputs) is a file or folder; a server's `model` (type: openai) is the server's to read.
    path = getattr(params, "path", None)
    if isinstance(path, str):
        update["path"] = str(resolve(base / expand_path(path)))
    model = getattr(params, "model", None)
    if isinstance(model, str) and getattr(params, "model_is_local_path", True):
        looks_local = model.startswith((".", "/", "~", "$")) or (base / model).is_dir()
        if looks_local:
            update["model"] = str(resolve(base / expand_path(model)))
    return params.model_copy(update=update) if update else params


def _systems(config: Config, base: Path) -> tuple[SystemConfig, ...]:
    out = []
    names: set[str] = set()
    for i, spec in enumerate(config.systems):
        where = f"systems[{i}]"
        if spec.name in names:
            raise ConfigError(f"{where}.name: {spec.name!r} is used twice; system names must be unique")
        names.add(spec.name)
        try:
            entry = registry.get(spec.type)
        except SumtrackError as exc:
            raise ConfigError(f"{where}.type: {exc}") from None
        try:
            params = entry.params.model_validate(spec.model_extra or {})
        except ValidationError as exc:
            raise ConfigError(format_errors(exc, entry.params, ("systems", i))) from None
        try:
            params = _local_paths(params, base)
        except InputError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        out.append(SystemConfig(spec.name, spec.type, entry.kind, params))
    return tuple(out)


def load_data(raw: Any, *, path: Path | None = None, overrides: Sequence[str] = ()) -> LoadedConfig:
    where = str(path) if path else "config"
    if raw is None:
        raise ConfigError(f"{where}: the config is empty")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of keys at the top level, got {type(raw).__name__}")
    _check_depth(raw, where)
    if _expanded_size(raw, {}, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(
            f"{where}: the config expands to more than {MAX_CONFIG_VALUES:,} values "
            "(YAML aliases repeated inside each other?); refused"
        )
    raw = copy.deepcopy(raw)
    for assignment in overrides:
        apply_override(raw, assignment)
        _check_depth(raw, f"--set {assignment[:60]!r}")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, Config)) from None
    base = resolve(path.parent) if path else Path.cwd()
    config = _pipeline_path(config, base)
    systems = _systems(config, base)
    return LoadedConfig(_tracking_models(config, base, systems), path, base, systems, raw)


def _tracking_models(config: Config, base: Path, systems: Sequence[SystemConfig]) -> Config:
    """The faithfulness models' folders made relative to the config file, and the judge's system checked
    against its type's own settings (tracking.judge.system: a name from `systems` or a system written
    there), stored back as its full, resolved settings."""
    tracking = config.tracking
    update: dict[str, Any] = {}
    for key in ("likelihood", "nli"):
        spec = getattr(tracking, key)
        resolved = _local_paths(spec, base)
        if resolved is not spec:
            update[key] = resolved
    judge = tracking.judge
    if judge.system is not None:
        update["judge"] = judge.model_copy(update={"system": _judge_system(judge.system, base, systems)})
    return config.model_copy(update={"tracking": tracking.model_copy(update=update)}) if update else config


def _judge_system(
    system: str | dict[str, Any], base: Path, systems: Sequence[SystemConfig]
) -> dict[str, Any]:
    where = "tracking.judge.system"
    allowed = ("causal", "openai")
    if isinstance(system, str):
        named = {s.name: s for s in systems}
        if system not in named:
            raise ConfigError(f"{where}: no system named {system!r}{did_you_mean(system, named)}")
        found = named[system]
        if found.type not in allowed:
            raise ConfigError(
                f"{where}: system {system!r} is of type {found.type!r}; a judge is causal or openai"
            )
        return {"name": found.name, "type": found.type, **found.params.model_dump()}
    values = dict(system)
    kind, name = values.pop("type", None), values.pop("name", None)
    if kind not in allowed:
        raise ConfigError(
            f"{where}.type: {kind!r}: expected causal or openai{did_you_mean(str(kind), allowed)}"
        )
    entry = registry.get(kind)
    try:
        params = entry.params.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, entry.params, ("tracking", "judge", "system"))) from None
    resolved = _local_paths(params, base)
    return {"name": name or f"judge-{kind}", "type": kind, **resolved.model_dump()}


def _pipeline_path(config: Config, base: Path) -> Config:
    """A spaCy pipeline written as a path ("./m", "../m", "/m", "~/m") or a folder beside the config is
    made relative to the config file; a package name stays as it is."""
    name = config.tracking.entities.pipeline
    if name is None or not (name.startswith((".", "/", "~")) or (base / name).is_dir()):
        return config
    entities = config.tracking.entities.model_copy(
        update={"pipeline": str(resolve(base / Path(name).expanduser()))}
    )
    tracking = config.tracking.model_copy(update={"entities": entities})
    return config.model_copy(update={"tracking": tracking})


def load(path: str | Path, overrides: Sequence[str] = ()) -> LoadedConfig:
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file; expected a YAML config file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {info.st_size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    try:
        raw = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(
            f"{path}: nested more than {MAX_CONFIG_DEPTH} levels deep; a config is a few levels of keys "
            "and lists"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        if "could not determine a constructor for the tag" in problem:
            # safe_load builds plain data only: `!!python/...` and other custom tags are never executed.
            found = re.search(r"'([^']*)'", problem)
            tag = (found.group(1) if found else "?").replace("tag:yaml.org,2002:", "!!")
            problem = f"tag {tag!r} is not allowed (a config holds plain values only)"
        raise ConfigError(f"{path}: invalid YAML{at}: {problem[:200]}") from None
    return load_data(raw, path=path, overrides=overrides)


def resolved(loaded: LoadedConfig, out_dir: Path) -> dict[str, Any]:
    """The config as a run used it, valid and runnable from anywhere: every path absolute, the systems
    with all their settings, the run folder named; no output-only keys (those live in results.json)."""
    data = loaded.config.model_dump(mode="json")

    def absolute(spec: dict[str, Any]) -> dict[str, Any]:
        for key in ("path", "dir"):
            if spec.get(key) is not None:
                spec[key] = str(loaded.resolve(spec[key]))
        return {k: v for k, v in spec.items() if v is not None and v != []}

    for cluster in data["corpus"]["clusters"]:
        cluster["source"] = absolute(cluster["source"])
        for key in ("derivatives", "references"):
            cluster[key] = [absolute(d) for d in cluster[key]]
        if cluster.get("id") is None:
            cluster.pop("id", None)
    data["corpus"]["jsonl"] = [str(p) for p in loaded.jsonl_files()]
    data["systems"] = [
        {"name": s.name, "type": s.type, **s.params.model_dump(mode="json")} for s in loaded.systems
    ]
    data["output"]["dir"] = str(resolve(out_dir))
    if data["meta"]["judgments"] is not None:
        data["meta"]["judgments"] = str(loaded.resolve(data["meta"]["judgments"]))
    return data
