"""fold, tokenize and words: the one definition of a word, shared by queries and documents."""

from __future__ import annotations

import itertools
import random
import signal

import pytest

from pipeline.rules import fold, tokenize, words
from pipeline.rules.text import _ASKS_BEFORE_ALL, WordLocator, raw_words, spans, surface


def folded(text: str) -> list[str]:
    return [t.folded for t in tokenize(text)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Peskov", "peskov"),
        ("Café", "cafe"),
        ("cafe\u0301", "cafe"),  # decomposed é
        ("Ёлка", "елка"),
        ("ёлка", "елка"),
        ("Йошкар", "иошкар"),
        ("йод", "иод"),
        ("И\u0306", "и"),  # decomposed й
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("ﬁnal", "final"),
        ("Navalny’s", "navalny's"),
        ("Navalny‘s", "navalny's"),
        ("Navalnyʼs", "navalny's"),  # U+02BC modifier letter apostrophe
        ("Lvova–Belova", "lvova-belova"),
        ("Lvova—Belova", "lvova-belova"),
        ("Lvova‐Belova", "lvova-belova"),
        ("Lvova−Belova", "lvova-belova"),  # minus sign
        ("already folded", "already folded"),
    ],
)
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # possessives are dropped, straight or curly, any case, after letters or digits
        ("Navalny's widow", ["navalny", "widow"]),
        ("Navalny’s widow", ["navalny", "widow"]),
        ("Navalnyʼs widow", ["navalny", "widow"]),
        ("the ICC’s view", ["the", "icc", "view"]),
        ("THE ICC'S VIEW", ["the", "icc", "view"]),
        ("the 1990's", ["the", "1990"]),
        ("Peskov’s, Lavrov's.", ["peskov", "lavrov"]),
        ("O'Neill's", ["o", "neill"]),
        # other apostrophes and hyphens split words
        ("O'Neill", ["o", "neill"]),
        ("Oʼneill", ["o", "neill"]),
        ("don't", ["don", "t"]),
        ("Navalny'sche", ["navalny", "sche"]),  # not a possessive: the word goes on
        ("'s alone", ["s", "alone"]),  # nothing before the apostrophe: not a possessive
        ("Maria Lvova-Belova", ["maria", "lvova", "belova"]),
        ("Maria Lvova–Belova", ["maria", "lvova", "belova"]),
        ("2024-05-01", ["2024", "05", "01"]),
        # punctuation, quotes, digits, underscores
        ("“We are not parties,” Peskov told.", ["we", "are", "not", "parties", "peskov", "told"]),
        ("snake_case 2024", ["snake", "case", "2024"]),
        ("__init__", ["init"]),
        ("G7 i18n", ["g7", "i18n"]),
        ("10:30", ["10", "30"]),
        # Cyrillic and folding
        ("Навального, Навальным!", ["навального", "навальным"]),
        ("Ёлка и йод", ["елка", "и", "иод"]),
        ("Песков’s", ["песков"]),
        ("cafe\u0301 au lait", ["cafe", "au", "lait"]),
        ("CAFÉ café", ["cafe", "cafe"]),
        ("ﬁnal", ["final"]),
        ("  ", []),
        ("", []),
        ("?!… — «»", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert folded(text) == expected


@pytest.mark.parametrize("text", ["Jose\u0301's visit", "Jose\u0301’s visit"])
def test_possessive_after_a_decomposed_accent_is_dropped(text: str) -> None:
    assert words(text) == folded(text) == ["jose", "visit"]


VARIED = [
    "Kremlin spokesman Dmitry Peskov’s remarks, «Навальным» and cafe\u0301!",
    "ICC’s judges; Rome Statute (1998) art. 5-8",
    "ЁЛКА йод ИЙ ёжик\u0308",
    "Zürich Zu\u0308rich ZÜRICH",
    "snake_case__x_'s _'s 9's",
    "O'Neill's O’Neill’s Oʼneill′s",
    "ﬁnal ﬂat ½ ² ⅷ",
    "Straße İstanbul ΣΊΣΥΦΟΣ",
    "東京 2024年 北京",
    "a\u0301\u0302b c\u0327",
    "\u0301leading mark",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp",
]


def _random_texts(count: int, seed: int) -> list[str]:
    alphabet = [*"aZé'’s -_09.,", "Ё", "ё", "й", "Й", "\u0301", "\u0308", "ʼ", "\u2010", "—", "’s", "ß", "ﬁ"]
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(count)]


def _offsets(text: str) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in tokenize(text)]


@pytest.mark.parametrize("text", VARIED)
def test_words_and_spans_agree_with_tokenize(text: str) -> None:
    assert words(text) == folded(text)
    assert spans(text) == _offsets(text)


