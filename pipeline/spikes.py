"""Spike notices: a rule whose stories suddenly come faster than usual, in the model of
Meltwater's spike alerts (an hour against a baseline).

    counts = RuleCounts(rule_id, in_window=20, same_hour=(0, 1), mean_total=28, history_since=...)
    spike = decide_spike(cfg, counts, now)          # a Spike, or None

A rule's count is the stories it matched in the last `window` (its alerts: one per story). Its
baseline is the same window of the week, one, two, ... weeks back (as many as `baseline` holds:
two for 14 days), averaged, when the rule's history reaches back that far; else the plain mean
of a window over what of the `baseline` period its history covers, once that is a day at least.
A spike is a count of at least `factor` times the baseline and at least `min_stories`; the
caller keeps it to one notice per rule per `cooldown`.
No Redis and no SQL here: workers.spikes reads the counts from the history store once a minute
(two queries, whatever the number of articles) and queues the notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .models import Notice, SpikeStory, iso_time
from .values import SpikeConfig

WEEK = 7 * 86400.0
MIN_HISTORY = 86400.0  # a rule whose alerts go back less than this has no baseline yet: no notice
Basis = Literal["hour of the week", "mean", "too little history"]


@dataclass(frozen=True)
class RuleCounts:
    """What the history store says of one rule's stories (alerts) around `now`."""

    rule_id: str
    in_window: int  # in [now - window, now)
    same_hour: tuple[int, ...]  # in the same window 1, 2, ... weeks back
    mean_total: int  # in [now - baseline, now - window): for the plain mean
    first_alert: float | None  # the rule's oldest alert the store keeps (None: none)


def weeks_back(cfg: SpikeConfig) -> int:
    """How many weeks of the same window the baseline averages (14 days: 2)."""
    return int(cfg.baseline // WEEK)


def baseline(cfg: SpikeConfig, counts: RuleCounts, now: float) -> tuple[float, Basis]:
    """The rule's usual stories per window, and what it was taken from: by hour of the week when
    the rule's history reaches back over every week averaged, else the plain mean over the part
    of the baseline period its history covers; none ("too little history") when that is less
    than MIN_HISTORY (a new rule's first busy hour is not a spike against nothing)."""
    first = counts.first_alert
    weeks = weeks_back(cfg)
    if (
        weeks
        and first is not None
        and first <= now - weeks * WEEK - cfg.window
        and len(counts.same_hour) == weeks
    ):
        return sum(counts.same_hour) / weeks, "hour of the week"
    covered = (now - cfg.window) - max(first if first is not None else now, now - cfg.baseline)
    if covered < MIN_HISTORY:
        return 0.0, "too little history"
    return counts.mean_total / (covered / cfg.window), "mean"


@dataclass(frozen=True)
class Spike:
    """A rule's stories came `count` in the last window, against `baseline` usually."""

    rule_id: str
    count: int
    baseline: float
    basis: Basis


def decide_spike(cfg: SpikeConfig, counts: RuleCounts, now: float) -> Spike | None:
    """A spike when the rule's count is at least factor x its baseline and at least min_stories."""
    if counts.in_window < cfg.min_stories:
        return None
    usual, basis = baseline(cfg, counts, now)
    if basis == "too little history" or counts.in_window < cfg.factor * usual:
        return None
    return Spike(counts.rule_id, counts.in_window, usual, basis)


def spike_notice(spike: Spike, rule_title: str, cfg: SpikeConfig, stories: tuple[SpikeStory, ...],
                 now: float) -> Notice:  # fmt: skip
    """The `rule.spike` notice of a spike, with its top stories (those most outlets carried)."""
    return Notice(
        type="rule.spike", since=iso_time(now - cfg.window), rule_id=spike.rule_id, rule_title=rule_title,
        count=spike.count, baseline=round(spike.baseline, 2), basis=spike.basis, window=cfg.window,
        stories=stories,
    )  # fmt: skip
