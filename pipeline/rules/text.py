"""Folding and tokenizing: the one definition of "a word" shared by queries and documents.

Queries and documents go through the same two functions, so whatever `fold` does (accents,
case, apostrophe and dash variants) it does to both sides and matching stays consistent.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MARKS",
    "Token",
    "WordLocator",
    "blank_possessives",
    "fold",
    "in_word",
    "is_one_word",
    "prepared_words",
    "raw_words",
    "spans",
    "surface",
    "tokenize",
    "words",
]

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


# THE definition of a word, which everything below (and every module that needs a word
# boundary) derives from: a letter or digit, then letters, digits and combining marks (so a
# decomposed "é" stays one word). Underscore and U+02BC (a modifier letter used as an
# apostrophe) split words. On text whose words are all ASCII the same words are runs of
# [A-Za-z0-9], which the fast paths use.
MARKS = _mark_class()
_LETTER = r"[^\W_\u02bc]"  # a letter or digit: what \w is, less "_" and "ʼ"
_NOT_LETTER = r"[\W_\u02bc]"
_ASCII_LETTER, _ASCII_NOT_LETTER = "[A-Za-z0-9]", "[^A-Za-z0-9]"
_WORD = re.compile(rf"{_LETTER}+(?:[{MARKS}]+{_LETTER}*)*")  # by runs: bench/README.md
_ASCII_WORD = re.compile(rf"{_ASCII_LETTER}+")
# The same words of such a text, split in C without a regex (bench/README.md, "Rules"): every
# byte but [A-Za-z0-9] becomes a space (and for folded words A-Z becomes a-z), after each
# non-ASCII character, never part of a word there, became one "?".
_ASCII_SEPARATE = bytes(c if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(256))
_ASCII_SEPARATE_LOWER = _ASCII_SEPARATE.lower()


def _ascii_split(text: str, table: bytes) -> list[str]:
    return text.encode("ascii", "replace").translate(table).decode("ascii").split()


_IN_WORD = re.compile(rf"{_LETTER}|[{MARKS}]")  # a character that belongs to a word
# A possessive: an apostrophe and "s" right after a word (a letter, digit or accent mark) and
# ending one ("Navalny's", "ICC’s", "José's"). Blanked out (same length, so offsets hold); it
# is not a word, so `Navalny` matches it.
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}'][sS](?!{_LETTER})")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def in_word(c: str) -> bool:
    """Whether the character `c` belongs to a word (a letter, digit or combining mark)."""
    return _IN_WORD.match(c) is not None


def is_one_word(text: str) -> bool:
    """Whether `text` is exactly one word as written (tokenize may still fold it to nothing)."""
    if text.isascii():  # ASCII letters and digits only: one word by the definition above
        return text.isalnum()
    return _WORD.fullmatch(text) is not None


def _ascii_words_only(text: str) -> bool:
    """Whether every word is ASCII: the text has no non-ASCII letter, digit or combining mark.

    Such text splits into the same words as ASCII text whatever punctuation it has (curly
    quotes, dashes), and str.lower() folds it.
    """
    if text.isascii():
        return True
    return not any(c.isalnum() or unicodedata.category(c)[0] == "M" for c in set(_NON_ASCII.findall(text)))


def _blank_possessives(text: str) -> str:
    if "s" not in text and "S" not in text:
        return text

    def blank(m: re.Match[str]) -> str:
        at = m.start()
        return "  " if at and _IN_WORD.match(text, at - 1) else m.group()

    return _POSSESSIVE.sub(blank, text)


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

    Apostrophes and hyphens split words ("O'Neill" gives "o" and "neill", "Lvova-Belova" gives
    "lvova" and "belova"), except a possessive "'s", which is dropped: "Navalny’s" is "navalny".
    """
    return [Token(fold(m.group()), m.start(), m.end(), i) for i, m in enumerate(_matches(text))]


def _matches(text: str) -> Iterable[re.Match[str]]:
    """Every word of `text` as a match in its possessive-blanked form: the one splitter that
    tokenize, spans and raw_words read (words and WordLocator take faster roads to the same)."""
    blanked = _blank_possessives(text)
    if _ascii_words_only(blanked):
        return _ASCII_WORD.finditer(blanked)
    return (m for m in _WORD.finditer(blanked) if (w := m.group()).isascii() or _fold(w))


def words(text: str) -> list[str]:
    """The folded words of `text`, the same as `[t.folded for t in tokenize(text)]` without the
    Tokens. Lowercasing ASCII text never moves a word boundary, so ASCII text is folded in one go.
    """
    return prepared_words(_blank_possessives(text))[0]


def prepared_words(blanked: str) -> tuple[list[str], bool]:
    """`words` of a text whose possessives are already blanked, and whether all are ASCII."""
    if _ascii_words_only(blanked):
        return _ascii_split(blanked, _ASCII_SEPARATE_LOWER), True
    out = [w.lower() if w.isascii() else _fold(w) for w in _WORD.findall(blanked)]
    return ([w for w in out if w] if "" in out else out), False


def blank_possessives(text: str) -> str:
    """The text with each possessive 's replaced by spaces (offsets unchanged)."""
    return _blank_possessives(text)


def spans(text: str) -> list[tuple[int, int]]:
    """The character span of each word of `words(text)`, in the same order."""
    return [m.span() for m in _matches(text)]


