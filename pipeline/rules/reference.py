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

`reference_hits` is the yardstick for explanations (`evaluate.explain_hits`, what a match shows):
every hit, found naively from the definition, without a regex. Each span node's ranges are listed
word by word, and a NEAR's pair by pair (every left range against every right range); a range's
hits are those of the ranges it covers. The node's hits are its ranges' in the fields in scope;
an AND's are its children's, an OR's those of its children that are true, a NOT has none, a
statement (`said_by:`, `quote:`) gives the speaker and the verb as named in the field (marked
with the statement) and its content's hits, as `evaluate` places them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import assert_never

from ..statements import Statement, sentences, statements
from .evaluate import Hit
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

__all__ = [
    "FIELD_CODES",
    "ReferenceMatcher",
    "compile_reference",
    "haystack",
    "needs_segments",
    "reference_hits",
]

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
    "kind": "K",
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


# --- explanations ---------------------------------------------------------------------------------

_Spans = dict[tuple[int, int], frozenset[Hit]]  # a span node's ranges [start, end) and their hits


class _Words:
    """One field as lists: each word folded and as written, and the sentence it is in (the
    number of sentences starting at or before it)."""

    def __init__(self, name: str, value: str) -> None:
        tokens = tokenize(value)
        self.name = name
        self.folded = [t.folded for t in tokens]
        self.written = [surface(value[t.start : t.end]) for t in tokens]
        starts = [s0 for s0, _ in sentences(value)]
        self.sentence = [sum(1 for s0 in starts if s0 <= t.start) for t in tokens]


def reference_hits(node: Node, doc: Document, fields: Sequence[str] = DEFAULT_FIELDS) -> list[Hit] | None:
    """Every hit that makes `node` true in `doc`, or None when it is false (see the module's
    docstring); in no particular order, each once."""
    found = _explained(node, doc, tuple(fields), {})
    return None if found is None else list(found)


def _explained(
    node: Node, doc: Document, fields: tuple[str, ...], seen: dict[str, _Words]
) -> frozenset[Hit] | None:
    match node:
        case Term() | Prefix() | Exact() | Phrase() | Near():
            every = [_spans(node, _field(doc, name, seen)) for name in fields]
            if not any(every):
                return None
            return frozenset(h for spans in every for hits in spans.values() for h in hits)
        case And(children):
            every_child: set[Hit] = set()
            for child in children:
                part = _explained(child, doc, fields, seen)
                if part is None:
                    return None
                every_child |= part
            return frozenset(every_child)
        case Or(children):
            true = [p for c in children if (p := _explained(c, doc, fields, seen)) is not None]
            return frozenset().union(*true) if true else None
        case Not(child):
            return frozenset() if _explained(child, doc, fields, seen) is None else None
        case Field(name, child):
            return _explained(child, doc, (name,), seen)
        case Said(speaker, quote):
            return _said(speaker, quote, doc)
        case _:
            assert_never(node)


def _field(doc: Document, name: str, seen: dict[str, _Words]) -> _Words:
    if name not in seen:
        seen[name] = _Words(name, getattr(doc, name))
    return seen[name]


def _spans(node: Node, words: _Words) -> _Spans:
    """Every range of a span node in one field, with its hits."""
    count = len(words.folded)
    match node:
        case Term() | Prefix() | Exact():
            return {
                (i, i + 1): frozenset({Hit(words.name, i, i + 1, node)})
                for i in range(count)
                if _is(node, words, i)
            }
        case Phrase(slots):
            size = len(slots)
            return {
                (i, i + size): frozenset({Hit(words.name, i, i + size, node)})
                for i in range(count - size + 1)
                if all(_is(slot, words, i + k) for k, slot in enumerate(slots))
            }
        case Or(children):
            out: dict[tuple[int, int], frozenset[Hit]] = {}
            for child in children:
                for where, hits in _spans(child, words).items():
                    out[where] = out.get(where, frozenset()) | hits
            return out
        case Near(left, right, distance, ordered):
            lefts, rights = _spans(left, words), _spans(right, words)
            out = {}
            for (a, b), left_hits in lefts.items():
                for (c, d), right_hits in rights.items():
                    if _near(words, (a, b), (c, d), distance) or (
                        not ordered and _near(words, (c, d), (a, b), distance)
                    ):
                        where = (min(a, c), max(b, d))
                        out[where] = out.get(where, frozenset()) | left_hits | right_hits
            return out
        case And() | Not() | Field() | Said():
            raise TypeError(f"not a span node: {node!r}")
        case _:
            assert_never(node)


def _near(words: _Words, first: tuple[int, int], then: tuple[int, int], distance: int) -> bool:
    """Whether the range `then` comes after `first` within the distance (fewer than `distance`
    words between them), or, for NEAR/S, both in one sentence."""
    (a, b), (c, d) = first, then
    if c < b:
        return False
    if distance == SAME_SENTENCE:
        return words.sentence[a] == words.sentence[d - 1]
    return c - b < distance


def _is(leaf: Term | Prefix | Exact, words: _Words, i: int) -> bool:
    match leaf:
        case Term(word):
            return words.folded[i] == word
        case Prefix(stem):
            return words.folded[i].startswith(stem)
        case Exact(word):
            return words.written[i] == word
        case _:
            assert_never(leaf)


def _said(speaker: Node | None, quote: Node | None, doc: Document) -> frozenset[Hit] | None:
    """The hits of the first statement (the title's, then the text's) whose speaker and content
    hold their parts."""
    for name in ("title", "text"):
        text = getattr(doc, name)
        for st in statements(text):
            own = Document(title="", text="", speaker=st.identity, quote=st.content)
            who = _explained(speaker, own, ("speaker",), {}) if speaker is not None else frozenset()
            what = _explained(quote, own, ("quote",), {}) if quote is not None else frozenset()
            if who is not None and what is not None:
                return _statement_hits(name, text, st, what)
    return None


def _statement_hits(name: str, text: str, st: Statement, content: frozenset[Hit]) -> frozenset[Hit]:
    """Who and the verb as named in the field, then what matched in the content, placed there."""
    out = set()
    for start, said in ((st.speaker_start, st.speaker), (st.verb_start, st.verb)):
        named = tuple(Term(t.folded) for t in tokenize(said))
        if named:
            before = len(tokenize(text[:start]))
            out.add(Hit(name, before, before + len(named), Phrase(named), st))
    base = len(tokenize(text[: st.content_start]))
    out |= {Hit(name, base + h.start, base + h.end, h.leaf) for h in content}
    return frozenset(out)
