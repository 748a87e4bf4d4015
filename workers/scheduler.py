"""The scheduler daemon: APScheduler 3.11 BlockingScheduler driving a tick over the due set.

The feeds' due times live in Redis (`ww:due`), so the schedule survives restarts and a change
of leader. On taking the lead the scheduler syncs that set with the config; then every tick
(TICK) it claims the feeds that are due, leasing them, gives each its host's next free slot
(workers.planning) and hands them to poll jobs in batches by slot time.
The poll job sets each feed's next due time. Only one scheduler per Redis leads (a lock with a
TTL it keeps renewing); a second one stands by and takes over when the leader goes away. The
scheduler compiles no rules: it needs only `Services`.

A tick's cost is bounded whatever is due (after a start that took a minute, a minute of feeds
is): it claims CLAIM_CHUNK feeds a claim (one script, a bounded moment of Redis), for
CLAIM_BUDGET of claims at most; what is still due is the next tick's. Following the config (a
reload, or a sync when the health index drifted from the config) is a job of its own beside the
tick, so that loading a million feeds and syncing them holds no tick back.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from pipeline.polling import PollPolicy, latest_due_in

from .delivery import flush_due
from .jobs.websub import websub_upkeep
from .planning import plan_polls
from .queueing import POLL_BATCH, POLL_LEASE, enqueue_poll_batches
from .recording import prune
from .reload import GenerationWatch
from .services import Services
from .spikes import watch_spikes
from .store import feeds, schedule
from .store.leader import LOCK_TTL, LeaderLock
from .store.trouble import TroubleLog

log = logging.getLogger(__name__)

# Seconds between two looks at the due set. A quarter second: with a million feeds due every
# minute, a tick finds some 4,000 due and claims them in a few tens of ms, and a tick whose claims
# reach CLAIM_BUDGET (Redis slow, or a backlog after a start) is followed by another soon.
TICK = 0.25
FOLLOW_CONFIG = 1.0  # seconds between two looks at the config generation and the health index
HOUSEKEEPING = 60.0  # seconds between two drains of the history store's outbox
STOP_CHECK = 0.5  # seconds between two looks at whether stop() was asked for
PRUNE_EVERY = 600.0  # seconds between two retention passes over the history store
CLAIM_CHUNK = POLL_BATCH * 10  # feeds one claim takes at most: one script, a bounded moment of Redis
RETRY_LEAD = 1.0  # seconds between two tries at the lead while Redis does not answer
CLAIM_BUDGET = 0.1  # seconds of claims a tick spends at most: what is still due waits a tick


class _LongTicks(logging.Filter):
    """Drops APScheduler's warning that a tick was skipped because the one before still runs. A
    tick that runs long (a backlog after a start, a million feeds falling due) is followed by
    the next one at once and nothing due is lost: the warning would come four times a second
    just when the logs matter most."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return not (getattr(job, "id", None) == "tick" and "maximum number of running" in str(record.msg))


_LONG_TICKS = _LongTicks()


