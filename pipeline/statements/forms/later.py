"""The named-later form: the words first, the speaker named only in the next sentence, which
opens with a pointer back to them. "Russia will not recognise the ruling. That was the message
from Peskov." / "«…». Об этом заявил Песков." / "Так Песков прокомментировал …" / "Про це
заявив Пєсков." / "Das sagte Peskow am Montag." The content is the sentence before (a quote's
words when it is nothing but a quote)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..lexicon import (
    LATER,
    LATER_BEFORE,
    LATER_OWN,
    LATER_THIS,
    LATER_VERBS,
    LATER_WORDS,
    PRONOUNS,
    ROLES,
    VERBS,
    WHEN,
)
from ..mentions import Mention, mention_at, name_like, speaker_after, speaker_after_verb, speaker_before
from ..model import Statement
from ..quotes import Quote
from ..tokens import WORD
from .clause import make_statement

# German: a sentence that goes on after the speaker with a verb of its own is no pointer back
# ("Das erklärte Ziel der Regierung ist …": "erklärte" is an adjective there).
_GOES_ON = re.compile(r"\b(?:ist|sind|war|waren|wird|werden|hat|haben|sei|seien|wurde|wurden)\b|,", re.U)
# A dependent clause after the pointer's sentence, which the check above stops before: "Das sagte
# Peskow am Mittwoch, nachdem der Rubel gefallen war", "…, einen Tag nachdem …".
_DEPENDENT = re.compile(
    r",\s*(?:\S+\s+){0,2}(?:nachdem|als|bevor|weil|während|wobei|da|obwohl|wie|wo|der|die|dessen|deren)\b"
    # "…, ein weiteres Verfahren zu eröffnen": an infinitive clause
    r"|,\s*[^,.;!?]{0,140}\b(?:zu\s+[a-zäöüß]+|[a-zäöüß]+zu[a-zäöüß]+)\s*(?:[.,;]|$)",
    re.U,
)
_MAX_WORDS_TO_VERB = 7


def named_later(
    text: str, s0: int, s1: int, previous: tuple[int, int], previous_quotes: list[Quote]
) -> list[Statement]:
    """The statement of the sentence `previous` whose speaker this sentence names, or []."""
    found = _pointer(text, s0, s1)
    if found is None:
        return []
    who, verb = found
    content = named_later_content(text, previous, previous_quotes)
    if content is None:
        return []
    return [make_statement(text, who, verb, content, (previous[0], s1), "named-later")]


def named_later_content(
    text: str, previous: tuple[int, int], previous_quotes: list[Quote]
) -> tuple[int, int] | None:
    """What the sentence `previous` says: its quote's words when it is nothing but a quote."""
    p0, p1 = previous
    c0, c1 = next(
        (
            q.inner
            for q in previous_quotes
            if text[p0:p1].strip(" .!?…\n") == text[q.start : q.end].strip(" .!?…\n")
        ),
        (p0, p1),
    )
    while c1 > c0 and text[c1 - 1] in " .!?…\n":
        c1 -= 1
    return (c0, c1) if c1 - c0 >= 8 else None


def _pointer(text: str, s0: int, s1: int) -> tuple[Mention, tuple[int, int]] | None:
    """Who the sentence says spoke, and the verb (or the pointer phrase) that says so, when the
    sentence opens with a pointer back."""
    english, russian, ukrainian, german = LATER
    m = english.match(text, s0, s1)
    if m is not None:  # "That was the message from Peskov", "Those were Peskov's words"
        who = speaker_after(text, m.end(), s1)
        pointer = (s0, m.start() + len(m.group().rstrip()))
        if who is not None and who.text.endswith(("'s", "’s")):
            who = replace(who, text=who.text[:-2], end=who.end - 2)
        return (who, pointer) if who is not None and _names(who) else None
    m = LATER_BEFORE.match(text, s0, s1)
    if m is not None:  # "That is what Peskov told reporters"
        verb = _verb(text, m.end(), s1, VERBS)
        if verb is None:  # "That was how Maria Zakharova, the foreign ministry spokeswoman, reacted"
            return _speaker_then_verb(text, m.end(), s1, VERBS | _REACTED)
        who = speaker_before(text, verb.start(), m.end())
        if who is None or who.start != m.end():
            return None
        return who, verb.span()
    said = LATER_WORDS.match(text, s0, s1)
    if said is not None:  # "Эти слова Пескова облетели …", "With those words Maria Pevchikh reacted"
        who = _named_after(text, said.end(), s1)
        pointer = (s0, s0 + len(said.group().rstrip(" ,")))
        return (who, pointer) if who is not None else None
    own = LATER_OWN.match(text, s0, s1)
    if own is not None:  # "Peskov's words, carried by Interfax, came …", "Peskov made the comments …"
        who = mention_at(text, own.start("who"), own.end("who"))
        return (who, own.span("noun") if own.group("noun") else own.span("made")) if _names(who) else None
    m = russian.match(text, s0, s1) or ukrainian.match(text, s0, s1)
    first_only = False  # the verb right after the pointer: German's, and a bare "Это", "Це"
    if m is None:
        m = german.match(text, s0, s1) or LATER_THIS.match(text, s0, s1)
        first_only = m is not None
    if m is None:
        return None
    german_pointer = first_only and german.match(text, s0, s1) is not None
    verb = _verb(text, m.end(), s1, LATER_VERBS, first_only=first_only)
    if verb is None and not first_only:
        return _speaker_then_verb(text, m.end(), s1)
    if verb is None:
        return None
    who = speaker_before(text, verb.start(), m.end()) if verb.start() > m.end() else None
    if (
        who is not None
        and who.start != m.end()
        and not _WHEN_ONLY.fullmatch(text[m.end() : who.start].lower())
    ):
        who = None  # "Об этом в эфире YouTube-канала ФБК заявила …": a place, the speaker after the verb
    if who is None:  # "Об этом заявил (журналистам) Песков", "Об этом сообщает ТАСС", "Das sagte Peskow"
        after = verb.end()
        reflexive = _SICH.match(text, after, s1)  # "So äußerte sich Peskow"
        if reflexive is not None:
            after = reflexive.end() - 1
        who = speaker_after_verb(text, after, s1)
        # past its apposition: "Das erklärte die Präsidentin des Gerichts, Tomoko Akane, am …"
        if german_pointer and who is not None:
            after = who.end
            if who.apposition and (at := text.find(who.apposition, who.end, s1)) != -1:
                after = at + len(who.apposition) + 1
            dependent = _DEPENDENT.search(
                text, after, s1
            )  # "…, nachdem der Rubel gefallen war": its own verb
            if _GOES_ON.search(text, after, dependent.start() if dependent else s1):
                return None
    return (who, verb.span()) if who is not None and _names(who) else None


