"""The passive form: "Peskov was quoted (by TASS) as saying (that) …"."""

from __future__ import annotations

from ..lexicon import PASSIVE
from ..mentions import speaker_before
from ..model import Statement
from ..quotes import Quote
from .clause import content_after, make_statement


def passive(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The sentence's "… was quoted as saying …" statements."""
    out = []
    for m in PASSIVE.finditer(text, s0, s1):
        who = speaker_before(text, m.start(), s0)
        if who is None:
            continue
        content = content_after(text, m.end(), s1, quotes) or (m.end(), s1)
        out.append(make_statement(text, who, (m.start(), m.end()), content, (s0, s1), "passive"))
    return out
