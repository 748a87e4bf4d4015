"""Sentences: where each ends (. ! ? … before a capital, a quote or a dash, or a line's end),
never inside a quote or after an abbreviation; a quote of several sentences is one."""

from __future__ import annotations

import re
from bisect import bisect_right

from .lexicon import ABBREVIATIONS
from .quotes import Quote, find_quotes

_BOUNDARY = re.compile(r"\n|[.!?…]+\)?(?=[ \t]+[^\W\d_\"“«„—–-]|[ \t]+[\"“«„—–-]|\s*$)", re.U)


def sentence_spans(text: str, quotes: list[Quote]) -> list[tuple[int, int]]:
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
    return sentence_spans(text, find_quotes(text))


def _abbreviation(text: str, start: int, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(start, dot - 16) : dot])
    return bool(
        word and (word.group(1) in ABBREVIATIONS or (len(word.group(1)) == 1 and word.group(1).isupper()))
    )
