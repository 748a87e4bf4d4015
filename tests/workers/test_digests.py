"""Digests on real parts: a burst grouped into one message after group_wait, the next no sooner
than group_interval, a daily digest at its local time, and a digest across a killed worker and
a Redis restart (AOF): every alert in exactly one digest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from redis import Redis
from rq.registry import StartedJobRegistry

from pipeline.digests import flush_time as pipeline_flush_time
from pipeline.values import DigestConfig
from workers import delivery
from workers.demo.site import LoopbackSite, Seed, WebhookReceiver, article_page, load_seeds, rss_feed
from workers.redis_embedded import EmbeddedRedis
from workers.store import alerts as alerts_store
from workers.store import digests
from workers.worker import EXECUTION_TTL

from ..pipeline.factories import long_text, make_alert
from .helpers import ROOT, RSS, drain, run_pass, runtime, webhook_sink, write_config

EVERYTHING = [
    {
        "id": "any",
        "title": "Anything",
        "query": "the",
        "digest": {"group_wait": "30s", "group_interval": "5m"},
    }
]


def _digests(receiver: WebhookReceiver) -> dict[str, list[str]]:
    """Each digest id received, with its alert ids."""
    return {
        p["digest_id"]: [a["alert_id"] for a in p["alerts"]]
        for p in receiver.payloads
        if p["type"] == "digest"
    }


def test_a_burst_is_one_digest_after_group_wait_and_the_next_waits_group_interval(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    seeds = load_seeds(ROOT / "seeds")
    site.routes["/a.xml"] = (200, RSS, rss_feed(seeds[:4], site.base_url))
    receiver = WebhookReceiver(whsec).start()
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/a.xml"], [webhook_sink(receiver.url, whsec)], rules=EVERYTHING
        )
        rt = runtime(cfg, redis)
        # The alerts are made between these two instants (seconds apart on a busy machine): the
        # group is due 30 s after the first.
        start = time.time()
        run_pass(rt)
        done = time.time()
        assert receiver.payloads == []  # waiting for the burst to gather
        assert delivery.flush_due(rt.services, start + 29) == 0
        sent = done + 31
        assert delivery.flush_due(rt.services, sent) == 1
        drain(rt)
        [(first, alerts)] = _digests(receiver).items()
        made = {a.alert_id for a in alerts_store.recent_alerts(redis, 100)}
        assert len(made) >= 3 and set(alerts) == made
        [payload] = receiver.payloads
        assert payload["count"] == len(made) and payload["rule"] == {"id": "any", "title": "Anything"}
        assert all("Rule: " not in a["article"]["title"] for a in payload["alerts"])

        extra = [
            Seed(f"extra{n}", f"The extra story {n}", "The story. " + long_text(300, seed=n))
            for n in range(3)
        ]
        for seed in extra:
            site.routes[f"/articles/{seed.stem}.html"] = (
                200,
                {"Content-Type": "text/html"},
                article_page(seed),
            )
        site.routes["/a.xml"] = (200, RSS, rss_feed(seeds + extra, site.base_url))
        run_pass(rt)  # three more: the group went out 31 s ago, so they wait for 5 m after that
        assert delivery.flush_due(rt.services, sent + 100) == 0
        assert delivery.flush_due(rt.services, sent + 301) == 1
        drain(rt)
        run_pass(rt)  # nothing new: no third digest
        assert delivery.flush_due(rt.services, start + 3600) == 0
    finally:
        receiver.stop()
    got = _digests(receiver)
    assert len(got) == 2 and first in got
    every = [a for ids in got.values() for a in ids]
    made = {a.alert_id for a in alerts_store.recent_alerts(redis, 100)}
    assert len(every) == len(alerts) + 3 and sorted(every) == sorted(made)  # each in exactly one digest
    assert not redis.keys("ww:digest:batch:*")  # delivered: their alerts left Redis


def test_a_daily_digest_goes_at_its_local_time(tmp_path: Path, redis: Redis, whsec: str) -> None:
    receiver = WebhookReceiver(whsec).start()
    try:
        sink = {**webhook_sink(receiver.url, whsec), "digest": {"at": "08:00", "timezone": "Europe/Berlin",
                                                                 "group_by": "sink"}}  # fmt: skip
        rt = runtime(write_config(tmp_path, [], [sink], rules=[{"id": "any", "query": "the"}]), redis)
        cfg, group = rt.config.digest_for("any", "hooks") or (DigestConfig(), "")
        assert group == "hooks/*"
        evening = datetime(2026, 12, 1, 20, 0, tzinfo=UTC).timestamp()  # 21:00 in Berlin
        for n in range(3):
            alert = make_alert(alert_id=f"a{n}", rule_id="any" if n else "other", sinks=("hooks",))
            assert digests.add(redis, alert, "hooks", cfg, group, evening + n, 86400)
        assert not digests.add(
            redis, make_alert(alert_id="a1", sinks=("hooks",)), "hooks", cfg, group, evening, 86400
        )
        assert delivery.flush_due(rt.services, datetime(2026, 12, 2, 6, 59, tzinfo=UTC).timestamp()) == 0
        assert delivery.flush_due(rt.services, datetime(2026, 12, 2, 7, 0, 1, tzinfo=UTC).timestamp()) == 1
        drain(rt)
    finally:
        receiver.stop()
    [payload] = receiver.payloads
    assert payload["rule"] is None and sorted(a["alert_id"] for a in payload["alerts"]) == ["a0", "a1", "a2"]
    assert payload["flushed_at"] == "2026-12-02T07:00:00+00:00"


def test_a_groups_last_flush_is_kept_only_while_it_can_hold_back_a_digest(redis: Redis) -> None:
    """`:last` has a TTL of three group_intervals: while it can hold the next digest back it is
    there; once it would be gone, a digest is due just as if it were still there."""
    cfg = DigestConfig(group_wait=30, group_interval=300)
    flushed = time.time()
    for group in ("hooks/a", "hooks/b"):
        first = make_alert(alert_id=f"{group}-1", sinks=("hooks",))
        assert digests.add(redis, first, "hooks", cfg, group, flushed - 30, 3600)
        assert digests.take(redis, group, cfg, flushed, flushed, 3600)[1] == 1
    last = "ww:digest:hooks/a:last"
    assert digests.last_ttl(cfg) == 900 and 890 <= redis.ttl(last) <= 900

    # Within group_interval of the flush, it holds the next digest back to the flush + 300 s.
    assert digests.add(redis, make_alert(alert_id="a-2", sinks=("hooks",)), "hooks", cfg, "hooks/a",
                       flushed + 100, 3600)  # fmt: skip
    assert redis.zscore("ww:digests:due", "hooks/a") == flushed + 300

    # When Redis drops it (b's, as its TTL would), it would hold back nothing any more.
    redis.delete("ww:digest:hooks/b:last")
    later = flushed + digests.last_ttl(cfg)
    assert digests.add(redis, make_alert(alert_id="b-2", sinks=("hooks",)), "hooks", cfg, "hooks/b",
                       later, 3600)  # fmt: skip
    assert redis.zscore("ww:digests:due", "hooks/b") == later + 30
    assert pipeline_flush_time(cfg, later, flushed) == later + 30  # the same with it


def test_a_digest_across_a_killed_worker_and_a_redis_restart_loses_none_and_repeats_none(
    tmp_path: Path, short_tmp: Path, whsec: str
) -> None:
    server = EmbeddedRedis(short_tmp / "redis")
    url = server.start()
    receiver = WebhookReceiver(whsec, hold_first=True).start()
    try:
        cfg = write_config(tmp_path, [], [webhook_sink(receiver.url, whsec)], rules=EVERYTHING)
        redis = Redis.from_url(url)
        rt = runtime(cfg, redis)
        policy, group = rt.config.digest_for("any", "hooks") or (DigestConfig(), "")
        now = time.time()
        first = [make_alert(alert_id=f"first{n}", rule_id="any", sinks=("hooks",)) for n in range(5)]
        for alert in first:
            digests.add(redis, alert, "hooks", policy, group, now, 86400)
        assert delivery.flush_due(rt.services, now + 31) == 1
        env = {**os.environ, "REDIS_URL": url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "-c", str(cfg), "worker"], env=env, start_new_session=True
        )
        try:
            assert receiver.entered.wait(60), "the worker never posted the digest"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the machine dies mid-delivery
            proc.wait()
        later = [make_alert(alert_id=f"later{n}", rule_id="any", sinks=("hooks",)) for n in range(3)]
        for alert in later:  # meanwhile more alerts come: they wait for the next digest
            digests.add(redis, alert, "hooks", policy, group, now + 40, 86400)
        redis.close()
        server.stop()  # Redis restarts; what it holds comes back from its AOF
        server.start()
        receiver.release.set()
        redis = Redis.from_url(url)
        rt = runtime(cfg, redis)
        started = StartedJobRegistry(queue=rt.queues.alerts)
        [(entry, _)] = redis.zrange(started.key, 0, -1, withscores=True)  # the digest job, abandoned
        redis.delete(b"rq:execution:" + entry)  # Redis's own clock would have expired it by then
        with time_machine.travel(timedelta(seconds=EXECUTION_TTL + 1), tick=True):
            drain(rt)  # the abandoned digest job runs again: the same digest, the same id
        assert delivery.flush_due(rt.services, now + 31 + 301) == 1
        drain(rt)
        redis.close()
    finally:
        receiver.release.set()
        receiver.stop()
        server.stop()
    tries = Counter(receiver.attempt_ids)
    got = _digests(receiver)
    assert len(got) == 2
    assert sorted(tries.values()) == [1, 2]  # the cut-off digest went again, under its own id
    every = [a for ids in got.values() for a in ids]
    assert sorted(every) == sorted(a.alert_id for a in [*first, *later])  # each in exactly one digest
