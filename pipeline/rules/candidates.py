"""What the full-text index of the history store holds of an article: the matcher's own words."""

from __future__ import annotations

from .text import fold, words


def index_words(title: str, text: str) -> str:
    """The folded words of title and text, each reduced to its letters and digits."""
    return " ".join("".join(c for c in w if c.isalnum()) for w in words(fold(title + "\n" + text)))
