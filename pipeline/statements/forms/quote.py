"""The quote form: a quote, then who said it ("…," Peskov said; «…», — заявил Песков; „…“, sagte
Peskow), a quote straight after that attribution ("…," he added, "…"), and a sentence that is
nothing but a quote after one ("…," she said. "…")."""

from __future__ import annotations

import re
from dataclasses import replace

from ..mentions import Mention, speaker_after_verb, speaker_before
from ..model import Statement
from ..quotes import Quote
from ..verbs import Verb
from .clause import make_statement


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
    inverted = re.fullmatch(r"[\s,—–-]*", text[q.end : verb.start()])
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
