"""Full-text candidates: what a history store's text index holds of an article, and the question a
rule's tree asks of it.

Search and backfill ask the index (SQLite FTS5, PostgreSQL tsvector) for candidates and check
each with the matcher, so the question must be one that *every* article the matcher matches
answers yes to: a superset, never a miss. Both sides come from the matcher's own words:

- `index_words(title, text)`: the words of title and text exactly as the matcher splits and
  folds them (`text.words`: possessives dropped, accents and case folded), each reduced by
  `index_token` to its letters and digits, so that any tokenizer (FTS5 unicode61, PostgreSQL's
  parser) sees one token per word, joined by spaces.
- `candidate_query(node)`: the words, prefixes and phrases a matching article must hold, as a
  small tree of `Word`, `WordPrefix`, `WordPhrase`, `AllOf` and `AnyOf` (None: no constraint,
  the caller reads by time). A NOT, and anything in a field the index lacks (source, url, lang,
  category), ask nothing; an AND keeps its few most selective parts (by the prefilter's word
  costs); an OR needs every branch to ask something.
- `fts5_match`, `tsquery`: the tree as FTS5 MATCH text and as to_tsquery('simple', ...) text;
  `satisfied`: the tree evaluated over `index_words` in Python (tests, and a caller's check).

Why a query word and a document word that the matcher equates give the same token: both are
folded words, `index_token` maps equal words to equal tokens and a word that starts with a
prefix's stem to a token that starts with the stem's token (it drops characters one by one, and
cuts long tokens at the same length), and a word whose token is empty is left out on both sides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, assert_never, final

from .nodes import DEFAULT_FIELDS, And, Exact, Field, Leaf, Near, Node, Not, Or, Phrase, Prefix, Said, Term
from .prefilter import clauses, prefix_cost, word_cost
from .text import blank_possessives, prepared_words

__all__ = [
    "INDEXED_FIELDS",
    "MAX_ATOMS",
    "MAX_INDEX_BYTES",
    "MAX_TOKEN_BYTES",
    "AllOf",
    "AnyOf",
    "Candidate",
    "IndexText",
    "Word",
    "WordPhrase",
    "WordPrefix",
    "candidate_any",
    "candidate_query",
    "fts5_match",
    "index_text",
    "index_token",
    "index_words",
    "satisfied",
    "tsquery",
]

INDEXED_FIELDS = frozenset(DEFAULT_FIELDS)  # the fields `index_words` holds: title and text
# A token is cut to this many UTF-8 bytes (at a character). PostgreSQL drops a word of 2,048
# bytes or more from a tsvector; cutting (rather than dropping) keeps a long word and a prefix
# of it findable, and keeps a phrase's words next to each other in the index.
MAX_TOKEN_BYTES = 255
# An article's index text is cut to this many bytes (at a word). A tsvector must stay under
# 1 MB, and it can take up to five times the bytes of its text (a word of one letter costs 10
# bytes in it); 150,000 bytes is about 25,000 words, longer than nearly every article.
MAX_INDEX_BYTES = 150_000
MAX_PARTS = 4  # an AND asks the index at most this many of its parts
SELECTIVE = 0.5  # ... each likelier than this to be absent from an article (or the rarest one)
MAX_ATOMS = 512  # a candidate query with more words than this asks nothing (backfill's many rules)

# Characters that are letters to Python (str.isalnum) but at which SQLite's unicode61 tokenizer
# (Unicode 6.1 categories) splits a word: New Tai Lue vowel signs and two Vedic signs, spacing
# marks in Unicode 6.1. A token made of them alone would be an empty FTS5 phrase, which matches
# nothing. PostgreSQL's parser splits words at "other numbers" (category No: ², ½, ৴, ①), which
# `fold` mostly turns into digits already. Left out of every token, neither reaches a tokenizer
# (tests check every other character against FTS5).
_FTS_SEPARATORS = frozenset(chr(c) for c in (*range(0x19B0, 0x19C1), 0x19C8, 0x19C9, 0x1CF2, 0x1CF3))


def _kept(c: str) -> bool:
    if c.isalpha() or c.isdecimal():
        return c not in _FTS_SEPARATORS
    return c.isnumeric() and unicodedata.category(c) != "No"  # letter numbers (Nl) stay


def index_token(word: str) -> str:
    """A folded word as the index holds it: its letters and digits only, at most MAX_TOKEN_BYTES
    of UTF-8 ("" when it has none: such a word is not indexed, and asks nothing in a query).

    Equal words give equal tokens, and a word that starts with a stem gives a token that starts
    with the stem's token: characters are dropped one by one, and a token is cut at a length."""
    if word.isascii():
        if not word.isalnum():  # folded ASCII words are letters and digits already; defensively
            word = "".join(c for c in word if c.isalnum())
        return word[:MAX_TOKEN_BYTES]
    return _token(word)


