"""The schedule: when each feed is next due, and the leases of feeds handed to poll jobs."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence

from redis import Redis
from redis.client import Pipeline

from . import feeds as feed_store
from .common import PREFIX, to_str
from .feeds import feed_key

DUE_KEY = PREFIX + "due"


_CLAIM_DUE = """
if ARGV[4] ~= '' and redis.call('get', KEYS[2]) ~= ARGV[4] then return false end
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[3])
for i = 1, #due, 2 do redis.call('zadd', KEYS[1], 'XX', ARGV[2], due[i]) end
return due
"""


# Per feed of a chunk, from `plan(feed id, why it is due when it is)`: its interval, and the
# latest it may be due from now (None: leave its time be).
Plan = Callable[[str, str | None], tuple[float, float | None]]


def sync_schedule(
    redis: Redis, feed_ids: Sequence[str], plan: Plan, now: float, spread: float
) -> tuple[int, int]:
    """Make the due set hold exactly these feeds but the retired ones, CHUNK feeds at a time: the
    health index's script, a ZMSCORE and, for the feeds whose time changes, a pipeline; so that
    no command walks the schedule and the polls and claims of other processes are served
    between two chunks. A new feed is due within `spread` seconds (its interval at most) of when
    its chunk is written, so that a first round does not start all at once; a feed due later
    than its latest (its interval was shortened) is brought forward. The health index is built
    again from the feeds' hashes on the way (`feeds.reindex`, which reads why each is due when
    it is for `plan`). A feed no longer configured is dropped, and every key of its own deleted
    (`feeds.forget`). Returns (added, dropped)."""
    began = time.perf_counter()
    added = dropped = scheduled = 0
    for part in feed_store.chunks(feed_ids):
        indexed = feed_store.reindex(redis, part)
        # Only the feeds whose time changes are written (ZADD NX and LT would leave the others
        # as they are anyway): at a restart, hardly any.
        scores = redis.zmscore(DUE_KEY, list(part))
        at = now + time.perf_counter() - began
        new: dict[str, float] = {}
        sooner: dict[str, float] = {}
        for fid, score in zip(part, scores, strict=True):
            if fid in indexed.retired:
                continue
            interval, late = plan(fid, indexed.reasons[fid])
            latest = at + late if late is not None else math.inf
            if score is None:
                new[fid] = min(at + random.uniform(0, min(spread, interval)), latest)
            elif score > latest:
                sooner[fid] = latest
        scheduled += len(part) - len(indexed.retired)
        if not (new or sooner or indexed.retired):
            continue
        with redis.pipeline(transaction=False) as pipe:
            if new:  # NX: a feed put in meanwhile (`make_due`, `revive_feed`) keeps its time
                pipe.zadd(DUE_KEY, new, nx=True)
            if sooner:  # LT: a feed polled meanwhile, and due sooner still, keeps its time
                pipe.zadd(DUE_KEY, sooner, lt=True)
            if indexed.retired:
                pipe.zrem(DUE_KEY, *indexed.retired)
            done = pipe.execute()
        added += int(done[0]) if new else 0
        dropped += int(done[-1]) if indexed.retired else 0
    return added, dropped + _drop_unconfigured(redis, feed_ids, scheduled)


def _drop_unconfigured(redis: Redis, feed_ids: Sequence[str], scheduled: int) -> int:
    """Forget the feeds the schedule or the health index holds but the config does not. Once
    every configured feed is in both, they hold none other when they hold no more than that
    (`scheduled`: the configured feeds that are not retired): two counts, and the schedule or
    the index is only read through (ZSCAN) when it holds more. Returns how many left the
    schedule."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(DUE_KEY)
        pipe.zcard(feed_store.HEALTH_KEY)
        in_schedule, in_index = pipe.execute()
    if in_schedule == scheduled and in_index == len(feed_ids):
        return 0
    configured = set(feed_ids)
    gone = set() if in_schedule == scheduled else {f for f in scan_due(redis) if f not in configured}
    unindexed = (
        set()
        if in_index == len(feed_ids)
        else {f for f in feed_store.scan_indexed(redis) if f not in configured}
    )
    for part in feed_store.chunks(sorted(gone | unindexed)):
        with redis.pipeline(transaction=False) as pipe:
            pipe.zrem(DUE_KEY, *part)
            feed_store.forget(pipe, part)
            pipe.execute()
    return len(gone)


