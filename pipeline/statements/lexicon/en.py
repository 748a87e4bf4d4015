"""English: the words the statement patterns look for in English news text (and the Latin-script
spellings of Slavic names it carries). Words are lowercase unless they are matched as written
(names, titles, capitalised words); regex fragments are alternations, kept in their order."""

from __future__ import annotations

import re

from .wordlist import words

# Reporting verbs as they are written (all the inflected forms news uses).
VERBS = words("""
say says said tell tells told add adds added warn warns warned deny denies denied state states
stated note notes noted stress stresses stressed insist insists insisted claim claims claimed
explain explains explained declare declares declared assert asserts asserted argue argues argued
reply replies replied respond responds responded comment comments commented confirm confirms
confirmed announce announces announced acknowledge acknowledges acknowledged admit admits
admitted suggest suggests suggested urge urges urged emphasize emphasizes emphasized emphasise
emphasises emphasised maintain maintains maintained write writes wrote recall recalls recalled
predict predicts predicted vow vows vowed pledge pledges pledged promise promises promised
complain complains complained reiterate reiterates reiterated concede concedes conceded
observe observes observed remark remarks remarked assure assures assured allege alleges alleged
contend contends contended caution cautions cautioned report reports reported beg begs begged
dismiss dismisses dismissed call calls called describe describes described brand brands branded
rule rules ruled repeat repeated reaffirm reaffirms reaffirmed underline underlines underlined countered
retort
retorted signalled signaled hinted indicate indicated mentioned reveal reveals revealed disclose
discloses disclosed clarify clarifies clarified specify specifies specified objected protested
lamented conclude concludes concluded posted tweeted boast boasted inform informs informed assure
assures assured answered
""")  # not the forms that are nouns too ("Honorable mentions:", "posts", "answers")
PARTICIPLES = words("""
adding saying noting stressing warning insisting explaining arguing claiming stating
emphasizing emphasising denying telling
""")
# Verbs that take what was said without "that": "said the talks were over". The others need
# "that" or a quote ("denied the claims" names what was denied, not what was said).
BARE = words("""
say says said tell tells told add adds added state states stated note notes noted claim claims
claimed insist insists insisted argue argues argued explain explains explained write writes
wrote stress stresses stressed warn warns warned reply replies replied respond responds
responded assert asserts asserted maintain maintains maintained declare declares declared
suggest suggests suggested concede concedes conceded reiterate reiterates reiterated urge urges
urged
""")
# Verbs that say what something is called, a statement only with the words quoted: "dismissed
# the report as “pure fiction”", "called the decision “outrageous”".
CHARACTERIZING = words(
    "dismiss dismisses dismissed call calls called describe describes described brand brands branded"
)

# Words that head a speaker's noun phrase though lowercase: roles, offices, institutions.
ROLES = words("""
spokesman spokeswoman spokesperson spokespeople official officials minister ministers president
premier chancellor prosecutor prosecutors judge judges secretary aide aides adviser advisor
ambassador envoy lawyer lawyers attorney chief head director leader commander governor mayor
senator lawmaker lawmakers deputy analyst analysts expert experts source sources diplomat
diplomats representative chairman chairwoman founder colleague ally allies associate court
ministry kremlin government police army statement spokespersons registrar presidency office
press agency agencies daughter son wife widow husband brother sister mother father relative
relatives friend friends supporters supporter team campaign foundation opposition activist
activists military backers critics residents witnesses scientists researchers observers
economists investors doctors protesters voters oceanographers judges spokesmen
negotiator negotiators politician politicians journalist journalists reporter correspondent editor
ombudsman commissioner envoys ambassadors presidents ministers governors mayors senators
congressman congresswoman mp mps legislator legislators councillor chairperson ceo executive
executives manager coach player captain striker forward defender goalkeeper historian
political scientist professor researcher campaigner dissident dissidents lawyer detainee
prisoner mother-in-law embassy commission council parliament agency watchdog regulator bank
force forces navy guard service command staff air foreign defence defense interior armed prime
counterpart counterparts predecessor successor general regional local senior top federal national chair
provincial municipal
""")  # the last: the first words of a role of two ("air force", "foreign ministry", "prime minister")
# Roles that say whose relative or counsel a speaker is.
RELATIVES = words("""
daughter son wife widow husband brother sister mother father relative relatives niece nephew
lawyer lawyers attorney friend friends
""")
# Roles that are a person (not an office or an institution), for "he" and "she".
PERSON_ROLES = words("""
spokesman spokeswoman spokesperson minister president premier chancellor prosecutor judge
secretary aide adviser advisor ambassador envoy lawyer attorney chief head director leader
commander governor mayor senator lawmaker deputy analyst expert diplomat representative chairman
chairwoman founder colleague ally associate daughter son wife widow husband brother sister
mother father relative friend activist official
""")
# Roles that a definite "the official" refers back to whatever the person was called before.
GENERIC_ROLES = words("official officials representative")
WOMEN_ROLES = words("spokeswoman chairwoman daughter wife widow sister mother niece")
MEN_ROLES = words("spokesman chairman husband son brother father widower")

