"""Statements in an article: who said what. Rule-based, for English, Russian, Ukrainian and
German news text, with no model to download.

    statements("Peskov told reporters that the claims were unfounded.")
    -> [Statement(speaker="Peskov", verb="told", content="the claims were unfounded", ...)]

What is found, per sentence (quotes in “…”, "…", «…», „…“, ‘…’, and a quote may run over
paragraphs when each new one opens with a quote mark):

    "…," Peskov said.            „…“, sagte Peskow.        «…», — заявил Песков.
    Peskov said (that) …         Песков заявил, что …      Peskow sagte, …
    Peskov said: "…"             "…," he added, "…"        …, Peskov said, adding that …
    According to Peskov, …       По словам Пескова, …      За словами Пєскова, …   Laut Peskow …
    Peskov: "…" (a headline)     Peskov was quoted as saying …

A speaker is the name or noun phrase that says (with its apposition: "Dmitry Peskov, the
Kremlin spokesman,"), a role alone ("a Kremlin spokesperson"), or a pronoun or a definite role
("he", "the spokesman", "the official"), which refers back to the most recent compatible person
the article named. A relative named by way of someone ("the daughter of the Kremlin spokesman")
is not that someone. `Statement.identity` is what rules match speakers against: the mention,
its apposition, and the person it refers back to.

Why not a model: spaCy has no Russian model on the package index here and its English ones are
third-party uploads; the quotation extractors with published figures (BBC's citron, Quootstrap)
are machine-learned under licences we cannot ship or a single pattern. Patterns over reporting
verbs and quote marks are what those systems' rule baselines are, and their cost is a few regex
passes an article.

The words the patterns look for are in `lexicon`, one module per language (en, ru, uk, de).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from .lexicon import (
    ABBREVIATIONS,
    ACCORDING,
    ACCORDING_HINTS,
    ASIDES,
    AUDIENCES,
    BARE,
    CHARACTERIZING,
    DEMONYMS,
    DETERMINERS,
    FEMALE_FIRST,
    FEMININE_ENDINGS,
    FEMININE_PRONOUNS,
    GENERIC_ROLES,
    GENITIVE_PRONOUNS,
    INSTITUTIONS,
    JOINS,
    MALE_FIRST,
    MASCULINE_ENDINGS,
    MASCULINE_PRONOUNS,
    MEN_ROLES,
    NOT_CLAUSE_STARTS,
    NOT_NAMES,
    NOT_SPEAKERS,
    PARTICIPLES,
    PASSIVE,
    PERSON_ROLES,
    PRONOUN_CLAUSE,
    PRONOUNS,
    RELATIVES,
    ROLES,
    THAT,
    THEN_WORDS,
    TITLES,
    VERBS,
    WHEN,
    WOMEN_ROLES,
)

__all__ = ["Statement", "sentences", "statements"]

Form = Literal["quote", "reported", "according-to", "headline", "passive"]
MAX_TEXT_CHARS = 200_000  # statements are looked for in this much of a text at most


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: who (as the article names them here), the reporting verb, what was said,
    and where (character offsets into the text given)."""

    speaker: str
    speaker_start: int
    speaker_end: int
    verb: str
    verb_start: int
    verb_end: int
    content: str
    content_start: int
    content_end: int
    sentence_start: int
    sentence_end: int
    form: Form
    refers_to: str = ""  # the named mention a pronoun or a role refers back to
    apposition: str = ""  # "the Kremlin spokesman" in "Peskov, the Kremlin spokesman, said"

    @property
    def identity(self) -> str:
        """What names the speaker: the mention, its apposition and whom it refers back to; a
        relative by way of someone stays the relative ("the widow of X" is the widow)."""
        parts = (self.speaker, self.apposition, self.refers_to)
        return IDENTITY_SEPARATOR.join(_without_relation(p) for p in parts if p)


IDENTITY_SEPARATOR = " | "  # between the parts of `Statement.identity` (not a word: it splits words)


# What opens a reported clause after the verb: "said that", "заявил, что".
_THAT = re.compile(r"^\s*(?:,\s*)?(?:" + "|".join(THAT) + r")\b\s*", re.U | re.I)
# Whom it was told, and where: "told reporters on Monday".
_TOLD_OBJECT = re.compile(
    rf"^\s*(?:(?:to )?(?:the |a )?(?:{AUDIENCES})(?: on \w+day| in \w+| at [\w ]{{1,30}}?)?)\s*(?:,\s*)?",
    re.U,
)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.U)
# Adverbials that may stand between a speaker and the verb ("The Kremlin on Wednesday said").
_BETWEEN = re.compile(rf"(?:\s+(?:{WHEN})\b)+\s*$", re.U | re.I)
# ... and between the verb and what was said ("said Wednesday it would", "told reporters on Monday").
_AFTER_VERB = re.compile(rf"^(?:\s*,?\s*(?:{WHEN})\b)+\s*,?", re.U | re.I)

