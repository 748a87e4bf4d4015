"""One document, indexed once per field, ready for any number of rules.

Matching needs only the folded words and where each occurs, which are cheap to get
(`text.words`). Character offsets (for highlights) and the words as written (for `=exact`
terms) cost more and are built on first use, which for most documents and rules is never.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import assert_never

from ..stages import StageClock, timed
from ..statements import Statement, sentences, statements
from .nodes import FIELDS, STATEMENT_FIELDS, Exact, Leaf, Prefix, Term
from .text import WordLocator, blank_possessives, fold, in_word, prepared_words, raw_words, spans, surface

__all__ = ["Document", "DocumentIndex", "FieldIndex", "Spoken"]


@dataclass(frozen=True)
class Document:
    """What rules see of an article."""

    title: str
    text: str
    source: str = ""
    url: str = ""
    lang: str = ""
    category: str = ""  # the feed's category (an OPML folder): "News / World"
    kind: str = ""  # the feed's kind of source (pipeline.sources): rss, sitemap, page, telegram
    # A statement's own fields (see `DocumentIndex.statements`): never an article's.
    speaker: str = ""
    quote: str = ""


@dataclass(frozen=True, slots=True)
class Spoken:
    """One statement of a document: the field it is in, the statement, and its own index."""

    field: str
    statement: Statement
    index: DocumentIndex


class FieldIndex:
    """The words of one field and, for each folded word, its positions (word indexes)."""

    __slots__ = (
        "_ascii",
        "_blanked",
        "_keys",
        "_locator",
        "_positions",
        "_raw",
        "_sentences",
        "_surfaces",
        "snippets",
        "text",
        "vocabulary",
        "words",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._blanked = blank_possessives(text)
        self.words, self._ascii = prepared_words(self._blanked)
        self.vocabulary: frozenset[str] = frozenset(self.words)
        self._positions: dict[str, list[int]] | None = None
        self._keys: list[str] | None = None
        self._locator: WordLocator | None = None
        self._raw: list[str] | None = None
        self._sentences: list[int] | None = None
        self._surfaces: dict[str, list[int]] = {}
        # Snippet windows made for this field, by word range (pipeline.rules.highlight).
        self.snippets: dict[tuple[int, int], object] = {}

    @property
    def sentence_starts(self) -> list[int]:
        """The word index where each sentence starts (pipeline.statements.sentences), for
        NEAR/S; found on first use."""
        if self._sentences is None:
            starts = [a for a, _ in spans(self.text)]
            found = sorted({bisect_left(starts, s0) for s0, _ in sentences(self.text)} | {0})
            self._sentences = [k for k in found if k < len(self.words)] or [0]
        return self._sentences

    def sentence_of(self, position: int) -> tuple[int, int]:
        """The word range [first, end) of the sentence the word at `position` is in."""
        starts = self.sentence_starts
        k = bisect_right(starts, position) - 1
        return starts[k], starts[k + 1] if k + 1 < len(starts) else len(self.words)

    @property
    def positions(self) -> dict[str, list[int]]:
        """For each folded word, where it occurs (word indexes, ascending); built on first use."""
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for i, w in enumerate(self.words):
                at = positions.get(w)
                if at is None:
                    positions[w] = [i]
                else:
                    at.append(i)
            self._positions = positions
        return self._positions

    def offsets(self, positions: Iterable[int]) -> dict[int, tuple[int, int]]:
        """The character offsets in `text` of the words at these positions."""
        if self._locator is None:
            self._locator = WordLocator(self.text, self._blanked, self._ascii)
        return self._locator.spans(positions)

    def occurrences(self, wanted: Collection[str]) -> Iterator[int]:
        """Where any of the `wanted` words is, ascending, found as they are read: an explanation
        reads only as far as the hits it keeps. From the position table when it is built, else
        by one scan of the words in C (bench/README.md, "Rules")."""
        if self._positions is not None:
            table = self._positions
            return heapq.merge(*(table[w] for w in wanted if w in table))
        return itertools.compress(itertools.count(), map(wanted.__contains__, self.words))

    def prefix_words(self, stem: str) -> list[str]:
        """The distinct words starting with `stem`, in order."""
        if self._keys is None:
            self._keys = sorted(self.vocabulary)
        keys = self._keys
        i = j = bisect_left(keys, stem)
        while j < len(keys) and keys[j].startswith(stem):
            j += 1
        return keys[i:j]

    def prefix_positions(self, stem: str) -> list[int]:
        """Positions of every word starting with `stem`, ascending."""
        positions = self.positions
        out = [p for word in self.prefix_words(stem) for p in positions[word]]
        out.sort()
        return out

    def has_prefix(self, stem: str) -> bool:
        if self._keys is None:
            self._keys = sorted(self.vocabulary)
        i = bisect_left(self._keys, stem)
        return i < len(self._keys) and self._keys[i].startswith(stem)

    def has_exact(self, word: str) -> bool:
        if fold(word) not in self.vocabulary:
            return False
        if word.isascii() and self._ascii:
            # No normalisation to mind and, with every word ASCII, no combining mark that could
            # join or start a word: a whole-word match in the possessive-blanked text is a token.
            return _find_word(self._blanked, word)
        return bool(self.exact_positions(word))

    def exact_occurrences(self, word: str) -> Iterator[int]:
        """`exact_positions`, ascending, as they are found (see `occurrences`)."""
        if word in self._surfaces:
            return iter(self._surfaces[word])
        folded = fold(word)
        if folded not in self.vocabulary:
            return iter(())
        if self._raw is None:
            self._raw = raw_words(self.text)
        raw = self._raw
        return (p for p in self.occurrences((folded,)) if surface(raw[p]) == word)

    def exact_positions(self, word: str) -> list[int]:
        """Positions of the words written exactly `word` (NFC), ascending."""
        found = self._surfaces.get(word)
        if found is None:
            near = self.positions.get(fold(word), []) if fold(word) in self.vocabulary else []
            if near and self._raw is None:
                self._raw = raw_words(self.text)
            raw = self._raw or []
            found = [p for p in near if surface(raw[p]) == word]
            self._surfaces[word] = found
        return found

    # These run for every candidate position of a phrase: dispatch on the exact type, not
    # `match` (bench/README.md, "Rules"); the node classes are final, so mypy checks the chain.
    def leaf_positions(self, leaf: Leaf) -> list[int]:
        if type(leaf) is Term:
            return self.positions.get(leaf.word, [])
        if type(leaf) is Prefix:
            return self.prefix_positions(leaf.stem)
        if type(leaf) is Exact:
            return self.exact_positions(leaf.word)
        assert_never(leaf)

    def leaf_at(self, leaf: Leaf, p: int) -> bool:
        """Whether the word at `p` is one `leaf` matches."""
        if type(leaf) is Term:
            return self.words[p] == leaf.word
        if type(leaf) is Prefix:
            return self.words[p].startswith(leaf.stem)
        if type(leaf) is Exact:
            return p in self.exact_positions(leaf.word)
        assert_never(leaf)

    def phrase_starts(self, slots: tuple[Leaf, ...], first: bool = False) -> list[int]:
        """Positions where the slots match consecutive words (`first`: stop at the first)."""
        found = self.iter_phrase_starts(slots)
        return list(itertools.islice(found, 1) if first else found)

    def iter_phrase_starts(self, slots: tuple[Leaf, ...]) -> Iterator[int]:
        """`phrase_starts`, ascending, as they are found."""
        # Start from the slot with the fewest positions, then check the others around it.
        best = min(range(len(slots)), key=lambda k: _cost(self, slots[k]))
        n, size = len(self.words), len(slots)
        for q in self.leaf_positions(slots[best]):
            p = q - best
            if p < 0 or p + size > n:
                continue
            if all(k == best or self.leaf_at(slots[k], p + k) for k in range(size)):
                yield p


def _find_word(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` as a whole word: the same boundaries as `text.tokenize`
    when `text` has its possessives blanked and all its words are ASCII."""
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        if not (at and in_word(text[at - 1])) and not (end < len(text) and in_word(text[end])):
            return True
        at = text.find(word, at + 1)
    return False


