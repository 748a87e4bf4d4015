"""Matcher: what matches, and the Match records that say why."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence

import pytest

import pipeline.rules.index as index_module
from pipeline.models import Match, RuleHit
from pipeline.rules import Document, Matcher, RuleError, RuleErrors, fold, tokenize
from pipeline.rules.text import Token
from pipeline.schema import RuleConfig


def rule(
    query: str, rule_id: str = "r", aliases: Mapping[str, list[str]] | None = None, title: str = ""
) -> RuleConfig:
    return RuleConfig(id=rule_id, title=title, query=query, aliases=dict(aliases or {}))


def hit(query: str, doc: Document, aliases: Mapping[str, Sequence[str]] | None = None) -> RuleHit | None:
    hits = Matcher([rule(query)], aliases).match(doc)
    assert len(hits) <= 1
    return hits[0] if hits else None


def only(hit_: RuleHit | None) -> Match:
    assert hit_ is not None
    assert len(hit_.matches) == 1
    return hit_.matches[0]


SHARED = {"Peskov": ["Peskow", "Песков*"]}


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # whole words, case- and accent-insensitive
        ("Peskov", "Dmitry Peskov said", True),
        ("peskov", "DMITRY PESKOV SAID", True),
        ("Peskov", "the Peskovs", False),
        ("Peskov", "Peskovich", False),
        ("cafe", "at the Café", True),
        ("Café", "at the cafe", True),
        ("Ёлка", "елка", True),
        ("елка", "Ёлка", True),
        ("Йошкар", "Иошкар", True),
        # possessives, straight and curly
        ("Navalny", "Navalny's widow", True),
        ("Navalny", "Navalny’s widow", True),
        ("Navalny's", "Navalny’s widow", True),
        # prefixes, Latin and Cyrillic
        ("Navaln*", "Yulia Navalnaya said", True),
        ("Navaln*", "Alexei Navalny", True),
        ("Navaln*", "the naval base", False),
        ("Навальн*", "сторонники Навального", True),
        ("Навальн*", "с Навальным", True),
        ("Навальн*", "Юлия Навальная", True),
        ("Навальн*", "навал", False),
        # phrases
        ('"Kremlin spokesman"', "the Kremlin spokesman said", True),
        ('"Kremlin spokesman"', "the Kremlin\nspokesman said", True),
        ('"Kremlin spokesman"', "the spokesman of the Kremlin said", False),
        ('"Kremlin spokesman"', "the Kremlin's spokesman said", False),
        ("“Kremlin spokesman”", "the Kremlin spokesman said", True),
        ("Lvova-Belova", "Maria Lvova-Belova", True),
        ("Lvova-Belova", "Maria Lvova–Belova", True),
        ("Lvova-Belova", "Maria Lvova Belova", True),
        ("Lvova-Belova", "Maria Belova", False),
        # boolean operators
        ("a b", "b x a", True),
        ("a b", "a x", False),
        ("a AND b", "b a", True),
        ("a OR b", "b", True),
        ("a OR b", "c", False),
        ("a NOT b", "a", True),
        ("a NOT b", "a b", False),
        ("a -b", "a b", False),
        ('a -"b c"', "a b x c", True),
        ('a -"b c"', "a b c", False),
        ("a -(b OR c)", "a c", False),
        ("a NOT NOT b", "a b", True),
        # precedence: a OR (b AND c)
        ("a OR b c", "a", True),
        ("a OR b c", "b", False),
        ("a OR b c", "c b", True),
        ("(a OR b) c", "a", False),
        # NEAR: within n words in between, either order; ONEAR: in order
        ("a NEAR/2 b", "a x x b", True),
        ("a NEAR/2 b", "a x x x b", False),
        ("a NEAR/2 b", "b x x a", True),
        ("a NEAR/1 b", "a b", True),
        ("a ONEAR/2 b", "a x b", True),
        ("a ONEAR/2 b", "b x a", False),
        ("a ONEAR/2 b", "b x a x b", True),
        ("said NEAR/3 said", "he said so", False),
        ("said NEAR/3 said", "he said, she said", True),
        ('"Kremlin spokesman" NEAR/2 said', "Kremlin spokesman Dmitry Peskov said", True),
        ('"Kremlin spokesman" NEAR/1 said', "Kremlin spokesman Dmitry Peskov said", False),
        ('said NEAR/2 "Kremlin spokesman"', "said the Kremlin spokesman", True),
        ("(Peskov OR spokesman) NEAR/3 (said OR told)", "the spokesman then told", True),
        ("(Peskov OR spokesman) NEAR/3 (said OR told)", "the spokesman did not say or tell", False),
        ("(Peskov -Kremlin) NEAR/3 said", "Peskov said", True),
        ("(Peskov -Kremlin) NEAR/3 said", "Peskov said in the Kremlin", False),
        ("a NEAR/2 b NEAR/2 c", "a b x x c", True),
        ("a NEAR/2 b NEAR/2 c", "a b x x x c", False),
        # aliases (shared: Peskov -> Peskow, Песков*)
        ("Peskov", "Peskow said", True),
        ("Peskov", "слова Пескова", True),
        ("Peskov NEAR/2 said", "Peskow said", True),
        ('"Peskov"', "Peskow said", False),
    ],
)
def test_matches(query: str, text: str, expected: bool) -> None:
    assert (hit(query, Document(title="", text=text), SHARED) is not None) is expected


@pytest.mark.parametrize(
    ("query", "doc", "expected"),
    [
        ("Peskov", Document(title="Peskov speaks", text=""), True),
        ("title:Peskov", Document(title="", text="Peskov"), False),
        ("title:Peskov", Document(title="Peskov", text=""), True),
        ("text:Peskov", Document(title="Peskov", text=""), False),
        ('title:"Kremlin spokesman" text:said', Document(title="Kremlin spokesman", text="he said"), True),
        ("title:(Peskov OR Kremlin)", Document(title="the Kremlin", text="Peskov"), True),
        ("Reuters", Document(title="", text="", source="Reuters"), False),
        ("source:Reuters", Document(title="", text="", source="Reuters"), True),
        ("url:example.org", Document(title="", text="", url="https://www.example.org/a"), True),
        ("url:example.org", Document(title="", text="", url="https://example.com/org"), False),
        ("lang:ru Peskov", Document(title="", text="Peskov", lang="ru"), True),
        ("lang:ru Peskov", Document(title="", text="Peskov", lang="en"), False),
        ("Peskov NEAR/3 said", Document(title="Peskov", text="said"), False),
        ("title:Peskov NEAR/3 said", Document(title="Peskov said", text="said"), True),
    ],
)
def test_fields(query: str, doc: Document, expected: bool) -> None:
    assert (hit(query, doc) is not None) is expected


def test_terms_offsets_and_short_snippet() -> None:
    text = "Kremlin spokesman Dmitry Peskov said Navalny’s widow spoke. PESKOV added nothing."
    m = only(hit("(Peskov OR Navalny) NEAR/5 (said OR added)", Document(title="", text=text)))
    assert m.field == "text"
    assert m.terms == ("Peskov", "said", "Navalny", "PESKOV", "added")
    assert [text[a:b] for a, b in m.offsets] == ["Peskov", "said", "Navalny", "PESKOV", "added"]
    assert list(m.offsets) == sorted(m.offsets)
    assert m.snippet == text  # short: the whole text
    assert m.highlights == m.offsets


def test_near_counts_only_pairs_within_the_distance() -> None:
    filler = " ".join(["word"] * 20)
    text = (
        f"Peskov said it. {filler}. Later someone said more than that, and then Peskov was quiet. "
        f"{filler} told"
    )
    m = only(hit("Peskov NEAR/3 (said OR told)", Document(title="", text=text)))
    assert m.terms == ("Peskov", "said")
    assert m.offsets == ((0, 6), (7, 11))


def test_not_and_false_branches_contribute_nothing() -> None:
    text = "Peskov said that Putin agreed"
    m = only(hit("(Peskov OR Lavrov) -Navalny said", Document(title="", text=text)))
    assert m.terms == ("Peskov", "said")
    m = only(hit("Peskov OR Putin OR Lavrov", Document(title="", text=text)))
    assert m.terms == ("Peskov", "Putin")


def test_phrase_is_one_hit_and_overlapping_hits_merge() -> None:
    text = "The Kremlin\n  spokesman said"
    m = only(hit('"Kremlin spokesman" OR Kremlin OR spokesman', Document(title="", text=text)))
    assert m.offsets == ((4, 23),)
    assert m.terms == ("Kremlin spokesman",)
    assert m.snippet == "The Kremlin spokesman said"
    assert [m.snippet[a:b] for a, b in m.highlights] == ["Kremlin spokesman"]


def test_prefix_and_alias_hits_use_the_surface_form() -> None:
    text = "Заявление Пескова и Навальной; Peskow told"
    m = only(hit("Peskov OR Навальн*", Document(title="", text=text), SHARED))
    assert m.terms == ("Пескова", "Навальной", "Peskow")


def test_one_match_per_field_in_field_order() -> None:
    doc = Document(title="Peskov speaks", text="Peskov said", source="Peskov Daily")
    found = hit("Peskov OR source:Daily", doc)
    assert found is not None
    assert [m.field for m in found.matches] == ["title", "text", "source"]
    assert [m.terms for m in found.matches] == [("Peskov",), ("Peskov",), ("Daily",)]


def long_text() -> str:
    words = [f"w{i}" for i in range(200)]
    words[5] = "Peskov"  # a lone hit early on
    words[120], words[123], words[127] = "Peskov", "said", "Peskov"  # the densest cluster
    return " ".join(words) + "."


def test_long_text_snippet_is_around_the_densest_cluster() -> None:
    text = long_text()
    m = only(hit("Peskov OR said", Document(title="", text=text)))
    assert [text[a:b] for a, b in m.offsets] == ["Peskov", "Peskov", "said", "Peskov"]
    assert m.snippet.startswith("… ") and m.snippet.endswith(" …")
    words = m.snippet.strip("… ").split()
    assert 28 <= len(words) <= 32
    assert "w110" in words and "w135" in words
    assert len(m.highlights) == 3
    assert [m.snippet[a:b] for a, b in m.highlights] == ["Peskov", "said", "Peskov"]
    assert m.snippet.index("w119 Peskov w121") < m.highlights[0][0] < m.snippet.index("w121")


def test_snippet_at_the_start_has_no_leading_ellipsis() -> None:
    text = "Peskov said, " + " ".join(f"w{i}" for i in range(100))
    m = only(hit("Peskov", Document(title="", text=text)))
    assert m.snippet.startswith("Peskov said, w0") and m.snippet.endswith(" …")
    assert m.highlights == ((0, 6),)


def test_snippet_at_the_end_has_no_trailing_ellipsis_and_keeps_punctuation() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + " “Peskov” said.\n"
    m = only(hit("Peskov", Document(title="", text=text)))
    assert m.snippet.startswith("… ") and m.snippet.endswith("“Peskov” said.")
    ((a, b),) = m.highlights
    assert m.snippet[a:b] == "Peskov"


@pytest.mark.parametrize(
    "query",
    [
        "Peskov OR said OR Kremlin*",
        '"Kremlin spokesman" NEAR/12 (said OR told)',
        "Peskov -Navalny",
        "Lvova-Belova OR Peskov",
        "title:Peskov OR text:(Peskov NEAR/5 said)",
    ],
)
def test_match_records_are_consistent(query: str) -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov said that as Russia was not a party to the Rome Statute, "
        "which established the ICC, Moscow did not recognize the warrants.\n\n"
        "“We are not parties to the statute,” Peskov told reporters. In March last year the ICC issued "
        "warrants for President Vladimir Putin and Maria Lvova-Belova; the Kremlin’s view, Peskov said, "
        "has not changed. " + " ".join(["more"] * 40) + " Peskov."
    )
    doc = Document(title="Peskov: Kremlin does not recognize ICC warrants", text=text)
    found = hit(query, doc)
    assert found is not None
    for m in found.matches:
        field_text = getattr(doc, m.field)
        surfaces = [" ".join(field_text[a:b].split()) for a, b in m.offsets]
        assert list(m.offsets) == sorted(m.offsets)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(m.offsets, m.offsets[1:], strict=False))
        assert set(m.terms) == set(surfaces) and len(m.terms) == len(set(m.terms))
        assert all(tokenize(s) for s in surfaces)
        assert 1 <= len(m.highlights) <= len(m.offsets)
        assert all(m.snippet[a:b] in m.terms for a, b in m.highlights)
        assert len(m.snippet.split()) <= 34


def test_rules_come_back_in_rule_order_with_their_titles() -> None:
    matcher = Matcher(
        [rule("said", "b-rule", title="B"), rule("Peskov", "a-rule"), rule("nothing", "c-rule")]
    )
    hits = matcher.match(Document(title="", text="Peskov said"))
    assert [(h.rule_id, h.rule_title) for h in hits] == [("b-rule", "B"), ("a-rule", "a-rule")]
    assert matcher.match(Document(title="", text="Peskov said")) == hits  # reusable


def test_rule_aliases_add_to_the_shared_ones() -> None:
    rules = [
        rule("Peskov", "own", aliases={"Peskov": ["Peskoff"], "Navalny": ["Navalnyi"]}),
        rule("Peskov", "plain"),
    ]
    matcher = Matcher(rules, {"Peskov": ["Peskow"]})

    def ids(text: str) -> list[str]:
        return [h.rule_id for h in matcher.match(Document(title="", text=text))]

    assert ids("Peskow") == ["own", "plain"]
    assert ids("Peskoff") == ["own"]
    assert ids("Navalnyi") == []


def test_every_bad_rule_is_reported_and_nothing_loads() -> None:
    rules = [rule("(a OR b", "one"), rule("fine", "two"), rule("a NEAR/0 b", "three"), rule("NOT x", "four")]
    with pytest.raises(RuleErrors) as info:
        Matcher(rules)
    errors = info.value.errors
    assert [(e.rule_id, e.error.column) for e in errors] == [("one", 1), ("three", 3), ("four", 1)]
    assert all(isinstance(e, RuleError) and isinstance(e, ValueError) for e in errors)
    assert "rule 'three': NEAR/0: the distance must be at least 1 (column 3)\na NEAR/0 b\n  ^" in str(
        errors[1]
    )
    assert "3 rule(s) have errors" in str(info.value)


def test_bad_shared_alias_is_an_error_of_the_rules_that_use_it() -> None:
    with pytest.raises(RuleErrors) as info:
        Matcher([rule("Peskov said", "uses"), rule("other", "unused")], {"Peskov": ["Pes*kov"]})
    assert [(e.rule_id, e.error.column) for e in info.value.errors] == [("uses", 1)]


def test_each_field_is_tokenized_once_per_match(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str) -> list[Token]:
        calls.append(text)
        return tokenize(text)

    monkeypatch.setattr(index_module, "tokenize", counting)
    matcher = Matcher([rule("Peskov"), rule("said", "r2"), rule("Navaln* OR Peskov NEAR/3 said", "r3")])
    doc = Document(title="Peskov", text="Peskov said", source="unused")
    assert [h.rule_id for h in matcher.match(doc)] == ["r", "r2", "r3"]
    assert sorted(calls) == ["Peskov", "Peskov said"]
    matcher.match(doc)
    assert len(calls) == 4  # a new call tokenizes again: nothing is cached across documents


def test_folded_offsets_round_trip() -> None:
    text = "CAFÉ, café and cafe\u0301 — Ёлка"
    m = only(hit("cafe OR елка", Document(title="", text=text)))
    assert [fold(text[a:b]) for a, b in m.offsets] == ["cafe", "cafe", "cafe", "елка"]
    assert m.terms == ("CAFÉ", "café", "cafe\u0301", "Ёлка")


def test_errors_survive_pickling() -> None:
    with pytest.raises(RuleErrors) as info:
        Matcher([rule("a AND", "one"), rule("", "two")])
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value)
    assert [(e.rule_id, e.error.message, e.error.column, e.error.query) for e in copy.errors] == [
        (e.rule_id, e.error.message, e.error.column, e.error.query) for e in info.value.errors
    ]
