"""The parsed form of a watch-rule query: an immutable tree of small frozen records.

Words in the tree are already folded (see `text.fold`), so the tree compares equal for queries
that differ only in case, accents or operator spelling (`NOT x` and `-x`). `Exact` keeps the word
as written (`=ICC`).

Two kinds of node: *span* nodes say where they match (words, phrases, an OR of span nodes, a
NEAR), so they can sit under NEAR; *boolean* nodes (AND, NOT, field scopes, statements) only say
whether.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, assert_never, final

__all__ = [
    "DEFAULT_FIELDS",
    "FIELDS",
    "SAME_SENTENCE",
    "STATEMENT_FIELDS",
    "And",
    "Exact",
    "Field",
    "Leaf",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "Said",
    "Term",
    "explain",
    "has_positive",
    "in_one_sentence",
    "is_span",
    "packed",
    "spans_when_true",
    "tree",
    "unpacked",
    "walk",
]

FIELDS: tuple[str, ...] = ("title", "text", "source", "url", "lang", "category", "kind")
SAME_SENTENCE = 0  # a Near's distance for NEAR/S: both sides in one sentence (pipeline.statements)
DEFAULT_FIELDS: tuple[str, ...] = ("title", "text")
# The fields of one statement (pipeline.statements): who said it and what was said. A query
# reaches them only through `said_by:` and `quote:` (a `Said` node).
STATEMENT_FIELDS: tuple[str, ...] = ("speaker", "quote")


@final
@dataclass(frozen=True, slots=True)
class Term:
    """A whole word (folded)."""

    word: str


@final
@dataclass(frozen=True, slots=True)
class Prefix:
    """Any word starting with `stem` (folded), e.g. navaln*."""

    stem: str


@final
@dataclass(frozen=True, slots=True)
class Exact:
    """A whole word exactly as written, case and accents included (`=ICC`); `word` is NFC."""

    word: str


Leaf = Term | Prefix | Exact


@final
@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words, each a term, a prefix or an exact word: "kremlin spokesman"."""

    slots: tuple[Leaf, ...]


@final
@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@final
@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@final
@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@final
@dataclass(frozen=True, slots=True)
class Near:
    """`left` and `right` within `distance` words (1: adjacent), or in one sentence when the
    distance is SAME_SENTENCE (NEAR/S); `ordered`: left comes first."""

    left: Node
    right: Node
    distance: int
    ordered: bool = False


@final
@dataclass(frozen=True, slots=True)
class Field:
    """`child` evaluated in one field only (title, text, source, url or lang)."""

    name: str
    child: Node


@final
@dataclass(frozen=True, slots=True)
class Said:
    """A statement in the article whose speaker matches `speaker` and whose content matches
    `quote` (None: anything). `said_by:x quote:y` side by side in one AND are one statement."""

    speaker: Node | None
    quote: Node | None


Node = Term | Prefix | Exact | Phrase | And | Or | Not | Near | Field | Said


def _leaf(node: Leaf) -> str:
    match node:
        case Term(word):
            return word
        case Prefix(stem):
            return f"{stem}*"
        case Exact(word):
            return f"={word}"
        case _:
            assert_never(node)


def explain(node: Node) -> str:
    """A canonical one-line form: OR(AND(term:a, term:b), phrase:"c d*")."""
    match node:
        case Term(word):
            return f"term:{word}"
        case Prefix(stem):
            return f"prefix:{stem}*"
        case Exact(word):
            return f"exact:{word}"
        case Phrase(slots):
            return f'phrase:"{" ".join(_leaf(s) for s in slots)}"'
        case And(children):
            return f"AND({', '.join(explain(c) for c in children)})"
        case Or(children):
            return f"OR({', '.join(explain(c) for c in children)})"
        case Not(child):
            return f"NOT({explain(child)})"
        case Near(left, right, distance, ordered):
            op = "ONEAR" if ordered else "NEAR"
            return f"{op}/{distance or 'S'}({explain(left)}, {explain(right)})"
        case Field(name, child):
            return f"{name}:({explain(child)})"
        case Said(speaker, quote):
            parts = [f"said_by:({explain(speaker)})"] if speaker is not None else []
            parts += [f"quote:({explain(quote)})"] if quote is not None else []
            return f"STATEMENT({', '.join(parts)})"
        case _:
            assert_never(node)


def tree(node: Node, indent: str = "") -> list[str]:
    """The tree as indented lines, one node per line (what `rules test --explain` prints)."""
    match node:
        case Term() | Prefix() | Exact() | Phrase():
            return [indent + explain(node)]
        case And(children) | Or(children):
            head = "AND (all of)" if isinstance(node, And) else "OR (any of)"
            return [indent + head, *(line for c in children for line in tree(c, indent + "  "))]
        case Not(child):
            return [indent + "NOT", *tree(child, indent + "  ")]
        case Near(left, right, distance, ordered):
            how = "in this order" if ordered else "either order"
            within = f"within {distance} words" if distance != SAME_SENTENCE else "in one sentence"
            head = f"{'ONEAR' if ordered else 'NEAR'}/{distance or 'S'} ({within}, {how})"
            return [indent + head, *tree(left, indent + "  "), *tree(right, indent + "  ")]
        case Field(name, child):
            return [indent + f"in {name}:", *tree(child, indent + "  ")]
        case Said(speaker, quote):
            lines = [indent + "a statement (one of the article's)"]
            if speaker is not None:
                lines += [indent + "  said by:", *tree(speaker, indent + "    ")]
            if quote is not None:
                lines += [indent + "  saying:", *tree(quote, indent + "    ")]
            return lines
        case _:
            assert_never(node)


