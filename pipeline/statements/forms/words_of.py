"""Whose words a quote is, said right after it: «…», — такие слова Пескова приводит ТАСС; «…», —
такі слова Пєскова наводить агентство ТАСС; «…», — приводит ТАСС слова Пескова; "…," were
Peskov's words, as quoted by TASS; "…," were the words of Peskov. The speaker is the person whose
words they are, not the agency that quotes them (an agency's own "Об этом сообщает ТАСС" is the
agency's: later.py); the form is `quote`, the quote and whose words it is being one sentence. (A
sentence of its own after the quote, "Такие слова Пескова приводит ТАСС.", "Those were Peskov's
words.", is the named-later form: later.py.)"""

from __future__ import annotations

import re

from ..lexicon import ROLES, WORDS_OF_ENGLISH, WORDS_OF_SLAVIC
from ..mentions import Mention, speaker_after
from ..model import Statement
from ..quotes import Quote
from ..tokens import WORD
from .clause import make_statement


def words_of(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The statements of the sentence's quotes that are followed by whose words they are."""
    out = []
    for q in quotes:
        if q.end >= s1 or text[q.end : q.end + 1] not in (" ", ",", "\xa0", "\n"):
            continue
        found = _whose(text, q.end, s1)
        if found is None:
            continue
        who, words = found
        # '"….“ Those were Peskov's words.': a sentence of its own after the quote's full stop
        later = text[q.end - 2 : q.end - 1] in (".", "!", "?", "…") and text[q.end :].lstrip()[:1].isupper()
        if q.inner[1] - q.inner[0] >= 8:
            out.append(
                make_statement(text, who, words, q.inner, (s0, s1), "named-later" if later else "quote")
            )
    return out


def _whose(text: str, at: int, end: int) -> tuple[Mention, tuple[int, int]] | None:
    """Whose words the text after a quote says they are, and where the word "words" stands."""
    m = WORDS_OF_SLAVIC.match(text, at, end)
    if m is not None:  # "— такие слова Пескова", "— приводит ТАСС слова Пескова"
        who = speaker_after(text, m.end(), end)
        return (who, m.span("words")) if who is not None and _named(who) else None
    m = WORDS_OF_ENGLISH.match(text, at, end)
    if m is None:
        return None
    who = speaker_after(text, m.end(), end)
    if who is None or not _named(who):
        return None
    if m.group("words") is not None:  # "were the words of Peskov"
        return who, m.span("words")
    # "were Peskov's words": the possessive ends the name, "words" follows it
    owner = re.match(r"(.*?)['’]s$", who.text)
    after = re.match(r"\s+(words)\b", text[who.end : end])
    if owner is None or after is None:
        return None
    who = Mention(owner.group(1), who.start, who.start + len(owner.group(1)), who.named, gender=who.gender)
    return who, (who.end + 2 + after.start(1), who.end + 2 + after.end(1))


def _named(who: Mention) -> bool:
    """A person or an office named, not a pronoun: "Пескова", "пресс-секретаря Кремля"."""
    return who.named or any(w.lower() in ROLES for w in WORD.findall(who.text))
