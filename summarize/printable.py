"""Text from data (ids, file names, a server's reply) made safe to show on a terminal or in Markdown.

A control character from data must never act: an ANSI or OSC escape (`\\x1b[2K\\r...`) can rewrite the line
before it ("sumtrack: all systems ok"), set the terminal's title or make a link; a CR or a newline in an id
splits one error line in two; a bidirectional override shows text in another order than it is (issue 20).
Such characters are shown escaped, as Python writes them in a string (`\\x1b`, `\\r`, `\\n`, `\\u202e`);
every other character, any script and emoji included, is shown as it is.
"""

from __future__ import annotations

import unicodedata

# Bidirectional formatting characters ("Trojan Source", Boucher & Anderson 2021): they reorder what follows.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _control(char: str) -> bool:
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def shown(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character escaped (`\\x1b`); with `newlines`, a newline is kept (a message
    of several lines), every other control character escaped still."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if _control(c) and not (newlines and c == "\n") else c for c in text)
