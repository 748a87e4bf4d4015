"""What the forms share: what was said after a reporting verb (a quote, or a reported clause up
to the sentence's end), whether nothing but whom it was told follows the verb, and the
`Statement` made of a speaker, a verb and what was said."""

from __future__ import annotations

import re

from ..lexicon import (
    AUDIENCES,
    CALLS,
    CHARACTERIZING,
    NO_CLAUSE,
    NOT_CLAUSE_STARTS,
    PARTICIPLES,
    PRONOUN_CLAUSE,
    SEPARABLE,
    THAT,
    THEN_WORDS,
    WHEN,
)
from ..mentions import Mention, strip_relative
from ..model import Form, Statement
from ..quotes import Quote
from ..tokens import WORD

# What opens a reported clause after the verb: "said that", "заявил, что".
_THAT = re.compile(r"^\s*(?:,\s*)?(?:" + "|".join(THAT) + r")\b\s*", re.U | re.I)
# The words that open a reported clause, without a comma.
THAT_WORDS = "|".join(w for w in THAT if w[0] != ",")
# Whom it was told, and where: "told reporters on Monday", "told reporters at a news conference that".
_TOLD_OBJECT = re.compile(
    rf"^\s*(?:(?:to )?(?:the |a )?(?:{AUDIENCES})"
    rf"(?: on \w+day| in \w+| at [\w ]{{1,30}}?(?=\s+(?:{THAT_WORDS})\b|\s*[,:](?=\s)))?)\s*(?:,\s*)?",
    re.U,
)
# Whom it was told, named: "told the European Parliament", "told Interfax", "told the BBC".
_NAMED_OBJECT = re.compile(r"\s+(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,4}[A-Z][\w'’.-]*", re.U)
# Adverbials between the verb and what was said ("said Wednesday it would", "told reporters on Monday").
_AFTER_VERB = re.compile(
    rf"^(?:\s*,?\s*(?:{WHEN})\b)+\s*,?", re.U
)  # on lowercased text (a case-blind regex is slow)
# Where a clause starts after words that start none ("said on Mar. 6 that …"): at "that" or a comma.
_LATER_CLAUSE = re.compile(r"\b(?:" + THAT_WORDS + r")\b\s*|,\s*")


def _after_verb(rest: str) -> re.Match[str] | None:
    """The adverbials at the start of `rest` (on its first characters, lowercased)."""
    head = rest[:120]
    low = head.lower()
    return _AFTER_VERB.match(low) if len(low) == len(head) else None


# Where it was said, then "что" or a colon: "написал в Telegram, что …", "написав у X: «…»".
_WHERE_THEN_THAT = re.compile(
    r"\s*(?:в|во|у|на)(?:\s+(?!(?:и|і|й|та|а|но|але)\s)[^\s,.:;!?«»\"“”]+){1,3}(?:,\s*(?:что|що)\b|:)\s*",
    re.U,
)
# What an English call goes on with: an infinitive, "that", a quote.
_CALL_GOES_ON = re.compile(r"\bto\s|\bthat\b|[\"“‘«]", re.U)
# A noun of what was said or thought, then the clause: "висловив сподівання, що …", "выразил
# уверенность, что …", "expressed hope that …", "äußerte die Hoffnung, dass …", and "сославшись
# на то, что …", "пославшись на те, що …".
_NOUN_THEN_THAT = re.compile(
    r"\s*(?:(?:the\s+|die\s+)?(?:сподівання|надію|надежду|впевненість|уверенность|переконання|убеждение|думку|"
    r"мнение|занепокоєння|обеспокоенность|озабоченность|hope|confidence|concern|belief|view|Hoffnung|"
    r"Zuversicht|Sorge|Überzeugung|Ansicht)|на\s+(?:то|те)"
    # whom it was told, named: "розповів Укрінформу, що …", "ответил Пескову, что …"
    r"|[А-ЯЁІЇЄҐ][а-яёіїєґ'’-]+)\s*,?\s*(?:що|что|that|dass)\b\s*",
    re.U,
)
# German's indirect speech after a comma, its verb in the subjunctive, past whom it was told:
# "versprach den Teilnehmern, Deutschland werde die Visavergabe erleichtern".
_SUBJUNCTIVE_AHEAD = (
    r"(?=[^.;:!?,]{0,80}\b(?:werde|werden|sei|seien|habe|hätten|hätte|würde|würden|könne|könnten|müsse|"
    r"müssten|solle|sollten|wolle|wollten|dürfe|dürften|gebe|bleibe|gehe|liege|stehe|komme|handle|verliere|"
    r"schließe|trage|sehe|brauche|plane|erwarte|halte|fehle|gelte|arbeite|verfolge|wisse|wäre|wären)\b)"
)
_GERMAN_REPORTED = re.compile(rf"[^,.;:!?]{{0,60}},\s*{_SUBJUNCTIVE_AHEAD}", re.U)
_GERMAN_AFTER_COMMA = re.compile(rf"\s*{_SUBJUNCTIVE_AHEAD}", re.U)


