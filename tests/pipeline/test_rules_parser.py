"""parse_query: every operator, precedence, folding, fields and every load-time error (with its column)."""

from __future__ import annotations

import dataclasses
import itertools
import pickle

import pytest

from pipeline.rules import QuerySyntaxError, explain, parse_query, tree
from pipeline.rules.nodes import And, Exact, Field, Near, Not, Or, Phrase, Prefix, Term


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # terms, phrases, prefixes
        ("Peskov", "term:peskov"),
        ('"Kremlin spokesman"', 'phrase:"kremlin spokesman"'),
        ("“Kremlin spokesman”", 'phrase:"kremlin spokesman"'),
        ("„Kremlin spokesman“", 'phrase:"kremlin spokesman"'),
        ('"Peskov"', "term:peskov"),
        ('"Re: Peskov"', 'phrase:"re peskov"'),
        ('"a - b"', 'phrase:"a b"'),
        ("Navaln*", "prefix:navaln*"),
        ("Навальн*", "prefix:навальн*"),
        ("Ёлк*", "prefix:елк*"),
        ('"Navaln*"', "prefix:navaln*"),
        # a hyphenated prefix is a phrase whose last word is the prefix
        ("Lvova-Bel*", 'phrase:"lvova bel*"'),
        ("пресс-секретар*", 'phrase:"пресс секретар*"'),
        ("Lvova-Belova", 'phrase:"lvova belova"'),
        ("O'Neill", 'phrase:"o neill"'),
        ("10:30", 'phrase:"10 30"'),
        # a possessive is dropped, straight or curly
        ("Navalny's", "term:navalny"),
        ("Navalny’s", "term:navalny"),
        ('"Navalny’s team"', 'phrase:"navalny team"'),
        # slots inside phrases: word* is a prefix slot, =Word an exact slot
        ('"Navaln* team"', 'phrase:"navaln* team"'),
        ('"=ICC judges"', 'phrase:"=ICC judges"'),
        ('"Yulia Навальн*"', 'phrase:"yulia навальн*"'),
        # exact words and exact phrases keep case and accents (in NFC)
        ("=ICC", "exact:ICC"),
        ("=ICC’s", "exact:ICC"),
        ("=Café", "exact:Café"),
        ("=Cafe\u0301", "exact:Café"),
        ('="Rome Statute"', 'phrase:"=Rome =Statute"'),
        ("=“Rome Statute”", 'phrase:"=Rome =Statute"'),
        ("=Lvova-Belova", 'phrase:"=Lvova =Belova"'),
        # folding
        ("Café", "term:cafe"),
        ("Ёлка", "term:елка"),
        ("Йод", "term:иод"),
        ("ПЕСКОВ", "term:песков"),
        # boolean operators
        ("a b", "AND(term:a, term:b)"),
        ("a AND b", "AND(term:a, term:b)"),
        ("a OR b", "OR(term:a, term:b)"),
        ("a NOT b", "AND(term:a, NOT(term:b))"),
        ("a -b", "AND(term:a, NOT(term:b))"),
        ("a -b-c", 'AND(term:a, NOT(phrase:"b c"))'),
        ('a -"b c"', 'AND(term:a, NOT(phrase:"b c"))'),
        ("a -(b OR c)", "AND(term:a, NOT(OR(term:b, term:c)))"),
        ("a NOT NOT b", "AND(term:a, NOT(NOT(term:b)))"),
        ("a --b", "AND(term:a, NOT(NOT(term:b)))"),
        ("a b c", "AND(term:a, term:b, term:c)"),
        ("a OR b OR c", "OR(term:a, term:b, term:c)"),
        # nested ANDs and ORs are flattened, repeats dropped
        ("(a OR b) OR (c OR d)", "OR(term:a, term:b, term:c, term:d)"),
        ("(a OR b) OR (b OR c)", "OR(term:a, term:b, term:c)"),
        ("(a b) c", "AND(term:a, term:b, term:c)"),
        ("a (b (c d))", "AND(term:a, term:b, term:c, term:d)"),
        ("a AND b AND A", "AND(term:a, term:b)"),
        ("a OR A", "term:a"),
        ("(a b) OR (b a)", "OR(AND(term:a, term:b), AND(term:b, term:a))"),
        ("(a b) OR (a b)", "AND(term:a, term:b)"),
        ("a OR (b OR (c d))", "OR(term:a, term:b, AND(term:c, term:d))"),
        ("((a))", "term:a"),
        # precedence: NOT > NEAR > AND > OR
        ("a OR b c", "OR(term:a, AND(term:b, term:c))"),
        ("a b OR c", "OR(AND(term:a, term:b), term:c)"),
        ("(a OR b) c", "AND(OR(term:a, term:b), term:c)"),
        ("NOT a b", "AND(NOT(term:a), term:b)"),
        ("a b NEAR/3 c", "AND(term:a, NEAR/3(term:b, term:c))"),
        ("a NEAR/3 b c", "AND(NEAR/3(term:a, term:b), term:c)"),
        ("a OR b NEAR/3 c", "OR(term:a, NEAR/3(term:b, term:c))"),
        ("a NEAR/3 b OR c", "OR(NEAR/3(term:a, term:b), term:c)"),
        ("-a b NEAR/2 c", "AND(NOT(term:a), NEAR/2(term:b, term:c))"),
        # NEAR and ONEAR: left-associative; operands are words, phrases, prefixes, OR-groups, NEARs
        ("a NEAR/3 b NEAR/5 c", "NEAR/5(NEAR/3(term:a, term:b), term:c)"),
        ("a NEAR/2 (b NEAR/3 c)", "NEAR/2(term:a, NEAR/3(term:b, term:c))"),
        ("a ONEAR/2 b", "ONEAR/2(term:a, term:b)"),
        ("a NEAR/1 b", "NEAR/1(term:a, term:b)"),
        ("a NEAR/1000 b", "NEAR/1000(term:a, term:b)"),
        ('Navaln* NEAR/4 "said it"', 'NEAR/4(prefix:navaln*, phrase:"said it")'),
        ("=ICC ONEAR/15 judges", "ONEAR/15(exact:ICC, term:judges)"),
        (
            '(Peskov OR "Kremlin spokesman") NEAR/12 (said OR told)',
            'NEAR/12(OR(term:peskov, phrase:"kremlin spokesman"), OR(term:said, term:told))',
        ),
        ("(a OR (b OR c*)) NEAR/2 d", "NEAR/2(OR(term:a, term:b, prefix:c*), term:d)"),
        # operators only in upper case
        ("a and b", "AND(term:a, term:and, term:b)"),
        ("a or b", "AND(term:a, term:or, term:b)"),
        ("a Or b", "AND(term:a, term:or, term:b)"),
        ("not a", "AND(term:not, term:a)"),
        ("a near/3 b", 'AND(term:a, phrase:"near 3", term:b)'),
        ("a Near/3 b", 'AND(term:a, phrase:"near 3", term:b)'),
        ("a onear/3 b", 'AND(term:a, phrase:"onear 3", term:b)'),
        # fields
        ("title:Peskov", "title:(term:peskov)"),
        ('title:"Kremlin spokesman"', 'title:(phrase:"kremlin spokesman")'),
        ("title:(a OR b) c", "AND(title:(OR(term:a, term:b)), term:c)"),
        ("text:Navaln*", "text:(prefix:navaln*)"),
        ("title:=ICC", "title:(exact:ICC)"),
        ('title:="Rome Statute"', 'title:(phrase:"=Rome =Statute")'),
        (
            "source:Reuters url:example.org lang:en",
            'AND(source:(term:reuters), url:(phrase:"example org"), lang:(term:en))',
        ),
        ("TITLE:a", "title:(term:a)"),
        ("title: a", "title:(term:a)"),
        ("-title:a b", "AND(NOT(title:(term:a)), term:b)"),
        ("title:(a NEAR/2 b) -c", "AND(title:(NEAR/2(term:a, term:b)), NOT(term:c))"),
        ("title:(text:a)", "title:(text:(term:a))"),
        ('"foo:bar" title:"x: y"', 'AND(phrase:"foo bar", title:(phrase:"x y"))'),
        # NOT inside a positive group is fine
        ("x (a OR -b)", "AND(term:x, OR(term:a, NOT(term:b)))"),
        ("title:(a OR -b) c", "AND(title:(OR(term:a, NOT(term:b))), term:c)"),
        # not contradictions: each of these can match
        ("(a OR b) -a", "AND(OR(term:a, term:b), NOT(term:a))"),
        ("a -title:a", "AND(term:a, NOT(title:(term:a)))"),
        ("title:a -text:a", "AND(title:(term:a), NOT(text:(term:a)))"),
        ("a -(a b)", "AND(term:a, NOT(AND(term:a, term:b)))"),
        ("a -a*", "AND(term:a, NOT(prefix:a*))"),
    ],
)
def test_parse(query: str, expected: str) -> None:
    assert explain(parse_query(query)) == expected


