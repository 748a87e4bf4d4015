"""Evaluate a query tree against a `DocumentIndex`: whether it holds, and why.

`holds` is the fast path, run for every candidate rule: it stops at the first reason. `explain_hits`
runs only for rules that hold and returns every matched word that made them true (for NEAR,
only the words of pairs within the distance; nothing under a NOT).

Span nodes (words, phrases, OR of span nodes, NEAR) match at word ranges [start, end) of one
field. NEAR/n pairs a left and a right range that do not overlap and have fewer than n words
between them (NEAR/1: adjacent); a NEAR's own range covers both, so NEARs nest.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .index import DocumentIndex, FieldIndex
from .nodes import DEFAULT_FIELDS, And, Exact, Field, Leaf, Near, Node, Not, Or, Phrase, Prefix, Term

__all__ = ["Check", "Hit", "compile_holds", "explain_hits", "holds"]


class Hit(NamedTuple):
    """One matched word or phrase: word range [start, end) in `field`, and the query part."""

    field: str
    start: int
    end: int
    leaf: Leaf | Phrase


# A range [start, end) and, when explaining, the hits inside it.
_Range = tuple[int, int, tuple[Hit, ...]]


def holds(node: Node, index: DocumentIndex, fields: tuple[str, ...] = DEFAULT_FIELDS) -> bool:
    """Whether `node` is true for the document (searching `fields` unless a scope says otherwise)."""
    match node:
        case Term(word):
            return word in index.vocabulary(fields)
        case And(children):
            return all(holds(c, index, fields) for c in children)
        case Or(children):
            return any(holds(c, index, fields) for c in children)
        case Not(child):
            return not holds(child, index, fields)
        case Field(name, child):
            return holds(child, index, (name,))
        case Near():
            return any(_near(node, index.field(f), f, first=True) for f in fields)
        case Prefix(stem):
            return any(index.field(f).has_prefix(stem) for f in fields)
        case Exact(word):
            return any(index.field(f).has_exact(word) for f in fields)
        case Phrase(slots):
            return any(index.field(f).phrase_starts(slots, first=True) for f in fields)
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def explain_hits(
    node: Node, index: DocumentIndex, fields: Sequence[str] = DEFAULT_FIELDS
) -> list[Hit] | None:
    """The hits that make `node` true, or None when it is false ([] for a true NOT)."""
    match node:
        case And(children):
            out: list[Hit] = []
            for child in children:
                hits = explain_hits(child, index, fields)
                if hits is None:
                    return None
                out.extend(hits)
            return out
        case Or(children):
            found: list[Hit] | None = None
            for child in children:
                hits = explain_hits(child, index, fields)
                if hits is not None:
                    found = [*(found or []), *hits]
            return found
        case Not(child):
            return [] if explain_hits(child, index, fields) is None else None
        case Field(name, child):
            return explain_hits(child, index, (name,))
        case Term() | Prefix() | Exact() | Phrase() | Near():
            ranges = [r for f in fields for r in _ranges(node, index.field(f), f, explain=True)]
            return [h for r in ranges for h in r[2]] if ranges else None
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def _ranges(node: Node, fi: FieldIndex, field: str, *, explain: bool) -> list[_Range]:
    """Where a span node matches in one field, ascending by start."""
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
            merged = [r for c in children for r in _ranges(c, fi, field, explain=explain)]
            merged.sort(key=lambda r: (r[0], r[1]))
            return merged
        case Near():
            return _near(node, fi, field, explain=explain)
    raise TypeError(f"not a span node: {node!r}")  # pragma: no cover


def _near(
    node: Near, fi: FieldIndex, field: str, *, first: bool = False, explain: bool = False
) -> list[_Range]:
    """The ranges covering each pair (left, right) within the distance; `first`: stop at one."""
    lefts = _ranges(node.left, fi, field, explain=explain)
    if not lefts:
        return []
    rights = _ranges(node.right, fi, field, explain=explain)
    if not rights:
        return []
    n = node.distance
    out: list[_Range] = []
    starts = [r[0] for r in rights]
    by_end = sorted(rights, key=lambda r: r[1])
    ends = [r[1] for r in by_end]
    for left in lefts:
        a, b = left[0], left[1]
        # right after left: start in [b, b + n - 1]
        i = bisect_left(starts, b)
        while i < len(rights) and rights[i][0] < b + n:
            right = rights[i]
            out.append((a, right[1], left[2] + right[2]))
            if first:
                return out
            i += 1
        if node.ordered:
            continue
        # right before left: end in [a - n + 1, a]
        i = bisect_left(ends, a - n + 1)
        while i < len(by_end) and by_end[i][1] <= a:
            right = by_end[i]
            out.append((right[0], b, right[2] + left[2]))
            if first:
                return out
            i += 1
    # One range per (start, end), with every hit that formed it: nested NEARs stay small.
    merged: dict[tuple[int, int], tuple[Hit, ...]] = {}
    for start, end, hits in out:
        before = merged.get((start, end))
        merged[start, end] = hits if before is None else before + tuple(h for h in hits if h not in before)
    return [(start, end, hits) for (start, end), hits in sorted(merged.items())]


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
    return lambda index: holds(node, index, fields)


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
    return 10  # pragma: no cover