@lru_cache(maxsize=1 << 16)  # an article's words repeat: most are looked up, not made
def _token(word: str) -> str:
    if not (word.isalpha() and _FTS_SEPARATORS.isdisjoint(word)):  # all letters: the common case
        word = "".join(c for c in word if _kept(c))
    if len(word) * 4 > MAX_TOKEN_BYTES:
        word = word.encode()[:MAX_TOKEN_BYTES].decode(errors="ignore")  # a cut character goes
    return word


class IndexText(NamedTuple):
    """What the index stores of an article, and whether it is all of the article's words: an
    article whose words were cut (`complete` False) must be read whatever the query asks."""

    words: str
    complete: bool


def index_text(title: str, text: str, *, max_bytes: int = MAX_INDEX_BYTES) -> IndexText:
    """The tokens of the title's words, then the text's, in order, joined by single spaces;
    cut at a word to at most `max_bytes` bytes of UTF-8."""
    joined = " ".join([*_tokens(title), *_tokens(text)])
    if len(joined) * 4 <= max_bytes:
        return IndexText(joined, True)
    encoded = joined.encode()
    if len(encoded) <= max_bytes:
        return IndexText(joined, True)
    cut = encoded[: max_bytes + 1].rfind(b" ")  # the space after the last whole word that fits
    return IndexText(encoded[: max(cut, 0)].decode(), False)


def _tokens(text: str) -> list[str]:
    """`index_token` of each of the text's words, without the empty ones. An ASCII word of the
    matcher is letters and digits already, its own token unless too long (bench/README.md)."""
    found, ascii_only = prepared_words(blank_possessives(text))
    if not ascii_only:
        found = [w if w.isascii() else _token(w) for w in found]
        if "" in found:
            found = [t for t in found if t]
    if found and max(map(len, found)) > MAX_TOKEN_BYTES:
        return [index_token(t) for t in found]
    return found


def index_words(title: str, text: str) -> str:
    """`index_text(title, text).words`."""
    return index_text(title, text).words


# --- the candidate query -----------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class Word:
    """An index token, as a whole token."""

    token: str


@final
@dataclass(frozen=True, slots=True)
class WordPrefix:
    """Any index token starting with `stem`."""

    stem: str


@final
@dataclass(frozen=True, slots=True)
class WordPhrase:
    """Consecutive index tokens (at least two)."""

    parts: tuple[Word | WordPrefix, ...]


@final
@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Candidate, ...]


@final
@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple[Candidate, ...]


Candidate = Word | WordPrefix | WordPhrase | AllOf | AnyOf
_Atom = Word | WordPrefix


def candidate_query(node: Node) -> Candidate | None:
    """What every article `node` matches holds in `index_words` (None: nothing to ask)."""
    return _cap(_derive(node, DEFAULT_FIELDS, positions=True))


def candidate_any(nodes: Iterable[Node]) -> Candidate | None:
    """What every article one of `nodes` matches holds (backfill's rules: the OR of each rule's
    candidates); None when one of them asks nothing."""
    found: list[Candidate] = []
    for node in nodes:
        one = _derive(node, DEFAULT_FIELDS, positions=True)
        if one is None:
            return None
        found.append(one)
    return _cap(_any(found)) if found else None


def _cap(c: Candidate | None) -> Candidate | None:
    """A question too big to be quick to ask (or to parse) is no question."""
    return None if c is None or _atoms(c) > MAX_ATOMS else c


