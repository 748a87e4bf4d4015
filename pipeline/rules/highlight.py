"""Matched spans in one field -> a `Match`: terms, offsets, a snippet and its highlights."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

from ..models import Match, StatementRef, TermHit
from ..plaintext import ELLIPSIS
from ..statements import Statement
from .evaluate import Hit
from .index import FieldIndex
from .nodes import Leaf, Phrase, explain

__all__ = ["SNIPPET_WORDS", "build_match", "statement_ref"]

SNIPPET_WORDS = 30
_SPACES = re.compile(r"\s{2,}|[^\S ]")


MAX_HITS = 100  # hits (and offsets) kept per match: a long text can hold thousands of them
MAX_TERMS = 50  # distinct matched terms kept per match
MAX_TERM_CHARS = 200  # a matched phrase, as written, at most


def build_match(field: str, index: FieldIndex, found: Iterable[Hit], words: int = SNIPPET_WORDS) -> Match:
    """The `Match` for the hits of one field (hits in other fields are ignored): at most
    MAX_HITS hits and offsets (the first ones; `hits_total` then says how many there were), so
    what goes into an alert stays small whatever the article."""
    found = list(found)  # read twice
    every = sorted({(h.start, h.end, _label(h.leaf)) for h in found if h.field == field})
    mine = every[:MAX_HITS]
    hits = _merge([(a, b) for a, b, _ in mine])
    n = len(index.words)
    said = [h for h in found if h.field == field and h.statement is not None]
    statement = sorted({(h.start, h.end) for h in said})
    lo, hi = _window(_merge(statement) if statement else hits, words, n)  # a statement: around it
    needed = {p for a, b, _ in mine for p in (a, b - 1)} | {lo - 1, lo, hi - 1, hi}
    at, text = index.offsets(p for p in needed if 0 <= p < n), index.text
    offsets = [(at[a][0], at[b - 1][1]) for a, b in hits]
    terms: list[str] = []
    for a, b in offsets:
        term = " ".join(text[a : min(b, a + MAX_TERM_CHARS)].split())
        if term not in terms and len(terms) < MAX_TERMS:
            terms.append(term)
    snippet, highlights = _snippet(text, at, n, lo, hi, offsets)
    term_hits = []
    for a, b, query in mine:
        start, end = at[a][0], at[b - 1][1]
        written = " ".join(text[start : min(end, start + MAX_TERM_CHARS)].split())
        term_hits.append(TermHit(text=written, start=start, end=end, query=query))
    return Match(
        field=field,
        terms=tuple(terms),
        offsets=tuple(offsets),
        snippet=snippet,
        highlights=tuple(highlights),
        hits=tuple(term_hits),
        hits_total=len(every) if len(every) > len(mine) else None,
        statement=statement_ref(said[0].statement) if said and said[0].statement is not None else None,
    )


def statement_ref(st: Statement) -> StatementRef:
    """A statement as a match carries it (and `rules test --explain` prints it)."""
    return StatementRef(
        speaker=st.speaker, identity=st.identity, verb=st.verb,
        content=st.content[: StatementRef.MAX_CONTENT_CHARS],
        speaker_start=st.speaker_start, speaker_end=st.speaker_end,
        content_start=st.content_start, content_end=st.content_end,
        sentence_start=st.sentence_start, sentence_end=st.sentence_end,
    )  # fmt: skip


@lru_cache(maxsize=1 << 14)
def _label(leaf: Leaf | Phrase) -> str:
    return explain(leaf)


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


def _window(hits: list[tuple[int, int]], words: int, n: int) -> tuple[int, int]:
    """The snippet's word range: `words` words around the densest cluster of hits."""
    if not hits:
        return 0, 0
    lo, hi = _densest(hits, words)
    width = max(words, hi - lo)
    lo = max(0, lo - (width - (hi - lo)) // 2)
    hi = max(hi, min(n, lo + width))
    lo = min(lo, max(0, hi - width))
    return lo, hi


def _snippet(
    text: str, at: dict[int, tuple[int, int]], n: int, lo: int, hi: int, offsets: list[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    if not offsets:
        return "", []
    # Characters: whole text at either end, else from the first to the last word of the window,
    # with the punctuation stuck to them ("said.", the opening quote of “we).
    start = 0 if lo == 0 else at[lo][0]
    end = len(text) if hi == n else at[hi - 1][1]
    if lo > 0:
        while start > at[lo - 1][1] and not text[start - 1].isspace():
            start -= 1
    if hi < n:
        while end < at[hi][0] and not text[end].isspace():
            end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # Collapse runs of whitespace (paragraph breaks) to one space; `shift` maps old -> new offsets.
    lead = ELLIPSIS + " " if lo > 0 else ""
    removed: list[tuple[int, int]] = []  # (offset in text where a run ends, chars removed so far)
    total = 0
    for m in _SPACES.finditer(text, start, end):
        total += m.end() - m.start() - 1
        removed.append((m.end(), total))
    ends = [r[0] for r in removed]

    def shift(pos: int) -> int:
        k = bisect_right(ends, pos)
        return len(lead) + pos - start - (removed[k - 1][1] if k else 0)

    body = _SPACES.sub(" ", text[start:end])
    snippet = lead + body + (" " + ELLIPSIS if hi < n else "")
    highlights = [(shift(a), shift(b - 1) + 1) for a, b in offsets if start <= a and b <= end]
    return snippet, highlights
