"""`statements(text)`: where each form is looked for, sentence by sentence, and whom a pronoun or
a role refers back to. The forms are tried only in the sentences that hold what they need (a
verb, an according-to phrase, a colon, a refusal's or an absolute clause's words), found for the
whole text at once; a sentence that names who said the one before is known by its first words."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from typing import NamedTuple

from .coreference import People, resolve
from .forms.absolute import absolute, wobei
from .forms.according import according_to, zufolge
from .forms.headline import headline
from .forms.later import named_later, said_this
from .forms.passive import passive, passive_slavic
from .forms.quote import quote_goes_on, quotes_by_any_verb
from .forms.refusal import CONTRAST, refusals
from .forms.reported import with_verbs
from .forms.words_of import words_of
from .lexicon import (
    ABSOLUTE_PARTICIPLES,
    ACCORDING,
    ACCORDING_HINTS,
    LATER_OWN,
    LATER_STARTS,
    PASSIVE,
    PASSIVE_DE,
    PASSIVE_SLAVIC_WORDS,
    REFUSAL_NOT,
    REFUSAL_WORDS,
    REFUSALS,
    WORDS_OF_WORDS,
)
from .mentions import Mention, mention_at
from .model import MAX_TEXT_CHARS, Statement
from .quotes import Quote, find_quotes
from .sentences import sentence_spans
from .tokens import starts_words
from .verbs import VERB_FORMS, Verb, find_words

# One scan of the text's words finds the reporting verbs and the words the rarer forms need (a
# refusal's, an absolute clause's participle, "zufolge", "wobei", "заявлено"): most texts have
# none, and a sentence without one is not tried for those forms. "слова", "words": whose words a
# quote is ("«…», — такие слова Пескова приводит ТАСС").
_RARE = REFUSAL_WORDS | ABSOLUTE_PARTICIPLES | PASSIVE_SLAVIC_WORDS | WORDS_OF_WORDS | {"zufolge", "wobei"}
_SCANNED = VERB_FORMS | _RARE
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CLOSERS = ("”", "»", "“", '"', "’")  # a reported clause that ends with a quote: the next may go on with it
_THIS_START = re.compile(r"(?:this|so)\b")  # a reported content that points back (later.said_this)
# The starts of a sentence that points back, by their first two characters: one dict lookup a
# sentence, and the few starts that share them compared only then.
_LATER_BY_FIRST: dict[str, tuple[str, ...]] = {
    two: tuple(p for p in LATER_STARTS if p[:2] == two) for two in {p[:2] for p in LATER_STARTS}
}


def statements(text: str) -> list[Statement]:
    """Every statement found in `text`, in order (see the package's docstring)."""
    text = text[:MAX_TEXT_CHARS]
    quotes = find_quotes(text)
    spans = sentence_spans(text, quotes)
    people = People(text, spans)
    found: list[Statement] = []
    previous: Statement | None = None  # the last statement of the sentence before
    starts = [q.start for q in quotes]
    scan = _scan(text)
    verbs, verb_matches, rare_at = scan.verbs, scan.verb_matches, scan.rare_at
    # Quotes a sentence ends inside, then a pointer back: `„…“ Das sagte Peskow.` (one sentence).
    quote_pointers = [q.start for q in quotes if _pointer_after(text, q)]
    # Russian's and Ukrainian's hints are looked for only in a text with a Cyrillic letter: one
    # scan of an English text instead of one a hint.
    cyrillic = _CYRILLIC.search(text) is not None
    according = sorted(
        m.start()
        for pattern, hints, slavic in zip(ACCORDING, ACCORDING_HINTS, (False, True, True, False), strict=True)
        if (cyrillic or not slavic) and any(h in text for h in hints)
        for m in starts_words(text, pattern.finditer(text))
    )
    has_passive = PASSIVE.search(text) is not None or (
        "zitiert" in text and PASSIVE_DE.search(text) is not None
    )
    n_verbs = len(verbs)
    # Per sentence only what it needs is done: most sentences have no quote, no verb, no rarer
    # form's word, and start as no pointer back does (each test below is one C call or two).
    for i, (s0, s1) in enumerate(spans):
        inside = quotes[bisect_left(starts, s0) : bisect_left(starts, s1)] if quotes else []
        sentence: list[Statement] = []
        if according and _any_in(according, s0, s1):
            sentence += according_to(text, s0, s1, inside)
        rare_here = bool(rare_at) and _any_in(rare_at, s0, s1)
        if rare_here and scan.zufolge:
            sentence += zufolge(text, s0, s1, inside)
        if has_passive:
            sentence += passive(text, s0, s1, inside)
        if rare_here and scan.passive_slavic:
            sentence += passive_slavic(text, s0, s1, inside)
        starts_as = _LATER_BY_FIRST.get(text[s0 : s0 + 2]) if i else None
        pointer = (starts_as is not None and text.startswith(starts_as, s0)) or (
            # "Peskov's words, …, came …": only of a sentence that had no speaker of its own
            i > 0 and previous is None and LATER_OWN.match(text, s0, s1) is not None
        )
        pointed = bool(quote_pointers) and _any_in(quote_pointers, s0, s1)
        later = (
            _named_later(text, i, spans, inside, quotes, starts, pointer, pointed)
            if pointer or pointed
            else []
        )
        if not sentence and text.find(":", s0, s1) != -1:
            sentence += headline(text, s0, s1, inside)
        j = bisect_left(verbs, s0)
        if j < n_verbs and verbs[j] < s1 and not any(st.form in ("passive", "headline") for st in sentence):
            mine = verb_matches[j : bisect_left(verbs, s1, j)]
            outside = (
                [v for v in mine if not any(q.start <= v.start() < q.end for q in inside)] if inside else mine
            )
            if later:  # "Об этом заявил Песков, добавив, что …": the pointer's verb is taken
                taken = later[0].verb_start
                outside = [v for v in outside if v.start() != taken]
            said = with_verbs(text, s0, s1, inside, outside, _mention(text, later[0]) if later else None)
            if i and said and any(_THIS_START.match(st.content) for st in said):  # "Peskov said this …"
                back = _quotes_in(quotes, starts, spans[i - 1])
                said = [said_this(text, st, spans[i - 1], back) or st for st in said]
            sentence += [wobei(text, st) for st in said] if scan.wobei else said
        if later or rare_here:
            sentence = _rarer(text, (s0, s1), inside, sentence, later, scan.rare if rare_here else None)
        if inside:  # "«…», — отрезал Песков": a quote's attribution by a verb no list holds
            sentence += quotes_by_any_verb(text, (s0, s1), inside, sentence)
        if not sentence:
            if (
                previous is not None
                and previous.form != "headline"  # a headline's quote ends with its line
                and (previous.form == "quote" or previous.content.endswith(_CLOSERS))
            ):
                sentence = quote_goes_on(text, s0, s1, inside, previous)
            if not sentence:
                previous = None
                continue
        previous = sentence[-1]
        for st in sentence:
            resolved = resolve(st, people, i)
            found.append(resolved)
            if not resolved.refers_to:
                people.spoke(i, _mention(text, resolved))
    return found


def _scan(text: str) -> _Scan:
    """What one scan of the text's words finds: the reporting verbs, and where the rarer forms'
    words are."""
    scanned = find_words(text, _SCANNED)
    if scanned and not scanned[0].word.islower():  # a text all in capitals: "PESKOV SAID …"
        scanned = [Verb(v.at, v.stop, v.word.lower()) for v in scanned]
    verb_matches = [v for v in scanned if v.word in VERB_FORMS]
    rare_found = [v for v in scanned if v.word in _RARE]
    verbs = [m.start() for m in verb_matches]
    refusal: list[list[int]] = [[] for _ in REFUSALS]
    participles: list[int] = []
    whose: list[int] = []
    has_passive_slavic = has_zufolge = has_wobei = False
    for v in rare_found:
        word = v.word.lower()
        for k, (words, _) in enumerate(REFUSALS):
            if word in words:
                refusal[k].append(v.start())
        if word in ABSOLUTE_PARTICIPLES:
            participles.append(v.start())
        if word in WORDS_OF_WORDS:
            whose.append(v.start())
        has_passive_slavic = has_passive_slavic or word in PASSIVE_SLAVIC_WORDS
        has_zufolge = has_zufolge or word == "zufolge"
        has_wobei = has_wobei or word == "wobei"
    refusal[0] += [m.start() for m in REFUSAL_NOT.finditer(text)]  # "would not", "won't"
    refusal[0].sort()
    withs = _positions(text, ("with",)) if participles else []  # "with " or "with\xa0"
    # Where a rarer form may be: one check a sentence tells whether to try them.
    rare_at = sorted(
        [at for at in withs if _any_in(participles, at, at + 120)]
        + [at for r in refusal for at in r]
        + whose
        + [v.start() for v in rare_found if v.word.lower() in PASSIVE_SLAVIC_WORDS or v.word == "zufolge"]
    )
    return _Scan(
        verb_matches, verbs, rare_at, _RareWords(withs, participles, refusal, whose),
        has_passive_slavic, has_zufolge, has_wobei,
    )  # fmt: skip


class _Scan(NamedTuple):
    verb_matches: list[Verb]
    verbs: list[int]  # where each of verb_matches starts
    rare_at: list[int]  # where a rarer form's word is
    rare: _RareWords
    passive_slavic: bool  # "заявлено": "Песковым было заявлено, что …"
    zufolge: bool
    wobei: bool


class _RareWords(NamedTuple):
    """Where in the text the rarer forms' words are."""

    withs: list[int]  # "with", in a text with an absolute clause's participle
    participles: list[int]
    refusal: list[list[int]]  # per language of lexicon.REFUSALS
    whose: list[int]  # "слова", "words": whose words a quote is


def _rarer(
    text: str,
    span: tuple[int, int],
    inside: list[Quote],
    sentence: list[Statement],
    later: list[Statement],
    rare: _RareWords | None,
) -> list[Statement]:
    """The sentence's statements with those of the rarer forms added (named later, absolute,
    refusal, whose words a quote is), in the order of their speakers; `rare`: None when it holds
    none of their words."""
    s0, s1 = span
    more = list(later)
    if rare is not None:
        withs, participles, refusal, whose = rare
        if inside and _any_in(whose, s0, s1):  # "«…», — такие слова Пескова приводит ТАСС"
            taken = {st.content_start for st in sentence + more}
            more += [st for st in words_of(text, s0, s1, inside) if st.content_start not in taken]
        if withs and _any_in(withs, s0, s1) and _any_in(participles, s0, s1):
            more += [st for st in absolute(text, s0, s1, inside) if not _same(st, sentence)]
        patterns = [
            p for at, (_, ps) in zip(refusal, REFUSALS, strict=True) if at and _any_in(at, s0, s1) for p in ps
        ]
        if patterns:
            refused = refusals(text, s0, s1, inside, sentence, patterns)
            more += refused
            sentence = [_before_contrast(st, refused) for st in sentence]
    if not more:
        return sentence
    return sorted(sentence + more, key=lambda st: (st.speaker_start, st.verb_start))


def _before_contrast(st: Statement, refused: list[Statement]) -> Statement:
    """What `st` says, cut before the "but" after which a refusal of the sentence stands."""
    for r in refused:
        at = min(r.verb_start, r.content_start)
        if st.content_start < at < st.content_end:
            cut = None
            for m in CONTRAST.finditer(st.content, 0, at - st.content_start):
                cut = m.start()
            if cut is not None:
                return replace(st, content=st.content[:cut], content_end=st.content_start + cut)
    return st


def _named_later(
    text: str,
    i: int,
    spans: list[tuple[int, int]],
    inside: list[Quote],
    quotes: list[Quote],
    starts: list[int],
    pointer: bool,
    pointed: bool,
) -> list[Statement]:
    """The statement of the sentence before that sentence `i` names the speaker of, or of a quote
    that ends a sentence inside it: `„…“ Das sagte Peskow.` is one sentence to `sentences`, the
    quote's full stop being inside its marks."""
    s0, s1 = spans[i]
    if pointer:  # the sentence starts as one that points back does
        found = named_later(text, s0, s1, spans[i - 1], _quotes_in(quotes, starts, spans[i - 1]))
        if found:
            return found
    for q in inside if pointed else []:
        if q.end < s1 and _pointer_after(text, q):
            after = q.end + len(text[q.end : s1]) - len(text[q.end : s1].lstrip())
            found = named_later(text, after, s1, (q.start, q.end), [q])
            if found:
                return found
    return []


def _pointer_after(text: str, q: Quote) -> bool:
    """Whether the quote ends a sentence inside its marks and a pointer back follows it."""
    if text[q.end - 2 : q.end - 1] not in (".", "!", "?", "…") or text[q.end : q.end + 1] not in (
        " ",
        "\n",
        "\xa0",
    ):
        return False
    after = q.end + 1
    while text[after : after + 1] in (" ", "\n", "\xa0") and after < len(text):
        after += 1
    starts_as = _LATER_BY_FIRST.get(text[after : after + 2])
    return (starts_as is not None and text.startswith(starts_as, after)) or LATER_OWN.match(
        text, after
    ) is not None


def _mention(text: str, st: Statement) -> Mention:
    return mention_at(text, st.speaker_start, st.speaker_end, st.apposition)


def _positions(text: str, parts: tuple[str, ...]) -> list[int]:
    """Where any of the literal `parts` occurs in the text, in order (str.find: no regex pass)."""
    out = []
    for part in parts:
        at = text.find(part)
        while at != -1:
            out.append(at)
            at = text.find(part, at + 1)
    out.sort()
    return out


def _quotes_in(quotes: list[Quote], starts: list[int], span: tuple[int, int]) -> list[Quote]:
    return quotes[bisect_left(starts, span[0]) : bisect_left(starts, span[1])]


def _same(st: Statement, sentence: list[Statement]) -> bool:
    return any(o.content_start == st.content_start and o.speaker_start == st.speaker_start for o in sentence)


def _any_in(positions: list[int], start: int, end: int) -> bool:
    i = bisect_left(positions, start)
    return i < len(positions) and positions[i] < end
