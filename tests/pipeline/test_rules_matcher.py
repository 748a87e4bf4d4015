"""Matcher: what matches, the Match records that say why, and how bad rule sets are refused."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

import pipeline.rules.index as index_module
from pipeline.config import RuleConfig
from pipeline.models import Match, RuleHit, TermHit
from pipeline.rules import Document, Matcher, RuleError, RuleErrors, fold, tokenize
from pipeline.rules.index import DocumentIndex

Aliases = Mapping[str, Sequence[str]]


def rule(query: str, rule_id: str = "r", aliases: Aliases | None = None, title: str = "") -> RuleConfig:
    return RuleConfig(
        id=rule_id, title=title, query=query, aliases={k: list(v) for k, v in (aliases or {}).items()}
    )


def hit(query: str, doc: Document, aliases: Aliases | None = None) -> RuleHit | None:
    hits = Matcher([rule(query)], aliases).match(doc)
    assert len(hits) <= 1
    return hits[0] if hits else None


def text(body: str) -> Document:
    return Document(title="", text=body)


def only(hit_: RuleHit | None) -> Match:
    assert hit_ is not None
    assert len(hit_.matches) == 1
    return hit_.matches[0]


SHARED = {"Peskov": ["Peskow", "Песков*"]}


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        # whole words, case- and accent-insensitive
        ("Peskov", "Dmitry Peskov said", True),
        ("peskov", "DMITRY PESKOV SAID", True),
        ("Peskov", "the Peskovs", False),
        ("Peskov", "Peskovich", False),
        ("cafe", "at the Café", True),
        ("Café", "at the cafe", True),
        ("Café", "at the cafe\u0301", True),
        ("Ёлка", "елка", True),
        ("елка", "Ёлка", True),
        ("Йошкар", "Иошкар", True),
        ("2024", "in 2024-05", True),
        # possessives, straight and curly, in the text or in the query
        ("Navalny", "Navalny's widow", True),
        ("Navalny", "Navalny’s widow", True),
        ("Navalny's", "Navalny’s widow", True),
        ("Navalny’s", "Navalny widow", True),
        ("s", "Navalny’s widow", False),
        # apostrophes and hyphens split words
        ("Neill", "O'Neill", True),
        ("Belova", "Maria Lvova-Belova", True),
        # prefixes, Latin and Cyrillic
        ("Navaln*", "Yulia Navalnaya said", True),
        ("Navaln*", "Alexei Navalny", True),
        ("Navaln*", "the naval base", False),
        ("Navaln*", "Navaln", True),
        ("Навальн*", "сторонники Навального", True),
        ("Навальн*", "с Навальным", True),
        ("Навальн*", "Юлия Навальная", True),
        ("Навальн*", "навал", False),
        ("Ёлк*", "елки", True),
        # exact words: case and accents as written
        ("=ICC", "the ICC said", True),
        ("=ICC", "the ICC’s judges", True),
        ("=ICC", "the icc said", False),
        ("=ICC", "the Icc said", False),
        ("=Café", "at the Cafe\u0301", True),
        ("=Café", "at the Cafe", False),
        ('="Rome Statute"', "the Rome Statute of 1998", True),
        ('="Rome Statute"', "the rome statute", False),
        ('="Rome Statute"', "Rome, Statute", True),
        # phrases
        ('"Kremlin spokesman"', "the Kremlin spokesman said", True),
        ('"Kremlin spokesman"', "the Kremlin\nspokesman said", True),
        ('"Kremlin spokesman"', "the Kremlin, spokesman said", True),  # punctuation is not a word
        ('"Kremlin spokesman"', "the spokesman of the Kremlin said", False),
        ('"Kremlin spokesman"', "the Kremlin's spokesman said", True),
        ('"Kremlin spokesman"', "the Kremlin press spokesman", False),
        ("“Kremlin spokesman”", "the Kremlin spokesman said", True),
        ('"Navaln* team"', "Navalny’s team", True),
        ('"Navaln* team"', "the naval team", False),
        ('"=ICC judges"', "ICC judges", True),
        ('"=ICC judges"', "icc judges", False),
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
        ("a -(b OR c)", "a d", True),
        ("a NOT NOT b", "a b", True),
        ("a NOT NOT b", "a", False),
        ("x (a OR -b)", "x", True),
        ("x (a OR -b)", "x b", False),
        ("x (a OR -b)", "x a b", True),
        ("a and b", "a b", False),  # lowercase "and" is a word
        ("a and b", "a and b", True),
        # precedence: a OR (b AND c)
        ("a OR b c", "a", True),
        ("a OR b c", "b", False),
        ("a OR b c", "c b", True),
        ("(a OR b) c", "a", False),
        # NEAR/n: fewer than n words between, either order; ONEAR: left first
        ("a NEAR/1 b", "a b", True),
        ("a NEAR/1 b", "b a", True),
        ("a NEAR/1 b", "a x b", False),
        ("a NEAR/2 b", "a x b", True),
        ("a NEAR/2 b", "b x a", True),
        ("a NEAR/2 b", "a x x b", False),
        ("a NEAR/3 b", "a x x b", True),
        ("a NEAR/3 b", "a x x x b", False),
        ("a NEAR/2 b", "a, b", True),  # punctuation is not a word
        ("a NEAR/2 b", "a’s b", True),  # nor is a possessive
        ("a NEAR/2 b", "a b's", True),
        ("a NEAR/2 b", "a", False),
        ("a ONEAR/2 b", "a x b", True),
        ("a ONEAR/2 b", "b x a", False),
        ("a ONEAR/2 b", "b x a x b", True),
        ("a NEAR/1000 b", "a " + "x " * 999 + "b", True),
        ("a NEAR/1000 b", "a " + "x " * 1000 + "b", False),
        ("said NEAR/3 said", "he said so", False),  # a word is not near itself
        ("said NEAR/3 said", "he said, she said", True),
        ('"Kremlin spokesman" NEAR/3 said', "Kremlin spokesman Dmitry Peskov said", True),
        ('"Kremlin spokesman" NEAR/2 said', "Kremlin spokesman Dmitry Peskov said", False),
        ('said NEAR/2 "Kremlin spokesman"', "said the Kremlin spokesman", True),
        ('"a b" NEAR/1 b', "a b", False),  # the sides never overlap
        ('"a b" NEAR/1 b', "a b b", True),
        ('"a b" ONEAR/2 c', "a b x c", True),
        ('c ONEAR/2 "a b"', "a b x c", False),
        ("Navaln* NEAR/2 =ICC", "ICC and Navalny", True),
        ("Navaln* NEAR/2 =ICC", "icc and Navalny", False),
        ("(Peskov OR spokesman) NEAR/3 (said OR told)", "the spokesman then told", True),
        ("(Peskov OR spokesman) NEAR/3 (said OR told)", "the spokesman did not say or tell", False),
        # nested NEAR: a NEAR's range covers both its sides
        ("a NEAR/2 b NEAR/2 c", "a b x c", True),
        ("a NEAR/2 b NEAR/2 c", "c x a b", True),
        ("a NEAR/2 b NEAR/2 c", "a b x x c", False),
        ("a NEAR/2 b NEAR/2 c", "a x b x c", True),
        ("a NEAR/2 (b NEAR/1 c)", "a x b c", True),
        ("a NEAR/2 (b NEAR/1 c)", "a x b x c", False),
        ("(a ONEAR/1 b) ONEAR/1 c", "a b c", True),
        ("(a ONEAR/1 b) ONEAR/1 c", "c a b", False),
        # NEAR in a boolean context
        ("(a NEAR/2 b) -c", "a b", True),
        ("(a NEAR/2 b) -c", "a b c", False),
        ("x OR a NEAR/1 b", "b a", True),
        # aliases (shared: Peskov -> Peskow, Песков*)
        ("Peskov", "Peskow said", True),
        ("Peskov", "слова Пескова", True),
        ("Peskov NEAR/2 said", "Peskow said", True),
        ('"Peskov"', "Peskow said", True),  # a quoted single word expands too
        ('"Dmitry Peskov"', "Dmitry Peskow", True),
        ("Peskov*", "Peskow", False),
        ("=Peskov", "Peskow", False),
    ],
)
def test_matches(query: str, body: str, expected: bool) -> None:
    assert (hit(query, text(body), SHARED) is not None) is expected


@pytest.mark.parametrize(
    ("query", "doc", "expected"),
    [
        ("Peskov", Document(title="Peskov speaks", text=""), True),
        ("Peskov", Document(title="", text="Peskov speaks"), True),
        ("title:Peskov", Document(title="", text="Peskov"), False),
        ("title:Peskov", Document(title="Peskov", text=""), True),
        ("text:Peskov", Document(title="Peskov", text=""), False),
        ('title:"Kremlin spokesman" text:said', Document(title="Kremlin spokesman", text="he said"), True),
        ("title:(Peskov OR Kremlin)", Document(title="the Kremlin", text="Peskov"), True),
        ("-title:Peskov Kremlin", Document(title="Kremlin", text="Peskov"), True),
        ("-title:Peskov Kremlin", Document(title="Peskov", text="Kremlin"), False),
        ("title:Peskov -Peskov", Document(title="Peskov", text=""), False),
        # source, url and lang only when asked for
        ("Reuters", Document(title="", text="", source="Reuters"), False),
        ("source:Reuters", Document(title="", text="", source="Reuters"), True),
        ("url:example.org", Document(title="", text="", url="https://www.example.org/a"), True),
        ("url:example.org", Document(title="", text="", url="https://example.com/org"), False),
        ("lang:ru Peskov", Document(title="", text="Peskov", lang="ru"), True),
        ("lang:ru Peskov", Document(title="", text="Peskov", lang="en"), False),
        # a phrase or a NEAR never spans from the title into the text
        ('"Peskov said"', Document(title="Peskov", text="said"), False),
        ("Peskov NEAR/3 said", Document(title="Peskov", text="said"), False),
        ("Peskov NEAR/3 said", Document(title="Peskov said", text=""), True),
        ("title:(Peskov NEAR/3 said)", Document(title="Peskov said", text="said"), True),
        ("title:(Peskov NEAR/3 said)", Document(title="Peskov", text="Peskov said"), False),
        ("text:(Peskov NEAR/3 said)", Document(title="Peskov said", text="Peskov"), False),
        ("title:(text:Peskov)", Document(title="", text="Peskov"), True),  # the innermost scope wins
    ],
)
def test_fields(query: str, doc: Document, expected: bool) -> None:
    assert (hit(query, doc) is not None) is expected


# -- explanations


def test_terms_offsets_and_short_snippet() -> None:
    body = "Kremlin spokesman Dmitry Peskov said Navalny’s widow spoke. PESKOV added nothing."
    m = only(hit("(Peskov OR Navalny) NEAR/5 (said OR added)", text(body)))
    assert m.field == "text"
    assert m.terms == ("Peskov", "said", "Navalny", "PESKOV", "added")
    assert [body[a:b] for a, b in m.offsets] == ["Peskov", "said", "Navalny", "PESKOV", "added"]
    assert list(m.offsets) == sorted(m.offsets)
    assert m.snippet == body  # short: the whole text
    assert m.highlights == m.offsets


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        ("Peskov", "Peskov’s view", [("Peskov", 0, 6, "term:peskov")]),
        (
            "Peskov",
            "Peskow and Пескова",
            [("Peskow", 0, 6, "term:peskow"), ("Пескова", 11, 18, "prefix:песков*")],
        ),
        ("Навальн*", "с Навальным", [("Навальным", 2, 11, "prefix:навальн*")]),
        ("=ICC", "the ICC’s icc", [("ICC", 4, 7, "exact:ICC")]),
        ('="Rome Statute"', "the Rome  Statute", [("Rome Statute", 4, 17, 'phrase:"=Rome =Statute"')]),
        (
            '"Kremlin spokesman" OR said',
            "Kremlin\nspokesman said",
            [("Kremlin spokesman", 0, 17, 'phrase:"kremlin spokesman"'), ("said", 18, 22, "term:said")],
        ),
        ('"Navaln* team"', "Navalny's team", [("Navalny's team", 0, 14, 'phrase:"navaln* team"')]),
        ("Lvova-Belova", "Maria Lvova–Belova", [("Lvova–Belova", 6, 18, 'phrase:"lvova belova"')]),
        # NEAR: only the words of pairs within the distance; NOT: nothing
        ("a NEAR/1 b", "b x a b", [("a", 4, 5, "term:a"), ("b", 6, 7, "term:b")]),
        ("a ONEAR/2 b -c", "b a x b", [("a", 2, 3, "term:a"), ("b", 6, 7, "term:b")]),
        ("a -(b c)", "a b", [("a", 0, 1, "term:a")]),
        ("x (a OR -b)", "x", [("x", 0, 1, "term:x")]),
    ],
)
def test_hits_name_the_query_part(query: str, body: str, expected: list[tuple[str, int, int, str]]) -> None:
    m = only(hit(query, text(body), SHARED))
    assert m.hits == tuple(TermHit(text=t, start=a, end=b, query=q) for t, a, b, q in expected)
    assert all(" ".join(body[h.start : h.end].split()) == h.text for h in m.hits)


def test_near_counts_only_pairs_within_the_distance() -> None:
    filler = " ".join(["word"] * 20)
    body = (
        f"Peskov said it. {filler}. Later someone said a great deal more, and then Peskov was quiet. "
        f"{filler} told"
    )
    m = only(hit("Peskov NEAR/3 (said OR told)", text(body)))
    assert m.terms == ("Peskov", "said")
    assert m.offsets == ((0, 6), (7, 11))
    assert [h.query for h in m.hits] == ["term:peskov", "term:said"]


def test_not_and_false_branches_contribute_nothing() -> None:
    body = "Peskov said that Putin agreed"
    m = only(hit("(Peskov OR Lavrov) -Navalny said", text(body)))
    assert m.terms == ("Peskov", "said")
    m = only(hit("Peskov OR Putin OR Lavrov", text(body)))
    assert m.terms == ("Peskov", "Putin")
    m = only(hit("Peskov -(Putin Navalny)", text(body)))
    assert m.terms == ("Peskov",)


def test_phrase_is_one_hit_and_overlapping_hits_merge() -> None:
    body = "The Kremlin\n  spokesman said"
    m = only(hit('"Kremlin spokesman" OR Kremlin OR spokesman', text(body)))
    assert m.offsets == ((4, 23),)
    assert m.terms == ("Kremlin spokesman",)
    assert m.snippet == "The Kremlin spokesman said"
    assert [m.snippet[a:b] for a, b in m.highlights] == ["Kremlin spokesman"]
    assert sorted(h.query for h in m.hits) == ['phrase:"kremlin spokesman"', "term:kremlin", "term:spokesman"]


def test_prefix_and_alias_hits_use_the_surface_form() -> None:
    body = "Заявление Пескова и Навальной; Peskow told"
    m = only(hit("Peskov OR Навальн*", text(body), SHARED))
    assert m.terms == ("Пескова", "Навальной", "Peskow")


def test_one_match_per_field_in_field_order() -> None:
    doc = Document(title="Peskov speaks", text="Peskov said", source="Peskov Daily")
    found = hit("Peskov OR source:Daily", doc)
    assert found is not None
    assert [m.field for m in found.matches] == ["title", "text", "source"]
    assert [m.terms for m in found.matches] == [("Peskov",), ("Peskov",), ("Daily",)]


def test_folded_offsets_round_trip() -> None:
    body = "CAFÉ, café and cafe\u0301 — Ёлка"
    m = only(hit("cafe OR елка", text(body)))
    assert [fold(body[a:b]) for a, b in m.offsets] == ["cafe", "cafe", "cafe", "елка"]
    assert m.terms == ("CAFÉ", "café", "cafe\u0301", "Ёлка")


def long_text() -> str:
    words = [f"w{i}" for i in range(200)]
    words[5] = "Peskov"  # a lone hit early on
    words[120], words[123], words[127] = "Peskov", "said", "Peskov"  # the densest cluster
    return " ".join(words) + "."


def test_long_text_snippet_is_around_the_densest_cluster() -> None:
    body = long_text()
    m = only(hit("Peskov OR said", text(body)))
    assert [body[a:b] for a, b in m.offsets] == ["Peskov", "Peskov", "said", "Peskov"]
    assert m.snippet.startswith("… ") and m.snippet.endswith(" …")
    words = m.snippet.strip("… ").split()
    assert 28 <= len(words) <= 32
    assert "w110" in words and "w135" in words
    assert len(m.highlights) == 3
    assert [m.snippet[a:b] for a, b in m.highlights] == ["Peskov", "said", "Peskov"]
    assert m.snippet.index("w119 Peskov w121") < m.highlights[0][0] < m.snippet.index("w121")


def test_matches_sharing_a_snippet_window_each_highlight_their_own_words() -> None:
    """Rules matching in the same window of one article (a short text is one window, whole)
    share the window's text, made once, but each highlights what it matched."""
    body = "Kremlin aides:\n\nPeskov  said the Kremlin   would wait."
    matcher = Matcher([rule("Peskov", "a"), rule("Kremlin", "b"), rule("Peskov OR wait", "c")])
    by_rule = {h.rule_id: only(h) for h in matcher.match(text(body))}
    assert {m.snippet for m in by_rule.values()} == {"Kremlin aides: Peskov said the Kremlin would wait."}
    shown = {rule_id: [m.snippet[a:b] for a, b in m.highlights] for rule_id, m in by_rule.items()}
    assert shown == {"a": ["Peskov"], "b": ["Kremlin", "Kremlin"], "c": ["Peskov", "wait"]}


