"""Watch-rule queries -> tokens, for the parser (`parser`); errors point at a column.

A query is cut at whitespace, parentheses and quotes into lexemes: `(`, `)`, a quoted phrase
(`"..."`, curly quotes too; `="..."` is an exact phrase) and runs of anything else. A run is an
operator when it is one exactly (`AND`, `OR`, `NOT`, `NEAR/n`, `ONEAR/n`, `NEAR/S`: uppercase
only), `-x` (NOT x), `@id` (a person), `field:x` (a field scope, then x) or else a word; what a
word means (prefix, =exact, several words) is the parser's and the leaves' business.
"""

from __future__ import annotations

import re
from enum import IntEnum, auto
from typing import Any, NamedTuple

from .leaves import QUOTES
from .nodes import FIELDS, SAME_SENTENCE

__all__ = [
    "MAX_DISTANCE",
    "STATEMENT_SCOPES",
    "Kind",
    "QuerySyntaxError",
    "Tok",
    "lex",
    "operator_lookalikes",
]

_FIELD_RE = re.compile(r"([A-Za-z][A-Za-z_]*):(.*)", re.DOTALL)
_NEAR_NAMES = ("NEAR", "ONEAR")  # written NAME/n; ONEAR: in this order
_NEAR_RE = re.compile(rf"({'|'.join(_NEAR_NAMES)})(?:/(.*))?", re.DOTALL)
STATEMENT_SCOPES = ("said_by", "quote")
MAX_DISTANCE = 1000


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


class Kind(IntEnum):  # an IntEnum: see bench/README.md, "Rules"
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
    PERSON = auto()
    END = auto()


_OPERATORS = {"AND": Kind.AND, "OR": Kind.OR, "NOT": Kind.NOT}  # whole runs
_MINUS = "-"
_PERSON = "@"
# A run starting otherwise is a plain word unless it has a colon (field:): the fast path. Runs
# that are whole operators are looked up before; these are the operators that start a run.
_OPERATOR_STARTS = "".join(sorted({_MINUS, _PERSON, *(name[0] for name in _NEAR_NAMES)}))


class Tok(NamedTuple):
    kind: Kind
    col: int  # 1-based
    text: str = ""
    distance: int = 0
    ordered: bool = False
    exact: bool = False  # a phrase written ="..."


# Whitespace separates tokens and is skipped by finditer; group 1: "(", 2: ")", 3: a quoted
# phrase (perhaps unterminated), 4: any other run (a word, an operator, -x, field:x).
_LEXEME = re.compile(rf"(\()|(\))|([{QUOTES}][^{QUOTES}]*[{QUOTES}]?)|([^\s(){QUOTES}]+)")
_new = tuple.__new__  # a token without NamedTuple's __new__: see bench/README.md, "Rules"


_LOOKALIKE = re.compile(r"(?i:and|or|not|o?near/\d+)")


def operator_lookalikes(query: str) -> list[tuple[str, int]]:
    """Words of a query that look like operators but are not, being lowercase ("and", "near/3"):
    (the word, its 1-based column). They are matched as words, which is rarely what was meant."""
    try:
        toks = lex(query)
    except QuerySyntaxError:
        return []
    return [
        (t.text, t.col)
        for t in toks
        if t.kind is Kind.WORD
        and _LOOKALIKE.fullmatch(t.text)
        and not t.text.isupper()
        and query[t.col - 2 : t.col - 1] != ":"  # title:and is the word, in the title
    ]


def _tok(kind: Kind, col: int, text: str = "", distance: int = 0, ordered: bool = False) -> Tok:
    return _new(Tok, (kind, col, text, distance, ordered, False))


def lex(query: str) -> list[Tok]:
    """The tokens of a query, ending with an END token; raises QuerySyntaxError."""
    toks: list[Tok] = []
    for m in _LEXEME.finditer(query):
        kind = m.lastindex
        if kind == 4:
            run = m.group(4)
            if run in _OPERATORS:
                toks.append(_new(Tok, (_OPERATORS[run], m.start() + 1, "", 0, False, False)))
            elif ":" not in run and run[0] not in _OPERATOR_STARTS:  # the common case: a plain word
                toks.append(_new(Tok, (Kind.WORD, m.start() + 1, run, 0, False, False)))
            else:
                _lex_run(query, run, m.start() + 1, m.end(), toks)
        elif kind == 1:
            toks.append(_tok(Kind.LPAREN, m.start() + 1))
        elif kind == 2:
            toks.append(_tok(Kind.RPAREN, m.start() + 1))
        else:
            lexeme, i = m.group(3), m.start()
            if len(lexeme) < 2 or lexeme[-1] not in QUOTES:
                raise QuerySyntaxError("unterminated quote: this phrase is never closed", i + 1, query)
            col, exact = i + 1, False
            if toks and toks[-1].kind is Kind.WORD and toks[-1].text == "=" and toks[-1].col == i:
                col, exact = toks.pop().col, True  # ="Exact Phrase"
            toks.append(_new(Tok, (Kind.PHRASE, col, lexeme[1:-1], 0, False, exact)))
    toks.append(_tok(Kind.END, len(query) + 1))
    return toks


def _lex_run(query: str, run: str, col: int, end: int, toks: list[Tok]) -> None:
    """One run of non-space, non-paren, non-quote characters: operator, -, field: or word."""
    if run in _OPERATORS:
        toks.append(_tok(_OPERATORS[run], col))
        return
    if ":" not in run and run[0] not in _OPERATOR_STARTS:  # the common case: a plain word
        toks.append(_tok(Kind.WORD, col, run))
        return
    near = _NEAR_RE.fullmatch(run)
    if near:
        op, num = near.groups()
        if num == "S":  # in one sentence
            toks.append(_tok(Kind.NEAR, col, run, SAME_SENTENCE, op == "ONEAR"))
            return
        if num is None or not num.isascii() or not num.isdigit():
            raise QuerySyntaxError(
                f"{op} needs a distance in words, e.g. {op}/5, or S for one sentence: {op}/S", col, query
            )
        if not 1 <= int(num) <= MAX_DISTANCE:
            raise QuerySyntaxError(
                f"{op}/{num}: the distance must be from 1 (adjacent) to {MAX_DISTANCE} words", col, query
            )
        toks.append(_tok(Kind.NEAR, col, run, int(num), op == "ONEAR"))
        return
    if run.startswith(_MINUS):
        if len(run) == 1 and (end >= len(query) or query[end].isspace()):
            raise QuerySyntaxError("'-' must be followed directly by what to exclude, e.g. -word", col, query)
        toks.append(_tok(Kind.MINUS, col))
        if len(run) > 1:
            _lex_run(query, run[1:], col + 1, end, toks)
        return
    if run.startswith(_PERSON):
        toks.append(_tok(Kind.PERSON, col, run[1:]))
        return
    field = _FIELD_RE.fullmatch(run)
    if field:
        name, rest = field.groups()
        if name.lower() not in FIELDS and name.lower() not in STATEMENT_SCOPES:
            known = ", ".join((*FIELDS, *STATEMENT_SCOPES))
            raise QuerySyntaxError(
                f"unknown field {name!r} (known fields: {known}); to search for a colon, quote it",
                col,
                query,
            )
        toks.append(_tok(Kind.FIELD, col, name.lower()))
        if rest:
            _lex_run(query, rest, col + len(name) + 1, end, toks)
        return
    toks.append(_tok(Kind.WORD, col, run))