# Quote marks: opening -> the marks that close it.
_PAIRS = {"“": "”", "«": "»", "„": "“”", "‘": "’", '"': '"', "‹": "›"}


@dataclass(frozen=True, slots=True)
class _Quote:
    start: int  # the opening mark
    end: int  # just after the closing mark (or the paragraph's end, for one that runs on)

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1


_OPENERS = re.compile("[" + re.escape("".join(_PAIRS)) + "]")
_CLOSERS = {opener: re.compile("[" + re.escape(closers) + "\n]") for opener, closers in _PAIRS.items()}


def _quotes(text: str) -> list[_Quote]:
    """The outermost quotes, in order. A quote left open at a paragraph's end continues when
    the next paragraph opens with a quote mark (the style of a quote over several paragraphs)."""
    out: list[_Quote] = []
    at = 0
    while (m := _OPENERS.search(text, at)) is not None:
        i, c = m.start(), m.group()
        if c in '‘"' and not (i == 0 or text[i - 1] in " \n\t([—–-:"):
            at = i + 1  # an apostrophe or an inch mark, not a quote
            continue
        j = _close(text, i + 1, c)
        if j is None:
            at = i + 1
            continue
        out.append(_Quote(i, j + 1))
        at = j + 1
    return out


def _close(text: str, i: int, opener: str) -> int | None:
    """Where the quote opened just before `i` closes, or None. Its closing mark is the first one
    (a quote inside it uses other marks); a ’ or " followed by a letter is an apostrophe."""
    closer, n = _CLOSERS[opener], len(text)
    while (m := closer.search(text, i)) is not None:
        k = m.start()
        if m.group() == "\n":  # a paragraph ends: does the next one open with the same mark?
            nxt = k
            while nxt < n and text[nxt].isspace():
                nxt += 1
            if nxt < n and text[nxt] == opener and opener in '“«„"':
                i = nxt + 1
                continue
            return None
        if opener in '‘"' and k + 1 < n and text[k + 1].isalnum():
            i = k + 1
            continue
        return k
    return None


_BOUNDARY = re.compile(r"\n|[.!?…]+\)?(?=[ \t]+[^\W\d_\"“«„—–-]|[ \t]+[\"“«„—–-]|\s*$)", re.U)


def _sentences(text: str, quotes: list[_Quote]) -> list[tuple[int, int]]:
    """Sentence spans: ended by . ! ? … (outside quotes) before a space and a capital, a quote
    or a dash, or by a line's end; a quote ends its sentence only with what follows it."""
    starts = [q.start for q in quotes]
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        k = m.start()
        q = bisect_right(starts, k) - 1
        if q >= 0 and k < quotes[q].end:
            continue  # inside a quote
        if m.group() == "\n":
            if text[start:k].strip():
                out.append((start, k))
            start = k + 1
            continue
        after = m.end()
        if after < len(text) and text[after : after + 2].strip()[:1].islower():
            continue
        if not _abbreviation(text, start, k):
            out.append((start, after))
            start = after
    if text[start:].strip():
        out.append((start, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in out]


def sentences(text: str) -> list[tuple[int, int]]:
    """The character spans of the sentences of `text` (a quote of several sentences is one):
    what the rules' same-sentence operator (NEAR/S) counts as one sentence."""
    return _sentences(text, _quotes(text))


def _abbreviation(text: str, start: int, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(start, dot - 16) : dot])
    return bool(
        word and (word.group(1) in ABBREVIATIONS or (len(word.group(1)) == 1 and word.group(1).isupper()))
    )


@dataclass(frozen=True, slots=True)
class _Mention:
    text: str
    start: int
    end: int
    named: bool  # has a capitalised name in it (not only roles)
    apposition: str = ""
    gender: str = ""  # "f", "m" or "" (not known)


def _name_like(word: str) -> bool:
    return word[:1].isupper() and word not in NOT_NAMES


