"""The reporting-verb patterns, verb by verb through a sentence: the quote form's quote-then-speaker
shapes first (quote.py), then a speaker, the verb and what was said (Peskov said (that) …,
Peskov said: "…", Песков заявил, что …, Peskow sagte, …; "…, заявил Песков" without quote marks),
a verb coordinated with the subject's earlier ones (coordinated.py: "Peskov arrived and told
reporters that …"), and a participle after any of them (…, adding that …) said by the same
speaker."""

from __future__ import annotations

import re
from dataclasses import replace

from ..lexicon import (
    BARE,
    COORDINATED_BARE,
    DE_FINITE,
    DE_PARTICIPLES,
    EN_VERBS,
    NOT_NAMES,
    PARTICIPLES,
    PRONOUNS,
    REFUSAL_WORDS,
    VERBS,
    WHEN,
)
from ..mentions import Mention, speaker_after, speaker_after_verb, speaker_before, speaker_before_phrase
from ..model import Form, Statement
from ..quotes import Quote
from ..tokens import WORD
from ..verbs import Verb
from .clause import content_after, ends_attribution, german_clause, make_statement
from .coordinated import ENDS_AND, WHEN_OPENING, coordinated_subject
from .quote import quote_first

# A pronoun straight after a verb (not English's: "said he" is rare, "Peskov, the spokesman,
# said he would" is not inverted): "…, fügte er hinzu", "…, — заявил он".
_PRONOUN_AFTER = re.compile(r"\s+(?:" + "|".join(sorted(PRONOUNS)) + r")\b", re.U)

_CYRILLIC_VERB = re.compile(r"[а-яёіїєґ]", re.U)
_CITING = frozenset(("сославшись", "пославшись"))
_V2_PRONOUN = re.compile(r"\s(er|sie)\s", re.U)
# A German present participle a few words after its comma: "…, vor Journalisten nur kurz erklärend, …".
_GERMAN_PARTICIPLE_LEAD = re.compile(r",\s*(?:[^\s,.;:!?]+\s+){0,6}$", re.U)
# German's verb second: an adverb (or a time) opens the sentence, the verb, then its subject and
# what was said after a comma: "Zugleich betonte er, Russland habe …".
_V2_OPENING = re.compile(r"\s*(?:[A-ZÄÖÜ][a-zäöüß]+)(?:\s+[a-zäöüß]+){0,2}\s+", re.U)


def _german_inverted(text: str, floor: int, v: Verb, s1: int, quotes: list[Quote]) -> Statement | None:
    opening = _V2_OPENING.fullmatch(text, floor, v.start())
    if opening is None or text[floor : v.start()].split()[0] not in NOT_NAMES:
        return None
    who = speaker_after(text, v.end() + 1, s1)
    if who is None or not (who.named or who.text.lower() in PRONOUNS):
        return None
    after = who.end
    if who.apposition and (at := text.find(who.apposition, who.end, s1)) != -1:
        after = at + len(who.apposition)
    # a comma, then indirect speech: its verb in the subjunctive, or a lowercase word first ("…, ein
    # Anwesen gehöre …"); not an apposition ("…, Putins Sonderbeauftragter, …")
    clause = german_clause(text, after, s1)
    lowercase = re.match(r"\s*,\s*([a-zäöüß]+)\s", text[after:s1])
    if clause is None and lowercase is not None:
        clause = after + lowercase.start(1)
    if clause is None:
        return None
    content = content_after(text, clause, s1, quotes, bare=True)
    return make_statement(text, who, v.span(), content, (floor, s1), "reported") if content else None


def _mention_of(st: Statement) -> Mention:
    return Mention(st.speaker, st.speaker_start, st.speaker_end, named=bool(st.speaker[:1].isupper()))


