"""Full-text candidates (pipeline.rules.candidates): every article the matcher matches must be a
candidate of the index, in Python (`satisfied`) and in a real SQLite FTS5 table."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, example, given, reject, settings
from hypothesis import strategies as st

from pipeline.rules import AliasTable, Document, Matcher, QuerySyntaxError, parse_query, words
from pipeline.rules.candidates import (
    MAX_ATOMS,
    MAX_TOKEN_BYTES,
    AllOf,
    AnyOf,
    Candidate,
    Word,
    WordPhrase,
    WordPrefix,
    candidate_any,
    candidate_query,
    fts5_match,
    index_text,
    index_token,
    index_words,
    satisfied,
    tsquery,
)
from pipeline.rules.evaluate import holds
from pipeline.rules.index import DocumentIndex
from pipeline.rules.text import fold

# --- what the index holds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Navalny's widow", "ICC’s warrant, Peskov’S reply", "navalny widow icc warrant peskov reply"),
        ("", "Café STRASSE Straße Grüße Ёлка ПЕСКОВА", "cafe strasse strasse grusse елка пескова"),
        ("", "O'Neill met Lvova-Belova", "o neill met lvova belova"),
        ("COVID-19", "in 2024, x² and ½ of Ⅻ", "covid 19 in 2024 x2 and 12 of xii"),
        ("", "e\u0301te\u0301 Jose\u0301's", "ete jose"),  # decomposed accents, a possessive after one
        ("", "東京 and 한국어", "東京 and " + unicodedata.normalize("NFD", "한국어")),  # Hangul as jamo
        ("", "৴ ᦰ ৴5 ᦰa", "5 a"),  # other numbers and Unicode 6.1 marks: not in any token
        ("", "under_score — dash … dots", "under score dash dots"),
        ("", "", ""),
    ],
)
def test_index_words_are_the_matchers_words_as_tokens(title: str, text: str, expected: str) -> None:
    assert index_words(title, text) == expected
    assert index_text(title, text).complete


def test_every_word_of_the_matcher_is_one_token_and_equal_words_give_equal_tokens() -> None:
    text = "Navalny’s NAVALNY navalny Navalny's navalnỳ"
    tokens = index_words("", text).split()
    assert tokens == ["navalny"] * 5
    assert len(tokens) == len(words(text))


def test_a_long_word_is_cut_at_the_same_length_on_both_sides() -> None:
    long = "Ж" * 300 + "end"
    (token,) = index_words("", long).split()
    assert len(token.encode()) <= MAX_TOKEN_BYTES
    assert token == index_token(fold(long)) == "ж" * (MAX_TOKEN_BYTES // 2)
    # the word itself, and a prefix longer than the cut, still find it
    assert satisfied(candidate_query(parse_query(long)), token)
    assert satisfied(candidate_query(parse_query("Ж" * 200 + "*")), token)
    assert satisfied(candidate_query(parse_query("x" * 400 + "*")), index_words("", "x" * 500))
    # a phrase with it keeps its words next to each other
    c = candidate_query(parse_query(f'"before {long} after"'))
    assert isinstance(c, WordPhrase)
    assert satisfied(c, index_words("title", f"before {long} after"))


def test_an_article_over_the_cap_is_cut_at_a_word_and_says_so() -> None:
    text = " ".join(f"word{n} пескова" for n in range(2000))
    full = index_text("title", text)
    assert full.complete
    cut = index_text("title", text, max_bytes=1000)
    assert not cut.complete
    assert len(cut.words.encode()) <= 1000
    assert full.words.startswith(cut.words + " ")  # whole words only


# --- the candidate query ---------------------------------------------------------------------------

CASES: list[tuple[str, str | None, str | None]] = [
    # query, FTS5 MATCH, tsquery
    ("Peskov", '"peskov"', "'peskov'"),
    ("Navalny's", '"navalny"', "'navalny'"),
    ("=ICC", '"icc"', "'icc'"),
    ("Navaln*", '"navaln"*', "'navaln':*"),
    ("Песков OR Peskow", '"песков" OR "peskow"', "'песков' | 'peskow'"),
    ('"Kremlin spokesman"', '"kremlin spokesman"', "'kremlin' & 'spokesman'"),
    ('"kremlin spokes* said"', '"kremlin" + "spokes"* + "said"', "'kremlin' & 'spokes':* & 'said'"),
    ("Lvova-Belova", '"lvova belova"', "'lvova' & 'belova'"),
    ("Peskov -Putin", '"peskov"', "'peskov'"),
    ("Peskov AND NOT (Putin OR Kremlin)", '"peskov"', "'peskov'"),
    ("source:reuters Peskov", '"peskov"', "'peskov'"),  # the index has no source
    ("lang:ru Песков", '"песков"', "'песков'"),
    ("title:Peskov text:warrant", '"peskov" AND "warrant"', "'peskov' & 'warrant'"),
    ("Peskov OR url:kremlin", None, None),  # one branch the index cannot answer: no question
    ("Peskov OR -Kremlin Navalny", '"peskov" OR "navalny"', "'peskov' | 'navalny'"),
    ("Peskov OR (Navalny ICC)", '"peskov" OR ("navalny" AND "icc")', "'peskov' | ('navalny' & 'icc')"),
    ("Peskov NEAR/5 (said OR told)", '"peskov"', "'peskov'"),  # "said OR told" is in most articles
    ('said_by:"Dmitry Peskov"', '"peskov" AND "dmitry"', "'peskov' & 'dmitry'"),  # no phrase in a statement
    ("Grüße ONEAR/3 Müller", '"grusse" AND "muller"', "'grusse' & 'muller'"),
    ("COVID-19", '"covid 19"', "'covid' & '19'"),
    ("ᦰ", None, None),  # a word with no token asks nothing
    ('"kremlin ᦰ spokesman"', '"kremlin spokesman"', "'kremlin' & 'spokesman'"),
]


@pytest.mark.parametrize(("query", "fts5", "ts"), CASES)
def test_candidate_queries(query: str, fts5: str | None, ts: str | None) -> None:
    c = candidate_query(parse_query(query))
    assert fts5_match(c) == fts5
    assert tsquery(c) == ts


def test_phrases_in_a_tsquery_only_when_asked() -> None:
    c = candidate_query(parse_query('"kremlin spokes*" OR Peskov'))
    assert tsquery(c, phrases=True) == "('kremlin' <-> 'spokes':*) | 'peskov'"
    assert tsquery(c) == "('kremlin' & 'spokes':*) | 'peskov'"


def test_an_and_asks_for_its_few_most_selective_parts() -> None:
    c = candidate_query(parse_query("the said of court warrant kremlin peskov navalny icc"))
    assert isinstance(c, AllOf)
    assert len(c.parts) == 4
    assert Word("the") not in c.parts and Word("said") not in c.parts
    common = candidate_query(parse_query("the said of"))
    assert isinstance(common, Word)  # nothing selective: the rarest one still narrows the scan


def test_a_prefix_that_loses_its_token_ends_a_phrase_run() -> None:
    # "ᦰ*" could be a word whose token is not empty: the runs around it are phrases of their own
    c = candidate_query(parse_query('"kremlin spokesman ᦰ* said today"'))
    assert c == AllOf(
        (WordPhrase((Word("kremlin"), Word("spokesman"))), WordPhrase((Word("said"), Word("today"))))
    )
    assert satisfied(c, index_words("", "kremlin spokesman ᦰabc said today"))
    assert satisfied(c, index_words("", "kremlin spokesman ᦰ5 said today"))


def test_aliases_and_people_ask_for_any_of_their_forms() -> None:
    table = AliasTable(
        {"Peskov": ["Peskow", "Песков*"]}, people={"peskov": ["Dmitry Peskov", "Kremlin spokesman"]}
    )
    c = candidate_query(parse_query("@peskov OR Peskov", table))
    assert isinstance(c, AnyOf)
    assert set(c.options) >= {Word("peskov"), Word("peskow"), WordPrefix("песков")}
    for text in ["Песковым", "the Kremlin spokesman", "Peskow"]:
        assert satisfied(c, index_words("", text))
    assert not satisfied(c, index_words("", "Kremlin spokesperson Dmitry"))


def test_backfill_asks_for_any_rules_candidates() -> None:
    nodes = [parse_query("Peskov"), parse_query('"Kremlin spokesman"')]
    assert fts5_match(candidate_any(nodes)) == '"peskov" OR "kremlin spokesman"'
    assert candidate_any([*nodes, parse_query("url:kremlin")]) is None  # one rule must read everything
    assert candidate_any([]) is None
    many = [parse_query(f"word{n}") for n in range(MAX_ATOMS + 1)]
    assert candidate_any(many) is None  # too big a question: read by time instead
    assert candidate_any(many[:MAX_ATOMS]) is not None


def test_satisfied() -> None:
    tokens = "kremlin spokesman dmitry peskov said"
    assert satisfied(None, "")
    assert satisfied(Word("peskov"), tokens)
    assert not satisfied(Word("pesk"), tokens)
    assert satisfied(WordPrefix("pesk"), tokens)
    assert satisfied(WordPhrase((Word("kremlin"), WordPrefix("spokes"))), tokens)
    assert not satisfied(WordPhrase((Word("spokesman"), Word("kremlin"))), tokens)
    assert satisfied(AllOf((Word("said"), AnyOf((Word("told"), Word("dmitry"))))), tokens.split())
    assert not satisfied(AllOf((Word("said"), AnyOf((Word("told"), Word("claimed"))))), tokens)


def test_renderers_quote_defensively() -> None:
    c = AnyOf((Word('a"b'), WordPrefix("c'd\\")))
    assert fts5_match(c) == '"a""b" OR "c\'d\\"*'
    assert tsquery(c) == "'a\"b' | 'c''d\\\\':*"
    with closing(sqlite3.connect(":memory:")) as db:  # valid FTS5 syntax
        db.execute("CREATE VIRTUAL TABLE t USING fts5(words)")
        db.execute("INSERT INTO t VALUES ('a b c')")
        assert db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (fts5_match(c),)).fetchone() == (1,)


# --- the property: a match is always a candidate ---------------------------------------------------

# Words in several scripts and forms, some that split, fold, or lose characters in a token, and a
# long one; documents add case, decomposed accents, possessives and punctuation.
VOCABULARY = [
    *["peskov", "peskova", "kremlin", "said", "court", "icc", "warrant", "café", "cafe"],
    *["песков", "пескова", "ёлка", "елка", "суд", "müller", "muller", "grüße", "straße", "strasse"],
    *["O'Neill", "Lvova-Belova", "ﬁnal", "İstanbul", "s", "東京", "2024", "covid19", "x²", "½"],
    *["৴5", "ᦰa", "ᦰ", "ǅemal", "Σίσυφος", "a" * 140 + "ж" * 80],
]


def _alternating(word: str) -> str:
    return "".join(c.upper() if n % 2 else c.lower() for n, c in enumerate(word))


CASINGS: list[Callable[[str], str]] = [str, str, str.title, str.upper, _alternating]


@st.composite
def cased(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(VOCABULARY))
    return draw(st.sampled_from(CASINGS))(word)


# Every form a document may write a word in, drawn at once (one draw per word keeps the test quick).
DOC_WORDS = sorted(
    {
        unicodedata.normalize(form, case(word)) + possessive
        for word in VOCABULARY
        for case in (str, str.title, str.upper, _alternating)
        for form in ("NFC", "NFD")
        for possessive in ("", "'s", "’s", "'S")
    }
)
SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "-", "\n", "’", ' "', '" ', "_", " \u0301", "…"]


@st.composite
def doc_text(draw: st.DrawFn, least: int, most: int, borrowed: tuple[str, ...] = ()) -> str:
    forms = st.sampled_from(DOC_WORDS)
    if borrowed:  # the query's own words half the time, so that many documents match
        forms = st.one_of(forms, st.sampled_from(borrowed))
    found = draw(st.lists(forms, min_size=least, max_size=most))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(found), max_size=len(found)))
    return "".join(word + sep for word, sep in zip(found, seps, strict=True))


@st.composite
def documents(draw: st.DrawFn, borrowed: tuple[str, ...] = ()) -> Document:
    return Document(
        title=draw(doc_text(0, 6, borrowed)),
        text=draw(doc_text(3, 24, borrowed)),
        source=draw(doc_text(0, 2, borrowed)),
        url="https://news.example/"
        + "-".join(draw(st.lists(st.sampled_from(borrowed or ("x",)), max_size=2))),
        lang=draw(st.sampled_from(["en", "ru", "", *borrowed])),
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
    if draw(st.integers(0, 9)) == 0:
        return '="' + " ".join(draw(st.lists(cased(), min_size=2, max_size=3))) + '"'
    return '"' + " ".join(draw(st.lists(leaf(), min_size=2, max_size=3))) + '"'


@cache
def span(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return st.one_of(leaf(), leaf(), phrase())
    inner = span(depth - 1)
    ors = st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(" + " OR ".join(parts) + ")")
    near = st.builds(
        lambda left, op, n, right: f"({left} {op}/{n} {right})",
        inner,
        st.sampled_from(["NEAR", "ONEAR"]),
        st.sampled_from(["1", "2", "4", "S"]),
        inner,
    )
    return st.one_of(leaf(), leaf(), phrase(), ors, near)


@cache
def boolean(depth: int) -> st.SearchStrategy[str]:
    spans = span(min(depth, 2))
    if depth == 0:
        return spans
    inner = boolean(depth - 1)
    ands = st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(" + " AND ".join(parts) + ")")
    ors = st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(" + " OR ".join(parts) + ")")
    nots = inner.map(lambda part: "-" + part)
    scopes = st.sampled_from(["title", "text", "source", "url", "lang"])
    fields = st.builds(lambda name, part: f"{name}:({part})", scopes, inner)
    statements = st.builds(
        lambda name, part: f"{name}:{part}", st.sampled_from(["said_by", "quote"]), span(0)
    )
    return st.one_of(spans, spans, ands, ors, nots, fields, statements)


@st.composite
def queries(draw: st.DrawFn) -> str:
    query = draw(boolean(2))
    if draw(st.booleans()):
        query = f"{draw(span(1))} {query}"
    return query


MATCHING = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


_QUERY_WORD = re.compile(r"[^\s()\"*=:/-]+")


@st.composite
def cases(draw: st.DrawFn, most: int) -> tuple[str, list[Document]]:
    """A query, and documents written with its words and the vocabulary's."""
    query = draw(queries())
    borrowed = tuple(w for w in _QUERY_WORD.findall(query) if w not in ("AND", "OR", "NEAR", "ONEAR", "S"))
    return query, draw(st.lists(documents(borrowed), min_size=1, max_size=most))


