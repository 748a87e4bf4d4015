"""Watch-rule queries -> trees (`nodes`), with errors that point at a column.

The tokens come from `lexer`; this module is the grammar below and the checks that a tree can
match.

Grammar (operators only in UPPERCASE; lowercase `and`, `near/3` are plain words):

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          # adjacency is an implicit AND
    near    := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := field? (WORD | "phrase" | PERSON | "(" or ")")
    field   := (title | text | source | url | lang | category | said_by | quote) ":"

A PERSON is `@id`, one of the rules file's `people:`: any of their names and roles. A WORD
ending in `*` is a prefix, one starting with `=` is exact (case-sensitive: `=ICC`, and
`="Rome Statute"` for a phrase); a WORD that splits into several words (`Lvova-Belova`) is a
phrase. Precedence: NOT > NEAR > AND > OR, so `a OR b c` is `a OR (b AND c)`. NEAR operands
must say where they match: words, phrases, prefixes, OR-groups of them, or another NEAR.
Aliases expand words and phrases (not prefixes, not exact words) into an OR of their forms.
`said_by:x` and `quote:y` look in the article's statements (pipeline.statements): x in who said
it, y in what was said; those side by side in one AND ask for one statement that has both.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import assert_never

from .aliases import AliasTable
from .leaves import LeafError, phrase_slots, to_node, word_slots
from .lexer import STATEMENT_SCOPES, Kind, QuerySyntaxError, Tok, lex
from .nodes import (
    SAME_SENTENCE,
    And,
    Exact,
    Field,
    Leaf,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Said,
    Term,
    explain,
    has_positive,
    in_one_sentence,
    is_span,
    spans_when_true,
    walk,
)
from .people import MAX_CONDITIONED, condition, quietly

__all__ = ["AliasTable", "parse_condition", "parse_query", "person_condition"]

_MAX_DEPTH = 64


class _NeedColumns(Exception):
    """Raised by an untracked parse for an error whose column needs the nodes' columns."""


_UNARY = frozenset({Kind.NOT, Kind.MINUS})
_OPERAND_START = frozenset(
    {Kind.WORD, Kind.PHRASE, Kind.PERSON, Kind.LPAREN, Kind.FIELD, Kind.NOT, Kind.MINUS}
)


def parse_query(query: str, aliases: Mapping[str, Sequence[str]] | AliasTable | None = None) -> Node:
    """Parse a watch-rule query into a tree; raises QuerySyntaxError with a 1-based column.

    A query naming people whose names count only in some articles (`context:`, `namesakes:`)
    becomes one reading per case, each behind its condition (pipeline.rules.people)."""
    table = aliases if isinstance(aliases, AliasTable) else AliasTable(aliases)
    parser = _parsed(query, table, {})
    conditional = parser.conditional
    if not conditional:
        return parser.tree
    if len(conditional) > MAX_CONDITIONED:
        raise QuerySyntaxError(
            f"a query may name at most {MAX_CONDITIONED} people with a context or namesakes "
            f"(this one names {', '.join('@' + p for p in conditional)})",
            1,
            query,
        )
    guards = {p: person_condition(p, table, query) for p in conditional}
    readings: list[Node] = []
    for counts in itertools.product((True, False), repeat=len(conditional)):
        assume = dict(zip(conditional, counts, strict=True))
        tree = parser.tree if all(counts) else _parsed(query, table, assume).tree
        guard = [quietly(guards[p]) if c else Not(guards[p]) for p, c in assume.items()]
        readings.append(And((*guard, tree)))
    return Or(tuple(readings))


def person_condition(person_id: str, table: AliasTable, query: str = "") -> Node:
    """Where `@person_id`'s names count, as a tree (its context and namesakes, parsed with the
    shared aliases: a rule's own do not change what a person means); QuerySyntaxError (at column
    1 of `query`) when either does not parse."""
    table = table.shared
    found = table.conditions.get(person_id)
    if found is not None:
        return found
    spec = table.person_spec(person_id)
    assert spec is not None and spec.conditional
    parts: dict[str, Node | None] = {"context": None, "namesakes": None}
    for key in parts:
        written = getattr(spec, key)
        if written is None:
            continue
        try:
            parts[key] = parse_condition(written, table)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(f"@{person_id}'s {key}: does not parse ({exc})", 1, query) from None
    tree = table.conditions[person_id] = condition(parts["context"], parts["namesakes"])
    return tree


def parse_condition(query: str, table: AliasTable) -> Node:
    """A person's context or namesakes: a query about the article, naming no one as @id (the
    names it would name count only where such a query holds)."""
    parser = _parsed(query, table, {}, people=False)
    return parser.tree


