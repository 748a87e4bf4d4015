"""The scheduler's leader lock and the one-poll-in-flight rule, on a real Redis."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from redis import Redis

from pipeline.polling import PollFailed
from workers.queueing import enqueue_poll
from workers.scheduler import FeedScheduler
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
        polled = {fid for job in rt.queues.feeds.jobs for fid, _due in job.args[0]}
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


def test_polling_some_feeds_now_leaves_the_other_due_feeds_alone(tmp_path: Path, redis: Redis) -> None:
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"], [])
    rt = runtime(cfg, redis)
    a, b = rt.config.feeds
    redis.zadd(schedule_store.DUE_KEY, {a.id: 1, b.id: 0})  # both due, b the longer
    assert enqueue_poll(rt.services, [a]) == 1
    assert redis.zscore(schedule_store.DUE_KEY, b.id) == 0  # still due: not leased without a poll
    [job] = rt.queues.feeds.jobs
    assert [fid for fid, _due in job.args[0]] == [a.id]


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
    scheduler.tick()  # a tick sees the new generation, loads the config and syncs
    assert redis.exists(feeds_store.feed_key(a.id)) and not redis.exists(feeds_store.feed_key(b.id))
    assert not redis.exists(feeds_store.feed_key(c.id))
    assert {m.decode() for m in redis.zrange(schedule_store.DUE_KEY, 0, -1)} == {a.id}
    assert {m.decode() for m in redis.zrange(feeds_store.HEALTH_KEY, 0, -1)} == {a.id}
    assert [k.decode() for k in redis.keys("ww:feed:*")] == [feeds_store.feed_key(a.id)]

    # A poll of b under way meanwhile saves it after the sync: the next tick sees the index hold
    # more feeds than the config and syncs again.
    save_polls(redis, rt.config, [(b, PollFailed("HTTP 500", retriable=True, http_status=500), 1)])
    assert redis.exists(feeds_store.feed_key(b.id))
    scheduler.tick()
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