PRONOUNS = words("he she they")
FEMININE_PRONOUNS = words("she")
MASCULINE_PRONOUNS = words("he")
DETERMINERS = words("the a an its their his her")
TITLES = words("Mr Mrs Ms Dr Mr. Mrs. Ms. Dr. Sir Lord")
# Capitalised words that do not name anyone (sentence starts, days, months).
NOT_NAMES = words("""
The A An But And In On At It This That These Those When While After Before His Her Their Our
Its There Here As If So Yet For Of To By With From Then Now Also However Meanwhile Still Some
Many Most All Both Each Other Another Such No Not What Who Why How Where Which Monday Tuesday
Wednesday Thursday Friday Saturday Sunday January February March April May June July August
September October November December I We You Asked Speaking Never Always Only Just Even Again
Later Earlier Afterwards Today Yesterday Tonight
""")
# Words that name no one though capitalised inside a name's phrase: "Russian officials".
DEMONYMS = words("""
Russian Ukrainian American British German French Chinese European Western Eastern Israeli
Iranian Indian Indonesian Malaysian Australian Polish Turkish Syrian Belarusian Georgian
Republican Democratic Pentagon Kremlin Soviet
""")
# Capitalised words of institutions and places, which no person's name holds.
INSTITUTIONS = words("""
Court Statute States Union Ministry Council Forum Party Committee Nations Federation Republic
Kingdom University News Post Times Agency Office House Day Kremlin Russia Ukraine Moscow Kyiv
Kiev Europe Washington Reuters Politico Guardian Bank Fund Foundation Group Company Corporation
Inc Ltd Service Police Army Force Forces Government Parliament Duma Assembly Senate Congress
""")
# Headline kickers, which are no speaker: "Analysis: …".
NOT_SPEAKERS = words("""
Analysis Update Exclusive Watch Live Opinion Video Photos Explainer Factbox Timeline
Breaking Comment Review Interview Q&A
""")
ABBREVIATIONS = words(
    "Mr Mrs Ms Dr St Gen Lt Col Sgt Prof Jr Sr vs U.S U.N U.K E.U Jan Feb Aug Sept Oct Nov Dec No"
)

# Gender: first names, and the endings of Slavic surnames as English (and Czech) spells them.
FEMALE_FIRST = words("""
Yulia Julia Maria Elizaveta Liza Anna Olga Irina Natalia Natalya Tatiana Elena Ekaterina
Lyubov Kira Maria
""")
MALE_FIRST = words("""
Dmitry Dmitri Dimitri Alexei Alexey Vladimir Ivan Sergei Sergey Viktor Karim Olaf Joe Donald
Volodymyr Andrei Oleg Mikhail Yuri Boris Leonid Mark Kurt Tim Hadi Gordon Rick Robert
""")
FEMININE_ENDINGS = ("ova", "eva", "ina", "aya", "skaya", "ová", "ivna")
MASCULINE_ENDINGS = ("ov", "ev", "in", "sky", "ski", "iy")
# The endings that say a person named outside the subject ("Reporters asked Peskov") is a man or
# a woman: fewer than a speaker's, a capitalised word there being a place or a thing as often
# ("Berlin", "China": not "in", "ina").
OBJECT_MASCULINE = ("ov", "ev", "sky", "ski")
OBJECT_FEMININE = ("ova", "eva", "aya", "skaya")
# Before a place, not a person: a capitalised word after them is no one a pronoun refers to.
LOCATIVES = words("in at from into near")