def _parsed(query: str, table: AliasTable, assume: Mapping[str, bool], people: bool = True) -> _Parser:
    """A parser that has parsed `query` (`.tree`), each conditional person's names counting as
    `assume` says (True when not said). The checks that a tree can match are made on the reading
    where every name counts: another reading may match nothing (a person without roles)."""
    checks = all(assume.values())
    try:
        parser = _Parser(query, table, track=False, assume=assume, checks=checks, people=people)
        parser.tree = parser.parse()
    except _NeedColumns:  # a rare error that needs node columns: parse again, keeping them
        parser = _Parser(query, table, track=True, assume=assume, checks=checks, people=people)
        parser.tree = parser.parse()
    return parser


def _describe(tok: Tok) -> str:
    if tok.kind is Kind.NEAR:
        return f"'{tok.text}'"
    if tok.kind is Kind.MINUS:
        return "'-'"
    return f"'{tok.kind.name}'"


class _Parser:
    def __init__(
        self,
        query: str,
        aliases: AliasTable,
        track: bool,
        assume: Mapping[str, bool] | None = None,
        checks: bool = True,
        people: bool = True,
    ) -> None:
        self.query = query
        self.aliases = aliases
        self.track = track  # keep each node's column (only needed to report some errors)
        self.assume = assume or {}  # conditional person -> whether their names count here
        self.checks = checks  # whether to refuse a tree that can never match
        self.people = people  # whether @id may be named (not in a person's context)
        self.conditional: list[str] = []  # the conditional people named, in order
        self.tree: Node = Or(())
        self.toks: list[Tok] = []
        self.pos = 0
        self.depth = 0
        self.negated = False  # whether the tree has a NOT (else no contradiction to look for)
        # Whether a NEAR/S or a statement scope was made so far: else no tree needs walking for
        # one (most rules have neither).
        self.sentence_nears = False
        self.statements = False
        self.cols: dict[int, int] = {}  # id(node) -> column where it starts
        self.keep: list[Node] = []  # every node with a column, alive so that no id is reused

    def error(self, message: str, column: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, column, self.query)

    def peek(self) -> Tok:
        return self.toks[self.pos]

    def take(self) -> Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def at(self, node: Node, col: int) -> Node:
        if self.track and id(node) not in self.cols:
            self.cols[id(node)] = col
            self.keep.append(node)
        return node

    def parse(self) -> Node:
        self.toks = lex(self.query)
        if self.peek().kind is Kind.END:
            raise self.error("empty query", 1)
        node = self.parse_or()
        tok = self.peek()
        if tok.kind is Kind.RPAREN:
            raise self.error("unbalanced parentheses: this ')' has no matching '('", tok.col)
        if tok.kind is not Kind.END:  # pragma: no cover - the loops above consume everything else
            raise self.error(f"unexpected {_describe(tok)}", tok.col)
        if not self.checks:
            return node
        if not spans_when_true(node):  # (true implies has_positive: NEAR operands are spans)
            if not has_positive(node):
                raise self.error("this query can never match: a query needs at least one positive term", 1)
            if not self.track:
                raise _NeedColumns
            culprit = self._unguarded(node)
            raise self.error(
                "this part matches any document that lacks a word (it has only NOT clauses): "
                "combine it with a positive term",
                self.cols.get(id(culprit), 1),
            )
        found = _contradiction(node) if self.negated else None
        if found is not None:
            if not self.track:
                raise _NeedColumns
            excluded, required = found
            raise self.error(
                f"this query can never match: it requires {explain(required)} and excludes it",
                self.cols.get(id(excluded), 1),
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

    def expect_operand(self, op: Tok) -> None:
        if self.peek().kind not in _OPERAND_START:
            raise self.error(f"dangling operator {_describe(op)}: it needs something on its right", op.col)

    def parse_or(self) -> Node:
        toks = self.toks
        first = toks[self.pos]
        items = [self.at(self.parse_and(), first.col)]
        while toks[self.pos].kind is Kind.OR:
            op = self.take()
            self.expect_operand(op)
            col = toks[self.pos].col
            items.append(self.at(self.parse_and(), col))
        if len(items) == 1:
            return items[0]
        children = _flatten(Or, items)
        return children[0] if len(children) == 1 else self.at(Or(children), first.col)

    def parse_and(self) -> Node:
        toks = self.toks
        first = toks[self.pos]
        items = [self.parse_near()]
        while True:
            tok = toks[self.pos]
            if tok.kind is Kind.AND:
                self.pos += 1
                self.expect_operand(tok)
            elif tok.kind not in _OPERAND_START:
                break
            items.append(self.parse_near())
        if len(items) == 1:
            return items[0]
        children = _flatten(And, items)
        if self.statements:
            children = _one_statement(children)
        return children[0] if len(children) == 1 else self.at(And(children), first.col)

    def parse_near(self) -> Node:
        toks = self.toks
        first = toks[self.pos]
        left = self.parse_unary() if first.kind in _UNARY else self.parse_primary()
        if toks[self.pos].kind is not Kind.NEAR:
            return left
        links = 0
        while toks[self.pos].kind is Kind.NEAR:
            op = self.take()
            self.expect_operand(op)
            links += 1
            if self.depth + links > _MAX_DEPTH:
                raise self.error(f"too many NEARs in a row (more than {_MAX_DEPTH})", op.col)
            right_col = toks[self.pos].col
            right = self.parse_unary()
            for side, col in ((left, first.col), (right, right_col)):
                if self.sentence_nears and _has_sentence_near(side):  # a NEAR/S or an OR of one
                    raise self.error(
                        f"{op.text}: a NEAR/S cannot be a side of another NEAR (put it beside: "
                        "(a NEAR/S b) (a NEAR/5 c))",
                        col,
                    )
                if not is_span(side):
                    if not self.track:
                        raise _NeedColumns
                    raise self.error(
                        f"{op.text} works on words, phrases, prefixes and OR-groups of them; "
                        "put NOT, AND and field scopes outside it, e.g. title:(a NEAR/5 b) -c",
                        self.cols.get(id(side), col),
                    )
            left = self.at(Near(left, right, op.distance, op.ordered), first.col)
            self.sentence_nears = self.sentence_nears or op.distance == SAME_SENTENCE
        return left

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok.kind in (Kind.NOT, Kind.MINUS):
            self.take()
            self.expect_operand(tok)
            self.enter(tok)
            self.negated = True
            node = self.at(Not(self.parse_unary()), tok.col)
            self.depth -= 1
            return node
        return self.parse_primary()

    def enter(self, tok: Tok) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"the query is nested too deeply (more than {_MAX_DEPTH} levels)", tok.col)

    def parse_primary(self) -> Node:
        tok = self.toks[self.pos]
        self.pos += 1
        if tok.kind is Kind.WORD:  # the common case first
            try:
                slots = word_slots(tok.text)
            except LeafError as exc:
                raise self.error(str(exc), tok.col) from None
            if len(slots) == 1 and not self.track:
                leaf = slots[0]
                if type(leaf) is not Term or leaf.word not in self.aliases.firsts:
                    return leaf  # no alias can start here
            return self.at(self.expand(slots), tok.col)
        if tok.kind is Kind.FIELD:
            nxt = self.peek()
            if nxt.kind not in (Kind.WORD, Kind.PHRASE, Kind.PERSON, Kind.LPAREN):
                raise self.error(
                    f"'{tok.text}:' must be followed by a word, a phrase, a prefix or a (group)", tok.col
                )
            if tok.text in STATEMENT_SCOPES:
                return self.at(self.statement(tok), tok.col)
            return self.at(Field(tok.text, self.parse_primary()), tok.col)
        if tok.kind is Kind.LPAREN:
            nxt = self.peek()
            if nxt.kind is Kind.RPAREN:
                raise self.error("empty group '()'", tok.col)
            if nxt.kind is Kind.END:
                raise self.error("unbalanced parentheses: this '(' is never closed", tok.col)
            self.enter(tok)
            node = self.parse_or()
            self.depth -= 1
            if self.peek().kind is not Kind.RPAREN:
                raise self.error("unbalanced parentheses: this '(' is never closed", tok.col)
            self.take()
            if self.track:
                self.cols[id(node)] = tok.col  # a group starts at its "("
                self.keep.append(node)
            return node
        if tok.kind is Kind.PHRASE:
            try:
                return self.at(self.expand(phrase_slots(tok.text, tok.exact)), tok.col)
            except LeafError as exc:
                raise self.error(str(exc), tok.col) from None
        if tok.kind is Kind.PERSON:
            return self.at(self.person(tok), tok.col)
        if tok.kind is Kind.RPAREN:
            raise self.error("unbalanced parentheses: this ')' has no matching '('", tok.col)
        if tok.kind in (Kind.AND, Kind.OR, Kind.NEAR):
            raise self.error(f"dangling operator {_describe(tok)}: it needs something on its left", tok.col)
        raise self.error("unexpected end of query", tok.col)  # pragma: no cover - guarded by callers

    def statement(self, tok: Tok) -> Said:
        """`said_by:x` or `quote:x`: x in one statement's speaker or content."""
        col = self.peek().col
        child = self.parse_primary()
        inner = _scope_inside(child) or (
            "NEAR/S" if self.sentence_nears and _has_sentence_near(child) else None
        )
        if inner is not None:
            raise self.error(
                f"'{tok.text}:' looks in one statement: {inner} cannot be inside it "
                "(put it beside: said_by:@peskov title:sanctions)",
                self.cols.get(id(child), col),
            )
        self.statements = True
        return Said(child, None) if tok.text == "said_by" else Said(None, child)

    def person(self, tok: Tok) -> Node:
        """`@id`: an OR of the person's names and roles (each expanded by the aliases)."""
        known = self.aliases.people
        if not tok.text:
            example = f"@{known[0]}" if known else "@peskov"
            raise self.error(
                f"'@' must be followed by the id of one of the people (people:), e.g. {example}", tok.col
            )
        if not self.people:
            raise self.error(f"'@{tok.text}': a person's context and namesakes cannot name people", tok.col)
        spec = self.aliases.person_spec(tok.text)
        counts = True
        if spec is not None and spec.conditional:
            if tok.text not in self.conditional:
                self.conditional.append(tok.text)
            counts = self.assume.get(tok.text, True)
        forms = self.aliases.person(tok.text, names=counts)
        if not counts:  # the roles alone: none is a person this article cannot name
            return Or(tuple(to_node(f) for f in forms or ()))
        if forms is None:
            close = difflib.get_close_matches(tok.text, known, n=1)
            hint = f"; did you mean @{close[0]}?" if close else ""
            listed = ", ".join(f"@{k}" for k in known[:12]) or "none: add a people: section"
            raise self.error(f"unknown person '@{tok.text}'{hint} (people: {listed})", tok.col)
        if not forms:
            raise self.error(f"@{tok.text} has no name or role that can be matched", tok.col)
        return to_node(forms[0]) if len(forms) == 1 else Or(tuple(to_node(f) for f in forms))

    def expand(self, slots: tuple[Leaf, ...]) -> Node:
        """A word or phrase with its aliases: an OR of its forms, or itself."""
        forms = self.aliases.expand(slots)
        if len(forms) == 1:
            return to_node(forms[0])
        return Or(tuple(to_node(f) for f in forms))