def _speaker_before(text: str, end: int, floor: int) -> _Mention | None:
    """The speaker's noun phrase ending at `end` (just before the verb), not before `floor`."""
    adverbial = _BETWEEN.search(text, floor, end)
    if adverbial is not None:
        end = adverbial.start()
    words = [m for m in _WORD.finditer(text, floor, end)]
    if not words:
        return None
    # Nothing but spaces (and an adverbial: "on Wednesday", "also") may stand between it and the verb.
    last = len(words) - 1
    tail = text[words[last].end() : end]
    if tail.strip() not in ("", ","):
        return None
    if tail.strip() == ",":  # "Peskov, the Kremlin spokesman, said": an apposition
        comma = text.rfind(",", floor, words[last].start())
        if comma == -1:
            return None
        inner = [k for k, w in enumerate(words) if w.start() > comma]
        segment = [words[k].group().lower().removesuffix("'s").removesuffix("’s") for k in inner]
        if not inner or len(inner) > 14:
            return None
        r0 = inner[0]
        if r0 == 0 or text[words[r0 - 1].end() : comma].strip():
            return None
        aside = segment[0] in ASIDES  # "a diplomat, speaking on condition of anonymity, said"
        named = any(_names_someone(words[k].group()) for k in inner)  # "His wife, Tatiana Navka,"
        if not (aside or named or any(w in ROLES for w in segment)):
            return None
        name = _phrase_back(text, words, r0 - 1, floor, names_only=not (aside or named))
        if name is None:
            return None
        n0, n1 = name
        appo = "" if aside else text[words[r0].start() : words[last].end()]
        return _mention(text, words[n0].start(), words[n1].end(), apposition=appo)
    if words[last].group().lower() in PRONOUNS:
        w = words[last]
        lead = text[floor : w.start()].rstrip()
        joined = lead.endswith((",", "—", "–", "-", '"', "”", "»", "“")) or re.search(_JOINS, lead)
        if lead and not joined:
            return None
        return _Mention(w.group(), w.start(), w.end(), named=False, gender=_pronoun_gender(w.group()))
    span = _phrase_back(text, words, last, floor)
    if span is None:
        return None
    s0, s1 = span
    return _mention(text, words[s0].start(), words[s1].end())


_JOINS = rf"(?i)\b(?:{JOINS})$"


def _pronoun_gender(word: str) -> str:
    w = word.lower()
    return "f" if w in FEMININE_PRONOUNS else "m" if w in MASCULINE_PRONOUNS else ""


def _phrase_back(
    text: str, words: list[re.Match[str]], last: int, floor: int, names_only: bool = False
) -> tuple[int, int] | None:
    """The words [first, last] of a speaker's noun phrase that ends with words[last]: names,
    roles, titles, determiners, possessives ("Putin's press secretary"), of/for inside a role."""
    k = last
    head = words[k].group()
    if not (_name_like(head) or (not names_only and head.lower() in ROLES)):
        return None
    while k > 0:
        prev = words[k - 1]
        gap = text[prev.end() : words[k].start()]
        word = prev.group()
        lower = word.lower()
        if gap not in (" ", "-", "’s ", "'s ") and not (gap == " " or gap.strip() in ("’s", "'s")):
            break
        if gap.strip() in ("’s", "'s") or word.endswith(("’s", "'s")):
            k -= 1
            continue
        if _name_like(word) or word in TITLES or (not names_only and lower in ROLES):
            k -= 1
            continue
        if not names_only and lower in ("of", "for", "to", "при") and k - 1 > 0:
            k -= 1
            continue
        if not names_only and lower in DETERMINERS:
            k -= 1
            break
        break
    while k <= last and words[k].group().lower() in ("of", "for", "to", "при"):
        k += 1
    if k > last:
        return None
    if not names_only:
        k = _role_ahead(text, words, k)
    return k, last


def _role_ahead(text: str, words: list[re.Match[str]], k: int) -> int:
    """Where the phrase starts when a role leads a chain of words to the name, as Russian writes
    it: "Спецпредставитель президента по вопросам цифрового развития Дмитрий Песков"."""
    for r in range(k - 1, max(-1, k - 9), -1):
        if text[words[r].end() : words[r + 1].start()] != " ":
            return k
        if words[r].group().lower() in ROLES:
            start_ok = (
                r == 0
                or text[words[r - 1].end() : words[r].start()].strip() != ""
                or words[r - 1].group().lower() in DETERMINERS
            )
            return r if start_ok else k
    return k


def _mention(text: str, start: int, end: int, apposition: str = "") -> _Mention:
    phrase = text[start:end]
    tokens = [w.group() for w in _WORD.finditer(phrase)]
    named = any(_names_someone(t) for t in tokens)
    return _Mention(phrase, start, end, named, apposition, _gender(tokens))