def german_clause(text: str, k: int, end: int) -> int | None:
    """Where German indirect speech begins after the verb (and whom it was told, when it was),
    or None: a comma, then a clause whose verb is in the subjunctive."""
    m = _GERMAN_REPORTED.match(text, k, end)
    if m is None and text[:k].rstrip().endswith(","):  # the adverbials took the comma: "am Sonntag,"
        m = _GERMAN_AFTER_COMMA.match(text, k, end)
    return m.end() if m is not None else None


# A demand without "auf": a comma, then what is to be done ("…, die Sanktionen auszuweiten").
_DEMANDED = re.compile(
    r",\s*(?=[^.;:!?,]{3,120}?\b(?:[a-zäöü]+zu[a-zäöü]+|zu\s+[a-zäöü]+)(?:\s*[,.;]|\s*$))", re.U
)
_SPOKE = {
    "sprach": "von", "sprachen": "von", "spricht": "von", "застеріг": "від", "застерегла": "від",
    "застерегли": "від", "предостерег": "от", "предостерёг": "от", "предостерегла": "от",
    "drohte": "mit", "drohten": "mit", "verwies": "auf", "повідомила": "про", "повідомив": "про",
    "повідомили": "про",
}  # fmt: skip
# Whom or what it answered and where, then a colon and a quote: "ответила на эти слова в Instagram: «…»".
_COLON_THEN_QUOTE = re.compile(r"[^.!?:;«»\"“”„]{1,60}:\s*", re.U)
# A colon after the verb: what follows is what was said, whatever the verb.
_COLON = re.compile(r"\s*:\s*\S", re.U)
# The word that ends just before a position: the verb, for what follows it.
_WORD_BEFORE = re.compile(r"[^\W_]+$", re.U)


def make_statement(
    text: str,
    who: Mention,
    verb: tuple[int, int],
    content: tuple[int, int],
    sentence: tuple[int, int],
    form: Form,
) -> Statement:
    """The statement of `who` with the verb at `verb` and what was said at `content` (without the
    spaces and the comma around it); an apposition naming whose relative `who` is keeps only the
    relation (mentions.strip_relative)."""
    who = strip_relative(who)
    c0, c1 = content
    while c0 < c1 and text[c0] in " \n\t":
        c0 += 1
    while c1 > c0 and text[c1 - 1] in " \n\t,":
        c1 -= 1
    return Statement(
        speaker=who.text, speaker_start=who.start, speaker_end=who.end,
        verb=text[verb[0] : verb[1]], verb_start=verb[0], verb_end=verb[1],
        content=text[c0:c1], content_start=c0, content_end=c1,
        sentence_start=sentence[0], sentence_end=sentence[1], form=form, apposition=who.apposition,
    )  # fmt: skip


# A quote after the verb that names whom it was said to, a clause following: "сказал «Медузе», что
# …", "told “Politico” that …".
_ADDRESSEE_THEN_THAT = re.compile(r"\s*,?\s*(?:что|що|that|dass)\b", re.U)
# A quote that is only a part of the reported clause: "подчеркнули, что «никаких последствий» для
# поездок решение суда иметь не будет" (the clause is what was said, the quote inside it).
_QUOTE_OPENERS = '«„“"‘'
_CLAUSE_GOES_ON = re.compile(r"\s+[^\W\d_]+\s+[^\W\d_]", re.U)


