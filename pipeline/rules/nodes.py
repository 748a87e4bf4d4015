"""The parsed form of a watch-rule query: an immutable tree of small frozen records.

Words in the tree are already folded (see `text.fold`), so the tree compares equal for queries
that differ only in case, accents or operator spelling (`NOT x` and `-x`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_FIELDS",
    "FIELDS",
    "And",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "Term",
    "explain",
    "has_positive",
    "spans_when_true",
]

FIELDS: tuple[str, ...] = ("title", "text", "source", "url", "lang")
DEFAULT_FIELDS: tuple[str, ...] = ("title", "text")


@dataclass(frozen=True, slots=True)
class Term:
    """A whole word (folded)."""

    word: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words (folded), e.g. "kremlin spokesman"."""

    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prefix:
    """Any word starting with `stem` (folded), e.g. navaln*."""

    stem: str


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    """`left` and `right` at most `distance` words apart (words in between); `ordered`: left first."""

    left: Node
    right: Node
    distance: int
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """`child` evaluated in one field only (title, text, source, url or lang)."""

    name: str
    child: Node


Node = Term | Phrase | Prefix | And | Or | Not | Near | Field


def explain(node: Node) -> str:
    """A canonical, readable form of the tree: OR(AND(term:a, term:b), phrase:"c d")."""
    match node:
        case Term(word):
            return f"term:{word}"
        case Phrase(words):
            return f'phrase:"{" ".join(words)}"'
        case Prefix(stem):
            return f"prefix:{stem}*"
        case And(children):
            return f"AND({', '.join(explain(c) for c in children)})"
        case Or(children):
            return f"OR({', '.join(explain(c) for c in children)})"
        case Not(child):
            return f"NOT({explain(child)})"
        case Near(left, right, distance, ordered):
            op = "ONEAR" if ordered else "NEAR"
            return f"{op}/{distance}({explain(left)}, {explain(right)})"
        case Field(name, child):
            return f"{name}:({explain(child)})"
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def has_positive(node: Node) -> bool:
    """Whether the tree has any term outside a NOT (else it can never produce a match)."""
    match node:
        case Term() | Phrase() | Prefix():
            return True
        case Not():
            return False
        case And(children) | Or(children):
            return any(has_positive(c) for c in children)
        case Near(left, right):
            return has_positive(left) and has_positive(right)
        case Field(_, child):
            return has_positive(child)
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def spans_when_true(node: Node) -> bool:
    """Whether every way the node can be true comes with at least one matched word.

    False for NOT x, and for `a OR NOT b` (true, with nothing to show, whenever b is absent).
    """
    match node:
        case Term() | Phrase() | Prefix() | Near():
            return True
        case Not():
            return False
        case And(children):
            return any(spans_when_true(c) for c in children)
        case Or(children):
            return all(spans_when_true(c) for c in children)
        case Field(_, child):
            return spans_when_true(child)
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover
