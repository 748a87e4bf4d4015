"""Whom a pronoun or a definite role refers back to ("he", "the spokesman", "По его словам"): the
most recent compatible person the article named, as a speaker or as a sentence's subject, and
for "he" or "she" anywhere in the sentences just before ("Reporters asked Peskov. He said …")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from .lexicon import (
    GENERIC_ROLES,
    GENITIVE_PRONOUNS,
    GERMAN_HINTS,
    GERMAN_NOUN_ENDINGS,
    INSTITUTIONS,
    MEN_ROLES,
    MODIFIERS,
    NOT_NAMES,
    PERSON_ROLES,
    PLURAL_TOO,
    PRONOUNS,
    RELATIVES,
    ROLES,
    TITLES,
    WOMEN_ROLES,
)
from .mentions import AGE_NOUN, Mention, name_like, named_in, names_someone, pronoun_gender, speaker_after
from .model import Statement
from .tokens import WORD


def resolve(st: Statement, people: People, sentence: int) -> Statement:
    """A pronoun or a definite role refers back to the most recent compatible named person
    before it (`People.before`); the statement with `refers_to` set, or as it was."""
    words = WORD.findall(st.speaker)
    lower = [w.lower() for w in words]
    if not words:
        return st
    pronoun = len(words) == 1 and (lower[0] in PRONOUNS or lower[0] in GENITIVE_PRONOUNS)
    definite_role = (
        (lower[0] in ("the", "this", "der", "die", "das", "dieser", "diese", "dieses") and lower[-1] in ROLES)
        # "der CDU-Politiker", "die Kremlkritikerin": a German compound that ends as a role does
        or (
            lower[0] in ("der", "die", "dieser", "diese")
            and len(words) == 2
            and lower[-1].endswith(_DE_ROLE_ENDS)
        )
        or (all(w in ROLES for w in lower) and not words[0][:1].isupper())
        or _slavic_role(words, lower)
        or (len(words) == 2 and lower[0] in ("der", "die") and AGE_NOUN.fullmatch(words[1]) is not None)
    )
    slavic = definite_role and _CYRILLIC.match(lower[0]) is not None
    if not pronoun:
        relative = _relative_named_before(st, people, sentence, words, lower)
        if relative is not st or not definite_role:
            return relative
    want = (GENITIVE_PRONOUNS.get(lower[0]) or pronoun_gender(words[0])) if pronoun else ""
    if len(words) == 2 and AGE_NOUN.fullmatch(words[1]):  # "die 27-Jährige": a woman
        want = "f" if lower[0] == "die" else "m"
    roles = {w for w in lower if w in ROLES}
    # "die Witwe", "the widow": a relative's role says the gender of the woman or man named before,
    # who need not have been called so then
    family = bool(roles) and roles <= _FAMILY and definite_role
    if family:
        want = "f" if roles & WOMEN_ROLES else "m" if roles & MEN_ROLES else ""
    # "the former spokesman" is not whoever was the spokesman: the candidate must be former too
    modifiers = {w for w in lower if w in MODIFIERS}
    for m in people.before(sentence, st.speaker_start, want):
        if want and m.gender and m.gender != want:
            continue
        if st.content_start <= m.start < st.content_end:
            continue  # "Kiew habe sich Gespräche verboten, sagte er": not whom he spoke of
        if definite_role and (roles or modifiers):
            theirs = {w.lower() for w in WORD.findall(m.apposition + " " + m.text)}
            of = _relative_of(m.apposition)
            if of and roles & {w.lower() for w in WORD.findall(of)}:
                # "Nikolai Peskov, the son of Kremlin spokesman Dmitry Peskov … The Kremlin
                # spokesman declined": the father, whom the son's apposition names
                return replace(st, refers_to=of)
            if of and not roles & theirs:
                continue  # a relative is not whoever he is the relative of
            # "По словам Дмитрия Пескова, … Пресс-секретарь президента отказался …": a Slavic
            # role without its article refers to a person named with no role of theirs
            roleless = slavic and not ROLES & theirs and m.named and _stem(m.text) not in _stems(lower)
            # a German compound holds the role: "das Ministerium" is "dem Verteidigungsministerium"
            compound = any(t.endswith(r) for t in theirs for r in roles if len(r) > 4)
            kin = family and m.named and (not m.gender or m.gender == want)
            # "— добавил министр" after "Глава МИД России Сергей Лавров": a ministry's head is its minister
            heads = roles <= _HEADS and bool(_HEADS & theirs)
            if (
                roles
                and not roles & theirs
                and not (roles & GENERIC_ROLES)
                and not (roleless or compound or kin or heads)
            ):
                continue
            if not modifiers <= theirs:
                continue
        # "he" says the gender of whom it names: a "she" after it is someone else
        people.referred(sentence, st.speaker_start, replace(m, gender=m.gender or want))
        m = people.fullest(m)  # "Dmitry Peskov, the envoy, said … Peskov told … He added": all of him
        refers = m.text + (f", {m.apposition}" if m.apposition else "")
        return replace(st, refers_to=refers)
    return st


def _relative_named_before(
    st: Statement, people: People, sentence: int, words: list[str], lower: list[str]
) -> Statement:
    """A relative named by whose relative they are ("вдова Олексія Навального", "die Witwe des
    Kremlkritikers Alexej Nawalny", "Navalny's widow") is the person of that family named before,
    of the relative's gender and not the one the phrase names: Юлія Навальна, named earlier."""
    relatives = [w for w in lower if w in RELATIVES and w in (WOMEN_ROLES | MEN_ROLES | _FAMILY)]
    named = [w for w in words if names_someone(w)]
    if not relatives or not named:
        return st
    want = "f" if relatives[0] in WOMEN_ROLES else "m" if relatives[0] in MEN_ROLES else ""
    stems = {_stem(w) for w in named}
    for m in people.before(sentence, st.speaker_start, want):
        if not m.named or (want and m.gender and m.gender != want) or _stem(m.text) not in stems:
            continue
        if _last(m.text) in {w.lower().removesuffix("'s").removesuffix("’s") for w in named}:
            continue  # the one whose relative it is, named the same way
        m = people.fullest(m)
        return replace(st, refers_to=m.text + (f", {m.apposition}" if m.apposition else ""))
    return st


_DE_ROLE_ENDS = (
    "politiker", "politikerin", "minister", "ministerin", "sprecher", "sprecherin", "chef", "chefin",
    "präsident", "präsidentin", "vertraute", "vertrauter", "kritiker", "kritikerin", "diplomat",
    "diplomatin", "beamte", "beamter", "beamtin", "vorsitzende", "vorsitzender",
)  # fmt: skip
# The words for the head of a ministry or an office, one another's.
_HEADS = frozenset(
    ("глава", "министр", "руководитель", "очільник", "голова", "міністр", "керівник", "minister", "head")
)
# Relatives that say the gender (WOMEN_ROLES, MEN_ROLES) or not.
_FAMILY = frozenset(
    ("widow", "вдова", "witwe", "wife", "жена", "дружина", "ehefrau", "son", "сын", "син", "sohn")
)


class People:
    """The people a pronoun or a role may refer back to: the named speakers (and the person a
    speaker's pronoun referred to, named again there), the subject of each sentence, named ("Peskov
    was speaking at a forum. There, he told …") or a pronoun's ("He was asked about Zelensky's
    plan."), and for "he" and "she" the people a sentence before names in any other place
    ("Reporters asked Peskov about the talks. "…," he said."); the latter two read only when
    something needs referring back (most sentences never do)."""

    LOOK_BACK = 8  # sentences
    # An object is a weaker antecedent than a subject: only in the sentences right before.
    OBJECTS_LOOK_BACK = 3

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text, self.spans = text, spans
        self._surnames: frozenset[str] | None = None
        # per sentence: where each speaker (or a pronoun naming someone again) stands, and whom
        self.speakers: dict[int, list[tuple[int, Mention]]] = {}
        self._subjects: dict[int, Mention | None] = {}
        self._objects: dict[int, list[Mention]] = {}
        self._german: bool | None = None  # whether German's spellings may be: read when needed

    @property
    def surnames(self) -> frozenset[str]:
        if self._surnames is None:
            german = any(h in self.text for h in GERMAN_HINTS)
            self._surnames = _surnames(self.text, GERMAN_NOUN_ENDINGS if german else ())
        return self._surnames

    def spoke(self, sentence: int, who: Mention) -> None:
        if _person_like(who, self.surnames, speaker=True):
            self.speakers.setdefault(sentence, []).append((who.start, who))

    def referred(self, sentence: int, at: int, who: Mention) -> None:
        """A pronoun or a role at `at` names `who` again: the most recent mention of them now."""
        self.speakers.setdefault(sentence, []).append((at, who))

    def fullest(self, m: Mention) -> Mention:
        """The mention of the same surname that names them most fully (first name, apposition)
        among the speakers before it: a surname alone, named so again, is the person named so
        at first."""
        last, best = _last(m.text), m
        if not m.named or not names_someone(m.text.split()[-1]):  # "Con Edison officials": a role
            return m
        size = len(m.text) + len(m.apposition)
        for found in self.speakers.values():
            for _, o in found:
                bigger = o.start < m.start and o.named and len(o.text) + len(o.apposition) > size
                if bigger and _last(o.text) == last and o.gender in ("", m.gender):
                    best, size = o, len(o.text) + len(o.apposition)
        return best

    def subject(self, sentence: int) -> Mention | None:
        if sentence not in self._subjects:
            self._subjects[sentence] = None  # a pronoun's subject looks back, never at itself
            s0, s1 = self.spans[sentence]
            found = (
                speaker_after(self.text, s0, min(s1, s0 + 200)) if _NAME_START.match(self.text, s0) else None
            )
            if found is not None and not found.named:
                found = self._carried(sentence, found)
            elif found is not None and not _person_like(found, self.surnames):
                found = None
            self._subjects[sentence] = found
        return self._subjects[sentence]

    def _carried(self, sentence: int, pronoun: Mention) -> Mention | None:
        """The person a sentence's subject pronoun stands for ("He was asked about Zelensky's
        plan": the man before, not Zelensky), when it says their gender."""
        word = pronoun.text.lower()
        if word not in PRONOUNS or not pronoun.gender or word in PLURAL_TOO:
            return None
        for m in self.before(sentence, pronoun.start, pronoun.gender):
            if m.gender in ("", pronoun.gender):
                return replace(m, gender=pronoun.gender)  # "he" says he is a man
        return None

    def objects(self, sentence: int) -> list[Mention]:
        if sentence not in self._objects:
            if self._german is None:
                self._german = any(h in self.text for h in GERMAN_HINTS)
            self._objects[sentence] = named_in(self.text, *self.spans[sentence], german=self._german)
        return self._objects[sentence]

    def before(self, sentence: int, at: int, gender: str = "") -> Iterator[Mention]:
        """The candidates before position `at` of this sentence, the most recent first: per
        sentence its speakers, its subject, and for a pronoun of `gender` ("m" or "f") the
        people of that gender a sentence before names elsewhere (the most recent; none at all
        when it names two: "Putin met Erdogan. He said …" is either). A person named again by a
        pronoun comes where the pronoun is, if named within `LOOK_BACK` sentences: a chain of
        pronouns reaches no further back than one."""
        floor = self.spans[max(0, sentence - self.LOOK_BACK + 1)][0]
        for k in range(sentence, max(-1, sentence - self.LOOK_BACK), -1):
            for where, m in reversed(self.speakers.get(k, [])):  # in the order they were found
                if where < at and m.start >= floor:
                    yield m
            subject = self.subject(k)
            if subject is not None and floor <= subject.start < at:
                yield subject
            if gender and k < sentence and sentence - k <= self.OBJECTS_LOOK_BACK:
                theirs = [m for m in self.objects(k) if m.gender == gender or _either(m)]
                if len({_stem(m.text) for m in theirs}) > 1:
                    return
                if theirs:
                    yield theirs[-1]


_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.U)
# A genitive word after a Slavic role: "президента", "Кремля", "Путіна", "МЗС" not.
_GENITIVE_END = re.compile(r"(?:а|я|і|и|ы|ого|ої|ей)$", re.U)


