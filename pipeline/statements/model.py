"""What a statement is: the `Statement` record a caller gets, and how its speaker is named
(`Statement.identity`, whose parts `IDENTITY_SEPARATOR` joins)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .lexicon import RELATIVES

Form = Literal["quote", "reported", "according-to", "headline", "passive"]
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


def without_relation(phrase: str) -> str:
    """ "the widow of Alexei Navalny" -> "the widow"; anything else as it is."""
    for m in _OF.finditer(phrase):
        if m.group(1).lower() in RELATIVES:
            return phrase[: m.end(1)]
    return phrase


_OF = re.compile(r"([^\W\d_]+)\s+(?:of|to|for)\b", re.U)
