"""`statements(text)`: where each form is looked for, sentence by sentence, and whom a pronoun or
a role refers back to. The forms are tried only in the sentences that hold what they need (a
verb, an according-to phrase, a colon), found for the whole text at once."""

from __future__ import annotations

from bisect import bisect_left

from .coreference import People, resolve
from .forms.according import according_to
from .forms.headline import headline
from .forms.passive import passive
from .forms.quote import quote_goes_on
from .forms.reported import with_verbs
from .lexicon import ACCORDING, ACCORDING_HINTS, PASSIVE
from .mentions import mention_at
from .model import MAX_TEXT_CHARS, Statement
from .quotes import find_quotes
from .sentences import sentence_spans
from .tokens import starts_words
from .verbs import find_verbs


def statements(text: str) -> list[Statement]:
    """Every statement found in `text`, in order (see the package's docstring)."""
    text = text[:MAX_TEXT_CHARS]
    quotes = find_quotes(text)
    spans = sentence_spans(text, quotes)
    people = People(text, spans)
    found: list[Statement] = []
    previous: Statement | None = None  # the last statement of the sentence before
    starts = [q.start for q in quotes]
    verb_matches = find_verbs(text)
    verbs = [m.start() for m in verb_matches]
    according = sorted(
        m.start()
        for pattern, hints in zip(ACCORDING, ACCORDING_HINTS, strict=True)
        if any(h in text for h in hints)
        for m in starts_words(text, pattern.finditer(text))
    )
    has_passive = PASSIVE.search(text) is not None
    for i, (s0, s1) in enumerate(spans):
        inside = quotes[bisect_left(starts, s0) : bisect_left(starts, s1)]
        sentence: list[Statement] = []
        if _any_in(according, s0, s1):
            sentence += according_to(text, s0, s1, inside)
        if has_passive:
            sentence += passive(text, s0, s1, inside)
        if not sentence and ":" in text[s0:s1]:
            sentence += headline(text, s0, s1, inside)
        if _any_in(verbs, s0, s1) and not any(st.form in ("passive", "headline") for st in sentence):
            mine = verb_matches[bisect_left(verbs, s0) : bisect_left(verbs, s1)]
            outside = [v for v in mine if not any(q.start <= v.start() < q.end for q in inside)]
            sentence += with_verbs(text, s0, s1, inside, outside)
        if not sentence and previous is not None and previous.form == "quote":
            sentence += quote_goes_on(text, s0, s1, inside, previous)
        previous = sentence[-1] if sentence else None
        for st in sentence:
            resolved = resolve(st, people.before(i, st.speaker_start))
            found.append(resolved)
            if not resolved.refers_to:
                people.spoke(
                    i, mention_at(text, resolved.speaker_start, resolved.speaker_end, resolved.apposition)
                )
    return found


def _any_in(positions: list[int], start: int, end: int) -> bool:
    i = bisect_left(positions, start)
    return i < len(positions) and positions[i] < end