def test_tree_is_made_of_frozen_records() -> None:
    node = parse_query('a OR b c title:"d e*" -f Navaln* =ICC g NEAR/4 h')
    assert node == Or(
        (
            Term("a"),
            And(
                (
                    Term("b"),
                    Term("c"),
                    Field("title", Phrase((Term("d"), Prefix("e")))),
                    Not(Term("f")),
                    Prefix("navaln"),
                    Exact("ICC"),
                    Near(Term("g"), Term("h"), 4, ordered=False),
                )
            ),
        )
    )
    assert parse_query("a ONEAR/3 b") == Near(Term("a"), Term("b"), 3, ordered=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.children = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    "spellings",
    [
        ("a NOT b", "a AND -b", "A -B", "a AND NOT b"),
        ("“Café au lait”", '"cafe AU lait"', "Cafe\u0301-au-lait"),
        ("Navalny’s", "Navalny's", "NAVALNY", '"navalny"'),
        ("(a OR b) c", "(a OR b) AND c", "(a OR b) (c)"),
        ("a NEAR/05 b", "a NEAR/5 b"),
    ],
)
def test_equivalent_spellings_give_equal_trees(spellings: tuple[str, ...]) -> None:
    first, *rest = (parse_query(q) for q in spellings)
    assert all(node == first for node in rest)


