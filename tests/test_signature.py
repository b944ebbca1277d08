from __future__ import annotations

from dataclasses import fields

from eval.signature import Signature


def test_every_field_declares_a_short_key() -> None:
    for f in fields(Signature):
        assert f.metadata.get("key"), f"Signature.{f.name} has no short key"
    keys = [f.metadata["key"] for f in fields(Signature)]
    assert len(keys) == len(set(keys))


def test_signature_string_lists_every_setting() -> None:
    sig = Signature(tokenizer="unicode", stem="no", seed=4, rouge_score="0.1.2", version="0.1.0")
    text = str(sig)
    assert text.startswith(
        "rouge|tok:unicode|stem:no|multiref:best|split:nupunkt|clean:yes|norm:NFKC|emb:none|"
    )
    assert "|agg:mean|bs:1000|ci:95|seed:4|test:permutation|rouge-score:0.1.2|" in text
    assert text.endswith("|v:0.1.0")
    assert text.count("|") == len(fields(Signature))


def test_the_meta_signature_declares_a_short_key_per_field_and_each_setting_changes_it() -> None:
    import dataclasses

    from eval.settings import MetaSettings
    from eval.signature import MetaSignature

    keys = [f.metadata.get("key") for f in fields(MetaSignature)]
    assert all(keys) and len(keys) == len(set(keys))
    base = MetaSettings()
    text = str(base.signature())
    assert text.startswith("meta|judg:-|fmt:auto|annot:expert|levels:summary+system+global|bs:1000|")
    assert text.count("|") == len(fields(MetaSignature))
    changed = {
        "judgments": "3f2a9c1b04de",
        "format": "summeval",
        "annotators": "turker",
        "levels": ("system",),
        "bootstrap": 10,
        "resample": "inputs",
        "confidence": 0.9,
        "seed": 4,
        "rank_by": "pearson",
        "compare": 0,
        "permutations": 99,
    }
    assert set(changed) == {f.name for f in dataclasses.fields(MetaSettings)}
    for name, value in changed.items():
        assert str(dataclasses.replace(base, **{name: value}).signature()) != text, name
