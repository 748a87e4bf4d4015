"""The reference evaluator (one regex per rule) against hand-written truths and the fast Matcher;
the reference's explanations (every hit, found naively) against the matcher's, cut short or not."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from pipeline.models import Match
from pipeline.rules import Document, Matcher, QuerySyntaxError, parse_query
from pipeline.rules.evaluate import Hit, explain_hits, query_part
from pipeline.rules.highlight import MAX_HITS, build_match
from pipeline.rules.index import DocumentIndex
from pipeline.rules.nodes import FIELDS, Node
from pipeline.rules.reference import (
    FIELD_CODES,
    ReferenceMatcher,
    compile_reference,
    haystack,
    reference_hits,
)


@dataclass(frozen=True)
class Spec:
    """The least a rule needs to be given to `Matcher`."""

    id: str
    query: str
    aliases: dict[str, list[str]] = field(default_factory=dict)
    display_title: str = ""


def doc(title: str = "", text: str = "", source: str = "", url: str = "", lang: str = "") -> Document:
    return Document(title=title, text=text, source=source, url=url, lang=lang)


def reference_holds(
    query: str, document: Document, aliases: Mapping[str, Sequence[str]] | None = None
) -> bool:
    return compile_reference(parse_query(query, aliases)).match(haystack(document)) is not None


def matcher_holds(query: str, document: Document, aliases: Mapping[str, Sequence[str]] | None = None) -> bool:
    return Matcher([Spec("r", query)], aliases).match_ids(document) == ["r"]


T = doc  # a document given by keyword: T(text="..."), T(title="...", text="...")

CASES: list[tuple[str, Document, bool]] = [
    # terms: whole words, case- and accent-insensitive
    ("peskov", T(text="Dmitry Peskov said"), True),
    ("Peskov", T(title="PESKOV"), True),
    ("peskov", T(text="the Peskovs"), False),
    ("peskov", T(text="Peskovich"), False),
    ("cafe", T(text="at the Café"), True),
    ("Ёлка", T(text="елка"), True),
    ("navalny", T(text="Navalny's widow"), True),
    ("navalny", T(text="Navalny’s widow"), True),
    ("Lvova-Belova", T(text="Maria Lvova-Belova"), True),
    ("Lvova-Belova", T(text="Lvova and Belova"), False),
    # phrases
    ('"kremlin spokesman"', T(text="the Kremlin spokesman said"), True),
    ('"kremlin spokesman"', T(text="the Kremlin's spokesman said"), True),
    ('"kremlin spokesman"', T(text="the spokesman of the Kremlin"), False),
    ('"kremlin spokesman"', T(text="Kremlin, the spokesman"), False),
    ('"Navaln* team"', T(text="Navalny's team said"), True),
    ('"Navaln* team"', T(text="Navalny's legal team"), False),
    # prefixes, Latin and Cyrillic
    ("Navaln*", T(text="Yulia Navalnaya said"), True),
    ("Navaln*", T(text="the naval base"), False),
    ("Навальн*", T(text="сторонники Навального"), True),
    ("Навальн*", T(text="Навка"), False),
    ("navaln*", T(text="НАВАЛЬНЫЙ"), False),
    # exact words and phrases: case and accents count
    ("=ICC", T(text="the ICC ruled"), True),
    ("=ICC", T(text="the icc ruled"), False),
    ("=ICC", T(text="the ICC's ruling"), True),
    ("icc", T(text="the ICC ruled"), True),
    ("=Café", T(text="Cafe\u0301 Pushkin"), True),
    ("=Café", T(text="cafe Pushkin"), False),
    ('="Rome Statute"', T(text="under the Rome Statute"), True),
    ('="Rome Statute"', T(text="under the rome statute"), False),
    # AND, implicit AND, OR, NOT, parentheses, precedence
    ("putin peskov", T(text="Peskov on Putin"), True),
    ("putin peskov", T(text="Peskov alone"), False),
    ("putin AND peskov", T(title="Putin", text="Peskov"), True),
    ("putin OR peskov", T(text="Peskov"), True),
    ("putin OR peskov", T(text="Lavrov"), False),
    ("peskov -putin", T(text="Peskov"), True),
    ("peskov -putin", T(text="Peskov and Putin"), False),
    ("peskov NOT putin", T(title="Putin", text="Peskov"), False),
    ("peskov NOT putin", T(text="Peskov", source="Putin"), True),
    ("peskov -(putin OR lavrov)", T(text="Peskov and Lavrov"), False),
    ("peskov -(putin lavrov)", T(text="Peskov and Lavrov"), True),
    ("(putin OR lavrov) peskov", T(text="Lavrov and Peskov"), True),
    ("(putin OR lavrov) peskov", T(text="Lavrov"), False),
    ("putin OR lavrov peskov", T(text="Lavrov"), False),
    ("putin OR lavrov peskov", T(text="Putin"), True),
    # NEAR/1 is adjacency, in both orders; NEAR/2 allows one word between
    ("kremlin NEAR/1 spokesman", T(text="Kremlin spokesman"), True),
    ("kremlin NEAR/1 spokesman", T(text="spokesman, Kremlin"), True),
    ("kremlin NEAR/1 spokesman", T(text="Kremlin chief spokesman"), False),
    ("kremlin NEAR/2 spokesman", T(text="Kremlin chief spokesman"), True),
    ("kremlin NEAR/2 spokesman", T(text="spokesman for the Kremlin"), False),
    ("kremlin NEAR/3 spokesman", T(text="spokesman for the Kremlin"), True),
    # ONEAR: only left before right
    ("kremlin ONEAR/2 spokesman", T(text="Kremlin spokesman"), True),
    ("kremlin ONEAR/2 spokesman", T(text="spokesman Kremlin"), False),
    ("kremlin ONEAR/2 spokesman", T(text="spokesman Kremlin spokesman"), True),
    # the same word on both sides needs two occurrences
    ("peskov NEAR/3 peskov", T(text="Peskov said"), False),
    ("peskov NEAR/3 peskov", T(text="Peskov told Peskov"), True),
    # NEAR with phrase operands; overlapping ranges do not pair
    ('"arrest warrant" NEAR/3 "Vladimir Putin"', T(text="an arrest warrant for Vladimir Putin"), True),
    ('"arrest warrant" NEAR/1 "Vladimir Putin"', T(text="an arrest warrant for Vladimir Putin"), False),
    ('"Vladimir Putin" NEAR/2 "arrest warrant"', T(text="an arrest warrant for Vladimir Putin"), True),
    ('"arrest warrant" NEAR/5 warrant', T(text="an arrest warrant was issued"), False),
    ('"arrest warrant" NEAR/5 warrant', T(text="a warrant, an arrest warrant"), True),
    # nested NEAR: the inner pair's covering range is the outer operand
    ("(icc NEAR/2 warrant) NEAR/3 putin", T(text="ICC issued warrant for Putin"), True),
    ("(icc NEAR/2 warrant) NEAR/1 putin", T(text="ICC issued warrant for Putin"), False),
    ("(icc NEAR/2 warrant) NEAR/1 putin", T(text="Putin ICC issued warrant"), True),
    ("(icc NEAR/1 warrant) NEAR/3 putin", T(text="ICC issued warrant for Putin"), False),
    ("(icc ONEAR/3 warrant) ONEAR/2 putin", T(text="Putin ICC issued warrant"), False),
    # NEAR with OR-groups
    ("(putin OR kremlin) NEAR/2 (peskov OR lavrov)", T(text="Lavrov met Putin"), True),
    ("(putin OR kremlin) NEAR/2 (peskov OR lavrov)", T(text="Lavrov met with Putin"), False),
    ('(putin OR "kremlin spokesman") ONEAR/1 peskov', T(text="Kremlin spokesman Peskov"), True),
    # field scopes
    ("title:peskov", T(title="Peskov speaks"), True),
    ("title:peskov", T(text="Peskov speaks"), False),
    ("text:peskov", T(text="Peskov speaks"), True),
    ("text:peskov", T(title="Peskov speaks"), False),
    ("peskov", T(source="Peskov"), False),
    ("source:reuters", T(source="Reuters"), True),
    ("source:reuters", T(text="Reuters"), False),
    ("url:tass", T(url="https://tass.com/politics/1234"), True),
    ("url:tass", T(text="tass"), False),
    ("lang:ru peskov", T(text="Peskov", lang="ru"), True),
    ("lang:ru peskov", T(text="Peskov", lang="en"), False),
    ("title:(peskov text:putin)", T(title="Peskov", text="Putin"), True),
    ("title:(peskov text:putin)", T(title="Peskov Putin"), False),
    ("title:(kremlin NEAR/2 spokesman)", T(title="Kremlin spokesman"), True),
    ("title:(kremlin NEAR/2 spokesman)", T(text="Kremlin spokesman"), False),
    ("title:(peskov -putin)", T(title="Peskov", text="Putin"), True),
    # a phrase or a NEAR never spans title and text; an AND may
    ('"kremlin spokesman"', T(title="Inside the Kremlin", text="Spokesman said"), False),
    ("kremlin NEAR/1 spokesman", T(title="Inside the Kremlin", text="Spokesman said"), False),
    ("kremlin spokesman", T(title="Inside the Kremlin", text="Spokesman said"), True),
]


@pytest.mark.parametrize(("query", "document", "expected"), CASES)
def test_hand_written_cases(query: str, document: Document, expected: bool) -> None:
    assert reference_holds(query, document) is expected
    assert matcher_holds(query, document) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Пескова встретили", True), ("Peskow said", True), ("Peskovich said", False)],
)
def test_aliases(text: str, expected: bool) -> None:
    aliases = {"Peskov": ["Peskow", "Песков*"]}
    assert reference_holds("Peskov", doc(text=text), aliases) is expected
    assert matcher_holds("Peskov", doc(text=text), aliases) is expected


def test_haystack_keeps_fields_apart() -> None:
    document = doc(title="Inside the Kremlin", text="Spokesman said", source="warrant", url="x", lang="en")
    text = haystack(document)
    assert "\n" not in text
    # one mark per field, then per sentence of each (for NEAR/S): 5 with one, "x" empty
    assert text.count("\x1d") == len(FIELD_CODES) + 5
    for query in ('"kremlin spokesman"', "kremlin NEAR/1 spokesman", "kremlin ONEAR/5 spokesman"):
        assert not reference_holds(query, document)
        assert not matcher_holds(query, document)
    # nor from the last field in scope into one out of scope
    for query in ('text:"said warrant"', "text:(said NEAR/2 warrant)", "source:(warrant NEAR/3 x)"):
        assert not reference_holds(query, document)
        assert not matcher_holds(query, document)
    assert reference_holds("kremlin spokesman", document)
    assert reference_holds("source:warrant lang:en url:x", document)


def test_reference_matcher_keeps_rule_order() -> None:
    rules: list[tuple[str, Node]] = [
        (rule_id, parse_query(query))
        for rule_id, query in [("z", "peskov"), ("a", "putin"), ("m", "kremlin")]
    ]
    reference = ReferenceMatcher(rules)
    assert reference.match_ids(doc(text="Kremlin: Peskov")) == ["z", "m"]
    assert reference.match_ids(doc(text="nothing")) == []


# --- randomized agreement with the fast Matcher --------------------------------------------------

# Each entry: the forms of one word (inflections, accents) a query or a document may use.
FORMS: list[list[str]] = [
    ["peskov", "peskova"],
    ["kremlin"],
    ["navalny", "navalnaya"],
    ["icc"],
    ["warrant", "warrants"],
    ["court"],
    ["said"],
    ["café", "cafe"],
    ["песков", "пескова"],
    ["навальный", "навального"],
    ["суд", "суда"],
    ["ёлка", "елка"],
    ["en"],
    ["ru"],
]
ALL_FORMS = [form for forms in FORMS for form in forms]
FIELD_NAMES = ["title", "title", "text", "text", "source", "url", "lang"]


def cased(rng: random.Random, word: str) -> str:
    return rng.choice([word, word, word.title(), word.upper()])


def doc_word(rng: random.Random, words: Sequence[str] = ALL_FORMS) -> str:
    word = cased(rng, rng.choice(words))
    if rng.random() < 0.1:
        word = word.replace("é", "e\u0301").replace("É", "E\u0301")  # decomposed accent
    if rng.random() < 0.06:
        word += rng.choice(["'s", "’s"])
    return word


def doc_text(rng: random.Random, most: int, words: Sequence[str] = ALL_FORMS, least: int = 0) -> str:
    out: list[str] = []
    for _ in range(rng.randint(least, most)):
        if out:
            out.append(rng.choice([" ", " ", " ", " ", ", ", ". ", " - ", "-"]))
        out.append(doc_word(rng, words))
    return "".join(out)


def random_doc(rng: random.Random) -> Document:
    return Document(
        title=doc_text(rng, 10),
        text=doc_text(rng, 40),
        source=doc_text(rng, 2),
        url="https://news.example/" + "-".join(rng.choice(ALL_FORMS) for _ in range(rng.randint(0, 3))),
        lang=rng.choice(["en", "ru", "EN", ""]),
    )


def leaf(rng: random.Random, words: Sequence[str] = ALL_FORMS) -> str:
    word = rng.choice(words)
    roll = rng.random()
    if roll < 0.15 and len(word) > 1:
        return cased(rng, word[: rng.randint(1, len(word) - 1)]) + "*"
    if roll < 0.25:
        return "=" + cased(rng, word)
    return cased(rng, word)


def span(rng: random.Random, depth: int, words: Sequence[str] = ALL_FORMS) -> str:
    """A query part that says where it matches (usable as a NEAR operand), as a primary."""
    kinds = ["leaf", "leaf", "leaf", "phrase"] + (["or", "near", "near"] if depth > 0 else [])
    kind = rng.choice(kinds)
    if kind == "leaf":
        return leaf(rng, words)
    if kind == "phrase":
        slots = " ".join(leaf(rng, words) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.1:
            return '="' + " ".join(cased(rng, rng.choice(words)) for _ in range(2)) + '"'
        return f'"{slots}"'
    if kind == "or":
        return "(" + " OR ".join(span(rng, depth - 1, words) for _ in range(rng.randint(2, 3))) + ")"
    op = rng.choice(["NEAR", "NEAR", "ONEAR"])
    left, right = span(rng, depth - 1, words), span(rng, depth - 1, words)
    if rng.random() < 0.03:
        right = "-" + right  # NOT inside NEAR: the parser refuses it
    return f"({left} {op}/{rng.randint(1, 4)} {right})"


def boolean(rng: random.Random, depth: int, words: Sequence[str] = ALL_FORMS) -> str:
    """Any query part, as a primary (a word, a phrase or a parenthesized group) or a NOT."""
    kinds = ["span", "span", "span"] + (["and", "or", "not", "field"] if depth > 0 else [])
    kind = rng.choice(kinds)
    if kind == "span":
        return span(rng, min(depth, 2), words)
    if kind == "and":
        parts = [boolean(rng, depth - 1, words) for _ in range(rng.randint(2, 3))]
        return "(" + rng.choice([" ", " AND "]).join(parts) + ")"
    if kind == "or":
        return "(" + " OR ".join(boolean(rng, depth - 1, words) for _ in range(rng.randint(2, 3))) + ")"
    if kind == "not":
        return rng.choice(["-", "NOT "]) + boolean(rng, depth - 1, words)
    return f"{rng.choice(FIELD_NAMES)}:({boolean(rng, depth - 1, words)})"


def random_query(rng: random.Random, words: Sequence[str] = ALL_FORMS) -> str:
    query = boolean(rng, 3, words)
    if rng.random() < 0.5:  # a positive part beside it, so fewer queries are NOT-only
        query = f"{span(rng, 1, words)} {query}"
    return query


def test_random_queries_agree_with_matcher() -> None:
    rng = random.Random(20240611)
    queries = [random_query(rng) for _ in range(2500)]
    specs: list[Spec] = []
    nodes: list[tuple[str, Node]] = []
    for n, query in enumerate(queries):
        try:
            node = parse_query(query)
        except QuerySyntaxError:
            continue
        specs.append(Spec(f"q{n}", query))
        nodes.append((f"q{n}", node))
    assert len(specs) >= 0.8 * len(queries)
    matcher = Matcher(specs)
    reference = ReferenceMatcher(nodes)
    by_id = {s.id: s.query for s in specs}
    matched = pairs = 0
    for _ in range(250):
        document = random_doc(rng)
        expected = reference.match_ids(document)
        got = matcher.match_ids(document)
        if got != expected:
            missing = [by_id[i] for i in expected if i not in got]
            extra = [by_id[i] for i in got if i not in expected]
            pytest.fail(f"{document!r}\nmissed by Matcher: {missing[:5]}\nonly Matcher: {extra[:5]}")
        matched += len(expected)
        pairs += len(nodes)
    assert 0.02 < matched / pairs < 0.98, matched / pairs


# --- explanations against the reference's ---------------------------------------------------------


def assert_shown_alike(
    query: str, document: Document, every: list[Hit], expected: list[Hit], most: int
) -> None:
    """The matches shown with each field's hits cut to the first `most` (`every` holds at least
    the first `most` + 1 of each field) are the ones the reference's every hit makes, but for
    `hits_total`: past the cap, a lower bound of the reference's count."""
    index = DocumentIndex(document)
    for name in sorted({h.field for h in expected}):
        shown = build_match(name, index.field(name), every, most=most)
        truth = build_match(name, index.field(name), expected, most=most)
        where = f"{query!r} on {document!r}, {name}, {most} kept"
        assert shown.model_copy(update={"hits_total": None}) == truth.model_copy(
            update={"hits_total": None}
        ), where
        if truth.hits_total is None:
            assert shown.hits_total is None, where
        else:
            assert shown.hits_total is not None and most < shown.hits_total <= truth.hits_total, where


