"""The reference evaluator (one regex per rule) against hand-written truths and the fast Matcher."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from pipeline.rules import Document, Matcher, QuerySyntaxError, parse_query
from pipeline.rules.nodes import Node
from pipeline.rules.reference import ReferenceMatcher, compile_reference, haystack


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
    assert text.count("\x1d") == 6 + 5
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


def doc_word(rng: random.Random) -> str:
    word = cased(rng, rng.choice(ALL_FORMS))
    if rng.random() < 0.1:
        word = word.replace("é", "e\u0301").replace("É", "E\u0301")  # decomposed accent
    if rng.random() < 0.06:
        word += rng.choice(["'s", "’s"])
    return word


def doc_text(rng: random.Random, most: int) -> str:
    out: list[str] = []
    for _ in range(rng.randint(0, most)):
        if out:
            out.append(rng.choice([" ", " ", " ", " ", ", ", ". ", " - ", "-"]))
        out.append(doc_word(rng))
    return "".join(out)


def random_doc(rng: random.Random) -> Document:
    return Document(
        title=doc_text(rng, 10),
        text=doc_text(rng, 40),
        source=doc_text(rng, 2),
        url="https://news.example/" + "-".join(rng.choice(ALL_FORMS) for _ in range(rng.randint(0, 3))),
        lang=rng.choice(["en", "ru", "EN", ""]),
    )


def leaf(rng: random.Random) -> str:
    word = rng.choice(ALL_FORMS)
    roll = rng.random()
    if roll < 0.15 and len(word) > 1:
        return cased(rng, word[: rng.randint(1, len(word) - 1)]) + "*"
    if roll < 0.25:
        return "=" + cased(rng, word)
    return cased(rng, word)


def span(rng: random.Random, depth: int) -> str:
    """A query part that says where it matches (usable as a NEAR operand), as a primary."""
    kinds = ["leaf", "leaf", "leaf", "phrase"] + (["or", "near", "near"] if depth > 0 else [])
    kind = rng.choice(kinds)
    if kind == "leaf":
        return leaf(rng)
    if kind == "phrase":
        words = " ".join(leaf(rng) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.1:
            return '="' + " ".join(cased(rng, rng.choice(ALL_FORMS)) for _ in range(2)) + '"'
        return f'"{words}"'
    if kind == "or":
        return "(" + " OR ".join(span(rng, depth - 1) for _ in range(rng.randint(2, 3))) + ")"
    op = rng.choice(["NEAR", "NEAR", "ONEAR"])
    left, right = span(rng, depth - 1), span(rng, depth - 1)
    if rng.random() < 0.03:
        right = "-" + right  # NOT inside NEAR: the parser refuses it
    return f"({left} {op}/{rng.randint(1, 4)} {right})"


def boolean(rng: random.Random, depth: int) -> str:
    """Any query part, as a primary (a word, a phrase or a parenthesized group) or a NOT."""
    kinds = ["span", "span", "span"] + (["and", "or", "not", "field"] if depth > 0 else [])
    kind = rng.choice(kinds)
    if kind == "span":
        return span(rng, min(depth, 2))
    if kind == "and":
        parts = [boolean(rng, depth - 1) for _ in range(rng.randint(2, 3))]
        return "(" + rng.choice([" ", " AND "]).join(parts) + ")"
    if kind == "or":
        return "(" + " OR ".join(boolean(rng, depth - 1) for _ in range(rng.randint(2, 3))) + ")"
    if kind == "not":
        return rng.choice(["-", "NOT "]) + boolean(rng, depth - 1)
    return f"{rng.choice(FIELD_NAMES)}:({boolean(rng, depth - 1)})"


def random_query(rng: random.Random) -> str:
    query = boolean(rng, 3)
    if rng.random() < 0.5:  # a positive part beside it, so fewer queries are NOT-only
        query = f"{span(rng, 1)} {query}"
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
