"""One document, indexed once per field, ready for any number of rules.

Matching needs only the folded words and where each occurs, which are cheap to get
(`text.words`). Character offsets (for highlights) and the words as written (for `=exact`
terms) cost more and are built on first use, which for most documents and rules is never.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import KeysView
from dataclasses import dataclass

from .nodes import FIELDS, Exact, Leaf, Prefix, Term
from .text import fold, raw_words, spans, surface, words

__all__ = ["Document", "DocumentIndex", "FieldIndex"]


@dataclass(frozen=True)
class Document:
    """What rules see of an article."""

    title: str
    text: str
    source: str = ""
    url: str = ""
    lang: str = ""


class FieldIndex:
    """The words of one field and, for each folded word, its positions (word indexes)."""

    __slots__ = ("_keys", "_raw", "_spans", "_surfaces", "positions", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[str] = words(text)
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            at = positions.get(w)
            if at is None:
                positions[w] = [i]
            else:
                at.append(i)
        self.positions = positions
        self._keys: list[str] | None = None
        self._spans: list[tuple[int, int]] | None = None
        self._raw: list[str] | None = None
        self._surfaces: dict[str, list[int]] = {}

    @property
    def spans(self) -> list[tuple[int, int]]:
        """The character offsets in `text` of each word."""
        if self._spans is None:
            self._spans = spans(self.text)
        return self._spans

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

    def exact_positions(self, word: str) -> list[int]:
        """Positions of the words written exactly `word` (NFC), ascending."""
        found = self._surfaces.get(word)
        if found is None:
            near = self.positions.get(fold(word), [])
            if near and self._raw is None:
                self._raw = raw_words(self.text)
            raw = self._raw or []
            found = [p for p in near if surface(raw[p]) == word]
            self._surfaces[word] = found
        return found

    def leaf_positions(self, leaf: Leaf) -> list[int]:
        if isinstance(leaf, Term):
            return self.positions.get(leaf.word, [])
        if isinstance(leaf, Prefix):
            return self.prefix_positions(leaf.stem)
        return self.exact_positions(leaf.word)

    def _at(self, leaf: Leaf, p: int) -> bool:
        word = self.words[p]
        if isinstance(leaf, Term):
            return word == leaf.word
        if isinstance(leaf, Prefix):
            return word.startswith(leaf.stem)
        return p in self.exact_positions(leaf.word) if isinstance(leaf, Exact) else False

    def phrase_starts(self, slots: tuple[Leaf, ...]) -> list[int]:
        """Positions where the slots match consecutive words."""
        # Start from the slot with the fewest positions, then check the others around it.
        best = min(range(len(slots)), key=lambda k: _cost(self, slots[k]))
        n, size = len(self.words), len(slots)
        out: list[int] = []
        for q in self.leaf_positions(slots[best]):
            p = q - best
            if p < 0 or p + size > n:
                continue
            if all(k == best or self._at(slots[k], p + k) for k in range(size)):
                out.append(p)
        return out


def _cost(index: FieldIndex, leaf: Leaf) -> int:
    if isinstance(leaf, Term):
        return len(index.positions.get(leaf.word, ()))
    return len(index.words) + (1 if isinstance(leaf, Exact) else 0)  # prefixes and exact: costlier


class DocumentIndex:
    """Per-document state shared by every rule: each field is indexed at most once."""

    __slots__ = ("_fields", "_vocabularies", "document")

    def __init__(self, document: Document) -> None:
        self.document = document
        self._fields: dict[str, FieldIndex] = {}
        self._vocabularies: dict[tuple[str, ...], set[str] | KeysView[str]] = {}

    def vocabulary(self, fields: tuple[str, ...]) -> set[str] | KeysView[str]:
        """The distinct folded words of these fields together."""
        found = self._vocabularies.get(fields)
        if found is None:
            if len(fields) == 1:
                found = self.field(fields[0]).positions.keys()
            else:
                found = set()
                for name in fields:
                    found.update(self.field(name).positions)
            self._vocabularies[fields] = found
        return found

    def field(self, name: str) -> FieldIndex:
        index = self._fields.get(name)
        if index is None:
            if name not in FIELDS:
                raise KeyError(name)
            index = self._fields[name] = FieldIndex(getattr(self.document, name))
        return index
