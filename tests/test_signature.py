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
