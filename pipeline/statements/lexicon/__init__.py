"""The words the statement patterns look for, one module per language (en, ru, uk, de), combined
here as the patterns use them: a word list is one set over every language, a regex fragment one
alternation in the order en, ru, uk, de (the order the patterns were written and measured in).
Lists that only one language has are passed on as they are."""

from __future__ import annotations

import re

from . import de, en, ru, uk

# Reporting verbs and the participles that go on a statement ("adding that"), as written.
VERBS: frozenset[str] = en.VERBS | ru.VERBS | uk.VERBS | de.VERBS | de.PERFECT_PARTICIPLES
DE_PARTICIPLES = de.PERFECT_PARTICIPLES
EN_VERBS = en.VERBS
PARTICIPLES: frozenset[str] = en.PARTICIPLES | ru.PARTICIPLES | uk.PARTICIPLES | de.PARTICIPLES
# Verbs that take what was said without a "that": English tells them apart; the other languages'
# reporting verbs do ("заявил, что …" and "…, заявил он" alike) but for those that name what
# they are about ("прокомментировал ситуацию", "kritisierte die Sanktionen").
BARE: frozenset[str] = (
    en.BARE
    | (ru.VERBS - ru.NOT_BARE)
    | (uk.VERBS - uk.NOT_BARE)
    | ((de.VERBS | de.PERFECT_PARTICIPLES) - de.NOT_BARE - {"kritisiert", "dementiert"})
)
CHARACTERIZING = en.CHARACTERIZING | de.CHARACTERIZING
# German's finite reporting verbs, some spelt as a participle is ("erklärt", "betont").
DE_FINITE = de.VERBS

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
DETERMINERS: frozenset[str] = en.DETERMINERS | ru.DETERMINERS | de.DETERMINERS
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

# A person named outside the subject, for a pronoun after them ("Reporters asked Peskov. He
# said …"): the endings that say a man or a woman, the prepositions after which the genitive's
# endings say it instead, and those after which a capitalised word is a place.
OBJECT_MASCULINE: tuple[str, ...] = en.OBJECT_MASCULINE + ru.OBJECT_MASCULINE + uk.OBJECT_MASCULINE
OBJECT_FEMININE: tuple[str, ...] = en.OBJECT_FEMININE + ru.OBJECT_FEMININE + uk.OBJECT_FEMININE
# German's ("Peskow", "Sacharowa") only in a text that may be German: "Glasgow" is no man.
GERMAN_HINTS = de.HINTS
GERMAN_OBJECT_MASCULINE: tuple[str, ...] = OBJECT_MASCULINE + de.OBJECT_MASCULINE
GERMAN_OBJECT_FEMININE: tuple[str, ...] = OBJECT_FEMININE + de.OBJECT_FEMININE
GENITIVE_PREPOSITIONS: frozenset[str] = ru.GENITIVE_PREPOSITIONS | uk.GENITIVE_PREPOSITIONS
NOT_SURNAME_STEMS: tuple[str, ...] = ru.NOT_SURNAME_STEMS + uk.NOT_SURNAME_STEMS
LOCATIVES: frozenset[str] = en.LOCATIVES | de.LOCATIVES | ru.LOCATIVES | uk.LOCATIVES
PLURAL_TOO = de.PLURAL_TOO
GERMAN_NOUN_ENDINGS = de.NOUN_ENDINGS

CHAIN_STOPS: frozenset[str] = ru.CHAIN_STOPS | uk.CHAIN_STOPS
# An aside between a speaker and the verb: its first word ("asked", "отвечая"), or German's last
# ("nach … gefragt").
ASIDES: frozenset[str] = en.ASIDES | ru.ASIDES | uk.ASIDES | de.ASIDES
ASIDE_ENDS = de.ASIDE_ENDS
# Words before a role that make it another's: "the former spokesman", "der frühere
# Kremlsprecher", "бывший пресс-секретарь", "колишній речник"; as a prefix: "ex-", "экс-".
MODIFIERS: frozenset[str] = en.MODIFIERS | ru.MODIFIERS | uk.MODIFIERS | de.MODIFIERS
MODIFIER_PREFIXES: tuple[str, ...] = tuple(
    dict.fromkeys(en.MODIFIER_PREFIXES + ru.MODIFIER_PREFIXES + uk.MODIFIER_PREFIXES + de.MODIFIER_PREFIXES)
)
THEN_WORDS = en.THEN_WORDS
NOT_CLAUSE_STARTS: frozenset[str] = en.NOT_CLAUSE_STARTS | de.NOT_CLAUSE_STARTS
NO_CLAUSE = en.NO_CLAUSE

