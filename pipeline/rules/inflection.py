"""Names in every case form: "Песков" -> Песков, Пескова, Пескову, Песковым, Пескове.

Russian and Ukrainian decline people's names ("По словам Пескова", "Пєскову поставили питання"),
so a name written once in `people:` (or an alias marked as names) must match each of its forms.
The forms come from pymorphy3 with the OpenCorpora (Russian) and VESUM (Ukrainian) dictionaries
of its PyPI packages: a name in the dictionary is declined as the dictionary says; a name it does
not know ("Зюзюкин", "Кшиштофов") is declined by its guesser, by analogy with the known words
that end the same way. A Latin name is left as it is (English and German add at most a
possessive -s, which the aliases list as transliterations do: Peskows).

    case_forms("Песков")          -> ["Песков", "Пескова", "Пескову", "Песковым", "Пескове"]
    case_forms("Дмитрий Песков")  -> ["Дмитрий Песков", "Дмитрия Пескова", ...]  (case by case)

Only the singular of the name's own gender is taken: "Песков" gives no "Пескова" as a woman's
name (his daughter), though the genitive "Пескова" is also written so; and no plural
("Песковы", the family). The analyzers are built once per process, on first use, when the rules
load (bench/README.md, "Names": about 0.13 s and 40 MB for both languages); nothing is declined
per article.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["case_forms", "is_cyrillic"]

_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")  # letters only Ukrainian has
_RUSSIAN = re.compile("[ыэъёЫЭЪЁ]")  # letters only Russian has
_CYRILLIC = re.compile("[а-яА-ЯёЁіїєґІЇЄҐ]")
# The cases a name is declined into: Russian has six (and the locative "в Пескове" is the
# prepositional), Ukrainian seven with the vocative ("пане Пєскове").
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "voct")
# What a name's own reading is tagged with, best first: a surname, a first name, a patronymic.
_NAME_TAGS = ("Surn", "Name", "Patr")


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


def case_forms(name: str) -> list[str]:
    """`name` (a word or a phrase of names, as written in the config) and its case forms, itself
    first; a phrase is declined word by word in the same case ("Дмитрия Пескова"). A name with
    no Cyrillic word is returned alone."""
    return list(_case_forms(name))


@functools.cache
def _case_forms(name: str) -> tuple[str, ...]:
    words = name.split()
    if not any(is_cyrillic(w) for w in words):
        return (name,)
    out: dict[str, None] = {name: None}
    for lang in _languages(words):
        declined = [_declined(w, lang) for w in words]
        for case in _CASES:
            if not all(case in forms or not forms for forms in declined):
                continue
            if len(words) == 1:  # every spelling of the case
                out.update(dict.fromkeys(declined[0].get(case, [])))
                continue
            phrase = (f[case][0] if f else w for w, f in zip(words, declined, strict=True))
            out.setdefault(" ".join(phrase), None)
    return tuple(out)


def _languages(words: list[str]) -> list[str]:
    """Ukrainian for a name with a letter only Ukrainian has, Russian for one with a letter only
    Russian has; otherwise Russian, and Ukrainian too when its dictionary knows every word
    ("Дмитро", "Навальний" are Ukrainian; the Ukrainian guesser would decline "Юлия" as nonsense)."""
    text = " ".join(words)
    if _UKRAINIAN.search(text) and not _RUSSIAN.search(text):
        return ["uk"]
    if _RUSSIAN.search(text) and not _UKRAINIAN.search(text):
        return ["ru"]
    uk = _analyzer("uk")
    known = all(uk.word_is_known(w.lower()) for w in words if is_cyrillic(w))
    return ["ru", "uk"] if known else ["ru"]


def _declined(word: str, lang: str) -> dict[str, list[str]]:
    """case -> the word in that case (Ukrainian has two locatives: "Іванову", "Іванові"), spelt
    with the word's own capitals; {} when it cannot be read as a name (it is kept as written)."""
    if not is_cyrillic(word) or "-" in word:
        return {}
    analyzer = _analyzer(lang)
    parse = _name_reading(analyzer.parse(word))
    analogy: tuple[str, str] | None = None  # (the word's stem, the model's stem, lowercase)
    if parse is None:  # read only as something else's plural ("Кшиштофов": of Кшиштоф)
        ending = next((e for e in _MODELS[lang] if word.lower().endswith(e)), None)
        if ending is None:
            return {}
        model = _MODELS[lang][ending]
        parse = _name_reading(analyzer.parse(model))
        if parse is None:  # pragma: no cover - the models are in the dictionaries
            return {}
        analogy = (word[: -len(ending)], model[: -len(ending)].lower())
    gender = parse.tag.gender
    found: dict[str, list[str]] = {}
    for form in parse.lexeme:
        tag = form.tag
        if tag.case in _CASES and tag.number != "plur" and (gender is None or tag.gender in (gender, None)):
            written = analogy[0] + form.word[len(analogy[1]) :] if analogy else form.word
            forms = found.setdefault(tag.case, [])
            spelt = _capitalised_like(word, written)
            if spelt not in forms:
                forms.append(spelt)
    return found


# A surname the analyzer reads only as something else (the plural of a first name it knows) is
# declined like a common surname with its ending: the guesser's own method, by analogy, for the
# endings where it guesses wrong.
_MODELS: dict[str, dict[str, str]] = {
    "ru": {"ов": "Иванов", "ев": "Лебедев", "ёв": "Королёв", "ин": "Путин", "ын": "Птицын"},
    "uk": {"ов": "Іванов", "ев": "Лебедев", "ін": "Пушкін", "ин": "Бородин"},
}


def _name_reading(parses: Iterable[Any]) -> Any | None:
    """The reading of a word as a person's name in the nominative singular: a noun tagged as a
    surname, first name or patronymic if any (the dictionary's or the guesser's), else an
    adjective (the surnames declined as one: "Навальная", "Толстая"), else an animate noun, else
    any noun; None when there is no nominative singular reading of those."""
    singular = [p for p in parses if p.tag.case == "nomn" and p.tag.number != "plur"]
    nouns = [p for p in singular if p.tag.POS == "NOUN"]
    for tag in _NAME_TAGS:
        named = [p for p in nouns if tag in p.tag]
        if named:
            return named[0]
    adjectives = [p for p in singular if p.tag.POS == "ADJF"]
    animate = [p for p in nouns if "anim" in p.tag]
    return (adjectives or animate or nouns or [None])[0]


def _capitalised_like(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


@functools.cache
def _analyzer(lang: str) -> Any:
    # Imported here: only a config with Cyrillic names pays for the dictionaries.
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@functools.cache
def name_lemmas(word: str) -> frozenset[str]:
    """The lowercased dictionary forms a Cyrillic word may be a case form of, read as a name
    (surname, first name, patronymic, or a surname declined as an adjective), with the word
    itself: two case forms of one name share one ("Пескова" and "Песковым": "песков"), a
    woman's and a man's never ("Навальной": "навальная"). A word
    with no Cyrillic letter is only itself."""
    own = word.lower()
    if not is_cyrillic(word):
        return frozenset((own,))
    out = {own}
    for lang in _languages([word]):
        for parse in _analyzer(lang).parse(word):
            if parse.tag.POS == "ADJF" or (
                parse.tag.POS == "NOUN" and any(tag in parse.tag for tag in _NAME_TAGS)
            ):
                # its nominative in its own gender: "Навальной" is Навальная's, not Навальный's
                nominative = parse.inflect({"nomn"})
                if nominative is not None:
                    out.add(nominative.word)
    return frozenset(out)
