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
behauptete behauptet wies räumte schrieb kündigte kündigten kündigt rief riefen ruft forderte
forderten fordert
wiederholte wiederholt ergänzte ergänzt entgegnete antwortete argumentierte beklagte
mahnte verkündete versprach beteuerte bekräftigten warnten betonten
hinzufügte ankündigte mitteilte einräumte klarstellte hervorhob berichtete berichteten berichtet
entschied entschieden warf warfen nannte nannten bezeichnete bezeichneten sprach sprachen schrieben
widersprach widersprachen hielt drohte drohten verwies
""")  # "hinzufügte" and the like: separable verbs in a dependent clause ("wobei er hinzufügte, …")
# Present participles after the statement's verb: "…, lediglich hinzufügend, Moskau habe …".
PARTICIPLES = words("""
hinzufügend betonend erklärend unterstreichend verweisend bekräftigend warnend schreibend sagend
versichernd mahnend kritisierend erwidernd ankündigend
""")
# Past participles that report in the perfect ("hat … bestätigt, dass …", "hatte Trump gesagt, …"):
# the subject stands before the auxiliary (or right after it), not before the participle.
PERFECT_PARTICIPLES = words("""
gesagt erklärt betont bestätigt gewarnt versichert bekräftigt mitgeteilt angekündigt dementiert
unterstrichen behauptet kritisiert argumentiert aufgefordert vorgeworfen eingeräumt zugesichert beteuert
gefordert
""")
# Separable verbs, whose particle comes before what was said: "fügte hinzu, …", "kündigte an,
# die Dokumente zu übergeben", "rief die Staaten dazu auf, den Druck zu erhöhen" (a call is a
# statement); without the particle they say nothing ("rief Peskow an", "forderte Geld").
SEPARABLE = {
    "fügte": "hinzu", "fügten": "hinzu", "kündigte": "an", "kündigten": "an", "kündigt": "an",
    "rief": "auf", "riefen": "auf", "ruft": "auf", "forderte": "auf", "forderten": "auf", "fordert": "auf",
    "warf": "vor", "warfen": "vor", "wirft": "vor", "räumte": "ein", "räumten": "ein", "räumt": "ein",
    "hielt": "dagegen",
}  # fmt: skip
# Verbs that say what something is called, a statement only with the words quoted: "nannte den
# Strafgerichtshof „für Russland nicht existent“" (see en.CHARACTERIZING).
CHARACTERIZING = words("nannte nannten nennt bezeichnete bezeichneten bezeichnet")

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
sprecher sprecherin kremlsprecher regierungssprecher minister präsident kanzler anwalt anwältin
richter gericht kreml ministerium sprechers kremlsprechers regierungssprechers präsidenten
kanzlers ministers ministerin präsidentin kanzlerin richterin außenminister außenministerin
außenbeauftragte beauftragte generalsekretär generalsekretärin vorsitzende vorsitzender chef chefin
direktor direktorin botschafter botschafterin staatssekretär bürgermeister gerichtssprecher witwe
tochter sohn ehefrau
bundesaußenminister bundeskanzler bundeskanzlerin bundespräsident verteidigungsminister
verteidigungsministerin innenminister innenministerin finanzminister finanzministerin
wirtschaftsminister justizminister regierungschef regierungschefin ministerpräsident
ministerpräsidentin abgeordnete abgeordneter politologe politologin analyst analystin journalist
journalistin korrespondent bürgermeisterin gouverneur gouverneurin berater beraterin gründer
gründerin leiter leiterin stellvertreter stellvertreterin unterhändler chefunterhändler
oppositionspolitiker oppositionspolitikerin historiker historikerin ökonom ökonomin ermittler
chefankläger chefanklägerin ankläger anklägerin staatsanwalt staatsanwältin vertreter vertreterin
ministeriumssprecher außenamtssprecher sprecherin ministerium verteidigungsministerium
außenministerium auswärtige kommission generalstab staatsanwaltschaft energieminister
""")
RELATIVES = words("tochter sohn frau witwe bruder schwester mutter vater anwalt anwältin")
PERSON_ROLES = words("""
sprecher sprecherin kremlsprecher regierungssprecher präsident kanzler anwalt richter ministerin
präsidentin kanzlerin richterin außenminister außenministerin außenbeauftragte generalsekretär
generalsekretärin botschafter botschafterin bürgermeister gerichtssprecher
""")
WOMEN_ROLES = words("""
sprecherin witwe ministerin präsidentin kanzlerin richterin außenministerin außenbeauftragte
generalsekretärin botschafterin chefin direktorin
""")
MEN_ROLES = words("sprecher")

