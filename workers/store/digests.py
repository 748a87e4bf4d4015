"""Digest groups in Redis (the decisions are pipeline.digests'). Alerts wait here until their
digest was delivered; a crash or a restart (Redis with AOF) loses none and puts none in two
digests.

    ww:digests:due                  sorted set: group -> when it goes out
    ww:digest:<group>:pending       sorted set: alert id -> when it came, waiting for the next flush
    ww:digest:<group>:alerts        hash: alert id -> the alert (JSON), while pending
    ww:digest:<group>:last          when the group last went out, for LAST_KEPT group_intervals
    ww:digest:batch:<digest id>     hash: the alerts one flush took (alert id -> JSON) and the
                                    group, sink and due time (_group, _sink, _due), until its
                                    digest is delivered (or dropped as a dead letter)
    ww:digests:open                 sorted set: digest id -> when taken, until delivered
    ww:digested:<delivery id>       an (alert, sink) handed to a digest: never handed twice

A flush moves a group's oldest alerts (max_alerts) into a batch in one script; the digest job
for it is queued under its stable id (`deliver-digest-<id>-<sink>`) by every tick until it
exists, so a crash between the two only delays it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from redis import Redis

from pipeline.digests import digest_id, flush_time
from pipeline.models import Alert, Digest, iso_time, unix_time
from pipeline.stories import with_timeline
from pipeline.values import DigestConfig

from . import spikes, stories
from .common import PREFIX, to_str

log = logging.getLogger(__name__)

DUE = PREFIX + "digests:due"
OPEN = PREFIX + "digests:open"


def _keys(group: str) -> tuple[str, str, str]:
    base = f"{PREFIX}digest:{group}"
    return f"{base}:pending", f"{base}:alerts", f"{base}:last"


def batch_key(digest: str) -> str:
    return f"{PREFIX}digest:batch:{digest}"


def digested_key(delivery_id: str) -> str:
    return f"{PREFIX}digested:{delivery_id}"


_ADD = """
if not redis.call('set', KEYS[1], 'pending', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('zadd', KEYS[2], 'NX', ARGV[3], ARGV[2])
redis.call('hset', KEYS[3], ARGV[2], ARGV[4])
redis.call('zadd', KEYS[4], 'NX', ARGV[6], ARGV[5])
return 1
"""


def add(
    redis: Redis, alert: Alert, sink_id: str, cfg: DigestConfig, group: str, now: float, ttl: float
) -> bool:
    """Put an alert in its group for this sink; False when it was handed to a digest before."""
    pending, alerts, last_key = _keys(group)
    last = redis.get(last_key)
    due = flush_time(cfg, now, float(last) if last is not None else None)
    added = redis.eval(
        _ADD, 4, digested_key(alert.delivery_id(sink_id)), pending, alerts, DUE,
        max(1, int(ttl)), alert.alert_id, now, alert.to_json(), group, due,
    )  # fmt: skip
    if added:
        log.info("alert %s: waits in digest group %s until %s", alert.alert_id, group, iso_time(due))
    return bool(added)


def handed(redis: Redis, alert: Alert, sink_id: str) -> bool:
    """Whether the alert was handed to a digest for this sink (within its alert_ttl)."""
    return bool(redis.exists(digested_key(alert.delivery_id(sink_id))))


_TAKE = """
if redis.call('exists', KEYS[6]) == 1 then return 0 end
local ids = redis.call('zrange', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if #ids == 0 then redis.call('zrem', KEYS[3], ARGV[1]) return 0 end
local jsons = redis.call('hmget', KEYS[2], unpack(ids))
for i = 1, #ids do redis.call('hset', KEYS[6], ids[i], jsons[i]) end
redis.call('hset', KEYS[6], '_group', ARGV[1], '_sink', ARGV[7], '_due', ARGV[8])
redis.call('expire', KEYS[6], ARGV[6])
redis.call('zrem', KEYS[1], unpack(ids))
redis.call('hdel', KEYS[2], unpack(ids))
redis.call('set', KEYS[4], ARGV[3], 'EX', ARGV[9])
redis.call('zadd', KEYS[5], ARGV[3], ARGV[5])
if redis.call('zcard', KEYS[1]) > 0 then
  redis.call('zadd', KEYS[3], ARGV[4], ARGV[1])
else
  redis.call('zrem', KEYS[3], ARGV[1])
end
return #ids
"""


def due_groups(redis: Redis, now: float) -> list[tuple[str, float]]:
    """The groups whose digest is due by `now`, with when each was due."""
    due: list[tuple[bytes, float]] = redis.zrangebyscore(DUE, "-inf", now, withscores=True)  # type: ignore[assignment]
    return [(to_str(raw) or "", float(at)) for raw, at in due]


def take(redis: Redis, group: str, cfg: DigestConfig, due: float, now: float, ttl: float) -> tuple[str, int]:
    """Move the group's oldest alerts (max_alerts) into the batch of its digest due at `due`, in
    one script: (the digest id, how many alerts it took; 0 when none waited or it was taken)."""
    pending, alerts, last = _keys(group)
    digest = digest_id(group, due)
    count = redis.eval(
        _TAKE, 6, pending, alerts, DUE, last, OPEN, batch_key(digest),
        group, cfg.max_alerts, now, flush_time(cfg, now, now), digest,
        max(1, int(ttl)), group.partition("/")[0], due, last_ttl(cfg),
    )  # fmt: skip
    return digest, int(count or 0)


LAST_KEPT = 3  # group_intervals a group's `:last` is kept after its flush


def last_ttl(cfg: DigestConfig) -> int:
    """Seconds a group's `:last` is kept after a flush. It is read only to hold the next digest
    until group_interval after the last (`flush_time`: the later of now + group_wait and last +
    group_interval); once now is past last + group_interval, now + group_wait is the later
    whatever `last` says, so a `:last` gone by then changes nothing. Three group_intervals (a
    minute at least) leave room for a group_interval lengthened up to threefold by a reload; a
    daily digest (`at:`) never reads it."""
    return max(60, math.ceil(LAST_KEPT * cfg.group_interval))


def open_digests(redis: Redis) -> list[str]:
    """The digests taken and not yet delivered (or dropped)."""
    return [to_str(raw) or "" for raw in redis.zrange(OPEN, 0, -1)]


def close(redis: Redis, digest: str) -> None:
    """An open digest whose batch expired (seen_ttl): nothing is left to send."""
    redis.zrem(OPEN, digest)


def load(redis: Redis, digest: str) -> Digest | None:
    """An open digest as its job sends it, with the other outlets of each alert's story."""
    raw: dict[Any, Any] = redis.hgetall(batch_key(digest))
    fields = {to_str(k) or "": v for k, v in raw.items()}
    if not fields:
        return None
    group, sink, due = ((to_str(fields.pop(k, b"")) or "") for k in ("_group", "_sink", "_due"))
    alerts = sorted(
        (Alert.model_validate_json(v) for v in fields.values()), key=lambda a: (a.created_at, a.alert_id)
    )
    copies = stories.story_copies(redis, sorted({a.story.id for a in alerts if a.story}))
    # Each alert's story as it stands now, not as it did when the alert was made: a digest that
    # waited lists the copies that came meanwhile.
    alerts = [
        a.model_copy(update={"story": with_timeline(a.story, copies[a.story.id])})
        if a.story and copies.get(a.story.id) else a
        for a in alerts
    ]  # fmt: skip
    also = tuple(stories.also_reported_by(a.story, a.article.url, copies) for a in alerts)
    window_start = min(a.created_at for a in alerts)
    rules = {a.rule_id for a in alerts}
    spiked = tuple(n for n in spikes.made_since(redis, unix_time(window_start)) if n.rule_id in rules)
    return Digest(
        digest_id=digest, group=group, sink_id=sink, alerts=tuple(alerts), also=also,
        window_start=window_start, flushed_at=iso_time(float(due or 0)), spikes=spiked,
    )  # fmt: skip


def done(redis: Redis, digest: Digest) -> None:
    """A digest was delivered: its alerts leave Redis."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(OPEN, digest.digest_id)
        pipe.delete(batch_key(digest.digest_id))
        pipe.execute()


def forget(redis: Redis, digest: str) -> None:
    """A digest dropped as a dead letter (purged): it is not queued again."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(OPEN, digest)
        pipe.delete(batch_key(digest))
        pipe.execute()


def waiting(redis: Redis) -> dict[str, int]:
    """Alerts waiting per group (for status), in two round trips."""
    groups = [to_str(raw) or "" for raw in redis.zrange(DUE, 0, -1)]
    with redis.pipeline(transaction=False) as pipe:
        for group in groups:
            pipe.zcard(_keys(group)[0])
        counts = pipe.execute()
    return {group: int(n) for group, n in zip(groups, counts, strict=True)}