# The subject's head before whom it belongs to: "The Anti-Corruption Foundation founded by Alexei
# Navalny said", "Die Antikorruptionsstiftung FBK des verstorbenen Kremlkritikers Alexej Nawalny
# erklärte": the foundation spoke, not Navalny, whom the phrase ends with.
_OWNER_PHRASE = re.compile(
    r"(?P<head>(?:The |Die |Der |Das )?[A-ZÄÖÜ][\w’'-]*(?:\s+[A-ZÄÖÜ][\w’'-]*){0,4})\s+"
    r"(?:(?:founded|led|set up|created|run|headed)\s+by|of\s+the\s+late|(?:des|der)(?:\s+[a-zäöü]+){0,2}"
    r"(?:\s+[A-ZÄÖÜ][a-zäöü]+s)?)\s+$",
    re.U,
)


# The subject's head before where it is: "Die Regierung in Ulan-Bator hatte argumentiert", "Das
# OSZE-Büro für demokratische Institutionen in Warschau kündigte an": not the place.
_PLACED_PHRASE = re.compile(
    r"(?P<head>(?:The |Die |Der |Das )?[A-ZÄÖÜ][\w’'-]*(?:\s+[\w’'-]+){0,6}?)\s+(?:in|im|aus|from|at)\s+$",
    re.U,
)


def _owner_phrase(text: str, floor: int, who: Mention) -> Mention | None:
    lead = text[floor : who.start]
    start = floor + len(lead) - len(lead.lstrip())
    m = _OWNER_PHRASE.fullmatch(text, start, who.start)
    if m is not None:
        return Mention(m.group("head"), m.start("head"), m.end("head"), named=True)
    m = _PLACED_PHRASE.fullmatch(text, start, who.start)
    if m is not None:  # the whole phrase, its place too: "Die Regierung in Ulan-Bator"
        return Mention(text[m.start("head") : who.end], m.start("head"), who.end, named=True)
    return None


# A participle after a comma or a dash, an adverb between them at most: "…, lediglich hinzufügend,
# …", "…, darauf verweisend, dass …", "…, saying only that …".
_AFTER_COMMA = re.compile(
    r"[,—–]\s*(?:(?:only|also|again|further|lediglich|nur|darauf|dabei|zugleich|auch|лишь|только|также|"
    r"ещё|еще|лише|тільки|також|ще)\s+)?$",
    re.U | re.I,
)


def _refuser(text: str, s0: int, at: int) -> Mention | None:
    """Who refused before a participle: "Asked about it, Peskov refused to discuss the findings,
    saying only that …" (the refusal is found apart; its subject says the participle's too)."""
    refused = None
    for w in WORD.finditer(text, s0, at):
        if w.group().lower() in REFUSAL_WORDS:
            refused = w
    if refused is None:
        return None
    floor = text.rfind(",", s0, refused.start())
    return speaker_before(text, refused.start(), s0 if floor == -1 else floor + 1)


_UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]", re.U)


def _russian_participle(text: str, s0: int, s1: int, v: Verb) -> bool:
    """Whether "заявив", a Ukrainian past tense and a Russian participle alike, is the participle:
    after a comma in a sentence with no letter only Ukrainian has ("…, заявив, что …")."""
    return text[s0 : v.start()].rstrip().endswith(",") and _UKRAINIAN_LETTERS.search(text, s0, s1) is None


# Before an English verb, what makes it no report of words said: a modal, "to", a negation.
_MODAL_BEFORE = re.compile(
    r"\b(?:will|would|could|should|must|may|might|can|cannot|to|not|n't|never)\s+$", re.U | re.I
)
_AFTER_PREPOSITION = re.compile(r"(?<!\S)(?:от|від|у|в|во|на|при|за|с|з|со|із|для|против|проти)\s+$", re.U)