class FeedScheduler:
    """Run with `run()`; `stop()` (e.g. from a signal handler) ends it promptly."""

    def __init__(self, services: Services, lock_ttl: float = LOCK_TTL, tick: float = TICK) -> None:
        self.services = services
        self.tick_seconds = tick
        self.lock = LeaderLock(services.redis, lock_ttl)
        self._stopping = threading.Event()
        self._scheduler: BlockingScheduler | None = None
        self._config_watch = GenerationWatch(services.redis, "scheduler")
        self._pruned_at = 0.0
        self.trouble = TroubleLog(log, "scheduler")  # Redis failing: said once a minute, not per tick

    def stop(self) -> None:
        self._stopping.set()
        sched = self._scheduler
        if sched is not None and sched.running:
            sched.shutdown(wait=False)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                leading = self.lock.acquire()
            except Exception as exc:  # Redis away (failing over, cut off): ask again in a moment
                self._failed(exc, "taking the lead")
                self._stopping.wait(RETRY_LEAD)
                continue
            if not leading:
                log.info("scheduler: another scheduler leads; standing by")
                self._stopping.wait(self.lock.ttl / 3)
                continue
            log.info("scheduler: leading, %d feeds", len(self.services.config.feeds))
            try:
                self._lead()
            finally:
                try:
                    self.lock.release()
                except Exception as exc:  # its TTL ends it
                    self._failed(exc, "giving up the lead")
        log.info("scheduler: stopped")

    def _failed(self, exc: BaseException, doing: str) -> None:
        """A round that failed: Redis's trouble is said once a minute; anything else each time."""
        if self.trouble.failed(exc, doing) is None:
            log.warning("scheduler: %s failed: %s: %s", doing, type(exc).__name__, exc)

    def _lead(self) -> None:
        if not self.reload_if_changed():  # a config reloaded while this one stood by
            self.sync()
        sched = BlockingScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        sched.add_job(
            self.tick, "interval", seconds=self.tick_seconds, id="tick", next_run_time=datetime.now(UTC)
        )
        sched.add_job(self.follow_config, "interval", seconds=FOLLOW_CONFIG, id="config")
        sched.add_job(self._renew, "interval", seconds=self.lock.ttl / 3, id="leader-lock")
        sched.add_job(self.housekeeping, "interval", seconds=HOUSEKEEPING, id="history")
        # stop() shuts a running scheduler down; one that a signal's stop() reached before it ran
        # (between the check below and start()'s state change) would block for good without this
        sched.add_job(
            self._stop_if_asked, "interval", seconds=STOP_CHECK, id="stop", next_run_time=datetime.now(UTC)
        )
        apscheduler_log = logging.getLogger("apscheduler.scheduler")
        if _LONG_TICKS not in apscheduler_log.filters:
            apscheduler_log.addFilter(_LONG_TICKS)
        self._scheduler = sched
        if self._stopping.is_set():
            return
        sched.start()  # blocks until stop() or a lost lock shuts it down

    def sync(self) -> None:
        """Make the schedule match the config: new feeds in, removed ones out, shortened intervals."""
        cfg = self.services.config
        configured = self.services.feeds

        def plan(feed_id: str, why: str | None) -> tuple[float, float | None]:
            feed = configured[feed_id]
            return cfg.interval_for(feed), latest_due_in(PollPolicy.of(cfg, feed), why)

        added, dropped = schedule.sync_schedule(
            self.services.redis, list(configured), plan, time.time(), cfg.defaults.poll_jitter
        )
        if added or dropped:
            log.info("scheduler: %d feeds added to the schedule, %d dropped", added, dropped)

    def follow_config(self) -> None:
        """Each second, beside the tick: load the config again when its generation moved on, or
        sync when the health index drifted from it."""
        try:
            if not self.reload_if_changed():
                self.sync_if_drifted()
        except Exception as exc:  # Redis away for a moment: the next round tries again
            self._failed(exc, "following the config")

    def reload_if_changed(self) -> bool:
        """Load the config again when its generation in Redis moved on, and sync the schedule to
        it. True when it did."""
        loaded = self._config_watch.newer(self.services.config.config_path)
        if loaded is None:
            return False
        cfg = loaded.config
        self.services = self.services.again(cfg)
        log.info("scheduler: config generation %d: %d feeds", self._config_watch.seen, len(cfg.feeds))
        self.sync()
        return True

    def sync_if_drifted(self) -> bool:
        """Sync again when the health index does not hold as many feeds as the config: a poll
        that was under way when its feed left the config saved the feed after the sync forgot
        it (or a worker with an older config dropped a feed). One ZCARD a second. True when it
        synced."""
        indexed, configured = feeds.indexed_count(self.services.redis), len(self.services.feeds)
        if indexed == configured:
            return False
        log.info("scheduler: %d feeds indexed, %d configured: syncing the schedule", indexed, configured)
        self.sync()
        return True

    def tick(self) -> int:
        """Hand the due feeds to poll jobs, CLAIM_CHUNK a claim, until none is due or another
        claim would take the claims past CLAIM_BUDGET (what is still due is the next tick's);
        returns how many."""
        total, claiming, longest = 0, 0.0, 0.0
        try:
            while claiming + longest <= CLAIM_BUDGET:  # room for another claim as long as any
                began, now = time.perf_counter(), time.time()
                claimed = schedule.claim_due(
                    self.services.redis, now, POLL_LEASE, CLAIM_CHUNK, self.lock.fence()
                )
                took = time.perf_counter() - began
                claiming, longest = claiming + took, max(longest, took)
                enqueue_poll_batches(self.services, plan_polls(self.services, claimed, now))
                total += len(claimed)
                if len(claimed) < CLAIM_CHUNK:
                    break
            flush_due(self.services, time.time())
        except schedule.NotLeader:  # another took the lock while this one was cut off
            self._step_down("another scheduler leads now; standing by")
        except Exception as exc:  # Redis away for a moment: the next tick tries again
            self._failed(exc, "tick")
        else:
            self.trouble.succeeded()
        return total

    def housekeeping(self, now: float | None = None) -> None:
        """The leader's care of the history store: what waits in the outbox is written (when the
        store answers again), the rules' spikes are looked for (workers.spikes), and every
        PRUNE_EVERY what is past its retention is deleted."""
        now = time.time() if now is None else now
        services = self.services
        try:
            websub_upkeep(services, now)  # leases renewed, feeds that left unsubscribed
        except Exception as exc:  # Redis away: the next round tries again
            self._failed(exc, "WebSub upkeep")
        try:
            services.recorder.drain()
            if now - self._pruned_at >= PRUNE_EVERY:
                self._pruned_at = now
                d = services.config.defaults
                gone = prune(services.history, d.archive_retention, d.seen_ttl, now)
                if any(gone.values()):
                    log.info("scheduler: history store retention: %s deleted",
                             ", ".join(f"{n} {what}" for what, n in gone.items() if n))  # fmt: skip
        except Exception as exc:  # the store or Redis away: the next round tries again
            self._failed(exc, "history housekeeping")
        try:
            watch_spikes(services, now)  # counted in the history store: the next round, if it is down
        except Exception as exc:
            self._failed(exc, "spike notices")

    def _stop_if_asked(self) -> None:
        if self._stopping.is_set() and self._scheduler is not None:
            self._scheduler.shutdown(wait=False)

    def _renew(self) -> None:
        try:
            held = self.lock.renew()
        except Exception as exc:  # Redis unreachable: another scheduler may take over, so step down
            log.warning("scheduler: cannot renew the leader lock: %s", exc)
            held = False
        if not held:
            self._step_down("lost the leader lock; standing by")

    def _step_down(self, why: str) -> None:
        log.warning("scheduler: %s", why)
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
