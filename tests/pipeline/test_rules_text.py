"""fold and tokenize: the one definition of a word, shared by queries and documents."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.rules import fold, tokenize


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Peskov", "peskov"),
        ("Café", "cafe"),
        ("cafe\u0301", "cafe"),  # decomposed é
        ("Ёлка", "елка"),
        ("Йошкар", "иошкар"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("Navalny’s", "navalny's"),
        ("Navalny‘s", "navalny's"),
        ("Lvova–Belova", "lvova-belova"),
        ("Lvova—Belova", "lvova-belova"),
        ("Lvova‐Belova", "lvova-belova"),
        ("ﬁnal", "final"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Navalny's widow", ["navalny", "s", "widow"]),
        ("Navalny’s widow", ["navalny", "s", "widow"]),
        ("Maria Lvova-Belova", ["maria", "lvova", "belova"]),
        ("“We are not parties,” Peskov told.", ["we", "are", "not", "parties", "peskov", "told"]),
        ("Навального, Навальным!", ["навального", "навальным"]),
        ("cafe\u0301 au lait", ["cafe", "au", "lait"]),
        ("snake_case 2024", ["snake", "case", "2024"]),
        ("  ", []),
        ("", []),
    ],
)
def test_tokenize_words(text: str, words: list[str]) -> None:
    assert [t.folded for t in tokenize(text)] == words


def test_tokens_point_into_the_original_text() -> None:
    text = "  Kremlin spokesman Dmitry Peskov’s, «Навальным» and cafe\u0301!"
    tokens = tokenize(text)
    assert [t.index for t in tokens] == list(range(len(tokens)))
    assert [text[t.start : t.end] for t in tokens] == [
        "Kremlin",
        "spokesman",
        "Dmitry",
        "Peskov",
        "s",
        "Навальным",
        "and",
        "cafe\u0301",
    ]
    assert all(fold(text[t.start : t.end]) == t.folded for t in tokens)


def test_token_is_frozen() -> None:
    token = tokenize("word")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.start = 3  # type: ignore[misc]
