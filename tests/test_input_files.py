"""Reading input files (issue 11): every codec read (auto: BOM, UTF-8, UTF-16 by its NULs, detected), and
special files, symlink loops, NUL bytes in paths, folders and over-long documents refused with one line
while the other documents still load."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest
import yaml

from eval import config
from eval.cli import main
from summarize.corpus import DocRef, decode, load_cluster, load_jsonl, read_decoded, read_text
from summarize.errors import InputError
from tests.conftest import ARTICLE, SUMMARY

# Curly quotes, accents and a dash: the characters that come out as "worldâ€™s" when a codec is wrong.
WESTERN = (
    "The world’s “largest” café opened on Monday — résumés were handed out at the door.\n"
    "Its owner, Zoë Brontë, said the naïve idea had taken ten years to realise.\n"
    "Prices start at €3, and the coffee comes from a farm near the coast."
)


@pytest.fixture()
def no_hang():
    """Fail instead of hanging should a read ever block (a FIFO opened for reading)."""
    if sys.platform == "win32":
        yield
        return

    def _raise(*_):
        raise TimeoutError("blocked")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _good(write) -> tuple[DocRef, DocRef]:
    return DocRef("src", write("src.txt", ARTICLE)), DocRef("good", write("good.txt", SUMMARY))


def _one_problem(write, bad: DocRef, max_chars: int = 2_000_000) -> str:
    """Load a cluster with `bad` among good derivatives: the good ones load, one line names the bad one."""
    src, good = _good(write)
    cluster, problems = load_cluster("c", src, [good, bad], max_chars=max_chars)
    assert cluster is not None and [d.id for d in cluster.derivatives] == ["good"]
    (problem,) = problems
    assert problem.document == bad.id and "\n" not in problem.message
    return problem.message


# --- codecs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig (BOM)"),
        ("utf-16", "utf-16 (BOM)"),
        ("utf-32", "utf-32 (BOM)"),
        ("utf-16-le", "utf-16-le (detected)"),
        ("utf-16-be", "utf-16-be (detected)"),
        ("cp1252", "cp1252 (detected)"),
    ],
)
def test_auto_reads_every_common_codec_and_records_it(write, codec: str, expected: str) -> None:
    decoded = read_decoded(write("t.txt", WESTERN.encode(codec)))
    assert (decoded.text, decoded.codec) == (WESTERN, expected)


def test_utf16_without_a_bom_is_read_when_named(write) -> None:
    path = write("t.txt", WESTERN.encode("utf-16-le"))
    assert read_text(path, "utf-16-le") == WESTERN


def test_a_wide_codec_named_for_a_utf8_file_is_refused_not_garbled(write) -> None:
    path = write("t.txt", WESTERN)
    with pytest.raises(
        InputError,
        match=r"^\S+t.txt: corpus.encoding is utf-16 but the file is UTF-8 \(valid UTF-8, no NUL bytes\); "
        r"set corpus.encoding to auto or utf-8$",
    ):
        read_text(path, "utf-16")


def test_a_single_byte_codec_named_for_a_utf8_file_is_refused_not_garbled(write) -> None:
    path = write("t.txt", WESTERN)
    with pytest.raises(InputError, match=r"corpus.encoding is cp1252 but the file is UTF-8 .* would garble"):
        read_text(path, "cp1252")
    assert read_text(write("ascii.txt", ARTICLE), "cp1252") == ARTICLE  # plain ASCII is the same in both


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "cp1252"])
def test_a_nul_byte_anywhere_is_binary(write, encoding: str) -> None:
    path = write("t.txt", ARTICLE.encode() * 40 + b"\x00" + ARTICLE.encode())
    assert path.stat().st_size > 8192
    with pytest.raises(InputError, match=r"t.txt: looks like a binary file"):
        read_text(path, encoding)


def test_a_utf16_file_holding_nul_characters_is_binary() -> None:
    with pytest.raises(InputError, match="looks like a binary file"):
        decode(("text\x00" * 20).encode("utf-16"), "t.txt")


def test_mixed_codecs_under_auto_score_the_same_as_utf8(write, capsys) -> None:
    source = write("src.txt", WESTERN.replace("Monday", "Tuesday") + "\nA fourth line about the menu.")
    copies = {
        "utf8": write("utf8.txt", WESTERN),
        "cp1252": write("cp1252.txt", WESTERN.encode("cp1252")),
        "utf16": write("utf16.txt", WESTERN.encode("utf-16")),
        "utf16le": write("utf16le.txt", WESTERN.encode("utf-16-le")),
    }
    code = main(["score", "--source", str(source), *map(str, copies.values()), "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    f1 = {(r["candidate"], r["metric"]): r["f1"] for r in rows}
    for metric in {m for _, m in f1}:
        assert 0 < f1[("utf8", metric)] < 1
        assert {f1[(name, metric)] for name in copies} == {f1[("utf8", metric)]}, metric


def test_mixed_codecs_under_auto_in_a_run_score_the_same_and_the_codecs_are_reported(write, tmp_path) -> None:
    from eval.run.runner import Runner

    write("src.txt", WESTERN.replace("Monday", "Tuesday") + "\nA fourth line about the menu.")
    write("utf8.txt", WESTERN)
    write("cp1252.txt", WESTERN.encode("cp1252"))
    write("utf16.txt", WESTERN.encode("utf-16-le"))
    cluster = {"id": "c", "source": "src.txt", "derivatives": ["utf8.txt", "cp1252.txt", "utf16.txt"]}
    path = write("cfg.yaml", yaml.safe_dump({"corpus": {"clusters": [cluster]}, "systems": []}))
    result = Runner(config.load(path)).run()
    assert result.ok, result.problems
    codecs = {d.id: d.encoding for d in result.documents}
    assert codecs == {
        "src": "utf-8",
        "utf8": "utf-8",
        "cp1252": "cp1252 (detected)",
        "utf16": "utf-16-le (detected)",
    }
    f1 = {(r.candidate, r.metric): r.f1 for r in result.scores}
    assert {f1[(c, "rouge2")] for c in ("utf8", "cp1252", "utf16")} == {f1[("utf8", "rouge2")]}
    from eval.output.report import report_md

    assert "| c | cp1252 | cp1252 (detected) |" in report_md(result, ["rouge2"])


def test_score_advice_names_score_options_and_run_advice_names_config_keys(write, capsys) -> None:
    src = write("src.txt", ARTICLE)
    latin = write("latin.txt", "caf\u00e9 na\u00efve".encode("cp1252"))
    code = main(["score", "--source", str(src), str(latin), "--encoding", "utf-8"])
    err = capsys.readouterr().err
    assert code == 1
    assert "set --encoding to auto" in err and "corpus." not in err
    assert main(["score", "--source", str(src), str(latin), "--encoding", "cp1252", "--json"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--source", str(src), str(latin), "--encoding", "klingon"])
    assert exit_.value.code == 2 and "unknown encoding 'klingon'" in capsys.readouterr().err
    limit = str(len(ARTICLE) + 10)
    code = main(["score", "--source", str(src), str(write("long.txt", ARTICLE * 2)), "--max-chars", limit])
    err = capsys.readouterr().err
    assert (
        code == 1 and f"longer than --max-chars ({int(limit):,} characters)" in err and "corpus." not in err
    )
    # A path that happens to contain a config key's name is quoted as it is, never rewritten.
    named = write("corpus.encoding.txt", "caf\u00e9".encode("cp1252"))
    assert main(["score", "--source", str(src), str(named), "--encoding", "utf-8"]) == 1
    err = capsys.readouterr().err
    assert f"{named}:" in err and "set --encoding to auto" in err
    src_ref, good = _good(write)
    _, problems = load_cluster("c", src_ref, [good, DocRef("latin", latin)], encoding="utf-8")
    assert "set corpus.encoding to auto" in problems[0].message and "--" not in problems[0].message


def test_the_config_refuses_an_unknown_encoding_and_a_zero_limit(write) -> None:
    from summarize.errors import ConfigError

    write("src.txt", ARTICLE)
    for corpus, message in (
        ({"encoding": "klingon"}, r"corpus.encoding: .*unknown encoding 'klingon'"),
        ({"max_chars": 0}, r"corpus.max_chars"),
    ):
        data = {"corpus": {"clusters": [{"source": "src.txt"}], **corpus}}
        with pytest.raises(ConfigError, match=message):
            config.load(write("cfg.yaml", yaml.safe_dump(data)))


# --- special files --------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_being_opened(write, tmp_path, no_hang) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    message = _one_problem(write, DocRef("pipe", fifo))
    assert message == f"{fifo}: is a named pipe (FIFO), not a regular file"


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
def test_a_device_is_refused(write, no_hang) -> None:
    assert _one_problem(write, DocRef("null", Path("/dev/null"))) == (
        "/dev/null: is a character device, not a regular file"
    )


def test_a_folder_given_as_a_file_is_refused(write, tmp_path) -> None:
    (tmp_path / "folder.txt").mkdir()
    message = _one_problem(write, DocRef("folder", tmp_path / "folder.txt"))
    assert message == f"{tmp_path / 'folder.txt'}: is a folder, expected a text file"


def test_a_symlink_loop_is_one_line(write, tmp_path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    message = _one_problem(write, DocRef("a", tmp_path / "a.txt"))
    assert message.startswith(f"{tmp_path / 'a.txt'}: cannot read (") and "symbolic links" in message


def test_a_nul_byte_in_a_path_is_one_line(write, tmp_path) -> None:
    message = _one_problem(write, DocRef("nul", tmp_path / "a\x00b.txt"))
    assert message.endswith("invalid path (contains a NUL byte)")


def test_a_symlink_loop_and_a_fifo_in_a_config_are_one_line_each_and_the_rest_is_scored(
    write, tmp_path, no_hang
) -> None:
    from eval.run.runner import Runner

    write("src.txt", ARTICLE)
    write("good.txt", SUMMARY)
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    cluster = {"id": "c", "source": "src.txt", "derivatives": ["good.txt", "loop.txt", "pipe.txt"]}
    folder = {"id": "d", "source": "src.txt", "derivatives": {"dir": ".", "glob": "*.txt"}}
    data = {"corpus": {"clusters": [cluster, folder]}, "systems": []}
    result = Runner(config.load(write("cfg.yaml", yaml.safe_dump(data)))).run()
    problems = sorted((p.cluster, p.document, p.message.split(": ", 1)[1]) for p in result.problems)
    assert [p[:2] for p in problems] == [("c", "loop"), ("c", "pipe"), ("d", "loop"), ("d", "pipe")]
    assert problems[1][2] == "is a named pipe (FIFO), not a regular file"
    assert {(r.cluster, r.candidate) for r in result.scores} == {("c", "good"), ("d", "good")}


# --- length ---------------------------------------------------------------------------------------------


def test_a_document_over_max_chars_is_refused_naming_it(write) -> None:
    long = write("long.txt", ARTICLE * 3)
    message = _one_problem(write, DocRef("long", long), max_chars=len(ARTICLE) * 2)
    limit = f"corpus.max_chars ({len(ARTICLE) * 2:,} characters)"
    assert message == f"{long}: {len(ARTICLE) * 3:,} characters, longer than {limit}"


def test_a_file_far_over_max_chars_is_refused_from_its_size_without_reading_it(write) -> None:
    big = write("big.txt", b"x" * 4001)
    with pytest.raises(
        InputError, match=r"big.txt: 4,001 bytes, longer than corpus.max_chars \(1,000 characters\)"
    ):
        read_text(big, max_chars=1000)


def test_inline_and_jsonl_documents_over_max_chars_are_refused_and_the_rest_kept(write) -> None:
    lines = [
        {"id": "a", "source": ARTICLE, "derivatives": [SUMMARY, "x" * 5000]},
        {"id": "b", "source": "y" * 5000, "derivatives": [SUMMARY]},
    ]
    corpus = load_jsonl(write("c.jsonl", "\n".join(json.dumps(x) for x in lines)), max_chars=len(ARTICLE))
    assert [(c.id, [d.id for d in c.derivatives]) for c in corpus.clusters] == [("a", ["d1"])]
    assert [(p.cluster, p.document) for p in corpus.problems] == [("a", "derivatives[1]"), ("b", "source")]
    assert all("5,000 characters, longer than corpus.max_chars" in p.message for p in corpus.problems)
    with pytest.raises(InputError, match=r"document 'x': 5,000 characters, longer than corpus.max_chars"):
        DocRef("x", text="x" * 5000).read("derivative", max_chars=100)
