"""Why a rule matched, or why not (pipeline.rules.why), with the shipped config/rules.yaml: the
statement that matched and whom its speaker was taken for; for a rule that did not match, the
nearest thing found."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_rules, person_variants
from pipeline.rules import AliasTable, Document, Matcher, parse_query
from pipeline.rules.why import (
    Absent,
    Apart,
    Excluded,
    Mentioned,
    Names,
    NamesDidNotCount,
    NoneOf,
    Nothing,
    OtherSpeakers,
    Present,
    QuoteMissed,
    Resolved,
    RuleWhy,
    has_statements,
)

ROOT = Path(__file__).resolve().parents[2]
KREM = "kremlin-spokesman"


@pytest.fixture(scope="module")
def shipped() -> tuple[Matcher, AliasTable]:
    loaded = load_rules(ROOT / "config" / "rules.yaml")
    people = person_variants(loaded.people)
    table = AliasTable(loaded.aliases, people=people)
    return Matcher(loaded.rules, loaded.aliases, people=people), table


def _why(shipped: tuple[Matcher, AliasTable], rule_id: str) -> RuleWhy:
    matcher, table = shipped
    (rule,) = [r for r in matcher.rules if r.rule_id == rule_id]
    return RuleWhy(rule.node, table)


def _matches(shipped: tuple[Matcher, AliasTable], doc: Document) -> set[str]:
    return {h.rule_id for h in shipped[0].match(doc)}


def doc(text: str) -> Document:
    return Document(title="", text=text)


# --- --explain: the statement that matched, and whom its speaker was taken for -------------------


def test_a_surname_in_a_sanctions_article_is_peskov_by_name(shipped: tuple[Matcher, AliasTable]) -> None:
    article = doc("The EU agreed new sanctions on Monday. Peskov said the sanctions were unlawful.")
    assert KREM in _matches(shipped, article)
    found = _why(shipped, KREM).explain(article)
    (match,) = found.statements
    st = match.found.statement
    assert (st.speaker, st.verb, st.content) == ("Peskov", "said", "the sanctions were unlawful")
    assert (match.found.field, match.found.sentence) == ("text", 2)
    assert article.text[st.sentence_start : st.sentence_end].startswith("Peskov said")
    assert match.resolved == (Resolved("peskov", "name", ("Peskov",), "speaker"),)
    # his names count here because of the context's words, and no namesake
    (names,) = found.people
    assert names.person == "peskov" and names.count and names.context is True
    assert "sanctions" in names.context_words and names.namesakes == ()


def test_a_kremlin_spokesman_role_is_the_office_by_role(shipped: tuple[Matcher, AliasTable]) -> None:
    article = doc("A Kremlin spokesman said talks would continue.")
    (match,) = _why(shipped, KREM).explain(article).statements
    assert match.resolved == (Resolved("kremlin-spokesperson", "role", ("Kremlin spokesman",), "speaker"),)
    assert match.speaker_words == ("Kremlin spokesman",)


def test_a_pronoun_is_resolved_through_the_mention_it_refers_back_to(
    shipped: tuple[Matcher, AliasTable],
) -> None:
    article = doc(
        "Dmitry Peskov, the Kremlin spokesman, was at the summit in Moscow. He said talks would continue."
    )
    assert KREM in _matches(shipped, article)
    (match,) = _why(shipped, KREM).explain(article).statements
    st = match.found.statement
    assert (st.speaker, st.refers_to) == ("He", "Dmitry Peskov, the Kremlin spokesman")
    assert match.found.sentence == 2
    assert set(match.resolved) == {
        Resolved("peskov", "name", ("Peskov",), "refers_to"),
        Resolved("kremlin-spokesperson", "role", ("Kremlin spokesman",), "refers_to"),
    }


def test_an_apposition_is_where_the_role_was_found(shipped: tuple[Matcher, AliasTable]) -> None:
    article = doc("Dmitry Peskov, the Kremlin spokesman, said the talks were over.")
    (match,) = _why(shipped, KREM).explain(article).statements
    assert Resolved("kremlin-spokesperson", "role", ("Kremlin spokesman",), "apposition") in match.resolved
    assert Resolved("peskov", "name", ("Peskov",), "speaker") in match.resolved


def test_where_his_names_do_not_count_only_a_role_resolves(shipped: tuple[Matcher, AliasTable]) -> None:
    # A namesake (Peskov NEAR/8 footballer): "Peskov" is no one here; the role still is.
    article = doc("Dmitry Peskov, the Kremlin spokesman, said the footballer was unknown to him.")
    assert KREM in _matches(shipped, article)
    found = _why(shipped, KREM).explain(article)
    (match,) = found.statements
    assert match.resolved == (Resolved("kremlin-spokesperson", "role", ("Kremlin spokesman",), "apposition"),)
    assert found.people[0].count is False


def test_a_quote_part_shows_what_matched_in_the_words() -> None:
    table = AliasTable({}, people={"peskov": ["Peskov"]})
    why = RuleWhy(parse_query("said_by:@peskov quote:sanct*", table), table)
    (match,) = why.explain(doc("Peskov said the sanctions were unlawful.")).statements
    assert match.quote_words == ("sanctions",) and match.resolved[0].person == "peskov"
    (miss,) = why.why_not(doc("Peskov said the talks were over.")).misses
    assert isinstance(miss, QuoteMissed) and miss.quote == "prefix:sanct*"
    assert miss.found.statement.content == "the talks were over"


def test_a_rule_without_statement_parts_explains_no_statement(shipped: tuple[Matcher, AliasTable]) -> None:
    matcher, _ = shipped
    assert {r.rule_id: has_statements(r.node) for r in matcher.rules} == {
        KREM: True,
        "icc": False,
        "navalny": False,
    }
    article = doc("Judges at the International Criminal Court issued a warrant, a spokesman said.")
    assert _why(shipped, "icc").explain(article).statements == ()


# --- --why-not: the nearest thing found --------------------------------------------------------


def _misses(shipped: tuple[Matcher, AliasTable], text: str) -> tuple[object, ...]:
    article = doc(text)
    assert KREM not in _matches(shipped, article), text
    return _why(shipped, KREM).why_not(article).misses


def test_the_envoy_for_digital_development_shows_the_namesakes_words(
    shipped: tuple[Matcher, AliasTable],
) -> None:
    (miss,) = _misses(
        shipped,
        "Dmitry Peskov, the president's envoy for digital and technological development, said AI "
        "would change schools.",
    )
    assert isinstance(miss, NamesDidNotCount)
    assert miss.found.statement.speaker == "Dmitry Peskov"
    assert miss.resolved == (Resolved("peskov", "name", ("Peskov",), "speaker"),)
    (names,) = miss.names
    assert names.person == "peskov" and not names.count
    assert names.namesakes == ("digital and technological development",)


def test_a_footballer_shows_the_namesakes_near(shipped: tuple[Matcher, AliasTable]) -> None:
    (miss,) = _misses(shipped, "Russian footballer Ivan Peskov said he was happy with the win.")
    assert isinstance(miss, NamesDidNotCount)
    (names,) = miss.names
    assert names.context is True  # "Russian": the context alone would have let him count
    assert set(names.namesakes) == {"footballer", "Peskov"}  # Peskov NEAR/8 footballer


def test_no_context_says_so(shipped: tuple[Matcher, AliasTable]) -> None:
    (miss,) = _misses(shipped, "Peskov said the weather was fine.")
    assert isinstance(miss, NamesDidNotCount)
    assert miss.names == (Names("peskov", False, False, (), ()),)


def test_his_daughter_is_the_rule_s_own_exclusion(shipped: tuple[Matcher, AliasTable]) -> None:
    # "Пескова" is his genitive too: the speaker has his name (which counts: he is named in full,
    # "Дмитрия Пескова"), and the rule's exclusion says no
    text = "Елизавета Пескова, дочь Дмитрия Пескова, заявила, что выступает против войны."
    (miss,) = _misses(shipped, text)
    assert isinstance(miss, Excluded)
    assert miss.found.statement.speaker == "Елизавета Пескова"
    assert miss.resolved == (Resolved("peskov", "name", ("Пескова",), "speaker"),)
    assert miss.words == ("Елизавета", "дочь")


def test_an_article_about_his_daughter_is_a_namesake_s(shipped: tuple[Matcher, AliasTable]) -> None:
    # named in full and he is not: "Пескова" alone there is her ("— рассказала Пескова")
    (miss,) = _misses(shipped, "Елизавета Пескова заявила, что выступает против войны.")
    assert isinstance(miss, NamesDidNotCount)
    assert miss.found.statement.speaker == "Елизавета Пескова"
    assert miss.names == (Names("peskov", False, True, ("войны",), ("Елизавета Пескова",)),)


def test_his_daughter_by_way_of_him_is_someone_else(shipped: tuple[Matcher, AliasTable]) -> None:
    # the attributor keeps a relative named by way of him the relative: "daughter Elizaveta"
    other, mentioned = _misses(shipped, "Peskov's daughter Elizaveta said she opposed the war.")
    assert isinstance(other, OtherSpeakers)
    assert [f.statement.speaker for f in other.statements] == ["Peskov's daughter Elizaveta"]
    assert mentioned == Mentioned("peskov", "name", ("Peskov",))


def test_peskov_only_mentioned_is_a_mention_without_a_statement(shipped: tuple[Matcher, AliasTable]) -> None:
    text = "Kremlin spokesman Dmitry Peskov was not available for comment on the sanctions."
    misses = _misses(shipped, text)
    assert set(misses) == {
        Mentioned("peskov", "name", ("Peskov",)),
        Mentioned("kremlin-spokesperson", "role", ("Kremlin spokesman",)),
    }


def test_a_statement_by_zakharova_about_peskov_is_by_someone_else(
    shipped: tuple[Matcher, AliasTable],
) -> None:
    others, mentioned = _misses(shipped, "Maria Zakharova said Peskov had lied about the sanctions.")
    assert isinstance(others, OtherSpeakers)
    assert [f.statement.speaker for f in others.statements] == ["Maria Zakharova"]
    assert others.statements[0].statement.content == "Peskov had lied about the sanctions"
    assert mentioned == Mentioned("peskov", "name", ("Peskov",))  # named in what she said


def test_nothing_when_no_statement_and_no_mention(shipped: tuple[Matcher, AliasTable]) -> None:
    assert _misses(shipped, "The weather in Paris was fine on Tuesday.") == (Nothing(),)


def test_a_matching_document_has_no_misses(shipped: tuple[Matcher, AliasTable]) -> None:
    assert _why(shipped, KREM).why_not(doc("Peskov said the sanctions were unlawful.")).misses == ()


# --- --why-not for rules without statements: the terms absent, the exclusions present ------------


def test_cricket_is_the_icc_rule_s_exclusion(shipped: tuple[Matcher, AliasTable]) -> None:
    article = doc("The ICC has named three umpires and two judges for the cricket final.")
    (none_of,) = _why(shipped, "icc").why_not(article).misses
    assert isinstance(none_of, NoneOf)
    present = [m for option in none_of.options for m in option if isinstance(m, Present)]
    assert [set(p.words) for p in present] == [{"umpires", "cricket"}]
    assert present[0].query.startswith("OR(prefix:cricket*")


def test_required_terms_absent_and_near_too_far() -> None:
    why = RuleWhy(parse_query("title:sanctions (Peskov NEAR/3 said) -football", AliasTable()), AliasTable())
    misses = why.why_not(
        Document(title="Talks", text="Peskov, speaking at length on Tuesday, then said no. Football.")
    ).misses
    assert misses == (
        Absent("term:sanctions", ("title",)),
        Apart("NEAR/3(term:peskov, term:said)", ("Peskov", "said")),
        Present("term:football", ("Football",)),
    )


def test_a_speaker_naming_no_person_is_a_mention() -> None:
    why = RuleWhy(parse_query('said_by:"Kira Yarmysh"', AliasTable()), AliasTable())
    misses = why.why_not(doc("Navalny's team, led by Kira Yarmysh, published an investigation.")).misses
    assert misses == (Mentioned(None, None, ("Kira Yarmysh",)),)
