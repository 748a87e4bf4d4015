"""Watch rules: a small query language, parsed and compiled once, matched against many articles.

`Matcher(rules, shared_aliases)` compiles every rule (or raises `RuleErrors` listing every bad
one); `matcher.match(Document(title=..., text=...))` returns a `RuleHit` per matching rule.
"""

from __future__ import annotations

from .index import Document
from .matcher import Matcher, RuleError, RuleErrors
from .nodes import explain
from .parser import QuerySyntaxError, parse_query
from .text import fold, tokenize

__all__ = [
    "Document",
    "Matcher",
    "QuerySyntaxError",
    "RuleError",
    "RuleErrors",
    "explain",
    "fold",
    "parse_query",
    "tokenize",
]
