"""The coordinated form: the sentence's subject, then verbs coordinated with "and" of which only a
later one reports speech. "Peskov, the Kremlin spokesman, arrived in Minsk and told reporters
that …", "Песков, пресс-секретарь президента, прокомментировал ситуацию и заявил, что …",
"Peskow traf in Minsk ein und sagte, …". Not "Peskov arrived and met X" (no speech), nor "Peskov
arrived, and officials said …" (their words)."""

from __future__ import annotations

import re

from ..lexicon import PRONOUNS, ROLES, THAT
from ..mentions import Mention, speaker_after
from ..tokens import WORD

# The conjunction just before the reporting verb: "and (then) told", "и заявил", "und sagte".
_CONJ = ("and", "и", "і", "та", "й", "und")
_THEN = (
    "then",
    "later",
    "also",
    "затем",
    "потом",
    "также",
    "тоже",
    "потім",
    "також",
    "dann",
    "später",
    "auch",
)
_AND = re.compile(rf"\b(?:{'|'.join(_CONJ)})(?:\s+(?:{'|'.join(_THEN)}))?\s*$", re.U | re.I)
# The same as endings of the text before the verb, for one str.endswith before any regex.
ENDS_AND = tuple(f" {c}" for c in _CONJ) + tuple(f" {c} {t}" for c in _CONJ for t in _THEN)
# What the subject's own verbs may not hold: a clause of someone else's ("said that Kyiv would
# agree and told …"), a relative clause, a quote. (German's relative pronouns are its articles,
# so they are not looked for.)
_OTHER_CLAUSE = re.compile(
    r"\b(?:" + "|".join(w for w in THAT if w[0] != ",") + r"|who|which|который|которая|которые|который|"
    r"який|яка|які)\b|[\"“”«»„]",
    re.U | re.I,
)
# A short adverbial before the subject: "On Tuesday, Peskov arrived …".
_OPENING = re.compile(r"[^,.;:!?\"“«„]{2,30},\s+", re.U)
# A time that opens the sentence without a comma: "Later in the day Peskov met … and told …".
WHEN_OPENING = re.compile(
    r"(?:Later|Earlier|Afterwards|Then|Meanwhile|Позже|Позднее|Затем|Потом|Пізніше|Згодом|Потім|Später|Danach"
    r"|Zuvor|Ранее|Наприкінці|Раніше|В конце|Наконец|Нарешті)"
    r"(?:\s+(?:in|on|that|the|this|at|в|у|am|an|im)(?:\s+[\w-]+){1,2})?\s+(?=[A-ZА-ЯЁІЇЄҐÄÖÜ]|(?:он|она|они|він|вона|вони|he|she|they|er|sie)\b)",
    re.U,
)
_MAX_PREDICATE = 160
# Words after which the subject goes on: it is not the speaker alone.
_MORE_SUBJECTS = frozenset(("and", "or", "и", "или", "і", "та", "й", "або", "und", "oder", "sowie"))


def coordinated_subject(text: str, s0: int, at: int) -> Mention | None:
    """The sentence's subject when the verb at `at` is coordinated with its first verb ("and
    told"), or None."""
    conj = _AND.search(text, max(s0, at - 24), at)
    if conj is None:
        return None
    start = s0
    subject = speaker_after(text, start, conj.start())
    if (
        subject is None
        and (opening := _OPENING.match(text, s0, conj.start()) or WHEN_OPENING.match(text, s0, conj.start()))
        is not None
    ):
        start = opening.end()
        subject = speaker_after(text, start, conj.start())
    if subject is None or subject.start != start:
        return None
    words = [w.lower() for w in WORD.findall(subject.text)]
    if not (subject.named or any(w in ROLES for w in words) or subject.text.lower() in PRONOUNS):
        return None
    p0 = subject.end
    if subject.apposition:
        appo = text.find(subject.apposition, subject.end, conj.start())
        p0 = appo + len(subject.apposition) if appo != -1 else p0
        p0 += len(text[p0 : conj.start()]) - len(text[p0 : conj.start()].lstrip(" ,"))
    else:
        p0 = _past_aside(text, p0, conj.start())
    predicate = text[p0 : conj.start()].strip()
    first = WORD.match(predicate)
    if (
        first is None
        or not first.group().islower()
        or first.group() in _MORE_SUBJECTS  # "Peskov and Lavrov arrived and said": both of them
        or len(predicate) > _MAX_PREDICATE
        or _OTHER_CLAUSE.search(predicate) is not None
    ):
        return None
    return subject


# An aside between the subject and its verbs, in commas: "Песков, прилетевший накануне в
# Екатеринбург, осмотрел …", "Пєсков, який супроводжує делегацію в Душанбе, вийшов …", "Віктор
# Орбан, прем'єр-міністр Угорщини, прибув …" (a role the lexicon does not know).
_ASIDE = re.compile(r"\s*,\s*([^,.;:!?\"“”«»„]{3,100}?),\s*", re.U)
_ASIDE_WORDS = 12


def _past_aside(text: str, at: int, end: int) -> int:
    """Where the subject's verbs start: past an aside in commas right after the subject."""
    aside = _ASIDE.match(text, at, end)
    if aside is None:
        return at
    words = WORD.findall(aside.group(1))
    if not words or len(words) > _ASIDE_WORDS or words[0].lower() in _MORE_SUBJECTS:
        return at
    return aside.end()
