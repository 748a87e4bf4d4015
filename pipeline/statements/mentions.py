"""Mentions of a speaker: the name or noun phrase before or after a reporting verb ("Peskov",
"Putin's press secretary", "he"), its apposition ("Dmitry Peskov, the Kremlin spokesman,"), a
relative named by way of someone ("the daughter of X" is the daughter), and the gender that a
first name, a role, a pronoun or a Slavic surname's ending says."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .lexicon import (
    ASIDE_ENDS,
    ASIDES,
    AUDIENCES,
    CHAIN_STOPS,
    DEMONYMS,
    DETERMINERS,
    FEMALE_FIRST,
    FEMININE_ENDINGS,
    FEMININE_PRONOUNS,
    GENITIVE_FEMININE,
    GENITIVE_MASCULINE,
    GENITIVE_PREPOSITIONS,
    GERMAN_OBJECT_FEMININE,
    GERMAN_OBJECT_MASCULINE,
    INSTITUTIONS,
    JOINS,
    LOCATIVES,
    MALE_FIRST,
    MASCULINE_ENDINGS,
    MASCULINE_PRONOUNS,
    MEN_ROLES,
    MODIFIER_PREFIXES,
    MODIFIERS,
    NOT_NAMES,
    NOT_SURNAME_STEMS,
    OBJECT_FEMININE,
    OBJECT_MASCULINE,
    PARENTHETICALS,
    PRONOUNS,
    ROLES,
    TITLES,
    WHEN,
    WOMEN_ROLES,
)
from .model import without_relation
from .tokens import WORD

# Adverbials that may stand between a speaker and the verb ("The Kremlin on Wednesday said"), and
# an aside between commas ("Peskov, however, said", "Песков, в частности, заявил"), looked for
# only before a comma.
_BETWEEN = re.compile(rf"(?:\s+(?:{WHEN})\b)+\s*$", re.U)  # on lowercased text
_ASIDE = re.compile(rf"\s*,\s*(?:{PARENTHETICALS})\s*,\s*$", re.U)
_BETWEEN_REACH = 80
# Whom it was told and when, between an inverted verb and its speaker: "«…», — сообщил
# журналистам Песков".
_TOLD = re.compile(rf"(?:\s*,?\s*(?:{AUDIENCES}|{WHEN})\b)+", re.U | re.I)


@dataclass(frozen=True, slots=True)
class Mention:
    """A speaker as the text names them here, and where."""

    text: str
    start: int
    end: int
    named: bool  # has a capitalised name in it (not only roles)
    apposition: str = ""
    gender: str = ""  # "f", "m" or "" (not known)


def name_like(word: str) -> bool:
    if _PARTICLE_NAME.match(word):  # "эль-Абдаллы", "al-Assad", "ель-Абдалли"
        return True
    return word[:1].isupper() and word not in NOT_NAMES and not word.endswith(_INFINITIVE_ENDINGS)


# An Arabic name's article joined to it: a lowercase particle, a hyphen, a capital.
_PARTICLE_NAME = re.compile(r"(?:al|el|ad|ar|as|эль|аль|ель|ал|ад|ас)-[A-ZА-ЯЁІЇЄҐ]", re.U)


# A Russian or Ukrainian infinitive opening a sentence is no name: "Раскрывать содержание беседы
# он отказался", "Коментувати цю тему він відмовився".
_INFINITIVE_ENDINGS = ("ать", "ять", "ить", "еть", "уть", "ться", "ати", "яти", "ити", "ути", "тися", "тись")


def _before_adverbials(text: str, floor: int, end: int) -> int:
    """Where the speaker ends: before the adverbials and an aside between it and the verb. They
    are short: looked for in the last characters only, lowercased (a case-blind regex costs three
    times as much), not from `floor` on (the regex is tried at each position it is given)."""
    start = max(floor, end - _BETWEEN_REACH)
    window = text[start:end].lower()
    if len(window) != end - start:  # a letter whose lowercase is longer: no offsets to trust
        return end
    adverbial = _BETWEEN.search(window)
    if adverbial is not None:
        window = window[: adverbial.start()]
    if window.rstrip().endswith(","):
        parenthetical = _ASIDE.search(window)
        if parenthetical is not None:
            window = window[: parenthetical.start()]
    return start + len(window)


# A name in quote marks (a newspaper, an agency, a company): „Spiegel“, «Інтерфакс-Україна».
_QUOTED_NAME = re.compile(r"[«„“\"]([A-ZÄÖÜА-ЯЁІЇЄҐ][^«»„“”\"\n]{0,40}?)[»“”\"]", re.U)
_QUOTED_NAME_END = re.compile(r"[«„“\"]([A-ZÄÖÜА-ЯЁІЇЄҐ][^«»„“”\"\n]{0,40}?)[»“”\"]\s*$", re.U)


def _quoted_name_before(text: str, words: list[re.Match[str]], floor: int, end: int) -> Mention | None:
    """A name in quotes right before `end` (and its article: "Der „Spiegel“"), or None."""
    if text[words[-1].end() : end].strip() not in _QUOTE_CLOSERS:
        return None
    m = _QUOTED_NAME_END.search(text, max(floor, end - 48), end)
    if m is None or len(m.group(1).split()) > 4:
        return None
    start = m.start()
    before = [w for w in words if w.end() <= start]
    if before and before[-1].group().lower() in DETERMINERS and not text[before[-1].end() : start].strip():
        start = before[-1].start()
    if text[floor:start].strip(" ,—–-"):
        return None  # the quote is inside the sentence, not its subject
    name = text[start : m.end()].rstrip()
    return Mention(name, start, start + len(name), named=True)


def speaker_before(text: str, end: int, floor: int) -> Mention | None:
    """The speaker's noun phrase ending at `end` (just before the verb), not before `floor`."""
    end = _before_adverbials(text, floor, end)
    words = [m for m in WORD.finditer(text, floor, end)]
    if not words:
        return None
    # Nothing but spaces (and an adverbial: "on Wednesday", "also") may stand between it and the verb.
    last = len(words) - 1
    tail = text[words[last].end() : end]
    quoted = _quoted_name_before(text, words, floor, end)
    if quoted is not None:  # "Der „Spiegel“ berichtete", "«Газпром» сообщил"
        return quoted
    if tail.strip() not in ("", ","):
        return None
    if tail.strip() == "" and words[last].group().endswith(("'s", "’s")):
        return None  # "Peskov's declared salary": a possessive owns what follows; it says nothing
    if tail.strip() == ",":  # "Peskov, the Kremlin spokesman, said": an apposition
        comma = text.rfind(",", floor, words[last].start())
        if comma == -1:
            return None
        inner = [k for k, w in enumerate(words) if w.start() > comma]
        segment = [words[k].group().lower().removesuffix("'s").removesuffix("’s") for k in inner]
        if not inner or segment[0] in _CLAUSE_CONJUNCTIONS:
            return None  # "… с Евросоюзом, но инициатива должна исходить от Брюсселя, заявил": a clause
        # "a diplomat, speaking on condition of anonymity, said", "Peskow, nach X gefragt, sagte"
        aside = (segment[0] in ASIDES or segment[-1] in ASIDE_ENDS) and len(inner) <= _ASIDE_WORDS
        short = len(inner) <= 14
        named = short and any(names_someone(words[k].group()) for k in inner)  # "His wife, Tatiana Navka,"
        if not (aside or named or (short and any(w in ROLES for w in segment))):
            # "Peskov, asked about the talks, which resumed on Monday, said": an aside with commas
            comma = _aside_start(text, words, comma, floor)
            if comma == -1:
                return None
            inner = [k for k, w in enumerate(words) if w.start() > comma]
            aside = True
        r0 = inner[0]
        if r0 == 0 or text[words[r0 - 1].end() : comma].strip():
            return None
        name = _phrase_back(text, words, r0 - 1, floor, names_only=not (aside or named))
        if name is None:
            return None
        n0, n1 = name
        appo = "" if aside else text[words[r0].start() : words[last].end()]
        return mention_at(text, words[n0].start(), words[n1].end(), apposition=appo)
    if words[last].group().lower() in PRONOUNS:
        w = words[last]
        lead = text[floor : w.start()].rstrip()
        joined = (
            lead.endswith((",", "—", "–", "-", '"', "”", "»", "“"))
            or re.search(_JOINS, lead)
            or _LEAD.fullmatch(lead)  # "Водночас він наголосив", "При этом он отметил"
            or _FRONTED.match(lead)  # "На запитання журналістів про … вона відповіла"
        )
        if lead and not joined:
            return None
        return Mention(w.group(), w.start(), w.end(), named=False, gender=pronoun_gender(w.group()))
    span = _phrase_back(text, words, last, floor)
    if span is None and _CYRILLIC.match(words[last].group()):
        span = _role_of_back(text, words, last, floor)
    if span is None:
        return None
    s0, s1 = span
    return mention_at(text, words[s0].start(), words[s1].end())


