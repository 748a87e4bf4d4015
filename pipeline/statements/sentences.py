"""Sentences: where each ends (. ! ? … before a capital, a quote or a dash, or a line's end),
never inside a quote or after an abbreviation; a quote of several sentences is one."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .lexicon import ABBREVIATIONS, LATER_STARTS
from .quotes import Quote, find_quotes

_BOUNDARY = re.compile(r"\n|[.!?…]+\)?(?=[ \t]+[^\W\d_\"“«„—–-]|[ \t]+[\"“«„—–-]|\s*$)", re.U)


def sentence_spans(text: str, quotes: list[Quote], datelines: bool = True) -> list[tuple[int, int]]:
    """Sentence spans: ended by . ! ? … (outside quotes) before a space and a capital, a quote
    or a dash, or by a line's end; a quote ends its sentence only with what follows it.
    `datelines`: a wire story's dateline is no part of its first sentence."""
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
    if quotes:
        out = [piece for span in out for piece in _after_quotes(text, span, quotes, starts)]
    out = [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in out]
    return [(_past_dateline(text, s, e), e) for s, e in out] if datelines else out


# A wire story's dateline before its first sentence: "MINSK, Sept 12 (Reuters) - ", "MOSKAU (dpa) -
# ", "МОСКВА, 12 марта. /ТАСС/. ", "КИЕВ, 5 июня — РИА Новости. ", "VIENNA — ": not the sentence's
# subject.
_DATELINE = re.compile(
    # "VIENNA — ", "MOSCOW, March 4 — ", "THE HAGUE, Netherlands (AP) — ", "KYIV, Ukraine — "
    r"[A-ZÄÖÜА-ЯЁІЇЄҐ]{2,}(?:[ .-][A-ZÄÖÜА-ЯЁІЇЄҐ]{2,})*(?:,\s*[^—–()\n,]{2,30}?)?"
    r"\s*(?:\([^()\n]{2,30}\)\s*)?"
    r"[—–]\s+(?=[^\W\d_\"“«„])"
    # "Berlin – ", "Kiew – ": a city as written and a dash, German papers' dateline
    r"|[A-ZÄÖÜ][a-zäöüß]{2,20}(?:[ -][A-ZÄÖÜ][a-zäöüß]{2,20})?\s+[–—]\s+(?=[A-ZÄÖÜ„])"
    # "Moskau (dpa) - ": a city as written, then its agency
    r"|[A-ZÄÖÜА-ЯЁІЇЄҐ][^\W\d_]{2,20}(?:[ -][A-ZÄÖÜА-ЯЁІЇЄҐ][^\W\d_]{2,20})?\s*\([^()\n]{2,30}\)\s*[-—–]\s+"
    r"|[A-ZÄÖÜА-ЯЁІЇЄҐ][A-ZÄÖÜА-ЯЁІЇЄҐ.'’ -]{1,40}"
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\.?\s+[^\W\d_]{3,10}\.?))?"
    r"(?:\s*\([^()\n]{2,30}\)\s*[-–—]\s+|\s*/[^/\n]{2,20}/\.\s+|\s+[—–-]\s+(?:РИА Новости|РБК|Интерфакс|"
    r"Укрінформ|УНН|ИА [^.\n]{2,20})\.\s+)",
    re.U,
)


def _past_dateline(text: str, s0: int, s1: int) -> int:
    if (s0 and text[s0 - 1] != "\n") or not text[s0 : s0 + 1].isupper():  # a paragraph's start only
        return s0
    m = _DATELINE.match(text, s0, s1)
    return m.end() if m is not None and m.end() < s1 else s0


# A quote that ends its own sentence inside its marks ('… in the foot." Russian oil …') ends the
# sentence too when a sentence of more than this many words follows it; a shorter one is the
# quote's attribution ('"Why?" Peskov asked.') or a pointer back to it ('… Das sagte Peskow.').
_ATTRIBUTION_WORDS = 6
_NEXT_CAPITAL = re.compile(r"[ \t]+(?=[^\W\d_\"“«„]|[\"“«„])", re.U)
_NEXT_END = re.compile(r"[.!?…](?=\s|$)", re.U)


def _after_quotes(
    text: str, span: tuple[int, int], quotes: list[Quote], starts: list[int]
) -> list[tuple[int, int]]:
    """`span` cut after each quote inside it that ends a sentence and is followed by one."""
    s0, s1 = span
    out = []
    for q in quotes[bisect_left(starts, s0) : bisect_left(starts, s1)]:
        if not s0 < q.end < s1 or text[q.end - 2 : q.end - 1] not in (".", "!", "?", "…"):
            continue
        gap = _NEXT_CAPITAL.match(text, q.end, s1)
        if gap is None or (not text[gap.end() : gap.end() + 1].isupper() and text[gap.end()] not in '"“«„'):
            continue
        end = _NEXT_END.search(text, gap.end(), s1)
        if len(text[gap.end() : end.start() if end else s1].split()) <= _ATTRIBUTION_WORDS:
            continue
        if text.startswith(LATER_STARTS, gap.end()):  # a pointer back: the quote's, read as one
            continue
        out.append((s0, q.end))
        s0 = q.end
    return [*out, (s0, s1)]


def sentences(text: str) -> list[tuple[int, int]]:
    """The character spans of the sentences of `text` (a quote of several sentences is one):
    what the rules' same-sentence operator (NEAR/S) counts as one sentence."""
    return sentence_spans(text, find_quotes(text), datelines=False)


def _abbreviation(text: str, start: int, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(start, dot - 16) : dot])
    return bool(
        word and (word.group(1) in ABBREVIATIONS or (len(word.group(1)) == 1 and word.group(1).isupper()))
    )
