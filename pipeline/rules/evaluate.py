"""Evaluate a query tree against a `DocumentIndex`: whether it holds, and why.

`holds` is the fast path, run for every candidate rule: it stops at the first reason. `explain_hits`
runs only for rules that hold and returns the matched words that made them true (for NEAR, only
the words of pairs within the distance; nothing under a NOT): every one, or with `limit` the
first few of each field, found without reading past them (see `explain_hits`).

Span nodes (words, phrases, OR of span nodes, NEAR) match at word ranges [start, end) of one
field. NEAR/n pairs a left and a right range that do not overlap and have fewer than n words
between them (NEAR/1: adjacent); a NEAR's own range covers both, so NEARs nest.

Nested NEARs over common words can have a range for nearly every (start, end) pair of a long
field: millions of them. An exact evaluation therefore has a budget (`MAX_RANGE_CELLS`: ranges
made plus hits carried) and raises `TooCostly` past it; the caller then evaluates again with
`bounded=True`, which keeps, at every span node, only the shortest range from each start and
the shortest range to each end (at most two per word). That is sound (every range it keeps is a
real one, so it never matches what the exact evaluation would not) and exact for a NEAR whose
operands are words, phrases, ORs or one NEAR deep; deeper, a match that needs a longer range
from the same start can be missed. It costs time and memory linear in the field's length per
node, whatever the query.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple, assert_never

from ..statements import Statement
from .index import DocumentIndex, FieldIndex, Spoken
from .nodes import (
    DEFAULT_FIELDS,
    SAME_SENTENCE,
    And,
    Exact,
    Field,
    Leaf,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Said,
    Term,
    explain,
    is_span,
    walk,
)
from .text import words

__all__ = [
    "MAX_RANGE_CELLS",
    "Check",
    "Hit",
    "TooCostly",
    "compile_holds",
    "explain_hits",
    "holds",
    "query_part",
]

# Ranges made plus hits carried in one exact evaluation: about 30 MB at most, and a fraction of a
# second; ordinary rules use a few hundred.
MAX_RANGE_CELLS = 200_000
# Hits kept per range when bounded: enough to show why; a match shows at most `highlight.MAX_HITS`.
_BOUNDED_HITS = 16


class Hit(NamedTuple):
    """One matched word or phrase: word range [start, end) in `field`, and the query part."""

    field: str
    start: int
    end: int
    leaf: Leaf | Phrase
    statement: Statement | None = None  # on a statement's speaker and verb: the snippet shows it


@lru_cache(maxsize=1 << 14)
def query_part(leaf: Leaf | Phrase) -> str:
    """The query part a hit names (`term:peskov`): hits are told apart and ordered by
    (start, end, query part)."""
    return explain(leaf)


class TooCostly(Exception):
    """An exact evaluation went over its budget; evaluate again with `bounded=True`."""

    def __init__(self) -> None:
        super().__init__(f"its NEARs make more than {MAX_RANGE_CELLS:,} word ranges")


# A range [start, end) and, when explaining, the hits inside it.
_Range = tuple[int, int, tuple[Hit, ...]]


class _Work:
    """How one evaluation makes span ranges: exactly within a budget, or bounded."""

    __slots__ = ("bounded", "explain", "left")

    def __init__(self, *, explain: bool, bounded: bool) -> None:
        self.explain = explain
        self.bounded = bounded
        self.left = MAX_RANGE_CELLS

    def spend(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise TooCostly()


def holds(
    node: Node, index: DocumentIndex, fields: tuple[str, ...] = DEFAULT_FIELDS, *, bounded: bool = False
) -> bool:
    """Whether `node` is true for the document (searching `fields` unless a scope says otherwise).

    Raises `TooCostly` when exact NEARs go over budget, unless `bounded`."""
    return _holds(node, index, fields, _Work(explain=False, bounded=bounded))


def _holds(node: Node, index: DocumentIndex, fields: tuple[str, ...], work: _Work) -> bool:
    match node:
        case Term(word):
            return word in index.vocabulary(fields)
        case And(children):
            return all(_holds(c, index, fields, work) for c in children)
        case Or(children):
            return any(_holds(c, index, fields, work) for c in children)
        case Not(child):
            return not _holds(child, index, fields, work)
        case Field(name, child):
            return _holds(child, index, (name,), work)
        case Near():
            return any(_near(node, index.field(f), f, work, first=True) for f in fields)
        case Prefix(stem):
            return any(index.field(f).has_prefix(stem) for f in fields)
        case Exact(word):
            return any(index.field(f).has_exact(word) for f in fields)
        case Phrase(slots):
            return any(index.field(f).phrase_starts(slots, first=True) for f in fields)
        case Said():
            return _said(node, index, work) is not None
        case _:
            assert_never(node)


def _said(node: Said, index: DocumentIndex, work: _Work) -> Spoken | None:
    """The first statement of the document whose speaker and content hold their parts."""
    for spoken in index.statements():
        own = spoken.index
        if (node.speaker is None or _holds(node.speaker, own, ("speaker",), work)) and (
            node.quote is None or _holds(node.quote, own, ("quote",), work)
        ):
            return spoken
    return None


def _said_hits(node: Said, index: DocumentIndex, work: _Work) -> list[Hit] | None:
    """A statement's hits as hits in the document's own field: the speaker as named there (a
    pronoun, a name, a role), and what matched in what was said."""
    spoken = _said(node, index, work)
    if spoken is None:
        return None
    st, text = spoken.statement, getattr(index.document, spoken.field)
    hits = []
    for start, said in ((st.speaker_start, st.speaker), (st.verb_start, st.verb)):  # who, and "said"
        before, named = len(words(text[:start])), tuple(Term(w) for w in words(said))
        if named:
            hits.append(Hit(spoken.field, before, before + len(named), Phrase(named), st))
    if node.quote is not None:
        base = len(words(text[: st.content_start]))
        for h in _explanation(node.quote, spoken.index, ("quote",), work, None) or []:
            hits.append(Hit(spoken.field, base + h.start, base + h.end, h.leaf))
    return hits


def explain_hits(
    node: Node,
    index: DocumentIndex,
    fields: Sequence[str] = DEFAULT_FIELDS,
    *,
    bounded: bool = False,
    limit: int | None = None,
    known_true: bool = False,
) -> list[Hit] | None:
    """The hits that make `node` true, or None when it is false ([] for a true NOT).

    `known_true`: the caller has just found `node` true in this document (the matcher), so the
    whole rule is not evaluated again before its parts are gathered.

    `limit`: of each field's hits, only the first `limit` in the order of (start, end,
    `query_part`), the same as cutting the whole list, and a statement's hits besides. A word
    anywhere under AND and OR is found by one scan of the field's words that stops there, so a
    rule of words found in every sentence costs what a rule of rare words does; a phrase stops
    at the first starts, a NEAR keeps the ranges starting by then (finding them is the NEAR's own
    cost: the match itself reads its operands' every range). Nothing that decides whether a NEAR
    or a phrase holds is cut: only what is collected as hits.

    Raises `TooCostly` when exact NEARs go over budget, unless `bounded`."""
    work = _Work(explain=True, bounded=bounded)
    return _explanation(node, index, tuple(fields), work, limit, known_true=known_true)


def _explanation(
    node: Node,
    index: DocumentIndex,
    fields: tuple[str, ...],
    work: _Work,
    limit: int | None,
    *,
    known_true: bool = False,
) -> list[Hit] | None:
    span = is_span(node)  # true where it has hits; anything else is asked first
    if not span and not known_true and not _holds(node, index, fields, work):
        return None
    found = _Found()
    _gather(node, index, fields, work, found)
    hits = [h for name, nodes in found.spans.items() for h in _field_hits(nodes, index, name, work, limit)]
    hits += found.said
    return None if span and not hits else hits


class _Found:
    """What makes a true node true, gathered before any hit is made: the span nodes whose hits
    count, by field, and the hits of the statements that count."""

    __slots__ = ("said", "spans")

    def __init__(self) -> None:
        self.spans: dict[str, list[Node]] = {}
        self.said: list[Hit] = []


def _gather(node: Node, index: DocumentIndex, fields: tuple[str, ...], work: _Work, found: _Found) -> None:
    """`node`, true in `fields`: the parts of it whose hits make it so."""
    match node:
        case And(children):  # true: so is every child
            for child in children:
                _gather(child, index, fields, work, found)
        case Or(children):  # a span child that is false has no hits to give
            for child in children:
                if is_span(child) or _holds(child, index, fields, work):
                    _gather(child, index, fields, work, found)
        case Not():
            pass
        case Field(name, child):
            _gather(child, index, (name,), work, found)
        case Term(word):  # only where it is: a field without the word has nothing to scan
            for name in fields:
                if word in index.field(name).vocabulary:
                    found.spans.setdefault(name, []).append(node)
        case Prefix() | Exact() | Phrase() | Near():
            for name in fields:
                found.spans.setdefault(name, []).append(node)
        case Said():
            found.said += _said_hits(node, index, work) or []
        case _:
            assert_never(node)


_HitKey = tuple[int, int, str]


def _field_hits(
    nodes: list[Node], index: DocumentIndex, field: str, work: _Work, limit: int | None
) -> list[Hit]:
    """The hits of these span nodes in one field, ascending by (start, end, query part): the
    first `limit` (all, when None). Each node's hits come as they are found, in order, and are
    merged: once `limit` are in, the hits starting where the last one does still come, and no
    node looks further. Words and prefixes are found together, in one scan."""
    fi = index.field(field)
    wanted: dict[str, dict[str, Leaf]] = {}  # folded word -> the leaves it is a hit of, by part
    others: dict[Node, None] = {}
    for node in nodes:
        if type(node) is Term:
            wanted.setdefault(node.word, {})[query_part(node)] = node
        elif type(node) is Prefix:
            for word in fi.prefix_words(node.stem):
                wanted.setdefault(word, {})[query_part(node)] = node
        else:
            others[node] = None
    if wanted and not others and all(len(leaves) == 1 for leaves in wanted.values()):
        # The common case, at C speed: one hit a position found, in order already.
        found = fi.occurrences(wanted)
        words_, new = fi.words, tuple.__new__  # (a Hit without NamedTuple's __new__ in Python)
        only = {word: leaf for word, leaves in wanted.items() for leaf in leaves.values()}
        positions = found if limit is None else itertools.islice(found, limit)
        return [new(Hit, (field, p, p + 1, only[words_[p]], None)) for p in positions]
    streams = [_word_hits(fi, field, wanted)] if wanted else []
    streams += [_span_hits(node, fi, field, work) for node in others]
    if not streams:  # a prefix that no word of the field starts with
        return []
    kept: dict[_HitKey, Hit] = {}
    last = None  # once `limit` are kept: where the last one starts
    for hit in heapq.merge(*streams, key=_start) if len(streams) > 1 else streams[0]:
        if last is not None and hit.start > last:
            break
        kept.setdefault((hit.start, hit.end, query_part(hit.leaf)), hit)
        if last is None and limit is not None and len(kept) >= limit:
            last = hit.start
    keys = sorted(kept)
    return [kept[k] for k in (keys if limit is None else keys[:limit])]


def _start(hit: Hit) -> int:
    return hit.start


def _word_hits(fi: FieldIndex, field: str, wanted: dict[str, dict[str, Leaf]]) -> Iterator[Hit]:
    """The hits of words and prefixes in one field, by start, as they are found."""
    words_ = fi.words
    for p in fi.occurrences(wanted):
        for leaf in wanted[words_[p]].values():
            yield Hit(field, p, p + 1, leaf)


def _span_hits(node: Node, fi: FieldIndex, field: str, work: _Work) -> Iterator[Hit]:
    """The hits of an exact word, a phrase or a NEAR in one field, by start: as they are found
    but for a NEAR's, which come from all its ranges at once."""
    match node:
        case Exact(word):
            return (Hit(field, p, p + 1, node) for p in fi.exact_occurrences(word))
        case Phrase(slots):
            size = len(slots)
            return (Hit(field, p, p + size, node) for p in fi.iter_phrase_starts(slots))
        case Near():
            return _near_hits(node, fi, field, work)
        case Term() | Prefix() | And() | Or() | Not() | Field() | Said():  # words: `_word_hits`
            raise TypeError(f"not an exact word, a phrase or a NEAR: {node!r}")
        case _:
            assert_never(node)


def _near_hits(node: Near, fi: FieldIndex, field: str, work: _Work) -> Iterator[Hit]:
    """A NEAR's hits in one field, by start. Of a NEAR of words and phrases (none inside), as
    they are found: its paired ranges without their hits (one a word or phrase, found again where
    the range is), in order. Else from every range at once, with their hits."""
    if work.bounded:
        ranges = _near(node, fi, field, work)
    elif any(isinstance(n, Near) for side in (node.left, node.right) for n in walk(side)):
        lefts, rights = _paired(node, fi, field, work)
        ranges = lefts + rights
    else:
        lefts, rights = _paired(node, fi, field, _Work(explain=False, bounded=False))
        sides = heapq.merge(
            ((a, b, node.left) for a, b, _ in lefts),
            ((a, b, node.right) for a, b, _ in rights),
            key=_first_of,
        )
        return (hit for a, b, side in sides for hit in _hits_at(side, fi, field, a, b))
    return iter(sorted((h for r in ranges for h in r[2]), key=_start))


def _first_of(item: tuple[int, int, Node]) -> int:
    return item[0]


def _hits_at(node: Node, fi: FieldIndex, field: str, start: int, end: int) -> list[Hit]:
    """The hits of the range [start, end) of a span node without a NEAR: each of its words and
    phrases found there, as `_ranges` makes them."""
    match node:
        case Term() | Prefix() | Exact():
            return [Hit(field, start, end, node)] if end == start + 1 and fi.leaf_at(node, start) else []
        case Phrase(slots):
            fits = end - start == len(slots) and all(fi.leaf_at(s, start + k) for k, s in enumerate(slots))
            return [Hit(field, start, end, node)] if fits else []
        case Or(children):
            return [hit for child in children for hit in _hits_at(child, fi, field, start, end)]
        case Near() | And() | Not() | Field() | Said():
            raise TypeError(f"not a span node without a NEAR: {node!r}")
        case _:
            assert_never(node)


def _paired(node: Near, fi: FieldIndex, field: str, work: _Work) -> tuple[list[_Range], list[_Range]]:
    """The left ranges and the right ranges of a NEAR that pair with a range of the other side,
    in order: together they hold the hits of every range `_near` makes (exactly), found without
    listing the pairs, which a NEAR of words in every sentence has by the thousand. The same windows as
    `_pairs`: from each left range, the right ranges starting in the window after it and those
    ending in the window before it (unless ordered); for NEAR/S, in its sentence, where a right
    range in that window fits iff it lies in one sentence (`inside`)."""
    lefts = _ranges(node.left, fi, field, work)
    if not lefts:
        return [], []
    rights = _ranges(node.right, fi, field, work)
    if not rights:
        return [], []
    n, sentence = node.distance, node.distance == SAME_SENTENCE
    starts = [r[0] for r in rights]
    order = sorted(range(len(rights)), key=lambda j: rights[j][1])  # the rights by end
    ends = [rights[j][1] for j in order]
    inside = [not sentence or r[1] <= fi.sentence_of(r[0])[1] for r in rights]
    # How many right ranges that fit come before each index, in either order: "one in [i, j)".
    fit_by_start = [0, *itertools.accumulate(inside)]
    fit_by_end = [0, *itertools.accumulate(inside[j] for j in order)]
    # Each left range marks the right ranges of its windows: +1 where a window opens, -1 after.
    marks_by_start = [0] * (len(rights) + 1)
    marks_by_end = [0] * (len(rights) + 1)
    paired_lefts: list[_Range] = []
    for left in lefts:
        a, b = left[0], left[1]
        if sentence:
            s0, s1 = fi.sentence_of(a)
            if b > s1:
                continue
            after_stop, before_from = s1, s0 + 1
        else:
            after_stop, before_from = b + n, a - n + 1
        i, j = bisect_left(starts, b), bisect_left(starts, after_stop)
        paired = False
        if i < j:
            paired = fit_by_start[j] > fit_by_start[i]
            marks_by_start[i] += 1
            marks_by_start[j] -= 1
        if not node.ordered:
            i, j = bisect_left(ends, before_from), bisect_right(ends, a)
            if i < j:  # (NEAR/S at a sentence's first word: no window before)
                paired = paired or fit_by_end[j] > fit_by_end[i]
                marks_by_end[i] += 1
                marks_by_end[j] -= 1
        if paired:
            paired_lefts.append(left)
    covered = [c > 0 for c in itertools.accumulate(marks_by_start[:-1])]
    for k, c in enumerate(itertools.accumulate(marks_by_end[:-1])):
        if c > 0:
            covered[order[k]] = True
    paired_rights = [r for r, fits, marked in zip(rights, inside, covered, strict=True) if fits and marked]
    return paired_lefts, paired_rights


def _ranges(node: Node, fi: FieldIndex, field: str, work: _Work) -> list[_Range]:
    """Where a span node matches in one field, ascending by (start, end)."""
    explain = work.explain
    match node:
        case Term() | Prefix() | Exact():
            return [
                (p, p + 1, (Hit(field, p, p + 1, node),) if explain else ()) for p in fi.leaf_positions(node)
            ]
        case Phrase(slots):
            size = len(slots)
            return [
                (p, p + size, (Hit(field, p, p + size, node),) if explain else ())
                for p in fi.phrase_starts(slots)
            ]
        case Or(children):
            merged = [r for c in children for r in _ranges(c, fi, field, work)]
            if work.bounded:
                return _shortest(merged)
            merged.sort(key=lambda r: (r[0], r[1]))
            return merged
        case Near():
            return _near(node, fi, field, work)
        case And() | Not() | Field() | Said():  # the parser puts only span nodes under NEAR
            raise TypeError(f"not a span node: {node!r}")
        case _:
            assert_never(node)


def _near(node: Near, fi: FieldIndex, field: str, work: _Work, *, first: bool = False) -> list[_Range]:
    """The ranges covering each pair (left, right) within the distance, or in one sentence for
    NEAR/S; `first`: stop at one."""
    lefts = _ranges(node.left, fi, field, work)
    if not lefts:
        return []
    rights = _ranges(node.right, fi, field, work)
    if not rights:
        return []
    if node.distance == SAME_SENTENCE:
        found = _pairs(node, lefts, rights, work, first, lambda left: _sentence_window(fi, left))
        return _shortest(found) if work.bounded else found
    if work.bounded:
        return _near_bounded(lefts, rights, node.distance, node.ordered)
    n = node.distance
    return _pairs(node, lefts, rights, work, first, lambda left: (left[1] + n, _NO_LIMIT, left[0] - n + 1, 0))


_NO_LIMIT = 1 << 62
# Where a right range may be, given a left one [a, b): starting before `after_stop` (and ending by
# `end_max`) when after it; ending from `before_from` (and starting from `start_min`) when before.
_Window = tuple[int, int, int, int]


def _sentence_window(fi: FieldIndex, left: _Range) -> _Window | None:
    """NEAR/S: the right range in the left one's sentence (None: the left one crosses it)."""
    s0, s1 = fi.sentence_of(left[0])
    return None if left[1] > s1 else (s1, s1, s0 + 1, s0)


def _pairs(
    node: Near, lefts: list[_Range], rights: list[_Range], work: _Work, first: bool,
    window: Callable[[_Range], _Window | None],
) -> list[_Range]:  # fmt: skip
    """The ranges covering each left range and each right range inside its window, the two not
    overlapping (right after left, or before it unless ordered)."""
    out: list[_Range] = []
    starts = [r[0] for r in rights]
    by_end = sorted(rights, key=lambda r: r[1])
    ends = [r[1] for r in by_end]
    for left in lefts:
        bounds = window(left)
        if bounds is None:
            continue
        after_stop, end_max, before_from, start_min = bounds
        a, b = left[0], left[1]
        i = bisect_left(starts, b)
        while i < len(rights) and rights[i][0] < after_stop:
            right = rights[i]
            if right[1] <= end_max:
                hits = left[2] + right[2]
                work.spend(1 + len(hits))
                out.append((a, right[1], hits))
                if first:
                    return out
            i += 1
        if node.ordered:
            continue
        i = bisect_left(ends, before_from)
        while i < len(by_end) and by_end[i][1] <= a:
            right = by_end[i]
            if right[0] >= start_min:
                hits = right[2] + left[2]
                work.spend(1 + len(hits))
                out.append((right[0], b, hits))
                if first:
                    return out
            i += 1
    return _merged(out)


def _merged(out: list[_Range]) -> list[_Range]:
    """One range per (start, end), with every hit that formed it: nested NEARs stay small."""
    merged: dict[tuple[int, int], list[Hit]] = {}
    for start, end, hits in out:
        merged.setdefault((start, end), []).extend(hits)
    return [(start, end, tuple(dict.fromkeys(hits))) for (start, end), hits in sorted(merged.items())]


def _near_bounded(lefts: list[_Range], rights: list[_Range], n: int, ordered: bool) -> list[_Range]:
    """`_near` for bounded evaluation: from the pairs within the distance, the shortest range
    from each start and the shortest to each end, found without listing the pairs."""
    found: list[_Range] = []
    for before, after in [(lefts, rights)] if ordered else [(lefts, rights), (rights, lefts)]:
        # from each range before: of the ranges after it starting within n words of its end,
        # the one that ends first
        by_start = sorted(((r[0], r[1], r) for r in after), key=_first_two)
        for b, a in _window_best(by_start, sorted(((r[1], r) for r in before), key=_first), n):
            found.append((b[0], a[1], _joined(b[2], a[2])))
        # to each range after: of the ranges before it ending within n words of its start,
        # the one that starts last
        by_end = sorted(((r[1], -r[0], r) for r in before), key=_first_two)
        for a, b in _window_best(by_end, sorted(((r[0] - n + 1, r) for r in after), key=_first), n):
            found.append((b[0], a[1], _joined(b[2], a[2])))
    return _shortest(found)


def _first(item: tuple[int, _Range]) -> int:
    return item[0]


def _first_two(item: tuple[int, int, _Range]) -> tuple[int, int]:
    return item[0], item[1]


def _window_best(
    points: list[tuple[int, int, _Range]], queries: list[tuple[int, _Range]], width: int
) -> list[tuple[_Range, _Range]]:
    """For each query (lo, q), ascending by lo: (q, the point of least cost among the points
    (key, cost, p) with lo <= key < lo + width), when there is one. Both ends of the window move
    forward as the queries go: one pass with a monotonic queue (a sliding-window minimum over
    sorted keys, which no library we use offers)."""
    out: list[tuple[_Range, _Range]] = []
    best: deque[tuple[int, int, _Range]] = deque()  # points in the window, cost rising leftwards
    nxt, count = 0, len(points)
    for lo, q in queries:
        hi = lo + width
        while nxt < count and points[nxt][0] < hi:
            point = points[nxt]
            while best and best[-1][1] >= point[1]:
                best.pop()
            best.append(point)
            nxt += 1
        while best and best[0][0] < lo:
            best.popleft()
        if best:
            out.append((q, best[0][2]))
    return out


def _joined(first: tuple[Hit, ...], second: tuple[Hit, ...]) -> tuple[Hit, ...]:
    return (first + second)[:_BOUNDED_HITS] if first or second else ()


def _shortest(ranges: list[_Range]) -> list[_Range]:
    """The shortest range from each start and the shortest to each end, ascending."""
    from_start: dict[int, _Range] = {}
    to_end: dict[int, _Range] = {}
    for r in ranges:
        s, e = r[0], r[1]
        kept = from_start.get(s)
        if kept is None or e < kept[1]:
            from_start[s] = r
        kept = to_end.get(e)
        if kept is None or s > kept[0]:
            to_end[e] = r
    unique = {(r[0], r[1]): r for r in (*from_start.values(), *to_end.values())}
    return [unique[k] for k in sorted(unique)]


Check = Callable[[DocumentIndex], bool]


def compile_holds(node: Node, fields: tuple[str, ...] = DEFAULT_FIELDS) -> Check:
    """`holds` for one tree as a closure: the same answer, with cheap parts of ANDs and ORs first.

    The matcher compiles a rule the first time the prefilter makes it a candidate.
    """
    match node:
        case Term(word):
            return lambda index: word in index.vocabulary(fields)
        case Prefix(stem) if len(fields) == 2:
            f1, f2 = fields
            return lambda index: index.field(f1).has_prefix(stem) or index.field(f2).has_prefix(stem)
        case Exact(word) if len(fields) == 2:
            f1, f2 = fields
            return lambda index: index.field(f1).has_exact(word) or index.field(f2).has_exact(word)
        case And(children) | Or(children):
            parts = [compile_holds(c, fields) for c in sorted(children, key=_cost)]
            if len(parts) == 2:  # the common case, without a generator
                a, b = parts
                if isinstance(node, And):
                    return lambda index: a(index) and b(index)
                return lambda index: a(index) or b(index)
            if isinstance(node, And):
                return lambda index: all(p(index) for p in parts)
            return lambda index: any(p(index) for p in parts)
        case Not(child):
            inner = compile_holds(child, fields)
            return lambda index: not inner(index)
        case Field(name, child):
            return compile_holds(child, (name,))
        case Term() | Prefix() | Exact() | Phrase() | Near() | Said():
            return lambda index: holds(node, index, fields)
        case _:
            assert_never(node)


def _cost(node: Node) -> int:
    """A rough evaluation cost: look up a word before scanning for a phrase or a NEAR."""
    match node:
        case Term():
            return 1
        case Exact() | Prefix():
            return 3
        case Phrase():
            return 5
        case Near():
            return 20
        case And(children) | Or(children):
            return sum(_cost(c) for c in children)
        case Not(child) | Field(_, child):
            return _cost(child)
        case Said():
            return 100  # the article's statements are found first (once per article)
        case _:
            assert_never(node)