# What starts a clause, not an apposition, after a comma.
_CLAUSE_CONJUNCTIONS = frozenset(
    ("но", "а", "однако", "але", "проте", "but", "however", "aber", "doch", "sondern")
)


# A prepositional phrase between a Slavic subject and its verb: "Зеленський у вечірньому зверненні
# наголосив", "Песков после поражения от СКА (2:3 ОТ) заявил" (a few words, no clause's commas).
_SLAVIC_PP = re.compile(
    r"(?<!\S)(?:после|перед|в|во|на|у|по|от|при|в ходе|во время|після|під час|від|за)\s+"
    r"[^,.;!?\"“”—–]{1,60}$",  # a team's name in «» may be in it: "после поражения от «Авангарда»"
    re.U,
)
_PP_REACH = 80
_SLAVIC_PP_AT = re.compile(r"(?=(" + _SLAVIC_PP.pattern + "))", re.U)  # each start, overlapping


def speaker_before_phrase(text: str, end: int, floor: int) -> Mention | None:
    """The sentence's named subject before a prepositional phrase that ends at `end` (the verb):
    "Президент України Володимир Зеленський у вечірньому зверненні наголосив", or None."""
    start = max(floor, end - _PP_REACH)
    if not _CYRILLIC.search(text, start, end):
        return None
    # The phrase nearest the verb first: "Постійний представник Росії при ООН Василь Небензя у
    # відповідь заявив" is Небензя's, "при ООН" being inside his role
    for at in sorted((m.start(1) for m in _SLAVIC_PP_AT.finditer(text, start, end)), reverse=True):
        who = speaker_before(text, at, floor)
        if (
            who is not None
            and (who.named or any(w.lower() in ROLES for w in WORD.findall(who.text)))
            and (not (lead := text[floor : who.start].strip(" ,—–-")) or _LEAD.fullmatch(lead))
            and not _LEAD.fullmatch(who.text)  # "Ранее в МИД России сообщили"
        ):
            return who
    return None


