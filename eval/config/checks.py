"""What `validate` checks beyond the schema, without running anything: files, models, devices, ids."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.config.loaded import LoadedConfig, SystemConfig, id_clashes
from summarize.corpus import doc_id
from summarize.errors import ConfigError
from summarize.reading import file_problem


def check_files(loaded: LoadedConfig) -> list[str]:
    """Input problems `validate` can see without running: files and folders that do not exist, and
    environment variables a system needs (its API key) that are unset or unusable.

    A run goes on without such a document (exit 1), so `validate` reports them with exit 1 as well.
    """
    problems = []
    for cluster in loaded.clusters():
        for ref in (cluster.source, *cluster.derivatives, *cluster.references):
            problem = None if ref.path is None else file_problem(ref.path)
            if problem:
                problems.append(f"cluster {cluster.id!r}: {problem}")
    problems += [f"corpus.jsonl: {p}: file not found" for p in loaded.jsonl_files() if not p.is_file()]
    dataset = loaded.dataset_options()
    if dataset is not None and Path(dataset.path).is_absolute() and not Path(dataset.path).exists():
        problems.append(f"corpus.dataset.path: {dataset.path}: not found")
    for system in loaded.systems:
        # A run reports such a system failed and goes on with the others (exit 1), as for a document.
        path = getattr(system.params, "path", None)
        if isinstance(path, str) and not Path(path).exists():
            problems.append(f"system {system.name!r}: {path}: file or folder not found")
        model = getattr(system.params, "model", None)
        if isinstance(model, str) and model.startswith("package:"):
            why = _package_problem(model.removeprefix("package:").strip())
            if why:
                problems.append(f"system {system.name!r}: {model}: {why}")
        environment = getattr(system.params, "environment_problems", None)
        if callable(environment):  # e.g. the variable holding a remote system's API key
            problems += [f"system {system.name!r}: {problem}" for problem in environment()]
    return problems


VALIDATE_PROBE_SECONDS = 1.0


def check_models(loaded: LoadedConfig) -> list[tuple[str, str, str]]:
    """(system, short reason, advice) for each Hugging Face model `validate` can see will not load here:
    not in the cache with the hub out of reach (HF_HUB_OFFLINE, or no answer within a second: the hub is
    asked once for all models). The same check a run makes (summarize.hf.hub.check_available), so such a
    system is what the run will report unavailable and skip; a missing package is check_files' to say."""
    from summarize.errors import ModelUnavailableError
    from summarize.hf.config import HFParams

    found = []
    for system in loaded.systems:
        params = system.params
        if not isinstance(params, HFParams) or params.model.startswith("package:"):
            continue
        from summarize.hf import hub

        try:
            hub.check_available(params, timeout=VALIDATE_PROBE_SECONDS)
        except ModelUnavailableError as exc:
            found.append((system.name, exc.short, exc.advice))
    return found