PRONOUNS = words("er sie")
FEMININE_PRONOUNS = words("sie")
MASCULINE_PRONOUNS = words("er")
TITLES = words("Herr Frau")
# Articles before a speaker's noun phrase: "der Kremlsprecher", "sagte der Sprecher".
DETERMINERS = words("der die das den dem des ein eine einen einem einer eines")
# Capitalised words that do not name anyone (sentence starts).
NOT_NAMES = words("""
Der Die Das Ein Eine Und Aber Im Am Es Er Sie Wie Als Nach Vor Auch Doch Dies Dazu Zu Dem Den Des
Darin Dabei Zugleich Zudem Außerdem Später Danach Zuvor Damals Heute Gestern Inzwischen Bislang Bisher
Allerdings Jedoch Dort Darauf Daraufhin Deshalb
Einen Seine Seiner Ihre Ihrer So Jede Jeder Jedes Jeden Diese Dieser Dieses Diesen Alle Kein Keine
Keinen Viele Mehrere Beide Wir Man Mit Ob
""")
# Endings of German nouns, which are capitalised as names are: "Jede Beschlagnahmung" names no
# one a pronoun may refer to.
NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ität", "nis", "tum")
INSTITUTIONS = words("Gericht Kreml Russland Regierung Ministerium")

# The last word of an aside between commas, after which the speaker's verb still comes:
# "Peskow, nach den Gesprächen gefragt, sagte …".
ASIDE_ENDS = words("gefragt angesprochen befragt")
# A relative clause as an aside: "Peskow, dessen Tochter in Paris lebt, sagte …".
ASIDES = words("dessen deren")
# Words before a role that say it was once or is only in part theirs: "der frühere
# Kremlsprecher", "der stellvertretende Regierungssprecher", "Ex-Kremlsprecher" (a prefix).
MODIFIERS = words("""
früher frühere früheren früherer früheres ehemalig ehemalige ehemaligen ehemaliger ehemaliges
stellvertretend stellvertretende stellvertretenden stellvertretender einstige einstigen einstiger
""")
MODIFIER_PREFIXES = ("ex-",)

# Slavic surnames as German spells them: Peskow, Lawrow.
MASCULINE_ENDINGS = ("ow", "ew", "ows", "ews")
# A person named outside the subject ("Journalisten fragten Peskow"): see en.OBJECT_MASCULINE.
OBJECT_MASCULINE = MASCULINE_ENDINGS
OBJECT_FEMININE = ("owa", "ewa", "aja")
# What a German text holds, one of them at least: its letters, its quote mark, its commonest
# words (str.find each: no regex pass). Only there are German's endings read ("Glasgow").
HINTS = ("ä", "ö", "ü", "ß", "Ä", "Ö", "Ü", "„", " und ", " der ", " die ", " nicht ")
LOCATIVES = words("in im nach aus")
# A pronoun that is a plural as often as a woman: no person it stands for is carried on.
PLURAL_TOO = words("sie")

# Words that start no reported clause straight after a verb: "betonte in München, …".
NOT_CLAUSE_STARTS = words("im am bei")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
JOINS = "und|aber|doch|wobei"
THAT = ("dass", ", dass")
AUDIENCES = (
    r"Reportern|Journalisten|der (?:Nachrichten)?[Aa]gentur [\w-]+|der Zeitung [\w„“\"-]+|dem Sender [\w-]+|"
    r"in einem Interview|im Interview"
)
WHEN = r"auch|am \w+tag|am mittwoch|heute|gestern|seinerseits|ihrerseits|zudem|außerdem|später|zuvor|damals"
# the subject's own intensifier: "Peskow selbst wollte sich … nicht äußern"
WHEN += "|selbst|selber|hingegen|dagegen|indes|unterdessen|wiederum|nur|lediglich|haben|dann"
WHEN += "|anschließend|daraufhin|umgehend|dort|darin"

PARENTHETICALS = "allerdings|jedoch|zudem|außerdem|wiederum|seinerseits|ihrerseits|indes"

# "Laut X …", "Nach Angaben von X …"; it starts with a letter, not \b (see en.ACCORDING).
# "…, so Kremlsprecher Dmitri Peskow.": who said the clause before, after "so" (a capital follows:
# not "so dass", "so viel"). "nach Angaben seines Sprechers Dmitri Peskow": whose spokesman.
ACCORDING = re.compile(
    r"(?:[Ll]aut|[Nn]ach (?:den )?(?:[Aa]ngaben|Worten|Aussagen)"
    r"(?: (?:von|des|der|seines|seiner|ihres|ihrer))?"
    r"|(?<=, )so(?= [A-ZÄÖÜ]))\s+",
    re.U,
)
ACCORDING_HINTS = (
    "aut ",
    "ngaben",
    "ach Worten",
    "ach den Worten",
    "ach Aussagen",
    "ach den Aussagen",
    ", so ",
)