def scan_due(redis: Redis) -> Iterator[str]:
    """Every feed in the schedule, CHUNK or so a command (ZSCAN, as `feeds.scan_indexed`)."""
    for member, _score in redis.zscan_iter(DUE_KEY, count=feed_store.CHUNK):
        yield to_str(member) or ""


class NotLeader(Exception):
    """A claim fenced off: the scheduler that asked no longer holds the lock it named."""


def claim_due(
    redis: Redis, now: float, lease: float, limit: int, fence: tuple[str, str] | None = None
) -> list[tuple[str, float]]:
    """Up to `limit` feeds due by `now`, with when each was due, leased until now + lease.
    `fence` (a lock's key and its holder's token, workers.store.leader.LeaderLock.fence): the claim
    is made only while that lock holds that token, in the same script, else NotLeader. A
    scheduler cut off from Redis that lost its lock meanwhile claims nothing when it comes back,
    however late its tick's command arrives: the new leader's feeds are not polled twice."""
    key, token = fence if fence is not None else (DUE_KEY, "")
    raw = redis.eval(_CLAIM_DUE, 2, DUE_KEY, key, now, now + lease, limit, token)
    if raw is None:
        raise NotLeader(f"the lock {key} is no longer held by this scheduler")
    return [(to_str(raw[i]) or "", float(raw[i + 1])) for i in range(0, len(raw), 2)]


_CLAIM_THESE = """
local out = {}
for i = 1, #ARGV - 2 do
  local due = redis.call('zscore', KEYS[1], ARGV[i + 2])
  if due and tonumber(due) <= tonumber(ARGV[1]) then
    redis.call('zadd', KEYS[1], 'XX', ARGV[2], ARGV[i + 2])
    table.insert(out, ARGV[i + 2])
    table.insert(out, due)
  end
end
return out
"""


def claim_these(redis: Redis, feed_ids: Sequence[str], now: float, lease: float) -> list[tuple[str, float]]:
    """Of these feeds, the ones due by `now`, with when each was due, leased until now + lease
    (the others, in flight or due later, are left as they are)."""
    if not feed_ids:
        return []
    raw = redis.eval(_CLAIM_THESE, 1, DUE_KEY, now, now + lease, *feed_ids)
    return [(to_str(raw[i]) or "", float(raw[i + 1])) for i in range(0, len(raw), 2)]


def set_due(pipe: Pipeline, feed_id: str, when: float) -> None:
    pipe.zadd(DUE_KEY, {feed_id: when}, xx=True)  # xx: a feed dropped meanwhile stays dropped


def due_count(redis: Redis, now: float) -> int:
    return int(redis.zcount(DUE_KEY, "-inf", now))


def retire_feed(pipe: Pipeline, feed_id: str) -> None:
    """No more polls: out of the schedule (its state says `retired`)."""
    pipe.zrem(DUE_KEY, feed_id)


def revive_feed(redis: Redis, feed_id: str, now: float) -> bool:
    """Put a retired feed back in the schedule, due now; False if it was not retired."""
    if not redis.hdel(feed_key(feed_id), "retired"):
        return False
    with redis.pipeline() as pipe:
        pipe.hdel(feed_key(feed_id), "errors", "retired_reason")
        pipe.zadd(DUE_KEY, {feed_id: now})
        pipe.execute()
    feed_store.reindex(redis, [feed_id])  # retired no more: counted as its hash now says
    return True


def make_due(redis: Redis, feed_ids: Sequence[str], now: float) -> None:
    """Put these feeds in the schedule, due now, unless they are in it (due or leased) already."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.zadd(DUE_KEY, {fid: now}, nx=True)
        pipe.execute()


def drop(redis: Redis, feed_id: str) -> None:
    """A feed no longer configured leaves the schedule, and every key of its own goes."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.zrem(DUE_KEY, feed_id)
        feed_store.forget(pipe, [feed_id])
        pipe.execute()
