"""Feeds polled as often as they are worth and as their publisher allows, on real parts: a
loopback feed server answering 429 with Retry-After, 503, 500s then 200, 301, 302, 410 and HTML;
the scheduler's own tick claims what is due, with the clock moved instead of waiting."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from redis import Redis

from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed
from workers.scheduler import FeedScheduler
from workers.store import feeds as feeds_store
from workers.store import schedule as schedule_store

from .helpers import (
    ICC_ONLY,
    ROOT,
    RSS,
    Arrivals,
    alert_keys,
    drain,
    email_sink,
    runtime,
    smtp_server,
    wait_for,
    webhook_sink,
    write_config,
)

SEEDS = load_seeds(ROOT / "seeds")
HTML = {"Content-Type": "text/html"}
ICC_STORIES = [("000_11829c16d85d9271", "icc"), ("002_088ef6e8373426e4", "icc")]  # the seeds naming the ICC


def setup(
    tmp: Path, redis: Redis, site: LoopbackSite, path: str, **defaults: Any
) -> tuple[WorkerContext, str]:
    """A worker's context for one feed at `path`, due now."""
    tmp.mkdir(parents=True, exist_ok=True)
    rt = runtime(write_config(tmp, [f"{site.base_url}{path}"], [], rules=[], **defaults), redis)
    feed_id = rt.config.feeds[0].id
    redis.zadd(schedule_store.DUE_KEY, {feed_id: time.time()})
    return rt, feed_id


def poll_due(rt: WorkerContext) -> int:
    """What the leading scheduler does every second, then a worker: poll what is due by now."""
    scheduler = FeedScheduler(rt.services)
    assert scheduler.lock.acquire()  # only the leader's claims hold (they are fenced by its lock)
    claimed = scheduler.tick()
    scheduler.lock.release()
    drain(rt)
    return claimed


def feed_state(redis: Redis, feed_id: str) -> dict[str, str]:
    return feeds_store.feed_states(redis, [feed_id])[feed_id]


def due_in(redis: Redis, feed_id: str) -> float:
    score = redis.zscore(schedule_store.DUE_KEY, feed_id)
    assert score is not None, "not in the schedule"
    return float(score) - time.time()