# A Slavic surname an object may be in either gender: "спросили Пескова" (his accusative) reads as
# a woman's nominative, "Пескова", to the nominative's endings.
_EITHER_GENDER = re.compile(r"(?:ова|ева|ёва|єва|ина|ына|іна)$", re.U)


def _either(m: Mention) -> bool:
    """Whether an object's name may be a man's or a woman's by its ending alone (no first name)."""
    words = m.text.split()
    return len(words) == 1 and _EITHER_GENDER.search(words[0]) is not None


def _slavic_role(words: list[str], lower: list[str]) -> bool:
    """A Slavic role with no name, which Russian and Ukrainian write without an article: "Пресс-
    секретарь президента", "Прессекретар Путіна" (whose role it is, in the genitive)."""
    if lower[0] not in ROLES or _CYRILLIC.match(lower[0]) is None:
        return False
    if len(words) >= 3 and all(name_like(w) and not w.isupper() for w in words[-2:]):
        return False  # "Речник МКС Фаді ель-Абдалла": a role, then a full name, names him
    return all(w.islower() or _GENITIVE_END.search(w) or w.isupper() for w in words[1:])  # "очільник МЗС"


def _relative_of(apposition: str) -> str:
    """Whom a relative's apposition names them the relative of: "the son of Kremlin spokesman
    Dmitry Peskov" -> "Kremlin spokesman Dmitry Peskov"; "" for none."""
    m = _RELATIVE_OF.search(apposition)
    return apposition[m.end() :].strip() if m is not None and m.group(1).lower() in RELATIVES else ""


