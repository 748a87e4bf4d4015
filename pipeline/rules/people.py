"""People that queries name as `@id`, and where their names count.

    people:
      peskov:
        names: [Peskov]                       # every alias and case form of it
        roles: ["Putin spokes*"]
        context: Russia OR Kremlin OR sanctions OR ...   # the names count in such an article
        namesakes: "digital development" OR ...          # and not in one like this

`@peskov` then stands for his roles anywhere, and for his names only in an article that the
context matches and the namesakes do not: the surname alone in an article about sanctions is the
Kremlin spokesman; in one about football or digital development it is someone else.

How: the context and the namesakes are about the whole article, so for each such person a query
names, the query is read twice, once with the names counting and once without, and the article
picks the reading: `(C AND Q[names count]) OR (NOT C AND Q[roles only])`, C being `context AND
NOT namesakes`. Every evaluator (the matcher, the prefilter, the reference, the search index)
sees plain query trees; no node kind is added. The condition shows no hits of its own (`quietly`):
an alert highlights what the rule asked for, not the words that placed the article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .nodes import And, Node, Not

__all__ = ["MAX_CONDITIONED", "People", "Person", "quietly"]

# People with a context or namesakes in one query: each doubles the query (2**n readings).
MAX_CONDITIONED = 3


@dataclass(frozen=True, slots=True)
class Person:
    """One entry of `people:` as a matcher takes it: the names (with their case forms, see
    pipeline.rules.inflection), the roles, and the queries that say where the names count."""

    names: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    context: str | None = None
    namesakes: str | None = None

    @property
    def variants(self) -> tuple[str, ...]:
        return (*self.names, *(r for r in self.roles if r not in self.names))

    @property
    def conditional(self) -> bool:
        """Whether the names count only in some articles."""
        return bool(self.names) and (self.context is not None or self.namesakes is not None)


# `people:` as a matcher takes it: id -> a Person, or a plain list of names that count everywhere.
People = Mapping[str, Sequence[str] | Person]


def quietly(node: Node) -> Node:
    """`node`, holding where it holds, but with no hits in an explanation: NOT NOT node (a true
    NOT explains as no hits)."""
    return Not(Not(node))


def condition(context: Node | None, namesakes: Node | None) -> Node:
    """Where a person's names count: the context holds and the namesakes do not."""
    parts: list[Node] = []
    if context is not None:
        parts.append(context)
    if namesakes is not None:
        parts.append(Not(namesakes))
    return parts[0] if len(parts) == 1 else And(tuple(parts))
