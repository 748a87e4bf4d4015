"""Property tests: the rules' fast paths against the slower definitions they must agree with.

`compile_holds` (the matcher's compiled check) against `holds`, and explanations (every hit, and
the first few of a field) against the reference's, on documents and queries drawn from the query
grammar; and every other way of finding the words of a text (`words`, `spans`,
`raw_words`, `prepared_words`, `WordLocator`, the ASCII split, `is_one_word`, an index's
whole-word search for `=exact` words) against `tokenize`, on texts from all over Unicode.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache

from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from pipeline.rules import Document, QuerySyntaxError, parse_query, tokenize, words
from pipeline.rules.evaluate import compile_holds, explain_hits, holds
from pipeline.rules.highlight import build_match
from pipeline.rules.index import DocumentIndex, FieldIndex
from pipeline.rules.nodes import DEFAULT_FIELDS, FIELDS
from pipeline.rules.reference import compile_reference, haystack, reference_hits
from pipeline.rules.text import (
    _ASCII_SEPARATE,
    _ASCII_SEPARATE_LOWER,
    _WORD,
    WordLocator,
    _ascii_split,
    _ascii_words_only,
    blank_possessives,
    fold,
    in_word,
    is_one_word,
    prepared_words,
    raw_words,
    spans,
    surface,
)

from .test_rules_reference import ALL_FORMS, FIELD_NAMES

# No example database (no failing examples saved between runs): a failure prints its minimal
# example, to pin with @example. Budgets keep each test within a few seconds on a slow two-core
# machine.
QUICK = settings(max_examples=400, deadline=None, database=None)
MATCHING = settings(
    max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
EXPLAINING = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- compile_holds against holds ------------------------------------------------------------------

# The reference tests' words (inflections, accents, Cyrillic) and a few that split or fold.
VOCABULARY = [*ALL_FORMS, "O'Neill", "Lvova-Belova", "straße", "ﬁnal", "İstanbul", "s", "東京"]


def _alternating(word: str) -> str:
    return "".join(c.upper() if n % 2 else c.lower() for n, c in enumerate(word))


CASINGS: list[Callable[[str], str]] = [str, str, str.title, str.upper, _alternating]


@st.composite
def cased(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(CASINGS))(draw(st.sampled_from(VOCABULARY)))


@st.composite
def doc_word(draw: st.DrawFn) -> str:
    word = draw(cased())
    if draw(st.booleans()):
        word = unicodedata.normalize("NFD", word)  # decomposed accents, ё, й
    return word + draw(st.sampled_from(["", "", "", "'s", "’s", "'S"]))  # possessives


SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "-", "\n", "’", ' "', '" ', "_", " \u0301"]


@st.composite
def doc_text(draw: st.DrawFn, least: int, most: int) -> str:
    parts = draw(st.lists(st.tuples(doc_word(), st.sampled_from(SEPARATORS)), min_size=least, max_size=most))
    return "".join(word + sep for word, sep in parts)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    url_words = draw(st.lists(st.sampled_from(ALL_FORMS), max_size=3))
    return Document(
        title=draw(doc_text(0, 10)),
        text=draw(doc_text(10, 40)),
        source=draw(doc_text(0, 2)),
        url="https://news.example/" + "-".join(url_words),
        lang=draw(st.sampled_from(["en", "ru", "EN", ""])),
        category=draw(doc_text(0, 2)),
    )


@st.composite
def leaf(draw: st.DrawFn) -> str:
    word = draw(cased())
    kind = draw(st.sampled_from(["word", "word", "word", "prefix", "exact"]))
    if kind == "prefix" and len(word) > 1:
        return word[: draw(st.integers(1, len(word) - 1))] + "*"
    if kind == "exact":
        return "=" + word
    return word


@st.composite
def phrase(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:  # an exact phrase
        return '="' + " ".join(draw(st.lists(cased(), min_size=2, max_size=3))) + '"'
    return '"' + " ".join(draw(st.lists(leaf(), min_size=2, max_size=3))) + '"'


@cache  # each strategy built once, not at every draw
def span(depth: int) -> st.SearchStrategy[str]:
    """A query part that says where it matches (a NEAR operand), as a primary."""
    if depth == 0:
        return st.one_of(leaf(), leaf(), phrase())
    inner = span(depth - 1)
    ors = st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(" + " OR ".join(parts) + ")")
    distance = st.one_of(st.integers(1, 4).map(str), st.just("S"))
    near = st.builds(
        lambda left, op, n, right: f"({left} {op}/{n} {right})",
        inner,
        st.sampled_from(["NEAR", "NEAR", "ONEAR"]),
        distance,
        inner,
    )
    return st.one_of(leaf(), leaf(), phrase(), ors, near)


SCOPES = [*FIELD_NAMES, "category"]


@cache
def boolean(depth: int) -> st.SearchStrategy[str]:
    """Any query part, as a primary or a NOT."""
    spans_ = span(min(depth, 2))
    if depth == 0:
        return spans_
    inner = boolean(depth - 1)
    ands = st.tuples(st.lists(inner, min_size=2, max_size=3), st.sampled_from([" ", " AND "])).map(
        lambda t: "(" + t[1].join(t[0]) + ")"
    )
    ors = st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(" + " OR ".join(parts) + ")")
    nots = st.builds(lambda op, part: op + part, st.sampled_from(["-", "NOT "]), inner)
    fields = st.builds(lambda name, part: f"{name}:({part})", st.sampled_from(SCOPES), inner)
    statements = st.builds(lambda name, part: f"{name}:{part}", st.sampled_from(["said_by", "quote"]), leaf())
    return st.one_of(spans_, spans_, ands, ors, nots, fields, statements)


@st.composite
def queries(draw: st.DrawFn) -> str:
    query = draw(boolean(3))
    if draw(st.booleans()):  # a positive part beside it, so fewer queries are NOT-only
        query = f"{draw(span(1))} {query}"
    return query


FIELD_SETS = st.one_of(
    st.just(DEFAULT_FIELDS), st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True).map(tuple)
)


@MATCHING
@given(query=queries(), document=documents(), fields=FIELD_SETS)
def test_compiled_checks_agree_with_holds(query: str, document: Document, fields: tuple[str, ...]) -> None:
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        reject()
    expected = holds(node, DocumentIndex(document), fields)
    assert compile_holds(node, fields)(DocumentIndex(document)) == expected
    shared = DocumentIndex(document)  # as in the matcher: one index, asked in turn
    assert compile_holds(node, fields)(shared) == holds(node, shared, fields) == expected


# --- explanations against the reference's ---------------------------------------------------------


@EXPLAINING
@given(query=queries(), document=documents(), most=st.integers(1, 4))
def test_explanations_agree_with_the_reference(query: str, document: Document, most: int) -> None:
    """Every hit, as the naive reference finds them; and with the hits cut to the first `most`
    of a field (the matcher's cap, made small), the matches shown are the ones the reference's
    every hit makes, `hits_total` a lower bound of its count past the cap."""
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        reject()
    index = DocumentIndex(document)
    expected = reference_hits(node, document)
    assert (expected is None) == (compile_reference(node).match(haystack(document)) is None)
    every = explain_hits(node, index)
    assert (every is None) == (expected is None)
    if every is None or expected is None:
        return
    assert set(every) == set(expected)
    first = explain_hits(node, index, limit=most + 1)
    assert first is not None
    for field in {h.field for h in expected}:
        shown = build_match(field, index.field(field), first, most=most)
        truth = build_match(field, index.field(field), expected, most=most)
        assert shown.model_copy(update={"hits_total": None}) == truth.model_copy(update={"hits_total": None})
        if truth.hits_total is None:
            assert shown.hits_total is None
        else:
            assert shown.hits_total is not None and most < shown.hits_total <= truth.hits_total


# --- word finders against tokenize ----------------------------------------------------------------

APOSTROPHES = "'\u2019\u2018\u201b\u02bc\uff07\u2032"
# Characters that test the edges of a word: combining marks (Mn, Mc, Me), letters that fold to
# nothing, ligatures and case oddities, digits of other scripts, separators of every kind.
SPECIAL = (
    "\u0301\u0306\u0308\u0327\u0903\u093f\u20dd\uff9e\uff9f"
    "ﬁßİΣςЁёЙй²½٣"
    '_-\u2010\u2013\u2014\u2212.,;:!?«»“”"()'
    "\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2028\u3000\u200b\u200d"
    "\x00\x07\x7f"
)
CHARACTERS = st.one_of(
    st.sampled_from("abcsSzAZ019"),  # ASCII words, and the s of a possessive
    st.sampled_from("abcsSzAZ019"),
    st.sampled_from("    \u00a0\n"),  # mostly spaces, between words
    st.sampled_from(APOSTROPHES + SPECIAL),
    st.sampled_from("абвгдежзиклмнопрстуфхцчшщыэюяАБВ"),  # Cyrillic
    st.sampled_from("東京北京年中文한국어"),  # CJK
    st.sampled_from(["😀", "👍", "\U0001f3fd", "\ufe0f", "🇺", "🇦"]),  # emoji, a skin tone, a flag half
    st.characters(codec="utf-8"),  # anything
)
PIECES = st.sampled_from(
    [
        *["Navalny's", "ICC’S", "O'Neill", "e\u0301", "Jose\u0301's", "Йод’s", "a\u0301s", "x_y", "ﬁnal"],
        *["'s", "s's", " s ", " S ", " a ", " \u0301a", "\u0301\u0301b ", " ICC "],  # edges of =exact words
    ]
)
TEXTS = st.lists(st.one_of(st.text(CHARACTERS, max_size=8), PIECES), max_size=12).map("".join)


def _defined(text: str) -> list[tuple[str, tuple[int, int]]]:
    """The words of `text` by their definition: `_WORD` runs of the possessive-blanked text that
    fold to something, with no fast path (tokenize itself takes the ASCII one when it can)."""
    found = ((fold(m.group()), m.span()) for m in _WORD.finditer(blank_possessives(text)))
    return [(word, at) for word, at in found if word]


@QUICK
@given(TEXTS)
def test_tokenize_finds_the_words_of_the_definition(text: str) -> None:
    tokens = tokenize(text)
    assert [(t.folded, (t.start, t.end)) for t in tokens] == _defined(text)
    assert [t.index for t in tokens] == list(range(len(tokens)))


@QUICK
@given(TEXTS)
def test_words_spans_and_raw_words_are_the_tokens(text: str) -> None:
    tokens = tokenize(text)
    assert words(text) == [t.folded for t in tokens]
    assert spans(text) == [(t.start, t.end) for t in tokens]
    assert raw_words(text) == [text[t.start : t.end] for t in tokens]


@QUICK
@given(TEXTS)
def test_blanking_possessives_keeps_offsets_and_tokens(text: str) -> None:
    blanked = blank_possessives(text)
    assert len(blanked) == len(text)
    assert all(a == b or (b == " " and a in APOSTROPHES + "sS") for a, b in zip(text, blanked, strict=True))
    assert blank_possessives(blanked) == blanked
    assert tokenize(blanked) == tokenize(text)


@QUICK
@given(TEXTS)
def test_prepared_words_are_the_words_and_say_when_all_are_ascii(text: str) -> None:
    tokens = tokenize(text)
    found, ascii_words = prepared_words(blank_possessives(text))
    assert found == [t.folded for t in tokens]
    if ascii_words:  # the flag picks the ASCII regexes: it may be False when in doubt, never wrong
        assert all(text[t.start : t.end].isascii() for t in tokens)
    assert ascii_words or not text.isascii()


@QUICK
@given(TEXTS)
def test_the_ascii_split_finds_the_words_of_text_it_is_used_on(text: str) -> None:
    blanked = blank_possessives(text)
    if not _ascii_words_only(blanked):
        return  # a word may be non-ASCII: the general path splits it
    defined = _defined(text)
    assert _ascii_split(blanked, _ASCII_SEPARATE_LOWER) == [word for word, _ in defined]
    assert _ascii_split(blanked, _ASCII_SEPARATE) == [text[a:b] for _, (a, b) in defined]


@QUICK
@given(text=TEXTS, data=st.data())
def test_a_word_locator_finds_the_spans_of_the_tokens(text: str, data: st.DataObject) -> None:
    every = [(t.start, t.end) for t in tokenize(text)]
    blanked = blank_possessives(text)
    locators = [WordLocator(text), WordLocator(text, blanked, prepared_words(blanked)[1])]
    for _ in range(2):  # asked again, a locator reuses what it found
        wanted = data.draw(st.lists(st.integers(-2, len(every) + 2)))
        expected = {k: every[k] for k in wanted if 0 <= k < len(every)}
        assert [locator.spans(wanted) for locator in locators] == [expected, expected]


@QUICK
@given(TEXTS)
def test_one_word_is_one_token_of_the_whole_text(text: str) -> None:
    tokens = tokenize(text)
    whole = len(tokens) == 1 and (tokens[0].start, tokens[0].end) == (0, len(text))
    if is_one_word(text):
        assert whole or (tokens == [] and not fold(text))
    else:
        assert not whole


@QUICK
@given(TEXTS)
def test_every_character_of_a_token_is_in_a_word(text: str) -> None:
    assert all(in_word(c) for t in tokenize(text) for c in text[t.start : t.end])


@st.composite
def texts_and_words(draw: st.DrawFn) -> tuple[str, str]:
    """A text, and a word that is written there, or nearly, or perhaps elsewhere."""
    text = draw(TEXTS)
    surfaces = [surface(text[t.start : t.end]) for t in tokenize(text)]
    return text, draw(
        st.sampled_from([*surfaces, "s", "S", "a", "ICC", *(s[:-1] for s in surfaces if s[1:])])
    )


@QUICK
@given(texts_and_words())
@example(("S:Navalny's", "s"))  # the s of a possessive is no word (=s held)
@example(("\u03000", "0"))  # a mark before a word does not join it to anything (=0 did not hold)
@example(("b\u0301a", "a"))  # a mark inside a word does ("ba")
def test_an_index_finds_an_exact_word_where_a_token_is_written_so(case: tuple[str, str]) -> None:
    text, word = case
    if is_one_word(word):  # as an exact word is: one word as written, NFC
        assert FieldIndex(text).has_exact(word) == (
            word in [surface(text[t.start : t.end]) for t in tokenize(text)]
        )


@MATCHING
@given(query=queries(), document=documents())
def test_holds_agrees_with_the_reference_evaluator(query: str, document: Document) -> None:
    """The fast evaluation against the one-regex-per-rule reference, on the default fields."""
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        reject()
    assert holds(node, DocumentIndex(document)) == (
        compile_reference(node).match(haystack(document)) is not None
    )