_RELATIVE_OF = re.compile(r"\b([^\W\d_]+)\s+(?:of|of the)\s+", re.U)


def _stems(lower: list[str]) -> set[str]:
    return {w[:5] for w in lower}


def _stem(name: str) -> str:
    """A surname in any of its case forms, as one: "Пескову", "Песковым" -> "песко"; "Peskov's",
    "Peskow" -> "pesko"."""
    return name.split()[-1].lower().removesuffix("'s").removesuffix("’s")[:5]


def _last(name: str) -> str:
    """A name's last word as written ("Peskov's" -> "peskov"): the same surname in the same case
    ("Navalny" is not "Navalnaya")."""
    return name.split()[-1].lower().removesuffix("'s").removesuffix("’s") if name.split() else ""


def _surnames(text: str, not_endings: tuple[str, ...] = ()) -> frozenset[str]:
    """The last words of the people's names in the text: sequences of two or three capitalised
    words that name no institution ("Dmitry Peskov", not "International Criminal Court"), nor end
    as `not_endings` do (German's nouns, in a German text: "Jede Beschlagnahmung"; not "Young")."""
    out = set()
    for m in re.finditer(
        r"\b([A-ZА-ЯЁІЇЄ][a-zа-яёіїєґ'’-]+)(?:\s+([A-ZА-ЯЁІЇЄ][a-zа-яёіїєґ'’-]+)){1,2}\b", text
    ):
        names = m.group().split()
        if not any(n in INSTITUTIONS or n in NOT_NAMES for n in names) and not names[-1].endswith(
            not_endings
        ):
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