# The first word of an aside between commas, after which the speaker's verb still comes: "a
# diplomat, speaking on condition of anonymity, said".
ASIDES = words("""
speaking who asked citing according writing addressing answering responding replying commenting
pressed questioned whose whom having
""")
# Words that say the speaker's role was once or is only in part theirs, before the role: "the
# former Kremlin spokesman", "the acting spokesman", "ex-spokesman" (a prefix: MODIFIER_PREFIXES).
MODIFIERS = words("former ex deputy acting onetime one-time erstwhile")
MODIFIER_PREFIXES = ("ex-",)
# Words after which what was said came before the verb: "…, Peskov said when asked".
THEN_WORDS = words("""
when commenting reiterating referring responding speaking asked as while after before although
though but because
""")
# Words that start no reported clause straight after a verb: "said on Mar. 6 that …".
NOT_CLAUSE_STARTS = words("""
to about nothing goodbye hello of for in on at by with from as against responsibility credit
""")
# Of those, the ones after which no clause comes at all: "claimed responsibility for …, which …".
NO_CLAUSE = words("against responsibility credit")

# Regex fragments (alternations), joined with the other languages' in the order en, ru, uk, de.
# Conjunctions after which a pronoun may start a new clause as the speaker: "…, and he said".
JOINS = "although|though|but|and|while|as|because|yet|so|where|when"
# The word that opens a reported clause: "said that …".
THAT = ("that",)
# Whom something was told: "told reporters", "said in an interview".
AUDIENCES = (
    "reporters|journalists|the press|press|media|local television|television|local media|state media|"
    "radio|a news conference|a press conference|a briefing|lawmakers|parliament|state television|"
    "state TV|the BBC|Reuters|CNN|AP|TASS|RIA Novosti|Interfax|the Associated Press|the newspaper|"
    "an interview|the agency"
)
# Asides between commas before the verb: "Peskov, however, said …".
PARENTHETICALS = "however|meanwhile|though|in turn|for his part|for her part|in particular|also|too"
# When or how (again) something was said: "on Wednesday", "in a statement", "also".
WHEN = (
    r"(?:on |late on |early on |last |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"week|month|year|night|morning|evening)|yesterday|today|earlier|later|"
    r"in (?:a|an|his|her|their) (?:statement|interview|video|post|briefing|speech|address|letter|"
    r"message|call|podcast)(?: (?:on|to|with|posted|published|issued|released|late|early)(?: [\w-]+)?)?|"
    r"on (?:telegram|x|twitter|facebook|television|tv)|"
    r"also|again|then|further|too|once|repeatedly|previously|had|has|have|would|will|did|could|afterwards|"
    r"afterward|only|"
    # the subject's own intensifier: "Peskov himself declined …"
    r"himself|herself|themselves|itself|meanwhile|instead|in turn"
)

# "According to X, …"; it starts with a letter, not \b, so that the regex engine can skip ahead
# to its first letters (bench/README.md, "Statements").
ACCORDING = re.compile(r"(?:[Aa]ccording to|[Aa]s (?:said|stated|told) by)\s+", re.U)
# Literal parts one of which the pattern's text holds: most texts need no regex search at all.
ACCORDING_HINTS = ("ccording to", "s said by", "s stated by", "s told by")
# "X was quoted (by TASS) as saying (that) …".
PASSIVE = re.compile(
    r"\s+(?:was|were|is|has been) (?:(?:also )?(?:quoted|cited) (?:[\w .-]{0,40} )?as saying|"
    r"(?:also )?reported to have said)\s*(?:that\s+)?",
    re.U,
)
# A clause without "that" after a verb that otherwise needs it: a pronoun and a modal or a form
# of to be or to have ("announced it would withdraw", "denied he was there"); "announced the
# decision" names what was announced, not what was said.
PRONOUN_CLAUSE = re.compile(
    r"\s*(?:it|he|she|they|we)\s+(?:would|will|could|might|may|must|should|had|has|have|was|were|is|are)\b",
    re.I,
)