def with_verbs(
    text: str,
    s0: int,
    s1: int,
    quotes: list[Quote],
    verbs: list[Verb],
    speaker: Mention | None = None,
) -> list[Statement]:
    """The verb patterns: a quote then its speaker, a speaker then a quote or a clause, and a
    participle ("adding that") after either, said by the same speaker (`speaker` when the
    sentence's speaker is known before: "Об этом заявил Песков, добавив, что …")."""
    out: list[Statement] = []
    last_speaker: Mention | None = speaker
    used_quotes: set[int] = set()
    for v in verbs:
        word = v.group().lower()
        if word in PARTICIPLES and (word not in VERBS or _russian_participle(text, s0, s1, v)):
            if last_speaker is None:  # "Peskov lamented …, claiming that …": the sentence's subject
                opening = WHEN_OPENING.match(text, s0, v.start())  # "Наприкінці він залишив зал, наголосивши"
                pronoun = _V2_PRONOUN.search(text, s0, v.start()) if word.endswith("nd") else None
                last_speaker = (
                    speaker_after(text, s0, s1)
                    or (speaker_after(text, opening.end(), s1) if opening else None)
                    or _refuser(text, s0, v.start())
                    # "Nach wenigen Minuten verließ er den Saal, lediglich hinzufügend, …"
                    or (
                        Mention(pronoun.group(1), pronoun.start(1), pronoun.end(1), named=False)
                        if pronoun
                        else None
                    )
                )
            if last_speaker is None:
                continue
            # "сославшись на то, что …" says what follows "что"; "сославшись на занятость" nothing
            content = content_after(text, v.end(), s1, quotes, bare=word not in _CITING)
            if content is not None and (
                _AFTER_COMMA.search(text, s0, v.start())
                or (word.endswith("nd") and _GERMAN_PARTICIPLE_LEAD.search(text, s0, v.start()))
            ):
                out.append(make_statement(text, last_speaker, v.span(), content, (s0, s1), "reported"))
            continue
        if word in EN_VERBS and _MODAL_BEFORE.search(text, max(s0, v.start() - 12), v.start()):
            continue  # "Moscow will respond to …", "did not say": no words said
        quoted = quote_first(text, v, (s0, s1), quotes, used_quotes)
        if quoted is not None:  # 1. "…," Peskov said / «…», — заявил Песков / „…“, sagte Peskow
            last_speaker, found = quoted
            out += found
            continue
        before = text[s0 : v.start()]
        as_said = _as_said(text, (s0, s1), v)
        if as_said is not None:  # "…, wie Kommissionspräsidentin von der Leyen am Mittwoch ankündigte."
            out.append(as_said)
            last_speaker = None
            continue
        # 2. Peskov said (that) … / Peskov said: "…"
        floor = max([s0, *(q.end for q in quotes if q.end <= v.start())])
        aux = _perfect_auxiliary(text, floor, v.start()) if word in DE_PARTICIPLES else None
        if (
            word in DE_PARTICIPLES
            and aux is None
            and word not in DE_FINITE
            and not _AND_BEFORE.search(before)
        ):
            continue  # "Ihnen würden Angriffe vorgeworfen, teilte das Gericht mit": no perfect, no subject
        if aux is None and word in DE_PARTICIPLES and _AND_BEFORE.search(before):
            # "Peskow hat die Sanktionen als „…“ bezeichnet und erklärt, …": the second participle
            # of one perfect, its auxiliary before the first and its quote
            aux = _perfect_auxiliary(text, s0, v.start(), gap=_COORDINATED_PERFECT_GAP, quotes=quotes)
            floor = s0 if aux is not None else floor
        if aux is not None:  # "Ein Kremlsprecher hat (…) bestätigt, dass …", "hatte Trump (…) gesagt"
            # the subject before the auxiliary, or right after it, inverted; never the word
            # before the participle ("hatte Trump in Washington gesagt": not Washington)
            lead = text[floor:aux].strip(" ,")
            who = None if _ADVERBIAL.fullmatch(lead) else speaker_before(text, aux, floor)
            if who is None:  # "Zuvor hatte Trump …", "Am Montag hat Peskow …": inverted
                who = speaker_after(text, text.index(" ", aux), v.start())
        else:
            who = speaker_before(text, v.start(), floor)
            if who is None and floor > s0 and not text[floor : v.start()].strip():
                # "Der „Spiegel“ berichtete …": the quote before the verb is the speaker's name
                named = speaker_before(text, v.start(), s0)
                who = named if named is not None and named.end == floor else None
        if who is not None and who.start > floor:
            who = _owner_phrase(text, floor, who) or who
        if (who is None or who.text in NOT_NAMES) and word not in EN_VERBS:
            inverted = _german_inverted(text, floor, v, s1, quotes)
            if inverted is not None:  # "Zugleich betonte er, …", "Darin behauptet Maria Pewtschich, …"
                out.append(inverted)
                last_speaker = _mention_of(inverted)
                continue
        if who is not None and word not in EN_VERBS and _PRONOUN_AFTER.match(text, v.end(), s1):
            who = None  # "…, fügte er hinzu": a pronoun after the verb is its subject, inverted
        if who is None and re.search(r"[,—–-]\s*$", before):
            who = speaker_after_verb(text, v.end(), s1)  # "…, заявил Песков" (no quote marks)
            if who is not None:
                content = (s0, len(before.rstrip(" ,—–-")) + s0)
                credit = any(content[0] <= st.verb_start < content[1] for st in out)  # "…, сообщает ТАСС"
                if content[1] - content[0] >= 8 and not credit:
                    out.append(make_statement(text, who, v.span(), content, (s0, s1), "reported"))
                    last_speaker = who
                continue
        form: Form = "reported"
        if (
            last_speaker is None
            and _CYRILLIC_VERB.match(word)
            and who is not None
            and who.start > floor
            and text[floor : who.start].strip()
        ):  # "Зеленський під час зустрічі з прем'єр-міністром Норвегії закликав": not Норвегії
            subject = speaker_before_phrase(text, v.start(), floor)
            if subject is not None and subject.end < who.start:
                who = subject
        if (
            last_speaker is None
            and _CYRILLIC_VERB.match(word)
            and (who is None or _AFTER_PREPOSITION.search(text, max(floor, who.start - 8), who.start))
        ):  # "Зеленський у зверненні наголосив", "Песков после поражения от СКА заявил" (not СКА)
            # a team's name in quotes is no floor: "Нападающий «Трактора» Егор Песков после
            # поражения от «Авангарда» признал"
            names = max(
                [
                    s0,
                    *(q.end for q in quotes if q.end <= v.start() and len(text[q.start : q.end].split()) > 3),
                ]
            )
            who = (  # "Ранее в МИД сообщили": МИД
                speaker_before_phrase(text, v.start(), floor)
                or (speaker_before_phrase(text, v.start(), names) if names < floor else None)
                or who
            )
        if who is None and last_speaker is None and before.rstrip().endswith(ENDS_AND):
            who = coordinated_subject(text, s0, v.start())  # "Peskov arrived in Minsk and told …"
            form = "coordinated"
        if (
            who is None
            and last_speaker is not None
            and re.search(
                r"\b(?:and|but|и|но|а|і|та|але|und|aber)(?:\s+also|\s+также|\s+також|\s+auch)?\s*$", before
            )
        ):
            who = last_speaker  # "Officials say … and note that …"
        if who is None:
            continue
        clause_before = re.search(r",\s*$", text[floor : who.start]) and who.start - floor >= 12
        if clause_before and ends_attribution(text, v.end(), s1):
            content = None  # "…, Peskov told journalists on Tuesday, commenting on …"
        else:
            bare = word in (COORDINATED_BARE if form == "coordinated" else BARE)
            content = content_after(text, v.end(), s1, quotes, bare=bare)
        if content is None and clause_before and ends_attribution(text, v.end(), s1):
            content = (s0, s0 + len(text[s0 : who.start].rstrip(" ,")))  # "…, the Kremlin said."
            if content[1] - content[0] < 8 or any(content[0] <= st.verb_start < content[1] for st in out):
                content = None  # "…," Peskov told reporters, Interfax reported: a credit, no statement
        if content is None:
            continue
        for q2 in quotes:
            if q2.inner == content:
                used_quotes.add(q2.start)
        out.append(
            make_statement(
                text,
                who,
                v.span(),
                content,
                (s0, s1),
                "quote" if any(q.inner == content for q in quotes) else form,
            )
        )
        last_speaker = who
    return _trimmed(text, out)


