"""Whom a pronoun or a definite role refers back to ("he", "the spokesman", "По его словам"): the
most recent compatible person the article named, as a speaker or as a sentence's subject."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from .lexicon import (
    GENERIC_ROLES,
    GENITIVE_PRONOUNS,
    INSTITUTIONS,
    NOT_NAMES,
    PERSON_ROLES,
    PRONOUNS,
    ROLES,
    TITLES,
)
from .mentions import Mention, names_someone, pronoun_gender, speaker_after
from .model import Statement
from .tokens import WORD


def resolve(st: Statement, named: Iterable[Mention]) -> Statement:
    """A pronoun or a definite role refers back to the most recent compatible named person."""
    words = WORD.findall(st.speaker)
    lower = [w.lower() for w in words]
    if not words:
        return st
    pronoun = len(words) == 1 and (lower[0] in PRONOUNS or lower[0] in GENITIVE_PRONOUNS)
    definite_role = (lower[0] in ("the", "this", "der", "die", "dieser", "diese") and lower[-1] in ROLES) or (
        all(w in ROLES for w in lower) and not words[0][:1].isupper()
    )
    if not (pronoun or definite_role):
        return st
    want = (GENITIVE_PRONOUNS.get(lower[0]) or pronoun_gender(words[0])) if pronoun else ""
    roles = {w for w in lower if w in ROLES}
    for m in named:
        if want and m.gender and m.gender != want:
            continue
        if (
            definite_role
            and roles
            and not roles & {w.lower() for w in WORD.findall(m.apposition + " " + m.text)}
            and not (roles & GENERIC_ROLES)
        ):
            continue
        refers = m.text + (f", {m.apposition}" if m.apposition else "")
        return replace(st, refers_to=refers)
    return st


class People:
    """The people a pronoun or a role may refer back to: the named speakers, and the named
    subject of each sentence ("Peskov was speaking at a forum. There, he told …"), the latter
    read only when something needs referring back (most sentences never do)."""

    LOOK_BACK = 8  # sentences

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text, self.spans = text, spans
        self._surnames: frozenset[str] | None = None
        self.speakers: dict[int, list[Mention]] = {}
        self._subjects: dict[int, Mention | None] = {}

    @property
    def surnames(self) -> frozenset[str]:
        if self._surnames is None:
            self._surnames = _surnames(self.text)
        return self._surnames

    def spoke(self, sentence: int, who: Mention) -> None:
        if _person_like(who, self.surnames, speaker=True):
            self.speakers.setdefault(sentence, []).append(who)

    def subject(self, sentence: int) -> Mention | None:
        if sentence not in self._subjects:
            s0, s1 = self.spans[sentence]
            found = (
                speaker_after(self.text, s0, min(s1, s0 + 200)) if _NAME_START.match(self.text, s0) else None
            )
            keep = found is not None and found.named and _person_like(found, self.surnames)
            self._subjects[sentence] = found if keep else None
        return self._subjects[sentence]

    def before(self, sentence: int, at: int) -> Iterator[Mention]:
        """The candidates before position `at` of this sentence, the most recent first."""
        for k in range(sentence, max(-1, sentence - self.LOOK_BACK), -1):
            for m in reversed(self.speakers.get(k, [])):
                if m.start < at:
                    yield m
            subject = self.subject(k)
            if subject is not None and subject.start < at:
                yield subject


def _surnames(text: str) -> frozenset[str]:
    """The last words of the people's names in the text: sequences of two or three capitalised
    words that name no institution ("Dmitry Peskov", not "International Criminal Court")."""
    out = set()
    for m in re.finditer(
        r"\b([A-ZА-ЯЁІЇЄ][a-zа-яёіїєґ'’-]+)(?:\s+([A-ZА-ЯЁІЇЄ][a-zа-яёіїєґ'’-]+)){1,2}\b", text
    ):
        names = m.group().split()
        if not any(n in INSTITUTIONS or n in NOT_NAMES for n in names):
            out.add(names[-1])
    return frozenset(out)


def _person_like(m: Mention, surnames: frozenset[str], speaker: bool = False) -> bool:
    """Whether a mention names a person (for "he" and "she"): a person's role or title, or a
    name the text also gives as a person's full name."""
    tokens = WORD.findall(m.text)
    if any(t in TITLES for t in tokens) or any(t.lower() in PERSON_ROLES for t in tokens):
        return True
    names = [t for t in tokens if names_someone(t)]
    return bool(names) and (names[-1] in surnames or m.gender != "" or speaker)


_NAME_START = re.compile(r"(?:the |a |an )?[A-ZА-ЯЁІЇЄ]", re.U)
