"""Statement attribution (pipeline.statements): the patterns in every language it knows, speakers
that refer back, the look-alikes that are no statement by the person, offsets that point into
the text, hostile input; and the labelled set's precision and recall (bench/statements.py)."""

from __future__ import annotations

import random

import pytest

from bench.statements import DEV, evaluate, load
from pipeline.statements import MAX_TEXT_CHARS, Statement, statements


def _one(text: str) -> Statement:
    found = statements(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "speaker", "content"),
    [
        ("Peskov told reporters that accusations of Kremlin involvement were unfounded.", "Peskov",
         "accusations of Kremlin involvement were unfounded"),
        ('"We see no grounds for this," said Dmitry Peskov.', "Dmitry Peskov", "We see no grounds for this"),
        ("“We see no grounds for this,” Peskov said.", "Peskov", "We see no grounds for this"),
        ("Peskov said: ‘We see no grounds for this.’", "Peskov", "We see no grounds for this."),
        ("«Мы не видим оснований», — заявил Песков.", "Песков", "Мы не видим оснований"),
        ("Песков заявил, что Москва не получала предложений.", "Песков", "Москва не получала предложений"),
        ("По словам Пескова, решение не принято.", "Пескова", "решение не принято"),
        ("Речник Кремля Дмитро Пєсков заявив, що Москва не планує переговорів.",
         "Речник Кремля Дмитро Пєсков", "Москва не планує переговорів"),
        ("„Das wird nicht ohne Antwort bleiben“, sagte Peskow.", "Peskow",
         "Das wird nicht ohne Antwort bleiben"),
        ("Kremlsprecher Dmitri Peskow sagte, Russland werde reagieren.", "Kremlsprecher Dmitri Peskow",
         "Russland werde reagieren"),
        ("According to Peskov, the decision has not been made.", "Peskov", "the decision has not been made"),
        ("The decision has not been made, according to the Kremlin.", "the Kremlin",
         "The decision has not been made"),
        ('Peskov: "We will respond"', "Peskov", "We will respond"),
        ("Russia will respond to the sanctions: Peskov", "Peskov", "Russia will respond to the sanctions"),
        ("Peskov was quoted by TASS as saying that Moscow would not negotiate.", "Peskov",
         "Moscow would not negotiate"),
        ("A Kremlin spokesperson warned that the move would escalate tensions.", "A Kremlin spokesperson",
         "the move would escalate tensions"),
        ("Russian troops are attacking only military targets, Peskov told journalists on Tuesday.", "Peskov",
         "Russian troops are attacking only military targets"),
        ("Hungary announced it would withdraw from the court.", "Hungary",
         "it would withdraw from the court"),
        ("Peskov denied he was aware of the talks.", "Peskov", "he was aware of the talks"),
    ],
)  # fmt: skip
def test_each_pattern_finds_the_speaker_and_what_was_said(text: str, speaker: str, content: str) -> None:
    st = _one(text)
    assert (st.speaker, st.content) == (speaker, content)
    assert text[st.speaker_start : st.speaker_end] == st.speaker
    assert text[st.content_start : st.content_end] == st.content
    assert text[st.verb_start : st.verb_end] == st.verb
    assert st.sentence_start <= st.content_start <= st.content_end <= st.sentence_end


def test_a_participle_and_a_quote_after_the_attribution_are_the_same_speakers() -> None:
    found = statements('"There are no contacts planned," Peskov said, adding that the Kremlin would respond.')
    assert [(s.speaker, s.content) for s in found] == [
        ("Peskov", "There are no contacts planned"),
        ("Peskov", "the Kremlin would respond"),
    ]
    split = statements('"The sanctions," Peskov said, "will hurt Europe more than Russia."')
    assert [s.content for s in split] == ["The sanctions", "will hurt Europe more than Russia."]


def test_pronouns_and_definite_roles_refer_back_to_the_right_person() -> None:
    found = statements(
        "Dmitry Peskov, the Kremlin spokesman, said the talks were over. Yulia Navalnaya said the "
        "vote was a farce. He added that Moscow would wait. The spokesman said no date was set. "
        "She said she would go on."
    )
    assert [(s.speaker, s.refers_to) for s in found] == [
        ("Dmitry Peskov", ""),
        ("Yulia Navalnaya", ""),
        ("He", "Dmitry Peskov, the Kremlin spokesman"),  # not Navalnaya: she is a woman
        ("The spokesman", "Dmitry Peskov, the Kremlin spokesman"),
        ("She", "Yulia Navalnaya"),
    ]
    assert found[0].identity == "Dmitry Peskov | the Kremlin spokesman"


def test_a_relative_by_way_of_someone_is_not_that_someone() -> None:
    assert statements("Elizaveta Peskova, the daughter of the Kremlin spokesman, declined to comment.") == []
    st = _one("Elizaveta Peskova, the daughter of the Kremlin spokesman, said she never supported the war.")
    assert st.speaker == "Elizaveta Peskova" and "spokesman" not in st.identity
    widow = _one("The widow of opposition leader Alexei Navalny said the vote was a farce.")
    assert "Navalny" not in widow.identity and widow.identity.startswith("The widow")


def test_a_quote_over_paragraphs_and_a_quote_inside_a_quote() -> None:
    text = (
        'Karim Khan said: "The evidence points to a plan.\n"No one is above the law."\n'
        "The registrar declined to comment."
    )
    st = _one(text)
    assert st.content.startswith("The evidence") and st.content.endswith("above the law.")
    nested = _one("\"When the president says 'we will respond', he means it,\" Peskov said.")
    assert nested.content == "When the president says 'we will respond', he means it"


def test_no_statement_where_no_one_says_anything() -> None:
    for text in (
        "The Kremlin Cup drew record crowds. Dmitry Peskov attended the final with his wife.",
        "A statement by the Kremlin spokesman is expected later today.",
        "Hungary announced the decision to withdraw from the court.",  # names what, not what was said
        "Peskov denied the reports about the talks.",
        "The United States said",  # no content
        "",
        '"""',
        "«",
    ):
        assert statements(text) == [], text


def test_hostile_text_is_an_outcome_not_a_crash() -> None:
    rng = random.Random(5)
    alphabet = 'ab Peskov said told, that.:;"“”«»„‘’—\n\t-' + "заявил Песков"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        for st in statements(text):
            assert text[st.content_start : st.content_end] == st.content
    huge = ('"We will respond," Peskov said. ' * 20_000) + "Peskov said the end was near."
    found = statements(huge)
    assert found and all(st.content_end <= MAX_TEXT_CHARS for st in found)


def test_the_labelled_set_meets_its_targets() -> None:
    cases = load(DEV)
    figures = evaluate(cases)
    assert figures["labelled"] >= 150 or figures["skipped"], figures["labelled"]
    assert figures["precision"] >= 0.95, figures["false"]
    assert figures["recall"] >= 0.85, figures["misses"]
