"""Redis failing, as a process sees it: what kind of failure an error is (`trouble_of`), a log
that says each kind at most once a minute however many jobs or ticks meet it (`TroubleLog`),
and the replication barrier (`wait_for_replica`) that keeps a failover from losing work that the
history store already counts as handed over.

The kinds: Redis cannot be reached (down, failing over, cut off), it refuses writes because it
is out of memory (maxmemory with noeviction, as it must be: an evicting Redis drops queued jobs
without a word), it refuses writes because it cannot write to its disk (MISCONF: its AOF or a
snapshot failed, a full disk most often; it takes writes again by itself once it can), it is a
replica that was the primary a moment ago (READONLY: a failover under way), or anything else (a
bug, logged as such by the caller)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal, NamedTuple

from redis import Redis
from redis.exceptions import (
    BusyLoadingError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.sentinel import SentinelConnectionPool

from .common import PREFIX

Trouble = Literal["out of memory", "disk", "unreachable", "read-only", "other"]

SAYING: dict[Trouble, str] = {
    "out of memory": "Redis is out of memory (maxmemory reached, writes refused): jobs wait and are retried",
    "disk": "Redis cannot write to its disk (a full disk?), writes refused: jobs wait and are retried",
    "unreachable": "Redis cannot be reached: waiting for it",
    "read-only": "Redis answered as a replica (a failover under way): waiting for the new primary",
    "other": "Redis failed",
}
LOG_EVERY = 60.0  # seconds: each kind of trouble is logged at most once a minute per process
BARRIER_KEY = PREFIX + "replica:barrier"  # written just before WAIT (wait_for_replica)
REPLICA_WAIT_MS = 1000  # how long work waits for a replica to hold what it queued (wait_for_replica)


def trouble_of(exc: BaseException) -> Trouble | None:
    """The kind of Redis trouble `exc` is (None: not a Redis error)."""
    if isinstance(exc, OutOfMemoryError) or (isinstance(exc, ResponseError) and "OOM " in str(exc)):
        return "out of memory"  # a script's writes refused come as its error, naming OOM
    if isinstance(exc, ResponseError) and "MISCONF" in str(exc):
        return "disk"  # PING too is refused meanwhile: Redis answers, it is not unreachable
    if isinstance(exc, ReadOnlyError) or (isinstance(exc, ResponseError) and "READONLY" in str(exc)):
        return "read-only"
    if isinstance(exc, RedisConnectionError | RedisTimeoutError | BusyLoadingError | OSError):
        return "unreachable"
    if isinstance(exc, RedisError):
        return "other"
    return None


class TroubleLog:
    """One process's lines about Redis failing: each kind once a minute at most, with how many
    failures of it were left unsaid since, and a line when it is over."""

    def __init__(self, logger: logging.Logger, who: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.log, self.who, self.clock = logger, who, clock
        self._lock = threading.Lock()
        self._said_at: dict[Trouble, float] = {}
        self._unsaid: dict[Trouble, int] = {}
        self.current: Trouble | None = None  # the trouble of the last failure, until a success
        self._recovered_said = float("-inf")

    def failed(self, exc: BaseException, doing: str) -> Trouble | None:
        """Note a failure of `doing` (a tick, a job...); log it unless this kind was logged less
        than a minute ago. The kind (None: not a Redis error, the caller's to report)."""
        kind = trouble_of(exc)
        if kind is None:
            return None
        now = self.clock()
        with self._lock:
            self.current = kind
            if now - self._said_at.get(kind, float("-inf")) < LOG_EVERY:
                self._unsaid[kind] = self._unsaid.get(kind, 0) + 1
                return kind
            more = self._unsaid.pop(kind, 0)
            self._said_at[kind] = now
        also = f"; {more} more failures like it in the last minute" if more else ""
        self.log.warning(
            "%s: %s (%s: %s: %s%s)", self.who, SAYING[kind], doing, type(exc).__name__, exc, also
        )
        return kind

    def succeeded(self) -> None:
        """Redis answered again: say so, once a minute at most (a Redis that fails one write in
        two says each at most once a minute)."""
        now = self.clock()
        with self._lock:
            was, self.current = self.current, None
            if was is None or now - self._recovered_said < LOG_EVERY:
                return
            self._recovered_said = now
        self.log.warning("%s: Redis answers again (after: %s)", self.who, SAYING[was])


def replicated(redis: Redis) -> bool:
    """Whether this client's Redis has replicas that a failover promotes: a Sentinel-managed one."""
    return isinstance(redis.connection_pool, SentinelConnectionPool)


def wait_for_replica(redis: Redis, timeout_ms: int = REPLICA_WAIT_MS) -> bool:
    """Wait until a replica holds every write made so far, for a Sentinel-managed Redis; at once
    True otherwise. Called after queuing work and before the history store counts it as handed
    over (entries marked seen, an alert's deliveries noted): replication is asynchronous, and a
    failover would otherwise lose queued work that nothing queues again. False when no replica
    acknowledged in time (it is down or far behind): the caller goes on, since stopping all work
    for want of a replica is worse, and the loss window stays open for that moment (README,
    "Guarantees").

    Redis's WAIT counts the writes of its own connection, and the queuing went through whichever
    connection the pool lent: a write of the barrier key on WAIT's connection, after them, puts
    its offset past theirs."""
    if not replicated(redis):
        return True
    with redis.pipeline(transaction=False) as pipe:
        pipe.set(BARRIER_KEY, "1", px=60_000)
        pipe.wait(1, timeout_ms)
        _, acked = pipe.execute()
    return int(acked) >= 1


PROBE_KEY = PREFIX + "probe"  # a tiny write that says whether Redis takes writes now (refusing_writes)


class Memory(NamedTuple):
    """Redis's memory as INFO says: used, the limit (0: none) and what it does at the limit."""

    used: int
    limit: int
    policy: str


def memory(redis: Redis) -> Memory:
    info = redis.info("memory")
    return Memory(int(info["used_memory"]), int(info["maxmemory"]), str(info["maxmemory_policy"]))


def refusing_writes(redis: Redis) -> str | None:
    """What to say when Redis refuses writes now, for want of memory or of disk (a probe write
    tells), else None. Other errors are the caller's."""
    try:
        redis.set(PROBE_KEY, "1", px=10_000)
    except RedisError as exc:
        kind = trouble_of(exc)
        if kind == "out of memory":
            m = memory(redis)
            return (
                f"Redis is out of memory: {_mb(m.used)} used of maxmemory {_mb(m.limit)}, writes "
                "refused; work waits and resumes by itself when memory frees (raise maxmemory, or "
                "look at what grew)"
            )
        if kind == "disk":
            try:
                where = str(redis.config_get("dir").get("dir", "unknown"))
            except RedisError:  # CONFIG turned off (a hosted Redis)
                where = "unknown"
            return (
                f"Redis cannot write to its disk ({str(exc).removeprefix('MISCONF ')}; its dir: "
                f"{where}), writes refused; work waits and resumes by itself once Redis can write "
                "again (free space there)"
            )
        raise
    return None


def eviction_risk(redis: Redis) -> str | None:
    """A warning when Redis would evict keys at its memory limit (any maxmemory-policy but
    noeviction): queued jobs and feeds' seen state would go without a word."""
    m = memory(redis)
    if m.policy == "noeviction":
        return None
    limit = f"maxmemory {_mb(m.limit)}" if m.limit else "a maxmemory (none is set now)"
    return (
        f"Redis's maxmemory-policy is {m.policy}: when it reaches {limit} it evicts keys, and queued "
        "jobs, deliveries under way and feeds' seen state are dropped without a word (entries alert "
        "twice or never); set maxmemory-policy noeviction"
    )


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"
