"""Where a Hugging Face model's files load from, and GGUF files converted once into a plain folder (issue 18).

transformers dequantizes a GGUF on every load: SmolLM2-135M's Q4_1 file took about 19 s of a 31 s seed run,
where the same weights as a safetensors folder load in 1.5 s. The first load of a GGUF therefore writes a
plain model folder (float32 weights, exactly the dequantized values, config and tokenizer) into the cache,
keyed by the file's content hash and the transformers version that converted it; later loads read that
folder. The summary cache keeps keying by the GGUF's own identity, so a conversion changes no cache key,
and the weights are the same numbers, so it changes no generated token (tests/test_hf_loading.py).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarize.errors import SumtrackError
from summarize.hf import hub
from summarize.hf.config import HFParams

# A conversion is complete once this file is in its folder: it is written last, then the folder is renamed
# into place, so a folder with it is always whole.
_SOURCE = "source.json"
# Reading a 100 MB file to hash it costs a few tenths of a second on every load; a file whose path, size
# and modification time are unchanged keeps the hash remembered for it.
_HASH_MEMO = "hashes"


@dataclass(frozen=True)
class Converted:
    folder: Path
    fresh: bool  # written by this load, not found in the cache


class ModelFiles:
    """loader.from_pretrained from where hub.check_available said, never waiting on retries.

    A GGUF is read through its converted folder once `convert()` made or found it.
    """

    def __init__(self, params: HFParams, availability: hub.Availability) -> None:
        self.params = params
        self.availability = availability
        self.converted: Converted | None = None
        self._gguf = self._folder = Path()  # set by needs_conversion
        self._loaded: Any = None  # the float32 model convert() loaded: the run uses it, no second load

    def pretrained(self, loader: Any, **kwargs: Any) -> Any:
        with quiet_progress():
            return self._from_pretrained(loader, **kwargs)

    def _from_pretrained(self, loader: Any, **kwargs: Any) -> Any:
        p, where = self.params, self.availability
        if self.converted is not None:
            try:
                return loader.from_pretrained(str(self.converted.folder), local_files_only=True, **kwargs)
            except OSError as exc:
                raise self._unavailable(str(exc).splitlines()[0]) from exc
        hub_source = where.source in ("cache", "online")
        common = dict(revision=p.revision if hub_source else None, trust_remote_code=p.trust_remote_code)
        if where.gguf_file is not None:
            common["gguf_file"] = where.gguf_file
        location = where.location if hub_source else str(Path(where.location).expanduser())
        try:
            return loader.from_pretrained(
                location, local_files_only=where.source != "online", **common, **kwargs
            )
        except OSError as exc:
            # Cached config but missing files: fetch them only from a hub that answers for this model.
            retry = where.source == "cache" and where.may_go_online
            if not retry or hub.probe(p.model, p.revision) in (None, 404):
                raise self._unavailable(str(exc).splitlines()[0]) from exc
        try:
            return loader.from_pretrained(location, local_files_only=False, **common, **kwargs)
        except OSError as exc:
            raise self._unavailable(str(exc).splitlines()[0]) from exc

    def _unavailable(self, reason: str) -> SumtrackError:
        if self.availability.source in ("cache", "online"):
            return hub.unavailable(self.params.model, reason)
        return hub.missing_local(self.params.model, reason)

    def needs_conversion(self) -> bool:
        """Whether this is a GGUF on this machine with no converted folder in the cache (found ones are
        used from now on)."""
        if self.converted is not None or self.availability.gguf_file is None:
            return False
        gguf = hub.local_file(self.availability, self.params.revision, self.availability.gguf_file)
        if gguf is None:  # on the hub, not yet downloaded: loaded as a GGUF, as before
            return False
        self._gguf = gguf
        root = cache_root(self.params.cache_dir)
        self._folder = root / conversion_key(gguf, root)
        if (self._folder / _SOURCE).is_file():
            self.converted = Converted(self._folder, fresh=False)
            return False
        return True

    def convert(self, auto_model: str, config: Any, warnings: list[str]) -> Converted | None:
        """Load the GGUF (`config` is its header's) and write its converted folder.

        A conversion that cannot be written (read-only or full disk) is a warning, not an error: the run
        goes on from the GGUF itself, as before.
        """
        import torch
        import transformers

        folder, gguf = self._folder, self._gguf
        model = self.pretrained(getattr(transformers, auto_model), config=config, dtype=torch.float32)
        if getattr(getattr(model, "hf_quantizer", None), "packed_modules", None):
            # GGUF matmul kernels keep the blocks packed: such a model loads without dequantizing.
            self._loaded = model
            return None
        self._loaded = model
        tokenizer = self.pretrained(transformers.AutoTokenizer)
        try:
            write_conversion(folder, model, tokenizer, gguf)
        except OSError as exc:
            warnings.append(f"GGUF conversion not cached in {str(folder)!r} ({exc}): it loads from the GGUF")
            return None
        self.converted = Converted(folder, fresh=True)
        return self.converted

    def take_model(self, dtype: Any) -> Any:
        """The model convert() loaded, once (then dropped, so it is not held twice), or None.

        Only a float32 run takes it: casting a loaded model also casts buffers (rotary frequencies) that
        loading in another dtype keeps in float32, so it would not be the model the folder loads.
        """
        model, self._loaded = self._loaded, None
        return model if model is not None and model.dtype == dtype else None


def cache_root(cache_dir: str | None) -> Path:
    from summarize.gen_cache import default_dir

    return (Path(cache_dir).expanduser() if cache_dir else default_dir()) / "gguf"


def conversion_key(gguf: Path, root: Path) -> str:
    """The converted folder's name: the file's sha256 and the transformers version that dequantizes it."""
    import transformers

    return f"{file_sha256(gguf, root / _HASH_MEMO)[:32]}-transformers-{transformers.__version__}"


def file_sha256(path: Path, memo: Path) -> str:
    """sha256 of `path`, remembered under `memo` by the file's resolved path, size and modification time."""
    resolved = path.resolve()
    stat = resolved.stat()
    stamp = f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
    memo_file = memo / (hashlib.sha256(stamp).hexdigest()[:32] + ".txt")
    with contextlib.suppress(OSError):
        known = memo_file.read_text(encoding="ascii").strip()
        if len(known) == 64:
            return known
    digest = hub.file_digest(resolved)
    with contextlib.suppress(OSError):  # only a memo: failing to write it costs the next load a re-hash
        memo.mkdir(parents=True, exist_ok=True)
        partial = memo_file.with_name(f"{memo_file.name}.{os.getpid()}.partial")
        partial.write_text(digest, encoding="ascii")
        os.replace(partial, memo_file)
    return digest


def write_conversion(folder: Path, model: Any, tokenizer: Any, gguf: Path) -> None:
    """Save `model` and `tokenizer` as a plain folder, written beside `folder` and renamed into place."""
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        with _plain(model):
            model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        # A GGUF has no generation config: without this file, the folder's load derives it from the model
        # config exactly as the GGUF's load does.
        (partial / "generation_config.json").unlink(missing_ok=True)
        stat = gguf.stat()
        source = {"gguf": str(gguf.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        (partial / _SOURCE).write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")
        try:
            os.replace(partial, folder)
        except OSError:
            if not (folder / _SOURCE).is_file():  # not another process that finished first
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


@contextlib.contextmanager
def _plain(model: Any) -> Iterator[None]:
    """`model` saved as the plain checkpoint it is once dequantized: without the GGUF quantizer that
    transformers refuses to serialize, and a config that would ask for it again."""
    quantizer, config = getattr(model, "hf_quantizer", None), model.config
    quantization = config.__dict__.pop("quantization_config", None)
    model.hf_quantizer = None
    try:
        yield
    finally:
        model.hf_quantizer = quantizer
        if quantization is not None:
            config.quantization_config = quantization


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """transformers draws progress bars on stderr while it loads (GGUF dequantization, shards); the library
    never prints, so they are off while we load and restored after."""
    from transformers import modeling_gguf_pytorch_utils as gguf_loading
    from transformers.utils import logging

    shown = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    # The GGUF loader calls tqdm directly, past transformers' switch.
    bar = gguf_loading.tqdm
    gguf_loading.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        gguf_loading.tqdm = bar
        if shown:
            logging.enable_progress_bar()