def test_snippet_at_the_start_has_no_leading_ellipsis() -> None:
    body = "Peskov said, " + " ".join(f"w{i}" for i in range(100))
    m = only(hit("Peskov", text(body)))
    assert m.snippet.startswith("Peskov said, w0") and m.snippet.endswith(" …")
    assert m.highlights == ((0, 6),)


def test_snippet_at_the_end_has_no_trailing_ellipsis_and_keeps_punctuation() -> None:
    body = " ".join(f"w{i}" for i in range(100)) + " “Peskov” said.\n"
    m = only(hit("Peskov", text(body)))
    assert m.snippet.startswith("… ") and m.snippet.endswith("“Peskov” said.")
    ((a, b),) = m.highlights
    assert m.snippet[a:b] == "Peskov"


def test_snippet_collapses_whitespace() -> None:
    body = "\n\n  Peskov\n\n\tsaid  it  \n"
    m = only(hit("said", text(body)))
    assert m.snippet == "Peskov said it"
    assert m.offsets == ((13, 17),)
    assert [m.snippet[a:b] for a, b in m.highlights] == ["said"]


MEMO = (
    "Kremlin spokesman Dmitry Peskov said that as Russia was not a party to the Rome Statute, "
    "which established the ICC, Moscow did not recognize the warrants.\n\n"
    "“We are not parties to the statute,” Peskov told reporters. In March last year the ICC issued "
    "warrants for President Vladimir Putin and Maria Lvova-Belova; the Kremlin’s view, Peskov said, "
    "has not changed. " + " ".join(["more"] * 40) + " Peskov."
)


