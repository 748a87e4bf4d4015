"""Watch-rule queries -> trees (`nodes`), with errors that point at a column.

Grammar (operators only in UPPERCASE; lowercase `and`, `near/3` are plain words):

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          # adjacency is an implicit AND
    near    := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := field? (WORD | "phrase" | "(" or ")")
    field   := (title | text | source | url | lang) ":"

A WORD ending in `*` is a prefix; a WORD that splits into several words (`Lvova-Belova`) is a
phrase. Aliases expand a bare word (not a quoted phrase, not a prefix) into an OR of it and its
variants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from functools import lru_cache
from typing import Any

from .nodes import (
    FIELDS,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    has_positive,
    spans_when_true,
)
from .text import tokenize

__all__ = ["AliasTable", "QuerySyntaxError", "parse_query"]

_QUOTES = '"\u201c\u201d\u201e'
_STOP = set(_QUOTES) | {"(", ")"}
_FIELD_RE = re.compile(r"([A-Za-z][A-Za-z_]*):(.*)", re.DOTALL)
_NEAR_RE = re.compile(r"(O?NEAR)(?:/(.*))?", re.DOTALL)
_MAX_DEPTH = 64


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed, or cannot ever match; `column` is 1-based."""

    def __init__(self, message: str, column: int, query: str) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column
        self.query = query

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, e.g. across worker processes
        return (type(self), (self.message, self.column, self.query))

    def caret(self) -> str:
        """The query on one line and a `^` under the column."""
        line = re.sub(r"[\r\n\t]", " ", self.query)
        return f"{line}\n{' ' * (self.column - 1)}^"


class _Kind(Enum):
    WORD = auto()
    PHRASE = auto()
    LPAREN = auto()
    RPAREN = auto()
    AND = auto()
    OR = auto()
    NOT = auto()
    MINUS = auto()
    NEAR = auto()
    FIELD = auto()
    END = auto()


_OPERAND_START = frozenset({_Kind.WORD, _Kind.PHRASE, _Kind.LPAREN, _Kind.FIELD, _Kind.NOT, _Kind.MINUS})


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: _Kind
    col: int  # 1-based
    text: str = ""
    distance: int = 0
    ordered: bool = False


class _Fail(Exception):
    """An error in an alias variant, before we know which query column to blame."""


@lru_cache(maxsize=4096)
def _word_node(text: str) -> Node:
    """A bare word: term, prefix (trailing *) or, if it splits into several words, a phrase."""
    star = text.find("*")
    if star != -1 and star != len(text) - 1:
        raise _Fail(f"{text!r}: a wildcard '*' is only allowed at the end of a word")
    if star != -1:
        stem = tokenize(text[:-1])
        if not stem:
            raise _Fail(f"{text!r}: a prefix needs at least one letter or digit before '*'")
        if len(stem) > 1 or stem[0].end != len(text) - 1:
            raise _Fail(f"{text!r}: a prefix must be a single word followed by '*'")
        return Prefix(stem[0].folded)
    words = [t.folded for t in tokenize(text)]
    if not words:
        raise _Fail(f"{text!r} has no letters or digits to match")
    return Term(words[0]) if len(words) == 1 else Phrase(tuple(words))


def _phrase_node(text: str) -> Node:
    words = [t.folded for t in tokenize(text)]
    if not words:
        raise _Fail("empty phrase: a quoted phrase needs at least one letter or digit")
    return Term(words[0]) if len(words) == 1 else Phrase(tuple(words))


@lru_cache(maxsize=4096)
def _variant_node(variant: str) -> Node:
    """One alias variant: a word, a "phrase" (quoted) or a prefix*."""
    v = variant.strip()
    if len(v) >= 2 and v[0] in _QUOTES and v[-1] in _QUOTES:
        return _phrase_node(v[1:-1])
    if "*" in v or len(tokenize(v)) <= 1:
        return _word_node(v)
    return _phrase_node(v)  # several words without quotes: a phrase, as if quoted