# Reporting verbs that name what they are about unless a comma's clause, a colon or a quote
# follows: "kritisierte die Sanktionen", "bestätigte den Bericht", "wies die Vorwürfe zurück".
NOT_BARE = words("""
kritisierte kritisiert bestätigte bestätigt wies räumte wiederholte wiederholt verkündete versprach
beklagte mahnte berichtete berichteten berichtet entschied entschieden warf warfen nannte nannten
bezeichnete bezeichneten sprach sprachen
""")
# A refusal reported as such (issue 24): "wollte sich (dazu) nicht äußern", "wollte das nicht
# kommentieren", "wollte nicht sagen, ob …", "lehnte einen Kommentar ab", "gab keinen Kommentar
# ab", "lehnte es ab, sich dazu zu äußern", and "Einen Kommentar dazu lehnte Peskow ab". Not
# "lehnte die Einladung ab", nor "lehnte es ab, an dem Treffen teilzunehmen".
REFUSAL = (
    re.compile(
        r"(?P<verb>\bwollten?)\s+(?:(?:er|sie)\s+)?(?P<what>sich\b[^.;:!?]{0,80}?\bnicht\b[^.;:!?]{0,60}?"
        r"\bäu(?:ß|ss)ern)\b",
        re.U,
    ),
    re.compile(
        r"(?P<verb>\b(?:wollten?|mochten?))\s+(?P<what>(?:[^.;:!?,]{0,60}?\s)?nichts?\s+(?:[^.;:!?,]{0,40}?\s)?"
        r"(?:kommentieren|sagen|bestätigen|nennen|verraten|mitteilen|Stellung nehmen))\b",
        re.U,
    ),
    re.compile(
        r"(?P<verb>\blehnten?)\s+(?P<what>[^.;:!?]{0,80}?\b(?:Kommentar|Stellungnahme)\w*[^.;:!?]{0,120}?)\s+ab\b",
        re.U,
    ),
    # "lehnte es ab, sich zu dem Interview zu äußern", "lehnte es ab, die Berichte zu kommentieren"
    re.compile(
        r"(?P<verb>\blehnten?)\s+(?:es|das)\s+(?:[^.;:!?,]{1,30}\s+)?ab,\s+(?P<what>(?:sich\s+)?[^.;:!?,]{0,80}?\bzu\s+"
        r"(?:äu(?:ß|ss)ern|kommentieren|sagen|bestätigen|nennen|antworten|erklären))\b",
        re.U,
    ),
    re.compile(
        r"(?P<verb>\bgab(?:en)?)\s+(?P<what>[^.;:!?]{0,60}?\bkeinen?\s+(?:Kommentar|Stellungnahme)\w*[^.;:!?]{0,40}?)"
        r"\s+ab\b",
        re.U,
    ),
    re.compile(
        r"(?P<what>\b(?:[Ee]inen|[Jj]eden|[Ee]ine|[Jj]egliche)\s+(?:Kommentar|Stellungnahme)\w*[^.;:!?]{0,60}?)\s+"
        r"(?P<verb>lehnten?)\s+[^.;:!?]{1,60}?\s+ab\b",
        re.U,
    ),
    # "Ob Moskau … bereit wäre, ließ Peskow offen", "ließ offen, ob …": what was left open
    re.compile(
        r"(?P<what>(?<!\w)[Oo]b\s[^.;:!?]{3,160}?),\s+(?P<verb>ließ(?:en)?|lässt)\s+[^.;:!?,]{1,60}?\s+offen\b",
        re.U,
    ),
    re.compile(
        r"(?P<verb>\b(?:ließ(?:en)?|lässt))\s+(?:[^.;:!?,]{1,60}?\s+)?offen,\s+(?P<what>ob\s[^.;:!?]{3,160})",
        re.U,
    ),
)
REFUSAL_WORDS = words("wollte wollten mochte mochten lehnte lehnten gab gaben ließ ließen lässt")
# The speaker named in the sentence after the words (issue 24): "Das sagte Peskow am Montag.",
# "Dies erklärte der Kremlsprecher.", the verb straight after the pointer.
LATER = re.compile(r"(?:Das|Dies|So)\s+", re.U)
LATER_VERBS = words("berichtete berichtet meldete meldet äußerte kommentierte machte stellte formulierte")
# "Peskow wurde von der Agentur Interfax mit den Worten zitiert, die Sanktionen seien …": the
# passive, what was said after "zitiert".
PASSIVE = re.compile(
    r"\s+(?:wurde|wird|wurden|werden) (?:[\w .„“\"«»-]{0,60} )?zitiert(?:\s*,\s*(?:dass\s+)?|\s*:\s*)", re.U
)
# "…, wobei Peskow betonte, dass …": a statement in an absolute clause.
ABSOLUTE = re.compile(r"\bwobei\s+$", re.U)
# "Peskows Worten zufolge …", "Peskow zufolge …": according to whom stands before.
ZUFOLGE = re.compile(r"(?:(?:Worten|Angaben|Aussagen|Einschätzung)\s+)?zufolge\b", re.U)
