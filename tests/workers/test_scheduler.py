"""The scheduler's leader lock and the one-poll-in-flight rule, on a real Redis."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from redis import Redis

from workers.queueing import enqueue_poll
from workers.scheduler import FeedScheduler
from workers.store import schedule as schedule_store
from workers.store.leader import LeaderLock

from .helpers import drain, runtime, wait_for, write_config


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
    thread.start()
    try:
        wait_for(lambda: rt.queues.feeds.count >= 1, 10, "a poll job")
        polled = {fid for job in rt.queues.feeds.jobs for fid, _due in job.args[0]}
        assert polled == {f.id for f in rt.config.feeds}
        standby = FeedScheduler(rt.services)
        assert not standby.lock.acquire()
    finally:
        leader.stop()
        thread.join(10)
    assert not thread.is_alive()
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
