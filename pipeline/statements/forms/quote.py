"""The quote form: a quote, then who said it ("…," Peskov said; «…», — заявил Песков; „…“, sagte
Peskow), a quote straight after that attribution ("…," he added, "…"), and a sentence that is
nothing but a quote after one ("…," she said. "…")."""

from __future__ import annotations

import re
from dataclasses import replace

from ..lexicon import PRONOUNS
from ..mentions import Mention, speaker_after, speaker_after_verb, speaker_before
from ..model import Statement
from ..quotes import Quote
from ..verbs import Verb
from .clause import make_statement

# Between a quote and its inverted verb: punctuation, and an adverb ("— лише зауважив він",
# "— коротко відповів він", "“…,” only said Peskov").
_BEFORE_INVERTED = re.compile(
    r"[\s,—–-]*(?:(?:лише|лишь|только|тільки|коротко|кратко|kurz|knapp|nur|only|briefly|also|также|також|auch)\s+)?",
    re.U,
)


def quote_first(
    text: str, verb: Verb, sentence: tuple[int, int], quotes: list[Quote], used: set[int]
) -> tuple[Mention, list[Statement]] | None:
    """The last quote before the verb that no statement has taken yet, said by the speaker right
    after the verb (inverted: "…," said Peskov) or between the quote and the verb ("…," Peskov
    said), with a quote straight after the attribution; the speaker and the statements, or None.
    The quotes taken are added to `used`."""
    s1 = sentence[1]
    q = next((q for q in reversed(quotes) if q.end <= verb.start() and q.start not in used), None)
    if q is None:
        return None
    inverted = _BEFORE_INVERTED.fullmatch(text, q.end, verb.start())
    who = speaker_after_verb(text, verb.end(), s1) if inverted else None  # "…," said Peskov
    if who is None:  # "…," Peskov said
        between = text[q.end : verb.start()]
        who = speaker_before(text, verb.start(), q.end)
        if who is None or not re.match(r"^[\s,—–-]*$", between[: who.start - q.end]):
            return None
    used.add(q.start)
    clause = _clause_before(text, q, sentence[0], quotes)
    if clause is not None:  # "Entsprechende Berichte seien „Falschmeldungen“, sagte Peskow"
        return who, [make_statement(text, who, verb.span(), clause, sentence, "reported")]
    first = make_statement(text, who, verb.span(), q.inner, sentence, "quote")
    return who, [first, *_continued(text, who, verb, s1, quotes, used, sentence)]


# The words of a clause before a quote inside it (not a colon, a dash, or a quote's own lead).
_CLAUSE_WORDS = re.compile(r"[^\W\d_]+(?:\s+[^\W\d_,]+){2,}\s*$", re.U)


def _clause_before(text: str, q: Quote, s0: int, quotes: list[Quote]) -> tuple[int, int] | None:
    """What was said when the quote ends a clause that began before it in the sentence, with no
    quote before it: "Entsprechende Berichte in sozialen Netzwerken seien „Falschmeldungen“,
    sagte Peskow" (the clause, its quoted word inside); else None."""
    if any(s0 <= o.start < q.start for o in quotes):
        return None
    lead = text[s0 : q.start]
    if (
        not lead.strip()
        or _CLAUSE_WORDS.search(lead) is None
        or lead.rstrip().endswith((":", ",", "—", "–", "-"))
    ):
        return None
    start = s0 + len(lead) - len(lead.lstrip())
    end = q.end
    while end > start and text[end - 1] in " ,":
        end -= 1
    return start, end


def _continued(
    text: str,
    who: Mention,
    verb: Verb,
    end: int,
    quotes: list[Quote],
    used: set[int],
    sentence: tuple[int, int],
) -> list[Statement]:
    """`"…," he said, "…"`: a quote right after the attribution is the same speaker's."""
    tail = text[max(who.end, verb.end()) : end]
    # past an aside: «…, — сказал Песков, отвечая на вопрос …, — и …»
    lead = re.match(r"\s*,\s*(?:[^,.;:!?«»„“”\"—–]{1,100},\s*)?", tail)
    if not lead:
        return []
    at = max(who.end, verb.end()) + lead.end()
    q = next((q for q in quotes if q.start == at), None)
    if q is None:
        return []
    used.add(q.start)
    return [make_statement(text, who, verb.span(), q.inner, sentence, "quote")]