def _atoms(c: Candidate) -> int:
    if type(c) is Word or type(c) is WordPrefix:
        return 1
    if type(c) is WordPhrase:
        return len(c.parts)
    if type(c) is AllOf:
        return sum(map(_atoms, c.parts))
    if type(c) is AnyOf:
        return sum(map(_atoms, c.options))
    raise TypeError(c)


def _derive(node: Node, fields: tuple[str, ...], *, positions: bool) -> Candidate | None:
    """The candidate of `node` searched in `fields`. Each case holds for every article `node`
    holds for: an AND's parts all hold (so any of their candidates do), an OR's branch holds (so
    its candidate does, and an OR with a branch that asks nothing asks nothing), a NEAR holds
    both sides, a NOT and a field the index lacks ask nothing."""
    match node:
        case Term() | Prefix() | Exact():
            return _leaf(node, fields)
        case Phrase(slots):
            return _phrase(slots, fields) if positions else _all([_leaf(s, fields) for s in slots])
        case And(children):
            return _all([_derive(c, fields, positions=positions) for c in children])
        case Or(children):
            options = [_derive(c, fields, positions=positions) for c in children]
            return None if any(o is None for o in options) else _any([o for o in options if o is not None])
        case Near(left, right):
            return _all(
                [_derive(left, fields, positions=positions), _derive(right, fields, positions=positions)]
            )
        case Field(name, child):
            return _derive(child, (name,), positions=positions)
        case Not():
            return None
        case Said(speaker, quote):
            # A statement's speaker (its mentions joined by " | ") and its content are words of
            # the title or text; not necessarily in the same order: a phrase asks for its words.
            parts = [_derive(p, DEFAULT_FIELDS, positions=False) for p in (speaker, quote) if p is not None]
            return _all(parts)
        case _:
            assert_never(node)


def _leaf(leaf: Leaf, fields: tuple[str, ...]) -> _Atom | None:
    """A word's token (the prefilter's anchor key: an exact word folded), if the index has it."""
    if not INDEXED_FIELDS.issuperset(fields):
        return None
    (clause,) = clauses(leaf, fields)
    (anchor,) = clause.anchors
    token = index_token(anchor.key)
    if not token:
        return None
    return WordPrefix(token) if anchor.is_prefix else Word(token)


def _phrase(slots: tuple[Leaf, ...], fields: tuple[str, ...]) -> Candidate | None:
    """Consecutive words as runs of consecutive tokens. A whole word without a token is in no
    document's index either (the same word), so its neighbours stay next to each other; a
    prefix without one might stand for a word with a token, so a run ends there."""
    if not INDEXED_FIELDS.issuperset(fields):
        return None
    runs: list[list[_Atom]] = [[]]
    for slot in slots:
        atom = _leaf(slot, fields)
        if atom is not None:
            runs[-1].append(atom)
        elif type(slot) is Prefix:
            runs.append([])
    parts: list[Candidate | None] = [
        WordPhrase(tuple(run)) if len(run) > 1 else run[0] for run in runs if run
    ]
    return _all(parts)


def _cost(c: Candidate) -> float:
    """A rough chance that an article holds `c` anyway (the prefilter's word costs)."""
    if type(c) is Word:
        return word_cost(c.token)
    if type(c) is WordPrefix:
        return prefix_cost(c.stem)
    if type(c) is WordPhrase:
        return min(map(_cost, c.parts)) / 2
    if type(c) is AllOf:
        return min(map(_cost, c.parts))
    if type(c) is AnyOf:
        return min(1.0, sum(map(_cost, c.options)))
    raise TypeError(c)


def _all(parts: Sequence[Candidate | None]) -> Candidate | None:
    """The parts that ask something, flattened, without repeats: the most selective few."""
    found: dict[Candidate, None] = {}
    for p in parts:
        if type(p) is AllOf:
            found.update(dict.fromkeys(p.parts))
        elif p is not None:
            found[p] = None
    if not found:
        return None
    ranked = sorted(found, key=_cost)
    kept = [p for p in ranked if _cost(p) < SELECTIVE][:MAX_PARTS] or ranked[:1]
    return kept[0] if len(kept) == 1 else AllOf(tuple(kept))


