"""Why a rule matched a document, or why not: for a statement rule (`said_by:`, `quote:`), the
statement that matched and whom its speaker was taken for; for a rule that did not match, the
nearest thing the document has. Value objects only: `wirewatch rules test --explain` and
`--why-not RULE` print them.

    why = RuleWhy(tree, table)           # the rule's parsed tree, the shared AliasTable (people)
    why.explain(doc).statements          # StatementMatch: the statement, Resolved (@id by name/role)
    why.why_not(doc).misses              # Excluded, NamesDidNotCount, ..., Nothing

Every decision is the real evaluators' (`holds`, `explain_hits`) on parts of the tree: the
speaker part of a `Said` against each statement's own index, its exclusions (the NOTs beside the
speaker's positive part: `said_by:(@peskov -daughter)`), a person's names and roles (the forms
`AliasTable.person` gives, the ones the parser put in the tree) and the person's context and
namesakes. Nothing here matches words on its own.

A query naming a person whose names count only in some articles is one reading per case, each
behind its condition (pipeline.rules.people); the guards are recognised by being the conditions
`parser.person_condition` makes from the same table, and only the reading the article picks
(the live one) is explained: the other could never have matched.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, assert_never

from ..statements import IDENTITY_SEPARATOR, Statement, sentences
from ..statements.model import without_relation
from .aliases import AliasTable
from .evaluate import Hit, TooCostly, explain_hits, holds
from .index import Document, DocumentIndex, Spoken
from .leaves import to_node
from .nodes import (
    DEFAULT_FIELDS,
    And,
    Exact,
    Field,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Said,
    Term,
    explain,
    walk,
)
from .parser import parse_condition, person_condition
from .people import quietly

__all__ = [
    "Absent",
    "Apart",
    "Excluded",
    "Explanation",
    "FoundStatement",
    "Mentioned",
    "Miss",
    "Names",
    "NamesDidNotCount",
    "NoneOf",
    "Nothing",
    "OtherSpeakers",
    "Present",
    "QuoteMissed",
    "Resolved",
    "RuleWhy",
    "StatementMatch",
    "WhyNot",
    "has_statements",
]

By = Literal["name", "role"]
# Where in a statement's identity (pipeline.statements.Statement.identity) a word was found: the
# mention itself, its apposition, or the named mention a pronoun or a role refers back to.
Part = Literal["speaker", "apposition", "refers_to"]

Fields = tuple[str, ...]
_SPEAKER: Fields = ("speaker",)
_QUOTE = ("quote",)


@dataclass(frozen=True, slots=True)
class FoundStatement:
    """A statement of the document: the field it is in and its sentence's number there (from 1)."""

    field: str
    sentence: int
    statement: Statement


@dataclass(frozen=True, slots=True)
class Resolved:
    """Whom a statement's speaker was taken for: a `people:` id, by one of its names or roles,
    the words of the identity that matched and where they are in it."""

    person: str
    by: By
    words: tuple[str, ...]
    part: Part


@dataclass(frozen=True, slots=True)
class Names:
    """Whether a person's names count in this article (people with a context or namesakes), and
    why: the context's hits (or that it does not hold) and the namesakes' hits."""

    person: str
    count: bool
    context: bool | None  # whether the context holds; None: the person has none
    context_words: tuple[str, ...]
    namesakes: tuple[str, ...]  # the namesakes query's hits: () when it does not hold


@dataclass(frozen=True, slots=True)
class StatementMatch:
    """A statement that holds a statement part of the rule, and why."""

    found: FoundStatement
    resolved: tuple[Resolved, ...]
    speaker_words: tuple[str, ...]  # what matched the rule's speaker part, as the identity has it
    quote_words: tuple[str, ...]  # what matched the rule's quote part, as the content has it


@dataclass(frozen=True, slots=True)
class Explanation:
    people: tuple[Names, ...]
    statements: tuple[StatementMatch, ...]


# --- why not: the nearest thing found, one record per kind --------------------------------------


@dataclass(frozen=True, slots=True)
class Excluded:
    """A statement whose speaker is the one asked for, but the rule's own exclusions name it too
    ("Peskov's daughter": `-daughter`)."""

    found: FoundStatement
    resolved: tuple[Resolved, ...]
    words: tuple[str, ...]  # the exclusions' hits in the speaker's identity
    kind: Literal["excluded"] = "excluded"


