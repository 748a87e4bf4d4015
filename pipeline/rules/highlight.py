"""Matched spans in one field -> a `Match`: terms, offsets, a snippet and its highlights."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple, cast

from pydantic import TypeAdapter

from ..models import Match, StatementRef, TermHit
from ..plaintext import ELLIPSIS
from ..statements import Statement
from .evaluate import Hit, query_part
from .index import FieldIndex

__all__ = ["HITS_SOUGHT", "MAX_HITS", "SNIPPET_WORDS", "build_match", "statement_ref"]

SNIPPET_WORDS = 30
_SPACES = re.compile(r"\s{2,}|[^\S ]")


MAX_HITS = 100  # hits (and offsets) kept per match: a long text can hold thousands of them
# Hits an explanation looks for per field (`explain_hits`' limit): one past those kept tells
# that there were more, without finding every one (bench/README.md, "Rules").
HITS_SOUGHT = MAX_HITS + 1
MAX_TERMS = 50  # distinct matched terms kept per match
MAX_TERM_CHARS = 200  # a matched phrase, as written, at most


def build_match(
    field: str, index: FieldIndex, found: Iterable[Hit], words: int = SNIPPET_WORDS, most: int = MAX_HITS
) -> Match:
    """The `Match` for the hits of one field (hits in other fields are ignored): at most `most`
    hits and offsets, the first ones, so what goes into an alert stays small whatever the
    article. When `found` has more, `hits_total` says how many it has: every hit when it holds
    them all, else a lower bound (the matcher looks for `HITS_SOUGHT`, so its matches say 101 or
    a few more: "more than 100")."""
    found = list(found)  # read twice
    parts: dict[int, str] = {}  # query_part by leaf, as it is met: a hundred hits share a few
    every = sorted(
        {
            (h.start, h.end, parts.get(id(h.leaf)) or parts.setdefault(id(h.leaf), query_part(h.leaf)))
            for h in found
            if h.field == field
        }
    )
    mine = every[:most]
    hits = _merge([(a, b) for a, b, _ in mine])
    n = len(index.words)
    said = [h for h in found if h.field == field and h.statement is not None]
    statement = sorted({(h.start, h.end) for h in said})
    lo, hi = _window(_merge(statement) if statement else hits, words, n)  # a statement: around it
    needed = {p for a, b, _ in mine for p in (a, b - 1)} | {lo - 1, lo, hi - 1, hi}
    at, text = index.offsets(p for p in needed if 0 <= p < n), index.text

    seen: dict[tuple[int, int], str] = {}  # by word range: a hit and its merged range are often one

    def written(a: int, b: int) -> str:
        """The words [a, b) as written, on one line (one word has no space to collapse)."""
        found = seen.get((a, b))
        if found is None:
            start = at[a][0]
            cut = text[start : min(at[b - 1][1], start + MAX_TERM_CHARS)]
            found = seen[(a, b)] = cut if b - a == 1 else " ".join(cut.split())
        return found

    offsets = [(at[a][0], at[b - 1][1]) for a, b in hits]
    terms: dict[str, None] = {}  # distinct, in order
    for a, b in hits:
        if len(terms) == MAX_TERMS:
            break
        terms[written(a, b)] = None
    snippet, highlights = _snippet(index, at, n, lo, hi, offsets)
    term_hits = _TERM_HITS.validate_python(
        [
            {"text": written(a, b), "start": at[a][0], "end": at[b - 1][1], "query": query}
            for a, b, query in mine
        ]
    )
    return Match(
        field=field,
        terms=tuple(terms),
        offsets=tuple(offsets),
        snippet=snippet,
        highlights=tuple(highlights),
        hits=term_hits,
        hits_total=len(every) if len(every) > len(mine) else None,
        statement=statement_ref(said[0].statement) if said and said[0].statement is not None else None,
    )


# A match's hits made in one call: pydantic makes a hundred TermHits half again as fast as
# TermHit(...) a hundred times (bench/README.md, "Rules").
_TERM_HITS = TypeAdapter(tuple[TermHit, ...])


def statement_ref(st: Statement) -> StatementRef:
    """A statement as a match carries it (and `rules test --explain` prints it)."""
    return StatementRef(
        speaker=st.speaker, identity=st.identity, verb=st.verb,
        content=st.content[: StatementRef.MAX_CONTENT_CHARS],
        speaker_start=st.speaker_start, speaker_end=st.speaker_end,
        content_start=st.content_start, content_end=st.content_end,
        sentence_start=st.sentence_start, sentence_end=st.sentence_end,
    )  # fmt: skip


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
    j, count = 0, len(hits)
    for i, (a, b) in enumerate(hits):
        j = max(j, i + 1)
        while j < count and hits[j][1] - a <= words:
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


class _Window(NamedTuple):
    """A snippet's text for one word range of a field, and how to move offsets into it."""

    start: int  # where the snippet's text starts in the field
    end: int
    snippet: str
    lead: int  # characters before the field's text: the ellipsis
    ends: list[int]  # where each collapsed run of whitespace ends in the field
    removed: list[int]  # characters collapsed up to and including that run

    def shift(self, pos: int) -> int:
        k = bisect_right(self.ends, pos)
        return self.lead + pos - self.start - (self.removed[k - 1] if k else 0)


def _snippet(
    index: FieldIndex,
    at: dict[int, tuple[int, int]],
    n: int,
    lo: int,
    hi: int,
    offsets: list[tuple[int, int]],
) -> tuple[str, list[tuple[int, int]]]:
    if not offsets:
        return "", []
    # Matches of one article often share a window (a title is its own window, whole): its text
    # is made once for the field, and only the highlights are each match's.
    window = cast(_Window | None, index.snippets.get((lo, hi)))
    if window is None:
        window = index.snippets[(lo, hi)] = _window_text(index.text, at, n, lo, hi)
    shift, start, end = window.shift, window.start, window.end
    return window.snippet, [(shift(a), shift(b - 1) + 1) for a, b in offsets if start <= a and b <= end]


def _window_text(text: str, at: dict[int, tuple[int, int]], n: int, lo: int, hi: int) -> _Window:
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
    ends: list[int] = []  # offset in text where a run ends
    removed: list[int] = []  # chars removed so far, at that run's end
    total = 0
    for m in _SPACES.finditer(text, start, end):
        total += m.end() - m.start() - 1
        ends.append(m.end())
        removed.append(total)
    body = _SPACES.sub(" ", text[start:end])
    snippet = lead + body + (" " + ELLIPSIS if hi < n else "")
    return _Window(start, end, snippet, len(lead), ends, removed)
