"""`people:` and `@id` in queries: a person (or an office) stands for any of their names and
roles, each expanded by the shared aliases; unknown ids are errors at their column."""

from __future__ import annotations

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import AliasTable, Document, Matcher, QuerySyntaxError, explain, parse_query
from pipeline.rules.parser import parse_condition
from pipeline.rules.people import Person
from pipeline.rules.reference import ReferenceMatcher

ALIASES = {"Peskov": ["Peskow", "Песков"]}
PEOPLE = {
    "peskov": ["Dmitry Peskov", "Peskov", "Kremlin spokesman", "пресс-секретарь Кремля"],
    "kremlin-spokesperson": ["Kremlin spokesperson", "Kremlin spokesman"],
}


def _table() -> AliasTable:
    return AliasTable(ALIASES, people=PEOPLE)


def test_a_person_is_any_of_their_names_and_roles_with_the_aliases() -> None:
    node = parse_query("@peskov", _table())
    assert explain(node) == (
        'OR(phrase:"dmitry peskov", phrase:"dmitry peskow", phrase:"dmitry песков", term:peskov, '
        'term:peskow, term:песков, phrase:"kremlin spokesman", phrase:"пресс секретарь кремля")'
    )
    office = parse_query("@kremlin-spokesperson NEAR/3 said", _table())
    either = 'OR(phrase:"kremlin spokesperson", phrase:"kremlin spokesman")'
    assert explain(office) == f"NEAR/3({either}, term:said)"
    assert explain(parse_query("title:@kremlin-spokesperson", _table())).startswith("title:(OR(")


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("sanctions @pesko", "unknown person '@pesko'; did you mean @peskov?", 11),
        ("said @ now", "'@' must be followed by the id of one of the people", 6),
        ("@navalny", "unknown person '@navalny' (people: @kremlin-spokesperson, @peskov)", 1),
    ],
)
def test_an_unknown_or_missing_id_is_an_error_at_its_column(query: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query, _table())
    assert message in caught.value.message and caught.value.column == column


def test_without_people_a_query_is_told_to_add_them() -> None:
    with pytest.raises(QuerySyntaxError, match="people: none: add a people: section"):
        parse_query("@peskov", AliasTable(ALIASES))


def test_the_matcher_matches_a_person_by_any_name_or_role_in_any_script() -> None:
    rules = [RuleConfig(id="p", query="@peskov NEAR/5 (said OR заявил)")]
    matcher = Matcher(rules, ALIASES, people=PEOPLE)
    said = [
        "The Kremlin spokesman said on Monday that talks were over.",
        "Дмитрий Песков заявил журналистам, что переговоров не будет.",
        "Пресс-секретарь Кремля заявил, что решения нет.",
        "Peskow said nothing new.",
    ]
    for text in said:
        assert [h.rule_id for h in matcher.match(Document(title="", text=text))] == ["p"], text
    assert matcher.match(Document(title="", text="The Kremlin said the spokesman was away.")) == []


def test_a_bad_person_is_a_rule_error_of_the_matcher() -> None:
    from pipeline.rules import RuleErrors

    with pytest.raises(RuleErrors, match="@bad"):
        Matcher([RuleConfig(id="p", query="x")], None, people={"bad": ["Pe*skov"]})


# --- where a person's names count: context and namesakes ------------------------------------------

CONDITIONED = {
    "peskov": Person(
        names=("Peskov", "Песков", "Пескова"),
        roles=("Kremlin spokesman",),
        context="Russia OR sanctions OR санкци*",
        namesakes="footballer OR (Peskov NEAR/4 scored)",
    ),
    "zuzukin": Person(names=("Zuzukin",), context="Russia"),  # no roles at all
}


def _conditioned(query: str) -> Matcher:
    return Matcher([RuleConfig(id="r", query=query)], {}, people=CONDITIONED)


@pytest.mark.parametrize(
    ("query", "text", "hit"),
    [
        # the surname alone counts where the context holds and the namesakes do not
        ("said_by:@peskov", "Peskov said the sanctions were unlawful.", True),
        ("said_by:@peskov", "По словам Пескова, санкции незаконны.", True),
        ("said_by:@peskov", "Peskov said the weather was fine.", False),
        ("said_by:@peskov", "Peskov, who scored twice, said Russia would win.", False),
        ("said_by:@peskov", "The footballer Peskov said sanctions hurt the club.", False),
        # a role counts in any article
        ("said_by:@peskov", "The Kremlin spokesman said the weather was fine.", True),
        ("said_by:@peskov", "The Kremlin spokesman said the footballer scored.", True),
        # a person with names only: nothing outside the context, under NOT and NEAR too
        ("said_by:@zuzukin", "Zuzukin said the roads in Russia were bad.", True),
        ("said_by:@zuzukin", "Zuzukin said the roads were bad.", False),
        ("@zuzukin NEAR/3 said", "Zuzukin said it in Russia.", True),
        ("@zuzukin NEAR/3 said", "Zuzukin said it.", False),
        ("roads -@zuzukin", "Zuzukin said the roads in Russia were bad.", False),
        ("roads -@zuzukin", "Zuzukin said the roads were bad.", True),
    ],
)
def test_a_person_s_names_count_only_where_the_context_holds_and_no_namesake(
    query: str, text: str, hit: bool
) -> None:
    assert bool(_conditioned(query).match_ids(Document(title="", text=text))) is hit
    assert bool(ReferenceMatcher([("r", parse_query(query, AliasTable({}, people=CONDITIONED)))]).match_ids(
        Document(title="", text=text)
    )) is hit  # fmt: skip


def test_the_words_that_place_an_article_are_not_shown_as_hits() -> None:
    (hit,) = _conditioned("said_by:@peskov").match(
        Document(title="", text="Peskov said the sanctions were unlawful.")
    )
    (shown,) = hit.matches
    assert shown.terms == ("Peskov", "said")  # not "sanctions", the context's word


def test_people_in_a_context_and_too_many_conditioned_people_are_errors() -> None:
    many = {f"p{i}": Person(names=(f"Name{i}",), context="Russia") for i in range(4)}
    with pytest.raises(QuerySyntaxError, match="at most 3 people with a context or namesakes"):
        parse_query("@p0 @p1 @p2 @p3", AliasTable({}, people=many))
    with pytest.raises(QuerySyntaxError, match="cannot name people"):
        parse_condition("@peskov OR Russia", AliasTable({}, people=CONDITIONED))


def test_a_rule_s_own_aliases_do_not_change_where_a_person_s_names_count() -> None:
    own = RuleConfig(id="first", query="said_by:@peskov", aliases={"Russia": ["football"]})
    rules = [own, RuleConfig(id="second", query="said_by:@peskov")]
    matcher = Matcher(rules, {}, people=CONDITIONED)
    doc = Document(title="", text="Peskov said the football season was long.")
    assert matcher.match_ids(doc) == []  # "football" is not Russia for @peskov, in either rule
