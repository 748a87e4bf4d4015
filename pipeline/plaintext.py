"""Hostile text made safe to show: everything in an article (its title, text, URL, the names in
it) and in a feed comes from someone else, so it may carry control characters, line breaks where
one line is expected, lone surrogates that no encoder accepts, or bidi controls that reorder
what is shown. These helpers are used wherever such text reaches a header, a log line, a
terminal, a message or a page: the sinks' messages, the CLI's output, the status page, stories
and article extraction.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"

# Bidi embedding/override/isolate controls (category Cf): invisible, and they reorder text.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _char_safe(ch: str) -> str:
    """One character in, one out: controls and line/paragraph separators become a space,
    lone surrogates (which no encoder accepts) become U+FFFD."""
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Zl", "Zp") or ch in _BIDI:
        return " "
    if cat == "Cs":
        return "\ufffd"
    return ch


def scrub(text: str) -> str:
    """Replace control characters with spaces, keeping the length (so offsets still hold)."""
    if text.isprintable():  # fast path: no Cc/Cs/Zl/Zp (nor any Z* other than the space)
        return text
    return "".join(_char_safe(ch) for ch in text)


def one_line(text: str) -> str:
    """Scrubbed and whitespace-collapsed: safe for a header or a one-line field."""
    return " ".join(scrub(text).split())


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters: cut, with trailing space dropped and an ellipsis, when longer."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