# A pronoun starts a speaker's clause after a comma, a dash, a quote mark or one of these.
_JOINS = rf"(?i)\b(?:{JOINS})$"
# A prepositional phrase that opens the sentence, after which a pronoun is the subject.
_FRONTED = re.compile(
    r"(?:На|В|У|Во|После|Після|Под|Під|При|По|За|Перед|Asked|After|On|In|At|Auf|Nach|Bei|Im|Am)\s", re.U
)
# A sentence's opening adverb, after which a pronoun is the subject: "Однако он заявил".
_LEAD = re.compile(rf"(?i)(?:{PARENTHETICALS}|{WHEN})", re.U)
# At most so many words in an aside between the speaker and the verb ("The Kremlin's spokesman,
# asked on Monday about calls by Yulia Navalnaya for an international investigation into her
# husband's death, said"), and commas inside it.
_ASIDE_WORDS = 40
_ASIDE_COMMAS = 3


def _aside_start(text: str, words: list[re.Match[str]], comma: int, floor: int) -> int:
    """The comma before an aside that has commas of its own and ends at `comma`: the one whose
    next word starts an aside ("asked", "отвечая"), within `_ASIDE_WORDS` words and
    `_ASIDE_COMMAS` commas; -1 when there is none."""
    end = comma
    for _ in range(_ASIDE_COMMAS):
        comma = text.rfind(",", floor, comma)
        if comma == -1:
            return -1
        inner = [w for w in words if comma < w.start() < end]
        if not inner or len(inner) > _ASIDE_WORDS:
            return -1
        if inner[0].group().lower() in ASIDES:
            return comma
    return -1


def pronoun_gender(word: str) -> str:
    w = word.lower()
    return "f" if w in FEMININE_PRONOUNS else "m" if w in MASCULINE_PRONOUNS else ""


def _phrase_back(
    text: str, words: list[re.Match[str]], last: int, floor: int, names_only: bool = False
) -> tuple[int, int] | None:
    """The words [first, last] of a speaker's noun phrase that ends with words[last]: names,
    roles, titles, determiners, possessives ("Putin's press secretary"), of/for inside a role."""
    k = last
    head = words[k].group()
    if not (name_like(head) or (not names_only and head.lower() in ROLES)):
        return None
    while k > 0:
        prev = words[k - 1]
        gap = text[prev.end() : words[k].start()]
        word = prev.group()
        lower = word.lower()
        if gap.strip() in _QUOTE_CLOSERS and not names_only:  # "Нападающий «Трактора» Егор Песков"
            role = _role_before_quoted(text, words, k)
            if role is None:
                break
            k = role
            continue
        if gap not in (" ", "-", "’s ", "'s ") and not (gap == " " or gap.strip() in ("’s", "'s")):
            break
        if (
            lower in _NAME_PARTICLES
            and k > 1
            and (name_like(words[k - 2].group()) or words[k - 2].group() in _NAME_PARTICLES)
            and (name_like(words[k].group()) or words[k].group() in _NAME_PARTICLES)
        ):
            k -= 1  # "Патрік ван Леувен", "Ursula von der Leyen"
            continue
        if gap.strip() in ("’s", "'s") or word.endswith(("’s", "'s")):
            k -= 1
            continue
        if name_like(word) or word in TITLES or (not names_only and lower in _ROLES_OR_FORMER):
            k -= 1
            continue
        if (
            not names_only
            and gap == " "
            and lower.endswith(_SLAVIC_ADJECTIVE_ENDINGS)
            and _CYRILLIC.match(lower)
            and (
                words[k].group().lower() in ROLES
                or words[k].group().lower().endswith(_SLAVIC_ADJECTIVE_ENDINGS)
            )
        ):
            k -= 1  # "Міжнародний кримінальний суд", "российская сторона": the role's adjectives
            continue
        if (
            not names_only
            and gap == " "
            and word.islower()
            and lower.endswith(("e", "en", "er", "es"))
            and k > 1
            and words[k - 2].group().lower() in _GERMAN_ARTICLES
            and words[k].group()[:1].isupper()
        ):
            k -= 1  # "Das ukrainische Energieministerium", "Dem ukrainischen Energieminister"
            continue
        if not names_only and lower in _OF_BACK and k - 1 > 0:
            k -= 1
            continue
        if not names_only and lower in DETERMINERS:
            k -= 1
            break
        break
    while k <= last and words[k].group().lower() in ("of", "for", "to", "при"):
        k += 1
    if k > last:
        return None
    if not names_only:
        k = _modified(text, words, _role_ahead(text, words, k), last)
    return k, last


