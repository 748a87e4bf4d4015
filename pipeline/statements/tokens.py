"""What a word is to the patterns: a run of letters and digits, with its inner hyphens and
apostrophes, and whether a match starts one."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A word: letters and digits, with the hyphens and apostrophes inside it ("пресс-секретарь", "Putin's").
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.U)
# What may stand inside a word: a match right after one does not start a word.
IN_A_WORD = re.compile(r"[\w'’-]", re.U)


def starts_words(text: str, matches: Iterable[re.Match[str]]) -> list[re.Match[str]]:
    """The matches that start a word (not "slaut " inside "Verlaut ")."""
    return [m for m in matches if not (m.start() and IN_A_WORD.match(text, m.start() - 1))]