@MATCHING
@given(case=cases(most=3))
@example(case=('"Navalny kremlin"', [Document(title="", text="Navalny's kremlin")]))
@example(case=("x² OR ½", [Document(title="", text="½")]))
@example(case=("said_by:Peskov", [Document(title="", text='"We deny it," Peskov said.')]))
def test_every_match_is_a_candidate(case: tuple[str, list[Document]]) -> None:
    query, documents = case
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        reject()
    c = candidate_query(node)
    matcher = Matcher([_Rule("q", query)])
    for doc in documents:
        tokens = index_words(doc.title, doc.text)
        if holds(node, DocumentIndex(doc)) or matcher.match_ids(doc):
            assert satisfied(c, tokens), (query, doc, c, tokens)


@dataclass(frozen=True)
class _Rule:
    id: str
    query: str
    aliases: dict[str, list[str]] = field(default_factory=dict)

    @property
    def display_title(self) -> str:
        return self.id


# --- the same in SQLite FTS5 -------------------------------------------------------------------------


@contextmanager
def fts5_table(rows: list[str]) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(words, tokenize='unicode61')")
        db.executemany("INSERT INTO t(rowid, words) VALUES (?, ?)", list(enumerate(rows)))
        yield db


def _found(db: sqlite3.Connection, c: Candidate | None) -> set[int]:
    text = fts5_match(c)
    if text is None:
        return {r for (r,) in db.execute("SELECT rowid FROM t")}
    return {r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (text,))}


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(most=6))
def test_fts5_finds_what_the_matcher_matches_and_agrees_with_satisfied(
    case: tuple[str, list[Document]],
) -> None:
    query, documents = case
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        reject()
    c = candidate_query(node)
    assume(c is not None)
    rows = [index_words(d.title, d.text) for d in documents]
    with fts5_table(rows) as db:
        found = _found(db, c)
    assert found == {n for n, tokens in enumerate(rows) if satisfied(c, tokens)}
    assert {n for n, d in enumerate(documents) if holds(node, DocumentIndex(d))} <= found