EDGES = "He said it was the Kremlin. Spokesman Peskov agreed. The Kremlin spokesman said so, said he."


@pytest.mark.parametrize(
    "query",
    [
        '"kremlin spokesman" NEAR/S said',  # the first "Kremlin. Spokesman" crosses a sentence's end
        'said NEAR/S "kremlin spokesman"',
        '"kremlin spokesman" ONEAR/S said',
        'said ONEAR/S "kremlin spokesman"',
        "(kremlin NEAR/1 spokesman) NEAR/S (said OR agreed)",
        '"kremlin spokesman" NEAR/2 said',
        'said NEAR/3 "kremlin spokesman"',
        "(the NEAR/2 kremlin) ONEAR/3 (said NEAR/2 said)",
    ],
)
def test_near_explanations_at_the_edges_of_windows_and_sentences(query: str) -> None:
    document = doc(text=EDGES)
    node = parse_query(query)
    expected = reference_hits(node, document)
    every = explain_hits(node, DocumentIndex(document))
    assert (every is None) == (expected is None)
    assert set(every or []) == set(expected or [])


def test_random_explanations_agree_with_the_reference() -> None:
    """Every hit of every rule that holds, and the matches shown with the hits cut short (the
    matcher keeps 100 a field; here 1 to 3), on random queries (NEAR/S among them) and documents:
    the hits the naive reference lists, pair by pair."""
    rng = random.Random(20261207)
    nodes: list[tuple[str, Node]] = []
    for _ in range(500):
        query = re.sub(
            r"NEAR/\d", lambda m: "NEAR/S" if rng.random() < 0.25 else m.group(), random_query(rng)
        )
        try:
            nodes.append((query, parse_query(query)))
        except QuerySyntaxError:
            continue
    held = cut = 0
    for _ in range(40):
        document = random_doc(rng)
        index = DocumentIndex(document)
        for query, node in nodes:
            expected = reference_hits(node, document)
            every = explain_hits(node, index)
            assert (every is None) == (expected is None), f"{query!r} on {document!r}"
            if every is None or expected is None:
                continue
            held += 1
            assert set(every) == set(expected), f"{query!r} on {document!r}"
            most = rng.randint(1, 3)
            first = explain_hits(node, index, limit=most + 1)
            assert first is not None
            cut += len({(h.field, h.start, h.end, query_part(h.leaf)) for h in expected}) > most
            assert_shown_alike(query, document, first, expected, most)
    assert held > 2000 and cut > 1000, (held, cut)


