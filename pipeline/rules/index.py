"""One document, tokenized once per field, ready for any number of compiled rules."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

from .nodes import FIELDS
from .text import Token, tokenize

__all__ = ["Document", "DocumentIndex", "FieldIndex", "Span"]


@dataclass(frozen=True)
class Document:
    """What rules see of an article."""

    title: str
    text: str
    source: str = ""
    url: str = ""
    lang: str = ""


class Span(NamedTuple):
    """Matched words [start, end) (word indexes) in one field."""

    field: str
    start: int
    end: int


class FieldIndex:
    """The tokens of one field and, for each folded word, where it occurs."""

    __slots__ = ("_keys", "positions", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.positions: dict[str, list[int]] = {}
        for tok in self.tokens:
            self.positions.setdefault(tok.folded, []).append(tok.index)
        self._keys: list[str] | None = None

    def prefix_positions(self, stem: str) -> list[int]:
        """Positions of every word starting with `stem`, ascending."""
        if self._keys is None:
            self._keys = sorted(self.positions)
        keys = self._keys
        out: list[int] = []
        i = bisect_left(keys, stem)
        while i < len(keys) and keys[i].startswith(stem):
            out.extend(self.positions[keys[i]])
            i += 1
        out.sort()
        return out

    def phrase_starts(self, words: tuple[str, ...]) -> list[int]:
        """Positions where the words occur consecutively."""
        first = self.positions.get(words[0])
        if not first:
            return []
        tokens, n, size = self.tokens, len(self.tokens), len(words)
        return [
            p
            for p in first
            if p + size <= n and all(tokens[p + k].folded == words[k] for k in range(1, size))
        ]


class DocumentIndex:
    """Per-document state shared by every rule: each field is tokenized at most once."""

    __slots__ = ("_fields", "document")

    def __init__(self, document: Document) -> None:
        self.document = document
        self._fields: dict[str, FieldIndex] = {}

    def field(self, name: str) -> FieldIndex:
        index = self._fields.get(name)
        if index is None:
            if name not in FIELDS:
                raise KeyError(name)
            index = self._fields[name] = FieldIndex(getattr(self.document, name))
        return index
