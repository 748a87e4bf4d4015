"""The passive form: "Peskov was quoted (by TASS) as saying (that) …", and the speaker in the
instrumental before a passive participle: "Песковым было заявлено, что …", "Пєсковим було
заявлено, що …"."""

from __future__ import annotations

import re

from ..lexicon import INSTRUMENTAL_ENDINGS, PASSIVE, PASSIVE_DE, PASSIVE_SLAVIC, WHEN
from ..mentions import mention_at, speaker_after, speaker_before
from ..model import Statement
from ..quotes import Quote
from .clause import content_after, make_statement


def passive(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The sentence's "… was quoted as saying …" statements."""
    out = []
    found = list(PASSIVE.finditer(text, s0, s1))
    if "zitiert" in text[s0:s1]:
        found += PASSIVE_DE.finditer(text, s0, s1)
    for m in found:
        who = speaker_before(text, m.start(), s0)
        inverted = _INVERTED_PASSIVE.match(text, m.start(), s1)
        if inverted is not None:  # "In der Zeitung „Iswestija“ wurde er zudem … zitiert"
            who = speaker_after(text, inverted.end(), s1)
        if who is None:
            continue
        content = content_after(text, m.end(), s1, quotes) or (m.end(), s1)
        # '…choosing," a spokesman was quoted …': the comma inside the quote's marks
        before = text[s0 : who.start].rstrip().rstrip('"”»“’')
        if _BY_ONLY.match(text, content[0], s1) or _WHEN_ONLY.match(text, content[0], s1):
            # "…, Peskov was quoted as saying by Interfax.", "…, was reported to have said on Wednesday."
            if not (before.endswith(",") and len(before) > 9):
                continue
            content = (s0, s0 + len(before) - 1)
        out.append(make_statement(text, who, (m.start(), m.end()), content, (s0, s1), "passive"))
    return out


# Who quoted them and when, and nothing else, after "as saying": what was said came before.
# German's passive with its subject after the auxiliary: "wurde er zitiert", "wird Peskow zitiert".
_INVERTED_PASSIVE = re.compile(r"\s+(?:wurde|wird|wurden|werden)\s+(?=(?:er|sie|[A-ZÄÖÜ][\w-]+)\s)", re.U)
_BY_ONLY = re.compile(r"by\s+[^,;:]{1,60}?[.!?]?\s*$", re.U)
_WHEN_ONLY = re.compile(rf"(?i:(?:\s*(?:{WHEN}))+)[.!?]?\s*$", re.U)
# "было", "було" between the speaker and the participle.
_WAS = re.compile(r"(?:\s+(?:было|було|будет|буде))?\s+$", re.U)


def passive_slavic(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The sentence's "Песковым было заявлено, что …" statements: the speaker's last word in the
    instrumental ("Кремлём", "Песковым"), what was said after the participle."""
    out = []
    for m in PASSIVE_SLAVIC.finditer(text, s0, s1):
        was = _WAS.search(text, s0, m.start())
        if was is None:
            continue
        who = speaker_before(text, was.start(), s0)
        if who is not None and not who.text.lower().endswith(INSTRUMENTAL_ENDINGS):
            # a name that does not decline after its role, which does: "Председателем … суда Томоко
            # Акане было заявлено": the phrase from the sentence's start, its first word instrumental
            lead = text[s0 : was.start()].strip()
            first = lead.split()[0].lower() if lead else ""
            who = (
                mention_at(text, s0 + text[s0:].index(lead), s0 + text[s0:].index(lead) + len(lead))
                if first.endswith(INSTRUMENTAL_ENDINGS) and len(lead.split()) <= 8
                else None
            )
        if who is None:
            continue
        content = content_after(text, m.end(), s1, quotes)
        if content is not None:
            out.append(make_statement(text, who, m.span(), content, (s0, s1), "passive"))
    return out
