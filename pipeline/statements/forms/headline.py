"""The headline form: `Peskov: "…"` or `Peskov: …` at the start of a line, or `…: Peskov` at its
end."""

from __future__ import annotations

import re

from ..lexicon import DETERMINERS, NOT_NAMES, NOT_SPEAKERS, ROLES
from ..mentions import mention_at, name_like
from ..model import Statement
from ..quotes import Quote
from ..tokens import WORD
from .clause import make_statement


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
        return []
    name = m.group(1).strip()
    tokens = WORD.findall(name)
    if not tokens or any(t in NOT_SPEAKERS or t in NOT_NAMES for t in tokens):
        return []
    c0 = s0 + m.end()
    inner = next((q.inner for q in quotes if q.start == c0), (c0, s1))
    who = mention_at(text, s0 + m.start(1), s0 + m.start(1) + len(name))
    return [make_statement(text, who, (s0 + m.end(1), s0 + m.end(1) + 1), inner, (s0, s1), "headline")]