FTS5_DOCS = [
    Document(title="Peskov’s denial", text="Kremlin spokesman Dmitry Peskov said on Monday ..."),
    Document(title="Песков заявил", text="Пресс-секретарь Кремля Дмитрий Песков заявил журналистам."),
    Document(title="Grüße aus München", text="Thomas Müller sagte, die Straße sei gesperrt."),
    Document(title="COVID-19 in 2024", text="Cases rose 12% to 3,400 in week 17; x² ½."),
    Document(title="ICC's warrant", text="The ICC’S judges issued an arrest warrant for Lvova-Belova."),
    Document(title="Ёлка", text="Новогодняя ёлка на Красной площади."),
    Document(title="O'Neill", text="O’Neill's team: 東京 and 한국어."),
]
FTS5_QUERIES = [
    "Peskov",
    "Peskov's",
    "Песков*",
    "Пескова OR Песков",
    "ёлка",
    "елка",
    "grusse",
    "Grüße",
    "Muller",
    "strasse",
    '"Thomas Müller"',
    "COVID-19",
    "covid*",
    "2024 OR 17",
    "=ICC warrant",
    '"arrest warrant" NEAR/6 ICC',
    "Lvova-Belova",
    "O'Neill",
    "東京",
    '"kremlin spokes*" said',
    '"Дмитрий Песков"',
    "title:Peskov",
    "x2 OR 12",
]


