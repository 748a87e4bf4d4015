"""The refusal form: a refusal to speak reported as such, whose content is what was declined.
"Peskov declined to comment on the report" (content "comment on the report"), "would not say
whether …", "Песков отказался комментировать …", "От комментариев Песков отказался", "Пєсков
відмовився коментувати …", "Peskow wollte sich dazu nicht äußern", "lehnte einen Kommentar ab".
Declining anything else is none ("declined an invitation", "отказался от поездки"), nor is
silence ("did not comment")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Literal

from ..lexicon import PARTICIPLES, PRONOUNS, REFUSALS_CLOSED, ROLES
from ..mentions import Mention, mention_at, pronoun_gender, speaker_after, speaker_before
from ..model import Statement
from ..quotes import Quote
from .clause import make_statement

# Where what was declined ends before the sentence does: a participle after a comma, a "but"
# ("declined to comment, saying only that …", "refused to discuss it but confirmed …").
_CUT = re.compile(
    r"\s*[,;]\s*(?:" + "|".join(sorted(PARTICIPLES)) + r"|however|однако|проте|doch)\b"
    r"|,?\s+(?:but|но|але|aber|sondern)\b|\s+[—–]\s+",
    re.U,
)
# German puts the subject after the verb when something else leads: "Dazu wollte sich Peskow
# nicht äußern", "Einen Kommentar lehnte der Kreml ab".
_REFLEXIVE = re.compile(r"\s*(?:sich|і|й|и|тоже|также|також|auch)\s+", re.U)  # "відмовився і Пєсков"
# Where the one who refused stands: before the verb, after it, or before a relative clause's "who".
_Where = Literal["before", "after", "relative"]
# German's dependent clause after the infinitive declined: "wollte nicht sagen, ob …".
_CLAUSE_AFTER = re.compile(r",\s*(?:ob|wann|wie|was|wer|wo|warum|weshalb|welche\w*|dass)\b", re.U)
# A relative clause the refusal is in: "Peskov, who declined to comment, …".
_RELATIVE = re.compile(r",\s*(?:who|который|которая|которые|який|яка|які|der|die)\s+$", re.U)
# What was declined as a noun ("От комментариев Песков отказался"): no object of it before.
_FROM = re.compile(r"(?i:от|від)\s", re.U)
# What was declined, which German capitalises like a name: "lehnte einen Kommentar ab".
_DECLINED = re.compile(r"Kommentar|Stellungnahme", re.U)
# The last word before the verb, after what was declined: "… беседы он отказался".
_LAST_WORD = re.compile(r"\s([^\W\d_]+)\s+$", re.U)


def refusals(
    text: str,
    s0: int,
    s1: int,
    quotes: list[Quote],
    taken: list[Statement],
    patterns: Iterable[re.Pattern[str]],
) -> list[Statement]:
    """The sentence's refusals by `patterns` (lexicon.REFUSALS), outside its quotes and outside
    what its statements `taken` say ("said he would not comment" is his statement, not a second
    one)."""
    out: list[Statement] = []
    for pattern in patterns:
        closed = pattern in REFUSALS_CLOSED
        for m in pattern.finditer(text, s0, s1):
            verb = "verb" if m.group("verb") is not None else "verb2"
            what = "what" if verb == "verb" else "what2"
            v0, v1 = m.span(verb)
            w0, w1 = m.span(what)
            if _inside(min(v0, w0), quotes, taken) or any(st.verb_start == v0 for st in out):
                continue
            found = _speaker(text, s0, s1, (v0, v1), (w0, w1), quotes)
            said = _said_before_contrast(taken, min(v0, w0))
            if said is not None:  # "сказал, что …, однако обсуждать меры отказался": the same subject
                found = Mention(said.speaker, said.speaker_start, said.speaker_end, named=True), "before"
            if found is None:
                continue
            who, where = found
            if w0 < who.start < v0:
                who = _past_place(text, who)
            inverted = where == "after"
            if w0 < v0:  # "От комментариев Песков отказался", "Einen Kommentar lehnte Peskow ab"
                c0, c1 = w0, (who.start if w0 < who.start < v0 else w1 if closed else v0)
                if (
                    who.end <= w0
                    and len(text[s0 : who.start].strip(" ,—–-")) >= 8
                    and not _FROM.match(text, w0)
                ):
                    c0 = s0  # "Вопрос о встрече Песков комментировать не стал": what, then the verb's
            elif closed:  # "wollte sich dazu nicht äußern": German closes it with the verb
                c0, c1 = (s0 if inverted else w0), w1
                if _CLAUSE_AFTER.match(text, w1, s1):  # "wollte nicht sagen, ob …"
                    c1 = _cut(text, w1, s1)
            else:  # "declined to comment on …", "отказался комментировать …"
                c0, c1 = w0, _cut(text, w1, s1)
                if where == "relative":  # "Peskov, who declined to comment on it, said …"
                    comma = text.find(",", w1, c1)
                    c1 = comma if comma != -1 else c1
            while c1 > c0 and text[c1 - 1] in " .,!?…\n":
                c1 -= 1
            if text[c0:c1].endswith(" ab"):  # "lehnte einen Kommentar ab": the particle is the verb's
                c1 -= 3
            out.append(make_statement(text, who, (v0, v1), (c0, c1), (s0, s1), "refusal"))
    return out


# A place that what was declined ends with, which a name-like reading takes for the speaker's
# first word: "Коментувати … зустріч у Будапешті Пєсков відмовився".
_PLACE_FIRST = re.compile(r"[^\W\d_]+\s+(?=[^\W\d_])", re.U)
_PLACE_PREPOSITIONS = frozenset(("у", "в", "во", "на", "із", "из", "з", "зі", "in", "im", "aus"))


def _past_place(text: str, who: Mention) -> Mention:
    before = text[max(0, who.start - 4) : who.start].split()
    place = _PLACE_FIRST.match(text, who.start) if before and before[-1] in _PLACE_PREPOSITIONS else None
    if place is None or place.end() >= who.end:
        return who
    return mention_at(text, place.end(), who.end, who.apposition)


def _cut(text: str, at: int, end: int) -> int:
    cut = _CUT.search(text, at, end)
    return cut.start() if cut is not None else end


def _inside(at: int, quotes: list[Quote], taken: list[Statement]) -> bool:
    """Whether `at` is in a quote or in what a statement says, not after a "but" that ends what
    was said: "сказал, что …, однако обсуждать ответные меры отказался" refused in his own right."""
    return any(q.start <= at < q.end for q in quotes) or any(
        st.content_start <= at < st.content_end and not CONTRAST.search(st.content, 0, at - st.content_start)
        for st in taken
    )


def _said_before_contrast(taken: list[Statement], at: int) -> Statement | None:
    """The statement whose content a "but" ends before `at`, if any."""
    return next(
        (
            st
            for st in taken
            if st.content_start <= at < st.content_end
            and CONTRAST.search(st.content, 0, at - st.content_start)
        ),
        None,
    )


# ", but", ", однако": what was said ends there, the subject goes on with another verb.
CONTRAST = re.compile(r",\s+(?:but|но|однако|але|проте|aber|doch)\s", re.U)


def _speaker(
    text: str, s0: int, s1: int, verb: tuple[int, int], what: tuple[int, int], quotes: list[Quote]
) -> tuple[Mention, _Where] | None:
    """Who refused, and where they stand ("before" the verb, "after" it in German's inverted
    order, or before the "who" of a "relative" clause): the noun phrase before the verb when it
    opens the sentence's clause, else the one right after the verb (and "sich"), else the one
    before."""
    (v0, v1), (w0, w1) = verb, what
    floor = max([s0, *(q.end for q in quotes if q.end <= v0)])
    relative = _RELATIVE.search(text, max(floor, v0 - 24), v0)
    if relative is not None:  # "Peskov, who declined to comment, said …": he declined
        who = speaker_before(text, relative.start(), floor)
        return (who, "relative") if who is not None else None
    before = speaker_before(text, v0, floor)
    if before is not None and not text[floor : before.start].strip(" ,—–-"):
        return before, "before"
    if w0 < v0:  # "От комментариев Песков отказался", "В Кремле от комментариев отказались"
        between = speaker_before(text, v0, w1)
        if between is not None:
            return between, "before"
        # "Раскрывать содержание беседы он отказался": a pronoun right before the verb is its
        # subject, what was declined standing before it
        last = _LAST_WORD.search(text, w1, v0)
        if last is not None and last.group(1).lower() in PRONOUNS:
            w = last.group(1)
            return Mention(w, last.start(1), last.end(1), named=False, gender=pronoun_gender(w)), "before"
        ahead = speaker_before(text, w0, floor)
        if ahead is not None:
            return ahead, "before"
    at = v1
    reflexive = _REFLEXIVE.match(text, at)
    if reflexive is not None:
        at = reflexive.end()
    elif text[at : at + 1] == " ":
        at += 1
    after = speaker_after(text, at, s1)
    if (
        after is not None
        # "…, wollte der Kreml nicht sagen": an institution by its role word, inverted
        and (
            after.named
            or after.text.lower() in PRONOUNS
            or any(w.lower() in ROLES for w in after.text.split())
        )
        and not _DECLINED.search(after.text)
    ):
        return after, "after"
    # a short quote is a name in the subject ("Главный тренер «Сибири»", "В «Газпроме»"), not a
    # quotation that ends a clause
    name_floor = max([s0, *(q.end for q in quotes if q.end <= v0 and len(text[q.start : q.end].split()) > 3)])
    subject = _subject_phrase(text, name_floor, w0 if w0 < v0 and not text[w1:v0].strip() else v0)
    if before is not None:
        # a name inside the clause's subject is the subject's, which is named in full: "Центральна
        # виборча комісія Молдови відмовилася" is the commission's refusal, not Moldova's
        if (
            subject is not None
            and not w0 < v0  # what was declined stands before the verb: no part of the subject
            and before.text.lower() not in PRONOUNS  # "Although she declined": she did
            and subject.start <= before.start
            and before.end <= subject.end
        ):
            return replace(subject, named=before.named, gender=before.gender), "before"
        return before, "before"
    return (subject, "before") if subject is not None else None


# The clause's own subject before a refusal verb when no name, role or pronoun is found there: a
# common noun phrase that opens the sentence ("The U.S. embassy declined", "Казахстанская сторона
# от комментариев отказалась", "Источник в окружении семьи отказался", "В пресс-службе
# госкорпорации отказались", "Главный тренер «Сибири» отказался"). A refusal verb needs a subject,
# and the words before it in its clause, a few and without a comma, can only be that subject (with
# what sets it in place), so no lexicon of institutions is needed; lowercase words first ("then
# declined") are no subject.
# A dot inside an abbreviation ("The U.S. embassy") is no sentence end.
_SUBJECT_PHRASE = re.compile(
    r"[«\"„“]?[A-ZÄÖÜА-ЯЁІЇЄҐ](?:[^,;:.!?()\[\]—–]|\.(?=\S|\s+[a-zäöüа-яёіїєґ])){1,70}", re.U
)
_SUBJECT_WORDS = 7


def _subject_phrase(text: str, floor: int, end: int) -> Mention | None:
    start = floor
    while start < end and text[start] in " \n\t":
        start += 1
    stop = end
    while stop > start and text[stop - 1] in " \n\t":
        stop -= 1
    phrase = _SUBJECT_PHRASE.fullmatch(text, start, stop)
    if phrase is None or len(text[start:stop].split()) > _SUBJECT_WORDS:
        return None
    return Mention(text[start:stop], start, stop, named=False)
