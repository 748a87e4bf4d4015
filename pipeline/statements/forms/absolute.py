"""The absolute form: a statement in an absolute clause. "…, with Peskov saying (that) …", "…,
with Politico reporting that …" (and "… and officials reporting that …" after one), "…, wobei
Peskow betonte, dass …" (found as a reported clause, then marked)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..lexicon import ABSOLUTE_PARTICIPLES, WOBEI
from ..mentions import speaker_before
from ..model import Statement
from ..quotes import Quote
from .clause import content_after, make_statement

# "with" opens the clause; "and" a second one after it ("with X saying … and Y reporting …").
_WITH = re.compile(r"\bwith\s+", re.U)
# What may stand before the speaker: nothing, or how many of them.
_QUANTIFIERS = frozenset(("", "one", "another", "some", "many", "several", "two", "three", "most"))
_AND = re.compile(r"\s+and\s+", re.U)
# A few words (no punctuation but a name's full stop), then a participle: one regex, not a loop.
_SPEAKER_PARTICIPLE = re.compile(
    r"((?:[^\W\d_][\w'’.-]*\s+){1,8}?)(" + "|".join(sorted(ABSOLUTE_PARTICIPLES)) + r")\b", re.U
)


def absolute(text: str, s0: int, s1: int, quotes: list[Quote]) -> list[Statement]:
    """The sentence's "with X saying …" statements."""
    out: list[Statement] = []
    for m in _WITH.finditer(text, s0, s1):
        if out and m.start() < out[-1].content_end:
            continue
        st = _clause(text, m.end(), s1, quotes, (s0, s1)) or next(
            (  # "with the Kremlin blaming Kyiv and Peskov adding that …"
                n
                for a in _AND.finditer(text, m.end(), s1)
                if (n := _clause(text, a.end(), s1, quotes, (s0, s1)))
            ),
            None,
        )
        while st is not None:
            nxt = next(
                (
                    n
                    for a in _AND.finditer(text, st.content_start, st.content_end)
                    if (n := _clause(text, a.end(), s1, quotes, (s0, s1))) is not None
                ),
                None,
            )
            if nxt is None:
                out.append(st)
                break
            cut = text[st.content_start : nxt.speaker_start]
            head = re.sub(r"\s+and\s*$", "", cut.rstrip())
            out.append(replace(st, content=head, content_end=st.content_start + len(head)))
            st = nxt
    return out


def _clause(text: str, at: int, s1: int, quotes: list[Quote], sentence: tuple[int, int]) -> Statement | None:
    """The statement of a speaker at `at` and a participle after it, or None."""
    m = _SPEAKER_PARTICIPLE.match(text, at, s1)
    if m is None:
        return None
    who = speaker_before(text, m.start(2), at)
    if who is None or text[at : who.start].strip().lower() not in _QUANTIFIERS:  # "with one official saying"
        return None
    content = content_after(text, m.end(2), s1, quotes, bare=True)
    if content is None:
        return None
    return make_statement(text, who, m.span(2), content, sentence, "absolute")


def wobei(text: str, st: Statement) -> Statement:
    """A reported statement right after "wobei" is in an absolute clause."""
    if st.form == "reported" and WOBEI.search(text, max(0, st.speaker_start - 10), st.speaker_start):
        return replace(st, form="absolute")
    return st
