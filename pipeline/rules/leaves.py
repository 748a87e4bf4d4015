"""Words as written in a query or an alias -> leaves (terms, prefixes, exact words).

word_slots("Navaln*")        -> (Prefix("navaln"),)
word_slots("=ICC")           -> (Exact("ICC"),)
word_slots("Lvova-Belova")   -> (Term("lvova"), Term("belova"))      # a phrase
phrase_slots("Navaln* team") -> (Prefix("navaln"), Term("team"))
"""

from __future__ import annotations

from functools import lru_cache

from .nodes import Exact, Leaf, Node, Phrase, Prefix, Term
from .text import fold, is_one_word, surface, tokenize

__all__ = ["QUOTES", "LeafError", "phrase_slots", "to_node", "variant_slots", "word_slots"]

QUOTES = '"\u201c\u201d\u201e'


class LeafError(ValueError):
    """A word that cannot be matched as written; the caller knows where it was."""


@lru_cache(maxsize=1 << 16)
def word_slots(text: str, exact: bool = False) -> tuple[Leaf, ...]:
    """One whitespace-free word: `=` makes it exact, a final `*` a prefix; may split in several."""
    if not exact and is_one_word(text):  # the common case: one plain word
        folded = fold(text)
        if folded:  # (a word of marks only, such as U+FF9E, folds to nothing)
            return (Term(folded),)
    if text.startswith("="):
        if exact or len(text) == 1:
            raise LeafError(f"{text!r}: '=' must be followed directly by the exact word, e.g. =ICC")
        text, exact = text[1:], True
    star = text.find("*")
    if star != -1:
        if star != len(text) - 1:
            raise LeafError(f"{text!r}: a wildcard '*' is only allowed at the end of a word")
        if exact:
            raise LeafError(f"{text!r}: an exact word (=) cannot also be a prefix (*)")
        stem = tokenize(text[:-1])
        if not stem or stem[-1].end != len(text) - 1:
            raise LeafError(f"{text!r}: a prefix needs a letter or digit right before '*'")
        # "пресс-секретар*" is the phrase пресс + секретар*: only the last word is a prefix.
        return (*(Term(t.folded) for t in stem[:-1]), Prefix(stem[-1].folded))
    tokens = tokenize(text)
    if not tokens:
        raise LeafError(f"{text!r} has no letters or digits to match")
    if exact:
        return tuple(Exact(surface(text[t.start : t.end])) for t in tokens)
    return tuple(Term(t.folded) for t in tokens)


def phrase_slots(text: str, exact: bool = False) -> tuple[Leaf, ...]:
    """The words of a quoted phrase; each may be a prefix (`word*`) or exact (`=Word`)."""
    slots: list[Leaf] = []
    for chunk in text.split():
        try:
            slots.extend(word_slots(chunk, exact))
        except LeafError:
            if not tokenize(chunk) and "*" not in chunk and "=" not in chunk:
                continue  # punctuation inside a phrase ("a - b") is not a word
            raise
    if not slots:
        raise LeafError("empty phrase: a quoted phrase needs at least one letter or digit")
    return tuple(slots)


@lru_cache(maxsize=1 << 14)
def variant_slots(variant: str) -> tuple[Leaf, ...]:
    """One alias variant: a word, a "phrase" (quotes optional), a prefix* or an =exact word."""
    v = variant.strip()
    exact = len(v) >= 3 and v[0] == "=" and v[1] in QUOTES and v[-1] in QUOTES  # ="Rome Statute"
    if exact:
        v = v[1:]
    if len(v) >= 2 and v[0] in QUOTES and v[-1] in QUOTES:
        v = v[1:-1]
    return phrase_slots(v, exact)


def to_node(slots: tuple[Leaf, ...]) -> Node:
    return slots[0] if len(slots) == 1 else Phrase(slots)