def content_after(
    text: str, at: int, end: int, quotes: list[Quote], bare: bool = True, opened: bool = False
) -> tuple[int, int] | None:
    """What was said after the verb: a quote (after a colon or a comma or straight on), else the
    reported clause ("that …", "что …", ", dass …") up to the sentence's end. `bare`: the verb
    takes a clause without "that" ("said the talks were over"; not "denied the talks ...")."""
    k = at
    verb = _WORD_BEFORE.search(text, max(0, at - 40), at)
    particle = SEPARABLE.get(verb.group()) if verb is not None else None
    if particle is not None:  # "fügte hinzu, …", "rief die Staaten dazu auf, …": after the particle
        found = re.search(rf"\b{particle}\b\s*(?:,\s*(?:dass\b\s*)?|:\s*)", text[at : min(end, at + 160)])
        if found is None and particle == "auf":  # "forderte vor dem Parlament, die Sanktionen auszuweiten"
            found = _DEMANDED.search(text[at : min(end, at + 160)]) or re.match(
                r"[^.;:!?]{0,60}?,\s*dass\b\s*", text[at : min(end, at + 160)]
            )
        if found is None:
            return None
        k = at + found.end()
        q = next((q for q in quotes if q.start == k), None)
        stop = len(text[:end].rstrip(" .!?…\n"))
        return q.inner if q is not None else ((k, stop) if stop - k >= 8 else None)
    if verb is not None and verb.group() in _SPOKE:  # "sprach von einem klaren Signal an Moskau"
        # the preposition among the first words after the verb ("sprach dort von", "повідомила про")
        von = re.compile(rf"\s*(?:[^\s,.;:!?]+\s+){{0,4}}?(?={_SPOKE[verb.group()]}\s)").match(text, at, end)
        stop = len(text[:end].rstrip(" .!?…\n"))
        if von is not None and stop - von.end() >= 8:
            return von.end(), stop
        # else "застеріг, що …": a clause as any verb's
    if verb is not None and verb.group().lower() in CHARACTERIZING:  # "dismissed the report as “…”"
        q = next((q for q in quotes if at <= q.start <= at + 60 and q.start < end), None)
        return q.inner if q is not None else None
    told = text[at - 4 : at].lower() in ("told", "tell") or text[at - 5 : at].lower() == "tells"
    if told and not _TOLD_OBJECT.match(text[at:end]):  # "told students in the audience that …"
        that = re.search(r"\bthat\b\s*|:\s*|,\s*(?=[\"“«„‘])", text[at:end])
        if that is None or that.start() > 80:
            return None
        k = at + that.end()
        q = next((q for q in quotes if q.start == k), None)
        return q.inner if q is not None else content_after(text, k, end, quotes, bare=True, opened=True)
    call = verb is not None and verb.group().lower() in CALLS  # "urged lawmakers to": theirs to do
    if (
        call
        and verb is not None
        and verb.group().isascii()
        and not _CALL_GOES_ON.search(text, at, min(end, at + 40))
    ):
        return None  # "urged him on" calls for nothing said
    while True:  # "told reporters on Monday", "said Wednesday"
        rest = text[k:end]
        m = (None if call else _TOLD_OBJECT.match(rest)) or _after_verb(rest)
        if m is None or m.end() == 0:
            break
        k += m.end()
    lead = re.match(r"[\s,:—–-]*", text[k:end])
    q0 = k + (lead.end() if lead else 0)
    for q in quotes:
        if q.start == q0:
            addressee = _ADDRESSEE_THEN_THAT.match(text, q.end, end)
            if addressee is None:
                return q.inner
            k = q.end  # "сказал «Медузе», что …": the quote names whom he told
            break
    rest = text[k:end]
    that = _THAT.match(rest) or _WHERE_THEN_THAT.match(rest) or _NOUN_THEN_THAT.match(rest)
    if that:
        k += that.end()
        q = next((q for q in quotes if q.start == k), None)
        goes_on = (
            q is not None
            and text[q.end - 2 : q.end - 1] not in (".", "!", "?", "…", ",")  # not "… moves on." That …
            and _CLAUSE_GOES_ON.match(text, q.end, end) is not None
        )
        if q is not None and not goes_on:  # said that “…”
            return q.inner
    elif (
        not bare
        and not PRONOUN_CLAUSE.match(text, k, end)
        and not _COLON.match(text, k, end)
        and german_clause(text, k, end) is None
    ):
        # "ответила на эти слова в Instagram: «…»": a colon, then a quote, a few words on
        colon = _COLON_THEN_QUOTE.match(text, k, end)
        if colon is not None and _GERMAN_AFTER_COMMA.match(text, colon.end(), end):
            # "wies dies zurück: Europa habe seine Abhängigkeit verringert": indirect speech after it
            stop = len(text[:end].rstrip(" .!?…\n"))
            return (colon.end(), stop) if stop - colon.end() >= 8 else None
        q = next((q for q in quotes if colon is not None and q.start == colon.end()), None)
        if q is not None and text[q.end : end].strip(" .!?…\n"):
            q = None  # «…», — наголосив Пєсков: the quote's own attribution follows it
        return q.inner if q is not None else None  # "announced it would withdraw", not "… the decision"
    else:
        german = None if bare else german_clause(text, k, end)
        if german is not None and not _COLON.match(text, k, end):
            k = german  # past whom it was told, to the clause
        lead2 = re.match(r"\s*(?:,\s*|:\s*)?", text[k:end])
        k += lead2.end() if lead2 else 0
    stop = end
    while stop > k and text[stop - 1] in " .!?…\n":
        stop -= 1
    if stop - k < 8:
        return None
    first = WORD.match(text, k + 1 if text[k : k + 1] in _QUOTE_OPENERS else k)  # что «никаких …» для …
    if first is not None and not that and not opened and first.group().lower() in NOT_CLAUSE_STARTS:
        # "said on Mar. 6 that …", "betonte in München, …"
        later = _LATER_CLAUSE.search(text[k:stop])
        if later is None or later.start() > 60 or first.group().lower() in NO_CLAUSE:
            return None
        k += later.end()
        q = next((q for q in quotes if q.start == k), None)
        if q is not None:
            return q.inner
    if first is None or stop - k < 8:
        return None
    return k, stop


