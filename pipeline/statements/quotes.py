"""Quotes: where each outermost quote opens and closes, by its marks (“…”, "…", «…», „…“, ‘…’,
‹…›), and a quote that runs over paragraphs when each new one opens with a quote mark."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .verbs import VERB_FORMS

# Quote marks: opening -> the marks that close it.
_PAIRS = {"“": "”", "«": "»", "„": "“”", "‘": "’", '"': '"', "‹": "›"}


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # the opening mark
    end: int  # just after the closing mark (or the paragraph's end, for one that runs on)

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1


_OPENERS = re.compile("[" + re.escape("".join(_PAIRS)) + "]")
_CLOSERS = {opener: re.compile("[" + re.escape(closers) + "\n]") for opener, closers in _PAIRS.items()}


def find_quotes(text: str) -> list[Quote]:
    """The outermost quotes, in order. A quote left open at a paragraph's end continues when
    the next paragraph opens with a quote mark (the style of a quote over several paragraphs)."""
    out: list[Quote] = []
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
        out += _interrupted(text, Quote(i, j + 1)) if c in "«„“" else [Quote(i, j + 1)]
        at = j + 1
    return out


# An attribution inside a quote, between dashes: «Мы не признаем …, — сказал Песков, отвечая на
# вопрос …, — и все его решения ничтожны» (Russian's and Ukrainian's style for one quote that
# its speaker interrupts). The second dash opens the quote's second part.
_INTERRUPTED = re.compile(r",\s*[—–]\s+([^\W\d_]+)[^«»„“”\n]{1,160}?,\s*([—–])\s+", re.U)


def _interrupted(text: str, q: Quote) -> list[Quote]:
    """The quote, in two parts when a reporting verb's attribution interrupts it."""
    m = _INTERRUPTED.search(text, q.start + 1, q.end - 1)
    if m is None or m.group(1).lower() not in VERB_FORMS:
        return [q]
    return [Quote(q.start, m.start() + 1), Quote(m.start(2), q.end)]


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
