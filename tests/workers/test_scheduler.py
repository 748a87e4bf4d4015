"""The scheduler's leader lock and the one-poll-in-flight rule, on a real Redis."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml
from redis import Redis

from pipeline.polling import PollFailed
from workers import planning
from workers.queueing import POLL_BATCH, POLL_LEASE, enqueue_poll
from workers.scheduler import CLAIM_CHUNK, FeedScheduler
from workers.store import feeds as feeds_store
from workers.store import schedule as schedule_store
from workers.store import seen as seen_store
from workers.store.generation import advance
from workers.store.leader import LeaderLock

from .helpers import drain, run_pass, runtime, save_polls, wait_for, write_config


def test_leader_lock_is_exclusive_and_passes_on_when_released(redis: Redis) -> None:
    a, b = LeaderLock(redis, ttl=30), LeaderLock(redis, ttl=30)
    assert a.acquire()
    assert not b.acquire()
    assert not b.renew()  # a stand-by cannot extend someone else's lock
    assert a.renew()
    b.release()  # nor release it
    assert not b.acquire()
    a.release()
    assert b.acquire()


def test_a_leader_that_stood_down_with_its_lock_still_held_takes_it_back_at_once(redis: Redis) -> None:
    """A renewal that Redis refused (a full disk, out of memory) stands the leader down while
    its lock still holds its token: asked again, it leads at once, with the TTL anew, rather
    than a whole TTL later; another still cannot take it."""
    a, b = LeaderLock(redis, ttl=30), LeaderLock(redis, ttl=30)
    assert a.acquire()
    redis.pexpire(a.key, 2000)  # the lapse of time its refused renewals left
    assert not b.acquire()
    assert a.acquire() and redis.pttl(a.key) > 20_000


def test_one_poll_in_flight_per_feed(tmp_path: Path, redis: Redis) -> None:
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/feed.xml"], [])
    rt = runtime(cfg, redis)
    feeds = rt.config.feeds
    assert enqueue_poll(rt.services, feeds) == 1
    assert enqueue_poll(rt.services, feeds) == 0  # still queued
    assert rt.queues.feeds.count == 1
    drain(rt)  # the poll fails (nothing listens on port 9): it backs off, one interval (300 s) first
    assert enqueue_poll(rt.services, feeds) == 0  # a retry pending counts as in flight
    [(_feed, due)] = redis.zrange(schedule_store.DUE_KEY, 0, -1, withscores=True)
    assert 235 < due - time.time() <= 360  # +-20% jitter


def test_scheduler_enqueues_every_feed_and_a_second_one_stands_by(tmp_path: Path, redis: Redis) -> None:
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"], [])
    rt = runtime(cfg, redis)
    leader = FeedScheduler(rt.services, tick=0.1)
    thread = threading.Thread(target=leader.run, daemon=True)
    before = set(threading.enumerate())
    thread.start()
    try:
        wait_for(lambda: rt.queues.feeds.count >= 1, 10, "a poll job")
        polled = {fid for job in rt.queues.feeds.jobs for fid, *_ in job.args[0]}
        assert polled == {f.id for f in rt.config.feeds}
        standby = FeedScheduler(rt.services)
        assert not standby.lock.acquire()
    finally:
        leader.stop()
        # stop() shuts APScheduler down without waiting for a tick under way in its thread pool:
        # left running, that tick would claim and enqueue these feeds in the next test's Redis
        # (it did, on a busy machine). The pool's threads end when their tick does.
        for started in set(threading.enumerate()) - before:
            started.join(10)
    assert not thread.is_alive() and set(threading.enumerate()) <= before
    assert redis.get("ww:scheduler:leader") is None  # released on stop


def test_ticks_that_run_long_are_followed_by_the_next_without_a_warning_each(
    tmp_path: Path, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(write_config(tmp_path, ["http://127.0.0.1:9/a.xml"], []), redis)
    scheduler = FeedScheduler(rt.services, tick=0.05)
    ticks: list[float] = []

    def long_tick() -> None:  # a tick four times as long as the time between two
        ticks.append(time.monotonic())
        time.sleep(0.2)

    scheduler.tick = long_tick  # type: ignore[method-assign]
    thread = threading.Thread(target=scheduler.run, daemon=True)
    before = set(threading.enumerate())
    with caplog.at_level("INFO"):
        thread.start()
        try:
            wait_for(lambda: len(ticks) >= 4, 10, "four ticks")
        finally:
            scheduler.stop()
            for started in set(threading.enumerate()) - before:
                started.join(10)
    assert not [r for r in caplog.records if "maximum number of running instances" in r.getMessage()]
    assert any(r.name == "workers.scheduler" for r in caplog.records)  # the scheduler's own lines stay


def test_polling_some_feeds_now_leaves_the_other_due_feeds_alone(tmp_path: Path, redis: Redis) -> None:
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"], [])
    rt = runtime(cfg, redis)
    a, b = rt.config.feeds
    redis.zadd(schedule_store.DUE_KEY, {a.id: 1, b.id: 0})  # both due, b the longer
    assert enqueue_poll(rt.services, [a]) == 1
    assert redis.zscore(schedule_store.DUE_KEY, b.id) == 0  # still due: not leased without a poll
    [job] = rt.queues.feeds.jobs
    assert [fid for fid, *_ in job.args[0]] == [a.id]


def test_a_feed_removed_from_the_config_loses_every_key_of_its_own_at_the_next_sync(
    tmp_path: Path, redis: Redis
) -> None:
    urls = ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml", "http://127.0.0.1:9/c.xml"]
    cfg = write_config(tmp_path, urls, [])
    rt = runtime(cfg, redis)
    a, b, c = rt.config.feeds
    scheduler = FeedScheduler(rt.services)
    scheduler.sync()
    run_pass(rt)  # each poll fails (nothing listens on port 9) and is saved
    assert all(redis.exists(feeds_store.feed_key(f.id)) for f in (a, b, c))
    with redis.pipeline() as pipe:  # b had listed entries: its window of seen entries
        seen_store.save_window(pipe, b.id, seen_store.Window({b"123456": 500_000}), 3600)
        pipe.execute()

    write_config(tmp_path, [a.url], [])  # b and c removed, then `wirewatch reload`
    advance(redis)
    scheduler.follow_config()  # it sees the new generation, loads the config and syncs
    assert redis.exists(feeds_store.feed_key(a.id)) and not redis.exists(feeds_store.feed_key(b.id))
    assert not redis.exists(feeds_store.feed_key(c.id))
    assert {m.decode() for m in redis.zrange(schedule_store.DUE_KEY, 0, -1)} == {a.id}
    assert {m.decode() for m in redis.zrange(feeds_store.HEALTH_KEY, 0, -1)} == {a.id}
    assert [k.decode() for k in redis.keys("ww:feed:*")] == [feeds_store.feed_key(a.id)]

    # A poll of b under way meanwhile saves it after the sync: the next look sees the index hold
    # more feeds than the config and syncs again.
    save_polls(redis, rt.config, [(b, PollFailed("HTTP 500", retriable=True, http_status=500), 1)])
    assert redis.exists(feeds_store.feed_key(b.id))
    scheduler.follow_config()
    assert [k.decode() for k in redis.keys("ww:feed:*")] == [feeds_store.feed_key(a.id)]
    assert {m.decode() for m in redis.zrange(feeds_store.HEALTH_KEY, 0, -1)} == {a.id}


def test_a_poll_of_a_feed_no_longer_configured_drops_it_and_its_keys(tmp_path: Path, redis: Redis) -> None:
    urls = ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"]
    rt = runtime(write_config(tmp_path, urls, []), redis)
    a, b = rt.config.feeds
    run_pass(rt)
    (tmp_path / "fewer").mkdir()
    fewer = runtime(
        write_config(tmp_path / "fewer", [a.url], []), redis
    )  # a worker that loaded the new config
    redis.zadd(schedule_store.DUE_KEY, {a.id: 0, b.id: 0})
    enqueue_poll(rt.services, [a, b])  # queued by a scheduler that still had b
    drain(fewer)
    assert redis.zscore(schedule_store.DUE_KEY, b.id) is None
    assert not redis.exists(feeds_store.feed_key(b.id)) and redis.zscore(feeds_store.HEALTH_KEY, b.id) is None
    assert redis.exists(feeds_store.feed_key(a.id)) and redis.zscore(feeds_store.HEALTH_KEY, a.id) == 2


def _urls(n: int, first: int = 0) -> list[str]:
    return [f"http://127.0.0.1:9/f{i}.xml" for i in range(first, first + n)]


def _members(redis: Redis, key: str) -> dict[str, float]:
    return {m.decode(): score for m, score in redis.zrange(key, 0, -1, withscores=True)}


GONE = PollFailed("HTTP 410 Gone", retriable=False, gone=True, http_status=410)


def test_the_sync_keeps_the_schedule_and_the_index_right_across_its_chunks(
    tmp_path: Path, redis: Redis
) -> None:
    """Feeds added, removed, retired and given shorter intervals on either side of the sync's
    chunk boundaries (CHUNK feeds a script), at a reload."""
    n, chunk = 2 * feeds_store.CHUNK + 500, feeds_store.CHUNK  # three chunks
    urls = _urls(n)
    path = write_config(tmp_path, [{"url": u, "interval": "1h"} for u in urls], [], rules=[])
    rt = runtime(path, redis)
    scheduler = FeedScheduler(rt.services)
    scheduler.sync()
    feeds = rt.config.feeds
    ids = [f.id for f in feeds]
    assert (
        set(_members(redis, schedule_store.DUE_KEY))
        == set(ids)
        == set(_members(redis, feeds_store.HEALTH_KEY))
    )

    # Polled: each next due in 50 minutes; three retired by a 410, at chunk edges; the feeds to be
    # removed polled too, so that they have keys of their own to lose.
    later = time.time() + 3000
    redis.zadd(schedule_store.DUE_KEY, dict.fromkeys(ids, later))
    retired = [feeds[chunk - 1], feeds[chunk], feeds[2 * chunk]]
    removed = [feeds[i] for i in (0, chunk - 2, chunk + 1, 2 * chunk + 1, n - 1)]
    save_polls(redis, rt.config, [(f, GONE, 0) for f in retired])
    save_polls(
        redis, rt.config, [(f, PollFailed("HTTP 500", retriable=True, http_status=500), 0) for f in removed]
    )
    redis.zadd(schedule_store.DUE_KEY, {f.id: later for f in removed})
    shortened = {urls[i] for i in range(chunk - 4, chunk + 4)} - {f.url for f in retired + removed}

    kept = [u for u in urls if u not in {f.url for f in removed}]
    added = _urls(3, first=n)
    entries = [{"url": u, "interval": "10m" if u in shortened else "1h"} for u in kept]
    entries[chunk:chunk] = [{"url": added[0]}]  # one new feed in the middle, two at the end
    entries += [{"url": u} for u in added[1:]]
    write_config(tmp_path, entries, [], rules=[], poll_jitter="30s")
    advance(redis)
    before = time.time()
    scheduler.follow_config()
    after = time.time()

    config = scheduler.services.config
    by_url = {f.url: f.id for f in config.feeds}
    due = _members(redis, schedule_store.DUE_KEY)
    index = _members(redis, feeds_store.HEALTH_KEY)
    assert set(index) == set(by_url.values())  # every configured feed, the retired ones too
    assert set(due) == set(by_url.values()) - {f.id for f in retired}
    assert all(index[f.id] == feeds_store.RETIRED for f in retired)
    for f in removed:
        assert not redis.exists(feeds_store.feed_key(f.id)) and f.id not in due and f.id not in index
    for url in shortened:
        assert due[by_url[url]] <= after + 600  # brought forward: due within its new interval
    for url in added:
        assert before <= due[by_url[url]] <= after + 30  # new: due within the spread
    untouched = set(kept) - shortened - {f.url for f in retired}
    assert all(due[by_url[u]] == later for u in untouched)


def test_the_sync_forgets_thousands_of_removed_feeds_and_strays(tmp_path: Path, redis: Redis) -> None:
    """More feeds than a chunk leave at once; a stray in the schedule alone (no index entry) and
    one in the index alone go too."""
    n = feeds_store.CHUNK * 2 + 10
    rt = runtime(write_config(tmp_path, _urls(n), [], rules=[]), redis)
    scheduler = FeedScheduler(rt.services)
    scheduler.sync()
    save_polls(
        redis,
        rt.config,
        [(f, PollFailed("HTTP 500", retriable=True, http_status=500), 0) for f in rt.config.feeds],
    )
    redis.zadd(schedule_store.DUE_KEY, {"stray-due": 0})
    redis.zadd(feeds_store.HEALTH_KEY, {"stray-index": 0})
    write_config(tmp_path, _urls(10), [], rules=[])
    advance(redis)
    scheduler.follow_config()
    kept = {f.id for f in scheduler.services.config.feeds}
    assert len(kept) == 10
    assert (
        set(_members(redis, schedule_store.DUE_KEY)) == kept == set(_members(redis, feeds_store.HEALTH_KEY))
    )
    assert {k.decode() for k in redis.keys("ww:feed:*")} == {feeds_store.feed_key(f) for f in kept}


def test_a_tick_hands_every_due_feed_to_one_poll_job_claim_by_bounded_claim(
    tmp_path: Path, redis: Redis
) -> None:
    n = CLAIM_CHUNK * 2 + 7
    rt = runtime(write_config(tmp_path, _urls(n), [], rules=[]), redis)
    scheduler = FeedScheduler(rt.services)
    assert scheduler.lock.acquire()
    scheduler.sync()  # every feed due now (poll_jitter 0)
    leased = [fid for fid, _due in schedule_store.claim_due(redis, time.time(), 60, 5)]
    assert len(leased) == 5  # a claim takes its limit at most
    while scheduler.tick():  # a tick claims what its budget allows; the next ones the rest
        pass
    batches = [job.args[0] for job in rt.queues.feeds.jobs]
    polled = [fid for batch in batches for fid, _due, _slot in batch]
    assert sorted(polled + leased) == sorted(f.id for f in rt.config.feeds)  # each once
    assert all(len(batch) <= POLL_BATCH for batch in batches)


def test_the_tick_loads_no_config_and_follow_config_does(tmp_path: Path, redis: Redis) -> None:
    """The tick only claims: a reload (a million feeds loaded and synced) holds no tick back."""
    rt = runtime(write_config(tmp_path, _urls(2), [], rules=[]), redis)
    scheduler = FeedScheduler(rt.services)
    assert scheduler.lock.acquire()
    scheduler.sync()
    write_config(tmp_path, _urls(3), [], rules=[])
    advance(redis)
    scheduler.tick()
    assert len(scheduler.services.feeds) == 2 and redis.zcard(schedule_store.DUE_KEY) == 2
    scheduler.follow_config()
    assert len(scheduler.services.feeds) == 3 and redis.zcard(schedule_store.DUE_KEY) == 3


def test_claimed_feeds_get_their_hosts_next_free_slots_and_the_others_stay_due_until_theirs_near(
    tmp_path: Path, redis: Redis
) -> None:
    urls = [*(f"http://127.0.0.2:9/{n}.xml" for n in range(4)), "http://127.0.0.3:9/a.xml",
            "http://127.0.0.4:9/b.xml"]  # fmt: skip
    cfg = write_config(tmp_path, urls, [], host_delay="1s")
    data = yaml.safe_load(cfg.read_text())
    cfg.write_text(yaml.safe_dump({**data, "hosts": {"127.0.0.4": {"delay": "0s"}}}))
    rt = runtime(cfg, redis)
    ids = [next(f.id for f in rt.config.feeds if f.url == u) for u in urls]
    now = time.time()
    redis.zadd(schedule_store.DUE_KEY, {fid: now - 10 for fid in ids})
    claimed = schedule_store.claim_due(redis, now, POLL_LEASE, 100)
    claimed.sort(key=lambda c: ids.index(c[0]))  # in the order of `urls`: the plan goes in order
    planned = {fid: slot - now for fid, _due, slot in planning.plan_polls(rt.services, claimed, now)}

    lead, gap, ahead = planning.PLAN_LEAD, 1.0 + planning.SLOT_SLACK, planning.PLAN_AHEAD
    pace = planning.SPREAD / 5  # the five feeds of hosts with a delay spread over SPREAD
    # The busy host: one slot after another, while within PLAN_AHEAD
    busy = [lead, lead + gap, lead + 2 * gap, None]
    assert [planned.get(fid) for fid in ids[:4]] == pytest.approx(busy, abs=1e-4)
    assert planned[ids[4]] == pytest.approx(lead + 4 * pace, abs=1e-4)  # another host: its own, spread
    assert planned[ids[5]] == 0.0  # a host without host_delay has none
    # The last feed of the busy host was not handed over: due again when its slot nears
    due = float(redis.zscore(schedule_store.DUE_KEY, ids[3]) or 0)
    assert due - now == pytest.approx(lead + 3 * gap - ahead, abs=1e-4)
    assert feeds_store.feed_states(redis, [ids[3]])[ids[3]]["why"] == "host delay"
    # The slots are shared: another claim (another scheduler's) finds them taken
    again = schedule_store.claim_due(redis, due + 0.001, POLL_LEASE, 100)
    assert [fid for fid, _ in again] == [ids[3]]
    assert planning.plan_polls(rt.services, again, now) == []  # its slot is still beyond PLAN_AHEAD


def test_a_stop_asked_for_just_before_apscheduler_starts_still_ends_the_run(
    tmp_path: Path, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal's stop() can land after the run checked it and before APScheduler runs (stop()
    then has no running scheduler to shut down): the run ends all the same."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml"], [])
    rt = runtime(cfg, redis)
    scheduler = FeedScheduler(rt.services, tick=0.1)
    start = BlockingScheduler.start

    def stop_then_start(self: BlockingScheduler, *args: object, **kwargs: object) -> None:
        scheduler.stop()  # not running yet: nothing for it to shut down
        start(self, *args, **kwargs)

    monkeypatch.setattr(BlockingScheduler, "start", stop_then_start)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert redis.get("ww:scheduler:leader") is None  # released


def test_a_scheduler_whose_lock_another_took_claims_nothing_and_stands_by(
    tmp_path: Path, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """A leader cut off from Redis long enough for its lock to lapse, and another to take it,
    may still have a tick under way when it comes back: its claim is fenced by its token, in the
    claim's own script, so it polls nothing of what the new leader polls."""
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"], [])
    rt = runtime(cfg, redis)
    old = FeedScheduler(rt.services)
    assert old.lock.acquire()
    old.sync()
    redis.zadd(schedule_store.DUE_KEY, {f.id: 0 for f in rt.config.feeds})  # both due now
    redis.delete(old.lock.key)  # its lock lapsed while it was cut off...
    new = FeedScheduler(rt.services)
    assert new.lock.acquire()  # ...and another took the lead
    assert old.tick() == 0  # the late tick: fenced off
    assert redis.llen("rq:queue:feeds") == 0 and redis.zcount(schedule_store.DUE_KEY, 0, 0) == 2
    assert any("another scheduler leads now; standing by" in r.getMessage() for r in caplog.records)
    assert new.tick() == 2  # the leader claims them, once
    assert old.tick() == 0 and new.tick() == 0
