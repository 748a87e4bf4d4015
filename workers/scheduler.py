"""The scheduler daemon: APScheduler 3.11 BlockingScheduler, one interval job per feed.

Only one scheduler per Redis leads (a lock with a TTL it keeps renewing); a second one stands by
and takes over when the leader goes away. Each tick only enqueues `poll_feed` (one in flight per
feed); the workers do the polling.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from redis import Redis

from . import state
from .enqueue import enqueue_poll
from .runtime import Runtime

log = logging.getLogger(__name__)

LOCK_TTL = 30.0
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LeaderLock:
    def __init__(self, redis: Redis, ttl: float = LOCK_TTL, key: str = state.LEADER_KEY) -> None:
        self.redis, self.ttl, self.key = redis, ttl, key
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return bool(self.redis.set(self.key, self.token, nx=True, px=int(self.ttl * 1000)))

    def renew(self) -> bool:
        return bool(self.redis.eval(_RENEW, 1, self.key, self.token, int(self.ttl * 1000)))

    def release(self) -> None:
        self.redis.eval(_RELEASE, 1, self.key, self.token)


class FeedScheduler:
    """Run with `run()`; `stop()` (e.g. from a signal handler) ends it promptly."""

    def __init__(self, runtime: Runtime, lock_ttl: float = LOCK_TTL) -> None:
        self.rt = runtime
        self.lock = LeaderLock(runtime.redis, lock_ttl)
        self._stopping = threading.Event()
        self._scheduler: BlockingScheduler | None = None

    def stop(self) -> None:
        self._stopping.set()
        sched = self._scheduler
        if sched is not None and sched.running:
            sched.shutdown(wait=False)

    def run(self) -> None:
        while not self._stopping.is_set():
            if not self.lock.acquire():
                log.info("scheduler: another scheduler leads; standing by")
                self._stopping.wait(self.lock.ttl / 3)
                continue
            log.info("scheduler: leading, %d feeds", len(self.rt.config.feeds))
            try:
                self._lead()
            finally:
                self.lock.release()
        log.info("scheduler: stopped")

    def _lead(self) -> None:
        sched = BlockingScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        now = datetime.now(sched.timezone)
        jitter = self.rt.config.defaults.poll_jitter
        for feed in self.rt.config.feeds:
            interval = self.rt.config.interval_for(feed)
            sched.add_job(
                enqueue_poll,
                IntervalTrigger(seconds=interval, jitter=min(jitter, interval / 2) or None),
                args=(self.rt, feed),
                id=feed.id,
                name=feed.url,
                next_run_time=now + timedelta(seconds=random.uniform(0, min(jitter, interval / 2))),
            )
        sched.add_job(self._renew, "interval", seconds=self.lock.ttl / 3, id="leader-lock")
        self._scheduler = sched
        if self._stopping.is_set():
            return
        sched.start()  # blocks until stop() or a lost lock shuts it down

    def _renew(self) -> None:
        try:
            held = self.lock.renew()
        except Exception as exc:  # Redis unreachable: another scheduler may take over, so step down
            log.warning("scheduler: cannot renew the leader lock: %s", exc)
            held = False
        if not held:
            log.warning("scheduler: lost the leader lock; standing by")
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=False)
