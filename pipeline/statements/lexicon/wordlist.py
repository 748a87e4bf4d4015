"""How the language modules write a word list: a block of words apart by white space."""

from __future__ import annotations


def words(block: str) -> frozenset[str]:
    return frozenset(block.split())
