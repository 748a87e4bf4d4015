"""Counts over a set too big to read in the time a person waits for a page: a rule preview over a
big archive (workers.searching.preview) reads the newest candidates first (for the matches it
shows), then a random sample of the rest, and counts per day from both. A day read whole has its
exact count; a day read in part gets an estimate with a 95% interval (Wilson's score interval of
the sampled share, applied to the unread rest: it holds for shares near 0 or 1 and for small
samples, where the normal approximation gives a zero-width interval).

Written here rather than taken from scipy/statsmodels: a dozen lines of arithmetic do not justify
a numeric stack in the web process."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.959964  # the standard normal's 97.5th percentile: a two-sided 95% interval


@dataclass(frozen=True, slots=True)
class Estimate:
    """How many of a set hold: `count`, within [low, high] at 95% (low == high == count: exact,
    every member was read)."""

    count: int
    low: int
    high: int

    @property
    def exact(self) -> bool:
        return self.low == self.high

    @classmethod
    def of(cls, n: int) -> Estimate:
        return cls(n, n, n)


@dataclass
class Stratum:
    """One part of the set (a day of candidates): how many members it has, how many were read
    in order (`first`: the newest, not a random sample) and how many of those held, and how many
    of the rest were read at random (`sampled`) and how many of those held."""

    size: int = 0
    first: int = 0
    first_held: int = 0
    sampled: int = 0
    sampled_held: int = 0

    @property
    def read(self) -> int:
        return self.first + self.sampled


def wilson(held: int, n: int, z: float = Z_95) -> tuple[float, float, float]:
    """The share `held / n` and its interval (low, high) by Wilson's score method; n > 0."""
    share = held / n
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return share, max(0.0, centre - half), min(1.0, centre + half)


def estimate(stratum: Stratum, pooled: tuple[int, int]) -> Estimate:
    """The number of members of `stratum` that hold. Its unread members are estimated from its
    own random sample; a stratum with none sampled borrows `pooled` (held, read) of the whole
    sample. Exact when every member was read."""
    known = stratum.first_held + stratum.sampled_held
    unread = stratum.size - stratum.read
    if unread <= 0:
        return Estimate.of(known)
    held, n = (stratum.sampled_held, stratum.sampled) if stratum.sampled else pooled
    if n == 0:  # nothing read to go by: anything from none to all
        return Estimate(known, known, known + unread)
    share, low, high = wilson(held, n)
    return Estimate(
        known + round(unread * share), known + math.floor(unread * low), known + math.ceil(unread * high)
    )


def total(parts: Iterable[Estimate]) -> Estimate:
    """The sum of independent estimates: counts add, and so do the squares of the intervals'
    half-widths (the strata are sampled independently)."""
    parts = list(parts)
    count = sum(p.count for p in parts)
    if all(p.exact for p in parts):
        return Estimate.of(count)
    below = math.sqrt(sum((p.count - p.low) ** 2 for p in parts))
    above = math.sqrt(sum((p.high - p.count) ** 2 for p in parts))
    least = sum(p.low for p in parts if p.exact)  # what was read can't be fewer
    return Estimate(count, max(least, math.floor(count - below)), math.ceil(count + above))