@pytest.mark.parametrize(
    "query",
    [
        "Peskov OR said OR Kremlin*",
        '"Kremlin spokesman" NEAR/12 (said OR told)',
        "Peskov -Navalny",
        "Lvova-Belova OR Peskov",
        "title:Peskov OR text:(Peskov NEAR/5 said)",
        "=ICC ONEAR/15 warrants",
        '="Rome Statute" OR Пут*',
    ],
)
def test_match_records_are_consistent(query: str) -> None:
    doc = Document(title="Peskov: Kremlin does not recognize ICC warrants", text=MEMO)
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
        assert m.hits and all(any(a <= h.start and h.end <= b for a, b in m.offsets) for h in m.hits)
        assert all(" ".join(field_text[h.start : h.end].split()) == h.text for h in m.hits)


# -- the matcher as a whole


def test_rules_come_back_in_rule_order_with_their_titles() -> None:
    matcher = Matcher(
        [rule("said", "b-rule", title="B"), rule("Peskov", "a-rule"), rule("nothing", "c-rule")]
    )
    doc = text("Peskov said")
    hits = matcher.match(doc)
    assert [(h.rule_id, h.rule_title) for h in hits] == [("b-rule", "B"), ("a-rule", "a-rule")]
    assert matcher.match(doc) == hits  # reusable
    assert matcher.match_ids(doc) == ["b-rule", "a-rule"]
    assert len(matcher) == 3
    assert [(r.rule_id, r.title) for r in matcher.rules] == [
        ("b-rule", "B"),
        ("a-rule", "a-rule"),
        ("c-rule", "c-rule"),
    ]


