"""The prefilter: from a document's words to the few rules that could match it.

Every rule gets *anchors*: words (or prefixes) such that a document the rule matches contains at
least one of them, in the right fields. A term anchors itself; a phrase and a NEAR anchor on
their cheapest part; an OR needs anchors from every branch; an AND (which holds only if all its
parts do) anchors on its cheapest part; a NOT has none. "Cheap" means likely to be absent from
a document, judged by the word's frequency in English or Russian (wordfreq): "peskov" beats
"said", so `Peskov NEAR/12 said` is only looked at when "peskov" occurs.

Matching a document is then one dictionary lookup per distinct word per field group (a hash over
whole folded words does what Aho-Corasick does for our tokens), plus, for prefixes, one per
distinct stem length; the candidates are evaluated exactly. The prefilter never drops a rule
that matches (tests and `bench/match.py` check it against a plain loop over every rule).
"""

from __future__ import annotations

from array import array
from functools import cache

from wordfreq import get_frequency_dict

from .index import DocumentIndex
from .nodes import DEFAULT_FIELDS, And, Exact, Field, Leaf, Near, Node, Not, Or, Phrase, Prefix, Term
from .text import fold

__all__ = ["Anchor", "Clause", "Prefilter", "anchors", "clauses", "prefix_cost", "word_cost"]

Group = tuple[str, ...]  # the fields a word is looked for in
Anchor = tuple[Group, bool, str]  # (fields, is a prefix, folded word or stem)

ARTICLE_WORDS = 600  # a typical article's length in words, to turn word frequencies into chances
_UNKNOWN = 1e-5  # a word missing from the frequency lists: a name, a rare term
_GUARD_COST = 0.5  # a clause likelier than this to be present is not worth checking
_URL_WORDS = frozenset(("http", "https", "www", "com", "org", "net", "int", "gov", "edu", "co", "uk"))


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
    if isinstance(leaf, Prefix):
        cost = prefix_cost(leaf.stem)
        anchor: Anchor = (group, True, leaf.stem)
    else:
        word = leaf.word if isinstance(leaf, Term) else fold(leaf.word)
        cost, anchor = word_cost(word), (group, False, word)
    if group == ("lang",):
        cost = 1.0  # one word, present in every document that has a language
    elif group in (("url",), ("source",)):
        cost = 1.0 if anchor[2] in _URL_WORDS else min(1.0, 2 * cost)
    return cost, anchor


Clause = tuple[float, list[Anchor]]  # at least one of these anchors is in any matching document
Guard = tuple[Group, frozenset[str]]  # at least one of these words must be there too
_NO_GUARD: Guard = ((), frozenset())  # an anchor that can fire alone in some branch


_Clause = tuple[float, list[Anchor], dict[Anchor, Guard]]  # and, per anchor, what comes with it


def clauses(node: Node, fields: Group = DEFAULT_FIELDS) -> list[Clause]:
    """What any document matching `node` must contain: every clause, at least one anchor each."""
    return [(cost, found) for cost, found, _ in _clauses(node, fields)]


def _clauses(node: Node, fields: Group) -> list[_Clause]:
    """`clauses`, where an OR's clause also notes what each anchor's branch needs besides it:
    in `Peskov OR (Kremlin AND spokesman)`, "kremlin" counts only along with "spokesman"."""
    match node:
        case Term() | Prefix() | Exact():
            cost, anchor = _leaf_anchor(node, fields)
            return [(cost, [anchor], {})]
        case Phrase(slots):
            return [(cost, [anchor], {}) for cost, anchor in (_leaf_anchor(s, fields) for s in slots)]
        case And(children):
            return [c for child in children for c in _clauses(child, fields)]
        case Near(left, right):
            return _clauses(left, fields) + _clauses(right, fields)
        case Or(children):
            total, found, guards = 0.0, [], dict[Anchor, Guard]()
            for child in children:
                options = sorted(_clauses(child, fields), key=lambda c: c[0])
                if not options:
                    return []
                cost, some, inner = options[0]
                total += cost
                found.extend(some)
                guard = _guard([(c, f) for c, f, _ in options[1:]], some) or _NO_GUARD
                for anchor in some:
                    mine = inner.get(anchor, guard)
                    if guards.setdefault(anchor, mine) != mine:
                        guards[anchor] = _NO_GUARD  # two branches disagree: no guard
            return [(min(total, 1.0), found, guards)]
        case Field(name, child):
            return _clauses(child, (name,))
        case Not():
            return []
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def _guard(rest: list[Clause], filed: list[Anchor]) -> Guard | None:
    """The first informative clause of plain words in one field group, as a guard, if any."""
    for cost, found in rest:
        if cost >= _GUARD_COST:
            return None
        groups = {g for g, _, _ in found}
        if len(groups) == 1 and not any(p for _, p, _ in found) and found != filed:
            return groups.pop(), frozenset(k for _, _, k in found)
    return None


