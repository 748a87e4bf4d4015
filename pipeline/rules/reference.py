"""A slow, independent reference evaluator: one regular expression per rule.

This is the yardstick for the fast matcher (`evaluate`, `index`, `prefilter`, `matcher`): the
benchmark's naive baseline and the tests' oracle. It shares only the definition of a word
(`text.tokenize`, `text.surface`) and the query tree (`nodes`) with the fast path.

A document becomes one string, the *haystack*: for each field, a field mark and the field's code
letter, then every word as `folded JOIN surface`, each word followed by a separator:

    "\\x1dT\\x1f" "peskov\\x1ePeskov\\x1f" "said\\x1esaid\\x1f" "\\x1dX\\x1f" ...

The three control characters never occur in a word (letters, digits and combining marks, even
after folding), so a pattern can say "one whole word" and "never leave this field" exactly.
After the fields come the document's statements (pipeline.statements, the same input the fast
path reads), each as two segments: `MARK P` and the speaker's identity, `MARK Q` and what was
said.

Every span node compiles to a pattern `S` that, started right after a separator, consumes whole
words and stops right before a separator; the text it consumes is the node's word range:

    Term(w)     w JOIN surface              the folded word is exactly `w`
    Prefix(s)   s folded-rest JOIN surface  the folded word starts with `s`
    Exact(w)    folded JOIN w               the surface is exactly `w` (the next char is SEP)
    Phrase      slot SEP slot SEP ...       consecutive words
    Or          (?:A|B|...)                 union of ranges
    Near/n      (?:L (SEP word){0,n-1} SEP R | R (SEP word){0,n-1} SEP L)
                (ONEAR: the first branch only); consuming both sides rules out overlaps, and
                the consumed text is the covering range, so NEARs nest.

Boolean nodes compile to zero-width assertions at position 0 of the haystack:

    span S in fields F   (?=.*?MARK[codes of F][^MARK]*?SEP(?:S)SEP)
    And                  assertion assertion ...
    Or                   (?:A|B|...)
    Not                  (?!A)
    Field(name, child)   child with F = (name,)
    NEAR/S               the NEAR with any gap, in the field's sentences: after the fields, each
                         sentence of each is a segment again, its code the field's in lowercase
    Said(speaker, quote) (?=.*?MARK P (speaker here) [^MARK]* MARK Q (quote here)): one statement
                         whose two segments hold their parts, each part's assertions made at its
                         segment's start with `[^MARK]*?` in place of `.*?MARK[codes]`

Backtracking tries every start, every alternative and every gap, so a rule holds exactly when
some assignment of ranges satisfies the query. `pattern.match(haystack)` decides a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import assert_never

from ..statements import sentences, statements
from .index import Document
from .nodes import (
    DEFAULT_FIELDS,
    FIELDS,
    SAME_SENTENCE,
    And,
    Exact,
    Field,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Said,
    Term,
    in_one_sentence,
    is_span,
    walk,
)
from .text import surface, tokenize

__all__ = ["FIELD_CODES", "ReferenceMatcher", "compile_reference", "haystack", "needs_segments"]

MARK = "\x1d"  # starts a field: MARK, the field's code letter, SEP
JOIN = "\x1e"  # between a word's folded form and its surface form
SEP = "\x1f"  # after the field code and after every word

FIELD_CODES: dict[str, str] = {
    "title": "T",
    "text": "X",
    "source": "S",
    "url": "U",
    "lang": "L",
    "category": "C",
}

SPEAKER_CODE, QUOTE_CODE = "P", "Q"  # a statement's segments (no field has these codes)
SENTENCE_CODES = {name: code.lower() for name, code in FIELD_CODES.items()}  # a field's sentences
_CHAR = "[^\x1d\x1e\x1f]"  # any character of a folded or surface word
_WORD = f"{_CHAR}+{JOIN}{_CHAR}+"  # one whole word, folded and surface


def haystack(doc: Document, segments: bool = True) -> str:
    """All fields of `doc` as one string of words, each field introduced by its mark and code;
    then (`segments`) each field's sentences and the statements, for NEAR/S and said_by:."""
    parts: list[str] = []
    for name in FIELDS:
        parts.append(_segment(FIELD_CODES[name], getattr(doc, name)))
    if not segments:
        return "".join(parts)
    for name in FIELDS:  # each sentence again, for NEAR/S
        value = getattr(doc, name)
        parts += [_segment(SENTENCE_CODES[name], value[s0:s1]) for s0, s1 in sentences(value)]
    for name in ("title", "text"):
        for st in statements(getattr(doc, name)):
            parts.append(_segment(SPEAKER_CODE, st.identity) + _segment(QUOTE_CODE, st.content))
    return "".join(parts)


