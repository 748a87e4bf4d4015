"""Rules compiled once, matched against many documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import RuleHit
from ..schema import RuleConfig
from .compile import CompiledRule
from .highlight import build_match
from .index import Document, DocumentIndex, Span
from .nodes import FIELDS
from .parser import AliasTable, QuerySyntaxError, parse_query

__all__ = ["Document", "Matcher", "RuleError", "RuleErrors"]


class RuleError(ValueError):
    """One rule whose query does not parse (or can never match)."""

    def __init__(self, rule_id: str, error: QuerySyntaxError) -> None:
        super().__init__(f"rule {rule_id!r}: {error.message} (column {error.column})\n{error.caret()}")
        self.rule_id = rule_id
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.rule_id, self.error))


class RuleErrors(Exception):
    """Every rule that failed; raised instead of loading any rule at all."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(str(e) for e in self.errors)
        super().__init__(f"{len(self.errors)} rule(s) have errors:\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


class Matcher:
    """Parses and compiles every rule up front; `match` then runs them over one document."""

    def __init__(
        self, rules: Sequence[RuleConfig], shared_aliases: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        shared = AliasTable(shared_aliases)
        compiled: list[CompiledRule] = []
        errors: list[RuleError] = []
        for rule in rules:
            try:
                node = parse_query(rule.query, shared.extended(rule.aliases))
            except QuerySyntaxError as exc:
                errors.append(RuleError(rule.id, exc))
                continue
            compiled.append(CompiledRule.build(rule.id, rule.display_title, node))
        if errors:
            raise RuleErrors(errors)
        self.rules: tuple[CompiledRule, ...] = tuple(compiled)

    def match(self, doc: Document) -> list[RuleHit]:
        """Every rule that matches `doc`, in rule order, with why (one `Match` per field)."""
        index = DocumentIndex(doc)
        hits: list[RuleHit] = []
        for rule in self.rules:
            spans = rule.evaluate(index)
            if spans:
                hits.append(_hit(rule, index, spans))
        return hits


def _hit(rule: CompiledRule, index: DocumentIndex, spans: list[Span]) -> RuleHit:
    fields = {s.field for s in spans}
    matches = tuple(build_match(f, index.field(f), spans) for f in FIELDS if f in fields)
    return RuleHit(rule_id=rule.rule_id, rule_title=rule.title, matches=matches)