def _package_problem(name: str) -> str | None:
    """Why a `package:NAME` model cannot be found (without importing the package); None when it can."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return f"no installed Python package {name!r} (pip install it, e.g. with --no-deps)"
    return None


def check_config(loaded: LoadedConfig) -> list[str]:
    """Config problems `validate` can see without running (a run would refuse them too, exit 2): model
    folders, devices, endpoint URLs, and ids in JSONL corpora (YAML clusters are checked when loaded)."""
    problems = []
    try:
        loaded.output_dir()  # `$VAR` unset in output.dir
    except ConfigError as exc:
        problems.append(f"output.dir: {exc}")
    for i, system in enumerate(loaded.systems):
        problems += _check_system(system, f"systems[{i}]")
    # Cluster ids are shared by every corpus form: a JSONL cluster may not reuse a YAML cluster's id.
    seen = {c.id: f"corpus.clusters[{i}]" for i, c in enumerate(loaded.clusters())}
    for path in loaded.jsonl_files():
        if path.is_file():
            problems += _jsonl_id_problems(path, loaded.systems, seen)
    return problems


def _looks_like_folder(model: str) -> bool:
    # A hub repo id is `name` or `org/name`; anything written as a path is meant as a folder.
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model


def _check_system(system: SystemConfig, where: str) -> list[str]:
    problems = []
    params = system.params
    model = getattr(params, "model", None)
    if isinstance(model, str) and _looks_like_folder(model):
        folder = Path(model).expanduser()
        # A causal model may be a GGUF file, or a folder holding one (see summarize/hf/hub.py).
        gguf = getattr(params, "gguf_file", None) is not None or any(folder.glob("*.gguf"))
        if model.endswith(".gguf"):
            if not folder.is_file():
                problems.append(f"{where}.model: GGUF file {model!r} not found")
        elif not folder.is_dir():
            problems.append(f"{where}.model: model folder {model!r} not found")
        elif not (folder / "config.json").is_file() and not gguf:
            problems.append(f"{where}.model: model folder {model!r} has no config.json")
    device = getattr(params, "device", None)
    if isinstance(device, str):
        why = device_problem(device)
        if why:
            problems.append(f"{where}.device: {device!r}: {why}")
    for key in ("base_url", "endpoint", "api_base"):
        url = getattr(params, key, None)
        if isinstance(url, str):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problems.append(
                    f"{where}.{key}: {url!r} is not an http(s) URL (e.g. http://localhost:8000/v1)"
                )
    return problems


def device_problem(device: str) -> str | None:
    """Why `device` cannot work on this machine, judged without importing torch; None when it may."""
    if device.startswith("mps") and sys.platform != "darwin":
        return "MPS exists only on macOS"
    if not device.startswith("cuda"):
        return None
    build = _torch_gpu_build()
    if build is False:
        return "this torch is a CPU-only build; use device: cpu or auto, or install a CUDA build of torch"
    return None


def _torch_gpu_build() -> bool | None:
    """Whether the installed torch was built for a GPU (CUDA or ROCm), read from torch/version.py without
    importing torch (seconds); None when torch is missing or the file cannot be read."""
    if "torch" in sys.modules:
        version = sys.modules["torch"].version
        return bool(getattr(version, "cuda", None) or getattr(version, "hip", None))
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "version.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    found = dict(re.findall(r"^(cuda|hip)\s*(?::[^=]*)?=\s*(.+)$", text, flags=re.M))
    if not found:
        return None
    return any(v.strip() not in ("None", "''", '""') for v in found.values())


def _jsonl_id_problems(path: Path, systems: Sequence[SystemConfig], clusters: dict[str, str]) -> list[str]:
    """Id clashes in a JSONL corpus, from its lines (ids default as the loader's do); `clusters` maps the
    cluster ids seen so far to their places and gains this file's."""
    problems = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []  # reading it is the run's job, which reports it
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue  # the run reports the line and goes on
        if not isinstance(record, dict) or "source" not in record:
            continue
        cid = str(record.get("id") or f"cluster{number}")
        if cid in clusters:
            problems.append(
                f"{path}:{number} and {clusters[cid]}: both have cluster id {cid!r}; "
                "give each cluster a distinct 'id'"
            )
        clusters.setdefault(cid, f"{path}:{number}")
        named = [(_jsonl_id(record["source"], "source"), "source", f"{path}:{number} source")]
        for key, role, prefix in (("derivatives", "derivative", "d"), ("references", "reference", "r")):
            items = record.get(key) or []
            for k, item in enumerate(items if isinstance(items, list) else []):
                named.append((_jsonl_id(item, f"{prefix}{k + 1}"), role, f"{path}:{number} {key}[{k}]"))
        problems += id_clashes(named, systems)
    return problems


def _jsonl_id(value: Any, default: str) -> str:
    if isinstance(value, dict):
        if value.get("id"):
            return str(value["id"])
        if isinstance(value.get("path"), str):
            return doc_id(Path(value["path"]))
    return default
