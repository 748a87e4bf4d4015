"""Rules compiled once into one structure, matched against many documents.

    matcher = Matcher(config.rules, config.aliases, parsed=loaded.queries)  # or RuleErrors
    for hit in matcher.match(Document(title=..., text=...)): ...

Build: take each rule's tree from `parsed` (the config loader's, or `parallel.parse_in_helpers`'s
for many rules at once) or else parse it here (aliases expanded), register its anchors in the
`Prefilter` and pack it; then freeze it all into `sections` (flat arrays and blobs, the form a
compiled rules file holds: pipeline.rules.compiled). Match: index the document once, ask the
prefilter for candidates, evaluate only those exactly (each tree unpacked when its rule is first
a candidate), and explain the few that hold (`match_ids` skips the explanations).
Nothing loads partially: one bad rule and the whole set is refused.
"""

from __future__ import annotations

import gc
import itertools
import logging
import marshal
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from ..models import Match, RuleHit
from ..stages import StageClock, timed
from .aliases import AliasTable
from .evaluate import Check, TooCostly, compile_holds, explain_hits, holds
from .highlight import HITS_SOUGHT, build_match
from .index import Document, DocumentIndex
from .lexer import QuerySyntaxError
from .nodes import FIELDS, Node, packed, unpacked
from .parser import parse_query
from .people import People
from .prefilter import PREFILTER_SECTIONS, FrozenPrefilter, Prefilter

__all__ = [
    "SECTIONS",
    "CompiledRule",
    "Document",
    "Matcher",
    "RuleError",
    "RuleErrors",
    "RuleSource",
    "RuleSpec",
    "Trees",
    "parse_rule",
]

log = logging.getLogger(__name__)


class RuleSource(Protocol):
    """What parsing needs of a rule (all a helper process of `parallel` is sent)."""

    @property
    def id(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def aliases(self) -> Mapping[str, Sequence[str]]: ...


class Trees(Protocol):
    """Trees already made, by rule id: a dict (the config loader's), `parallel.HelperTrees`."""

    def get(self, rule_id: str, /) -> Node | None: ...


class RuleSpec(RuleSource, Protocol):
    """What the matcher needs of a rule (`schema.RuleConfig` is one)."""

    @property
    def display_title(self) -> str: ...


class RuleError(ValueError):
    """One rule (or, with rule_id None, the shared aliases) that cannot load."""

    def __init__(self, rule_id: str | None, message: str, column: int | None = None, query: str = "") -> None:
        where = f"rule {rule_id!r}" if rule_id is not None else "aliases"
        text = f"{where}: {message}" + (f" (column {column})" if column is not None else "")
        if column is not None and query:
            text += "\n" + QuerySyntaxError(message, column, query).caret()
        super().__init__(text)
        self.rule_id = rule_id
        self.message = message
        self.column = column
        self.query = query

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.rule_id, self.message, self.column, self.query))


class RuleErrors(Exception):
    """Every rule that failed; raised instead of loading any rule at all."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(str(e) for e in self.errors)
        super().__init__(f"{len(self.errors)} rule error(s):\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


# Rules read, parsed (or looked up in `parsed`), then filed in the prefilter a batch at a time:
# a tenth faster than filing each as it is parsed (each stage's data stays in the CPU's caches,
# is the likely reason). Small, so that a chunk of trees from `parallel` helpers is filed soon
# after it comes (with 20,000, a 20,000-rule build took a third longer); and rules given by a
# generator are never all held at once.
BATCH = 5000
# Trees unpacked and checks compiled, kept for the rules' next time as candidates; past this
# many, forgotten all at once (made again as needed): memory stays bounded whatever the stream.
KEPT_MAX = 1 << 18


def parse_rule(rule: RuleSource, shared: AliasTable) -> tuple[Node | None, list[RuleError]]:
    """The rule's tree (None if its query does not parse) and its errors, alias problems too."""
    table = shared.extended(rule.aliases)
    problems = [RuleError(rule.id, str(p)) for p in table.problems()] if table is not shared else []
    try:
        return parse_query(rule.query, table), problems
    except QuerySyntaxError as exc:
        return None, [*problems, RuleError(rule.id, exc.message, exc.column, rule.query)]


class CompiledRule(NamedTuple):
    rule_id: str
    title: str
    node: Node