_SICH = re.compile(r"\s+(?:sich|es)\s", re.U)  # "So äußerte sich Peskow", "So formulierte es Cassis"
# Only when it was, between a pointer and the speaker: "Так в четверг Песков прокомментировал …".
_WHEN_ONLY = re.compile(rf"(?:\s*(?:{WHEN})\b)+\s*", re.U)
# A verb (and "sich", an adverb) between a words-pointer and the name: "Mit diesen Worten wandte
# sich Maria Pewtschich …", "With those words Maria Pevchikh reacted" (none).
_SKIPPED_BEFORE_NAME = 3


def _named_after(text: str, start: int, end: int) -> Mention | None:
    """The first named speaker at `start` or a few lowercase words after it."""
    at = start
    for _ in range(_SKIPPED_BEFORE_NAME + 1):
        who = speaker_after(text, at, end)
        if who is not None and who.named:
            if who.text.endswith(("'s", "’s")):
                who = replace(who, text=who.text[:-2], end=who.end - 2)
            return who
        word = WORD.match(text, at)
        if word is None or not word.group().islower():
            return None
        at = word.end()
        while at < end and text[at] == " ":
            at += 1
    return None


# At most so many words between a pointer and its verb past a long speaker: "Так Дмитрий Песков,
# пресс-секретарь Владимира Путина, ответил …".
_MAX_WORDS_PAST_APPOSITION = 16


# How someone reacted, after "That was how": the words before were the reaction.
_REACTED = frozenset(("reacted", "responded", "put", "described", "summed", "answered"))


def _speaker_then_verb(
    text: str, start: int, end: int, verbs: frozenset[str] = LATER_VERBS
) -> tuple[Mention, tuple[int, int]] | None:
    """The speaker right after the pointer, a long one or with an apposition in commas, and the
    verb after it: "Так пресс-секретарь президента России Дмитрий Песков ответил …"."""
    for n, w in enumerate(WORD.finditer(text, start, end)):
        if n >= _MAX_WORDS_PAST_APPOSITION:
            return None
        if w.group().lower() not in verbs:
            continue
        who = speaker_before(text, w.start(), start)
        if who is None or who.start != start:
            return None
        return who, w.span()
    return None


def _verb(
    text: str, start: int, end: int, verbs: frozenset[str], first_only: bool = False
) -> re.Match[str] | None:
    """The first verb of `verbs` among the next few words (the very next one: `first_only`)."""
    for n, w in enumerate(WORD.finditer(text, start, end)):
        if n >= (1 if first_only else _MAX_WORDS_TO_VERB):
            return None
        if w.group().lower() in verbs:
            return w
        if "," in text[start : w.start()]:
            return None
    return None


def _names(who: Mention) -> bool:
    """A speaker to name: a capitalised word ("Peskov", "Reuters", "ТАСС"), a pronoun (referred
    back), or a phrase with a role."""
    words = WORD.findall(who.text)
    return (
        who.text.lower() in PRONOUNS
        or any(name_like(w) for w in words)
        or any(w.lower() in ROLES for w in words)
    )


# "Peskov said this on Thursday …", "Peskov said so": what was said is the sentence before.
# Only when nothing but when, where or how follows ("said this on Thursday", not "complained this
# wrinkle will …", "said this before: …").
_THIS = re.compile(
    r"(?:this|so)(?:\s*$|\s*,(?![^:]*:)|\s+(?:on|in|at|during|after|before|while|when|as|last|earlier|"
    r"yesterday|today|to|about|in response)\b(?![^:]*:))",
    re.U,
)


def said_this(
    text: str, st: Statement, previous: tuple[int, int], previous_quotes: list[Quote]
) -> Statement | None:
    """A reported statement whose content is "this" or "so" points back: the statement of the
    sentence `previous` by the same speaker (named-later), or None when it is no such one."""
    if st.form != "reported" or not _THIS.match(st.content):
        return None
    found = named_later_content(text, previous, previous_quotes)
    if found is None:
        return None
    c0, c1 = found
    return replace(
        st,
        content=text[c0:c1],
        content_start=c0,
        content_end=c1,
        sentence_start=previous[0],
        form="named-later",
    )
