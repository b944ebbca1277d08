"""Settings -> components -> signature: one way, and no number computed outside it."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path

import pytest

from eval import config
from eval.settings import Components, Settings, components_for
from summarize.text import CleaningOptions

REPO = Path(__file__).resolve().parents[1]

# A different valid value for every settings field; the signature must change with each.
CHANGED = {
    "rouge_types": ("rouge1",),
    "stem": False,
    "tokenizer": "unicode",
    "multi_ref": "sum",
    "cleaning": CleaningOptions(normalize="NFC"),
    "split": "lines",
    "bootstrap": 10,
    "confidence": 0.9,
    "seed": 3,
    "significance": "bootstrap",
    "tracking": False,
    "semantic": True,
    "embedding_model": "/models/other-model",
    "embedding_dtype": "other",  # the precision auto does not resolve to here (see _changed)
    "entities": False,
    "entity_pipeline": "no_such_spacy_pipeline",  # not installed: the signature says ent:unavailable
}
# Fields that choose which numbers are computed, not what any number is: they need not be in the signature.
NOT_IN_SIGNATURE = {"rouge_types", "tracking"}


def _changed() -> dict[str, object]:
    from eval.tracking.semantic import resolve_dtype

    # The default, auto, is float32 or bfloat16 on any machine: the other one changes the numbers.
    other = "float32" if resolve_dtype("auto") == "bfloat16" else "bfloat16"
    return {**CHANGED, "embedding_dtype": other}


def test_every_settings_field_that_can_change_a_number_changes_the_signature() -> None:
    assert set(CHANGED) == {f.name for f in dataclasses.fields(Settings)}
    base = str(Settings(semantic=True).signature())
    for name, value in _changed().items():
        if name in NOT_IN_SIGNATURE:
            continue
        start = Settings(semantic=True) if name != "semantic" else Settings()
        before = str(start.signature())
        after = str(dataclasses.replace(start, **{name: value}).signature())
        assert before != after, name
    assert base.startswith("rouge|tok:default|stem:porter-nltk|")


def test_the_signature_names_the_stemmer_variant_and_the_versions() -> None:
    # The unicode tokenizer stems with Porter's original algorithm, rouge-score's with nltk's extensions.
    default, unicode = Settings().build(), Settings(tokenizer="unicode").build()
    assert default.scorer.tokens("news") == ["news"] and unicode.scorer.tokens("news") == ["new"]
    assert "stem:porter-nltk" in str(default.signature())
    assert "stem:porter-orig" in str(unicode.signature())
    assert "stem:no|" in str(Settings(stem=False).signature())
    text = str(Settings(semantic=True).signature())
    for key in ("rouge-score:", "nltk:", "nupunkt:", "st:", "emb:all-MiniLM-L6-v2@"):
        assert f"|{key}" in text, key
    assert "|emb:none|" in str(Settings().signature()) and "|st:-|" in str(Settings().signature())
    assert "|nupunkt:-|" in str(Settings(split="lines").signature())


def test_settings_come_from_the_config_and_build_every_component() -> None:
    loaded = config.load_data(
        {
            "corpus": {"clusters": [{"source": {"text": "x"}}]},
            "rouge": {"tokenizer": "unicode", "stem": False, "types": ["rouge2"]},
            "sentences": {"split": "lines"},
            "tracking": {"semantic": True},
        }
    )
    settings = Settings.from_config(loaded.config)
    assert (settings.tokenizer, settings.stem, settings.split, settings.semantic) == (
        "unicode",
        False,
        "lines",
        True,
    )
    parts = settings.build()
    assert parts.scorer.types == ("rouge2",)
    for scorer in (parts.scorer, parts.tracking_scorer, parts.matrix_scorer):
        assert (scorer.tokenizer_name, scorer.stem) == ("unicode", False)
    assert parts.embedder is not None and parts.cleaner.split == "lines"
    assert Settings().build().embedder is None
    # Settings travel to worker processes; each builds its components once.
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert components_for(settings) is components_for(settings)
    assert isinstance(components_for(settings), Components)


def test_config_choices_are_the_owning_modules_values() -> None:
    with pytest.raises(config.ConfigError, match=r"rouge.tokenizer: .*'default' or 'unicode'"):
        config.load_data({"corpus": {"jsonl": "x.jsonl"}, "rouge": {"tokenizer": "bpe"}})
    with pytest.raises(config.ConfigError, match=r"output.formats\[0\]: .*'csv'"):
        config.load_data({"corpus": {"jsonl": "x.jsonl"}, "output": {"formats": ["pdf"]}})


def test_no_module_builds_a_default_scorer_or_embedder() -> None:
    """Scorers and embedders are built by eval.settings and passed in, so no number escapes the settings."""
    allowed = {"settings.py", "rouge.py", "semantic.py"}
    offenders = []
    for path in sorted((REPO / "eval").glob("*.py")):
        if path.name in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(Scorer|Embedder)\(", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
