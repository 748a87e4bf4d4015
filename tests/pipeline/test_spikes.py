"""pipeline.spikes without a store: the baseline (by hour of the week when the rule's history
reaches back far enough, else the plain mean), the factor, min_stories; the notice's text."""

from __future__ import annotations

import pytest

from pipeline.models import SpikeStory
from pipeline.sinks.payload import notice_payload
from pipeline.sinks.render import notice_subject, notice_text
from pipeline.spikes import WEEK, RuleCounts, baseline, decide_spike, spike_notice
from pipeline.values import SpikeConfig

NOW = 2_000_000_000.0
CFG = SpikeConfig()  # 1 h against 14 days, factor 3, at least 5 stories


def _counts(
    in_window: int, same_hour: tuple[int, ...] = (0, 0), total: int = 28, first: float | None = 0.0
) -> RuleCounts:
    return RuleCounts("court", in_window, same_hour, total, first)


def test_the_baseline_is_the_same_hour_of_the_week_when_history_reaches_back_else_the_mean() -> None:
    assert baseline(CFG, _counts(3, (2, 4)), NOW) == (3.0, "hour of the week")
    young = _counts(3, (2, 4), total=334, first=NOW - 2 * WEEK + 3600)  # an hour short of two weeks
    assert baseline(CFG, young, NOW) == (1.0, "mean")  # 334 stories over the 334 hours before the last
    assert baseline(CFG, _counts(3, (2, 4), total=46, first=NOW - 2 * 86400 + 3600), NOW) == (1.0, "mean")
    # A rule with less than a day of history has no baseline, and does not spike.
    new = _counts(20, total=3, first=NOW - 86400 + 1)
    assert baseline(CFG, new, NOW) == (0.0, "too little history") and decide_spike(CFG, new, NOW) is None
    assert baseline(CFG, _counts(3, first=None), NOW)[1] == "too little history"


@pytest.mark.parametrize(
    ("counts", "spikes"),
    [
        (_counts(20), True),  # two a day, then 20 in an hour
        (_counts(4), False),  # under min_stories, whatever the baseline
        (_counts(6, (2, 2)), True),  # exactly 3 x 2
        (_counts(5, (2, 2)), False),  # under 3 x 2
        (_counts(9, (3, 3)), True),
        (_counts(3, (3, 3)), False),  # a steady rate
    ],
)
def test_a_spike_is_factor_times_the_baseline_and_at_least_min_stories(
    counts: RuleCounts, spikes: bool
) -> None:
    assert (decide_spike(CFG, counts, NOW) is not None) is spikes


def test_the_notice_says_the_rule_the_count_the_baseline_and_the_top_stories() -> None:
    spike = decide_spike(CFG, _counts(20), NOW)
    assert spike is not None
    stories = (SpikeStory(story_id="s1", title="ICC issues warrant\nfor <b>x</b>", url="https://a.example/1",
                          outlets=("Wire", "Post", "Metro")),)  # fmt: skip
    notice = spike_notice(spike, "The court", CFG, stories, NOW)
    assert notice_subject(notice) == "[wirewatch] spike: 20 stories for The court"
    text = notice_text(notice)
    assert (
        "Rule The court (court) matched 20 stories in the last 1 hour, against 0 usually (hour of the week)."
        in text
    )
    assert "1. ICC issues warrant for <b>x</b>" in text and "3 outlets: Wire, Post, Metro" in text
    body = notice_payload(notice)
    assert body["type"] == "rule.spike" and body["stories"][0]["outlets"] == ["Wire", "Post", "Metro"]
    assert notice.notice_id != spike_notice(spike, "The court", CFG, stories, NOW + 60).notice_id
