"""How fast each rule's stories come, from the history store's alerts (one per rule and story):
the counts pipeline.spikes decides on, and each rule's stories per hour over the last day
against its baseline (`wirewatch rules stats`, the status page). A few grouped queries on the
alerts' indexes, whatever the number of rules or articles: nothing is counted per article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.spikes import WEEK, RuleCounts, baseline, weeks_back
from pipeline.values import SpikeConfig

from .history import History
from .history import alerts as alert_history

HOUR = 3600.0


def spike_counts(
    history: History, rules: Mapping[str, SpikeConfig], now: float, every_baseline: bool = False
) -> dict[str, RuleCounts]:
    """Each rule's counts for its spike decision, for the rules of one window and baseline
    length at a time: a query for their windows, then, for those with at least min_stories in
    theirs (one with fewer cannot spike; all with `every_baseline`), one for each week back, one
    for the mean and one for their first alerts: a handful of queries for any number of rules."""
    by_span: dict[tuple[float, float], list[str]] = {}
    for rule_id, cfg in rules.items():
        by_span.setdefault((cfg.window, cfg.baseline), []).append(rule_id)
    out: dict[str, RuleCounts] = {}
    for (window, period), rule_ids in by_span.items():
        in_window = alert_history.counts_between(history, rule_ids, now - window, now)
        busy = [r for r in rule_ids if every_baseline or in_window[r] >= rules[r].min_stories]
        out.update({r: RuleCounts(r, in_window[r], (), 0, None) for r in rule_ids})
        if not busy:
            continue
        weeks = weeks_back(rules[busy[0]])
        same_hour = [
            alert_history.counts_between(history, busy, now - k * WEEK - window, now - k * WEEK)
            for k in range(1, weeks + 1)
        ]
        totals = alert_history.counts_between(history, busy, now - period, now - window)
        firsts = alert_history.first_alerts(history, busy)
        for r in busy:
            out[r] = RuleCounts(
                r, in_window[r], tuple(week[r] for week in same_hour), totals[r], firsts.get(r)
            )
    return out


@dataclass(frozen=True)
class RuleRate:
    """A rule's stories in each of the last 24 hours (oldest first) and its usual count an hour
    (the spike baseline over an hour's window: by hour of the week, else the mean)."""

    rule_id: str
    hours: tuple[int, ...]
    baseline: float
    basis: str

    @property
    def last_hour(self) -> int:
        return self.hours[-1] if self.hours else 0


def rule_rates(
    history: History, rule_ids: Sequence[str], spikes: Mapping[str, SpikeConfig], now: float
) -> dict[str, RuleRate]:
    """The last day's stories per hour of each rule, against its baseline an hour (its spike
    settings' baseline period, else 14 days)."""
    if not rule_ids:
        return {}
    end = (now // HOUR + 1) * HOUR  # the current hour, so far, is the last
    hourly = alert_history.hourly(history, rule_ids, end - 24 * HOUR, end)
    hourly_cfg = {r: (spikes.get(r) or SpikeConfig()).model_copy(update={"window": HOUR}) for r in rule_ids}
    counts = spike_counts(history, hourly_cfg, now, every_baseline=True)
    out = {}
    first_hour = int(end // HOUR) - 24
    for rule_id in rule_ids:
        usual, basis = baseline(hourly_cfg[rule_id], counts[rule_id], now)
        hours = tuple(hourly[rule_id].get(first_hour + i, 0) for i in range(24))
        out[rule_id] = RuleRate(rule_id, hours, round(usual, 2), basis)
    return out


_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(hours: Sequence[int]) -> str:
    """Counts as a line of bars, the highest full: `▁▁▂█▃`."""
    top = max(hours, default=0)
    if top == 0:
        return _BARS[1] * len(hours)
    return "".join(_BARS[max(1, round(n / top * (len(_BARS) - 1)))] if n else _BARS[1] for n in hours)
