"""Ukrainian: the words the statement patterns look for in Ukrainian news text. Words are
lowercase unless they are matched as written (names, capitalised words); regex fragments are
alternations, kept in their order."""

from __future__ import annotations

import re

from .wordlist import words

# Reporting verbs as they are written (the past tense in every form, and the present).
VERBS = words("""
заявив заявила заявили сказав сказала сказали повідомив повідомила повідомили зазначив
зазначила зазначили наголосив наголосила наголосили додав додала додали пояснив пояснила
пояснили відповів відповіла відповіли підкреслив підкреслила підкреслили запевнив запевнила
попередив попередила визнав визнала розповів розповіла заявляє каже говорить вважає
повідомляє наголошує зауважив зауважила
""")
PARTICIPLES = words("додавши зазначивши наголосивши заявивши сказавши підкресливши")

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
речник речниця прессекретар прес-секретар представник міністр президент посол прокурор суддя
суд кремль адвокат соратник експерт джерело вдова дружина донька
""")
RELATIVES = words("донька син дружина вдова брат сестра мати батько адвокат")
PERSON_ROLES = words("речник речниця представник міністр суддя вдова дружина донька")
GENERIC_ROLES = words("представник")
WOMEN_ROLES = words("речниця вдова донька дружина")

PRONOUNS = words("він вона вони")
FEMININE_PRONOUNS = words("вона")
MASCULINE_PRONOUNS = words("він")
# "За його словами": whose words, with the gender the possessive says ("" for "їх": not known).
GENITIVE_PRONOUNS = {"його": "m", "її": "f", "їх": ""}
# Capitalised words that do not name anyone (sentence starts).
NOT_NAMES = words("""
Але І В На А Це Як Коли Після До По Він Вона Вони Також Однак При Про З За Із Й
""")
INSTITUTIONS = words("Суд Кремль Україна Київ")

FEMALE_FIRST = words("Юлія Марія Ганна Ольга Ірина")
MALE_FIRST = words("Дмитро Олексій Володимир Іван Сергій Віктор Андрій Михайло Юрій")
FEMININE_ENDINGS = ("ська", "івна")
MASCULINE_ENDINGS = ("ій", "ьов")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
JOINS = "і|але|та"
THAT = ("що", ", що")
AUDIENCES = "журналістам"
WHEN = "також|раніше|у понеділок|у вівторок|у середу|у четвер|у п'ятницю|сьогодні|вчора"

# "За словами X, …", "Як заявив X, …"; it starts with a letter, not \b (see en.ACCORDING).
ACCORDING = re.compile(
    r"(?:[Зз]а (?:його|її|їх) словами|[Зз]а словами|[Зз]а даними|"
    r"[Яя]к (?:заявив|повідомив|зазначив|сказав)(?:ла|ли)?)[\s,]+",
    re.U,
)
ACCORDING_HINTS = ("словами", "даними", "к заявив", "к повідомив", "к зазначив", "к сказав")
