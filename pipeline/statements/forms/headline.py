"""The headline form: `Peskov: "…"` or `Peskov: …` at the start of a line, or `…: Peskov` at its
end."""

from __future__ import annotations

import re

from ..lexicon import DETERMINERS, FEMALE_FIRST, MALE_FIRST, NOT_NAMES, NOT_SPEAKERS, ROLES
from ..mentions import mention_at, name_like
from ..model import Statement
from ..quotes import Quote
from ..tokens import WORD
from .clause import make_statement

# A Slavic surname in the genitive (or a woman's nominative: "Захарова"), after a word that is no
# first name nor role: "Годинник Пєскова: …" is Peskov's watch, no one speaking.
_GENITIVE_SURNAME = ("ова", "ева", "єва", "ёва", "ина", "іна", "ого", "ього")


def _owned(tokens: list[str]) -> bool:
    return (
        len(tokens) >= 2
        and tokens[-1].lower().endswith(_GENITIVE_SURNAME)
        and tokens[0] not in FEMALE_FIRST
        and tokens[0] not in MALE_FIRST
        and tokens[0].lower() not in ROLES
    )


# A headline naming what the speaker spoke about before the colon: "Песков о слухах про отставку:
# «Я продолжаю работать»", "Peskov on the talks: …", "Peskow über die Gespräche: …".
_ABOUT = re.compile(
    r"\s*((?:[A-ZА-ЯЁІЇЄÄÖÜ][\w’'-]+\s?){1,3})\s+(?:о|об|обо|про|щодо|on|about|über|zu|zum|zur)\s+[^:\n]{3,80}:\s+",
    re.U,
)


_MIN_SAID_WORDS = 3


def _about(text: str, s0: int, s1: int) -> list[Statement]:
    m = _ABOUT.match(text, s0, s1)
    whole_line = (s0 == 0 or text[s0 - 1] == "\n") and (s1 == len(text) or text[s1 : s1 + 1] == "\n")
    if m is None or not whole_line or "\n" in text[s0:s1].strip():
        return []  # a line of its own: a headline, not a sentence of the text
    name = m.group(1).strip()
    tokens = WORD.findall(name)
    if not all(name_like(t) for t in tokens) or any(t in NOT_SPEAKERS or t in NOT_NAMES for t in tokens):
        return []
    who = mention_at(text, m.start(1), m.start(1) + len(name))
    content = (who.end + 1, len(text[:s1].rstrip(" .\n")))
    if len(text[m.end() : content[1]].split()) < _MIN_SAID_WORDS or text[m.end() : m.end() + 1] == "@":
        return []  # "Follow Lena on Twitter: @…" says nothing
    return [make_statement(text, who, (who.end, who.end + 1), content, (s0, s1), "headline")]


def headline(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """`Peskov: "…"` or `Peskov: …` at the start of a line, or `…: Peskov` at its end (the
    shapes of a headline)."""
    tail = re.search(r":\s+((?:(?:the |a )?[\w’'-]+\s?){1,4})$", text[s0:s1].rstrip(" .\n"))
    if tail is not None and "\n" not in text[s0:s1].strip():
        tokens = WORD.findall(tail.group(1))
        speaker = [t for t in tokens if t.lower() not in DETERMINERS]
        if (
            speaker
            and all(name_like(t) or t.lower() in ROLES for t in speaker)
            and not any(t in NOT_SPEAKERS for t in tokens)
        ):
            at = s0 + tail.start(1)
            who = mention_at(text, at, at + len(tail.group(1).rstrip()))
            colon = s0 + tail.start()
            return [make_statement(text, who, (colon, colon + 1), (s0, colon), (s0, s1), "headline")]
    m = re.match(r"\s*((?:[A-ZА-ЯЁІЇЄ][\w’'-]+\s?){1,4}):\s+", text[s0:s1])
    if not m:
        return _about(text, s0, s1)
    name = m.group(1).strip()
    tokens = WORD.findall(name)
    if not tokens or any(t in NOT_SPEAKERS or t in NOT_NAMES for t in tokens) or _owned(tokens):
        return []
    c0 = s0 + m.end()
    inner = next((q.inner for q in quotes if q.start == c0), (c0, s1))
    who = mention_at(text, s0 + m.start(1), s0 + m.start(1) + len(name))
    return [make_statement(text, who, (s0 + m.end(1), s0 + m.end(1) + 1), inner, (s0, s1), "headline")]
