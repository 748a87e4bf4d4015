"""The schedule: when each feed is next due, and the leases of feeds handed to poll jobs."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from redis import Redis
from redis.client import Pipeline

from . import feeds as feed_store
from .common import PREFIX, to_str
from .feeds import feed_key

DUE_KEY = PREFIX + "due"


_CLAIM_DUE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[3])
for i = 1, #due, 2 do redis.call('zadd', KEYS[1], 'XX', ARGV[2], due[i]) end
return due
"""


def sync_schedule(
    redis: Redis, feeds: Mapping[str, tuple[float, float | None]], now: float, spread: float
) -> tuple[int, int]:
    """Make the due set hold exactly these feeds but the retired ones. Each feed maps to (its
    interval, the latest it may be due from now or None). A new feed is due within `spread`
    seconds (its interval at most) so that a first round does not start all at once; a feed due
    later than its latest (its interval was shortened) is brought forward; one no longer
    configured is dropped, and every key of its own deleted (`feeds.forget`). The health index
    is built again from the feeds' hashes on the way (`feeds.reindex`). Returns (added, dropped)."""
    known = {to_str(m) or "" for m in redis.zrange(DUE_KEY, 0, -1)}
    removed = sorted((known | feed_store.indexed_feeds(redis)) - set(feeds))
    if removed:
        with redis.pipeline(transaction=False) as pipe:
            feed_store.forget(pipe, removed)
            pipe.execute()
    retired = feed_store.reindex(redis, list(feeds))
    wanted = set(feeds) - retired
    gone = known - wanted
    with redis.pipeline(transaction=False) as pipe:
        for part in feed_store.chunks(sorted(wanted)):  # a command per CHUNK feeds, not per feed
            first = {fid: now + random.uniform(0, min(spread, feeds[fid][0])) for fid in part}
            pipe.zadd(DUE_KEY, first, nx=True)
            latest = {fid: now + at for fid in part if (at := feeds[fid][1]) is not None}
            if latest:
                pipe.zadd(DUE_KEY, latest, lt=True)
        if gone:
            pipe.zrem(DUE_KEY, *gone)
        pipe.execute()
    return len(wanted - known), len(gone)


def claim_due(redis: Redis, now: float, lease: float, limit: int) -> list[tuple[str, float]]:
    """Up to `limit` feeds due by `now`, with when each was due, leased until now + lease."""
    raw = redis.eval(_CLAIM_DUE, 1, DUE_KEY, now, now + lease, limit)
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