@dataclass(frozen=True, slots=True)
class NamesDidNotCount:
    """A statement whose speaker has a person's names, which do not count in this article: the
    namesakes matched, or the context does not hold (`names` says which)."""

    found: FoundStatement
    resolved: tuple[Resolved, ...]  # by name
    names: tuple[Names, ...]
    kind: Literal["names-did-not-count"] = "names-did-not-count"


@dataclass(frozen=True, slots=True)
class QuoteMissed:
    """A statement by the speaker asked for whose words do not match the quote part."""

    found: FoundStatement
    resolved: tuple[Resolved, ...]
    quote: str  # the quote part (nodes.explain)
    kind: Literal["quote-missed"] = "quote-missed"


@dataclass(frozen=True, slots=True)
class OtherSpeakers:
    """The article's statements, all by someone else."""

    statements: tuple[FoundStatement, ...]
    kind: Literal["other-speakers"] = "other-speakers"


@dataclass(frozen=True, slots=True)
class Mentioned:
    """The speaker asked for is named in the article, in no statement of theirs: a person by
    their names or roles (person None: a speaker part naming no one of `people:`)."""

    person: str | None
    by: By | None
    words: tuple[str, ...]
    kind: Literal["mentioned"] = "mentioned"


@dataclass(frozen=True, slots=True)
class Nothing:
    """No statement and no mention of the speaker asked for."""

    kind: Literal["nothing"] = "nothing"


@dataclass(frozen=True, slots=True)
class Absent:
    """A part the rule requires that the document lacks (nodes.explain), in these fields."""

    query: str
    fields: Fields
    kind: Literal["absent"] = "absent"


@dataclass(frozen=True, slots=True)
class Present:
    """A part the rule excludes (NOT) that the document has, with its hits."""

    query: str
    words: tuple[str, ...]
    kind: Literal["present"] = "present"


@dataclass(frozen=True, slots=True)
class Apart:
    """A NEAR whose sides are both there, never close enough."""

    query: str
    words: tuple[str, ...]
    kind: Literal["apart"] = "apart"


@dataclass(frozen=True, slots=True)
class NoneOf:
    """An OR none of whose alternatives holds: why not, for each."""

    options: tuple[tuple[Miss, ...], ...]
    kind: Literal["none-of"] = "none-of"