def _gender(tokens: list[str]) -> str:
    """ "f" or "m" when a first name, a role or a Slavic surname's ending says so, else ""."""
    if any(t in FEMALE_FIRST or t.lower() in WOMEN_ROLES for t in tokens):
        return "f"
    if any(t in MALE_FIRST or t.lower() in MEN_ROLES for t in tokens):
        return "m"
    names = [t for t in tokens if _names_someone(t)]
    last = names[-1].lower() if names else ""
    if len(last) > 4 and last.endswith(FEMININE_ENDINGS):
        return "f"
    if len(last) > 3 and last.endswith(MASCULINE_ENDINGS):
        return "m"
    return ""


def _names_someone(token: str) -> bool:
    """Whether a capitalised word of a phrase names someone (not "Russian", "Kremlin", "Mr")."""
    bare = token.removesuffix("'s").removesuffix("’s")
    return (
        _name_like(bare) and bare.lower() not in ROLES and bare not in TITLES and bare not in DEMONYMS
        and bare not in INSTITUTIONS and not bare.isupper()
    )  # fmt: skip


def _speaker_after(text: str, start: int, end: int) -> _Mention | None:
    """The speaker right after an inverted verb: "…," said Peskov; «…», — заявил Песков."""
    words = list(_WORD.finditer(text, start, end))
    if not words or text[start : words[0].start()].strip():
        return None
    first = words[0].group()
    if first.lower() in PRONOUNS:
        return _Mention(first, words[0].start(), words[0].end(), False, gender=_pronoun_gender(first))
    k = 0
    if first.lower() in DETERMINERS:
        k = 1
    j = k
    while j < len(words):
        w = words[j].group()
        gap = text[words[j - 1].end() : words[j].start()] if j > k else " "
        if j > k and gap not in (" ", "-"):
            break
        bare = w.lower().removesuffix("'s").removesuffix("’s")
        if _name_like(w) or bare in ROLES or w in TITLES or (j > k and w.lower() in ("of", "for", "при")):
            j += 1
            continue
        break
    while j > k and words[j - 1].group().lower() in ("of", "for", "при"):
        j -= 1
    if j == k:
        return None
    mention = _mention(text, words[0].start(), words[j - 1].end())
    rest = text[words[j - 1].end() : end]
    appo = re.match(r"\s*,\s*((?:the |a )?[^,.;:]{3,80}?)\s*(?:[,.;:]|$)", rest)
    if appo and any(w.lower() in ROLES for w in _WORD.findall(appo.group(1))):
        mention = _Mention(
            mention.text, mention.start, mention.end, mention.named, appo.group(1), mention.gender
        )
    return mention


# Which verb forms a text holds is a set intersection over its words (C speed); only those are
# then found, with str.find (bench/README.md, "Statements").
_VERB_FORMS = VERBS | PARTICIPLES
_LETTERS = re.compile(r"[^\W\d_]+", re.U)  # verb forms are letters only
_IN_A_WORD = re.compile(r"[\w'’-]", re.U)


@dataclass(frozen=True, slots=True)
class _Verb:
    """A reporting verb where it stands (the parts of re.Match the patterns use)."""

    at: int
    stop: int
    word: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.stop

    def span(self) -> tuple[int, int]:
        return self.at, self.stop

    def group(self) -> str:
        return self.word


def _verb_matches(text: str) -> list[_Verb]:
    """Every reporting verb and participle of the text, as written in lowercase (a form
    capitalised mid-sentence is a name: "the United States"), whole words, in order."""
    shouted = not any(c.islower() for c in text) and len(text.lower()) == len(text)
    probe = text.lower() if shouted else text  # "KREMLIN SPOKESMAN DMITRY PESKOV SAID …"
    present = _VERB_FORMS.intersection(_LETTERS.findall(probe))
    found = []
    for form in present:
        at = probe.find(form)
        while at != -1:
            end = at + len(form)
            if not (at and _IN_A_WORD.match(text, at - 1)) and not _IN_A_WORD.match(text, end):
                found.append(_Verb(at, end, text[at:end]))
            at = probe.find(form, end)
    found.sort(key=_Verb.start)
    return found


def _starts_words(text: str, matches: Iterable[re.Match[str]]) -> list[re.Match[str]]:
    return [m for m in matches if not (m.start() and _IN_A_WORD.match(text, m.start() - 1))]