def test_tree_lines() -> None:
    node = parse_query('title:(Peskov ONEAR/3 said) -"Kremlin museum" OR =ICC')
    assert tree(node) == [
        "OR (any of)",
        "  AND (all of)",
        "    in title:",
        "      ONEAR/3 (within 3 words, in this order)",
        "        term:peskov",
        "        term:said",
        "    NOT",
        '      phrase:"kremlin museum"',
        "  exact:ICC",
    ]


NEAR_OPERAND = (
    "works on words, phrases, prefixes and OR-groups of them; put NOT, AND and field scopes outside"
)
NEVER = "this query can never match"
ONLY_NOT = "matches any document that lacks a word (it has only NOT clauses)"
DEEP = "(" * 70 + "a" + ")" * 70


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("", "empty query", 1),
        ("   ", "empty query", 1),
        # parentheses
        ("(a OR b", "unbalanced parentheses: this '(' is never closed", 1),
        ("a (b (c) d", "this '(' is never closed", 3),
        ("a (", "this '(' is never closed", 3),
        ("a OR b)", "unbalanced parentheses: this ')' has no matching '('", 7),
        ("(a))", "')' has no matching '('", 4),
        (")a", "')' has no matching '('", 1),
        ("()", "empty group '()'", 1),
        ("a ( ) b", "empty group '()'", 3),
        # quotes and phrases
        ('a "b c', "unterminated quote", 3),
        ("a “b c", "unterminated quote", 3),
        ('"a b" "c', "unterminated quote", 7),
        ('a ""', "empty phrase", 3),
        ('a "?!"', "empty phrase", 3),
        ('=""', "empty phrase", 1),
        ("a !!!", "'!!!' has no letters or digits", 3),
        # dangling operators
        ("a AND", "dangling operator 'AND': it needs something on its right", 3),
        ("a OR", "dangling operator 'OR'", 3),
        ("OR b", "dangling operator 'OR': it needs something on its left", 1),
        ("AND b", "dangling operator 'AND'", 1),
        ("a AND OR b", "dangling operator 'AND'", 3),
        ("a OR OR b", "dangling operator 'OR'", 3),
        ("(OR b)", "dangling operator 'OR'", 2),
        ("(a AND) b", "dangling operator 'AND'", 4),
        ("a (b OR) c", "dangling operator 'OR'", 6),
        ("a NOT", "dangling operator 'NOT'", 3),
        ("a NOT OR b", "dangling operator 'NOT'", 3),
        ("a NEAR/3", "dangling operator 'NEAR/3'", 3),
        ("a ONEAR/3", "dangling operator 'ONEAR/3'", 3),
        ("NEAR/3 a", "dangling operator 'NEAR/3': it needs something on its left", 1),
        ("a -", "'-' must be followed directly by what to exclude", 3),
        ("a - b", "'-' must be followed directly", 3),
        ("(a -)", "dangling operator '-'", 4),
        # NEAR distances
        ("a NEAR/0 b", "NEAR/0: the distance must be from 1 (adjacent) to 1000 words", 3),
        ("a ONEAR/0 b", "ONEAR/0: the distance must be from 1 (adjacent) to 1000 words", 3),
        ("a NEAR/1001 b", "NEAR/1001: the distance must be from 1", 3),
        ("a NEAR b", "NEAR needs a distance in words, e.g. NEAR/5", 3),
        ("a NEAR/ b", "NEAR needs a distance", 3),
        ("a NEAR/x b", "NEAR needs a distance", 3),
        ("a NEAR/-1 b", "NEAR needs a distance", 3),
        ("a NEAR/3b c", "NEAR needs a distance", 3),
        ("a ONEAR b", "ONEAR needs a distance", 3),
        # NEAR operands must be spans: NOT, AND and field scopes go outside
        ("-a NEAR/3 b", f"NEAR/3 {NEAR_OPERAND}", 1),
        ("a ONEAR/3 NOT b", f"ONEAR/3 {NEAR_OPERAND}", 11),
        ("(a -b) NEAR/3 c", NEAR_OPERAND, 1),
        ("(a b) NEAR/3 c", NEAR_OPERAND, 1),
        ("x (a OR -b) NEAR/3 c", NEAR_OPERAND, 3),
        ("title:a NEAR/2 b", f"NEAR/2 {NEAR_OPERAND}", 1),
        ("a NEAR/2 title:b", NEAR_OPERAND, 10),
        ("a NEAR/2 (b OR -c)", NEAR_OPERAND, 10),
        ("(a NEAR/2 b) NEAR/3 (c d)", f"NEAR/3 {NEAR_OPERAND}", 21),
        ("a NEAR/2 b NEAR/2 -c", f"NEAR/2 {NEAR_OPERAND}", 19),
        # fields
        (
            "foo:x",
            "unknown field 'foo' (known fields: title, text, source, url, lang, category, kind, said_by,"
            " quote)",
            1,
        ),
        ("a https://example.org", "unknown field 'https'", 3),
        ("a -foo:x", "unknown field 'foo'", 4),
        ("title:", "'title:' must be followed by a word, a phrase, a prefix or a (group)", 1),
        ("a title: OR b", "'title:' must be followed by", 3),
        ("title:-a b", "'title:' must be followed by", 1),
        ("title:title:a", "'title:' must be followed by", 1),
        # wildcards
        ("a *", "a prefix needs a letter or digit right before '*'", 3),
        ("-*", "a prefix needs a letter or digit right before '*'", 2),
        ("x-*", "a prefix needs a letter or digit right before '*'", 1),
        ("a Nav*lny", "a wildcard '*' is only allowed at the end of a word", 3),
        ("*lny", "only allowed at the end of a word", 1),
        ("a**", "only allowed at the end of a word", 1),
        ("Bel*-x", "only allowed at the end of a word", 1),
        ("Navalny's*", "a prefix needs a letter or digit right before '*'", 1),
        ('x "Nav*lny team"', "only allowed at the end of a word", 3),
        ('"a *"', "a prefix needs a letter or digit right before '*'", 1),
        # exact words
        ("=", "'=' must be followed directly by the exact word, e.g. =ICC", 1),
        ("a = b", "'=' must be followed directly", 3),
        ('= "Rome Statute"', "'=' must be followed directly", 1),
        ("=ICC*", "an exact word (=) cannot also be a prefix (*)", 1),
        ('x "=ICC* judges"', "an exact word (=) cannot also be a prefix", 3),
        ('="=ICC judges"', "'=' must be followed directly", 1),
        ("=!!!", "has no letters or digits", 1),
        # queries that can never match, or match everything lacking a word
        ("NOT a", f"{NEVER}: a query needs at least one positive term", 1),
        ("-a -b", "at least one positive term", 1),
        ("-a NOT b", "at least one positive term", 1),
        ("(NOT a) OR -b", "at least one positive term", 1),
        ("title:(-a)", "at least one positive term", 1),
        ("a OR -b", ONLY_NOT, 6),
        ("a OR NOT b", ONLY_NOT, 6),
        ("-b OR a", ONLY_NOT, 1),
        ("a OR (-b -c)", ONLY_NOT, 6),
        ("title:(a OR -b)", ONLY_NOT, 13),
        ("title:(-a) OR b", ONLY_NOT, 7),  # the group starts at its "("
        ("b OR (-a)", ONLY_NOT, 6),
        ("a -a", f"{NEVER}: it requires term:a and excludes it", 3),
        ("a -A", NEVER, 3),
        ("café -cafe", NEVER, 6),
        ("Peskov's -Peskov", NEVER, 10),
        ("a -(a OR b)", NEVER, 3),
        ("a b -(c OR b)", NEVER, 5),
        ("x (a -a)", NEVER, 6),
        ("x OR (a -a)", NEVER, 9),
        ("title:a -title:a", NEVER, 9),
        ('"a b" -"A B"', NEVER, 7),
        # nesting
        (DEEP, "the query is nested too deeply (more than 64 levels)", 65),
        ("x " + "-" * 70 + "a", "nested too deeply", 67),
    ],
)
def test_errors(query: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    err = info.value
    assert message in err.message
    assert err.column == column
    assert err.query == query
    assert isinstance(err, ValueError)
    assert str(err) == f"{err.message} (column {column})"


def test_caret_points_at_the_column() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("(Peskov OR\n\tspokesman) NEAR/0 said")
    err = info.value
    assert err.column == 24
    line, caret = err.caret().split("\n")
    assert line == "(Peskov OR  spokesman) NEAR/0 said"
    assert caret == " " * 23 + "^"
    assert line[len(caret) - 1 :].startswith("NEAR/0")


def test_errors_survive_pickling() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("a NEAR/0 b")
    copy = pickle.loads(pickle.dumps(info.value))
    assert isinstance(copy, QuerySyntaxError)
    assert (copy.message, copy.column, copy.query, str(copy)) == (
        info.value.message,
        info.value.column,
        info.value.query,
        str(info.value),
    )


# Groups that the parser flattens away (their AND/OR node is dropped), put before the faulty part.
_FLATTENED = ["((a b) c)", "((d e) f)", "(g h)", "(i OR j)", "((k OR l) OR m)"]
_FAULTY = [("q -q", "-q"), ("OR -q", "-q"), ("-x NEAR/2 y", "-x")]


def _error_column(query: str) -> int:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    return info.value.column


def test_error_column_is_right_after_flattened_groups() -> None:
    wrong = []
    for size in (1, 2, 3):
        for groups in itertools.permutations(_FLATTENED, size):
            for faulty, culprit in _FAULTY:
                query = f"{' '.join(groups)} {faulty}"
                expected = query.rindex(culprit) + 1
                if (got := _error_column(query)) != expected:
                    wrong.append((query, got, expected))
    assert wrong == []


@pytest.mark.parametrize(
    "query", ["Peskov -Peskov", "x (Peskov -peskov)", '"Dmitry Peskov" -"dmitry peskov"']
)
def test_contradiction_with_an_aliased_word(query: str) -> None:
    with pytest.raises(QuerySyntaxError, match=NEVER):
        parse_query(query, {"Peskov": ["Peskow"]})


def test_contradiction_with_an_aliased_word_in_an_excluded_group() -> None:
    with pytest.raises(QuerySyntaxError, match=NEVER):
        parse_query("Peskov -(Peskov OR Navalny)", {"Peskov": ["Peskow"]})
