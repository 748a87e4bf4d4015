"""The scheduler daemon: APScheduler 3.11 BlockingScheduler driving a tick over the due set.

The feeds' due times live in Redis (`ww:due`), so the schedule survives restarts and a change
of leader. On taking the lead the scheduler syncs that set with the config; then every tick
(1 s) it claims the feeds that are due, leasing them, and hands them to poll jobs in batches.
The poll job sets each feed's next due time. Only one scheduler per Redis leads (a lock with a
TTL it keeps renewing); a second one stands by and takes over when the leader goes away. The
scheduler compiles no rules: it needs only `Services`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from redis import Redis

from pipeline.polling import PollPolicy, latest_due_in

from . import digests, reload, state
from .context import Services
from .enqueue import POLL_BATCH, POLL_LEASE, enqueue_poll_batches

log = logging.getLogger(__name__)

LOCK_TTL = 30.0
TICK = 1.0  # seconds between two looks at the due set
CLAIM_MAX = POLL_BATCH * 20  # feeds claimed in one go (a tick claims until none is due)
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

    def __init__(self, services: Services, lock_ttl: float = LOCK_TTL, tick: float = TICK) -> None:
        self.services = services
        self.tick_seconds = tick
        self.lock = LeaderLock(services.redis, lock_ttl)
        self._stopping = threading.Event()
        self._scheduler: BlockingScheduler | None = None
        self._generation = reload.generation(services.redis)

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
            log.info("scheduler: leading, %d feeds", len(self.services.config.feeds))
            try:
                self._lead()
            finally:
                self.lock.release()
        log.info("scheduler: stopped")

    def _lead(self) -> None:
        if not self.reload_if_changed():  # a config reloaded while this one stood by
            self._sync()
        sched = BlockingScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        sched.add_job(
            self.tick, "interval", seconds=self.tick_seconds, id="tick", next_run_time=datetime.now(UTC)
        )
        sched.add_job(self._renew, "interval", seconds=self.lock.ttl / 3, id="leader-lock")
        self._scheduler = sched
        if self._stopping.is_set():
            return
        sched.start()  # blocks until stop() or a lost lock shuts it down

    def _sync(self) -> None:
        """Make the schedule match the config: new feeds in, removed ones out, shortened intervals."""
        cfg = self.services.config
        redis = self.services.redis
        reasons = state.schedule_reasons(redis, [f.id for f in cfg.feeds])
        plan = {
            f.id: (cfg.interval_for(f), latest_due_in(PollPolicy.of(cfg, f), reasons[f.id]))
            for f in cfg.feeds
        }
        added, dropped = state.sync_schedule(redis, plan, time.time(), cfg.defaults.poll_jitter)
        if added or dropped:
            log.info("scheduler: %d feeds added to the schedule, %d dropped", added, dropped)

    def reload_if_changed(self) -> bool:
        """Each tick: load the config again when its generation in Redis moved on, and sync the
        schedule to it. True when it did."""
        redis = self.services.redis
        now = reload.generation(redis)
        if now == self._generation:
            return False
        self._generation = now
        path = self.services.config.config_path
        cfg = reload.load_or_keep(path, "scheduler") if path is not None else None
        if cfg is None:
            return False
        self.services = Services(cfg, redis)
        log.info("scheduler: config generation %d: %d feeds", now, len(cfg.feeds))
        self._sync()
        return True

    def tick(self) -> int:
        """Hand every due feed to a poll job; returns how many."""
        total = 0
        try:
            self.reload_if_changed()
            while True:
                claimed = state.claim_due(self.services.redis, time.time(), POLL_LEASE, CLAIM_MAX)
                enqueue_poll_batches(self.services, claimed)
                total += len(claimed)
                if len(claimed) < CLAIM_MAX:
                    break
            digests.flush_due(self.services, time.time())
        except Exception as exc:  # Redis away for a moment: the next tick tries again
            log.warning("scheduler: tick failed: %s: %s", type(exc).__name__, exc)
        return total

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
