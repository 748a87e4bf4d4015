"""Reporting verbs and participles where they stand in a text, found for the whole text at once
(and any other words a form looks for, in the same scan: a refusal's)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import PARTICIPLES, VERBS
from .tokens import IN_A_WORD

# Which verb forms a text holds is a set intersection over its words (C speed); only those are
# then found, with str.find (bench/README.md, "Statements").
_VERB_FORMS = VERBS | PARTICIPLES
VERB_FORMS = _VERB_FORMS
_LETTERS = re.compile(r"[^\W\d_]+", re.U)  # verb forms are letters only


@dataclass(frozen=True, slots=True)
class Verb:
    """A reporting verb where it stands (the parts of re.Match the patterns use)."""

    at: int
    stop: int
    word: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.stop

    def span(self) -> tuple[int, int]:
        return self.at, self.stop

    def group(self) -> str:
        return self.word


def find_verbs(text: str) -> list[Verb]:
    """Every reporting verb and participle of the text, as written in lowercase (a form
    capitalised mid-sentence is a name: "the United States"), whole words, in order."""
    return find_words(text, _VERB_FORMS)


def find_words(text: str, forms: frozenset[str]) -> list[Verb]:
    """Every word of `forms` in the text, as `find_verbs` finds its verbs."""
    shouted = not any(c.islower() for c in text) and len(text.lower()) == len(text)
    probe = text.lower() if shouted else text  # "KREMLIN SPOKESMAN DMITRY PESKOV SAID …"
    present = forms.intersection(_LETTERS.findall(probe))
    found = []
    for form in present:
        at = probe.find(form)
        while at != -1:
            end = at + len(form)
            if not (at and IN_A_WORD.match(text, at - 1)) and not IN_A_WORD.match(text, end):
                found.append(Verb(at, end, text[at:end]))
            at = probe.find(form, end)
    found.sort(key=Verb.start)
    return found