# A Slavic adjective's endings in the nominative, before the role it describes.
_SLAVIC_ADJECTIVE_ENDINGS = (
    "ий",
    "ій",
    "ый",
    "ой",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ие",
    "ська",
    "цька",
    "ні",
    "ські",
)
_SLAVIC_ADJECTIVE_BEFORE_ROLE = ("ий", "ій", "ый", "ой", "ая", "яя", "а", "і", "е", "я")
_GERMAN_ARTICLES = frozenset(("der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem"))
# Lowercase particles inside a name: "Патрік ван Леувен", "Ursula von der Leyen".
_NAME_PARTICLES = frozenset(("ван", "фон", "дер", "де", "van", "von", "de", "der", "ter", "ten"))
_QUOTE_CLOSERS = frozenset(("»", "”", "“", '"'))
_QUOTED_WORDS = 3


def _role_before_quoted(text: str, words: list[re.Match[str]], k: int) -> int | None:
    """Where a role starts that a short quoted name follows before the name at words[k]: "Нападающий
    «Трактора» Егор Песков", "Головний тренер «Кривбасу» Патрік ван Леувен"; None for anything else."""
    for q in range(k - 1, max(-1, k - 1 - _QUOTED_WORDS), -1):
        gap = text[words[q - 1].end() : words[q].start()] if q else ""
        if gap.strip() in ("«", "“", "„", '"'):
            before = words[q - 1].group().lower()
            if before in _ROLES_OR_FORMER and gap.endswith(("«", "“", "„", '"')):
                return q - 1
            return None
        if gap != " ":
            return None
    return None


# The roles, and with a prefix that makes them former ones: "ex-spokesman", "экс-пресс-секретарь"
# (one set lookup a word: the speaker's phrase is read word by word).
_ROLES_OR_FORMER = ROLES | frozenset(p + r for p in MODIFIER_PREFIXES for r in ROLES)


def _modified(text: str, words: list[re.Match[str]], k: int, last: int) -> int:
    """Where a phrase with a role starts with the modifiers right before it, and their article:
    "the former Kremlin spokesman", "der frühere Kremlsprecher", "бывший пресс-секретарь",
    "временно исполняющий обязанности"; the rules exclude a former or deputy spokesman by them."""
    m = k
    while (
        m > 0
        and text[words[m - 1].end() : words[m].start()] == " "
        and words[m - 1].group().lower() in MODIFIERS
    ):
        m -= 1
    if m == k or not any(words[j].group().lower() in _ROLES_OR_FORMER for j in range(k, last + 1)):
        return k
    if (
        m > 0
        and text[words[m - 1].end() : words[m].start()] == " "
        and words[m - 1].group().lower() in DETERMINERS
    ):
        m -= 1
    return m


# Words inside a role's phrase read backwards from the verb: "The spokeswoman for the ministry",
# "Die Sprecherin des Auswärtigen Amtes" (German's first "der" is an article: it stays).
_OF_BACK = frozenset(("of", "for", "to", "при", "des", "der"))


def _role_of_back(text: str, words: list[re.Match[str]], last: int, floor: int) -> tuple[int, int] | None:
    """A Slavic role and its genitive words, no name after them: "Пресс-секретарь президента
    заявил", "глава государства отметил"."""
    for r in range(last, max(-1, last - 6), -1):
        w = words[r].group()
        if w.lower() in ROLES and r < last:
            span = _phrase_back(text, words, r, floor)
            return (span[0], last) if span is not None else (r, last)
        if (
            not ((w.islower() or _chain_adjective(text, words, r)) and _CYRILLIC.match(w.lower()))
            or w in CHAIN_STOPS
        ):
            return None
        if r and text[words[r - 1].end() : words[r].start()] != " ":
            return None
    return None


_AND = frozenset(("and", "or", "und", "oder", "и", "или", "і", "й", "та", "або"))