JOINS = "|".join((en.JOINS, ru.JOINS, uk.JOINS, de.JOINS))
THAT: tuple[str, ...] = en.THAT + ru.THAT + uk.THAT + de.THAT
AUDIENCES = "|".join((en.AUDIENCES, ru.AUDIENCES, uk.AUDIENCES, de.AUDIENCES))
WHEN = "|".join((en.WHEN, ru.WHEN, uk.WHEN, de.WHEN))
PARENTHETICALS = "|".join((en.PARENTHETICALS, ru.PARENTHETICALS, uk.PARENTHETICALS, de.PARENTHETICALS))

ACCORDING = (en.ACCORDING, ru.ACCORDING, uk.ACCORDING, de.ACCORDING)
ACCORDING_HINTS = (en.ACCORDING_HINTS, ru.ACCORDING_HINTS, uk.ACCORDING_HINTS, de.ACCORDING_HINTS)
PASSIVE = en.PASSIVE
# German's, searched only in a text that holds "zitiert" (its filler makes a whole-text search slow).
PASSIVE_DE = de.PASSIVE
PRONOUN_CLAUSE = en.PRONOUN_CLAUSE

# The forms of issue 24.
# Refusals reported as such: each pattern has the groups `verb` (the refusal) and `what` (what was
# declined: the content), English's also `verb2` and `what2`.
# Per language: the words one of which a sentence holds for its patterns to be tried (found with
# the reporting verbs, in one scan of the text's words), and the patterns.
REFUSALS: tuple[tuple[frozenset[str], tuple[re.Pattern[str], ...]], ...] = (
    (en.REFUSAL_WORDS, (en.REFUSAL,)),
    (ru.REFUSAL_WORDS, ru.REFUSAL),
    (uk.REFUSAL_WORDS, uk.REFUSAL),
    (de.REFUSAL_WORDS, de.REFUSAL),
)
REFUSAL_WORDS: frozenset[str] = frozenset().union(*(w for w, _ in REFUSALS))
REFUSAL_NOT = en.REFUSAL_NOT  # English's "would not" (its pattern is REFUSALS[0]'s)
# The patterns whose `what` ends where what was declined does (German closes it with the verb:
# "wollte sich dazu nicht äußern"); the others' runs to the sentence's end.
REFUSALS_CLOSED: tuple[re.Pattern[str], ...] = de.REFUSAL
# A sentence that names who said the one before it, by its start ("Об этом заявил Песков.").
LATER: tuple[re.Pattern[str], ...] = (en.LATER, ru.LATER, uk.LATER, de.LATER)
LATER_BEFORE = en.LATER_BEFORE
LATER_OWN = en.LATER_OWN
# A pointer back that says the words were someone's by itself, no reporting verb needed: the
# speaker is the name after it (past a verb: "Mit diesen Worten wandte sich Pewtschich …").
# "Эти слова Пескова облетели все агентства", "With those words Maria Pevchikh reacted",
# "Those words, too, came from Peskov", "Auch diese Einschätzung stammt von Peskow", "Das war
# Peskows Antwort".
LATER_WORDS = re.compile(
    r"(?:(?:Эти|Такие|Ці|Такі)\s+слова"
    r"|(?:С|З)\s+(?:этими|такими|цими|такими)\s+словами|(?:Этими|Цими|Такими)\s+словами"
    r"|With\s+(?:those|these|such)\s+words"
    r"|(?:Those|These|The)\s+words(?:\s*,\s*too\s*,)?\s+(?:came|come)\s+from|(?:Those|These|The)\s+words\s*,\s*from"
    r"|(?:The|That|This)\s+(?:assessment|warning|view|verdict|remarks?|comments?|statement|message|criticism)"
    r"(?:\s*,\s*too\s*,)?\s+(?:came|comes)\s+from"
    r"|Mit\s+(?:diesen|solchen)\s+Worten|Mit\s+(?:diesem|diesen|solchen)\s+(?:Satz|Sätzen)"
    r"|With\s+(?:this|that)\s+(?:sentence|remark|comment)"
    r"|(?:Auch\s+)?(?:[Dd]iese|[Dd]ie|[Ss]olche)\s+(?:Worte|Einschätzung|Aussage|Äußerung|Antwort|Botschaft)"
    r"\s+(?:stammt|stammen|stammte|stammten|kam|kamen)\s+(?:auch\s+)?von"
    r"|(?:Das|Dies)\s+(?:war|waren|ist|sind)\s+(?:die\s+)?(?:Worte|Antwort|Botschaft|Einschätzung)\s+von"
    # "Diese Warnung richtete Peskow an …", "Diese Behauptung stellte Sacharowa … auf"
    r"|(?:Diese|Solche|Eine\s+solche)\s+(?:Warnung|Behauptung|Aussage|Botschaft|Kritik|Forderung|Drohung|Äußerung)"
    r"|(?:Das|Dies)\s+(?:war|waren|ist|sind)(?=\s+[A-ZÄÖÜ]\w*s\s+(?:Worte|Antwort|Botschaft|Einschätzung)\b))"
    r"[\s,]+",
    re.U,
)
# "Это заявил Песков.", "Це заявив Пєсков.": a bare "this", the verb right after it.
LATER_THIS = re.compile(r"(?:Это|Це)\s+", re.U)
# How those sentences start, for a test in C (str.startswith) before any regex is tried: most
# sentences start otherwise.
LATER_STARTS: tuple[str, ...] = (
    "That was", "That is", "That's", "That’s", "That has", "That had", "That came", "That comes",
    "This was", "This is", "This’s", "This has", "This had", "This came", "This comes",
    "Those were", "Those are", "These were", "These are", "Such was", "Such is", "Such were", "Such are",
    "So said", "So says",
    "Об ", "Обо ", "Так", "С таким", "Эти ", "Этими ", "С этими ", "Это ",
    "Про це", "З такою", "Із такою", "Ці ", "Цими ", "З цими ", "Це ", "Такі ", "Такими ",
    "Das ", "Dies ", "So ", "Mit diesen", "Mit diesem", "Mit solchen", "Eine solche",
    "With this", "With that", "The assessment", "The warning", "The view", "The verdict", "The remark",
    "The comment", "The statement", "The message", "The criticism", "That assessment",
    "This assessment", "Auch diese", "Diese ", "Die Worte", "Solche ",
    "With those", "With these", "With such", "Those words", "These words", "The words",
)  # fmt: skip
LATER_VERBS: frozenset[str] = VERBS | ru.LATER_VERBS | uk.LATER_VERBS | de.LATER_VERBS
# Whose words a quote is, said right after it (forms/words_of.py): "«…», — такие слова Пескова
# приводит ТАСС", "«…», — приводит ТАСС слова Пескова", and English's ('"…," were Peskov's
# words'). `words` is where the word "слова" stands; the name follows the match.
WORDS_OF_SLAVIC = re.compile(
    rf"[\s,]*[—–-]?\s*(?:(?:{ru.WORDS_OF}|{uk.WORDS_OF})\s+|(?:{ru.CITE_VERBS}|{uk.CITE_VERBS})\s+"
    r"(?:[^\s.,;!?«»]+\s+){0,4}?)?(?P<words>слова)\s+",
    re.U,
)
WORDS_OF_ENGLISH = en.WORDS_OF
# The words one of which a sentence holds for that form to be tried.
WORDS_OF_WORDS = frozenset(("слова", "words"))
# A verb after the subject's others ("arrived in Minsk and told …") takes a bare clause only when
# it is one of these; the others need "that", "что", a colon or a quote.
# Verbs of a call take their object and infinitive there too ("… and urged lawmakers not to …").
COORDINATED_BARE: frozenset[str] = en.SAY | en.CALLS | ru.CALLS | uk.CALLS | (de.VERBS - de.NOT_BARE)
CALLS: frozenset[str] = en.CALLS | ru.CALLS | uk.CALLS
# German's separable verbs: verb -> its particle, which comes before what was said.
SEPARABLE = de.SEPARABLE
# Absolute clauses: "…, with Peskov saying …", "…, wobei Peskow betonte, dass …".
ABSOLUTE_PARTICIPLES = en.ABSOLUTE_PARTICIPLES
WOBEI = de.ABSOLUTE
# "Песковым было заявлено, что …": a passive participle after a speaker in the instrumental.
PASSIVE_SLAVIC = re.compile(rf"(?:{ru.PASSIVE_VERBS}|{uk.PASSIVE_VERBS})\b", re.U)
PASSIVE_SLAVIC_WORDS: frozenset[str] = frozenset(f"{ru.PASSIVE_VERBS}|{uk.PASSIVE_VERBS}".split("|"))
INSTRUMENTAL_ENDINGS: tuple[str, ...] = ru.INSTRUMENTAL_ENDINGS + uk.INSTRUMENTAL_ENDINGS
GENITIVE_FEMININE: tuple[str, ...] = ru.GENITIVE_FEMININE + uk.GENITIVE_FEMININE
GENITIVE_MASCULINE: tuple[str, ...] = ru.GENITIVE_MASCULINE + uk.GENITIVE_MASCULINE
ZUFOLGE = de.ZUFOLGE