def _any(options: Sequence[Candidate]) -> Candidate:
    found: dict[Candidate, None] = {}
    for o in options:
        if type(o) is AnyOf:
            found.update(dict.fromkeys(o.options))
        else:
            found[o] = None
    return next(iter(found)) if len(found) == 1 else AnyOf(tuple(found))


# --- evaluating and rendering --------------------------------------------------------------------


def satisfied(c: Candidate | None, tokens: str | Sequence[str]) -> bool:
    """Whether the index tokens (`index_words`' text, or its split) answer `c` yes."""
    seq = tokens.split() if isinstance(tokens, str) else list(tokens)
    return True if c is None else _satisfied(c, seq, set(seq))


def _satisfied(c: Candidate, seq: list[str], vocabulary: set[str]) -> bool:
    if type(c) is Word:
        return c.token in vocabulary
    if type(c) is WordPrefix:
        return any(t.startswith(c.stem) for t in vocabulary)
    if type(c) is WordPhrase:
        n = len(c.parts)
        return any(
            all(_at(part, seq[i + k]) for k, part in enumerate(c.parts)) for i in range(len(seq) - n + 1)
        )
    if type(c) is AllOf:
        return all(_satisfied(p, seq, vocabulary) for p in c.parts)
    if type(c) is AnyOf:
        return any(_satisfied(o, seq, vocabulary) for o in c.options)
    raise TypeError(c)


def _at(atom: _Atom, token: str) -> bool:
    return token == atom.token if type(atom) is Word else token.startswith(atom.stem)


def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5_match(c: Candidate | None) -> str | None:
    """`c` as the right side of an FTS5 MATCH: `"peskov" AND ("said" OR "claim"*)`, a phrase
    `"kremlin spokesman"` (with a prefix: `"kremlin" + "spokes"*`). None asks nothing: read by
    time instead. Phrases need the table's default detail=full."""
    return None if c is None else _fts5(c, top=True)


def _fts5(c: Candidate, *, top: bool = False) -> str:
    if type(c) is Word:
        return _fts5_string(c.token)
    if type(c) is WordPrefix:
        return _fts5_string(c.stem) + "*"
    if type(c) is WordPhrase:
        if all(type(p) is Word for p in c.parts):
            return _fts5_string(" ".join(p.token for p in c.parts if type(p) is Word))
        return " + ".join(_fts5(p) for p in c.parts)
    if type(c) is AllOf or type(c) is AnyOf:
        op, items = (" AND ", c.parts) if type(c) is AllOf else (" OR ", c.options)
        text = op.join(_fts5(p) for p in items)
        return text if top else f"({text})"
    raise TypeError(c)


def _lexeme(token: str) -> str:
    # Quotes and backslashes doubled, as tsquery input wants (tokens have neither, but still).
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(c: Candidate | None, *, phrases: bool = False) -> str | None:
    """`c` as tsquery text: `'peskov' & ('said' | 'claim':*)`. Best cast as it is
    (`CAST(:q AS tsquery)`) and matched against `array_to_tsvector(string_to_array(words, ' '))`
    of `index_words`: the index then holds exactly these tokens, with no parser in between
    (PostgreSQL's splits "00e1a" into a number and a word, and ৴ and ½ off words, by locale).
    It is also valid input for to_tsquery('simple', ...) over to_tsvector('simple', words).

    A phrase is `'kremlin' <-> 'spokesman'` only with `phrases` (and a tsvector with positions),
    else its words joined by `&`: a tsvector keeps at most 256 positions of a word and counts
    positions only up to 16,383, so in a long article a phrase search can miss a phrase that
    is there."""
    return None if c is None else _ts(c, phrases, top=True)


def _ts(c: Candidate, phrases: bool, *, top: bool = False) -> str:
    if type(c) is Word:
        return _lexeme(c.token)
    if type(c) is WordPrefix:
        return _lexeme(c.stem) + ":*"
    if type(c) is WordPhrase:
        text = (" <-> " if phrases else " & ").join(_ts(p, phrases) for p in c.parts)
        return text if top else f"({text})"
    if type(c) is AllOf or type(c) is AnyOf:
        op, items = (" & ", c.parts) if type(c) is AllOf else (" | ", c.options)
        text = op.join(_ts(p, phrases) for p in items)
        return text if top else f"({text})"
    raise TypeError(c)
