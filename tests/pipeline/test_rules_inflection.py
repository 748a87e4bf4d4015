"""Names in every case form (pipeline.rules.inflection, pymorphy3 with its dictionaries): names it
knows, names it does not (its guesser), phrases declined case by case, and the config's names and
aliases marked as names matching their forms in text."""

from __future__ import annotations

import pytest

from pipeline.config import RuleConfig
from pipeline.config.schema import PersonConfig, RulesFile
from pipeline.rules import Document, Matcher
from pipeline.rules.inflection import case_forms, name_lemmas


@pytest.mark.parametrize(
    ("name", "forms", "not_forms"),
    [
        # in the dictionaries
        ("Песков", {"Пескова", "Пескову", "Песковым", "Пескове"}, {"Песковы", "Песковой"}),
        ("Пєсков", {"Пєскова", "Пєскову", "Пєсковим", "Пєскові"}, {"Пескова"}),
        ("Навальный", {"Навального", "Навальному", "Навальным", "Навальном"}, {"Навальная"}),
        ("Навальная", {"Навальной", "Навальную"}, {"Навального"}),  # an adjective's declension
        ("Захарова", {"Захаровой", "Захарову"}, {"Захаров", "Захарова́"}),  # hers, not his
        ("Зеленський", {"Зеленського", "Зеленському", "Зеленським"}, set()),
        ("Дмитро", {"Дмитра", "Дмитрові", "Дмитром"}, set()),
        # not in them: the guesser declines by the ending
        ("Зюзюкин", {"Зюзюкина", "Зюзюкину", "Зюзюкиным"}, set()),
        ("Кшиштофов", {"Кшиштофова", "Кшиштофову"}, set()),
        ("Пшеничкін", {"Пшеничкіна", "Пшеничкіну", "Пшеничкіним"}, set()),
        # indeclinable, and Latin: as written
        ("Шойгу", set(), {"Шойгуа"}),
        ("Peskov", set(), {"Peskova"}),
    ],
)
def test_a_name_comes_with_its_case_forms(name: str, forms: set[str], not_forms: set[str]) -> None:
    found = case_forms(name)
    assert found[0] == name
    assert forms <= set(found), found
    assert not (not_forms & set(found)), found
    if not forms:
        assert found == [name]


def test_a_phrase_is_declined_case_by_case() -> None:
    found = case_forms("Дмитрий Песков")
    assert {"Дмитрия Пескова", "Дмитрию Пескову", "Дмитрием Песковым"} <= set(found)
    assert "Дмитрия Пескову" not in found  # never two cases in one phrase
    assert {"Алексея Навального", "Алексею Навальному"} <= set(case_forms("Алексей Навальный"))


def _matcher(query: str) -> Matcher:
    spec = RulesFile.model_validate(
        {
            "aliases": {"Zuzukin": {"variants": ["Zusukin"], "names": ["Зюзюкин"]}},
            "people": {"pshenichkin": {"names": ["Пшеничкін"]}},
            "rules": [{"id": "r", "query": query}],
        }
    )
    people = {k: v.spec() for k, v in spec.people.items()}
    rules: list[RuleConfig] = spec.rules
    return Matcher(rules, spec.aliases, people=people)


@pytest.mark.parametrize(
    ("query", "text", "hit"),
    [
        ("Zuzukin", "Встреча с Зюзюкиным прошла в Москве.", True),
        ("Zuzukin", "По словам Зюзюкина, всё хорошо.", True),
        ("Zuzukin", "Zusukin arrived.", True),
        ("Zuzukin", "Зюзюкины приехали всей семьёй.", False),  # the family: a plural
        ("said_by:@pshenichkin", "За словами Пшеничкіна, переговори тривають.", True),
        ("said_by:@pshenichkin", "Журналісти заявили, що Пшеничкіну не відповіли.", False),
    ],
)
def test_aliases_and_people_marked_as_names_match_every_case_form(query: str, text: str, hit: bool) -> None:
    assert bool(_matcher(query).match_ids(Document(title="", text=text))) is hit


def test_a_person_s_names_are_declined_and_roles_are_not() -> None:
    spec = PersonConfig(names=["Песков"], roles=["пресс-секретарь Кремля"]).spec()
    assert {"Пескова", "Пескову"} <= set(spec.names)
    assert spec.roles == ("пресс-секретарь Кремля",)


def test_case_forms_of_one_name_share_a_lemma_and_a_womans_and_a_mans_do_not() -> None:
    assert name_lemmas("Пескова") & name_lemmas("Песковым")
    assert name_lemmas("Пєскову") & name_lemmas("Пєскова")
    assert not name_lemmas("Навальной") & name_lemmas("Навального")  # Yulia is not Alexei
    assert name_lemmas("Peskov") == {"peskov"}  # no Cyrillic letter: only itself