def quote_goes_on(text: str, s0: int, s1: int, quotes: list[Quote], previous: Statement) -> list[Statement]:
    """A sentence that is a quote and nothing else, after a quote's attribution, goes on with
    the same speaker's words (the paragraph after `"…," she said.`)."""
    if len(quotes) != 1 or text[s0:s1].strip(" .!?…\n") != text[quotes[0].start : quotes[0].end].strip(
        " .!?…\n"
    ):
        return []
    c0, c1 = quotes[0].inner
    return [replace(previous, verb="", verb_start=c0, verb_end=c0, content=text[c0:c1], content_start=c0,
                    content_end=c1, sentence_start=s0, sentence_end=s1)]  # fmt: skip


# A quote's attribution with a verb the lexicon does not know: «…», — отрезал Песков; „…“,
# spottete Uschakow; "…," Peskov quipped. The punctuation of an attribution (a comma or a dash
# after the quote, or its own comma, "!" or "?" inside it), a past-tense verb by its ending and a
# name (or a pronoun) say it: no verb list could hold every verb a reporter uses there.
_PAST_ENDINGS = {
    "latin": ("ed", "te", "ten"),
    "cyrillic": ("л", "ла", "ло", "ли", "лся", "лась", "лись", "в"),
}
_LATIN_STRONG_PAST = frozenset(("rief", "schrieb", "sprach", "wrote", "spoke", "told", "said"))
_AFTER_QUOTE = re.compile(r"[ \t]*(?:,[ \t]*)?(?:[—–-][ \t]*)?(?P<verb>[^\W\d_]+)[ \t]+", re.U)
_THEN_END = re.compile(r"[ \t]+(?P<verb>[^\W\d_]+)(?=[ \t]*(?:[.,;!?]|$))", re.U)
_MIN_QUOTE_WORDS = 3


def quotes_by_any_verb(
    text: str, sentence: tuple[int, int], quotes: list[Quote], taken: list[Statement]
) -> list[Statement]:
    """The sentence's quotes that no statement has taken, attributed by an unknown verb."""
    s1 = sentence[1]
    out: list[Statement] = []
    for q in quotes:
        c0, c1 = q.inner
        if (
            q.end >= s1
            or len(text[c0:c1].split()) < _MIN_QUOTE_WORDS
            or any(st.content_start <= c0 < st.content_end or c0 <= st.content_start < c1 for st in taken)
        ):
            continue
        closes = text[q.end - 2 : q.end - 1] in (",", "!", "?") or text[q.end : q.end + 4].lstrip()[:1] in (
            ",", "—", "–", "-",
        )  # fmt: skip
        if not closes:
            continue
        found = _inverted(text, q.end, s1) or _named_then_verb(text, q.end, s1)
        if found is not None:
            who, verb = found
            out.append(make_statement(text, who, verb, (c0, c1), sentence, "quote"))
    return out


def _inverted(text: str, at: int, end: int) -> tuple[Mention, tuple[int, int]] | None:
    """«…», — отрезал Песков: the verb, then the speaker."""
    m = _AFTER_QUOTE.match(text, at, end)
    if m is None or not _past_verb(m.group("verb")):
        return None
    who = speaker_after_verb(text, m.end("verb"), end)
    return (who, m.span("verb")) if who is not None and _speaker(who) else None


def _named_then_verb(text: str, at: int, end: int) -> tuple[Mention, tuple[int, int]] | None:
    """ "…," Peskov quipped.: the speaker, then the verb, then the sentence's end (or a comma)."""
    lead = re.match(r"[ \t]*,?[ \t]*", text[at:end])
    who = speaker_after(text, at + (lead.end() if lead else 0), end)
    if not _speaker(who) or who is None:
        return None
    m = _THEN_END.match(text, who.end, end)
    return (who, m.span("verb")) if m is not None and _past_verb(m.group("verb")) else None


def _speaker(who: Mention | None) -> bool:
    return (
        who is not None
        and (who.named or who.text.lower() in PRONOUNS)
        and not who.text.endswith(("'s", "’s"))
    )


def _past_verb(word: str) -> bool:
    if not word.islower():
        return False
    if word in _LATIN_STRONG_PAST:
        return True
    cyrillic = "а" <= word[-1] <= "я" or word[-1] in "іїєґё"
    return len(word) > 3 and word.endswith(_PAST_ENDINGS["cyrillic" if cyrillic else "latin"])