def _content_after(
    text: str, at: int, end: int, quotes: list[_Quote], bare: bool = True
) -> tuple[int, int] | None:
    """What was said after the verb: a quote (after a colon or a comma or straight on), else the
    reported clause ("that …", "что …", ", dass …") up to the sentence's end. `bare`: the verb
    takes a clause without "that" ("said the talks were over"; not "denied the talks ...")."""
    k = at
    verb = _WORD_BEFORE.search(text, max(0, at - 40), at)
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
        return q.inner if q is not None else _content_after(text, k, end, quotes, bare=True)
    while True:  # "told reporters on Monday", "said Wednesday"
        rest = text[k:end]
        m = _TOLD_OBJECT.match(rest) or _AFTER_VERB.match(rest)
        if m is None or m.end() == 0:
            break
        k += m.end()
    lead = re.match(r"[\s,:—–-]*", text[k:end])
    q0 = k + (lead.end() if lead else 0)
    for q in quotes:
        if q.start == q0:
            return q.inner
    that = _THAT.match(text[k:end])
    if that:
        k += that.end()
        q = next((q for q in quotes if q.start == k), None)
        if q is not None:  # said that “…”
            return q.inner
    elif not bare and not PRONOUN_CLAUSE.match(text, k, end):  # "announced it would withdraw"
        return None
    else:
        lead2 = re.match(r"\s*(?:,\s*|:\s*)?", text[k:end])
        k += lead2.end() if lead2 else 0
    stop = end
    while stop > k and text[stop - 1] in " .!?…\n":
        stop -= 1
    if stop - k < 8:
        return None
    first = _WORD.match(text, k)
    if first is not None and not that and first.group().lower() in NOT_CLAUSE_STARTS:
        # "said on Mar. 6 that …", "betonte in München, …"
        later = re.search(r"\b(?:that|что|що|dass)\b\s*|,\s*", text[k:stop])
        if later is None or later.start() > 60 or first.group().lower() == "against":
            return None
        k += later.end()
        q = next((q for q in quotes if q.start == k), None)
        if q is not None:
            return q.inner
    if first is None or stop - k < 8:
        return None
    return k, stop


_WORD_BEFORE = re.compile(r"[^\W_]+$", re.U)


def statements(text: str) -> list[Statement]:
    """Every statement found in `text`, in order (see the module's docstring)."""
    text = text[:MAX_TEXT_CHARS]
    quotes = _quotes(text)
    spans = _sentences(text, quotes)
    people = _People(text, spans)
    found: list[Statement] = []
    previous: Statement | None = None  # the last statement of the sentence before
    starts = [q.start for q in quotes]
    verb_matches = _verb_matches(text)
    verbs = [m.start() for m in verb_matches]
    according = sorted(
        m.start()
        for pattern, hints in zip(ACCORDING, ACCORDING_HINTS, strict=True)
        if any(h in text for h in hints)
        for m in _starts_words(text, pattern.finditer(text))
    )
    passive = PASSIVE.search(text) is not None
    for i, (s0, s1) in enumerate(spans):
        inside = quotes[bisect_left(starts, s0) : bisect_left(starts, s1)]
        sentence: list[Statement] = []
        if _any_in(according, s0, s1):
            sentence += _according_to(text, s0, s1, inside)
        if passive:
            sentence += _passive(text, s0, s1, inside)
        if not sentence and ":" in text[s0:s1]:
            sentence += _headline(text, s0, s1, inside)
        if _any_in(verbs, s0, s1) and not any(st.form in ("passive", "headline") for st in sentence):
            mine = verb_matches[bisect_left(verbs, s0) : bisect_left(verbs, s1)]
            outside = [v for v in mine if not any(q.start <= v.start() < q.end for q in inside)]
            sentence += _with_verbs(text, s0, s1, inside, outside)
        if not sentence and previous is not None and previous.form == "quote":
            sentence += _quote_goes_on(text, s0, s1, inside, previous)
        previous = sentence[-1] if sentence else None
        for st in sentence:
            resolved = _resolve(st, people.before(i, st.speaker_start))
            found.append(resolved)
            if not resolved.refers_to:
                people.spoke(
                    i, _mention(text, resolved.speaker_start, resolved.speaker_end, resolved.apposition)
                )
    return found


