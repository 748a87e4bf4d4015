"""German: the words the statement patterns look for in German news text. Words are lowercase
unless they are matched as written (titles, capitalised words); regex fragments are
alternations, kept in their order."""

from __future__ import annotations

import re

from .wordlist import words

# Reporting verbs as they are written (no German participles are listed: "adding that").
VERBS = words("""
sagte sagten sagt sagen erklärte erklärten erklärt betonte betont warnte warnt fügte meinte
meint bestätigte bestätigt kritisierte kritisiert teilte bekräftigte unterstrich versicherte
behauptete behauptet wies räumte schrieb
""")

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
sprecher sprecherin kremlsprecher regierungssprecher minister präsident kanzler anwalt anwältin
richter gericht kreml ministerium
""")
RELATIVES = words("tochter sohn frau witwe bruder schwester mutter vater anwalt anwältin")
PERSON_ROLES = words("""
sprecher sprecherin kremlsprecher regierungssprecher präsident kanzler anwalt richter
""")
WOMEN_ROLES = words("sprecherin witwe")
MEN_ROLES = words("sprecher")

PRONOUNS = words("er sie")
FEMININE_PRONOUNS = words("sie")
MASCULINE_PRONOUNS = words("er")
TITLES = words("Herr Frau")
# Capitalised words that do not name anyone (sentence starts).
NOT_NAMES = words("Der Die Das Ein Eine Und Aber Im Am Es Er Sie Wie Als Nach Vor Auch Doch")
INSTITUTIONS = words("Gericht Kreml Russland Regierung Ministerium")

# Slavic surnames as German spells them: Peskow, Lawrow.
MASCULINE_ENDINGS = ("ow", "ew")

# Words that start no reported clause straight after a verb: "betonte in München, …".
NOT_CLAUSE_STARTS = words("im am bei")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
JOINS = "und|aber|doch"
THAT = ("dass", ", dass")
AUDIENCES = "Reportern|Journalisten"
WHEN = r"auch|am \w+tag|am mittwoch|heute|gestern"

# "Laut X …", "Nach Angaben von X …"; it starts with a letter, not \b (see en.ACCORDING).
ACCORDING = re.compile(r"(?:[Ll]aut|[Nn]ach [Aa]ngaben (?:von|des|der))\s+", re.U)
ACCORDING_HINTS = ("aut ", "ngaben")