def is_span(node: Node) -> bool:
    """Whether the node says where it matches (so it may be an operand of NEAR)."""
    match node:
        case Term() | Prefix() | Exact() | Phrase() | Near():
            return True
        case Or(children):
            return all(is_span(c) for c in children)
        case And() | Not() | Field() | Said():
            return False
        case _:
            assert_never(node)


def has_positive(node: Node) -> bool:
    """Whether the tree has any term outside a NOT (else it can never produce a match)."""
    match node:
        case Term() | Prefix() | Exact() | Phrase():
            return True
        case Not():
            return False
        case And(children) | Or(children):
            return any(has_positive(c) for c in children)
        case Near(left, right):
            return has_positive(left) and has_positive(right)
        case Field(_, child):
            return has_positive(child)
        case Said(speaker, quote):
            return any(part is not None and has_positive(part) for part in (speaker, quote))
        case _:
            assert_never(node)


def spans_when_true(node: Node) -> bool:
    """Whether every way the node can be true comes with at least one matched word.

    False for NOT x, and for `a OR NOT b` (true, with nothing to show, whenever b is absent).
    """
    match node:
        case Term() | Prefix() | Exact() | Phrase() | Near():
            return True
        case Not():
            return False
        case And(children):
            return any(spans_when_true(c) for c in children)
        case Or(children):
            return all(spans_when_true(c) for c in children)
        case Field(_, child):
            return spans_when_true(child)
        case Said(speaker, quote):
            return any(part is not None and spans_when_true(part) for part in (speaker, quote))
        case _:
            assert_never(node)


def walk(node: Node) -> Iterator[Node]:
    """The node and every node below it, parents before children (for the questions asked of a
    whole tree: is a NEAR/S in it, a field scope, a statement)."""
    yield node
    match node:
        case And(children) | Or(children):
            for child in children:
                yield from walk(child)
        case Not(child) | Field(_, child):
            yield from walk(child)
        case Near(left, right):
            yield from walk(left)
            yield from walk(right)
        case Said(speaker, quote):
            for part in (speaker, quote):
                if part is not None:
                    yield from walk(part)
        case Term() | Prefix() | Exact() | Phrase():
            pass
        case _:
            assert_never(node)


def in_one_sentence(node: Node) -> bool:
    """A NEAR/S (or ONEAR/S)."""
    return isinstance(node, Near) and node.distance == SAME_SENTENCE


# A tree as nested tuples of strs, ints and None, for `marshal` (pipeline.rules.compiled): a
# tag, then the node's fields in order, children packed alike.
_TERM, _PREFIX, _EXACT, _PHRASE, _AND, _OR, _NOT, _NEAR, _FIELD, _SAID = range(10)
Packed = tuple[Any, ...]


def packed(node: Node) -> Packed:
    """The tree as plain nested tuples (`unpacked` makes it again)."""
    # Dispatch on the exact type, not `match`: it runs for every node of every rule built.
    if type(node) is Term:
        return (_TERM, node.word)
    if type(node) is Prefix:
        return (_PREFIX, node.stem)
    if type(node) is Exact:
        return (_EXACT, node.word)
    if type(node) is Phrase:
        return (_PHRASE, tuple(packed(s) for s in node.slots))
    if type(node) is And:
        return (_AND, tuple(packed(c) for c in node.children))
    if type(node) is Or:
        return (_OR, tuple(packed(c) for c in node.children))
    if type(node) is Not:
        return (_NOT, packed(node.child))
    if type(node) is Near:
        return (_NEAR, packed(node.left), packed(node.right), node.distance, node.ordered)
    if type(node) is Field:
        return (_FIELD, node.name, packed(node.child))
    if type(node) is Said:
        speaker, quote = node.speaker, node.quote
        return (_SAID, None if speaker is None else packed(speaker), None if quote is None else packed(quote))
    assert_never(node)


def unpacked(data: Packed) -> Node:
    """The tree `packed` gave (from a file whose checksum was verified: nothing else is read)."""
    tag = data[0]
    if tag == _TERM:
        return Term(data[1])
    if tag == _PREFIX:
        return Prefix(data[1])
    if tag == _EXACT:
        return Exact(data[1])
    if tag == _PHRASE:
        return Phrase(tuple(unpacked(s) for s in data[1]))  # type: ignore[misc]  # words, as packed
    if tag == _AND:
        return And(tuple(unpacked(c) for c in data[1]))
    if tag == _OR:
        return Or(tuple(unpacked(c) for c in data[1]))
    if tag == _NOT:
        return Not(unpacked(data[1]))
    if tag == _NEAR:
        return Near(unpacked(data[1]), unpacked(data[2]), data[3], data[4])
    if tag == _FIELD:
        return Field(data[1], unpacked(data[2]))
    if tag == _SAID:
        return Said(*(None if part is None else unpacked(part) for part in data[1:3]))
    raise ValueError(f"not a packed node: tag {tag!r}")
