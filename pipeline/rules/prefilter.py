"""The prefilter: from a document's words to the few rules that could match it.

Every rule gets *anchors*: words (or prefixes) such that a document the rule matches contains at
least one of them, in the right fields. A term anchors itself; a phrase and a NEAR anchor on
their cheapest part; an OR needs anchors from every branch; an AND (which holds only if all its
parts do) anchors on its cheapest part; a NOT has none. "Cheap" means likely to be absent from
a document, judged by the word's frequency in English or Russian (wordfreq): "peskov" beats
"said", so `Peskov NEAR/12 said` is only looked at when "peskov" occurs.

A rule with a *guard* (a second clause: `a AND b` needs b too) is filed under its anchor and,
below it, under each guard word, so guards cost set intersections, not a loop over rules.

Matching a document is then one dictionary lookup per distinct word per field group (a hash over
whole folded words does what Aho-Corasick does for our tokens), plus, for prefixes, one per
distinct stem length for each word no earlier document had; the candidates are evaluated
exactly. The prefilter never drops a rule that matches (tests and `bench/match.py` check it
against a plain loop over every rule).
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import NamedTuple, assert_never

from wordfreq import get_frequency_dict

from .index import DocumentIndex
from .nodes import DEFAULT_FIELDS, And, Exact, Field, Leaf, Near, Node, Not, Or, Phrase, Prefix, Said, Term
from .text import fold

__all__ = [
    "NO_GUARD",
    "PREFILTER_SECTIONS",
    "Anchor",
    "Clause",
    "FrozenPrefilter",
    "Guard",
    "Prefilter",
    "anchors",
    "clauses",
    "prefix_cost",
    "word_cost",
]

Group = tuple[str, ...]  # the fields a word is looked for in


class Anchor(NamedTuple):
    """A word (or a prefix's stem, folded) looked for in some fields."""

    fields: Group
    is_prefix: bool
    key: str


class Clause(NamedTuple):
    """What any document matching a rule holds: at least one of these anchors. `cost`: the
    chance that a document has one anyway (the lower, the better to file the rule under)."""

    cost: float
    anchors: list[Anchor]


@dataclass(frozen=True, slots=True)
class Guard:
    """What a document must hold besides the anchor a rule is filed under: one of `words`, or a
    word starting with one of `stems`, in `fields`. `NO_GUARD` is the one value for "nothing
    more": the anchor can fire alone."""

    fields: Group
    words: frozenset[str]
    stems: frozenset[str] = frozenset()


NO_GUARD = Guard((), frozenset())


class _BranchClause(NamedTuple):
    """A clause and, per anchor, what its branch of an OR needs besides it (else NO_GUARD)."""

    cost: float
    anchors: list[Anchor]
    guards: Mapping[Anchor, Guard]


_NO_BRANCH_GUARDS: Mapping[Anchor, Guard] = MappingProxyType({})  # every leaf's clause: no OR above
_new = tuple.__new__  # a record without NamedTuple's __new__: see bench/README.md, "Rules"

ARTICLE_WORDS = 600  # a typical article's length in words, to turn word frequencies into chances
_UNKNOWN = 1e-5  # a word missing from the frequency lists: a name, a rare term
_GUARD_COST = 0.5  # a clause likelier than this to be present is not worth checking
_URL_WORDS = frozenset(("http", "https", "www", "com", "org", "net", "int", "gov", "edu", "co", "uk"))


@lru_cache(maxsize=1 << 18)
def word_cost(word: str) -> float:
    """A rough chance that an article contains `word` (folded): the anchor with the lowest wins.

    From wordfreq's frequency of the word in English (Russian for Cyrillic words), over an
    article of ARTICLE_WORDS words: "said" ~0.6, "advantage" ~0.04, "kremlin" ~0.002, a name
    wordfreq does not know ~0.00001. Only the choice of anchors depends on it, never a result.
    """
    cyrillic = not word.isascii() and any("\u0400" <= c <= "\u04ff" for c in word)
    frequency = _frequencies("ru" if cyrillic else "en").get(word, 0.0)
    return min(1.0, max(frequency * ARTICLE_WORDS, _UNKNOWN))


@cache
def _frequencies(lang: str) -> dict[str, float]:
    """wordfreq's small list for `lang` (about 30,000 English or 60,000 Russian words)."""
    return get_frequency_dict(lang, wordlist="small")


def prefix_cost(stem: str) -> float:
    """A rough chance that an article has a word starting with `stem`: short stems are common."""
    if len(stem) <= 2:
        return 1.0
    return min(1.0, max(10 * word_cost(stem), 0.1 / len(stem)))


def _leaf_anchor(leaf: Leaf, group: Group) -> tuple[float, Anchor]:
    if type(leaf) is Term:
        key, is_prefix = leaf.word, False
        cost = word_cost(key)
    elif type(leaf) is Prefix:
        key, is_prefix = leaf.stem, True
        cost = prefix_cost(key)
    elif type(leaf) is Exact:
        key, is_prefix = fold(leaf.word), False
        cost = word_cost(key)
    else:
        assert_never(leaf)
    if len(group) == 1:
        if group[0] == "lang":
            cost = 1.0  # one word, present in every document that has a language
        elif group[0] in ("url", "source"):
            cost = 1.0 if key in _URL_WORDS else min(1.0, 2 * cost)
    return cost, _new(Anchor, (group, is_prefix, key))


def clauses(node: Node, fields: Group = DEFAULT_FIELDS) -> list[Clause]:
    """What any document matching `node` must contain: every clause, at least one anchor each."""
    return [Clause(c.cost, c.anchors) for c in _clauses(node, fields)]


def _clauses(node: Node, fields: Group) -> list[_BranchClause]:
    """`clauses`, where an OR's clause also notes what each anchor's branch needs besides it:
    in `Peskov OR (Kremlin AND spokesman)`, "kremlin" counts only along with "spokesman"."""
    # Dispatch on the exact type, not `match`: see bench/README.md, "Rules".
    if type(node) is Term or type(node) is Prefix or type(node) is Exact:
        cost, anchor = _leaf_anchor(node, fields)
        return [_new(_BranchClause, (cost, [anchor], _NO_BRANCH_GUARDS))]
    if type(node) is And:
        return [c for child in node.children for c in _clauses(child, fields)]
    if type(node) is Or:
        return _or_clauses(node, fields)
    if type(node) is Near:
        return _clauses(node.left, fields) + _clauses(node.right, fields)
    if type(node) is Phrase:
        return [
            _new(_BranchClause, (cost, [anchor], _NO_BRANCH_GUARDS))
            for cost, anchor in (_leaf_anchor(s, fields) for s in node.slots)
        ]
    if type(node) is Field:
        return _clauses(node.child, (node.name,))
    if type(node) is Not:
        return []
    if type(node) is Said:  # a statement's speaker and content are words of the title or text
        parts = (node.speaker, node.quote)
        return [c for part in parts if part is not None for c in _clauses(part, DEFAULT_FIELDS)]
    assert_never(node)


def _or_clauses(node: Or, fields: Group) -> list[_BranchClause]:
    """One clause: the cheapest clause of every branch; each anchor with its branch's guard."""
    total, found, guards = 0.0, list[Anchor](), dict[Anchor, Guard]()
    for child in node.children:
        options = _clauses(child, fields)
        if not options:
            return []
        if len(options) > 1:
            options.sort(key=_first)
        cost, some, inner = options[0]
        total += cost
        found.extend(some)
        guard = _guard(options[1:], some) if len(options) > 1 else NO_GUARD
        for anchor in some:
            mine = inner.get(anchor, guard)
            if guards.setdefault(anchor, mine) != mine:
                guards[anchor] = NO_GUARD  # two branches disagree: no guard
    return [_BranchClause(min(total, 1.0), found, guards)]


def _first(clause: _BranchClause) -> float:
    return clause.cost


def _guard(rest: Sequence[_BranchClause], filed: list[Anchor]) -> Guard:
    """The first informative clause of words and prefixes in one field group, as a guard, if
    any. (A prefix guards as well as a word: `Navaln* AND said` filed under "said" is looked at
    only when a word starting with "navaln" is there too.)"""
    for clause in rest:
        if clause.cost >= _GUARD_COST:
            return NO_GUARD
        found = clause.anchors
        groups = {a.fields for a in found}
        if len(groups) == 1 and found != filed:
            words = frozenset(a.key for a in found if not a.is_prefix)
            return Guard(groups.pop(), words, frozenset(a.key for a in found if a.is_prefix))
    return NO_GUARD


def anchors(node: Node, fields: Group = DEFAULT_FIELDS) -> Clause | None:
    """The cheapest clause of `node`: the anchors it is filed under, or None (only NOT)."""
    options = clauses(node, fields)
    return min(options, key=lambda c: c.cost) if options else None


# (guard fields, whether the keys are stems) -> guard word or stem -> rule numbers
_Guarded = dict[tuple[Group, bool], dict[str, "array[int]"]]


class _Table:
    """Anchors of one field group, as rules are filed. A rule filed with a guard sits under its
    anchor *and* each guard word, so checking guards is a set intersection too, not a loop over
    rules."""

    __slots__ = ("guarded_stems", "guarded_words", "prefixes", "words")

    def __init__(self) -> None:
        self.words: dict[str, array[int]] = {}  # word -> rules filed without a guard
        self.prefixes: dict[str, array[int]] = {}  # stem -> rules
        self.guarded_words: dict[str, _Guarded] = {}  # word -> rules filed with a guard
        self.guarded_stems: dict[str, _Guarded] = {}

    def add(self, is_prefix: bool, key: str, rule: int, guard: Guard) -> None:
        if guard is NO_GUARD:
            _file(self.prefixes if is_prefix else self.words, key, rule)
            return
        filed = (self.guarded_stems if is_prefix else self.guarded_words).setdefault(key, {})
        for stems, keys in ((False, guard.words), (True, guard.stems)):
            if keys:
                by_key = filed.setdefault((guard.fields, stems), {})
                for guard_key in keys:
                    _file(by_key, guard_key, rule)


def _file(table: dict[str, array[int]], key: str, rule: int) -> None:
    rules = table.get(key)
    if rules is None:
        table[key] = array("I", (rule,))
    elif rules[-1] != rule:
        rules.append(rule)


class Prefilter:
    """Rules filed by anchor, as a matcher builds; `sections()` is the frozen form a
    `FrozenPrefilter` reads (in memory, or from a compiled rules file: pipeline.rules.compiled).

    A rule is filed under its cheapest clause. Its next cheapest clause of plain words, if any
    is informative, is kept as a *guard*: the rule is a candidate only if a guard word is there
    too (`a AND b` needs b as well as a). An anchor from one branch of an OR is guarded by what
    that branch needs besides it instead; the rare rule with both kinds checks the rule's guard
    last.
    """

    def __init__(self) -> None:
        self._tables: dict[Group, _Table] = {}
        self._always: list[int] = []  # rules without anchors (a valid rule always has some)
        self._post: dict[int, Guard] = {}  # rule guards not used in filing, checked last
        self._frozen: FrozenPrefilter | None = None  # `candidates`' view, until the next `add`

    def add(self, rule: int, node: Node) -> None:
        self._frozen = None
        options = _clauses(node, DEFAULT_FIELDS)
        if len(options) > 1:
            options.sort(key=_first)
        if not options:
            self._always.append(rule)
            return
        _, filed, branch_guards = options[0]
        guard = _guard(options[1:], filed)
        for anchor in filed:
            table = self._tables.get(anchor.fields)
            if table is None:
                table = self._tables[anchor.fields] = _Table()
            branch = branch_guards.get(anchor, NO_GUARD)
            if branch is NO_GUARD:
                table.add(anchor.is_prefix, anchor.key, rule, guard)
            else:
                table.add(anchor.is_prefix, anchor.key, rule, branch)
                if guard is not NO_GUARD:
                    self._post[rule] = guard

    def candidates(self, index: DocumentIndex) -> list[int]:
        """The rules filed so far worth evaluating on the document, ascending (tests and tools:
        a matcher asks its `FrozenPrefilter`)."""
        if self._frozen is None:
            self._frozen = FrozenPrefilter(self.sections())
        return self._frozen.candidates(index)

    def sections(self) -> dict[str, bytes]:
        """The filings, frozen: every rule list laid end to end in one array ("postings",
        delimited by "starts"), each anchor with a guard as its own small record ("guards",
        delimited by "guard_starts"), and the anchors' keys with their entry numbers ("tables")."""
        postings, starts = array("I"), array("I", (0,))
        guards, guard_starts = bytearray(), array("Q", (0,))

        def entry(rules: array[int]) -> int:
            postings.extend(rules)
            starts.append(len(postings))
            return len(starts) - 2

        def guarded(filed: _Guarded) -> int:
            record = tuple((*on, {k: entry(rules) for k, rules in by.items()}) for on, by in filed.items())
            guards.extend(marshal.dumps(record))
            guard_starts.append(len(guards))
            return len(guard_starts) - 2

        tables = tuple(
            (
                group,
                {key: entry(rules) for key, rules in t.words.items()},
                {key: entry(rules) for key, rules in t.prefixes.items()},
                {key: guarded(filed) for key, filed in t.guarded_words.items()},
                {key: guarded(filed) for key, filed in t.guarded_stems.items()},
                tuple(sorted({len(key) for key in (*t.prefixes, *t.guarded_stems)})),
            )
            for group, t in self._tables.items()
        )
        post = {r: (g.fields, tuple(sorted(g.words)), tuple(sorted(g.stems))) for r, g in self._post.items()}
        return {
            "tables": marshal.dumps((tables, tuple(self._always), post)),
            "postings": postings.tobytes(),
            "starts": starts.tobytes(),
            "guards": bytes(guards),
            "guard_starts": guard_starts.tobytes(),
        }

    def sizes(self) -> dict[str, int]:
        """How many words, stems, rule entries and guard entries the prefilter holds."""
        tables = self._tables.values()
        filed = [g for t in tables for d in (t.guarded_words, t.guarded_stems) for g in d.values()]
        guarded = [by for g in filed for by in g.values()]
        return {
            "words": sum(len(t.words.keys() | t.guarded_words.keys()) for t in tables),
            "stems": sum(len(t.prefixes.keys() | t.guarded_stems.keys()) for t in tables),
            "entries": sum(len(r) for t in tables for d in (t.words, t.prefixes) for r in d.values())
            + sum(len(r) for by in guarded for r in by.values()),
            "guards": sum(len(by) for by in guarded) + len(self._post),
        }


PREFILTER_SECTIONS = ("tables", "postings", "starts", "guards", "guard_starts")

_Stemmed = tuple[tuple[int, ...], tuple[int, ...]]  # a word's stems' entries: unguarded, guarded


class _Anchors:
    """The anchors of one field group, frozen: each key's entry number (its rules in the
    postings) or, for an anchor with a guard, its guard record's number."""

    __slots__ = ("guarded_stems", "guarded_words", "lengths", "looked_up", "prefixes", "stemmed", "words")

    def __init__(
        self,
        words: dict[str, int],
        prefixes: dict[str, int],
        guarded_words: dict[str, int],
        guarded_stems: dict[str, int],
        lengths: tuple[int, ...],
    ) -> None:
        self.words, self.prefixes = words, prefixes
        self.guarded_words, self.guarded_stems = guarded_words, guarded_stems
        self.lengths = lengths  # the lengths of the stems, ascending
        # Words seen in documents so far: all of them, and those that extend a stem (with the
        # stems' entries), so that a document's words are looked up by set operations.
        self.looked_up: set[str] = set()
        self.stemmed: dict[str, _Stemmed] = {}

    def stemmed_words(self, words: frozenset[str]) -> list[_Stemmed]:
        """For each of `words` that extends a stem, the entries filed under its stems:
        unguarded, then guarded."""
        new = words - self.looked_up
        if new:
            if len(self.looked_up) + len(new) > _LOOKED_UP_MAX:
                self.looked_up.clear()
                self.stemmed.clear()
                new = words
            prefixes, guarded_stems = self.prefixes, self.guarded_stems
            for word in new:
                sizes = [size for size in self.lengths if size <= len(word)]
                plain = tuple(e for size in sizes if (e := prefixes.get(word[:size])) is not None)
                guarded = tuple(g for size in sizes if (g := guarded_stems.get(word[:size])) is not None)
                if plain or guarded:
                    self.stemmed[word] = (plain, guarded)
            self.looked_up |= new
        stemmed = self.stemmed
        return [stemmed[word] for word in stemmed.keys() & words]


_LOOKED_UP_MAX = 1 << 18  # words remembered per table (then forgotten, all at once)
# Guard records kept read (then forgotten, all at once): memory bounded whatever the stream.
_KEPT_MAX = 1 << 18


_GuardRecord = tuple[tuple[Group, bool, dict[str, int]], ...]  # (fields, stems?, key -> entry), ...


class FrozenPrefilter:
    """`candidates(index)`: the rules worth evaluating on a document, in order, read from a
    `Prefilter`'s sections (bytes, or views of a memory-mapped file: the rule lists are never
    copied, only the anchors' keys are made into dictionaries)."""

    def __init__(self, sections: Mapping[str, bytes | memoryview]) -> None:
        tables, always, post = marshal.loads(sections["tables"])
        self._tables = {group: _Anchors(*rest) for group, *rest in tables}
        self._always: tuple[int, ...] = always
        self._post: dict[int, tuple[Group, tuple[str, ...], tuple[str, ...]]] = post
        self._postings = memoryview(sections["postings"]).cast("B").cast("I")
        self._starts = memoryview(sections["starts"]).cast("B").cast("I")
        self._guards = memoryview(sections["guards"]).cast("B")
        self._guard_starts = memoryview(sections["guard_starts"]).cast("B").cast("Q")
        # The guard records read so far: the anchors that were found once tend to be found again.
        self._guard_records: dict[int, _GuardRecord] = {}

    def candidates(self, index: DocumentIndex) -> list[int]:
        found: set[int] = set(self._always)
        vocabulary = index.vocabulary
        postings, starts = self._postings, self._starts
        for group, table in self._tables.items():
            words = vocabulary(group)
            plain = table.words
            for word in plain.keys() & words:  # iterates over the document's words
                e = plain[word]
                found.update(postings[starts[e] : starts[e + 1]])
            guarded = table.guarded_words
            for word in guarded.keys() & words:
                self._add_guarded(found, guarded[word], index)
            if table.lengths:
                for stems, guarded_stems in table.stemmed_words(words):
                    for e in stems:
                        found.update(postings[starts[e] : starts[e + 1]])
                    for g in guarded_stems:
                        self._add_guarded(found, g, index)
        post = self._post
        if post:
            for rule in [r for r in found if r in post]:
                fields, guard_words, guard_stems = post[rule]
                if vocabulary(fields).isdisjoint(guard_words) and not _any_prefix(index, fields, guard_stems):
                    found.discard(rule)
        return sorted(found)

    def _add_guarded(self, found: set[int], g: int, index: DocumentIndex) -> None:
        postings, starts = self._postings, self._starts
        records = self._guard_records
        record = records.get(g)
        if record is None:
            if len(records) >= _KEPT_MAX:
                records.clear()
            at = self._guard_starts
            record = records[g] = marshal.loads(self._guards[at[g] : at[g + 1]])
        for group, stems, by_key in record:
            if stems:
                for stem, e in by_key.items():
                    if _any_prefix(index, group, (stem,)):
                        found.update(postings[starts[e] : starts[e + 1]])
                continue
            for word in index.vocabulary(group).intersection(by_key):  # iterates over by_key, the smaller
                e = by_key[word]
                found.update(postings[starts[e] : starts[e + 1]])


def _any_prefix(index: DocumentIndex, fields: Group, stems: Iterable[str]) -> bool:
    """Whether a word of `fields` starts with one of `stems`."""
    return any(index.field(f).has_prefix(stem) for stem in stems for f in fields)