# What a matcher is made of (`Matcher.sections`; pipeline.rules.compiled lays them out in a
# file): the prefilter's sections; the rules' ids and titles, and the distinct packed trees,
# each a blob of records laid end to end with the offsets where each starts (and one past the
# last); and each rule's tree number ("tree_of": rules with one query share one tree).
SECTIONS = (
    *PREFILTER_SECTIONS, "ids", "id_starts", "titles", "title_starts", "trees", "tree_starts", "tree_of",
)  # fmt: skip


class _Records:
    """Records laid end to end in `blob`, record n at blob[starts[n]:starts[n + 1]]."""

    __slots__ = ("blob", "starts")

    def __init__(self, blob: bytes | memoryview, starts: bytes | memoryview) -> None:
        self.blob = memoryview(blob).cast("B")
        self.starts = memoryview(starts).cast("B").cast("Q")

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> memoryview:
        return self.blob[self.starts[n] : self.starts[n + 1]]

    def text(self, n: int) -> str:
        return str(self.blob[self.starts[n] : self.starts[n + 1]], "utf-8")


class _Writer:
    """Records as `_Records` reads them, appended one at a time."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.starts = array("Q", (0,))

    def add(self, record: bytes) -> None:
        self.blob += record
        self.starts.append(len(self.blob))


class Matcher:
    """Takes or parses every rule's tree up front; `match` then runs them over one document.

    `parsed`: trees already made, by rule id (the config loader's, or `parallel.parse_in_helpers`'s);
    a rule without one is parsed here. `Matcher.from_sections` reads a matcher's frozen form
    (`sections`, as a compiled rules file holds it) without parsing or filing anything again.
    """

    def __init__(
        self,
        rules: Iterable[RuleSpec],
        shared_aliases: Mapping[str, Sequence[str]] | None = None,
        *,
        people: People | None = None,
        parsed: Trees | None = None,
    ) -> None:
        # The trees hold no cycles; the cyclic GC is paused so that it does not walk every
        # object built so far again and again (bench/README.md, "Rules").
        paused = gc.isenabled()
        gc.disable()
        try:
            sections = _build(rules, AliasTable(shared_aliases, people=people), parsed or {})
        finally:
            if paused:
                gc.enable()
        self._open(sections)

    @classmethod
    def from_sections(cls, sections: Mapping[str, bytes | memoryview]) -> Matcher:
        """The matcher whose `sections` these are (bytes, or views of a compiled rules file:
        they are read in place, never copied)."""
        matcher = cls.__new__(cls)
        matcher._open(sections)
        return matcher

    def _open(self, sections: Mapping[str, bytes | memoryview]) -> None:
        self._sections = {name: sections[name] for name in SECTIONS}
        self._prefilter = FrozenPrefilter(sections)
        self._ids = _Records(sections["ids"], sections["id_starts"])
        self._titles = _Records(sections["titles"], sections["title_starts"])
        self._trees = _Records(sections["trees"], sections["tree_starts"])
        self._tree_of = memoryview(sections["tree_of"]).cast("B").cast("I")
        if not len(self._ids) == len(self._titles) == len(self._tree_of):
            raise ValueError("the sections disagree on the number of rules")
        # Made on first use, by tree number: most rules are never candidates.
        self._nodes: dict[int, Node] = {}
        self._checks: dict[int, Check] = {}

    @property
    def sections(self) -> Mapping[str, bytes | memoryview]:
        """The matcher's frozen form, by name (SECTIONS): what pipeline.rules.compiled writes."""
        return self._sections

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def rules(self) -> Iterator[CompiledRule]:
        """Each rule as loaded: id, title and the parsed query tree."""
        for n in range(len(self)):
            t = self._tree_of[n]
            node = self._nodes.get(t) or unpacked(marshal.loads(self._trees[t]))  # not kept: all of them
            yield CompiledRule(self._ids.text(n), self._titles.text(n), node)

    @property
    def prefilter(self) -> FrozenPrefilter:
        return self._prefilter

    def _node(self, t: int) -> Node:
        """Tree t, unpacked the first time a rule of it is a candidate, then kept."""
        node = self._nodes.get(t)
        if node is None:
            node = self._nodes[t] = unpacked(marshal.loads(self._trees[t]))
        return node

    def match(self, doc: Document, clock: StageClock | None = None) -> list[RuleHit]:
        """Every rule that matches `doc`, in rule order, with why (one `Match` per field).
        `clock`: where the CPU of matching, explaining and the statements is counted."""
        index = DocumentIndex(doc, clock)
        with timed(clock, "match"):
            matching = self._matching(index)
        why: dict[int, tuple[Match, ...]] = {}  # by tree: rules with one query are explained once
        with timed(clock, "explain"):
            return [self._hit(n, index, why) for n in matching]

    def match_ids(self, doc: Document) -> list[str]:
        """The ids of the rules that match `doc`, in rule order, without the explanations."""
        index = DocumentIndex(doc)
        return [self._ids.text(n) for n in self._matching(index)]

    def _matching(self, index: DocumentIndex) -> list[int]:
        """The numbers of the rules that hold: the prefilter's candidates, each checked exactly."""
        checks, tree_of = self._checks, self._tree_of
        verdicts: dict[int, bool] = {}  # by tree: rules with one query are evaluated once
        out = []
        for n in self._prefilter.candidates(index):
            t = tree_of[n]
            held = verdicts.get(t)
            if held is None:
                check = checks.get(t)
                if check is None:  # compiled on first use: most rules are never candidates
                    if len(checks) >= KEPT_MAX:
                        checks.clear()
                        self._nodes.clear()
                    check = checks[t] = compile_holds(self._node(t))
                try:
                    held = verdicts[t] = check(index)
                except TooCostly as exc:
                    self._too_costly(n, index, exc)
                    held = verdicts[t] = holds(self._node(t), index, bounded=True)
            if held:
                out.append(n)
        return out

    def _hit(self, n: int, index: DocumentIndex, why: dict[int, tuple[Match, ...]]) -> RuleHit:
        t = self._tree_of[n]
        matches = why.get(t)
        if matches is None:
            try:
                found = explain_hits(self._node(t), index, limit=HITS_SOUGHT, known_true=True)
            except TooCostly:  # already reported by `_matching`
                found = explain_hits(self._node(t), index, bounded=True, limit=HITS_SOUGHT, known_true=True)
            found = found or []
            fields = {h.field for h in found}
            matches = why[t] = tuple(build_match(f, index.field(f), found) for f in FIELDS if f in fields)
        return RuleHit(rule_id=self._ids.text(n), rule_title=self._titles.text(n), matches=matches)

    def _too_costly(self, n: int, index: DocumentIndex, exc: TooCostly) -> None:
        where = index.document.url or "a document"
        log.warning(
            "Rule %s: %s on %s; matched it with bounded NEARs instead (a match needing a long"
            " nested NEAR range can be missed: narrow its NEAR distances or nest fewer)",
            self._ids.text(n),
            exc,
            where,
        )


