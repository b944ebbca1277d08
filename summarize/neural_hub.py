"""Where a checkpoint's files come from, decided in seconds and without importing torch.

The hub client retries an unreachable host for about a minute and a half before it gives up (issue 3),
so we never let it find out on its own: a checkpoint is loaded from a local folder, from the hub cache
with `local_files_only=True`, or online only after a short probe showed the hub answering.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from summarize.errors import ModelUnavailableError

Source = Literal["folder", "cache", "online"]

PROBE_SECONDS = 2.0
_SILENCE_MEMO_SECONDS = 60.0
_silent_since: dict[str, tuple[float, str]] = {}  # endpoint -> (when it last failed to answer, why)


@dataclass(frozen=True)
class Availability:
    source: Source
    # Whether from_pretrained may go online when the first, local-only attempt falls short
    # (config cached but weights missing).
    may_go_online: bool


def unavailable(model: str, reason: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"model {model!r} is not available: {reason}. To make it available, download it once on a machine "
        f"with network access (e.g. `hf download {model}`), set HF_HOME to a cache that holds it, "
        "or point `model:` to a local folder with its files"
    )


def folder_unavailable(model: str, reason: str) -> ModelUnavailableError:
    """A local folder is the user's to fix; the hub advice (`hf download`) does not apply to it."""
    return ModelUnavailableError(
        f"model folder {model!r} is not usable: {reason}; point `model:` to a folder holding the "
        "checkpoint's config.json and weights (as written by save_pretrained)"
    )


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


def cached_commit(repo_id: str, revision: str | None) -> str | None:
    """The commit of the cached snapshot `revision` resolves to, or None when it is not cached."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except ValueError:  # not a valid repo id: the caller reports it unavailable
        return None
    return Path(found).parent.name if isinstance(found, str) else None


def check_available(model: str, revision: str | None, local_files_only: bool | None) -> Availability:
    """Decide where `model` loads from, or raise ModelUnavailableError within a few seconds."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise folder_unavailable(model, "it has no config.json")
        return Availability("folder", may_go_online=False)
    if looks_like_path(model):
        raise folder_unavailable(model, f"no folder {str(folder)!r}")
    offline = local_files_only if local_files_only is not None else offline_env()
    cached = cached_commit(model, revision) is not None
    # local_files_only=False means "ask the hub", so a cached copy does not short-cut it.
    if cached and local_files_only is not False:
        return Availability("cache", may_go_online=not offline)
    if offline:
        why = "local_files_only is set" if local_files_only else "HF_HUB_OFFLINE is set"
        raise unavailable(model, f"it is not in the Hugging Face cache and {why}")
    status = probe(model, revision)
    if status is None:
        why = _silent_since.get(endpoint(), (0.0, "did not answer"))[1]
        raise unavailable(model, f"it is not in the Hugging Face cache and {endpoint()} {why}")
    if status == 404:
        at = f" at revision {revision!r}" if revision else ""
        raise unavailable(
            model, f"it is not in the Hugging Face cache and {endpoint()} has no such model{at}"
        )
    return Availability("online", may_go_online=True)


def folder_fingerprint(folder: str | Path) -> str:
    """sha256 over a folder's file names and contents: a local checkpoint's identity for the cache."""
    root = Path(folder).expanduser().resolve()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
