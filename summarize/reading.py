"""Reading a text file safely: its codec (a byte-order mark, UTF-8, UTF-16 by its NUL bytes, or detected),
special files refused before they are opened, and a length limit. Every refusal is one InputError line
naming the file and what was found (issue 11)."""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from summarize.errors import InputError

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
AUTO = "auto"
# A document longer than this is refused (issue 11): textrank, the LCS and the report's span finder grow
# faster than linearly, and two million characters (a long novel) is far beyond any article.
DEFAULT_MAX_CHARS = 2_000_000
# No codec spends more than four bytes on a character, so a file larger than this cannot fit in max_chars.
_MAX_BYTES_PER_CHAR = 4


@dataclass(frozen=True)
class Decoded:
    text: str
    codec: str  # the codec that decoded it, e.g. "utf-8", "utf-16 (BOM)", "cp1252 (detected)"


def _binary(where: str) -> InputError:
    return InputError(f"{where}: looks like a binary file, not text (NUL or control bytes found)")


def _check_text(text: str, where: str) -> None:
    """Decoded text with NUL or many control characters is a binary file read as text."""
    if "\x00" in text:
        raise _binary(where)
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\f\r")
    if control > min(len(text), 65536) * 0.1:
        raise _binary(where)


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le or -be when the NUL bytes fall on one side of nearly every pair, as in Latin-script
    UTF-16 without a byte-order mark; None when the pattern is not clear."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    pairs = len(data) // 2
    if odd >= 0.3 * pairs and even <= 0.01 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.01 * pairs:
        return "utf-16-be"
    return None


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess, except that cp1252 wins when one of the equally good candidates
    reads the bytes exactly as cp1252 does: on short Western text cp1250, cp1252 and others tie (or agree
    on every byte present), and cp1252 is by far the most common of them."""
    from charset_normalizer import from_bytes

    # UTF-16 and -32 without a byte-order mark are found by their NUL bytes (_utf16_without_bom); a guess
    # of them on bytes without NUL is garbage (four cp1252 bytes "caf\xe9" come back as UTF-16).
    matches = [m for m in from_bytes(data) if not _wide(m.encoding)]
    if not matches:
        return None
    best = matches[0]
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        return str(best.encoding)
    tied = [
        m for m in matches if abs(m.chaos - best.chaos) < 0.01 and abs(m.coherence - best.coherence) < 0.01
    ]
    return "cp1252" if any(str(m) == western for m in tied) else str(best.encoding)


def _wide(encoding: str) -> bool:
    return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def decode(data: bytes, where: str, encoding: str = AUTO, setting: str = "corpus.encoding") -> Decoded:
    """Decode file bytes. A byte-order mark wins; then `encoding`, or with "auto": UTF-8, UTF-16 without a
    mark when its NUL pattern is clear, else a detector. Refusals say what was found and name `setting`,
    the option that chooses the codec where the caller reads files (corpus.encoding, --encoding)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{where}: starts with a {name} byte-order mark but is not valid {name}: "
                    f"{exc.reason} at offset {exc.start}"
                ) from None
            _check_text(text, where)
            return Decoded(text, f"{name} (BOM)")
    if encoding == AUTO:
        return _decode_auto(data, where, setting)
    try:
        wide = _wide(encoding)
    except LookupError:
        raise InputError(f"{where}: unknown encoding {encoding!r}") from None
    if not wide and b"\x00" in data:
        raise _binary(where)
    utf8 = _is_utf8(data)
    if wide and utf8 and b"\x00" not in data:
        raise InputError(
            f"{where}: {setting} is {encoding} but the file is UTF-8 (valid UTF-8, no NUL bytes); "
            f"set {setting} to auto or utf-8"
        )
    if not wide and utf8 and not data.isascii() and codecs.lookup(encoding).name != "utf-8":
        # Multi-byte UTF-8 read as a single-byte codec is mojibake ("world’s" -> "worldâ€™s").
        raise InputError(
            f"{where}: {setting} is {encoding} but the file is UTF-8 with non-ASCII characters, which "
            f"{encoding} would garble; set {setting} to auto"
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise InputError(
            f"{where}: not valid {encoding}: byte(s) {bad} at offset {exc.start}; "
            f"set {setting} to auto to detect each file's codec"
        ) from None
    _check_text(text, where)
    return Decoded(text, codecs.lookup(encoding).name)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_auto(data: bytes, where: str, setting: str) -> Decoded:
    if b"\x00" in data:
        wide = _utf16_without_bom(data)
        if wide is None:
            raise _binary(where)
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            raise _binary(where) from None
        _check_text(text, where)
        return Decoded(text, f"{wide} (detected)")
    if _is_utf8(data):
        text = data.decode("utf-8")
        _check_text(text, where)
        return Decoded(text, "utf-8")
    codec = _detect(data)
    if codec is None:
        raise InputError(
            f"{where}: not UTF-8 and no other text encoding fits; if it is text, set {setting} to its codec"
        )
    text = data.decode(codec)
    _check_text(text, where)
    return Decoded(text, f"{codec} (detected)")


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, name in (
        (stat.S_ISDIR, "a folder, expected a text file"),
        (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
        (stat.S_ISCHR, "a character device, not a regular file"),
        (stat.S_ISBLK, "a block device, not a regular file"),
        (stat.S_ISSOCK, "a socket, not a regular file"),
    ):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a text file, judged by stat alone (never opened, so a FIFO does not
    block): missing, a symlink loop, a NUL byte in the name, a folder, a FIFO, a device; None when it is a
    regular file. `validate` and reading give the same line."""
    where = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{where}: file not found"
    except ValueError:  # a NUL byte in the path
        return f"{where!r}: invalid path (contains a NUL byte)"
    except OSError as exc:  # a symlink loop, a name too long, permission denied on a folder
        return f"{where}: cannot read ({exc.strerror})"
    kind = _kind(info.st_mode)
    return f"{where}: is {kind}" if kind else None


# The options that set the codec and the length limit, named in refusals: a config's keys for runs, the
# command's flags for `sumtrack score`, so advice never names an option the command lacks.
Options = tuple[str, str]
CONFIG_OPTIONS: Options = ("corpus.encoding", "corpus.max_chars")


def read_decoded(
    path: Path,
    encoding: str = AUTO,
    max_chars: int = DEFAULT_MAX_CHARS,
    options: Options = CONFIG_OPTIONS,
) -> Decoded:
    """Read a text file, refusing missing, special (FIFO, device), unreadable, binary, undecodable, too long
    and empty files. The file is looked at (stat) before it is opened, so a FIFO never blocks."""
    where = str(path)
    problem = file_problem(path)
    if problem:
        raise InputError(problem)
    try:
        info = os.stat(path)
    except OSError as exc:  # gone since the look above
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    limit = f"{options[1]} ({max_chars:,} characters)"
    if info.st_size > max_chars * _MAX_BYTES_PER_CHAR:
        raise InputError(f"{where}: {info.st_size:,} bytes, longer than {limit}")
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it does not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError(f"{where}: is not a regular file")
            data = handle.read()
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    decoded = decode(data, where, encoding, options[0])
    if not decoded.text.strip():
        raise InputError(f"{where}: file is empty")
    if len(decoded.text) > max_chars:
        raise InputError(f"{where}: {len(decoded.text):,} characters, longer than {limit}")
    return decoded


def read_text(
    path: Path, encoding: str = AUTO, max_chars: int = DEFAULT_MAX_CHARS, options: Options = CONFIG_OPTIONS
) -> str:
    """The text of a file (see read_decoded)."""
    return read_decoded(path, encoding, max_chars, options).text


_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_path(text: str) -> Path:
    """A path as a config or a JSONL line writes it: `~` (and `~user`) is the home folder, `$NAME` or
    `${NAME}` an environment variable's value, `$$` a plain `$` (issue 20: `output.dir: "$VAR/out"` made a
    folder named `$VAR`). An unset variable is refused, never left in the path."""

    def value(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(3)
        found = os.environ.get(name)
        if found is None:
            raise InputError(
                f"path {text!r}: environment variable ${name} is not set (write $$ for a plain $)"
            )
        return found

    return Path(_VARIABLE.sub(value, text)).expanduser()


def resolve(path: Path) -> Path:
    """`path` made absolute with symlinks resolved where that is possible; a symlink loop or a NUL byte in
    the name is left for reading to refuse with one line (Path.resolve raises RuntimeError, ValueError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))
