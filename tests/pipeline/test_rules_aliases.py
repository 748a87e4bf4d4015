"""Aliases: a word or phrase stands for itself and its variants, wherever it appears in a query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import (
    AliasProblem,
    AliasTable,
    Document,
    Matcher,
    QuerySyntaxError,
    RuleErrors,
    explain,
    parse_query,
)
from pipeline.rules.aliases import MAX_FORMS
from pipeline.rules.nodes import Or

Aliases = Mapping[str, Sequence[str]]


def forms(query: str, aliases: Aliases | AliasTable) -> list[str]:
    """The forms a word or phrase stands for, as canonical strings (the query itself first)."""
    node = parse_query(query, aliases)
    return [explain(c) for c in node.children] if isinstance(node, Or) else [explain(node)]


def problems(aliases: Aliases, shared: Aliases | None = None) -> list[str]:
    table = AliasTable(shared).extended(aliases) if shared else AliasTable(aliases)
    return [str(p) for p in table.problems()]


PESKOV = {"Peskov": ["Peskow", "Песков*"]}
FORMS_OF_PESKOV = ["term:peskov", "term:peskow", "prefix:песков*"]


@pytest.mark.parametrize(
    ("aliases", "query", "expected"),
    [
        # a word: itself first, then its variants; case and quotes do not matter
        (PESKOV, "Peskov", FORMS_OF_PESKOV),
        (PESKOV, "PESKOV", FORMS_OF_PESKOV),
        (PESKOV, "Peskov’s", FORMS_OF_PESKOV),
        (PESKOV, '"Peskov"', FORMS_OF_PESKOV),
        ({"peskov": ["Peskow", "Песков*"]}, "Peskov", FORMS_OF_PESKOV),
        # prefixes, exact words and other words are not expanded
        (PESKOV, "Peskov*", ["prefix:peskov*"]),
        (PESKOV, "=Peskov", ["exact:Peskov"]),
        (PESKOV, "Peskova", ["term:peskova"]),
        (PESKOV, '"Dmitry =Peskov"', ['phrase:"dmitry =Peskov"']),
        # inside phrases
        (
            PESKOV,
            '"Dmitry Peskov"',
            ['phrase:"dmitry peskov"', 'phrase:"dmitry peskow"', 'phrase:"dmitry песков*"'],
        ),
        (
            PESKOV,
            "Dmitry-Peskov",
            ['phrase:"dmitry peskov"', 'phrase:"dmitry peskow"', 'phrase:"dmitry песков*"'],
        ),
        # a phrase key, wherever its words appear in a row
        (
            {"Lvova-Belova": ['"Maria Lvova Belova"']},
            "Lvova-Belova",
            ['phrase:"lvova belova"', 'phrase:"maria lvova belova"'],
        ),
        (
            {"Lvova-Belova": ['"Maria Lvova Belova"']},
            '"Lvova Belova"',
            ['phrase:"lvova belova"', 'phrase:"maria lvova belova"'],
        ),
        ({"Lvova-Belova": ["Maria Lvova Belova"]}, "Lvova", ["term:lvova"]),
        (
            {"Kremlin spokesman": ["Peskov", "Kremlin spokesperson"]},
            '"the Kremlin spokesman said"',
            [
                'phrase:"the kremlin spokesman said"',
                'phrase:"the kremlin spokesperson said"',
                'phrase:"the peskov said"',
            ],
        ),
        # transitive
        ({"A": ["B"], "B": ["C"]}, "A", ["term:a", "term:b", "term:c"]),
        ({"A": ["B"], "B": ["C"]}, "B", ["term:b", "term:c"]),
        ({"A": ["B"], "B": ["C"]}, "C", ["term:c"]),
        (
            {"Kremlin spokesman": ["Peskov"], "Peskov": ["Peskow"]},
            '"Kremlin spokesman"',
            ['phrase:"kremlin spokesman"', "term:peskov", "term:peskow"],
        ),
        (
            {"Dmitry": ["Dima"], "Peskov": ["Peskow"]},
            '"Dmitry Peskov"',
            [
                'phrase:"dmitry peskov"',
                'phrase:"dima peskov"',
                'phrase:"dima peskow"',
                'phrase:"dmitry peskow"',
            ],
        ),
        # every kind of variant: word, "phrase" (any quotes), prefix, =exact
        (
            {"ICC": ["=ICC", '"International Criminal Court"', "Hague*"]},
            "ICC",
            ["term:icc", "exact:ICC", 'phrase:"international criminal court"', "prefix:hague*"],
        ),
        (
            {"ICC": ["“International Criminal Court”"]},
            "ICC",
            ["term:icc", 'phrase:"international criminal court"'],
        ),
        (
            {"ICC": ["International Criminal Court"]},
            "ICC",
            ["term:icc", 'phrase:"international criminal court"'],
        ),
        ({"ICC": ['"=ICC judges"']}, "ICC", ["term:icc", 'phrase:"=ICC judges"']),
        # a variant naming its own key is ignored, also inside a phrase variant
        ({"Peskov": ["Peskov", "PESKOV", "Peskow"]}, "Peskov", ["term:peskov", "term:peskow"]),
        ({"Peskov": ["Dmitry Peskov"]}, "Peskov", ["term:peskov", 'phrase:"dmitry peskov"']),
        # variants of the same key (written differently) are merged, repeats dropped
        (
            {"Peskov": ["Peskow", "peskow"], "PESKOV": ["Peskow", "Peskoff"]},
            "Peskov",
            ["term:peskov", "term:peskow", "term:peskoff"],
        ),
        # a key without variants stands for itself
        ({"Peskov": []}, "Peskov", ["term:peskov"]),
    ],
)
def test_forms(aliases: Aliases, query: str, expected: list[str]) -> None:
    found = forms(query, aliases)
    assert found[0] == expected[0]
    assert sorted(found) == sorted(expected)
    assert len(found) == len(set(found))


ONE = {"Peskov": ["Peskow"]}
PESKOVS = "OR(term:peskov, term:peskow)"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Peskov", PESKOVS),
        ("title:Peskov", f"title:({PESKOVS})"),
        ("x Peskov", f"AND(term:x, {PESKOVS})"),
        ("-Peskov x", f"AND(NOT({PESKOVS}), term:x)"),
        ("Peskov OR x", "OR(term:peskov, term:peskow, term:x)"),  # flattened into the OR
        ("Peskov OR Peskow", PESKOVS),
        ("Peskov NEAR/3 said", f"NEAR/3({PESKOVS}, term:said)"),
        ("said ONEAR/3 Peskov", f"ONEAR/3(term:said, {PESKOVS})"),
    ],
)
def test_expansions_sit_where_the_word_was(query: str, expected: str) -> None:
    assert explain(parse_query(query, ONE)) == expected
    assert explain(parse_query(query, AliasTable(ONE))) == expected


def test_no_aliases_no_expansion() -> None:
    assert explain(parse_query("Peskov")) == "term:peskov"
    assert explain(parse_query("Peskov", {})) == "term:peskov"
    assert explain(parse_query("Peskov", AliasTable())) == "term:peskov"


KEY = "a key must be a plain word or phrase"


@pytest.mark.parametrize(
    ("aliases", "expected"),
    [
        ({"A": ["B"], "B": ["A"]}, ["alias 'A': alias cycle: A -> B -> A"]),
        ({"B": ["A"], "A": ["B"]}, ["alias 'B': alias cycle: B -> A -> B"]),
        ({"A": ["B"], "B": ["C"], "C": ["A"]}, ["alias 'A': alias cycle: A -> B -> C -> A"]),
        ({"A": ['"x B"'], "B": ["A"]}, ["alias 'A': alias cycle: A -> B -> A"]),
        (
            {"Peskov": ["Dmitry Peskov"], "Dmitry Peskov": ["Peskov"]},
            ["alias 'Peskov': alias cycle: Peskov -> Dmitry Peskov -> Peskov"],
        ),
        # keys: a plain word or phrase, with letters
        ({"Pesk*": ["x"]}, [f"alias 'Pesk*': {KEY}"]),
        ({"=ICC": ["x"]}, [f"alias '=ICC': {KEY}"]),
        ({" =ICC": ["x"]}, [f"alias ' =ICC': {KEY}"]),
        ({"!!!": ["x"]}, [f"alias '!!!': {KEY}"]),
        ({"": ["x"]}, [f"alias '': {KEY}"]),
        # variants: a word, a phrase, a prefix or an exact word
        ({"A": ["Pes*kov"]}, ["alias 'A': variant 'Pes*kov': 'Pes*kov': a wildcard '*' is only allowed"]),
        ({"A": ["="]}, ["alias 'A': variant '=': '=': '=' must be followed directly by the exact word"]),
        ({"A": ["=x*"]}, ["alias 'A': variant '=x*': 'x*': an exact word (=) cannot also be a prefix"]),
        ({"A": [""]}, ["alias 'A': variant '': empty phrase"]),
        ({"A": ["!!!"]}, ["alias 'A': variant '!!!': empty phrase"]),
        ({"A": ["*"]}, ["alias 'A': variant '*': '*': a prefix needs a letter or digit"]),
        (
            {"A": [f"x{i}" for i in range(MAX_FORMS + 1)]},
            [f"alias 'A': expands to more than {MAX_FORMS} forms"],
        ),
        # all fine
        ({"Peskov": ["Peskov", "Dmitry Peskov", "Песков*", "=PESKOV", '"Kremlin spokesman"']}, []),
        ({"A": ["B"], "B": ["C"]}, []),
        ({}, []),
    ],
)
def test_problems(aliases: Aliases, expected: list[str]) -> None:
    found = problems(aliases)
    assert len(found) == len(expected)
    assert all(f.startswith(e) for f, e in zip(found, expected, strict=True))


def test_every_problem_is_listed() -> None:
    table = AliasTable({"A": ["B", "Pes*kov", "ok"], "B": ["A"], "=C": ["x"], "D": ["="]})
    assert sorted(p.key for p in table.problems()) == ["=C", "A", "A", "D"]
    assert all(isinstance(p, AliasProblem) for p in table.problems())
    assert table.problems() == table.problems()  # asking twice changes nothing


def test_problem_record() -> None:
    (problem,) = AliasTable({"A": ["B"], "B": ["A"]}).problems()
    assert problem == AliasProblem("A", "alias cycle: A -> B -> A")
    assert str(problem) == "alias 'A': alias cycle: A -> B -> A"


def test_a_cycle_not_through_the_first_key_is_still_reported() -> None:
    found = problems({"A": ["B"], "B": ["C"], "C": ["B"]})
    assert len(found) == 1 and "alias cycle: B -> C -> B" in found[0]


def test_a_bad_variant_leaves_the_others() -> None:
    aliases = {"Peskov": ["Pes*kov", "Peskow"]}
    assert forms("Peskov", aliases) == ["term:peskov", "term:peskow"]
    assert forms("x", aliases) == ["term:x"]


def test_too_many_forms_of_a_phrase_is_a_query_error() -> None:
    aliases = {"a": [f"x{i}" for i in range(20)], "b": [f"y{i}" for i in range(20)]}
    assert AliasTable(aliases).problems() == []  # each key alone is fine
    with pytest.raises(QuerySyntaxError) as info:
        parse_query('z "a b"', aliases)
    assert info.value.column == 3
    assert f"more than {MAX_FORMS} forms" in info.value.message


def test_an_exact_phrase_variant_is_exact_throughout_or_a_problem() -> None:
    table = AliasTable({"ICC": ['="Rome Statute"']})
    found = forms("ICC", table)
    assert 'phrase:"=Rome statute"' not in found
    assert 'phrase:"=Rome =Statute"' in found or table.problems()


# -- a rule's own aliases over the shared ones


def test_rule_aliases_add_to_the_shared_ones() -> None:
    shared = AliasTable({"Peskov": ["Peskow"]})
    rule = shared.extended({"Peskov": ["Peskoff"], "Navalny": ["Navalnyi"]})
    assert sorted(forms("Peskov", rule)) == ["term:peskoff", "term:peskov", "term:peskow"]
    assert forms("Navalny", rule) == ["term:navalny", "term:navalnyi"]
    assert forms("Peskov", shared) == ["term:peskov", "term:peskow"]  # the shared table is untouched
    assert forms("Navalny", shared) == ["term:navalny"]


def test_a_rule_without_aliases_uses_the_shared_table() -> None:
    shared = AliasTable({"Peskov": ["Peskow"]})
    assert shared.extended({}) is shared
    assert shared.extended(None) is shared


@pytest.mark.parametrize(
    ("shared", "own", "expected_shared", "expected_own"),
    [
        ({"B": ["A"]}, {"A": ["B"]}, [], ["alias 'A': alias cycle: A -> B -> A"]),
        ({"A": ["Pes*kov"]}, {"B": ["x"]}, ["alias 'A': variant 'Pes*kov'"], []),
        ({"A": ["x"]}, {"B*": ["x"]}, [], [f"alias 'B*': {KEY}"]),
        ({"A": ["B"]}, {"B": ["C"], "C": ["D"]}, [], []),
    ],
)
def test_each_table_reports_its_own_keys(
    shared: Aliases, own: Aliases, expected_shared: list[str], expected_own: list[str]
) -> None:
    found_shared = problems(shared)
    found_own = problems(own, shared)
    assert len(found_shared) == len(expected_shared)
    assert all(f.startswith(e) for f, e in zip(found_shared, expected_shared, strict=True))
    assert len(found_own) == len(expected_own)
    assert all(f.startswith(e) for f, e in zip(found_own, expected_own, strict=True))


def test_transitive_through_the_shared_table() -> None:
    rule = AliasTable({"Peskov": ["Peskow"]}).extended({"Kremlin spokesman": ["Peskov"]})
    assert sorted(forms('"Kremlin spokesman"', rule)) == [
        'phrase:"kremlin spokesman"',
        "term:peskov",
        "term:peskow",
    ]


# -- what aliased rules match


def matches(query: str, text: str, aliases: Aliases) -> bool:
    matcher = Matcher([RuleConfig(id="r", query=query)], aliases)
    return matcher.match_ids(Document(title="", text=text)) == ["r"]


@pytest.mark.parametrize(
    ("query", "aliases", "text", "expected"),
    [
        ("Peskov", PESKOV, "Peskow said", True),
        ("Peskov", PESKOV, "слова Пескова", True),
        ("Peskov", PESKOV, "Peskova said", False),
        ('"Peskov"', PESKOV, "Peskow said", True),
        ('"Dmitry Peskov"', {"Peskov": ["Peskow"]}, "Dmitry Peskow said", True),
        ('"Dmitry Peskov"', {"Peskov": ["Peskow"]}, "Peskow, Dmitry", False),
        ('"Dmitry Peskov"', PESKOV, "Дмитрий Песков", False),  # only the aliased word varies
        ("A", {"A": ["B"], "B": ["C"]}, "only c here", True),
        ('"Kremlin spokesman"', {"Kremlin spokesman": ["Peskov"], "Peskov": ["Peskow"]}, "Peskow said", True),
        ('"Rome Statute"', {"Statute": ["Statut*"]}, "the Rome Statutes", True),
        ("Hague", {"Hague": ["=ICC"]}, "the ICC’s judges", True),
        ("Hague", {"Hague": ["=ICC"]}, "the icc judges", False),
        ("Peskov*", {"Peskov": ["Navalny"]}, "Navalny", False),
        ("=Peskov", {"Peskov": ["Peskow"]}, "Peskow", False),
        ("Peskov NEAR/2 said", {"Peskov": ["Peskow"]}, "Peskow said", True),
        ('"Peskov said" NEAR/2 x', {"Peskov": ["Dmitry Peskov"]}, "Dmitry Peskov said x", True),
        ("x -Peskov", {"Peskov": ["Peskow"]}, "x Peskow", False),
        ("x -Peskov", {"Peskov": ["Peskow"]}, "x Peskova", True),
    ],
)
def test_matching_with_aliases(query: str, aliases: Aliases, text: str, expected: bool) -> None:
    assert matches(query, text, aliases) is expected


def test_matcher_refuses_bad_aliases_listing_each() -> None:
    rules = [
        RuleConfig(id="cycle", query="A", aliases={"A": ["B"], "B": ["A"]}),
        RuleConfig(id="fine", query="Peskov"),
        RuleConfig(id="key", query="y", aliases={"Z*": ["q"]}),
    ]
    with pytest.raises(RuleErrors) as info:
        Matcher(rules, {"S": ["T"], "T": ["S"], "U": ["Pes*kov"]})
    found = [(e.rule_id, e.message, e.column) for e in info.value.errors]
    assert found == [
        (None, "alias 'S': alias cycle: S -> T -> S", None),
        (
            None,
            "alias 'U': variant 'Pes*kov': 'Pes*kov': a wildcard '*' is only allowed at the end of a word",
            None,
        ),
        ("cycle", "alias 'A': alias cycle: A -> B -> A", None),
        ("key", f"alias 'Z*': {KEY}", None),
    ]
    text = str(info.value)
    assert "aliases: alias 'S': alias cycle: S -> T -> S" in text
    assert "rule 'cycle': alias 'A': alias cycle: A -> B -> A" in text


def test_unused_bad_shared_alias_still_refuses_the_set() -> None:
    with pytest.raises(RuleErrors) as info:
        Matcher([RuleConfig(id="r", query="other")], {"Peskov": ["Pes*kov"]})
    assert [e.rule_id for e in info.value.errors] == [None]