class _People:
    """The people a pronoun or a role may refer back to: the named speakers, and the named
    subject of each sentence ("Peskov was speaking at a forum. There, he told …"), the latter
    read only when something needs referring back (most sentences never do)."""

    LOOK_BACK = 8  # sentences

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text, self.spans = text, spans
        self._surnames: frozenset[str] | None = None
        self.speakers: dict[int, list[_Mention]] = {}
        self._subjects: dict[int, _Mention | None] = {}

    @property
    def surnames(self) -> frozenset[str]:
        if self._surnames is None:
            self._surnames = _surnames(self.text)
        return self._surnames

    def spoke(self, sentence: int, who: _Mention) -> None:
        if _person_like(who, self.surnames, speaker=True):
            self.speakers.setdefault(sentence, []).append(who)

    def subject(self, sentence: int) -> _Mention | None:
        if sentence not in self._subjects:
            s0, s1 = self.spans[sentence]
            found = (
                _speaker_after(self.text, s0, min(s1, s0 + 200)) if _NAME_START.match(self.text, s0) else None
            )
            keep = found is not None and found.named and _person_like(found, self.surnames)
            self._subjects[sentence] = found if keep else None
        return self._subjects[sentence]

    def before(self, sentence: int, at: int) -> Iterator[_Mention]:
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


def _person_like(m: _Mention, surnames: frozenset[str], speaker: bool = False) -> bool:
    """Whether a mention names a person (for "he" and "she"): a person's role or title, or a
    name the text also gives as a person's full name."""
    tokens = _WORD.findall(m.text)
    if any(t in TITLES for t in tokens) or any(t.lower() in PERSON_ROLES for t in tokens):
        return True
    names = [t for t in tokens if _names_someone(t)]
    return bool(names) and (names[-1] in surnames or m.gender != "" or speaker)


_NAME_START = re.compile(r"(?:the |a |an )?[A-ZА-ЯЁІЇЄ]", re.U)


def _any_in(positions: list[int], start: int, end: int) -> bool:
    i = bisect_left(positions, start)
    return i < len(positions) and positions[i] < end


def _quote_goes_on(text: str, s0: int, s1: int, quotes: list[_Quote], previous: Statement) -> list[Statement]:
    """A sentence that is a quote and nothing else, after a quote's attribution, goes on with
    the same speaker's words (the paragraph after `"…," she said.`)."""
    if len(quotes) != 1 or text[s0:s1].strip(" .!?…\n") != text[quotes[0].start : quotes[0].end].strip(
        " .!?…\n"
    ):
        return []
    c0, c1 = quotes[0].inner
    return [replace(previous, verb="", verb_start=c0, verb_end=c0, content=text[c0:c1], content_start=c0,
                    content_end=c1, sentence_start=s0, sentence_end=s1)]  # fmt: skip


def _resolve(st: Statement, named: Iterable[_Mention]) -> Statement:
    """A pronoun or a definite role refers back to the most recent compatible named person."""
    words = _WORD.findall(st.speaker)
    lower = [w.lower() for w in words]
    if not words:
        return st
    pronoun = len(words) == 1 and (lower[0] in PRONOUNS or lower[0] in GENITIVE_PRONOUNS)
    definite_role = (lower[0] in ("the", "this") and lower[-1] in ROLES) or (
        all(w in ROLES for w in lower) and not words[0][:1].isupper()
    )
    if not (pronoun or definite_role):
        return st
    want = (GENITIVE_PRONOUNS.get(lower[0]) or _pronoun_gender(words[0])) if pronoun else ""
    roles = {w for w in lower if w in ROLES}
    for m in named:
        if want and m.gender and m.gender != want:
            continue
        if (
            definite_role
            and roles
            and not roles & {w.lower() for w in _WORD.findall(m.apposition + " " + m.text)}
            and not (roles & GENERIC_ROLES)
        ):
            continue
        refers = m.text + (f", {m.apposition}" if m.apposition else "")
        return replace(st, refers_to=refers)
    return st


def _without_relation(phrase: str) -> str:
    """ "the widow of Alexei Navalny" -> "the widow"; anything else as it is."""
    for m in _OF.finditer(phrase):
        if m.group(1).lower() in RELATIVES:
            return phrase[: m.end(1)]
    return phrase


_OF = re.compile(r"([^\W\d_]+)\s+(?:of|to|for)\b", re.U)


def _strip_relative(mention: _Mention) -> _Mention:
    """ "Elizaveta Peskova, the daughter of the Kremlin spokesman": she speaks, not he. An
    apposition naming whose relative the speaker is keeps only the relation."""
    appo = _without_relation(mention.apposition)
    return mention if appo == mention.apposition else replace(mention, apposition=appo)


def _statement(
    text: str,
    who: _Mention,
    verb: tuple[int, int],
    content: tuple[int, int],
    sentence: tuple[int, int],
    form: Form,
) -> Statement:
    who = _strip_relative(who)
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