def _cost(index: FieldIndex, leaf: Leaf) -> int:
    if type(leaf) is Term:
        return len(index.positions.get(leaf.word, ()))
    if type(leaf) is Prefix:  # prefixes and exact words cost more to look up
        return len(index.words)
    if type(leaf) is Exact:
        return len(index.words) + 1
    assert_never(leaf)


class DocumentIndex:
    """Per-document state shared by every rule: each field is indexed at most once."""

    __slots__ = ("_clock", "_fields", "_statements", "_vocabularies", "document")

    def __init__(self, document: Document, clock: StageClock | None = None) -> None:
        self.document = document
        self._clock = clock  # the statements' CPU is counted apart from the rules' (pipeline.stages)
        self._fields: dict[str, FieldIndex] = {}
        self._vocabularies: dict[tuple[str, ...], frozenset[str]] = {}
        self._statements: list[Spoken] | None = None

    def statements(self) -> list[Spoken]:
        """The statements of the title and the text (pipeline.statements), each with an index of
        its own two fields: `speaker` (its identity) and `quote` (what was said). Found on first
        use: only rules with `said_by:` or `quote:` ask."""
        if self._statements is None:
            found = []
            with timed(self._clock, "statements"):
                for field in ("title", "text"):
                    for st in statements(getattr(self.document, field)):
                        said = Document(title="", text="", speaker=st.identity, quote=st.content)
                        found.append(Spoken(field, st, DocumentIndex(said)))
            self._statements = found
        return self._statements

    def vocabulary(self, fields: tuple[str, ...]) -> frozenset[str]:
        """The distinct folded words of these fields together."""
        found = self._vocabularies.get(fields)
        if found is None:
            if len(fields) == 1:
                found = self.field(fields[0]).vocabulary
            else:
                found = frozenset().union(*(self.field(name).vocabulary for name in fields))
            self._vocabularies[fields] = found
        return found

    def field(self, name: str) -> FieldIndex:
        index = self._fields.get(name)
        if index is None:
            if name not in FIELDS and name not in STATEMENT_FIELDS:
                raise KeyError(name)
            index = self._fields[name] = FieldIndex(getattr(self.document, name))
        return index
