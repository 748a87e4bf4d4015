"""parse_query: every operator, precedence, folding, aliases, fields and every syntax error."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.rules import QuerySyntaxError, explain, parse_query
from pipeline.rules.nodes import And, Field, Near, Not, Or, Phrase, Prefix, Term


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        # terms, phrases, prefixes
        ("Peskov", "term:peskov"),
        ('"Kremlin spokesman"', 'phrase:"kremlin spokesman"'),
        ("“Kremlin spokesman”", 'phrase:"kremlin spokesman"'),
        ('"Peskov"', "term:peskov"),
        ('"Re: Peskov"', 'phrase:"re peskov"'),
        ("Navaln*", "prefix:navaln*"),
        ("Навальн*", "prefix:навальн*"),
        ("Lvova-Belova", 'phrase:"lvova belova"'),
        ("Navalny’s", 'phrase:"navalny s"'),
        ("10:30", 'phrase:"10 30"'),
        # folding
        ("Café", "term:cafe"),
        ("Ёлка", "term:елка"),
        ("ПЕСКОВ", "term:песков"),
        # boolean operators
        ("a b", "AND(term:a, term:b)"),
        ("a AND b", "AND(term:a, term:b)"),
        ("a OR b", "OR(term:a, term:b)"),
        ("a NOT b", "AND(term:a, NOT(term:b))"),
        ("a -b", "AND(term:a, NOT(term:b))"),
        ('a -"b c"', 'AND(term:a, NOT(phrase:"b c"))'),
        ("a -(b OR c)", "AND(term:a, NOT(OR(term:b, term:c)))"),
        ("a NOT NOT b", "AND(term:a, NOT(NOT(term:b)))"),
        ("a b c", "AND(term:a, term:b, term:c)"),
        ("a OR b OR c", "OR(term:a, term:b, term:c)"),
        ("(a OR b) OR (c OR d)", "OR(term:a, term:b, term:c, term:d)"),
        ("(a b) c", "AND(term:a, term:b, term:c)"),
        # precedence: NOT > NEAR > AND > OR
        ("a OR b c", "OR(term:a, AND(term:b, term:c))"),
        ("a b OR c", "OR(AND(term:a, term:b), term:c)"),
        ("(a OR b) c", "AND(OR(term:a, term:b), term:c)"),
        ("NOT a b", "AND(NOT(term:a), term:b)"),
        ("a b NEAR/3 c", "AND(term:a, NEAR/3(term:b, term:c))"),
        ("a OR b NEAR/3 c", "OR(term:a, NEAR/3(term:b, term:c))"),
        ("a NEAR/3 b NEAR/5 c", "NEAR/5(NEAR/3(term:a, term:b), term:c)"),
        ("a ONEAR/2 b", "ONEAR/2(term:a, term:b)"),
        (
            '(Peskov OR "Kremlin spokesman") NEAR/12 (said OR told)',
            'NEAR/12(OR(term:peskov, phrase:"kremlin spokesman"), OR(term:said, term:told))',
        ),
        # operators only in upper case
        ("a and b", "AND(term:a, term:and, term:b)"),
        ("a or b", "AND(term:a, term:or, term:b)"),
        ("not a", "AND(term:not, term:a)"),
        ("a near/3 b", 'AND(term:a, phrase:"near 3", term:b)'),
        # fields
        ("title:Peskov", "title:(term:peskov)"),
        ('title:"Kremlin spokesman"', 'title:(phrase:"kremlin spokesman")'),
        ("title:(a OR b) c", "AND(title:(OR(term:a, term:b)), term:c)"),
        ("text:Navaln*", "text:(prefix:navaln*)"),
        (
            "source:Reuters url:example.org lang:en",
            'AND(source:(term:reuters), url:(phrase:"example org"), lang:(term:en))',
        ),
        ("TITLE:a", "title:(term:a)"),
        ("title: a", "title:(term:a)"),
        ("-title:a b", "AND(NOT(title:(term:a)), term:b)"),
        ("title:a NEAR/2 b", "NEAR/2(title:(term:a), term:b)"),
    ],
)
def test_parse(query: str, tree: str) -> None:
    assert explain(parse_query(query)) == tree


def test_tree_is_made_of_frozen_records() -> None:
    node = parse_query('a OR b c title:"d e" -f Navaln* g NEAR/4 h')
    assert node == Or(
        (
            Term("a"),
            And(
                (
                    Term("b"),
                    Term("c"),
                    Field("title", Phrase(("d", "e"))),
                    Not(Term("f")),
                    Prefix("navaln"),
                    Near(Term("g"), Term("h"), 4, ordered=False),
                )
            ),
        )
    )
    assert parse_query("a ONEAR/3 b") == Near(Term("a"), Term("b"), 3, ordered=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.children = ()  # type: ignore[misc]


def test_equivalent_spellings_give_equal_trees() -> None:
    assert parse_query("a NOT b") == parse_query("a AND -b") == parse_query("A -B")
    assert parse_query("“Café au lait”") == parse_query('"cafe AU lait"')


ALIASES = {
    "Peskov": ["Peskow", "Песков*"],
    "Lvova-Belova": ['"Maria Lvova Belova"'],
    "Kremlin": ["Kreml", "Peskov"],
}


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("Peskov", "OR(term:peskov, term:peskow, prefix:песков*)"),
        ("peskov", "OR(term:peskov, term:peskow, prefix:песков*)"),
        ("PESKOV said", "AND(OR(term:peskov, term:peskow, prefix:песков*), term:said)"),
        ("title:Peskov", "title:(OR(term:peskov, term:peskow, prefix:песков*))"),
        ("Peskov NEAR/3 said", "NEAR/3(OR(term:peskov, term:peskow, prefix:песков*), term:said)"),
        ("Peskov OR x", "OR(term:peskov, term:peskow, prefix:песков*, term:x)"),
        ("-Peskov x", "AND(NOT(OR(term:peskov, term:peskow, prefix:песков*)), term:x)"),
        ("Lvova-Belova", 'OR(phrase:"lvova belova", phrase:"maria lvova belova")'),
        # not recursive: Kremlin -> Peskov, but not on to Peskov's variants
        ("Kremlin", "OR(term:kremlin, term:kreml, term:peskov)"),
        # only bare words expand: a quoted phrase or a prefix means exactly that
        ('"Peskov"', "term:peskov"),
        ("Peskov*", "prefix:peskov*"),
        ("Peskova", "term:peskova"),
    ],
)
def test_aliases_expand_bare_words(query: str, tree: str) -> None:
    assert explain(parse_query(query, ALIASES)) == tree


def test_alias_variants_of_the_same_key_are_merged_and_deduplicated() -> None:
    node = parse_query("Peskov", {"Peskov": ["Peskow", "peskov"], "PESKOV": ["Peskow", "Peskoff"]})
    assert explain(node) == "OR(term:peskov, term:peskow, term:peskoff)"


def test_bad_alias_variant_is_reported_at_the_word_that_uses_it() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("x OR Peskov", {"Peskov": ["Pes*kov"]})
    assert info.value.column == 6
    assert "alias 'peskov'" in info.value.message
    assert "'Pes*kov'" in info.value.message
    parse_query("x", {"Peskov": ["Pes*kov"]})  # an unused alias is not parsed


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("", "empty query", 1),
        ("   ", "empty query", 1),
        ("(a OR b", "'(' is never closed", 1),
        ("a (b (c) d", "'(' is never closed", 3),
        ("a OR b)", "')' has no matching '('", 7),
        ("(a))", "')' has no matching '('", 4),
        (")a", "')' has no matching '('", 1),
        ('a "b c', "unterminated quote", 3),
        ("a “b c", "unterminated quote", 3),
        ("()", "empty group '()'", 1),
        ("a ( ) b", "empty group '()'", 3),
        ("a AND", "dangling operator 'AND'", 3),
        ("a OR", "dangling operator 'OR'", 3),
        ("OR b", "dangling operator 'OR'", 1),
        ("AND b", "dangling operator 'AND'", 1),
        ("a AND OR b", "dangling operator 'AND'", 3),
        ("a OR OR b", "dangling operator 'OR'", 3),
        ("(OR b)", "dangling operator 'OR'", 2),
        ("(a AND) b", "dangling operator 'AND'", 4),
        ("a NOT", "dangling operator 'NOT'", 3),
        ("a NEAR/3", "dangling operator 'NEAR/3'", 3),
        ("NEAR/3 a", "dangling operator 'NEAR/3'", 1),
        ("a -", "'-' must be followed directly", 3),
        ("a - b", "'-' must be followed directly", 3),
        ("a NEAR/0 b", "NEAR/0: the distance must be at least 1", 3),
        ("a ONEAR/0 b", "ONEAR/0: the distance must be at least 1", 3),
        ("a NEAR b", "NEAR needs a distance", 3),
        ("a NEAR/ b", "NEAR needs a distance", 3),
        ("a NEAR/x b", "NEAR needs a distance", 3),
        ("a ONEAR b", "ONEAR needs a distance", 3),
        ("foo:x", "unknown field 'foo'", 1),
        ("a https://example.org", "unknown field 'https'", 3),
        ("a -foo:x", "unknown field 'foo'", 4),
        ("title:", "'title:' must be followed by", 1),
        ("a title: OR b", "'title:' must be followed by", 3),
        ("title:-a b", "'title:' must be followed by", 1),
        ("a !!!", "'!!!' has no letters or digits", 3),
        ("a *", "prefix needs at least one letter", 3),
        ("a Nav*lny", "only allowed at the end of a word", 3),
        ("*lny", "only allowed at the end of a word", 1),
        ("Lvova-Bel*", "a prefix must be a single word", 1),
        ('a ""', "empty phrase", 3),
        ('a "?!"', "empty phrase", 3),
        ("NOT a", "can never match: a query needs at least one positive term", 1),
        ("-a -b", "can never match: a query needs at least one positive term", 1),
        ("(NOT a) OR -b", "can never match: a query needs at least one positive term", 1),
        ("title:(-a)", "can never match: a query needs at least one positive term", 1),
        ("a OR -b", "only NOT clauses", 6),
        ("a OR (-b -c)", "only NOT clauses", 6),
        ("-a NEAR/3 b", "NEAR/3 needs a positive term on both sides", 4),
        ("a ONEAR/3 NOT b", "ONEAR/3 needs a positive term on both sides", 3),
        ("(" * 70 + "a" + ")" * 70, "nested too deeply", 65),
    ],
)
def test_syntax_errors(query: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    err = info.value
    assert message in err.message
    assert err.column == column
    assert err.query == query
    assert isinstance(err, ValueError)
    assert f"column {column}" in str(err)


def test_caret_points_at_the_column() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("(Peskov OR\n  spokesman) NEAR/0 said")
    err = info.value
    assert err.column == 25
    line, caret = err.caret().split("\n")
    assert line == "(Peskov OR   spokesman) NEAR/0 said"
    assert caret == " " * 24 + "^"
    assert line[len(caret) - 1 :].startswith("NEAR/0")


def test_colon_inside_a_phrase_is_text() -> None:
    assert explain(parse_query('"foo:bar" title:"x: y"')) == 'AND(phrase:"foo bar", title:(phrase:"x y"))'


def test_exclusions_inside_a_positive_group_are_fine() -> None:
    assert explain(parse_query("x (a OR -b)")) == "AND(term:x, OR(term:a, NOT(term:b)))"
    assert explain(parse_query("(a -b) NEAR/3 c")) == "NEAR/3(AND(term:a, NOT(term:b)), term:c)"
