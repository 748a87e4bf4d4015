"""What a statement is: the `Statement` record a caller gets, and how its speaker is named
(`Statement.identity`, whose parts `IDENTITY_SEPARATOR` joins)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .lexicon import FEMALE_FIRST, MALE_FIRST, RELATIVES

# How the statement was found (the package's docstring shows each): the forms of bench/statements's
# labels, one to one.
Form = Literal[
    "quote",
    "reported",
    "according-to",
    "headline",
    "passive",
    "coordinated",
    "refusal",
    "named-later",
    "absolute",
]
MAX_TEXT_CHARS = 200_000  # statements are looked for in this much of a text at most


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: who (as the article names them here), the reporting verb, what was said,
    and where (character offsets into the text given)."""

    speaker: str
    speaker_start: int
    speaker_end: int
    verb: str
    verb_start: int
    verb_end: int
    content: str
    content_start: int
    content_end: int
    sentence_start: int
    sentence_end: int
    form: Form
    refers_to: str = ""  # the named mention a pronoun or a role refers back to
    apposition: str = ""  # "the Kremlin spokesman" in "Peskov, the Kremlin spokesman, said"

    @property
    def identity(self) -> str:
        """What names the speaker: the mention, its apposition and whom it refers back to; a
        relative by way of someone stays the relative ("the widow of X" is the widow)."""
        parts = (self.speaker, self.apposition, self.refers_to)
        return IDENTITY_SEPARATOR.join(without_relation(p) for p in parts if p)


IDENTITY_SEPARATOR = " | "  # between the parts of `Statement.identity` (not a word: it splits words)


@lru_cache(maxsize=4096)  # the same few speakers, over and over
def without_relation(phrase: str) -> str:
    """The relative without whom they are the relative of: "the widow of Alexei Navalny" -> "the
    widow"; "the Kremlin spokesman's daughter" -> "daughter", "Peskows Tochter Jelisaweta" ->
    "Tochter Jelisaweta"; "Дочь пресс-секретаря Кремля Елизавета Пескова" -> "Дочь Елизавета
    Пескова" (from her first name on, when a first name the lexicon knows follows); anything else
    as it is."""
    for m in _OF.finditer(phrase):
        if m.group(1).lower() in RELATIVES:
            return phrase[: m.end(1)]
    for m in _POSSESSIVE.finditer(phrase):
        if m.group(1).lower() in RELATIVES:
            return phrase[m.start(1) :]
    first = _FIRST_WORD.match(phrase)
    if first is not None and first.group().lower() in RELATIVES:
        names = [w for w in _WORDS.finditer(phrase, first.end()) if w.group() in FEMALE_FIRST | MALE_FIRST]
        if names and phrase[first.end() : names[0].start()].strip():
            return f"{first.group()} {phrase[names[0].start() :]}"
    return phrase


_OF = re.compile(r"([^\W\d_]+)\s+(?:of|to|for)\b", re.U)
# "the spokesman's daughter", "Peskows Tochter": a possessive, then the relative.
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=[^\W\d_])s)\s+([^\W\d_]+)", re.U)
_FIRST_WORD = re.compile(r"\s*[^\W\d_]+(?:-[^\W\d_]+)*", re.U)
_WORDS = re.compile(r"[^\W\d_]+", re.U)
