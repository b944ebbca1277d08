"""Secrets kept out of every message, and messages kept to one line (issue 20).

A remote system holds two kinds of secret: the API key read from the environment, and credentials a URL
may carry (`user:password@host`). Neither may reach a message, a log, the cache or a report, even when a
server echoes them back (an error body quoting the request's `Authorization: Bearer sk-...` header). So
every text that comes from a server, or that is built from one, passes through `Redactor.clean` at the
source, before it is cut short: a key cut in half no longer matches and would leak its first half.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

MASK = "***"
# Shorter "keys" are no secret worth masking, and masking them would mangle every message they occur in.
MIN_SECRET = 4
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s\"'<>,;]+")
# Up to the last '@' before a space or quote: a password may hold '/' (`http://u:pa/ss@host`).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s\"'<>]*@")
# C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional overrides: each of
# them can split a line or rewrite what a terminal shows before it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """`text` with every control character shown as an escape (`\\n`, `\\x1b`), so it stays one line."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), m.group().encode("unicode_escape").decode()), text)


def strip_userinfo(url: str) -> str:
    """`url` with any `user:password@` shown as `***@`."""
    return _USERINFO.sub(rf"\1{MASK}@", url)


class Redactor:
    """Masks known secrets, in the forms they take inside messages (as written, JSON-escaped, repr'd),
    plus anything shaped like a bearer token or URL credentials."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            for form in (secret, secret.strip(), json.dumps(secret)[1:-1], repr(secret)[1:-1]):
                if len(form) >= MIN_SECRET:
                    forms.add(form)
        # Longest first: a secret that contains another is masked whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def secrets(self, text: str) -> str:
        """`text` with the known secrets masked and nothing else changed (for summaries)."""
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def clean(self, text: str) -> str:
        """A message safe to show: secrets, bearer tokens and URL credentials masked, on one line."""
        text = _BEARER.sub(rf"\1 {MASK}", self.secrets(text))
        return one_line(strip_userinfo(text))
