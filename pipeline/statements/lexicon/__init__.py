"""The words the statement patterns look for, one module per language (en, ru, uk, de), combined
here as the patterns use them: a word list is one set over every language, a regex fragment one
alternation in the order en, ru, uk, de (the order the patterns were written and measured in).
Lists that only one language has are passed on as they are."""

from __future__ import annotations

from . import de, en, ru, uk

# Reporting verbs and the participles that go on a statement ("adding that"), as written.
VERBS: frozenset[str] = en.VERBS | ru.VERBS | uk.VERBS | de.VERBS
PARTICIPLES: frozenset[str] = en.PARTICIPLES | ru.PARTICIPLES | uk.PARTICIPLES
# Verbs that take what was said without a "that": English tells them apart, the other languages'
# reporting verbs all do ("заявил, что …" and "…, заявил он" alike).
BARE: frozenset[str] = en.BARE | ru.VERBS | uk.VERBS | de.VERBS
CHARACTERIZING = en.CHARACTERIZING

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES: frozenset[str] = en.ROLES | ru.ROLES | uk.ROLES | de.ROLES
# Roles that say whose relative or counsel a speaker is: "the daughter of the Kremlin spokesman"
# names the daughter, not the spokesman.
RELATIVES: frozenset[str] = en.RELATIVES | ru.RELATIVES | uk.RELATIVES | de.RELATIVES
PERSON_ROLES: frozenset[str] = en.PERSON_ROLES | ru.PERSON_ROLES | uk.PERSON_ROLES | de.PERSON_ROLES
GENERIC_ROLES: frozenset[str] = en.GENERIC_ROLES | ru.GENERIC_ROLES | uk.GENERIC_ROLES
WOMEN_ROLES: frozenset[str] = en.WOMEN_ROLES | ru.WOMEN_ROLES | uk.WOMEN_ROLES | de.WOMEN_ROLES
MEN_ROLES: frozenset[str] = en.MEN_ROLES | de.MEN_ROLES

PRONOUNS: frozenset[str] = en.PRONOUNS | ru.PRONOUNS | uk.PRONOUNS | de.PRONOUNS
FEMININE_PRONOUNS: frozenset[str] = (
    en.FEMININE_PRONOUNS | ru.FEMININE_PRONOUNS | uk.FEMININE_PRONOUNS | de.FEMININE_PRONOUNS
)
MASCULINE_PRONOUNS: frozenset[str] = (
    en.MASCULINE_PRONOUNS | ru.MASCULINE_PRONOUNS | uk.MASCULINE_PRONOUNS | de.MASCULINE_PRONOUNS
)
GENITIVE_PRONOUNS: dict[str, str] = {**ru.GENITIVE_PRONOUNS, **uk.GENITIVE_PRONOUNS}
DETERMINERS: frozenset[str] = en.DETERMINERS | ru.DETERMINERS
TITLES: frozenset[str] = en.TITLES | de.TITLES
NOT_NAMES: frozenset[str] = en.NOT_NAMES | ru.NOT_NAMES | uk.NOT_NAMES | de.NOT_NAMES
DEMONYMS = en.DEMONYMS
INSTITUTIONS: frozenset[str] = en.INSTITUTIONS | ru.INSTITUTIONS | uk.INSTITUTIONS | de.INSTITUTIONS
NOT_SPEAKERS = en.NOT_SPEAKERS
ABBREVIATIONS = en.ABBREVIATIONS

FEMALE_FIRST: frozenset[str] = en.FEMALE_FIRST | ru.FEMALE_FIRST | uk.FEMALE_FIRST
MALE_FIRST: frozenset[str] = en.MALE_FIRST | ru.MALE_FIRST | uk.MALE_FIRST
FEMININE_ENDINGS: tuple[str, ...] = en.FEMININE_ENDINGS + ru.FEMININE_ENDINGS + uk.FEMININE_ENDINGS
MASCULINE_ENDINGS: tuple[str, ...] = (
    en.MASCULINE_ENDINGS + de.MASCULINE_ENDINGS + ru.MASCULINE_ENDINGS + uk.MASCULINE_ENDINGS
)

ASIDES = en.ASIDES
THEN_WORDS = en.THEN_WORDS
NOT_CLAUSE_STARTS: frozenset[str] = en.NOT_CLAUSE_STARTS | de.NOT_CLAUSE_STARTS

JOINS = "|".join((en.JOINS, ru.JOINS, uk.JOINS, de.JOINS))
THAT: tuple[str, ...] = en.THAT + ru.THAT + uk.THAT + de.THAT
AUDIENCES = "|".join((en.AUDIENCES, ru.AUDIENCES, uk.AUDIENCES, de.AUDIENCES))
WHEN = "|".join((en.WHEN, ru.WHEN, uk.WHEN, de.WHEN))

ACCORDING = (en.ACCORDING, ru.ACCORDING, uk.ACCORDING, de.ACCORDING)
ACCORDING_HINTS = (en.ACCORDING_HINTS, ru.ACCORDING_HINTS, uk.ACCORDING_HINTS, de.ACCORDING_HINTS)
PASSIVE = en.PASSIVE
PRONOUN_CLAUSE = en.PRONOUN_CLAUSE