def test_no_rules_match_nothing() -> None:
    matcher = Matcher([])
    assert len(matcher) == 0
    assert matcher.match(text("Peskov said")) == []


def test_rule_aliases_add_to_the_shared_ones() -> None:
    rules = [
        rule("Peskov", "own", aliases={"Peskov": ["Peskoff"], "Navalny": ["Navalnyi"]}),
        rule("Peskov", "plain"),
    ]
    matcher = Matcher(rules, {"Peskov": ["Peskow"]})
    assert matcher.match_ids(text("Peskow")) == ["own", "plain"]
    assert matcher.match_ids(text("Peskoff")) == ["own"]
    assert matcher.match_ids(text("Navalnyi")) == []


NEAR_OPERAND = "NEAR/3 works on words, phrases, prefixes and OR-groups of them"


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("(a OR b", "unbalanced parentheses: this '(' is never closed", 1),
        ("a NEAR/0 b", "NEAR/0: the distance must be from 1 (adjacent) to 1000 words", 3),
        ("NOT x", "this query can never match: a query needs at least one positive term", 1),
        ("a OR -b", "this part matches any document that lacks a word", 6),
        ("a -a", "this query can never match: it requires term:a and excludes it", 3),
        ("(Peskov -Kremlin) NEAR/3 said", NEAR_OPERAND, 1),
        ("title:Peskov NEAR/3 said", NEAR_OPERAND, 1),
        ("foo:bar", "unknown field 'foo'", 1),
        ("", "empty query", 1),
    ],
)
def test_a_bad_rule_is_refused(query: str, message: str, column: int) -> None:
    with pytest.raises(RuleErrors) as info:
        Matcher([rule("fine", "ok"), rule(query, "bad")])
    (error,) = info.value.errors
    assert (error.rule_id, error.column, error.query) == ("bad", column, query)
    assert error.message.startswith(message)


