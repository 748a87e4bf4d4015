"""Folding and tokenizing: the one definition of "a word" shared by queries and documents.

Queries and documents go through the same two functions, so whatever `fold` does (accents,
case, apostrophe and dash variants) it does to both sides and matching stays consistent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Token", "fold", "tokenize"]

_APOSTROPHES = "\u2019\u2018\u201b\u02bc\uff07\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_PUNCT = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DASHES, "-")})
_DROPPED = frozenset({"Mn", "Me"})


def _mark_class() -> str:
    """A regex character class body with every combining mark (Mn, Mc, Me) as ranges."""
    ranges: list[tuple[int, int]] = []
    codepoints = [*range(0x20000), *range(0xE0100, 0xE01F0)]
    for cp in codepoints:
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


# A word: a letter or digit, then letters, digits and combining marks (so a decomposed "é" stays
# one word). Underscore and U+02BC (a modifier letter used as an apostrophe) split words.
_WORD = re.compile(rf"[^\W_\u02bc](?:[^\W_\u02bc]|[{_mark_class()}])*")


def fold(s: str) -> str:
    """Case-, accent- and punctuation-variant-insensitive form: é=e, ё=е, й=и, ’='; – = -."""
    if s.isascii():
        return s.lower()
    return _fold(s)


@lru_cache(maxsize=1 << 16)
def _fold(s: str) -> str:
    # NFKD first (compatibility forms such as ligatures or script letters may decompose to
    # uppercase), casefold, then NFKD again because casefolding can produce decomposable text.
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", s).casefold())
    s = "".join(c for c in s if unicodedata.category(c) not in _DROPPED)
    return s.translate(_PUNCT)


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded form, its character span in the original text, its word index."""

    folded: str
    start: int
    end: int
    index: int


def tokenize(text: str) -> list[Token]:
    """Split text into words (runs of letters and digits); offsets point into `text` itself.

    Apostrophes and hyphens split words: "Navalny’s" gives "navalny" and "s", "Lvova-Belova"
    gives "lvova" and "belova".
    """
    tokens: list[Token] = []
    for m in _WORD.finditer(text):
        folded = fold(m.group())
        if folded:
            tokens.append(Token(folded, m.start(), m.end(), len(tokens)))
    return tokens