def _contradiction(node: Node) -> tuple[Not, Node] | None:
    """A `NOT x` beside a required `x` in one AND (outside any NOT): the AND can never hold.

    Returns the NOT and the part it excludes: `a -a`, `a -(a OR b)`, `(a OR b) -(a OR b)`.
    """
    match node:
        case And(children):
            for child in children:
                if isinstance(child, Not):
                    inner = child.child
                    options = set(inner.children if isinstance(inner, Or) else (inner,))
                    for other in children:
                        # `other` holds only if one of its alternatives does, all excluded
                        alternatives = other.children if isinstance(other, Or) else (other,)
                        if other is not child and (other == inner or options.issuperset(alternatives)):
                            return child, other
            return next((x for c in children if (x := _contradiction(c)) is not None), None)
        case Or(children):
            return next((x for c in children if (x := _contradiction(c)) is not None), None)
        case Field(_, child):
            return _contradiction(child)
        case Term() | Prefix() | Exact() | Phrase() | Not() | Near() | Said():  # no AND of ours below
            return None
        case _:
            assert_never(node)


def _has_sentence_near(node: Node) -> bool:
    """Whether a NEAR/S is anywhere in the tree."""
    return any(in_one_sentence(n) for n in walk(node))


def _scope_inside(node: Node) -> str | None:
    """What may not be inside said_by: or quote: (a field scope, another statement), if any."""
    for n in walk(node):
        if isinstance(n, Field):
            return f"a field scope ({n.name}:)"
        if isinstance(n, Said):
            return "said_by: or quote:"
    return None


def _one_statement(children: tuple[Node, ...]) -> tuple[Node, ...]:
    """The statement scopes of one AND as one statement: `said_by:@peskov quote:sanctions` is a
    statement by him about sanctions, not one statement by him and another about sanctions."""
    said = [c for c in children if isinstance(c, Said)]
    if len(said) < 2:
        return children
    speakers = [s.speaker for s in said if s.speaker is not None]
    quotes = [s.quote for s in said if s.quote is not None]
    one = Said(_all_of(speakers), _all_of(quotes))
    out: list[Node] = []
    for child in children:
        if isinstance(child, Said):
            if one not in out:
                out.append(one)
        else:
            out.append(child)
    return tuple(out)


def _all_of(parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(_flatten(And, parts))


def _flatten(kind: type[And] | type[Or], items: Iterable[Node]) -> tuple[Node, ...]:
    """Children of nested ANDs (or ORs) pulled up, repeats dropped: a OR (b OR a) is OR(a, b)."""
    out: list[Node] = []
    for item in items:
        for child in item.children if isinstance(item, kind) else (item,):
            if child not in out:
                out.append(child)
    return tuple(out)