def _build(rules: Iterable[RuleSpec], shared: AliasTable, parsed: Trees) -> dict[str, bytes]:
    """Every rule's tree (from `parsed`, else parsed here), filed in a prefilter and packed:
    a matcher's sections. RuleErrors, listing every rule that failed, when any did."""
    errors = [RuleError(None, str(p)) for p in [*shared.problems(), *shared.person_problems()]]
    prefilter = Prefilter()
    ids, titles, trees = _Writer(), _Writer(), _Writer()
    tree_of, distinct = array("I"), dict[bytes, int]()
    source = iter(rules)
    while batch := list(itertools.islice(source, BATCH)):
        found: list[Node | None] = []
        for rule in batch:
            tree = parsed.get(rule.id)
            if tree is None:
                tree, problems = parse_rule(rule, shared)
                errors += problems
            found.append(tree)
        if errors:  # nothing loads: the rest are only parsed, for their errors
            continue
        for rule, tree in zip(batch, found, strict=True):
            assert tree is not None  # no errors: every rule parsed
            prefilter.add(len(ids.starts) - 1, tree)
            ids.add(rule.id.encode())
            titles.add(rule.display_title.encode())
            record = marshal.dumps(packed(tree))
            t = distinct.get(record)
            if t is None:
                t = distinct[record] = len(distinct)
                trees.add(record)
            tree_of.append(t)
    if errors:
        raise RuleErrors(errors)
    sections = prefilter.sections()
    for name, records in (("ids", ids), ("titles", titles), ("trees", trees)):
        sections[name], sections[f"{name[:-1]}_starts"] = bytes(records.blob), records.starts.tobytes()
    sections["tree_of"] = tree_of.tobytes()
    return sections