def test_every_bad_rule_is_reported_and_nothing_loads() -> None:
    rules = [rule("(a OR b", "one"), rule("fine", "two"), rule("a NEAR/0 b", "three"), rule("NOT x", "four")]
    with pytest.raises(RuleErrors) as info:
        Matcher(rules)
    errors = info.value.errors
    assert [(e.rule_id, e.column) for e in errors] == [("one", 1), ("three", 3), ("four", 1)]
    assert all(isinstance(e, RuleError) and isinstance(e, ValueError) for e in errors)
    assert str(errors[1]) == (
        "rule 'three': NEAR/0: the distance must be from 1 (adjacent) to 1000 words (column 3)\n"
        "a NEAR/0 b\n"
        "  ^"
    )
    assert str(info.value).startswith("3 rule error(s):\nrule 'one': ")


def test_errors_survive_pickling() -> None:
    rules = [rule("a AND", "one"), rule("", "two"), rule("x", "three", aliases={"A": ["B"], "B": ["A"]})]
    with pytest.raises(RuleErrors) as info:
        Matcher(rules, {"S*": ["x"]})
    copy = pickle.loads(pickle.dumps(info.value))
    assert isinstance(copy, RuleErrors)
    assert str(copy) == str(info.value)
    fields = [(e.rule_id, e.message, e.column, e.query, str(e)) for e in info.value.errors]
    assert [(e.rule_id, e.message, e.column, e.query, str(e)) for e in copy.errors] == fields
    assert [e.rule_id for e in copy.errors] == [None, "one", "two", "three"]