def _role_ahead(text: str, words: list[re.Match[str]], k: int) -> int:
    """Where the phrase starts when a role leads a chain of words to the name, as Russian writes
    it: "Спецпредставитель президента по вопросам цифрового развития Дмитрий Песков"."""
    for r in range(k - 1, max(-1, k - 9), -1):
        if text[words[r].end() : words[r + 1].start()] != " ":
            return k
        if words[r].group().lower() in ROLES:
            start_ok = (
                r == 0
                or text[words[r - 1].end() : words[r].start()].strip() != ""
                or words[r - 1].group().lower() in DETERMINERS
                # "бывший спецпредставитель …", not "the acting director of … and Alex Azar"
                or (
                    words[r - 1].group().lower() in MODIFIERS
                    and not any(words[j].group().lower() in _AND for j in range(r + 1, k))
                )
            )
            return r if start_ok else k
    return k


def mention_at(text: str, start: int, end: int, apposition: str = "") -> Mention:
    """The mention text[start:end]: whether it names someone, and the gender it says."""
    phrase = text[start:end]
    tokens = [w.group() for w in WORD.finditer(phrase)]
    named = any(names_someone(t) for t in tokens)
    # Only a Cyrillic letter and a space before the name may end "по словам " (no regex otherwise).
    genitive = (
        start > 1
        and "а" <= text[start - 2] <= "я"
        and _GENITIVE_BEFORE.search(text, max(0, start - 16), start) is not None
    )
    return Mention(phrase, start, end, named, apposition, _gender(tokens, genitive))


# The words after which a Slavic name is in the genitive ("По словам Пескова", "За словами
# Пєскова", "такие слова Пескова"), whose endings say the gender otherwise than the nominative's.
_GENITIVE_BEFORE = re.compile(
    r"(?:словам|словами|слова|мнению|думку|информации|даними|слов)\s+$", re.U | re.I
)


def _gender(tokens: list[str], genitive: bool = False) -> str:
    """ "f" or "m" when a first name, a role or a Slavic surname's ending says so, else ""; in
    the genitive "Пескова" is his and "Песковой" hers."""
    if any(t in FEMALE_FIRST or t.lower() in WOMEN_ROLES for t in tokens):
        return "f"
    if any(t in MALE_FIRST or t.lower() in MEN_ROLES for t in tokens):
        return "m"
    names = [t for t in tokens if names_someone(t)]
    last = names[-1].lower() if names else ""
    if genitive and last.endswith(GENITIVE_FEMININE):
        return "f"
    if genitive and last.endswith(GENITIVE_MASCULINE):
        return "m"
    if len(last) > 4 and last.endswith(FEMININE_ENDINGS):
        return "f"
    if len(last) > 3 and last.endswith(MASCULINE_ENDINGS):
        return "m"
    return ""


def named_in(text: str, start: int, end: int, german: bool = False) -> list[Mention]:
    """The people named anywhere in text[start:end] whose gender their name says, in order: a
    run of capitalised words naming someone, not after a preposition of place, with a first name
    the lexicon knows or a Slavic surname's ending in any case ("Пескову", "с Песковым", "asked
    Peskov", "у Пескова"). What a pronoun in a later sentence may refer back to when no speaker or
    subject came between: "Reporters asked Peskov about the talks. "…," he said.". `german`: the
    text may be German, whose spellings' endings count too ("Peskow")."""
    out = []
    run: list[re.Match[str]] = []
    for w in _CAPITALISED.finditer(text, start, end):  # most words are not: no test of theirs
        if run and text[run[-1].end() : w.start()] not in (" ", "-"):
            out += _named_run(text, run, start, german)
            run = []
        if names_someone(w.group()):
            run.append(w)
        elif run:
            out += _named_run(text, run, start, german)
            run = []
    if run:
        out += _named_run(text, run, start, german)
    return out