Miss = (
    Excluded | NamesDidNotCount | QuoteMissed | OtherSpeakers | Mentioned | Nothing | Absent | Present | Apart
    | NoneOf
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class WhyNot:
    people: tuple[Names, ...]
    misses: tuple[Miss, ...]  # the nearest first


# --- the work ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Person:
    """A person the rule names: their name forms and role forms as the parser put them in the
    tree, and, when their names count only in some articles, the queries that say where."""

    id: str
    names: Node
    roles: Node
    has_roles: bool
    forms: frozenset[Node]
    condition: Node | None
    context: Node | None
    namesakes: Node | None


def has_statements(tree: Node) -> bool:
    """Whether a rule has a statement part (`said_by:`, `quote:`): what `explain` is about."""
    return any(isinstance(n, Said) for n in walk(tree))


class RuleWhy:
    """One rule's explanations: built once from its tree and the shared alias table (the one with
    `people:`), then asked about any number of documents."""

    def __init__(self, tree: Node, table: AliasTable) -> None:
        self.tree = tree
        nodes = set(walk(tree))
        self._people: list[_Person] = []
        guards: set[Node] = set()
        for person_id in table.people:
            person = _person(person_id, table)
            if person is None or not person.forms <= nodes:
                continue  # not named by this rule: the reading where every name counts has them all
            self._people.append(person)
            if person.condition is not None:
                guards |= {quietly(person.condition), Not(person.condition)}
        self._guards = frozenset(guards)

    # --- matched ---

    def explain(self, doc: Document | DocumentIndex) -> Explanation:
        """The statements that hold the rule's statement parts (in the reading the article picks),
        each with whom its speaker was taken for."""
        index = doc if isinstance(doc, DocumentIndex) else DocumentIndex(doc)
        places = _Places(index)
        out: list[StatementMatch] = []
        seen: set[tuple[str, Statement]] = set()
        counts = {p.id: self._count(p, index) for p in self._people}
        for said in self._live_saids(self.tree, index):
            people = self._relevant(said)
            for spoken in index.statements():
                own = spoken.index
                if (said.speaker is not None and not _holds(said.speaker, own, _SPEAKER)) or (
                    said.quote is not None and not _holds(said.quote, own, _QUOTE)
                ):
                    continue
                if (spoken.field, spoken.statement) in seen:
                    continue
                seen.add((spoken.field, spoken.statement))
                resolved = self._resolved(people, spoken, lambda p: counts[p.id])
                speaker = _texts(_explain(said.speaker, own, _SPEAKER), own) if said.speaker else ()
                quote = _texts(_explain(said.quote, own, _QUOTE), own) if said.quote else ()
                out.append(StatementMatch(places.found(spoken), resolved, _words(speaker), _words(quote)))
        return Explanation(self._names(index), tuple(out))

    # --- not matched ---

    def why_not(self, doc: Document | DocumentIndex) -> WhyNot:
        """Why the rule does not hold for the document: the nearest things found, nearest first
        (no misses when it holds)."""
        index = doc if isinstance(doc, DocumentIndex) else DocumentIndex(doc)
        if _holds(self.tree, index, DEFAULT_FIELDS):
            return WhyNot(self._names(index), ())
        misses = self._misses(self.tree, index, DEFAULT_FIELDS, _Places(index))
        return WhyNot(self._names(index), tuple(misses))

    def _misses(self, node: Node, index: DocumentIndex, fields: Fields, places: _Places) -> list[Miss]:
        """Why `node` (false for the document) is false."""
        match node:
            case Term() | Prefix() | Exact() | Phrase():
                return [Absent(explain(node), fields)]
            case Or(children):
                live = [c for c in children if not self._dead(c, index)]
                # Its words and phrases are one option (none of them is there), each other part one.
                words = [c for c in live if isinstance(c, Term | Prefix | Exact | Phrase)]
                options: list[list[Miss]] = []
                if words:
                    options.append(
                        [Absent(explain(words[0] if len(words) == 1 else Or(tuple(words))), fields)]
                    )
                options += [self._misses(c, index, fields, places) for c in live if c not in words]
                if len(options) == 1:
                    return options[0]
                return [NoneOf(tuple(tuple(o) for o in options))]
            case And(children):
                out: list[Miss] = []
                for child in children:
                    if child not in self._guards and not _holds(child, index, fields):
                        out += self._misses(child, index, fields, places)
                return out
            case Not(child):
                return [Present(explain(child), _words(_texts(_explain(child, index, fields), index)))]
            case Field(name, child):
                return self._misses(child, index, (name,), places)
            case Near(left, right):
                sides = [(side, _holds(side, index, fields)) for side in (left, right)]
                if all(ok for _, ok in sides):
                    hits = [h for side, _ in sides for h in _explain(side, index, fields) or []]
                    return [Apart(explain(node), _words(_texts(hits, index)))]
                return [m for side, ok in sides if not ok for m in self._misses(side, index, fields, places)]
            case Said():
                return self._statement_misses(node, index, places)
            case _:
                assert_never(node)

    def _statement_misses(self, said: Said, index: DocumentIndex, places: _Places) -> list[Miss]:
        """Why no statement holds `said`: per statement, the speaker excluded, the names not
        counting, the quote not matching; else the statements by others, the mentions of whom
        the rule asked for, or nothing."""
        people = self._relevant(said)
        positive, exclusions = _split(said.speaker)
        counts = {p.id: self._count(p, index) for p in people}
        idle = [p for p in people if not counts[p.id]]
        near: list[Miss] = []
        others: list[FoundStatement] = []
        for spoken in index.statements():
            own = spoken.index
            if positive is None or _holds(positive, own, _SPEAKER):
                resolved = self._resolved(people, spoken, lambda p: counts[p.id])
                excluded = [h for x in exclusions for h in _explain(x, own, _SPEAKER) or []]
                if excluded:
                    near.append(Excluded(places.found(spoken), resolved, _words(_texts(excluded, own))))
                elif said.quote is not None and not _holds(said.quote, own, _QUOTE):
                    near.append(QuoteMissed(places.found(spoken), resolved, explain(said.quote)))
                continue
            by_name = self._resolved(idle, spoken, lambda p: True, roles=False)
            if by_name:
                names = tuple(self._state(p, index) for p in idle if any(r.person == p.id for r in by_name))
                near.append(NamesDidNotCount(places.found(spoken), by_name, names))
            else:
                others.append(places.found(spoken))
        out = [*near, OtherSpeakers(tuple(others))] if others else list(near)
        if not near:  # no statement came close: is whom the rule asks for named at all?
            out += self._mentions(people, positive, index)
        return out or [Nothing()]

    def _mentions(self, people: Sequence[_Person], positive: Node | None, index: DocumentIndex) -> list[Miss]:
        """Where the article names whom the rule asked for (outside a statement of theirs)."""
        if not people:
            if positive is None:
                return []
            words = _words(_texts(_explain(positive, index, DEFAULT_FIELDS), index))
            return [Mentioned(None, None, words)] if words else []
        out: list[Miss] = []
        for person in people:
            for by, node in _by(person):
                words = _words(_texts(_explain(node, index, DEFAULT_FIELDS), index))
                if words:
                    out.append(Mentioned(person.id, by, words))
        return out

    # --- shared ---

    def _dead(self, node: Node, index: DocumentIndex) -> bool:
        """A reading behind a guard that fails in this article (the other reading is the live one)."""
        return isinstance(node, And) and any(
            c in self._guards and not _holds(c, index, DEFAULT_FIELDS) for c in node.children
        )

    def _live_saids(self, node: Node, index: DocumentIndex) -> list[Said]:
        """The statement parts of the live reading, outside any NOT."""
        match node:
            case Said():
                return [node]
            case Or(children):
                return [s for c in children if not self._dead(c, index) for s in self._live_saids(c, index)]
            case And(children):
                return [s for c in children for s in self._live_saids(c, index)]
            case Field(_, child):
                return self._live_saids(child, index)
            case Not() | Term() | Prefix() | Exact() | Phrase() | Near():
                return []
            case _:
                assert_never(node)

    def _relevant(self, said: Said) -> list[_Person]:
        """The people a statement part's speaker names: some form of theirs is in it (in a reading
        where their names do not count, their roles are); one with names only is relevant to
        every statement part, since a roles-only reading keeps nothing of them."""
        if said.speaker is None:
            return []
        nodes = set(walk(said.speaker))
        return [p for p in self._people if p.forms & nodes or (p.condition is not None and not p.has_roles)]

    def _count(self, person: _Person, index: DocumentIndex) -> bool:
        return person.condition is None or _holds(person.condition, index, DEFAULT_FIELDS)

    def _resolved(
        self, people: Sequence[_Person], spoken: Spoken, names: Callable[[_Person], bool], roles: bool = True
    ) -> tuple[Resolved, ...]:
        """Whom the statement's speaker names: each person by a name (where `names` says theirs
        count) or a role, with the words and where in the identity they are."""
        own = spoken.index
        out = []
        for person in people:
            for by, node in _by(person):
                match by:
                    case "name":
                        wanted = names(person)
                    case "role":
                        wanted = roles
                    case _:
                        assert_never(by)
                if not wanted:
                    continue
                found = _texts(_explain(node, own, _SPEAKER), own)
                if found:
                    out.append(Resolved(person.id, by, _words(found), _part(spoken.statement, found[0][1])))
        return tuple(out)

    def _names(self, index: DocumentIndex) -> tuple[Names, ...]:
        return tuple(self._state(p, index) for p in self._people if p.condition is not None)

    def _state(self, person: _Person, index: DocumentIndex) -> Names:
        context = None if person.context is None else _holds(person.context, index, DEFAULT_FIELDS)
        context_words = self._found_words(person.context, index) if context else ()
        namesakes = self._found_words(person.namesakes, index)
        return Names(person.id, self._count(person, index), context, context_words, namesakes)

    @staticmethod
    def _found_words(node: Node | None, index: DocumentIndex) -> tuple[str, ...]:
        """The words as the article has them that make `node` true (() when it is false)."""
        return _words(_texts(_explain(node, index, DEFAULT_FIELDS), index))


def _person(person_id: str, table: AliasTable) -> _Person | None:
    spec = table.person_spec(person_id)
    every = table.person(person_id)
    if spec is None or not every:
        return None
    role_nodes = tuple(dict.fromkeys(to_node(f) for f in table.person(person_id, names=False) or ()))
    name_nodes = tuple(n for n in dict.fromkeys(to_node(f) for f in every) if n not in role_nodes)
    condition = context = namesakes = None
    if spec.conditional:
        condition = person_condition(person_id, table)
        context = parse_condition(spec.context, table) if spec.context is not None else None
        namesakes = parse_condition(spec.namesakes, table) if spec.namesakes is not None else None
    return _Person(
        person_id,
        Or(name_nodes),
        Or(role_nodes),
        bool(role_nodes),
        frozenset((*name_nodes, *role_nodes)),
        condition,
        context,
        namesakes,
    )


def _by(person: _Person) -> tuple[tuple[By, Node], ...]:
    return (("name", person.names), ("role", person.roles))


def _split(speaker: Node | None) -> tuple[Node | None, list[Node]]:
    """A speaker part as what it asks for and what it excludes: `(@peskov OR x) -(daughter OR
    son)` is (the OR, [daughter OR son])."""
    if speaker is None:
        return None, []
    if not isinstance(speaker, And):
        return speaker, []
    positive = [c for c in speaker.children if not isinstance(c, Not)]
    excluded = [c.child for c in speaker.children if isinstance(c, Not)]
    if not positive:
        return None, excluded
    return (positive[0] if len(positive) == 1 else And(tuple(positive))), excluded


class _Places:
    """A statement's sentence number in its field (the sentences are cut once per field)."""

    def __init__(self, index: DocumentIndex) -> None:
        self._index = index
        self._starts: dict[str, list[int]] = {}

    def found(self, spoken: Spoken) -> FoundStatement:
        starts = self._starts.get(spoken.field)
        if starts is None:
            text = getattr(self._index.document, spoken.field)
            starts = self._starts[spoken.field] = [s0 for s0, _ in sentences(text)]
        number = max(1, bisect_right(starts, spoken.statement.sentence_start))
        return FoundStatement(spoken.field, number, spoken.statement)


def _part(st: Statement, at: int) -> Part:
    """Which part of `st.identity` the character `at` is in."""
    parts: tuple[tuple[Part, str], ...] = (
        ("speaker", st.speaker),
        ("apposition", st.apposition),
        ("refers_to", st.refers_to),
    )
    offset = 0
    for part, text in parts:
        if not text:
            continue
        offset += len(without_relation(text))
        if at < offset:
            return part
        offset += len(IDENTITY_SEPARATOR)
    return "speaker"


def _holds(node: Node, index: DocumentIndex, fields: Fields) -> bool:
    try:
        return holds(node, index, fields)
    except TooCostly:  # a few explanations: the bounded answer is enough (see evaluate)
        return holds(node, index, fields, bounded=True)


def _explain(node: Node | None, index: DocumentIndex, fields: Fields) -> list[Hit] | None:
    if node is None:
        return None
    try:
        return explain_hits(node, index, fields)
    except TooCostly:
        return explain_hits(node, index, fields, bounded=True)


def _texts(hits: Sequence[Hit] | None, index: DocumentIndex) -> list[tuple[str, int]]:
    """Each hit's words as the field has them, with the character offset where they start,
    in the order of the text."""
    out = []
    for hit in sorted(hits or (), key=lambda h: (h.field != "title", h.field, h.start)):
        field = index.field(hit.field)
        spans = field.offsets((hit.start, hit.end - 1))
        if hit.start in spans and hit.end - 1 in spans:
            start, end = spans[hit.start][0], spans[hit.end - 1][1]
            out.append((" ".join(field.text[start:end].split()), start))
    return out


def _words(found: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """The distinct words, the first way each is written ("Sanctions" in the title, then
    "sanctions" in the text: once)."""
    first: dict[str, str] = {}
    for text, _ in found:
        first.setdefault(text.casefold(), text)
    return tuple(first.values())