def _segment(code: str, value: str) -> str:
    words = (tok.folded + JOIN + surface(value[tok.start : tok.end]) + SEP for tok in tokenize(value))
    return MARK + code + SEP + "".join(words)


def _span(node: Node) -> str:
    """A pattern consuming exactly the words of one range where the span node matches."""
    match node:
        case Term(word):
            return re.escape(word) + JOIN + _CHAR + "+"
        case Prefix(stem):
            return re.escape(stem) + _CHAR + "*" + JOIN + _CHAR + "+"
        case Exact(word):
            return _CHAR + "+" + JOIN + re.escape(word) + f"(?={SEP})"
        case Phrase(slots):
            return SEP.join(_span(slot) for slot in slots)
        case Or(children):
            return "(?:" + "|".join(_span(c) for c in children) + ")"
        case Near(left, right, distance, ordered):
            a, b = _span(left), _span(right)
            most = "" if distance == SAME_SENTENCE else str(distance - 1)  # NEAR/S: within a sentence segment
            gap = f"(?:{SEP}{_WORD}){{0,{most}}}{SEP}"
            after = f"{a}{gap}{b}"
            return f"(?:{after})" if ordered else f"(?:{after}|{b}{gap}{a})"
        case And() | Not() | Field() | Said():  # the parser puts only span nodes under NEAR
            raise TypeError(f"not a span node: {node!r}")
        case _:
            assert_never(node)


def _holds(node: Node, fields: Sequence[str] | None) -> str:
    """A zero-width pattern true when `node` holds: anchored at the haystack's start and looking
    in `fields`, or (`fields` None) at a segment's start and looking in that segment only."""
    if isinstance(node, Or) and any(in_one_sentence(c) for c in node.children):
        return "(?:" + "|".join(_holds(c, fields) for c in node.children) + ")"  # each as it is
    if is_span(node):
        if fields is None:
            return f"(?=[^{MARK}]*?{SEP}(?:{_span(node)}){SEP})"
        table = SENTENCE_CODES if in_one_sentence(node) else FIELD_CODES  # NEAR/S: in a sentence
        codes = "".join(table[f] for f in fields)
        return f"(?=.*?{MARK}[{codes}][^{MARK}]*?{SEP}(?:{_span(node)}){SEP})"
    match node:
        case And(children):
            return "".join(_holds(c, fields) for c in children)
        case Or(children):
            return "(?:" + "|".join(_holds(c, fields) for c in children) + ")" if children else "(?!)"
        case Not(child):
            return f"(?!{_holds(child, fields)})"
        case Field(name, child):
            if fields is None:  # the parser keeps field scopes out of said_by: and quote:
                raise AssertionError(f"a field scope inside a statement: {node!r}")
            return _holds(child, (name,))
        case Said(speaker, quote):
            if fields is None:
                raise AssertionError(f"a statement inside a statement: {node!r}")
            who = _holds(speaker, None) if speaker is not None else ""
            what = _holds(quote, None) if quote is not None else ""
            return f"(?=.*?{MARK}{SPEAKER_CODE}{who}[^{MARK}]*{MARK}{QUOTE_CODE}{what})"
        case Term() | Prefix() | Exact() | Phrase() | Near():  # span nodes: handled above
            raise AssertionError(f"a span node is handled above: {node!r}")
        case _:
            assert_never(node)


def needs_segments(node: Node) -> bool:
    """Whether the query looks at sentences (NEAR/S) or statements (said_by:, quote:)."""
    return any(isinstance(n, Said) or in_one_sentence(n) for n in walk(node))


def compile_reference(node: Node) -> re.Pattern[str]:
    """One regex for the whole query tree; `pattern.match(haystack(doc))` says whether it holds."""
    return re.compile(_holds(node, DEFAULT_FIELDS), re.DOTALL)


class ReferenceMatcher:
    """Every rule's regex tried on every document: no index, no prefilter, no shortcuts."""

    def __init__(self, rules: Iterable[tuple[str, Node]]) -> None:
        listed = list(rules)
        self._rules: list[tuple[str, re.Pattern[str]]] = [
            (rule_id, compile_reference(node)) for rule_id, node in listed
        ]
        # Sentences and statements make every haystack longer: only when a rule looks at them.
        self._segments = any(needs_segments(node) for _, node in listed)

    def __len__(self) -> int:
        return len(self._rules)

    def match_ids(self, doc: Document) -> list[str]:
        """The ids of the rules whose regex matches `doc`, in the order the rules were given."""
        text = haystack(doc, self._segments)
        return [rule_id for rule_id, pattern in self._rules if pattern.match(text) is not None]