# A refusal reported as such (issue 24): "declined to comment (on …)", "refused to say whether
# …", "declined requests for comment", "would not say whether …". `verb` is the refusal, `what`
# starts what was declined (the statement's content). "Would not" takes only a verb of saying
# ("Russia would not give up" is no refusal to speak).
REFUSAL = re.compile(
    r"(?P<verb>\b(?:declined|declines|decline|refused|refuses|refuse)"
    r"(?:\s+(?:on \w+day|again|also|repeatedly|publicly|immediately|today))?)\s+(?:to\s+)?"
    r"(?P<what>(?:immediately |publicly |further |directly )?"
    r"(?:comment|say|discuss|elaborate|specify|confirm|give details|provide details|answer|disclose|reveal|"
    r"respond|speculate|be drawn|name|go into|identify|detail|explain|speak(?!\s+on\s+(?:the\s+)?record))\b"
    r"|(?:any |further )?comment\b|(?:a |repeated )?requests? for comment)"
    r"|(?P<verb2>\b(?:would not|wouldn't|will not|won't))\s+"
    r"(?P<what2>(?:say|comment|confirm|disclose|discuss|elaborate|specify|reveal|be drawn|name|answer|"
    r"speculate)\b)",
    re.U,
)
# The words a refusal holds, as written: a sentence without one (or `REFUSAL_NOT`) needs no
# refusal search.
REFUSAL_WORDS = words("declined declines decline refused refuses refuse")
# "would not", "won't": too common a word to scan for alone, found as a phrase.
REFUSAL_NOT = re.compile(r"(?:would|will) not|wouldn['’]t|won['’]t", re.U)
# The speaker named in the sentence after the words (issue 24), its pointer at the sentence's
# start: "That was the message from Peskov", "Those were the words of …", "This was stated by …",
# "So said …" (the speaker follows); "That is what Peskov told reporters" (`LATER_BEFORE`: the
# speaker stands before a reporting verb).
_LATER_NOUNS = (
    r"(?:message|messages|word|words|view|verdict|assessment|warning|response|reaction|position|answer|reply|"
    r"comment|comments|remark|remarks|line|argument|conclusion|promise|pledge|statement|explanation|point|"
    r"appeal|plea|demand)"
)
LATER = re.compile(
    r"(?:(?:That|This|Those|These|Such)\s+(?:was|were|is|are|has been|had been)\s+"
    rf"(?:the\s+|his\s+|her\s+|their\s+)?{_LATER_NOUNS}\s+(?:of|from|(?:[a-z]+\s+){{0,2}}by"
    # "That was the message Peskov gave journalists": the name, then a verb of giving it
    r"|(?=[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}\s+(?:gave|delivered|sent|conveyed|offered|repeated|made|"
    r"had|left|brought)\b))"
    # "Those were Peskov's words": the speaker's possessive follows (later.py trims it)
    r"|(?:That|This|Those|These|Such)\s+(?:was|were|is|are)"
    rf"(?=\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*){{0,3}}['’]s\s+{_LATER_NOUNS}\b)"
    r"|(?:That|This)\s+(?:was|is|has been)\s+"
    r"(?:stated|said|announced|claimed|noted|declared|reported|written|asserted|stressed|emphasized|"
    r"emphasised|confirmed)(?:\s+(?:on|in|at|late|early)\s+\w+){0,2}\s+by"
    r"|So\s+(?:said|says)|(?:That|This)\s+(?:came|comes)\s+from)(?:\s+|(?<=\s))",
    re.U,
)
# A sentence that opens with the speaker's own words about the one before: "Peskov's words,
# carried by Interfax, came hours after …", "Peskov made the comments on Wednesday as …".
LATER_OWN = re.compile(
    r"(?!(?:In|By|For|At|On|With|From|To|Of|After|Before|As|That|It|What|Here|There)\b)"
    r"(?P<who>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})(?:['’]s\s+(?P<noun>words|remarks|comments|statement|"
    r"message|warning|assessment)(?=\s*,|\s+(?:came|come|comes|followed|follow|follows|were|was|echoed|echo)\b)"
    r"|\s+(?P<made>made|gave|delivered)\s+(?:the|these|those|his|her)\s+"
    r"(?:comments?|remarks?|statement|assessment|warning|point)\b)",
    re.U,
)
LATER_BEFORE = re.compile(r"(?:That|This|Such)(?:\s+is|\s+was|'s|’s)\s+(?:what|how)\s+", re.U)
# Whose words a quote is, after it: '"…," were Peskov's words, as quoted by TASS', '"…," were
# the words of Peskov' (`words` when "of" follows; else a possessive name, then "words").
WORDS_OF = re.compile(
    r"[\s,—–-]*(?:(?:[Tt]hose|[Tt]hese|[Ss]uch)\s+)?(?:were|are|was|is)\s+(?:(?:the\s+)?(?P<words>words)\s+of\s+)?",
    re.U,
)
# The verbs whose bare clause (no "that") a coordinated verb may take: "arrived and said the
# talks were over"; "and added a bulb of celery" is no statement.
SAY = words("say says said tell tells told")
# Verbs of a call, whose object and infinitive are what was said: "urged lawmakers not to …".
CALLS = words("urge urges urged")
# The participles that report a statement in an absolute clause: "…, with Peskov saying (that) …",
# "with Politico reporting that …".
ABSOLUTE_PARTICIPLES = words("""
saying reporting adding noting insisting warning arguing claiming stressing telling announcing
confirming maintaining suggesting predicting stating emphasizing emphasising asserting explaining
declaring acknowledging admitting denying writing
""")
