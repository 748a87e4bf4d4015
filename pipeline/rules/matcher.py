"""Rules compiled once into one structure, matched against many documents.

    matcher = Matcher(config.rules, config.aliases, parsed=loaded.queries)  # or RuleErrors
    for hit in matcher.match(Document(title=..., text=...)): ...

Build: take each rule's tree from `parsed` (the config loader's, or `parallel.parse_in_helpers`'s
for many rules at once) or else parse it here (aliases expanded), and register its anchors in
the `Prefilter`. Match: index the document once, ask the prefilter for candidates, evaluate
only those exactly, and explain the few that hold (`match_ids` skips the explanations).
Nothing loads partially: one bad rule and the whole set is refused.
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from ..models import RuleHit
from ..stages import StageClock, timed
from .aliases import AliasTable
from .evaluate import Check, TooCostly, compile_holds, explain_hits, holds
from .highlight import HITS_SOUGHT, build_match
from .index import Document, DocumentIndex
from .lexer import QuerySyntaxError
from .nodes import FIELDS, Node
from .parser import parse_query
from .people import People
from .prefilter import Prefilter

__all__ = [
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


class Matcher:
    """Takes or parses every rule's tree up front; `match` then runs them over one document.

    `parsed`: trees already made, by rule id (the config loader's, or `parallel.parse_in_helpers`'s);
    a rule without one is parsed here.
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
            self._build(rules, AliasTable(shared_aliases, people=people), parsed or {})
        finally:
            if paused:
                gc.enable()

    def _build(self, rules: Iterable[RuleSpec], shared: AliasTable, parsed: Trees) -> None:
        errors = [RuleError(None, str(p)) for p in [*shared.problems(), *shared.person_problems()]]
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._nodes: list[Node] = []
        self._prefilter = Prefilter()
        source = iter(rules)
        while batch := list(itertools.islice(source, BATCH)):
            trees: list[Node | None] = []
            for rule in batch:
                tree = parsed.get(rule.id)
                if tree is None:
                    tree, problems = parse_rule(rule, shared)
                    errors += problems
                trees.append(tree)
            for rule, tree in zip(batch, trees, strict=True):
                if tree is not None:
                    self._add(rule, tree)
        if errors:
            raise RuleErrors(errors)
        self._checks: list[Check | None] = [None] * len(self._nodes)

    def _add(self, rule: RuleSpec, node: Node) -> None:
        self._prefilter.add(len(self._nodes), node)
        self._ids.append(rule.id)
        self._titles.append(rule.display_title)
        self._nodes.append(node)

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def rules(self) -> Iterator[CompiledRule]:
        """Each rule as loaded: id, title and the parsed query tree."""
        return (CompiledRule(*r) for r in zip(self._ids, self._titles, self._nodes, strict=True))

    @property
    def prefilter(self) -> Prefilter:
        return self._prefilter

    def match(self, doc: Document, clock: StageClock | None = None) -> list[RuleHit]:
        """Every rule that matches `doc`, in rule order, with why (one `Match` per field).
        `clock`: where the CPU of matching, explaining and the statements is counted."""
        index = DocumentIndex(doc, clock)
        with timed(clock, "match"):
            matching = self._matching(index)
        with timed(clock, "explain"):
            return [self._hit(n, index) for n in matching]

    def match_ids(self, doc: Document) -> list[str]:
        """The ids of the rules that match `doc`, in rule order, without the explanations."""
        index = DocumentIndex(doc)
        return [self._ids[n] for n in self._matching(index)]

    def _matching(self, index: DocumentIndex) -> list[int]:
        """The numbers of the rules that hold: the prefilter's candidates, each checked exactly."""
        checks = self._checks
        out = []
        for n in self._prefilter.candidates(index):
            check = checks[n]
            if check is None:  # compiled on first use: most rules are never candidates
                check = checks[n] = compile_holds(self._nodes[n])
            try:
                held = check(index)
            except TooCostly as exc:
                self._too_costly(n, index, exc)
                held = holds(self._nodes[n], index, bounded=True)
            if held:
                out.append(n)
        return out

    def _hit(self, n: int, index: DocumentIndex) -> RuleHit:
        try:
            found = explain_hits(self._nodes[n], index, limit=HITS_SOUGHT)
        except TooCostly:  # already reported by `_matching`
            found = explain_hits(self._nodes[n], index, bounded=True, limit=HITS_SOUGHT)
        found = found or []
        fields = {h.field for h in found}
        matches = tuple(build_match(f, index.field(f), found) for f in FIELDS if f in fields)
        return RuleHit(rule_id=self._ids[n], rule_title=self._titles[n], matches=matches)

    def _too_costly(self, n: int, index: DocumentIndex, exc: TooCostly) -> None:
        where = index.document.url or "a document"
        log.warning(
            "Rule %s: %s on %s; matched it with bounded NEARs instead (a match needing a long"
            " nested NEAR range can be missed: narrow its NEAR distances or nest fewer)",
            self._ids[n],
            exc,
            where,
        )