# Words in every sentence, and a few others, for rules that find a hundred hits an article.
COMMON = ["the", "a", "of", "and", "to", "in", "is", "was", "said", "that"]
COMMON_FORMS = [*COMMON, *COMMON, "kremlin", "peskov", "court"]


def common_doc(rng: random.Random) -> Document:
    return Document(
        title=doc_text(rng, 12, COMMON_FORMS),
        text=doc_text(rng, 600, COMMON_FORMS, least=250),
        url="https://news.example/" + "-".join(rng.choice(COMMON) for _ in range(3)),
    )


def test_common_word_rules_agree_with_the_reference() -> None:
    """Rules of words found in every sentence, on articles of hundreds of such words: the rules
    matched are the reference's, and each match is the one the reference's every hit makes,
    though the matcher looks for no more than the 101 hits a field it needs (`hits_total`, past
    100, a lower bound of how many there are)."""
    rng = random.Random(20261208)
    queries = []
    for n in range(120):
        query = re.sub(
            r"NEAR/\d", lambda m: "NEAR/S" if rng.random() < 0.25 else m.group(), random_query(rng, COMMON)
        )
        try:
            queries.append((f"c{n}", query, parse_query(query)))
        except QuerySyntaxError:
            continue
    queries.append(("or", " OR ".join(COMMON), parse_query(" OR ".join(COMMON))))
    matcher = Matcher([Spec(rule_id, query) for rule_id, query, _ in queries])
    reference = ReferenceMatcher([(rule_id, node) for rule_id, _, node in queries])
    by_id = {rule_id: (query, node) for rule_id, query, node in queries}
    capped = 0
    for _ in range(12):
        document = common_doc(rng)
        index = DocumentIndex(document)
        found = matcher.match(document)
        assert [h.rule_id for h in found] == reference.match_ids(document)
        for hit in found:
            query, node = by_id[hit.rule_id]
            expected = reference_hits(node, document) or []
            truth = {m.field: m for f in FIELDS if (m := _shown(f, index, expected)) is not None}
            assert [m.field for m in hit.matches] == list(truth), query
            for match in hit.matches:
                want = truth[match.field]
                assert match.model_copy(update={"hits_total": None}) == want.model_copy(
                    update={"hits_total": None}
                ), query
                if want.hits_total is None:
                    assert match.hits_total is None, query
                else:
                    capped += 1
                    assert match.hits_total is not None and MAX_HITS < match.hits_total <= want.hits_total, (
                        query
                    )
    assert capped > 100, capped


def _shown(field: str, index: DocumentIndex, hits: list[Hit]) -> Match | None:
    return build_match(field, index.field(field), hits) if any(h.field == field for h in hits) else None