# A word (tokens.WORD) that starts with a capital letter.
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-ÞА-ЯЁЄІЇҐ][^\W_]*(?:[-'’][^\W_]+)*", re.U)


def _named_run(text: str, run: list[re.Match[str]], floor: int, german: bool) -> list[Mention]:
    before = text[max(floor, run[0].start() - 12) : run[0].start()].split()
    preposition = before[-1].lower() if before else ""
    if preposition in LOCATIVES:
        return []
    tokens = [w.group().removesuffix("'s").removesuffix("’s") for w in run]
    if tokens[-1].startswith(NOT_SURNAME_STEMS):  # "Российского фонда": a thing's adjective
        return []
    gender = ""
    if any(t in FEMALE_FIRST for t in tokens):
        gender = "f"
    elif any(t in MALE_FIRST for t in tokens):
        gender = "m"
    else:
        last = tokens[-1].lower()
        if preposition in GENITIVE_PREPOSITIONS:  # "у Пескова" is his, "у Песковой" hers
            feminine, masculine = GENITIVE_FEMININE, GENITIVE_MASCULINE
        elif german:
            feminine, masculine = GERMAN_OBJECT_FEMININE, GERMAN_OBJECT_MASCULINE
        else:
            feminine, masculine = OBJECT_FEMININE, OBJECT_MASCULINE
        if len(last) > 4 and last.endswith(feminine):
            gender = "f"
        elif len(last) > 3 and last.endswith(masculine):
            gender = "m"
        elif len(last) > 4 and last.endswith(GENITIVE_MASCULINE) and _ACCUSATIVE_AFTER.fullmatch(preposition):
            gender = "m"  # "спросили Пескова": a verb's object, his accusative (hers is "Пескову")
    if not gender:
        return []
    return [Mention(text[run[0].start() : run[-1].end()], run[0].start(), run[-1].end(), True, gender=gender)]


# A verb (not a feminine past's "-ла", whose subject may follow it: "заявила Пескова") before an
# object in the accusative.
_ACCUSATIVE_AFTER = re.compile(r"[а-яёіїєґ]+(?<!ла)", re.U)


def names_someone(token: str) -> bool:
    """Whether a capitalised word of a phrase names someone (not "Russian", "Kremlin", "Mr")."""
    bare = token.removesuffix("'s").removesuffix("’s")
    return (
        name_like(bare) and bare.lower() not in ROLES and bare not in TITLES and bare not in DEMONYMS
        and bare not in INSTITUTIONS and not bare.isupper()
    )  # fmt: skip


def speaker_after_verb(text: str, start: int, end: int) -> Mention | None:
    """The speaker after an inverted verb, past whom it was told and when: "«…», — сообщил
    журналистам Песков", "Об этом заявил в понедельник Песков"."""
    who = speaker_after(text, start, end)
    if who is None and (told := _TOLD.match(text, start, end)) is not None and told.end() > start:
        who = speaker_after(text, told.end(), end)
        start = told.end()
    for place_after in _PLACE_AFTER if who is None else ():
        # "— пояснила на пресс-конференции председатель ЦБ Эльвира Набиуллина", "— написала в
        # телеграмі голова правління фонду Марія Певчих": where (one word, or two), then the speaker
        place = place_after.match(text, start, end)
        if place is None:
            continue
        who = speaker_after(text, place.end(), end)
        if who is not None and (who.named or any(w.lower() in ROLES for w in WORD.findall(who.text))):
            return who
        who = None
    return who


# Where it was said, between an inverted Slavic verb and its speaker: lowercase words after a
# preposition, two at most.
_PLACE_START = (
    r"\s+(?:на|в|во|у|в ходе|під час|во время|in|im|on)\s+"
    # not what was answered: "відреагувала на слова Пєскова" (his words, then the speaker)
    r"(?!(?:слова|слов|заяв\w*|вопрос\w*|запитання|питання|критик\w*|обвинени\w*|звинувачення)\b)"
)
_PLACE_AFTER = tuple(
    re.compile(_PLACE_START + place + r"\s+(?=[А-ЯЁІЇЄҐа-яёіїєґ])", re.U)
    for place in (
        r"(?:[а-яёіїєґ'’-]+|Telegram|X|Instagram|Facebook|YouTube)",
        r"[а-яёіїєґ'’-]+\s+[а-яёіїєґ'’-]+",
    )
)


# German's "der 61-Jährige", "die 27-Jährige": a person by their age, after an article.
AGE_NOUN = re.compile(r"\d{1,3}-[Jj]ährige[nr]?", re.U)


# Words inside a speaker's phrase after the verb: "the spokesman for the Kremlin", German's
# genitive "die Präsidentin des Gerichts" (not "der": "sagte Peskow der Zeitung").
_OF_AFTER = frozenset(("of", "for", "при", "von", "des"))


def speaker_after(text: str, start: int, end: int) -> Mention | None:
    """The speaker right after an inverted verb: "…," said Peskov; «…», — заявил Песков."""
    words = list(WORD.finditer(text, start, end))
    if words and text[start : words[0].start()].strip() in ("«", "„", "“", '"'):
        quoted = _QUOTED_NAME.match(text, start + len(text[start:end]) - len(text[start:end].lstrip()), end)
        if quoted is not None and len(quoted.group(1).split()) <= 4:  # "За даними «Інтерфакс-Україна», …"
            return Mention(quoted.group(), quoted.start(), quoted.end(), named=True)
    if not words or text[start : words[0].start()].strip():
        return None
    first = words[0].group()
    if first.lower() in PRONOUNS:
        return Mention(first, words[0].start(), words[0].end(), False, gender=pronoun_gender(first))
    k = 0
    if first.lower() in DETERMINERS:
        k = 1
    while k < len(words) - 1 and words[k].group().lower() in MODIFIERS:  # "sagte der frühere Kremlsprecher"
        k += 1
    while (
        k < len(words) - 1
        and _CYRILLIC.match(words[k].group())
        and words[k].group().islower()
        and words[k].group().endswith(_SLAVIC_ADJECTIVE_BEFORE_ROLE)
        and words[k + 1].group().lower() in ROLES
    ):
        k += 1  # "заявила верховна представниця ЄС …": the role's adjective
    after_article = text[max(0, start - 5) : start].split()[-1:] in (
        ["der"],
        ["des"],
        ["die"],
        ["dem"],
        ["den"],
    )
    while (
        (k > 0 or after_article)
        and k < len(words) - 1
        and (k == 0 or words[k - 1].group().lower() in _GERMAN_ARTICLES)
        and words[k].group().islower()
        and words[k].group().endswith(("e", "en", "er", "es"))
        and words[k + 1].group()[:1].isupper()
    ):
        k += 1  # "sagte der ukrainische Präsident", "Der langjährige Nawalny-Vertraute Leonid Wolkow"
    j = k
    while j < len(words):
        w = words[j].group()
        gap = text[words[j - 1].end() : words[j].start()] if j > k else " "
        if j > k and gap not in (" ", "-"):
            break
        bare = w.lower().removesuffix("'s").removesuffix("’s")
        if j > k and _CYRILLIC.match(bare) and _chain_adjective(text, words, j):
            break  # "прокурора Міжнародного кримінального суду Назхат Шамім Хан": a chain's
        if j > k and w in _NAME_PARTICLES and name_like(words[j - 1].group()):
            # "Ursula von der Leyen", "Bart De Wever" ahead: the particles, then the surname
            n = j
            while n < len(words) and words[n].group() in _NAME_PARTICLES and n - j < 2:
                n += 1
            if (
                n < len(words)
                and name_like(words[n].group())
                and text[words[n - 1].end() : words[n].start()] == " "
            ):
                j = n + 1
                continue
        if (
            name_like(w)
            or bare in _ROLES_OR_FORMER
            or (j == k and k and AGE_NOUN.fullmatch(w))
            or w in TITLES
            or (j > k and w.lower() in _OF_AFTER)
        ):
            j += 1
            continue
        break
    while j > k and words[j - 1].group().lower() in _OF_AFTER:
        j -= 1
    if j > k and any(w.group().lower() in ROLES for w in words[k:j]):
        j = _role_to_name(text, words, k, j)  # "представниця ЄС із закордонних справ Кая Каллас"
    if j == k:
        return None
    j = _genitive_chain(text, words, j)
    j = _past_possessive(text, words, j)
    mention = mention_at(text, words[0].start(), words[j - 1].end())
    rest = text[words[j - 1].end() : end]
    appo = re.match(r"\s*,\s*((?:the |a )?[^,.;:]{3,80}?)\s*(?:[,.;:]|$)", rest)
    if appo is None:
        return mention
    appo_words = WORD.findall(appo.group(1))
    if any(w.lower() in ROLES for w in appo_words) or (
        # "…," said the spokesman for President Putin, Dmitry Peskov: a role, then the name
        any(w.lower() in ROLES for w in WORD.findall(mention.text))
        and len(appo_words) <= 4
        and all(name_like(w) for w in appo_words)
        and any(names_someone(w) for w in appo_words)
    ):
        mention = Mention(
            mention.text, mention.start, mention.end, mention.named, appo.group(1), mention.gender
        )
    return mention


# A Slavic role's genitive words before the name: "пресс-секретарь президента Дмитрий Песков".
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.U)

# At most so many lowercase words between a role (or what opens the phrase) and the full name
# after it: "— розповіла дружина одного з полонених Олена Коваль", "— рассказал депутат Госдумы
# Игорь Сомов", "said a lawyer for the family, …" not (no full name follows).
_ROLE_WORDS_TO_NAME = 5
# German's articles: "sagte der Sprecher der Agentur Interfax" told Interfax (a dative), and
# German capitalises its nouns; "the", "a": "said a lawyer for the Smith family".
_NOT_IN_ROLE = frozenset(("der", "die", "das", "dem", "den", "des", "the", "a", "an"))


def _role_to_name(text: str, words: list[re.Match[str]], k: int, j: int) -> int:
    """Past the lowercase words after a role (words[j - 1]) to the full name (two capitalised
    words or more, the last naming someone) that ends it, or `j` as it was."""
    n = j
    while n < len(words) and n - j < _ROLE_WORDS_TO_NAME and not name_like(words[n].group()):
        w = words[n].group()
        if not w.islower() or w in _NOT_IN_ROLE or text[words[n - 1].end() : words[n].start()] != " ":
            return j
        n += 1
    m = n
    while (
        m < len(words)
        and name_like(words[m].group())
        and (m == 0 or text[words[m - 1].end() : words[m].start()] == " ")
    ):
        m += 1
    if m - n < 2 or not names_someone(words[m - 1].group()) or m - k > _ROLE_WORDS_TO_NAME + 6:
        return j
    return m


# Words whose "'s" is "is" or "has": "That’s", "It’s", "Here’s".
_NOT_OWNERS = frozenset(("that", "it", "here", "there", "what", "who", "where", "he", "she", "let", "this"))
# At most so many lowercase words of a role between a possessive and the name it owns.
_OWNED_ROLE_WORDS = 3


def _past_possessive(text: str, words: list[re.Match[str]], j: int) -> int:
    """Past a phrase that a possessive opens, to the name it leads to: "Ukraine's chief
    negotiator Rustem Umerov" is Umerov, not Ukraine; words[j] is the first word not read yet.
    The words between are a role's, lowercase and joined by spaces; a name must end them."""
    owners = [w.group() for w in words[max(0, j - 3) : j] if w.group().endswith(("'s", "’s"))]
    if not owners or not all(names_someone(w) and w[:-2].lower() not in _NOT_OWNERS for w in owners):
        return j  # "That’s when Harper …": a contraction, no one's
    n = j
    role_end = j  # past the last role among them: "Mongolia's foreign ministry" is the ministry
    while n < len(words) and n - j < _OWNED_ROLE_WORDS and words[n].group().islower():
        if text[words[n - 1].end() : words[n].start()] != " ":
            break
        n += 1
        if words[n - 1].group() in ROLES:
            role_end = n
    if role_end > j and (n >= len(words) or not name_like(words[n].group())):
        return role_end
    if n == j or n >= len(words) or text[words[n - 1].end() : words[n].start()] != " ":
        return j
    m = n
    while (
        m < len(words) and name_like(words[m].group()) and text[words[m - 1].end() : words[m].start()] == " "
    ):
        m += 1
    return m if m > n and any(names_someone(w.group()) for w in words[n:m]) else j


# A capitalised adjective in the genitive inside a role's chain, not a name: "прокурора
# Міжнародного кримінального суду Назхат Шамім Хан", "прокурор Международного уголовного суда".
# Only one a lowercase word follows: not a first name ("Сергей") or a surname ("Певчих").
_GENITIVE_ADJECTIVE = re.compile(r"(?:ого|его|ої|ой|ых|их|іх)$", re.U)


def _chain_adjective(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether words[i] is a capitalised genitive adjective inside a chain of lowercase words."""
    w = words[i].group()
    return (
        _GENITIVE_ADJECTIVE.search(w) is not None
        and i + 1 < len(words)
        and text[words[i].end() : words[i + 1].start()] == " "
        and words[i + 1].group().islower()
        and _CYRILLIC.match(words[i + 1].group()) is not None
    )


# Capitalised offices in the genitive inside a role's chain before the name.
_CHAIN_INSTITUTIONS = frozenset(
    (
        "Офісу", "Офиса", "Міністерства", "Министерства", "Ради", "Совета", "Кабінету", "Кабинета",
        "Комітету", "Комитета", "Служби", "Службы", "Управління", "Управления", "Адміністрації",
        "Администрации", "Посольства", "Уряду", "Правительства", "Апарату", "Аппарата", "Генштабу",
        "Генштаба", "Секретаріату", "Секретариата",
    )
)  # fmt: skip


def _genitive_chain(text: str, words: list[re.Match[str]], j: int) -> int:
    """Where a speaker after the verb ends when its last word so far is a Slavic role that a few
    lowercase genitive words tie to a name: "сообщил пресс-секретарь президента Дмитрий Песков"
    ends after "Песков", not after "пресс-секретарь". Else `j` as it is."""
    role = words[j - 1].group()
    if role in _CHAIN_INSTITUTIONS and j >= 2 and words[j - 2].group().lower() in ROLES:
        role = words[j - 2].group()  # "Керівник Офісу президента Андрій Єрмак": the office is the role's
    if role.lower() not in ROLES or not _CYRILLIC.match(role.lower()):  # "глава МИД республики Петер"
        return j
    n = j
    while n < len(words) and n - j < 8 and text[words[n - 1].end() : words[n].start()] == " ":
        w = words[n].group()
        adjective = _chain_adjective(text, words, n)
        if name_like(w) and not adjective:
            break
        if not ((w.islower() or adjective) and _CYRILLIC.match(w.lower())) or w in CHAIN_STOPS:
            return j
        n += 1
    if n == j or n == len(words) or text[words[n - 1].end() : words[n].start()] != " ":
        return j
    while (
        n < len(words) and name_like(words[n].group()) and text[words[n - 1].end() : words[n].start()] == " "
    ):
        n += 1
    return n if any(names_someone(words[m].group()) for m in range(j, n)) else j


def strip_relative(mention: Mention) -> Mention:
    """ "Elizaveta Peskova, the daughter of the Kremlin spokesman": she speaks, not he. An
    apposition naming whose relative the speaker is keeps only the relation."""
    appo = without_relation(mention.apposition)
    return mention if appo == mention.apposition else replace(mention, apposition=appo)