def _count_word_splitting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each text the document index splits into words (whatever function it uses)."""
    calls: list[str] = []
    for name in ("words", "prepared_words", "spans", "tokenize"):
        original = getattr(index_module, name, None)
        if original is None:
            continue

        def counting(text: str, _original: Callable[[str], Any] = original) -> Any:
            calls.append(text)
            return _original(text)

        monkeypatch.setattr(index_module, name, counting)
    return calls


def test_each_field_is_split_at_most_once_per_function_and_only_if_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_word_splitting(monkeypatch)
    matcher = Matcher([rule("Peskov"), rule("said", "r2"), rule("Navaln* OR Peskov NEAR/3 said", "r3")])
    doc = Document(title="Peskov", text="Peskov said", source="unused", url="https://unused.example")
    assert [h.rule_id for h in matcher.match(doc)] == ["r", "r2", "r3"]
    assert set(calls) == {"Peskov", "Peskov said"}
    assert len(calls) <= 2 * 3  # title and text, once for each splitting function at most
    before = len(calls)
    matcher.match(doc)
    assert len(calls) == 2 * before  # a new call indexes again: nothing is cached across documents


def test_a_document_index_builds_each_field_once() -> None:
    index = DocumentIndex(Document(title="Peskov", text="said"))
    assert index.field("title") is index.field("title")
    assert index.field("text").words == ["said"]
    with pytest.raises(KeyError):
        index.field("body")


def test_match_ids_splits_each_field_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_word_splitting(monkeypatch)
    matcher = Matcher([rule("Peskov NEAR/3 said"), rule('"Kremlin spokesman" OR Navaln*', "r2")])
    doc = Document(title="Kremlin spokesman", text="Peskov said, Navalny")
    assert matcher.match_ids(doc) == ["r", "r2"]
    assert sorted(calls) == ["Kremlin spokesman", "Peskov said, Navalny"]  # no offsets without explanations


@pytest.mark.parametrize("length", [500, 1000])
def test_a_long_near_chain_is_refused_or_matched(length: int) -> None:
    query = "a" + " NEAR/1 b" * length
    try:
        matcher = Matcher([rule(query)])
    except RuleErrors as exc:
        assert "too many NEARs in a row" in exc.errors[0].message
        return
    assert matcher.match_ids(text("a b c")) == []