class AliasTable:
    """Aliases by folded key; build once and reuse for many queries (`Matcher` does)."""

    def __init__(self, aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        self._raw: dict[tuple[str, ...], list[str]] = {}
        self._nodes: dict[tuple[str, ...], tuple[Node, ...]] = {}
        self._bad_keys: list[str] = []
        if aliases:
            self._add(aliases)

    def _add(self, aliases: Mapping[str, Sequence[str]]) -> None:
        for key, variants in aliases.items():
            folded = tuple(t.folded for t in tokenize(key))
            if not folded:
                self._bad_keys.append(key)
                continue
            merged = self._raw.setdefault(folded, [])
            merged.extend(v for v in variants if v not in merged)

    def extended(self, aliases: Mapping[str, Sequence[str]] | None) -> AliasTable:
        """A new table with `aliases` added on top (variants of the same key are merged)."""
        if not aliases:
            return self
        table = AliasTable()
        table._raw = {k: list(v) for k, v in self._raw.items()}
        table._bad_keys = list(self._bad_keys)
        table._add(aliases)
        return table

    @property
    def bad_keys(self) -> list[str]:
        """Keys with no letters or digits (they could never apply)."""
        return list(self._bad_keys)

    def variants(self, words: tuple[str, ...]) -> tuple[Node, ...] | None:
        """The parsed variants for a folded key, or None; raises _Fail for a bad variant."""
        if words not in self._raw:
            return None
        nodes = self._nodes.get(words)
        if nodes is None:
            parsed: list[Node] = []
            for v in self._raw[words]:
                try:
                    node = _variant_node(v)
                except _Fail as exc:
                    raise _Fail(f"alias {' '.join(words)!r}, variant {v!r}: {exc}") from None
                if node not in parsed:
                    parsed.append(node)
            nodes = self._nodes[words] = tuple(parsed)
        return nodes


def parse_query(query: str, aliases: Mapping[str, Sequence[str]] | AliasTable | None = None) -> Node:
    """Parse a watch-rule query into a tree; raises QuerySyntaxError with a 1-based column."""
    table = aliases if isinstance(aliases, AliasTable) else AliasTable(aliases)
    return _Parser(query, table).parse()


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == "(":
            toks.append(_Tok(_Kind.LPAREN, i + 1))
            i += 1
        elif c == ")":
            toks.append(_Tok(_Kind.RPAREN, i + 1))
            i += 1
        elif c in _QUOTES:
            j = i + 1
            while j < n and query[j] not in _QUOTES:
                j += 1
            if j >= n:
                raise QuerySyntaxError("unterminated quote: this phrase is never closed", i + 1, query)
            toks.append(_Tok(_Kind.PHRASE, i + 1, query[i + 1 : j]))
            i = j + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in _STOP:
                j += 1
            _lex_run(query, query[i:j], i + 1, j, toks)
            i = j
    toks.append(_Tok(_Kind.END, n + 1))
    return toks


def _lex_run(query: str, run: str, col: int, end: int, toks: list[_Tok]) -> None:
    """One run of non-space, non-paren, non-quote characters: operator, -, field: or word."""
    if run in ("AND", "OR", "NOT"):
        toks.append(_Tok(_Kind[run], col))
        return
    near = _NEAR_RE.fullmatch(run)
    if near:
        op, num = near.groups()
        if num is None or not num.isascii() or not num.isdigit():
            raise QuerySyntaxError(f"{op} needs a distance in words, e.g. {op}/5", col, query)
        if int(num) < 1:
            raise QuerySyntaxError(f"{op}/{num}: the distance must be at least 1", col, query)
        toks.append(_Tok(_Kind.NEAR, col, run, distance=int(num), ordered=op == "ONEAR"))
        return
    if run.startswith("-"):
        if len(run) == 1 and (end >= len(query) or query[end].isspace()):
            raise QuerySyntaxError("'-' must be followed directly by what to exclude, e.g. -word", col, query)
        toks.append(_Tok(_Kind.MINUS, col))
        if len(run) > 1:
            _lex_run(query, run[1:], col + 1, end, toks)
        return
    field = _FIELD_RE.fullmatch(run)
    if field:
        name, rest = field.groups()
        if name.lower() not in FIELDS:
            known = ", ".join(FIELDS)
            raise QuerySyntaxError(
                f"unknown field {name!r} (known fields: {known}); to search for a colon, quote it",
                col,
                query,
            )
        toks.append(_Tok(_Kind.FIELD, col, name.lower()))
        if rest:
            _lex_run(query, rest, col + len(name) + 1, end, toks)
        return
    toks.append(_Tok(_Kind.WORD, col, run))


def _describe(tok: _Tok) -> str:
    if tok.kind is _Kind.NEAR:
        return f"'{tok.text}'"
    if tok.kind is _Kind.MINUS:
        return "'-'"
    return f"'{tok.kind.name}'"


class _Parser:
    def __init__(self, query: str, aliases: AliasTable) -> None:
        self.query = query
        self.aliases = aliases
        self.toks: list[_Tok] = []
        self.pos = 0
        self.depth = 0
        self.cols: dict[int, int] = {}  # id(node) -> column where it starts

    def error(self, message: str, column: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, column, self.query)

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def at(self, node: Node, col: int) -> Node:
        self.cols.setdefault(id(node), col)
        return node

    def parse(self) -> Node:
        if self.aliases.bad_keys:
            raise self.error(f"alias {self.aliases.bad_keys[0]!r} has no letters or digits", 1)
        self.toks = _lex(self.query)
        if self.peek().kind is _Kind.END:
            raise self.error("empty query", 1)
        node = self.parse_or()
        tok = self.peek()
        if tok.kind is _Kind.RPAREN:
            raise self.error("unbalanced parentheses: this ')' has no matching '('", tok.col)
        if tok.kind is not _Kind.END:  # pragma: no cover - the loops above consume everything else
            raise self.error(f"unexpected {_describe(tok)}", tok.col)
        if not has_positive(node):
            raise self.error("this query can never match: a query needs at least one positive term", 1)
        if not spans_when_true(node):
            culprit = self._unguarded(node)
            raise self.error(
                "this part matches any document that lacks a word (it has only NOT clauses): "
                "combine it with a positive term",
                self.cols.get(id(culprit), 1),
            )
        return node

    def _unguarded(self, node: Node) -> Node:
        """The outermost part that makes the query true without any matched word."""
        if isinstance(node, Or):
            for child in node.children:
                if not spans_when_true(child):
                    return self._unguarded(child)
        if isinstance(node, Field):
            return self._unguarded(node.child)
        return node

    def expect_operand(self, op: _Tok) -> None:
        if self.peek().kind not in _OPERAND_START:
            raise self.error(f"dangling operator {_describe(op)}: it needs something on its right", op.col)

    def parse_or(self) -> Node:
        first = self.peek()
        items = [self.at(self.parse_and(), first.col)]
        while self.peek().kind is _Kind.OR:
            op = self.take()
            self.expect_operand(op)
            col = self.peek().col
            items.append(self.at(self.parse_and(), col))
        return items[0] if len(items) == 1 else self.at(Or(_flatten(Or, items)), first.col)

    def parse_and(self) -> Node:
        first = self.peek()
        items = [self.parse_near()]
        while True:
            tok = self.peek()
            if tok.kind is _Kind.AND:
                self.take()
                self.expect_operand(tok)
            elif tok.kind not in _OPERAND_START:
                break
            items.append(self.parse_near())
        return items[0] if len(items) == 1 else self.at(And(_flatten(And, items)), first.col)

    def parse_near(self) -> Node:
        first = self.peek()
        left = self.parse_unary()
        while self.peek().kind is _Kind.NEAR:
            op = self.take()
            self.expect_operand(op)
            right = self.parse_unary()
            if not (has_positive(left) and has_positive(right)):
                raise self.error(f"{op.text} needs a positive term on both sides, not only NOT", op.col)
            left = self.at(Near(left, right, op.distance, op.ordered), first.col)
        return left

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok.kind in (_Kind.NOT, _Kind.MINUS):
            self.take()
            self.expect_operand(tok)
            self.enter(tok)
            node = self.at(Not(self.parse_unary()), tok.col)
            self.depth -= 1
            return node
        return self.parse_primary()

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"the query is nested too deeply (more than {_MAX_DEPTH} levels)", tok.col)

    def parse_primary(self) -> Node:
        tok = self.take()
        if tok.kind is _Kind.FIELD:
            nxt = self.peek()
            if nxt.kind not in (_Kind.WORD, _Kind.PHRASE, _Kind.LPAREN):
                raise self.error(
                    f"'{tok.text}:' must be followed by a word, a phrase, a prefix or a (group)", tok.col
                )
            return self.at(Field(tok.text, self.parse_primary()), tok.col)
        if tok.kind is _Kind.LPAREN:
            nxt = self.peek()
            if nxt.kind is _Kind.RPAREN:
                raise self.error("empty group '()'", tok.col)
            if nxt.kind is _Kind.END:
                raise self.error("unbalanced parentheses: this '(' is never closed", tok.col)
            self.enter(tok)
            node = self.parse_or()
            self.depth -= 1
            if self.peek().kind is not _Kind.RPAREN:
                raise self.error("unbalanced parentheses: this '(' is never closed", tok.col)
            self.take()
            self.cols[id(node)] = tok.col  # a group starts at its "("
            return node
        if tok.kind is _Kind.PHRASE:
            try:
                return self.at(_phrase_node(tok.text), tok.col)
            except _Fail as exc:
                raise self.error(str(exc), tok.col) from None
        if tok.kind is _Kind.WORD:
            return self.at(self.word(tok), tok.col)
        if tok.kind is _Kind.RPAREN:
            raise self.error("unbalanced parentheses: this ')' has no matching '('", tok.col)
        if tok.kind in (_Kind.AND, _Kind.OR, _Kind.NEAR):
            raise self.error(f"dangling operator {_describe(tok)}: it needs something on its left", tok.col)
        raise self.error("unexpected end of query", tok.col)  # pragma: no cover - guarded by callers

    def word(self, tok: _Tok) -> Node:
        try:
            node = _word_node(tok.text)
            if isinstance(node, Term | Phrase):
                key = (node.word,) if isinstance(node, Term) else node.words
                variants = self.aliases.variants(key)
                if variants:
                    alternatives = [node, *(v for v in variants if v != node)]
                    return Or(tuple(alternatives)) if len(alternatives) > 1 else node
        except _Fail as exc:
            raise self.error(str(exc), tok.col) from None
        return node


def _flatten(kind: type[And] | type[Or], items: Iterable[Node]) -> tuple[Node, ...]:
    out: list[Node] = []
    for item in items:
        if isinstance(item, kind):
            out.extend(item.children)
        else:
            out.append(item)
    return tuple(out)