def test_a_429_with_retry_after_gets_no_request_before_it(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    site.routes["/busy.xml"] = (429, {"Retry-After": "1800", "Content-Type": "text/plain"}, b"slow down")
    rt, feed_id = setup(tmp_path, redis, site, "/busy.xml")
    assert poll_due(rt) == 1
    assert 1795 <= due_in(redis, feed_id) <= 1800
    assert feed_state(redis, feed_id)["why"] == "Retry-After"
    with time_machine.travel(timedelta(seconds=1700), tick=True):
        assert poll_due(rt) == 0  # not yet: 100 s short of it
    assert site.hits["/busy.xml"] == 1
    site.routes["/busy.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
    with time_machine.travel(timedelta(seconds=1801), tick=True):
        assert poll_due(rt) == 1
        fs = feed_state(redis, feed_id)
        assert site.hits["/busy.xml"] == 2 and fs["last_status"] == "200" and "errors" not in fs
        assert 290 <= due_in(redis, feed_id) <= 310  # back to its interval (300 s)


def test_server_errors_back_off_from_the_interval_then_a_success_resets(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    site.routes["/flaky.xml"] = (503, {"Content-Type": "text/plain"}, b"down")
    rt, feed_id = setup(tmp_path, redis, site, "/flaky.xml", max_backoff="20m")
    delays = []
    moved = 0.0
    for _ in range(4):
        with time_machine.travel(timedelta(seconds=moved), tick=True):
            assert poll_due(rt) == 1
            delay = due_in(redis, feed_id)
        delays.append(delay)
        moved += delay + 1
    assert 230 <= delays[0] <= 370 and 470 <= delays[1] <= 730  # 300 s, then 600 s, +-20%
    assert delays[2] <= 1200 and delays[3] <= 1200  # capped at max_backoff (20 m)
    fs = feed_state(redis, feed_id)
    assert fs["errors"] == "4" and fs["why"] == "backoff" and "HTTP 503" in fs["last_error"]
    site.routes["/flaky.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
    with time_machine.travel(timedelta(seconds=moved), tick=True):
        assert poll_due(rt) == 1
        fs = feed_state(redis, feed_id)
        assert "errors" not in fs and fs["why"] == "start" and 290 <= due_in(redis, feed_id) <= 310


def test_a_301_is_remembered_and_a_302_is_not(tmp_path: Path, redis: Redis, site: LoopbackSite) -> None:
    site.routes["/new.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
    site.routes["/old.xml"] = (301, {"Location": "/new.xml"}, b"")
    site.routes["/for-now.xml"] = (302, {"Location": "/new.xml"}, b"")
    moved, moved_id = setup(tmp_path / "a", redis, site, "/old.xml")
    for _ in range(2):
        redis.zadd(schedule_store.DUE_KEY, {moved_id: time.time()})
        poll_due(moved)
    assert site.hits["/old.xml"] == 1 and site.hits["/new.xml"] == 2  # straight to the new URL
    assert feed_state(redis, moved_id)["moved_to"] == f"{site.base_url}/new.xml"
    redis.flushdb()
    temporary, temporary_id = setup(tmp_path / "b", redis, site, "/for-now.xml")
    for _ in range(2):
        redis.zadd(schedule_store.DUE_KEY, {temporary_id: time.time()})
        poll_due(temporary)
    assert site.hits["/for-now.xml"] == 2
    assert "moved_to" not in feed_state(redis, temporary_id)


def test_a_410_retires_the_feed_until_it_is_revived(tmp_path: Path, redis: Redis, site: LoopbackSite) -> None:
    site.routes["/gone.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    rt, feed_id = setup(tmp_path, redis, site, "/gone.xml")
    poll_due(rt)
    fs = feed_state(redis, feed_id)
    assert fs["retired"] and "HTTP 410" in fs["retired_reason"] and fs["why"] == "retired"
    assert redis.zscore(schedule_store.DUE_KEY, feed_id) is None
    scheduler = FeedScheduler(rt.services)
    assert scheduler.lock.acquire()
    scheduler.sync()  # what a new leader does
    assert redis.zscore(schedule_store.DUE_KEY, feed_id) is None  # it stays retired
    with time_machine.travel(timedelta(days=3), tick=True):
        assert scheduler.tick() == 0
    scheduler.lock.release()
    assert site.hits["/gone.xml"] == 1
    site.routes["/gone.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
    assert schedule_store.revive_feed(redis, feed_id, time.time())
    assert not schedule_store.revive_feed(redis, feed_id, time.time())  # it is no longer retired
    poll_due(rt)
    assert site.hits["/gone.xml"] == 2 and "retired" not in feed_state(redis, feed_id)


def test_a_feed_answering_html_is_a_failure_not_an_empty_feed(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    site.routes["/page.xml"] = (
        200,
        HTML,
        b"<!doctype html><html><body><p>Moved to our app!</p></body></html>",
    )
    rt, feed_id = setup(tmp_path, redis, site, "/page.xml")
    poll_due(rt)
    fs = feed_state(redis, feed_id)
    assert fs["errors"] == "1" and "not a feed" in fs["last_error"] and fs["why"] == "backoff"


def test_a_feeds_ttl_and_entry_rate_set_its_interval(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    hourly = rss_feed(SEEDS, site.base_url)  # its entries are an hour apart
    site.routes["/hourly.xml"] = (200, RSS, hourly)
    rt, feed_id = setup(tmp_path, redis, site, "/hourly.xml")
    poll_due(rt)
    fs = feed_state(redis, feed_id)
    assert (fs["why"], fs["adaptive"]) == ("adaptive", "1800.0")
    slow = hourly.replace(b"<channel>", b"<channel><ttl>120</ttl>", 1)  # two hours, the publisher says
    site.routes["/hourly.xml"] = (200, RSS, slow)
    redis.zadd(schedule_store.DUE_KEY, {feed_id: time.time()})
    poll_due(rt)
    fs = feed_state(redis, feed_id)
    assert (fs["why"], fs["interval"]) == ("ttl", "7200")
    assert 7100 <= due_in(redis, feed_id) <= 7300


def test_wirewatch_feeds_shows_each_feeds_state_and_exits_1_when_one_is_unhealthy(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite
) -> None:
    site.routes["/ok.xml"] = (200, RSS, rss_feed(SEEDS, site.base_url))
    site.routes["/down.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    site.routes["/gone.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    urls = [f"{site.base_url}/{name}.xml" for name in ("ok", "down", "gone")]
    cfg = write_config(tmp_path, urls, [], rules=[], unhealthy_after=1)
    rt = runtime(cfg, redis)
    for feed in rt.config.feeds:
        redis.zadd(schedule_store.DUE_KEY, {feed.id: time.time()})
    poll_due(rt)
    env = {**os.environ, "REDIS_URL": redis_url}
    command = [sys.executable, "-m", "workers.cli", "-c", str(cfg), "feeds"]
    out = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 1, out.stderr
    rows = {r["url"].rsplit("/", 1)[1]: r for r in json.loads(out.stdout)}
    assert (rows["ok.xml"]["state"], rows["ok.xml"]["why"], rows["ok.xml"]["interval"]) == (
        "ok",
        "adaptive",
        1800,
    )
    assert rows["ok.xml"]["per_day"] and rows["ok.xml"]["next_poll_in"] > 1700
    assert (rows["down.xml"]["state"], rows["down.xml"]["why"], rows["down.xml"]["failures"]) == (
        "unhealthy", "backoff", 1,
    )  # fmt: skip
    assert "HTTP 500" in rows["down.xml"]["last_error"]
    assert rows["gone.xml"]["state"] == "retired" and rows["gone.xml"]["next_poll"] is None
    assert {r["kind"] for r in rows.values()} == {"rss"}
    table = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert table.returncode == 1
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["STATE", "INTERVAL"] and "KIND" in lines[0]
    assert any(line.startswith("retired") and line.endswith("/gone.xml") for line in lines)
    assert any("HTTP 410" in line for line in lines)
    revive = subprocess.run(
        [*command, "revive", urls[2]], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert revive.returncode == 0 and "revived" in revive.stdout
    assert redis.zscore(schedule_store.DUE_KEY, rt.config.feeds[2].id) is not None
    nowhere = [*command, "revive", "https://nowhere.example/x"]
    unknown = subprocess.run(nowhere, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert unknown.returncode == 2 and "no feed" in unknown.stderr


def test_health_notices_reach_the_webhook_and_the_mailbox(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    site.routes["/flaky.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    site.routes["/old.xml"] = (301, {"Location": "/new.xml"}, b"")
    site.routes["/new.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
    site.routes["/gone.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    receiver = WebhookReceiver(whsec).start()
    try:
        with smtp_server() as (inbox, port):
            feeds = [{"url": f"{site.base_url}/flaky.xml", "name": "Flaky"}, f"{site.base_url}/old.xml",
                     f"{site.base_url}/gone.xml"]  # fmt: skip
            sinks = [webhook_sink(receiver.url, whsec), email_sink(port)]
            rt = runtime(
                write_config(tmp_path, feeds, sinks, rules=[], unhealthy_after=2, max_backoff="10m"), redis
            )
            moved = 0.0
            redis.zadd(schedule_store.DUE_KEY, {feed.id: 0 for feed in rt.config.feeds})
            for _ in range(3):  # three polls of each (but the retired one): the flaky one fails all three
                with time_machine.travel(timedelta(seconds=moved), tick=True):
                    for feed in rt.config.feeds:
                        redis.zadd(schedule_store.DUE_KEY, {feed.id: time.time()}, xx=True)
                    poll_due(rt)
                moved += 700
            site.routes["/flaky.xml"] = (200, RSS, rss_feed(SEEDS[:1], site.base_url))
            with time_machine.travel(timedelta(seconds=moved), tick=True):
                redis.zadd(schedule_store.DUE_KEY, {rt.config.feeds[0].id: time.time()})
                poll_due(rt)
            subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    finally:
        receiver.stop()
    kinds = sorted((p["type"], p["feed"]["url"].rsplit("/", 1)[1]) for p in receiver.payloads)
    assert kinds == [
        ("feed.moved", "old.xml"), ("feed.recovered", "flaky.xml"),
        ("feed.retired", "gone.xml"), ("feed.unhealthy", "flaky.xml"),
    ]  # fmt: skip  # once each: the third failure is within a day of the second
    by_type = {p["type"]: p for p in receiver.payloads}
    unhealthy = by_type["feed.unhealthy"]
    assert set(unhealthy) == {"version", "type", "feed", "error", "failures", "since"}
    assert unhealthy["version"] == 1 and unhealthy["failures"] == 2 and "HTTP 500" in unhealthy["error"]
    assert unhealthy["feed"] == {"url": f"{site.base_url}/flaky.xml", "name": "Flaky"}
    assert by_type["feed.recovered"]["since"] == unhealthy["since"]
    assert by_type["feed.moved"]["moved_to"] == f"{site.base_url}/new.xml"
    assert receiver.bad_signatures == 0 and len(set(receiver.attempt_ids)) == 4
    assert subjects == [
        "[wirewatch] feed moved: 127.0.0.1", "[wirewatch] feed recovered: Flaky",
        "[wirewatch] feed retired: 127.0.0.1", "[wirewatch] feed unhealthy: Flaky",
    ]  # fmt: skip


def test_a_feed_that_changes_its_guids_on_every_poll_alerts_each_story_once(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    polls = iter(range(1000))

    def fresh_guids(handler: object) -> tuple[int, dict[str, str], bytes]:
        return 200, RSS, rss_feed(SEEDS, site.base_url, guid_prefix=f"poll{next(polls)}-")

    site.routes["/unstable.xml"] = fresh_guids
    receiver = WebhookReceiver(whsec).start()
    try:
        cfg = write_config(tmp_path, [f"{site.base_url}/unstable.xml"], [webhook_sink(receiver.url, whsec)],
                           rules=ICC_ONLY)  # fmt: skip
        rt = runtime(cfg, redis)
        feed_id = rt.config.feeds[0].id
        for _ in range(3):
            redis.zadd(schedule_store.DUE_KEY, {feed_id: time.time()})
            poll_due(rt)
    finally:
        receiver.stop()
    assert site.hits["/unstable.xml"] == 3
    assert sorted(alert_keys(receiver.payloads)) == ICC_STORIES  # once each, not once a poll
    pages = [p for p in site.hits if p.startswith("/articles/")]
    assert pages and all(site.hits[p] == 1 for p in pages)  # each story read once, not once a poll


def test_items_sharing_one_guid_are_each_read_keyed_by_their_links(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    def same_guid(seeds: list[Any]) -> bytes:
        return re.sub(rb"<guid[^>]*>[^<]*</guid>", b"<guid>same</guid>", rss_feed(seeds, site.base_url))

    receiver = WebhookReceiver(whsec).start()
    try:
        cfg = write_config(tmp_path, [f"{site.base_url}/same.xml"], [webhook_sink(receiver.url, whsec)],
                           rules=ICC_ONLY)  # fmt: skip
        rt = runtime(cfg, redis)
        for seeds in (SEEDS[:2], SEEDS):  # then a third story appears, under the same guid
            site.routes["/same.xml"] = (200, RSS, same_guid(seeds))
            redis.zadd(schedule_store.DUE_KEY, {rt.config.feeds[0].id: time.time()})
            poll_due(rt)
    finally:
        receiver.stop()
    assert sorted(alert_keys(receiver.payloads)) == ICC_STORIES  # none lost to the shared guid
    assert f"{len(SEEDS)} items share a guid" in feed_state(redis, rt.config.feeds[0].id)["last_warning"]


def test_feeds_of_one_host_are_polled_host_delay_apart(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    arrivals = Arrivals(rss_feed(SEEDS[:1], site.base_url))
    arrived = arrivals.times
    for n in range(4):
        site.routes[f"/f{n}.xml"] = arrivals
    urls = [f"{site.base_url}/f{n}.xml" for n in range(4)]
    rt = runtime(write_config(tmp_path, urls, [], rules=[], host_delay="1s"), redis)
    redis.zadd(schedule_store.DUE_KEY, {feed.id: time.time() for feed in rt.config.feeds})
    poll_due(rt)  # slots for three of them within workers.planning.PLAN_AHEAD: polled in turn
    reasons = sorted(feed_state(redis, f.id)["why"] for f in rt.config.feeds)
    assert reasons == ["host delay", "start", "start", "start"] and len(arrived) == 3
    [waiting] = [f for f in rt.config.feeds if feed_state(redis, f.id)["why"] == "host delay"]
    assert "last_poll" not in feed_state(redis, waiting.id)  # left due, for when its slot nears
    wait_for(lambda: poll_due(rt) >= 0 and len(arrived) == 4, 30, "the fourth poll")
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(arrived)), arrived  # however many are due


def test_a_worker_reloads_between_jobs_when_the_generation_moves_and_keeps_a_bad_config_out(
    tmp_path: Path, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    from workers.store import generation
    from workers.worker import WirewatchWorker

    cfg = write_config(tmp_path, [], [], rules=ICC_ONLY)
    worker = WirewatchWorker(runtime(cfg, redis))
    assert not worker.reloader.poll() and not worker.reload_if_changed()  # nothing moved
    good = cfg.read_text()
    cfg.write_text(good + "colour: blue\n")
    redis.incr(generation.GENERATION_KEY)  # as another machine's `wirewatch reload` does
    before = worker.context
    assert not worker.reloader.poll()
    assert not worker.reload_if_changed() and worker.context is before
    assert any("colour: unknown key 'colour'" in r.getMessage() for r in caplog.records)
    write_config(
        tmp_path, ["https://news.example.org/a.xml"], [], rules=[{"id": "peskov", "query": "Peskov"}]
    )
    redis.incr(generation.GENERATION_KEY)
    assert worker.reloader.poll()  # built beside the context in use...
    assert worker.context is before
    assert worker.reload_if_changed() and worker.context is not before  # ...and swapped in between jobs
    assert [r.rule_id for r in worker.context.matcher.rules] == ["peskov"]
    assert list(worker.context.services.feeds) == [worker.context.config.feeds[0].id]
    worker.context.close()
