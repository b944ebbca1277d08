from __future__ import annotations

import json

import pytest

from summarize.corpus import DocRef, decode, load_cluster, load_jsonl, read_decoded, read_text
from summarize.errors import InputError


def test_reads_utf8_and_boms(write) -> None:
    assert read_text(write("a.txt", "héllo")) == "héllo"
    assert read_text(write("b.txt", "\ufeffhéllo".encode())) == "héllo"
    assert read_text(write("c.txt", "héllo".encode("utf-16"))) == "héllo"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"  \n\t\n", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        (b"A text.\n" * 2000 + b"\x00 and more text", "looks like a binary file"),
    ],
)
def test_bad_files_say_what_was_found(write, content: bytes, message: str) -> None:
    path = write("bad.txt", content)
    with pytest.raises(InputError, match=f"{path.name}: {message}"):
        read_text(path)
    with pytest.raises(InputError, match=f"{path.name}: {message}"):
        read_text(path, "utf-8")


def test_an_explicit_codec_that_does_not_fit_names_the_option_to_change(write) -> None:
    path = write("bad.txt", "caf\u00e9 na\u00efve".encode("cp1252"))
    with pytest.raises(
        InputError,
        match=r"bad.txt: not valid utf-8: byte\(s\) e9 20 6e 61 at offset 3; set corpus.encoding to auto",
    ):
        read_text(path, "utf-8")
    with pytest.raises(InputError, match=r"set --encoding to auto"):
        read_text(path, "utf-8", options=("--encoding", "--max-chars"))


def test_missing_file_and_folder(tmp_path) -> None:
    with pytest.raises(InputError, match="nope.txt: file not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder"):
        read_text(tmp_path)


def test_configured_encoding_is_used(write) -> None:
    path = write("latin.txt", "caf\u00e9".encode("cp1252"))
    assert read_text(path, "cp1252") == "café"
    assert read_decoded(path).codec == "cp1252 (detected)"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        decode(b"x", "here", "klingon")


def test_load_cluster_keeps_good_documents_when_one_is_bad(write) -> None:
    src = DocRef("src", write("src.txt", "The source text."))
    good = DocRef("good", write("good.txt", "A derived text."))
    bad = DocRef("bad", write("bad.txt", b"\x00\x01binary"))
    missing = DocRef("gone", write("x.txt", "x").parent / "gone.txt")
    cluster, problems = load_cluster("c1", src, [good, bad, missing], [DocRef("ref", text="A reference.")])
    assert cluster is not None
    assert [d.id for d in cluster.derivatives] == ["good"]
    assert [d.id for d in cluster.references] == ["ref"]
    assert [(p.document, p.message.split(": ", 1)[1]) for p in problems] == [
        ("bad", "looks like a binary file, not text (NUL or control bytes found)"),
        ("gone", "file not found"),
    ]


def test_a_bad_source_loses_only_its_cluster(write) -> None:
    cluster, problems = load_cluster("c1", DocRef("src", write("src.txt", "")), [])
    assert cluster is None
    assert "file is empty" in problems[0].message


def test_jsonl_inline_and_path_documents(write, tmp_path) -> None:
    write("docs/d.txt", "Derived from a file.")
    lines = [
        {
            "id": "one",
            "source": "Source one.",
            "derivatives": ["First rewrite.", {"id": "f", "path": "docs/d.txt"}],
            "references": [{"text": "Ref."}],
        },
        {"source": {"path": "docs/d.txt"}, "derivatives": [{"path": "docs/missing.txt"}]},
        "not an object",
        {"source": "x", "extra": 1},
    ]
    path = write("c.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    corpus = load_jsonl(path)
    assert [c.id for c in corpus.clusters] == ["one", "cluster2"]
    one = corpus.clusters[0]
    assert [(d.id, d.text) for d in one.derivatives] == [
        ("d1", "First rewrite."),
        ("f", "Derived from a file."),
    ]
    assert one.references[0].id == "r1"
    assert corpus.clusters[1].source.id == "d"
    messages = [p.message for p in corpus.problems]
    assert any("missing.txt: file not found" in m for m in messages)
    assert any(":3: expected an object with a 'source'" in m for m in messages)
    assert any("unknown keys ['extra']" in m for m in messages)
    assert any(":5: invalid JSON" in m for m in messages)


def test_repeated_lists_each_duplicate_id_once() -> None:
    from summarize.corpus import repeated

    assert repeated(["a", "b", "a", "c", "b", "a"]) == ["a", "b"]
    assert repeated(["a", "b"]) == []