def test_words_and_spans_agree_with_tokenize_on_random_texts() -> None:
    texts = _random_texts(2000, seed=7)
    assert [t for t in texts if words(t) != folded(t)] == []
    assert [t for t in texts if spans(t) != _offsets(t)] == []


def test_words_of_ascii_words_among_other_characters_are_the_tokens() -> None:
    # Such texts take the bytes road (no regex): every non-ASCII character, one code unit or two,
    # and every ASCII non-letter must split words exactly as tokenize does.
    alphabet = [*"aZz09 -_'.,:;\t\n\x00\x7f", *"’“—\u00a0\u2028€😀\ud800", "’s", "'S"]
    rng = random.Random(11)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    assert [t for t in texts if words(t) != folded(t)] == []
    as_written = [[t[a:b] for a, b in _offsets(t)] for t in texts]
    assert [t for t, raw in zip(texts, as_written, strict=True) if raw_words(t) != raw] == []


def test_tokens_point_into_the_original_text() -> None:
    text = "  Kremlin spokesman Dmitry Peskov’s, «Навальным» and cafe\u0301 O'Neill!"
    tokens = tokenize(text)
    assert [t.index for t in tokens] == list(range(len(tokens)))
    assert [text[t.start : t.end] for t in tokens] == [
        "Kremlin",
        "spokesman",
        "Dmitry",
        "Peskov",
        "Навальным",
        "and",
        "cafe\u0301",
        "O",
        "Neill",
    ]
    assert all(fold(text[t.start : t.end]) == t.folded for t in tokens)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ICC", "ICC"),
        ("Cafe\u0301", "Café"),  # NFC: decomposed and composed compare equal
        ("Café", "Café"),
        ("Ёлка", "Ёлка"),  # case and diacritics are kept
    ],
)
def test_surface_keeps_case_and_accents_in_nfc(word: str, expected: str) -> None:
    assert surface(word) == expected


def test_token_is_immutable() -> None:
    token = tokenize("word")[0]
    with pytest.raises(AttributeError):  # a frozen dataclass or a named tuple
        token.start = 3  # type: ignore[misc]


def test_word_locator_agrees_with_spans_on_random_texts() -> None:
    rng = random.Random(11)
    pieces = ["alpha", "Beta", "x", "Navalny's", "’quote’", "—", "ICC", "a1", "é", "Навального", "_"]
    pieces += ["\u0301a", "aʼb", "ﬁx", "_x_", "e\u0301", "Йод’s"]  # marks, ʼ, ligatures
    ascii_only = [p for p in pieces if p.isascii()]
    for n in range(400):
        choices = [ascii_only, pieces, [*pieces, "\uff9e"]][n % 3]  # ﾞ: a letter that folds to nothing
        text = "".join(
            rng.choice(choices) + rng.choice([" ", ", ", ".\n", "  "]) for _ in range(rng.randint(0, 300))
        )
        every, locator = spans(text), WordLocator(text)
        # The same locator, asked again: it reuses what it found, and past _ASKS_BEFORE_ALL
        # answers from every span read at once.
        for _ in range(_ASKS_BEFORE_ALL + 2):
            wanted = rng.sample(range(-2, len(every) + 3), min(len(every) + 5, rng.randint(0, 20)))
            assert locator.spans(wanted) == {k: every[k] for k in wanted if 0 <= k < len(every)}


def test_query_words_fold_as_tokenize_does_for_every_letter_and_digit() -> None:
    """`word_slots` skips `tokenize` for one-word queries; it must give the same terms."""
    from pipeline.rules.leaves import LeafError, word_slots
    from pipeline.rules.nodes import Term

    samples = [chr(cp) for cp in range(0x80, 0x30000) if chr(cp).isalnum()]
    samples += ["Навальным", "Peskov\u02bcs", "a\uff9e", "\uff9e\uff9f", "Straße", "ǅemal", "ﬁnance"]
    word_slots.cache_clear()
    wrong = []
    for word in samples:
        expected = tuple(Term(t.folded) for t in tokenize(word))
        try:
            got = word_slots(word)
        except LeafError:
            got = ()
        if got != expected:
            wrong.append((word, got, expected))
    assert wrong == []


@pytest.mark.parametrize(
    "text", ["Навального, " * 20, "e\u0301té " * 30, "abc, " * 20, "alpha, " * 40, "x" * 5000]
)
def test_word_locator_past_the_end_of_a_hostile_text_does_not_backtrack(text: str) -> None:
    """Skipping a run of 64 words that is not there must fail at once: with backtracking, the
    regex would try every way of splitting the last words (forever, for 20 Russian words)."""

    def hung(signum: int, frame: object) -> None:  # a guard against a hang, not a speed test
        raise AssertionError("WordLocator is stuck backtracking")

    every = spans(text)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        assert WordLocator(text).spans([len(every) - 1, len(every), 100, 1000]) == {
            k: every[k] for k in (len(every) - 1, 100) if k < len(every)
        }
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
