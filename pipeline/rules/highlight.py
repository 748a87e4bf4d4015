"""Matched spans in one field -> a `Match`: terms, offsets, a snippet and its highlights."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Match
from .index import FieldIndex, Span

__all__ = ["SNIPPET_WORDS", "build_match"]

SNIPPET_WORDS = 30
ELLIPSIS = "…"


def build_match(field: str, index: FieldIndex, spans: Iterable[Span], words: int = SNIPPET_WORDS) -> Match:
    """The `Match` for the hits of one field (spans of other fields are ignored)."""
    hits = _merge(sorted({(s.start, s.end) for s in spans if s.field == field}))
    tokens, text = index.tokens, index.text
    offsets = [(tokens[a].start, tokens[b - 1].end) for a, b in hits]
    terms: list[str] = []
    for a, b in offsets:
        term = " ".join(text[a:b].split())
        if term not in terms:
            terms.append(term)
    snippet, highlights = _snippet(index, hits, offsets, words)
    return Match(
        field=field,
        terms=tuple(terms),
        offsets=tuple(offsets),
        snippet=snippet,
        highlights=tuple(highlights),
    )


def _merge(hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted word ranges with overlapping ones joined (so highlights never overlap)."""
    out: list[tuple[int, int]] = []
    for a, b in hits:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _densest(hits: list[tuple[int, int]], words: int) -> tuple[int, int]:
    """The word range [lo, hi) of the window of `words` words holding the most hits."""
    best_count, best = 0, hits[0]
    j = 0
    for i, (a, b) in enumerate(hits):
        j = max(j, i + 1)
        while j < len(hits) and hits[j][1] - a <= words:
            j += 1
        if j - i > best_count:
            best_count, best = j - i, (a, max(b, hits[j - 1][1]))
    return best


def _snippet(
    index: FieldIndex, hits: list[tuple[int, int]], offsets: list[tuple[int, int]], words: int
) -> tuple[str, list[tuple[int, int]]]:
    tokens, text, n = index.tokens, index.text, len(index.tokens)
    if not hits:
        return "", []
    lo, hi = _densest(hits, words)
    width = max(words, hi - lo)
    lo = max(0, lo - (width - (hi - lo)) // 2)
    hi = max(hi, min(n, lo + width))
    lo = min(lo, max(0, hi - width))
    # Characters: whole text at either end, else from the first to the last word of the window,
    # with the punctuation stuck to them ("said.", the opening quote of “we).
    start = 0 if lo == 0 else tokens[lo].start
    end = len(text) if hi == n else tokens[hi - 1].end
    if lo > 0:
        while start > tokens[lo - 1].end and not text[start - 1].isspace():
            start -= 1
    if hi < n:
        while end < tokens[hi].start and not text[end].isspace():
            end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # Collapse runs of whitespace (paragraph breaks) to one space, remembering where chars go.
    pieces: list[str] = [ELLIPSIS + " "] if lo > 0 else []
    out_len = len(pieces[0]) if pieces else 0
    where: dict[int, int] = {}
    in_space = False
    for i in range(start, end):
        ch = text[i]
        if ch.isspace():
            if not in_space:
                pieces.append(" ")
                out_len += 1
            in_space = True
            where[i] = out_len - 1
        else:
            pieces.append(ch)
            where[i] = out_len
            out_len += 1
            in_space = False
    if hi < n:
        pieces.append(" " + ELLIPSIS)
    highlights = [(where[a], where[b - 1] + 1) for a, b in offsets if start <= a and b <= end]
    return "".join(pieces), highlights
