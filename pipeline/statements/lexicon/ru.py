"""Russian: the words the statement patterns look for in Russian news text. Words are lowercase
unless they are matched as written (names, capitalised words); regex fragments are
alternations, kept in their order."""

from __future__ import annotations

import re

from .wordlist import words

_PAST_STEMS = """
заявил сказал сообщил отметил подчеркнул добавил пояснил заверил предупредил ответил указал
признал рассказал констатировал прокомментировал уточнил напомнил утверждал опроверг отверг
посетовал пообещал призвал выразил заметил настаивал
"""


def _past_forms(stems: str) -> frozenset[str]:
    """A past-tense verb in every gender and number: заявил, заявила, заявило, заявили
    (опроверг: опровергла, опровергли)."""
    out = set()
    for stem in stems.split():
        base = stem[:-1] if stem.endswith("л") else stem
        out.update({stem, base + "ла", base + "ло", base + "ли"})
    return frozenset(out)


# Reporting verbs as they are written: the past tense in every form, and the present.
VERBS = _past_forms(_PAST_STEMS) | words("""
заявляет говорит сообщает отмечает подчеркивает подчёркивает считает утверждает уверяет
поясняет добавляет полагает
""")
PARTICIPLES = words("заявив сказав отметив подчеркнув добавив пояснив напомнив уточнив призвав")

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
спецпредставитель спецпредставителя спецпосланник
пресс-секретарь пресс-секретаря представитель представителя глава министр президент премьер
посол прокурор судья суд мид кремль адвокат соратник сторонник эксперт источник помощник вдова
жена дочь сын брат официальный
""")
RELATIVES = words("дочь сын жена вдова брат сестра мать отец адвокат")
PERSON_ROLES = words("""
пресс-секретарь представитель глава министр президент посол прокурор судья адвокат соратник
эксперт помощник вдова жена дочь сын брат
""")
GENERIC_ROLES = words("представитель")
WOMEN_ROLES = words("вдова жена дочь")

PRONOUNS = words("он она они")
FEMININE_PRONOUNS = words("она")
MASCULINE_PRONOUNS = words("он")
# "По его словам": whose words, with the gender the possessive says ("" for "их": not known).
GENITIVE_PRONOUNS = {"его": "m", "её": "f", "ее": "f", "их": ""}
DETERMINERS = words("его её их")
# Capitalised words that do not name anyone (sentence starts).
NOT_NAMES = words("""
Но И В На А Это Как Когда После До По Во Он Она Они Также Однако При Об О С Со За Из К
""")
INSTITUTIONS = words("Суд Кремль Россия Украина Москва Совет Министерство Госдума Фонд")

FEMALE_FIRST = words("""
Юлия Мария Елизавета Анна Ольга Ирина Наталья Татьяна Елена Любовь Кира
""")
MALE_FIRST = words("""
Дмитрий Алексей Владимир Иван Сергей Виктор Андрей Олег Михаил Юрий Борис Леонид
""")
FEMININE_ENDINGS = ("ова", "ева", "ина", "ая")
MASCULINE_ENDINGS = ("ов", "ев", "ин", "ский", "ий")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
JOINS = "и|но|а|хотя"
THAT = ("что", ", что")
AUDIENCES = "журналистам|репортерам|ТАСС|РИА Новости|Интерфаксу"
WHEN = (
    "ещё|еще|также|тоже|ранее|в понедельник|во вторник|в среду|в четверг|в пятницу|в субботу|"
    "в воскресенье|накануне|сегодня|вчера"
)

# "По словам X, …", "Как заявил X, …"; it starts with a letter, not \b (see en.ACCORDING).
ACCORDING = re.compile(
    r"(?:[Пп]о (?:его|её|ее|их) словам|[Пп]о словам|[Пп]о мнению|[Пп]о информации|"
    r"[Кк]ак (?:заявил|сообщил|отметил|сказал)а?и?)[\s,]+",
    re.U,
)
ACCORDING_HINTS = ("словам", "мнению", "информации", "ак заявил", "ак сообщил", "ак отметил", "ак сказал")