def ends_attribution(text: str, at: int, end: int) -> bool:
    """Whether the sentence ends after the verb (objects and adverbials aside), or goes on with a
    participle or "when asked": then what was said came before ("…, Peskov told reporters.")."""
    k = at
    while True:
        rest = text[k:end]
        m = _TOLD_OBJECT.match(rest) or _after_verb(rest)
        if m is None or m.end() == 0:
            break
        k += m.end()
    rest = text[k:end].strip(' .!?…\n"”»“')
    if not rest:
        return True
    named = _NAMED_OBJECT.match(text, k, end)  # "…, von der Leyen told the European Parliament on Wednesday."
    if named is not None:
        k2 = named.end()
        while (m := _after_verb(text[k2:end])) is not None and m.end() > 0:
            k2 += m.end()
        if not text[k2:end].strip(' .!?…\n"”»“'):
            return True
    if _CIRCUMSTANCE.match(rest):  # "…, the air force said on Sunday, in one of the largest attacks"
        return True
    follow = re.match(r",?\s*(\w+)", rest)
    return bool(follow and (follow.group(1).lower() in PARTICIPLES or follow.group(1).lower() in THEN_WORDS))


# A circumstance after the attribution and a comma, the sentence's end: what was said came before.
_CIRCUMSTANCE = re.compile(
    r",?\s*(?:in|amid|during|following|ahead\s+of|despite|after|before|as|inmitten|nach|vor|während|на фоне|"
    r"после|после того|на тлі|після)\b[^,;:]*$",
    re.U | re.I,
)