def anchors(node: Node, fields: Group = DEFAULT_FIELDS) -> Clause | None:
    """The cheapest clause of `node`: the anchors it is filed under, or None (only NOT)."""
    options = clauses(node, fields)
    return min(options, key=lambda c: c[0]) if options else None


class _Table:
    """Anchors of one field group: word -> rule numbers, stem -> rule numbers."""

    __slots__ = ("cache", "guards", "lengths", "prefixes", "words")

    def __init__(self) -> None:
        self.words: dict[str, array[int]] = {}
        self.guards: dict[str, dict[int, Guard]] = {}  # word -> rule -> what must come with it
        self.prefixes: dict[str, array[int]] = {}
        self.lengths: list[int] = []
        self.cache: dict[str, tuple[array[int], ...]] = {}  # doc word -> the stems it extends

    def add(self, is_prefix: bool, key: str, rule: int) -> None:
        table = self.prefixes if is_prefix else self.words
        rules = table.get(key)
        if rules is None:
            table[key] = array("I", (rule,))
            if is_prefix:
                self.cache.clear()  # the words seen so far may extend this new stem
                if len(key) not in self.lengths:
                    self.lengths = sorted({*self.lengths, len(key)})
        elif rules[-1] != rule:
            rules.append(rule)

    def stems_of(self, word: str) -> tuple[array[int], ...]:
        found = self.cache.get(word)
        if found is None:
            found = tuple(
                rules
                for size in self.lengths
                if size <= len(word) and (rules := self.prefixes.get(word[:size])) is not None
            )
            if len(self.cache) >= 1 << 18:
                self.cache.clear()
            self.cache[word] = found
        return found


class Prefilter:
    """Rule numbers by anchor; `candidates(index)` gives the rules worth evaluating, in order.

    A rule is filed under its cheapest clause. Its next cheapest clause of plain words, if any
    is informative, is kept as a *guard*: a candidate whose guard words are all absent is
    dropped without evaluating it (`a AND b` needs b as well as a).
    """

    def __init__(self) -> None:
        self._tables: dict[Group, _Table] = {}
        self._always: list[int] = []  # rules without anchors (a valid rule always has some)
        self._guards: dict[int, tuple[Group, frozenset[str]]] = {}

    def add(self, rule: int, node: Node) -> None:
        options = sorted(_clauses(node, DEFAULT_FIELDS), key=lambda c: c[0])
        if not options:
            self._always.append(rule)
            return
        _, filed, branch_guards = options[0]
        for anchor in filed:
            group, is_prefix, key = anchor
            table = self._tables.get(group)
            if table is None:
                table = self._tables[group] = _Table()
            table.add(is_prefix, key, rule)
            branch = branch_guards.get(anchor, _NO_GUARD)
            if branch != _NO_GUARD and not is_prefix:
                table.guards.setdefault(key, {})[rule] = branch
        guard = _guard([(c, f) for c, f, _ in options[1:]], filed)
        if guard is not None:
            self._guards[rule] = guard

    def candidates(self, index: DocumentIndex) -> list[int]:
        found: set[int] = set(self._always)
        for group, table in self._tables.items():
            words = index.vocabulary(group)
            by_word, guarded = table.words, table.guards
            for word in by_word.keys() & words:  # iterates over the smaller side
                some = guarded.get(word)
                if some is None:
                    found.update(by_word[word])
                    continue
                for rule in by_word[word]:  # some of these count only with another word
                    guard = some.get(rule)
                    if guard is None or not index.vocabulary(guard[0]).isdisjoint(guard[1]):
                        found.add(rule)
            if table.lengths:
                for word in words:
                    for rules in table.stems_of(word):
                        found.update(rules)
        guards = self._guards
        out = []
        for rule in sorted(found):
            guard = guards.get(rule)
            if guard is None or not index.vocabulary(guard[0]).isdisjoint(guard[1]):
                out.append(rule)
        return out

    def sizes(self) -> dict[str, int]:
        """How many words, stems, rule entries and guards the prefilter holds."""
        tables = self._tables.values()
        return {
            "words": sum(len(t.words) for t in tables),
            "stems": sum(len(t.prefixes) for t in tables),
            "entries": sum(len(r) for t in tables for d in (t.words, t.prefixes) for r in d.values()),
            "guards": len(self._guards) + sum(len(g) for t in tables for g in t.guards.values()),
        }
