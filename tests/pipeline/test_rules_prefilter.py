"""The prefilter: anchors per rule, and candidates that never miss a matching rule."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher, QuerySyntaxError, parse_query
from pipeline.rules import prefilter as prefilter_module
from pipeline.rules.evaluate import holds
from pipeline.rules.index import DocumentIndex
from pipeline.rules.nodes import Not, Term
from pipeline.rules.prefilter import Anchor, Prefilter, anchors, word_cost

DEFAULT = ("title", "text")


def anchored(query: str, aliases: Mapping[str, Sequence[str]] | None = None) -> list[Anchor]:
    found = anchors(parse_query(query, aliases))
    assert found is not None
    return sorted(found[1])


def word(key: str, group: tuple[str, ...] = DEFAULT) -> Anchor:
    return (group, False, key)


def stem(key: str, group: tuple[str, ...] = DEFAULT) -> Anchor:
    return (group, True, key)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Peskov", [word("peskov")]),
        # NEAR and phrases: the cheapest side or slot; common words cost most
        ("Peskov NEAR/12 said", [word("peskov")]),
        ("said NEAR/12 Peskov", [word("peskov")]),
        ("said ONEAR/3 (Peskov OR Kremlin)", [word("kremlin"), word("peskov")]),
        ('"the spokesman" NEAR/3 said', [word("spokesman")]),
        ('"the Kremlin"', [word("kremlin")]),
        ('"Navaln* said"', [stem("navaln")]),
        # AND: its cheapest part, never a NOT
        ("said Peskov", [word("peskov")]),
        ("the Kremlin said", [word("kremlin")]),
        ("Peskov -Navalny", [word("peskov")]),
        ("x -Navalny", [word("x")]),
        ("x (a OR -b)", [word("x")]),
        ("lang:ru Peskov", [word("peskov")]),
        ("source:Reuters x", [word("reuters", ("source",))]),
        # OR: every branch
        ("Peskov OR Navalny", [word("navalny"), word("peskov")]),
        ("Peskov OR (said Navalny)", [word("navalny"), word("peskov")]),
        ("Peskov OR said", [word("peskov"), word("said")]),
        # prefixes (Cyrillic too) and exact words (folded)
        ("Навальн*", [stem("навальн")]),
        ("Навальн* NEAR/5 заявил", [stem("навальн")]),
        ("=ICC", [word("icc")]),
        ("=Café", [word("cafe")]),
        ("Ёлка", [word("елка")]),
        # fields: the anchor is looked for only there
        ("title:Peskov", [word("peskov", ("title",))]),
        ("title:(Peskov OR text:Navalny)", [word("navalny", ("text",)), word("peskov", ("title",))]),
        ("url:example.org", [word("example", ("url",))]),
        ("said", [word("said")]),
    ],
)
def test_anchors(query: str, expected: list[Anchor]) -> None:
    assert anchored(query) == expected


def test_aliases_anchor_every_form() -> None:
    assert anchored("Peskov said", {"Peskov": ["Peskow", "Песков*"]}) == [
        word("peskov"),
        word("peskow"),
        stem("песков"),
    ]


def test_not_has_no_anchors() -> None:
    assert anchors(Not(Term("peskov"))) is None


@pytest.mark.parametrize(
    ("cheaper", "dearer"),
    [("peskov", "said"), ("kremlin", "said"), ("навальный", "заявил"), ("peskov", "x"), ("ab", "a")],
)
def test_word_cost(cheaper: str, dearer: str) -> None:
    assert word_cost(cheaper) < word_cost(dearer)


def candidates(matcher: Matcher, doc: Document) -> list[int]:
    return matcher.prefilter.candidates(DocumentIndex(doc))


def rules(*queries: str) -> list[RuleConfig]:
    return [RuleConfig(id=f"r{i}", query=q) for i, q in enumerate(queries)]


@pytest.mark.parametrize(
    ("query", "text", "title", "candidate"),
    [
        ("Peskov NEAR/12 said", "he said, she said", "", False),
        ("Peskov NEAR/12 said", "Peskov was silent", "", True),
        ("Навальн*", "сторонники Навального", "", True),
        ("Навальн*", "с Навальным", "", True),
        ("Навальн*", "навал", "", False),
        ("Навальн* NEAR/5 заявил", "как заявил Навальному", "", True),
        ("Навальн* NEAR/5 заявил", "как заявил Лавров", "", False),
        ("title:Peskov", "Peskov", "", False),
        ("title:Peskov", "", "Peskov", True),
        ("=ICC", "icc", "", True),  # a candidate (folded anchor), not a match
        ("said the Kremlin", "the Kremlin", "", True),
        ("said the Kremlin", "said the", "", False),
        # a prefix guards as a word does: filed under "kremlin", looked at only with a "navaln..."
        ("Navaln* Kremlin", "the Kremlin", "", False),
        ("Navaln* Kremlin", "Navalnaya at the Kremlin", "", True),
        ("title:Navaln* Kremlin", "Navalnaya at the Kremlin", "", False),
        ("title:Navaln* Kremlin", "the Kremlin", "Navalny", True),
    ],
)
def test_candidates(query: str, text: str, title: str, candidate: bool) -> None:
    matcher = Matcher(rules(query))
    assert candidates(matcher, Document(title=title, text=text)) == ([0] if candidate else [])


def test_candidates_are_few_for_an_unrelated_document() -> None:
    queries = [
        *(f"topic{i} NEAR/5 said" for i in range(200)),
        *(f'"company{i} shares" OR ceo{i}' for i in range(200)),
        *(f"title:region{i} -the" for i in range(100)),
        "Peskov NEAR/12 (said OR told OR the)",
        "Навальн* OR Navaln*",
    ]
    matcher = Matcher(rules(*queries))
    unrelated = Document(
        title="The weather", text="It was said that the rain would go on, officials told reporters."
    )
    assert candidates(matcher, unrelated) == []
    related = Document(title="region7 news", text="Topic3 said; the CEO42 of company9 shares")
    assert candidates(matcher, related) == [3, 209, 242, 407]


def test_sizes() -> None:
    prefilter = Prefilter()
    for n, query in enumerate(["Peskov", "Peskov OR Navaln*", "title:Peskov"]):
        prefilter.add(n, parse_query(query))
    sizes = prefilter.sizes()
    assert (sizes["words"], sizes["stems"], sizes["entries"]) == (2, 1, 4)


def test_a_rule_without_anchors_is_always_a_candidate() -> None:
    prefilter = Prefilter()
    prefilter.add(0, Not(Term("x")))
    prefilter.add(1, Term("peskov"))
    assert prefilter.candidates(DocumentIndex(Document(title="", text="nothing"))) == [0]


def test_rules_added_after_a_lookup_are_found() -> None:
    prefilter = Prefilter()
    prefilter.add(0, parse_query("Navaln*"))
    doc = DocumentIndex(Document(title="", text="Navalny Peskova"))
    assert prefilter.candidates(doc) == [0]
    prefilter.add(1, parse_query("Pesk*"))
    prefilter.add(2, parse_query("Navalny*"))
    assert prefilter.candidates(DocumentIndex(Document(title="", text="Navalny Peskova"))) == [0, 1, 2]


def test_stems_are_found_after_the_words_seen_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefilter_module, "_LOOKED_UP_MAX", 4)
    prefilter = Prefilter()
    prefilter.add(0, parse_query("Navaln*"))
    prefilter.add(1, parse_query("Pesk* AND kremlin"))
    texts = ["Navalny said", "Peskov of the Kremlin", "Peskov alone", "Navalnaya and Peskova in the Kremlin"]
    for _ in range(2):  # the second time round, every word has been seen and forgotten
        assert [prefilter.candidates(DocumentIndex(Document(title="", text=t))) for t in texts] == [
            [0],
            [1],
            [],
            [0, 1],
        ]


# -- the prefilter never drops a matching rule: many random rules against many random documents

SURFACES = {
    "peskov": ["Peskov", "PESKOV", "Peskov’s", "peskova"],
    "peskow": ["Peskow"],
    "said": ["said", "Said"],
    "told": ["told"],
    "the": ["the", "The"],
    "kremlin": ["Kremlin", "Kremlin's", "kremlins"],
    "spokesman": ["spokesman", "spokesmen"],
    "icc": ["ICC", "ICC’s", "icc", "Icc"],
    "judges": ["judges", "judge"],
    "navalny": ["Navalny", "Navalnaya", "naval"],
    "песков": ["Песков", "Пескова", "пескову"],
    "заявил": ["заявил", "Заявил"],
    "навальный": ["Навальный", "Навального", "навал"],
    "ёлка": ["Ёлка", "елка"],
    "café": ["Café", "cafe\u0301", "CAFE"],
    "lavrov": ["Lavrov", "Лавров"],
    "statute": ["Statute", "statutes"],
    "rome": ["Rome", "Roma"],
    "warrant": ["warrant", "warrants"],
    "hague": ["Hague", "The Hague"],
    "moscow": ["Moscow", "Москва"],
    "protest": ["protest", "protesters"],
}
STEMS = ["pesk*", "navaln*", "kreml*", "песк*", "навальн*", "judg*", "spokesm*", "ёлк*"]
EXACT = ["=ICC", "=Icc", "=Peskov", "=Café", "=Пескова"]
FIELDS = ["title:", "text:", "source:"]
SHARED = {"Peskov": ["Peskow", "Песков*"], "ICC": ['"International Criminal Court"']}


def _leaf(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.55:
        return rng.choice(list(SURFACES))
    if kind < 0.75:
        return rng.choice(STEMS)
    if kind < 0.85:
        return rng.choice(EXACT)
    slots = [rng.choice([*SURFACES, *STEMS]) for _ in range(rng.randint(2, 3))]
    return '"' + " ".join(slots) + '"'


def _span(rng: random.Random, depth: int) -> str:
    kind = rng.random()
    if depth > 2 or kind < 0.5:
        return _leaf(rng)
    if kind < 0.7:
        return f"({' OR '.join(_span(rng, depth + 1) for _ in range(rng.randint(2, 3)))})"
    op = rng.choice(["NEAR", "ONEAR"])
    return f"({_span(rng, depth + 1)} {op}/{rng.randint(1, 6)} {_span(rng, depth + 1)})"


def _query(rng: random.Random, depth: int = 0) -> str:
    kind = rng.random()
    if depth > 2 or kind < 0.35:
        return _span(rng, depth)
    if kind < 0.5:
        return f"{rng.choice(FIELDS)}({_query(rng, depth + 1)})"
    parts = [_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    if kind < 0.75:
        return f"({' OR '.join(parts)})"
    return f"({' '.join(parts)} -{_leaf(rng)})" if rng.random() < 0.4 else f"({' AND '.join(parts)})"


def _text(rng: random.Random, size: int, topic: list[str]) -> str:
    fillers = ["x", "on", "Tuesday", "—", "reporters", "2024"]
    return " ".join(rng.choice(SURFACES[rng.choice(topic)] + fillers) for _ in range(size))


def random_rules(count: int, seed: int) -> list[RuleConfig]:
    rng = random.Random(seed)
    out: list[RuleConfig] = []
    while len(out) < count:
        query = _query(rng)
        try:
            parse_query(query, SHARED)
        except QuerySyntaxError:
            continue  # e.g. a contradiction the generator stumbled into
        out.append(RuleConfig(id=f"r{len(out)}", query=query))
    return out


def random_documents(count: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    out: list[Document] = []
    for _ in range(count):
        topic = rng.sample(sorted(SURFACES), 5)  # each document is about a few of the words
        title = _text(rng, rng.randint(0, 6), topic)
        text = _text(rng, rng.randint(0, 30), topic)
        out.append(Document(title=title, text=text, source=_text(rng, rng.randint(0, 2), topic)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidates_never_miss_a_matching_rule(seed: int) -> None:
    matcher = Matcher(random_rules(300, seed), SHARED)
    compiled = list(matcher.rules)
    matched = pruned = 0
    for n, doc in enumerate(random_documents(100, seed)):
        index = DocumentIndex(doc)
        expected = [r.rule_id for r in compiled if holds(r.node, index)]
        assert matcher.match_ids(doc) == expected, doc
        if n % 10 == 0:
            assert [h.rule_id for h in matcher.match(doc)] == expected
        matched += len(expected)
        pruned += len(compiled) - len(candidates(matcher, doc))
    # not vacuous: rules do match, and the prefilter does leave most of them out
    assert matched > 300
    assert pruned > 0.5 * len(compiled) * 100