def _trimmed(text: str, found: list[Statement]) -> list[Statement]:
    """A reported clause ends where the sentence's next statement begins ("say … and note …")."""
    out = []
    for i, st in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        coordinated = nxt is not None and (
            nxt.speaker == st.speaker or nxt.speaker.lower() in PRONOUNS
            or re.search(r"\b(?:and|и|і|та|und)\s*$", text[st.content_start : nxt.verb_start]) is not None
        )  # fmt: skip
        if nxt is not None and not coordinated:
            out.append(st)  # "Politico reported that Peskov said …": a statement inside another
            continue
        if nxt is not None and st.content_start < nxt.speaker_start < st.content_end:
            cut = nxt.speaker_start
        elif nxt is not None and st.content_start < nxt.verb_start < st.content_end:
            cut = nxt.verb_start
        else:
            out.append(st)
            continue
        head = re.sub(r"(?:\s|,|\band\b|\bи\b|\bі\b|\bund\b|—|–)+$", "", text[st.content_start : cut])
        out.append(replace(st, content=head, content_end=st.content_start + len(head)))
    return out


# "…, wie X (when, where) sagte.": German's "as X said" after what was said, the verb ending the
# sentence; the speaker right after "wie".
_WIE = re.compile(r",\s+wie\s+", re.U)
_WIE_REACH = 160


