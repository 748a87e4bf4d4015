"""Spike notices on real parts: a loopback news site, Redis, the history store (SQLite under
data_dir), a worker and a webhook receiver that verifies every signature. Two weeks of a rule's
history are written into the history store as alerts made then; the burst itself is read from
the site, matched and alerted as any story."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from redis import Redis

from pipeline.models import StoryRef, iso_time
from workers import delivery
from workers.cli import cli
from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, Seed, WebhookReceiver, article_page, rss_feed
from workers.history import alerts as alert_history
from workers.spikes import watch_spikes
from workers.web import status_page

from ..pipeline.factories import long_text, make_alert
from .helpers import RSS, drain, run_pass, runtime, webhook_sink, write_config

DAY = 86400.0
RULES = [
    {"id": "court", "title": "The court", "query": "tribunal", "spike": True},
    {"id": "steady", "title": "Steady", "query": "steadyword", "spike": {"factor": 3, "min_stories": 2}},
]


def _history(rt: WorkerContext, rule_id: str, times: list[float]) -> None:
    """Alerts of `rule_id` made at these times, each its own story, as the article job writes them."""
    with rt.services.history.begin() as conn:
        for n, when in enumerate(times):
            story = StoryRef(id=f"{rule_id}-old-{n}", first_seen=iso_time(when))
            alert = make_alert(
                alert_id=f"{rule_id}-old-{n}", rule_id=rule_id, created_at=iso_time(when), story=story
            )
            alert_history.add(conn, alert, f"entry-{rule_id}-{n}")


def _burst(site: LoopbackSite, first: int, count: int) -> None:
    """`count` distinct stories about the tribunal on the site's feed (and the earlier ones)."""
    seeds = [
        Seed(f"story{n}", f"The tribunal story number {n}", f"The tribunal sat. {long_text(300, seed=n)}")
        for n in range(first + count)
    ]
    for seed in seeds:
        site.routes[f"/articles/{seed.stem}.html"] = (200, {"Content-Type": "text/html"}, article_page(seed))
    site.routes["/burst.xml"] = (200, RSS, rss_feed(seeds, site.base_url))


def test_a_burst_after_two_weeks_of_two_a_day_is_one_spike_notice_and_the_cooldown_holds(
    tmp_path: Path,
    redis: Redis,
    site: LoopbackSite,
    receiver: WebhookReceiver,
    whsec: str,
    request: pytest.FixtureRequest,
) -> None:
    later = WebhookReceiver(whsec).start()
    request.addfinalizer(later.stop)
    sinks = [webhook_sink(receiver.url, whsec), {**webhook_sink(later.url, whsec, "later"), "digest": {}}]
    cfg = write_config(tmp_path, [f"{site.base_url}/burst.xml"], sinks, rules=RULES)
    rt = runtime(cfg, redis)
    now = time.time()
    # Two a day for 15 days, 5 and 11 hours before this time of day: never in the hour before it.
    _history(rt, "court", [now - d * DAY - h * 3600 for d in range(1, 16) for h in (5, 11)])
    # Steady: two stories an hour for two weeks, and two in the last hour: no spike.
    _history(rt, "steady", [now - k * 1800 + 1740 for k in range(1, 15 * 48)])
    assert watch_spikes(rt.services, time.time()) == []  # nothing out of the ordinary yet

    _burst(site, 0, 20)
    run_pass(rt)
    assert sum(p["type"] == "alert" for p in receiver.payloads) == 20  # each story alerted as ever
    assert later.payloads == []  # its digest waits
    [notice] = watch_spikes(rt.services, time.time())
    assert notice.rule_id == "court" and notice.count == 20 and notice.basis == "hour of the week"
    drain(rt)
    [spike] = [p for p in receiver.payloads if p["type"] == "rule.spike"]
    assert spike["rule"] == {"id": "court", "title": "The court"} and spike["count"] == 20
    assert spike["baseline"] == 0 and spike["window_seconds"] == 3600 and len(spike["stories"]) == 5
    assert all(s["outlets"] == ["Seed News"] and "tribunal" in s["title"] for s in spike["stories"])
    assert receiver.bad_signatures == 0
    # The digest sink got the notice alone, and its digest of the burst lists the spike too.
    assert delivery.flush_due(rt.services, time.time() + 31) == 1
    drain(rt)
    [alone] = [p for p in later.payloads if p["type"] == "rule.spike"]
    [digest] = [p for p in later.payloads if p["type"] == "digest"]
    assert alone["count"] == 20 and digest["count"] == 20 and digest["spikes"] == [alone]

    # A second burst within the cooldown (6 h): no second notice.
    _burst(site, 20, 20)
    run_pass(rt)
    assert sum(p["type"] == "alert" for p in receiver.payloads) == 40
    assert watch_spikes(rt.services, time.time()) == []
    drain(rt)
    assert [p["type"] for p in receiver.payloads].count("rule.spike") == 1

    # rules stats and the status page: the last day by hour against the baseline.
    out = CliRunner().invoke(cli, ["-c", str(cfg), "rules", "stats", "--rates"], env={"REDIS_URL": ""})
    assert out.exit_code == 0, out.output
    court = next(line for line in out.output.splitlines() if line.startswith("court "))
    assert " 40 " in court and "hour of the week" in court
    rows = json.loads(CliRunner().invoke(cli, ["-c", str(cfg), "rules", "stats", "--json"]).output)
    rate = next(r for r in rows if r["rule"] == "court")["last_24h"]
    assert rate["last_hour"] == 40 and rate["basis"] == "hour of the week" and rate["spike_notices"]
    _, page = status_page.render(rt.config, redis, 1, 1, rt.services.history)
    assert 'data-rule="court"' in page and '<td class="n last-hour">40</td>' in page


def test_counts_of_many_rules_are_read_by_time_and_agree_with_those_by_rule(
    tmp_path: Path, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = runtime(write_config(tmp_path, [], [], rules=RULES), redis)
    now = time.time()
    _history(rt, "court", [now - 100, now - 200, now - 5000])
    _history(rt, "steady", [now - 300, now - 90000])
    history, rules = rt.services.history, ["court", "steady", "none"]
    by_rule = alert_history.counts_between(history, rules, now - 3600, now)
    hours = alert_history.hourly(history, rules, now - 86400, now)
    firsts = alert_history.first_alerts(history, rules)
    monkeypatch.setattr(alert_history, "NAMED_RULES", 1)  # more rules than may be named
    assert alert_history.counts_between(history, rules, now - 3600, now) == by_rule == {
        "court": 2, "steady": 1, "none": 0,
    }  # fmt: skip
    assert alert_history.hourly(history, rules, now - 86400, now) == hours
    assert sum(hours["court"].values()) == 3 and sum(hours["steady"].values()) == 1 and hours["none"] == {}
    assert alert_history.first_alerts(history, rules) == firsts and set(firsts) == {"court", "steady"}