# The possessive of "По его словам, …": whose words they are.
_OWN = re.compile(r"\b(" + "|".join(GENITIVE_PRONOUNS) + r")\b")


def _according_to(text: str, s0: int, s1: int, quotes: list[_Quote]) -> list[Statement]:
    out = []
    for pattern in ACCORDING:
        for m in _starts_words(text, pattern.finditer(text, s0, s1)):
            if any(q.start <= m.start() < q.end for q in quotes):
                continue
            own = _OWN.search(m.group())
            if own is not None:  # "По его словам, …": he, whoever he was
                at = m.start() + own.start(1)
                who = _Mention(own.group(1), at, at + len(own.group(1)), False,
                               gender=GENITIVE_PRONOUNS[own.group(1)])  # fmt: skip
                after = text[m.end() : s1]
                c0 = m.end() + (re.match(r"\s*,?\s*", after).end())  # type: ignore[union-attr]
                if s1 - c0 >= 8:
                    out.append(
                        _statement(text, who, (m.start(), m.end()), (c0, s1), (s0, s1), "according-to")
                    )
                continue
            named = _speaker_after(text, m.end(), s1)
            if named is None:
                continue
            who = named
            after = text[who.end : s1]
            comma = re.match(r"\s*,\s*", after)
            appo = re.match(r"((?:the |a )?[^,.;]{3,80}?),\s*", after[comma.end() :]) if comma else None
            if (
                comma
                and appo
                and any(w.lower() in ROLES for w in _WORD.findall(appo.group(1)))
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
            else:  # "…, according to Peskov."
                content = (s0, m.start())
            c0, c1 = content
            while c1 > c0 and text[c1 - 1] in " ,.;—–-":
                c1 -= 1
            if c1 - c0 >= 8:
                out.append(_statement(text, who, (m.start(), m.end()), (c0, c1), (s0, s1), "according-to"))
    return out


def _passive(text: str, s0: int, s1: int, quotes: list[_Quote]) -> list[Statement]:
    out = []
    for m in PASSIVE.finditer(text, s0, s1):
        who = _speaker_before(text, m.start(), s0)
        if who is None:
            continue
        content = _content_after(text, m.end(), s1, quotes) or (m.end(), s1)
        out.append(_statement(text, who, (m.start(), m.end()), content, (s0, s1), "passive"))
    return out


def _headline(text: str, s0: int, s1: int, quotes: list[_Quote]) -> list[Statement]:
    """`Peskov: "…"` or `Peskov: …` at the start of a line, or `…: Peskov` at its end (the
    shapes of a headline)."""
    tail = re.search(r":\s+((?:(?:the |a )?[\w’'-]+\s?){1,4})$", text[s0:s1].rstrip(" .\n"))
    if tail is not None and "\n" not in text[s0:s1].strip():
        tokens = _WORD.findall(tail.group(1))
        speaker = [t for t in tokens if t.lower() not in DETERMINERS]
        if (
            speaker
            and all(_name_like(t) or t.lower() in ROLES for t in speaker)
            and not any(t in NOT_SPEAKERS for t in tokens)
        ):
            at = s0 + tail.start(1)
            who = _mention(text, at, at + len(tail.group(1).rstrip()))
            return [_statement(text, who, (s0 + tail.start(), s0 + tail.start() + 1), (s0, s0 + tail.start()),
                               (s0, s1), "headline")]  # fmt: skip
    m = re.match(r"\s*((?:[A-ZА-ЯЁІЇЄ][\w’'-]+\s?){1,4}):\s+", text[s0:s1])
    if not m:
        return []
    name = m.group(1).strip()
    tokens = _WORD.findall(name)
    if not tokens or any(t in NOT_SPEAKERS or t in NOT_NAMES for t in tokens):
        return []
    c0 = s0 + m.end()
    inner = next((q.inner for q in quotes if q.start == c0), (c0, s1))
    who = _mention(text, s0 + m.start(1), s0 + m.start(1) + len(name))
    return [_statement(text, who, (s0 + m.end(1), s0 + m.end(1) + 1), inner, (s0, s1), "headline")]


def _with_verbs(text: str, s0: int, s1: int, quotes: list[_Quote], verbs: list[_Verb]) -> list[Statement]:
    """The verb patterns: a quote then its speaker, a speaker then a quote or a clause, and a
    participle ("adding that") after either, said by the same speaker."""
    out: list[Statement] = []
    last_speaker: _Mention | None = None
    used_quotes: set[int] = set()
    for v in verbs:
        word = v.group().lower()
        if word in PARTICIPLES and word not in VERBS:
            if last_speaker is None:  # "Peskov lamented …, claiming that …": the sentence's subject
                last_speaker = _speaker_after(text, s0, s1)
            if last_speaker is None:
                continue
            content = _content_after(text, v.end(), s1, quotes)
            if content is not None and text[s0 : v.start()].rstrip().endswith((",", "—", "–")):
                out.append(_statement(text, last_speaker, v.span(), content, (s0, s1), "reported"))
            continue
        before = text[s0 : v.start()]
        # 1. "…," Peskov said / «…», — заявил Песков / „…“, sagte Peskow
        q = next((q for q in reversed(quotes) if q.end <= v.start() and q.start not in used_quotes), None)
        if q is not None and re.fullmatch(r"[\s,—–-]*", text[q.end : v.start()]):
            who = _speaker_after(text, v.end(), s1)  # inverted: said Peskov
            if who is not None:
                out.append(_statement(text, who, v.span(), q.inner, (s0, s1), "quote"))
                used_quotes.add(q.start)
                last_speaker = who
                out += _continued(text, who, v, s1, quotes, used_quotes, (s0, s1))
                continue
        if q is not None:
            between = text[q.end : v.start()]
            who = _speaker_before(text, v.start(), q.end)
            if who is not None and re.match(r"^[\s,—–-]*$", between[: who.start - q.end]):
                out.append(_statement(text, who, v.span(), q.inner, (s0, s1), "quote"))
                used_quotes.add(q.start)
                last_speaker = who
                out += _continued(text, who, v, s1, quotes, used_quotes, (s0, s1))
                continue
        # 2. Peskov said (that) … / Peskov said: "…"
        floor = max([s0, *(q.end for q in quotes if q.end <= v.start())])
        who = _speaker_before(text, v.start(), floor)
        if who is None and re.search(r"[,—–-]\s*$", before):
            who = _speaker_after(text, v.end(), s1)  # "…, заявил Песков" (no quote marks)
            if who is not None:
                content = (s0, len(before.rstrip(" ,—–-")) + s0)
                if content[1] - content[0] >= 8:
                    out.append(_statement(text, who, v.span(), content, (s0, s1), "reported"))
                    last_speaker = who
                continue
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
        if clause_before and _ends_attribution(text, v.end(), s1):
            content = None  # "…, Peskov told journalists on Tuesday, commenting on …"
        else:
            content = _content_after(text, v.end(), s1, quotes, bare=word in BARE)
        if content is None and clause_before and _ends_attribution(text, v.end(), s1):
            content = (s0, s0 + len(text[s0 : who.start].rstrip(" ,")))  # "…, the Kremlin said."
            if content[1] - content[0] < 8:
                content = None
        if content is None:
            continue
        for q2 in quotes:
            if q2.inner == content:
                used_quotes.add(q2.start)
        out.append(
            _statement(
                text,
                who,
                v.span(),
                content,
                (s0, s1),
                "quote" if any(q.inner == content for q in quotes) else "reported",
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


def _ends_attribution(text: str, at: int, end: int) -> bool:
    """Whether the sentence ends after the verb (objects and adverbials aside), or goes on with a
    participle or "when asked": then what was said came before ("…, Peskov told reporters.")."""
    k = at
    while True:
        rest = text[k:end]
        m = _TOLD_OBJECT.match(rest) or _AFTER_VERB.match(rest)
        if m is None or m.end() == 0:
            break
        k += m.end()
    rest = text[k:end].strip(' .!?…\n"”»“')
    if not rest:
        return True
    follow = re.match(r",?\s*(\w+)", rest)
    return bool(follow and (follow.group(1).lower() in PARTICIPLES or follow.group(1).lower() in THEN_WORDS))


def _continued(
    text: str,
    who: _Mention,
    verb: _Verb,
    end: int,
    quotes: list[_Quote],
    used: set[int],
    sentence: tuple[int, int],
) -> list[Statement]:
    """`"…," he said, "…"`: a quote right after the attribution is the same speaker's."""
    tail = text[max(who.end, verb.end()) : end]
    lead = re.match(r"\s*,\s*", tail)
    if not lead:
        return []
    at = max(who.end, verb.end()) + lead.end()
    q = next((q for q in quotes if q.start == at), None)
    if q is None:
        return []
    used.add(q.start)
    return [_statement(text, who, verb.span(), q.inner, sentence, "quote")]
