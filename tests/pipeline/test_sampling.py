"""Counts estimated from a sample (pipeline.sampling): exact when every member was read, and
95% intervals that hold the truth about 95% of the time."""

from __future__ import annotations

import random

import pytest

from pipeline.sampling import Estimate, Stratum, estimate, total, wilson


def test_wilson_gives_the_textbook_intervals() -> None:
    # Wilson (1927) as tabled by Newcombe (1998), method 3: 0/10 and 5/10 at 95%
    assert wilson(0, 10)[1:] == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10)[1:] == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10)[1:] == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_a_stratum_read_whole_is_exact_whatever_the_order() -> None:
    whole = Stratum(size=30, first=10, first_held=4, sampled=20, sampled_held=5)
    assert estimate(whole, (0, 0)) == Estimate.of(9)
    assert estimate(Stratum(size=0), (3, 10)) == Estimate.of(0)
    assert total([Estimate.of(9), Estimate.of(2)]) == Estimate.of(11)


def test_the_unread_rest_is_estimated_from_the_random_sample_not_from_the_newest() -> None:
    # the 10 newest all held; 5 of 50 sampled did: the other 140 are estimated at 10%
    e = estimate(Stratum(size=200, first=10, first_held=10, sampled=50, sampled_held=5), (0, 0))
    assert not e.exact
    assert e.count == 10 + 5 + 14 and e.low >= 15 and e.low < 29 < e.high <= 15 + 140


def test_a_day_without_a_sample_borrows_the_whole_sample_and_with_none_at_all_is_anything() -> None:
    e = estimate(Stratum(size=100), (25, 100))
    assert e.count == 25 and e.low < 25 < e.high
    assert estimate(Stratum(size=7, first=2, first_held=1), (0, 0)) == Estimate(1, 1, 6)


def test_a_total_of_estimates_is_narrower_than_the_sum_of_their_bounds() -> None:
    parts = [Estimate(100, 80, 120), Estimate(50, 40, 60), Estimate.of(7)]
    t = total(parts)
    assert t.count == 157 and 127 < t.low < 137 and 177 < t.high < 187  # half-width sqrt(20^2 + 10^2)


def test_the_intervals_hold_the_truth_about_95_percent_of_the_time() -> None:
    rng = random.Random(7)
    covered = trials = 0
    for _ in range(2000):
        size = rng.randint(200, 3000)
        share = rng.choice([0.01, 0.05, 0.2, 0.5, 0.9])
        held = [rng.random() < share for _ in range(size)]
        sample = rng.sample(range(size), rng.randint(30, 150))
        s = Stratum(size=size, sampled=len(sample), sampled_held=sum(held[i] for i in sample))
        e = estimate(s, (0, 0))
        trials += 1
        covered += e.low <= sum(held) <= e.high
    assert 0.93 <= covered / trials <= 0.995, covered / trials
