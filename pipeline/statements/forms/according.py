"""The according-to form: "According to Peskov, …", "…, according to the Kremlin.", "По словам
Пескова, …", "По его словам, …", "За словами Пєскова, …", "На думку Пєскова, …", "Laut Peskow …",
"Nach Angaben Peskows …", and German's postposition: "Peskows Worten zufolge …", "Peskow
zufolge …"."""

from __future__ import annotations

import re

from ..lexicon import ACCORDING, GENITIVE_PRONOUNS, ROLES, ZUFOLGE
from ..mentions import Mention, mention_at, names_someone, speaker_after, speaker_before
from ..model import Form, Statement
from ..quotes import Quote
from ..tokens import WORD, starts_words
from .clause import make_statement

# What goes on after the name when the phrase stands inside the clause: two words or more.
# Not a relative clause or a participle about the speaker: "…, according to Peskov, who spoke …".
_GOES_ON = re.compile(
    r"\s*(?!(?:who|which|whose|speaking|writing|der|die|welche[rs]?|который|которая|которые|який|яка|які|"
    r"выступая|говоря|виступаючи|говорячи)\b)[^\W\d_][^\s.;!?]*\s+[^\W_]",
    re.U,
)
# The possessive of "По его словам, …": whose words they are.
_OWN = re.compile(r"\b(" + "|".join(GENITIVE_PRONOUNS) + r")\b")


def according_to(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The sentence's statements after an according-to phrase (outside its quotes)."""
    out = []
    for pattern in ACCORDING:
        for m in starts_words(text, pattern.finditer(text, s0, s1)):
            if any(q.start <= m.start() < q.end for q in quotes):
                continue
            own = _OWN.search(m.group())
            if own is not None:  # "По его словам, …": he, whoever he was
                at = m.start() + own.start(1)
                who = Mention(own.group(1), at, at + len(own.group(1)), False,
                               gender=GENITIVE_PRONOUNS[own.group(1)])  # fmt: skip
                after = text[m.end() : s1]
                c0 = m.end() + (re.match(r"\s*,?\s*", after).end())  # type: ignore[union-attr]
                if s1 - c0 >= 8:
                    out.append(
                        make_statement(text, who, (m.start(), m.end()), (c0, s1), (s0, s1), "according-to")
                    )
                continue
            named = speaker_after(text, m.end(), s1)
            if named is None:
                continue
            who = _named_after_role(text, named, s1)
            after = text[who.end : s1]
            so = m.group().rstrip() == "so"
            if so and after.strip(" .!?…\n") and not after.lstrip().startswith(","):
                continue  # "…, so Peskow." ends the sentence, or an apposition follows
            comma = re.match(r"\s*,\s*", after)
            appo = re.match(r"((?:the |a )?[^,.;]{3,80}?),\s*", after[comma.end() :]) if comma else None
            if (
                comma
                and appo
                and any(w.lower() in ROLES for w in WORD.findall(appo.group(1)))
                and len(appo.group(1).split()) <= 8
            ):
                comma = re.match(r"\s*,\s*" + re.escape(appo.group(0)), after)
            if m.start() - s0 <= 2 or text[s0 : m.start()].strip() in (
                "",
                "But",
                "And",
                "Но",
                "А",
                "Але",
                "І",
            ):
                c0 = who.end + (comma.end() if comma else 0)
                content = (c0, s1)
            elif _GOES_ON.match(text, who.end + (comma.end() if comma else 0), s1) and (
                not text[s0 : m.start()].rstrip().endswith(",") or len(text[s0 : m.start()].split()) <= 5
            ):
                # "Russland wird nach den Worten von Peskow seinen Kurs nicht ändern", "Москва, по
                # словам Пескова, открыта …": the phrase inside the clause said, which is all of it
                content = (s0, s1)
            else:  # "…, according to Peskov."
                content = (s0, m.start())
            c0, c1 = content
            while c1 > c0 and text[c1 - 1] in " ,.;—–-":
                c1 -= 1
            if c1 - c0 >= 8:
                form: Form = "reported" if so else "according-to"
                out.append(make_statement(text, who, (m.start(), m.end()), (c0, c1), (s0, s1), form))
    return out


def zufolge(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """German's according-to after the speaker: "Peskows Worten zufolge …" at the sentence's
    start (what follows is what was said), "…, Peskow zufolge." at its end (what came before)."""
    out = []
    for m in starts_words(text, ZUFOLGE.finditer(text, s0, s1)):
        if any(q.start <= m.start() < q.end for q in quotes):
            continue
        who = speaker_before(text, m.start(), s0)
        if who is None:
            continue
        lead = text[s0 : who.start].strip()
        if lead in ("", "Aber", "Und", "Doch"):
            c0, c1 = m.end(), s1
        elif lead.endswith(","):
            c0, c1 = s0, who.start
        else:
            continue
        while c1 > c0 and text[c1 - 1] in " ,.;—–-":
            c1 -= 1
        if c1 - c0 >= 8:
            out.append(make_statement(text, who, m.span(), (c0, c1), (s0, s1), "according-to"))
    return out


# A role's phrase, then the name in commas: "According to Sudan's ambassador to the United Nations,
# Al-Harith Idriss, the court …" (the name speaks, the role its apposition).
_ROLE_THEN_NAME = re.compile(
    r"([^,.;:!?\"“”«»]{0,60}?),\s+((?:[A-ZÀ-ÖØ-ÞА-ЯЁЄІЇҐ][\w'’.-]*\s+){0,3}[A-ZÀ-ÖØ-ÞА-ЯЁЄІЇҐ][\w'’-]+),\s+",
    re.U,
)


def _named_after_role(text: str, who: Mention, s1: int) -> Mention:
    """The name after a role and its complement, in commas, or `who` as it was."""
    if who.named and not any(w.lower() in ROLES for w in WORD.findall(who.text)):
        return who
    if not any(w.lower() in ROLES for w in WORD.findall(who.text)):
        return who
    m = _ROLE_THEN_NAME.match(text, who.end, s1)
    if m is None or not all(names_someone(w) for w in WORD.findall(m.group(2))):
        return who
    role = text[who.start : m.end(1)].strip()
    return mention_at(text, m.start(2), m.end(2), apposition=role)
