"""Watch rules: a query language parsed and compiled once, matched against many articles.

`Matcher(rules, shared_aliases)` compiles every rule (or raises `RuleErrors` listing every bad
one); `matcher.match(Document(title=..., text=...))` returns a `RuleHit` per matching rule.

Modules: text (words and folding), leaves and aliases (words as written -> leaves), lexer
(query -> tokens), parser (tokens -> tree of `nodes`), evaluate (tree + document -> true?
why?), prefilter (document -> candidate rules), highlight (hits -> snippet), matcher (all of
it), parallel (many rules' trees parsed in helper processes, for the matcher), reference (a
slow, independent evaluator: one regex per rule, the yardstick for tests and benchmarks),
candidates (an article's words as a full-text index holds them, and the index query every match
of a tree satisfies: FTS5 and tsquery text, for search and backfill over the history store).
"""

from __future__ import annotations

from .aliases import AliasProblem, AliasTable
from .candidates import (
    Candidate,
    candidate_any,
    candidate_query,
    fts5_match,
    index_text,
    index_words,
    tsquery,
)
from .index import Document
from .lexer import QuerySyntaxError, operator_lookalikes
from .matcher import Matcher, RuleError, RuleErrors, RuleSpec
from .nodes import explain, tree
from .parser import parse_query
from .text import fold, tokenize, words

__all__ = [
    "AliasProblem",
    "AliasTable",
    "Candidate",
    "Document",
    "Matcher",
    "QuerySyntaxError",
    "RuleError",
    "RuleErrors",
    "RuleSpec",
    "candidate_any",
    "candidate_query",
    "explain",
    "fold",
    "fts5_match",
    "index_text",
    "index_words",
    "operator_lookalikes",
    "parse_query",
    "tokenize",
    "tree",
    "tsquery",
    "words",
]