def _as_said(text: str, sentence: tuple[int, int], v: Verb) -> Statement | None:
    s0, s1 = sentence
    if text[v.end() : s1].strip(" .)\n") or not v.group().islower():
        return None
    wie = None
    for found in _WIE.finditer(text, max(s0, v.start() - _WIE_REACH), v.start()):
        wie = found  # the last one
    if wie is None or wie.start() - s0 < 8:
        return None
    who = speaker_after(text, wie.end(), v.start())
    if who is None or not who.named:
        return None
    return make_statement(text, who, v.span(), (s0, wie.start()), sentence, "reported")


# The German perfect: the auxiliary right after the subject, the participle at the clause's end
# ("Ein Kremlsprecher hat der Staatsagentur Tass zufolge bestätigt, dass …"); at most this many
# words stand between them (an adverbial, an agency's "zufolge", an object).
_PERFECT_GAP = 10
_ADVERBIAL = re.compile(rf"(?:{WHEN})", re.I)  # what may open a sentence before an inverted subject
# "hat … gesagt", and "soll … gesagt haben" (is said to have said): the subject before it.
_AUXILIARY = re.compile(r"\b(?:hat|habe|haben|hatte|hatten|soll|sollen)\b")


# Two participles of one perfect: "hat … bezeichnet und erklärt, …", with this many words at most
# between the auxiliary and the second.
_COORDINATED_PERFECT_GAP = 30
_AND_BEFORE = re.compile(r"\sund\s+$", re.U)


def _perfect_auxiliary(
    text: str, floor: int, verb: int, gap: int = _PERFECT_GAP, quotes: list[Quote] | None = None
) -> int | None:
    """Where the auxiliary of a German perfect before the participle at `verb` starts, if it stands
    at most `gap` words before it (the last one: the subject stands right before it), with no
    comma between them but inside `quotes`."""
    found = [m for m in _AUXILIARY.finditer(text, floor, verb)]
    found = [m for m in found if not any(q.start <= m.start() < q.end for q in quotes or [])]
    if not found:
        return None
    aux = found[-1]
    between = text[aux.end() : verb]
    for q in sorted(quotes or [], key=lambda q: q.start, reverse=True):
        if aux.end() <= q.start and q.end <= verb:
            between = between[: q.start - aux.end()] + between[q.end - aux.end() :]
    if "," in between or len(between.split()) > gap:
        return None
    return aux.start()