_SKIP = 64  # words skipped at a time to reach a far word (where each run starts is kept)
_BLOCK = 16  # words read at a time, once each
# Possessive (*+, ++): a run of words is read one way only. With backtracking, a run that is
# not there (near the end of the text) would be tried by splitting words in every possible way.
_ASCII_RUN = rf"{_ASCII_NOT_LETTER}*+{_ASCII_LETTER}++"
# The same for any text (see _WORD).
_WORD_RUN = rf"{_NOT_LETTER}*+{_LETTER}++(?:[{MARKS}]++{_LETTER}*+)*+"
_ASCII_SKIP = re.compile(rf"(?:{_ASCII_RUN}){{{_SKIP}}}")
_ASCII_STEP = re.compile(rf"(?:{_ASCII_RUN}){{{_BLOCK}}}")
_WORD_SKIP = re.compile(rf"(?:{_WORD_RUN}){{{_SKIP}}}")
_WORD_STEP = re.compile(rf"(?:{_WORD_RUN}){{{_BLOCK}}}")
# Asks (snippets, explanations) answered block by block before every span is read in one go:
# the scan costs what about this many asks do (bench/README.md, "Rules").
_ASKS_BEFORE_ALL = 4
_FOLDS_TO_NOTHING = ("\uff9e", "\uff9f")  # letters to Python that `fold` drops: no word alone


class WordLocator:
    """Character spans of chosen words of one text (numbered as in `words(text)`), and only those.

    For a few words of a long text (a snippet's): the regex engine skips 64 words at a time
    (where each run of 64 starts is remembered), then 16, and the spans of a block of 16 words
    are read once, when a word of it is first asked for; blocks asked for together and next to
    each other are read in one go, from the end of the block before when it is read
    (bench/README.md, "Rules"). Once asked `_ASKS_BEFORE_ALL` times (an article that many rules
    match), it reads every word's span in one scan and answers from that.
    """

    def __init__(self, text: str, blanked: str | None = None, ascii_words: bool | None = None) -> None:
        self._text = _blank_possessives(text) if blanked is None else blanked
        if ascii_words is None:
            ascii_words = _ascii_words_only(self._text)
        if ascii_words:
            self._skip, self._step, self._word = _ASCII_SKIP, _ASCII_STEP, _ASCII_WORD
        else:
            self._skip, self._step, self._word = _WORD_SKIP, _WORD_STEP, _WORD
        # A word that folds to nothing is not a word: counting words by regex would be off.
        self._every = spans(text) if any(c in self._text for c in _FOLDS_TO_NOTHING) else None
        self._starts = [0]  # _starts[j]: where to start reading word j * _SKIP
        self._blocks: dict[int, list[tuple[int, int]]] = {}
        self._asked = 0

    def spans(self, wanted: Iterable[int]) -> dict[int, tuple[int, int]]:
        if self._every is None:
            self._asked += 1
            if self._asked > _ASKS_BEFORE_ALL:
                self._every = list(map(re.Match.span, self._word.finditer(self._text)))
        if self._every is not None:
            every = self._every
            return {k: every[k] for k in wanted if 0 <= k < len(every)}
        wanted = [k for k in wanted if k >= 0]
        blocks = self._blocks
        missing = sorted({k // _BLOCK for k in wanted} - blocks.keys())
        run = 0
        for i, block in enumerate(missing):  # blocks next to each other: read in one go
            if i + 1 == len(missing) or missing[i + 1] != block + 1:
                self._read(missing[run], block - missing[run] + 1)
                run = i + 1
        out: dict[int, tuple[int, int]] = {}
        for k in wanted:
            block, at = divmod(k, _BLOCK)
            found = blocks[block]
            if at < len(found):
                out[k] = found[at]
        return out

    def _read(self, first: int, count: int) -> None:
        """The spans of the words of `count` blocks from `first` (fewer at the end of the
        text; none past it): read on from the block before when it is read, else reached by
        skipping."""
        before = self._blocks.get(first - 1)
        pos = before[-1][1] if before and len(before) == _BLOCK else self._start_of(first)
        found: list[tuple[int, int]] = []
        if pos is not None:
            words = itertools.islice(self._word.finditer(self._text, pos), count * _BLOCK)
            found = list(map(re.Match.span, words))
        for n in range(count):
            self._blocks[first + n] = found[n * _BLOCK : (n + 1) * _BLOCK]

    def _start_of(self, block: int) -> int | None:
        """Where to start reading the block's first word (None: the text has fewer words)."""
        run, steps = divmod(block * _BLOCK, _SKIP)
        starts = self._starts
        while len(starts) <= run:
            m = self._skip.match(self._text, starts[-1])
            if m is None:
                return None
            starts.append(m.end())
        pos = starts[run]
        for _ in range(steps // _BLOCK):
            m = self._step.match(self._text, pos)
            if m is None:
                return None
            pos = m.end()
        return pos


def raw_words(text: str) -> list[str]:
    """Each word of `words(text)` as written, in the same order (`findall`, not `_matches`:
    this runs for every =exact term, see bench/README.md, "Rules")."""
    blanked = _blank_possessives(text)
    if _ascii_words_only(blanked):
        return _ascii_split(blanked, _ASCII_SEPARATE)
    return [w for w in _WORD.findall(blanked) if w.isascii() or _fold(w)]


def surface(word: str) -> str:
    """The form a case-sensitive `=term` compares: the word as written, in NFC."""
    return word if word.isascii() else unicodedata.normalize("NFC", word)
