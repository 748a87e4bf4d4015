"""Query trees -> evaluators: plain closures over a `DocumentIndex`, built once per rule.

An evaluator returns None when its part of the query is false, else the spans of the words that
made it true ([] for a true NOT, which has nothing to show). Only hits that make the rule true
are returned: for NEAR only the pairs within the distance, nothing under a NOT.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .index import DocumentIndex, Span
from .nodes import DEFAULT_FIELDS, And, Field, Near, Node, Not, Or, Phrase, Prefix, Term

__all__ = ["CompiledRule", "Evaluator", "compile_node"]

Evaluator = Callable[[DocumentIndex], list[Span] | None]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run; `evaluate` is the only thing a matcher needs to call."""

    rule_id: str
    title: str
    node: Node
    evaluator: Evaluator

    @classmethod
    def build(cls, rule_id: str, title: str, node: Node) -> CompiledRule:
        return cls(rule_id, title, node, compile_node(node))

    def evaluate(self, index: DocumentIndex) -> list[Span] | None:
        return self.evaluator(index)


def compile_node(node: Node, fields: Sequence[str] = DEFAULT_FIELDS) -> Evaluator:
    """An evaluator for `node`, searching `fields` unless a field scope inside says otherwise."""
    fields = tuple(fields)
    match node:
        case Term(word):
            return _term(word, fields)
        case Phrase(words):
            return _phrase(words, fields)
        case Prefix(stem):
            return _prefix(stem, fields)
        case And(children):
            return _and([compile_node(c, fields) for c in children])
        case Or(children):
            return _or([compile_node(c, fields) for c in children])
        case Not(child):
            return _not(compile_node(child, fields))
        case Near(left, right, distance, ordered):
            return _near(compile_node(left, fields), compile_node(right, fields), distance, ordered)
        case Field(name, child):
            return compile_node(child, (name,))
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def _term(word: str, fields: tuple[str, ...]) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        out: list[Span] = []
        for f in fields:
            out.extend(Span(f, p, p + 1) for p in index.field(f).positions.get(word, ()))
        return out or None

    return evaluate


def _phrase(words: tuple[str, ...], fields: tuple[str, ...]) -> Evaluator:
    size = len(words)

    def evaluate(index: DocumentIndex) -> list[Span] | None:
        out: list[Span] = []
        for f in fields:
            out.extend(Span(f, p, p + size) for p in index.field(f).phrase_starts(words))
        return out or None

    return evaluate


def _prefix(stem: str, fields: tuple[str, ...]) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        out: list[Span] = []
        for f in fields:
            out.extend(Span(f, p, p + 1) for p in index.field(f).prefix_positions(stem))
        return out or None

    return evaluate


def _and(children: list[Evaluator]) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        out: list[Span] = []
        for child in children:
            spans = child(index)
            if spans is None:
                return None
            out.extend(spans)
        return out

    return evaluate


def _or(children: list[Evaluator]) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        out: list[Span] | None = None
        for child in children:
            spans = child(index)
            if spans is not None:
                if out is None:
                    out = []
                out.extend(spans)
        return out

    return evaluate


def _not(child: Evaluator) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        return [] if child(index) is None else None

    return evaluate


def _near(left: Evaluator, right: Evaluator, distance: int, ordered: bool) -> Evaluator:
    def evaluate(index: DocumentIndex) -> list[Span] | None:
        lefts = left(index)
        if not lefts:
            return None
        rights = right(index)
        if not rights:
            return None
        return near_pairs(lefts, rights, distance, ordered) or None

    return evaluate


def near_pairs(lefts: list[Span], rights: list[Span], distance: int, ordered: bool) -> list[Span]:
    """The spans of `lefts` and `rights` that take part in a pair at most `distance` words apart.

    The distance is the number of words between two spans that do not overlap (0: adjacent);
    `ordered` keeps only pairs where the left span comes first.
    """
    used: set[Span] = set()
    by_field: dict[str, list[Span]] = {}
    for r in set(rights):
        by_field.setdefault(r.field, []).append(r)
    for field, group in by_field.items():
        by_start = sorted(group, key=lambda s: s.start)
        starts = [s.start for s in by_start]
        by_end = sorted(group, key=lambda s: s.end)
        ends = [s.end for s in by_end]
        for span in set(lefts):
            if span.field != field:
                continue
            # right after: starts in [end, end + distance]
            lo, hi = bisect_left(starts, span.end), bisect_right(starts, span.end + distance)
            found = by_start[lo:hi]
            if not ordered:
                # right before: ends in [start - distance, start]
                lo, hi = bisect_left(ends, span.start - distance), bisect_right(ends, span.start)
                found += by_end[lo:hi]
            if found:
                used.add(span)
                used.update(found)
    return sorted(used)
