"""Rules compiled once into one structure, matched against many documents.

    matcher = Matcher(config.rules, config.aliases)      # or raises RuleErrors, listing all
    for hit in matcher.match(Document(title=..., text=...)): ...

Build: parse every rule (aliases expanded), register its anchors in the `Prefilter`. Match:
index the document once, ask the prefilter for candidates, evaluate only those exactly, and
explain the few that hold. Nothing loads partially: one bad rule and the whole set is refused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from ..models import RuleHit
from .aliases import AliasTable
from .evaluate import Check, compile_holds, explain_hits
from .highlight import build_match
from .index import Document, DocumentIndex
from .nodes import FIELDS, Node
from .parser import QuerySyntaxError, parse_query
from .prefilter import Prefilter

__all__ = ["CompiledRule", "Document", "Matcher", "RuleError", "RuleErrors", "RuleSpec"]


class RuleSpec(Protocol):
    """What the matcher needs of a rule (`schema.RuleConfig` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def aliases(self) -> Mapping[str, Sequence[str]]: ...

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


class CompiledRule(NamedTuple):
    rule_id: str
    title: str
    node: Node


class Matcher:
    """Parses every rule up front; `match` then runs them over one document."""

    def __init__(
        self, rules: Iterable[RuleSpec], shared_aliases: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        # The trees hold no cycles; pausing the cyclic GC keeps it from walking every object
        # built so far again and again (it made building 100,000 rules several times slower).
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(rules, shared_aliases)
        finally:
            if paused:
                gc.enable()

    def _build(self, rules: Iterable[RuleSpec], shared_aliases: Mapping[str, Sequence[str]] | None) -> None:
        shared = AliasTable(shared_aliases)
        errors = [RuleError(None, str(p)) for p in shared.problems()]
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._nodes: list[Node] = []
        self._prefilter = Prefilter()
        for rule in rules:
            table = shared.extended(rule.aliases)
            if table is not shared:
                errors += [RuleError(rule.id, str(p)) for p in table.problems()]
            try:
                node = parse_query(rule.query, table)
            except QuerySyntaxError as exc:
                errors.append(RuleError(rule.id, exc.message, exc.column, rule.query))
                continue
            self._prefilter.add(len(self._nodes), node)
            self._ids.append(rule.id)
            self._titles.append(rule.display_title)
            self._nodes.append(node)
        if errors:
            raise RuleErrors(errors)
        self._checks: list[Check | None] = [None] * len(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def rules(self) -> Iterator[CompiledRule]:
        """Each rule as loaded: id, title and the parsed query tree."""
        return (CompiledRule(*r) for r in zip(self._ids, self._titles, self._nodes, strict=True))

    @property
    def prefilter(self) -> Prefilter:
        return self._prefilter

    def match(self, doc: Document) -> list[RuleHit]:
        """Every rule that matches `doc`, in rule order, with why (one `Match` per field)."""
        index = DocumentIndex(doc)
        return [self._hit(n, index) for n in self._matching(index)]

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
            if check(index):
                out.append(n)
        return out

    def _hit(self, n: int, index: DocumentIndex) -> RuleHit:
        found = explain_hits(self._nodes[n], index) or []
        fields = {h.field for h in found}
        matches = tuple(build_match(f, index.field(f), found) for f in FIELDS if f in fields)
        return RuleHit(rule_id=self._ids[n], rule_title=self._titles[n], matches=matches)