@pytest.mark.parametrize("query", FTS5_QUERIES)
def test_fts5_on_articles_in_several_languages(query: str) -> None:
    node = parse_query(query)
    rows = [index_words(d.title, d.text) for d in FTS5_DOCS]
    matched = {n for n, d in enumerate(FTS5_DOCS) if holds(node, DocumentIndex(d))}
    assert matched, query  # each query finds something: the case tests a hit
    c = candidate_query(node)
    assert c is not None
    with fts5_table(rows) as db:
        assert matched <= _found(db, c)


def test_fts5_sees_one_token_for_every_character_a_token_keeps() -> None:
    """The tokens are made for the tokenizer: a character it would split a word at is never in
    one (checked over every letter and digit Python knows, against this SQLite)."""
    kept = sorted({t for cp in range(0x110000) if (t := index_token(chr(cp)))})
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(words, tokenize='unicode61')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        db.executemany(
            "INSERT INTO t(rowid, words) VALUES (?, ?)", [(n, f"q{t}q") for n, t in enumerate(kept)]
        )
        counts: dict[int, int] = {}
        for (row,) in db.execute("SELECT doc FROM v"):
            counts[row] = counts.get(row, 0) + 1
    split = [kept[n] for n in range(len(kept)) if counts.get(n) != 1]
    assert split == []
