"""Every Redis key wirewatch writes, in one place.

    ww:due                          sorted set: feed id -> when it is next due (Unix seconds);
                                    a feed handed to a poll job is leased (due again only if the
                                    job is lost), so at most one poll of a feed is in flight
    ww:seen:<hash of entry key>     an entry already handed to article work (TTL: seen_ttl)
    ww:feed:<feed id>               hash: url, etag, last_modified, last_poll, last_ok, last_error,
                                    errors (failures in a row), moved_to, ...
    ww:alert:<alert id>             an alert already recorded: the entry it was made for (TTL: seen_ttl)
    ww:delivery:<delivery id>       hash: one delivery (an alert or notice to one sink): what, where,
                                    status (delivered, retrying, failed), tries, last error, when
                                    (TTL: seen_ttl)
    ww:delivery:<delivery id>:done  set: the sink's targets (recipients, URLs) that took it
    ww:delivery:<delivery id>:given_up   hash: its targets that failed for good -> why
    ww:deliveries                   sorted set: delivery id -> last change, the newest MAX_LISTED
    ww:deliveries:failed            sorted set: delivery id -> when it gave up (the dead letters,
                                    whose jobs wait in RQ's failed registry of queue alerts)
    ww:sink:<sink id>:busy          the sink failed or was slow lately: deliver through the queue
    ww:sink:<sink id>:disabled      the receiver answered 410 Gone: the reason; nothing is sent to
                                    it until `wirewatch sinks enable` deletes this
    ww:sink:<sink id>:next          when the sink's next message may go (max_per_minute)
    ww:alerts                       stream of recent alerts (JSON), newest last, capped
    ww:matches:<YYYY-MM-DD>         hash: rule id -> articles it matched that day (UTC; kept 8 days)
    ww:scheduler:leader             the scheduler leader lock
    ww:story:...                    the story index (see workers.stories)
RQ keeps its own keys under rq:*; our job ids are deterministic (see workers.enqueue).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from redis import Redis
from redis.client import Pipeline
from redis.typing import EncodableT, FieldT
from rq.job import Job

from pipeline.models import Alert, Entry, short_hash
from pipeline.notices import Spell
from pipeline.polling import Cadence, Validators

PREFIX = "ww:"
ALERTS_STREAM = PREFIX + "alerts"
ALERTS_STREAM_MAXLEN = 10_000
LEADER_KEY = PREFIX + "scheduler:leader"
DUE_KEY = PREFIX + "due"


def seen_key(entry_key: str) -> str:
    return f"{PREFIX}seen:{short_hash(entry_key, size=24)}"


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def alert_key(alert_id: str) -> str:
    return f"{PREFIX}alert:{alert_id}"


def delivery_job_id(delivery_id: str) -> str:
    """The RQ job id of a delivery (see workers.enqueue)."""
    return f"deliver-{delivery_id}"


def delivery_of_job(job_id: str) -> str | None:
    """The delivery id of a delivery job's id (None for any other job)."""
    return job_id.removeprefix("deliver-") if job_id.startswith("deliver-") else None


def delivery_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}"


def delivery_done_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}:done"


def delivery_given_up_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}:given_up"


DELIVERIES = PREFIX + "deliveries"
FAILED_DELIVERIES = PREFIX + "deliveries:failed"
MAX_LISTED = 10_000  # deliveries listed by `wirewatch deliveries`, and dead letters kept at most


def sink_busy_key(sink_id: str) -> str:
    return f"{PREFIX}sink:{sink_id}:busy"


def sink_disabled_key(sink_id: str) -> str:
    return f"{PREFIX}sink:{sink_id}:disabled"


def disable_sink(redis: Redis, sink_id: str, reason: str) -> bool:
    """Send nothing more to this sink; True when it was enabled until now."""
    return bool(redis.set(sink_disabled_key(sink_id), reason, nx=True))


def sink_disabled(redis: Redis, sink_id: str) -> str | None:
    """Why the sink is disabled (its 410), or None."""
    return _s(redis.get(sink_disabled_key(sink_id)))


def enable_sink(redis: Redis, sink_id: str) -> bool:
    """Send to a disabled sink again; False when it was not disabled."""
    return bool(redis.delete(sink_disabled_key(sink_id)))


_RESERVE_SLOT = """
local now, gap = tonumber(ARGV[1]), tonumber(ARGV[2])
local at = math.max(now, tonumber(redis.call('get', KEYS[1]) or '0'))
redis.call('set', KEYS[1], tostring(at + gap), 'PX', math.ceil((at + gap - now) * 1000) + 1000)
return tostring(at - now)
"""


def reserve_send_slot(redis: Redis, sink_id: str, now: float, per_minute: int) -> float:
    """Book the sink's next free sending slot (slots 60/per_minute seconds apart, shared by every
    worker) and return how many seconds from `now` it is."""
    return float(
        _s(redis.eval(_RESERVE_SLOT, 1, f"{PREFIX}sink:{sink_id}:next", now, 60.0 / per_minute)) or 0
    )


# --- deliveries ----------------------------------------------------------------------------------


class DeliveryRecord(NamedTuple):
    """One delivery as `wirewatch deliveries` lists it."""

    delivery_id: str
    sink: str
    kind: str  # alert, notice
    item: str  # the alert id, or the notice's type
    rule: str
    title: str
    url: str
    status: str  # delivered, retrying, waiting (its sending slot), failed
    tries: int
    error: str
    first: float  # first try
    last: float  # last change

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def note_delivery(
    redis: Redis, delivery_id: str, about: Mapping[str, str], status: str, now: float, ttl: float,
    *, error: str = "", tried: bool = True, done: Sequence[str] = (),
    given_up: Mapping[str, str] | None = None,
) -> None:  # fmt: skip
    """Record a try (or a wait) of one delivery: its status, error, and the targets that took it."""
    key, ttl_s = delivery_key(delivery_id), max(1, int(ttl))
    with redis.pipeline(transaction=True) as pipe:
        fields: dict[FieldT, EncodableT] = {"status": status, "error": error[:2000], "last": now}
        fields.update(about)
        pipe.hset(key, mapping=fields)
        pipe.hsetnx(key, "first", now)
        if tried:
            pipe.hincrby(key, "tries", 1)
        pipe.expire(key, ttl_s)
        if done:
            pipe.sadd(delivery_done_key(delivery_id), *done)
            pipe.expire(delivery_done_key(delivery_id), ttl_s)
        if given_up:
            reasons: dict[FieldT, EncodableT] = {k: v[:500] for k, v in given_up.items()}
            pipe.hset(delivery_given_up_key(delivery_id), mapping=reasons)
            pipe.expire(delivery_given_up_key(delivery_id), ttl_s)
        pipe.zadd(DELIVERIES, {delivery_id: now})
        pipe.zremrangebyrank(DELIVERIES, 0, -MAX_LISTED - 1)
        if status != "failed":
            pipe.zrem(FAILED_DELIVERIES, delivery_id)
        pipe.execute()


def note_dead_letter(redis: Redis, delivery_id: str, error: str, now: float, ttl: float) -> None:
    """The delivery gave up: a dead letter, until retried or purged (kept ttl, MAX_LISTED at most)."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.hset(delivery_key(delivery_id), mapping={"status": "failed", "error": error[:2000], "last": now})
        pipe.zadd(FAILED_DELIVERIES, {delivery_id: now})
        pipe.zremrangebyscore(FAILED_DELIVERIES, "-inf", now - ttl)
        pipe.zremrangebyrank(FAILED_DELIVERIES, 0, -MAX_LISTED - 1)
        pipe.execute()


def target_progress(redis: Redis, delivery_id: str) -> tuple[set[str], dict[str, str]]:
    """The targets that took this delivery, and those given up on (target -> why)."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.smembers(delivery_done_key(delivery_id))
        pipe.hgetall(delivery_given_up_key(delivery_id))
        done, given_up = pipe.execute()
    return {_s(t) or "" for t in done}, {_s(k) or "": _s(v) or "" for k, v in given_up.items()}


def forgive_targets(redis: Redis, delivery_id: str) -> None:
    """Try the targets given up on again (a dead letter sent again)."""
    redis.delete(delivery_given_up_key(delivery_id))


def take_slot(redis: Redis, delivery_id: str) -> float | None:
    """The sending slot booked for this delivery while it waited (see reserve_send_slot), once."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.hget(delivery_key(delivery_id), "slot")
        pipe.hdel(delivery_key(delivery_id), "slot")
        slot, _ = pipe.execute()
    return _f(slot)


def keep_slot(redis: Redis, delivery_id: str, slot: float) -> None:
    redis.hset(delivery_key(delivery_id), "slot", slot)


def deliveries(redis: Redis, failed: bool, limit: int) -> list[DeliveryRecord]:
    """The newest deliveries (or dead letters), newest first."""
    ids = [_s(i) or "" for i in redis.zrevrange(FAILED_DELIVERIES if failed else DELIVERIES, 0, limit - 1)]
    return [r for r in delivery_records(redis, ids) if r is not None]


def delivery_records(redis: Redis, delivery_ids: Sequence[str]) -> list[DeliveryRecord | None]:
    with redis.pipeline(transaction=False) as pipe:
        for delivery_id in delivery_ids:
            pipe.hgetall(delivery_key(delivery_id))
        rows = pipe.execute()
    out: list[DeliveryRecord | None] = []
    for delivery_id, raw in zip(delivery_ids, rows, strict=True):
        h = {_s(k) or "": _s(v) or "" for k, v in raw.items()}
        if not h:
            out.append(None)
            continue
        out.append(DeliveryRecord(
            delivery_id, h.get("sink", ""), h.get("kind", ""), h.get("item", ""), h.get("rule", ""),
            h.get("title", ""), h.get("url", ""), h.get("status", ""), int(h.get("tries") or 0),
            h.get("error", ""), _f(h.get("first")) or 0.0, _f(h.get("last")) or 0.0,
        ))  # fmt: skip
    return out


def forget_dead_letter(redis: Redis, delivery_id: str) -> None:
    with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(FAILED_DELIVERIES, delivery_id)
        pipe.zrem(DELIVERIES, delivery_id)
        pipe.delete(
            delivery_key(delivery_id), delivery_done_key(delivery_id), delivery_given_up_key(delivery_id)
        )
        pipe.execute()


def dead_letters_beyond(redis: Redis, keep: int) -> list[str]:
    """The dead letters older than the newest `keep`."""
    return [_s(i) or "" for i in redis.zrange(FAILED_DELIVERIES, 0, -keep - 1)]


def dead_letters_before(redis: Redis, when: float) -> list[str]:
    return [_s(i) or "" for i in redis.zrangebyscore(FAILED_DELIVERIES, "-inf", when)]


def seen_flags(redis: Redis, entries: Sequence[Entry]) -> list[bool]:
    """Whether each entry was seen before, in one round trip."""
    if not entries:
        return []
    with redis.pipeline(transaction=False) as pipe:
        for e in entries:
            pipe.exists(*(seen_key(k) for k in (e.key, *e.alt_keys)))  # seen under any of its keys
        return [bool(count) for count in pipe.execute()]


def mark_seen(pipe: Pipeline, entries: Iterable[Entry], ttl: float) -> None:
    for e in entries:
        for k in (e.key, *e.alt_keys):
            pipe.set(seen_key(k), "1", ex=max(1, int(ttl)))


# --- the schedule --------------------------------------------------------------------------------

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
    configured is dropped. Returns (added, dropped)."""
    known = {_s(m) or "" for m in redis.zrange(DUE_KEY, 0, -1)}
    retired = retired_feeds(redis, list(feeds))
    wanted = set(feeds) - retired
    gone = known - wanted
    with redis.pipeline(transaction=False) as pipe:
        for feed_id in wanted:
            interval, latest = feeds[feed_id]
            pipe.zadd(DUE_KEY, {feed_id: now + random.uniform(0, min(spread, interval))}, nx=True)
            if latest is not None:
                pipe.zadd(DUE_KEY, {feed_id: now + latest}, lt=True)
        if gone:
            pipe.zrem(DUE_KEY, *gone)
        pipe.execute()
    return len(wanted - known), len(gone)


def schedule_reasons(redis: Redis, feed_ids: Sequence[str]) -> dict[str, str | None]:
    """Why each feed is due when it is (see `polling.Schedule.why`), in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hget(feed_key(fid), "why")
        reasons = pipe.execute()
    return {fid: _s(why) for fid, why in zip(feed_ids, reasons, strict=True)}


def claim_due(redis: Redis, now: float, lease: float, limit: int) -> list[tuple[str, float]]:
    """Up to `limit` feeds due by `now`, with when each was due, leased until now + lease."""
    raw = redis.eval(_CLAIM_DUE, 1, DUE_KEY, now, now + lease, limit)
    return [(_s(raw[i]) or "", float(raw[i + 1])) for i in range(0, len(raw), 2)]


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
    return [(_s(raw[i]) or "", float(raw[i + 1])) for i in range(0, len(raw), 2)]


_RESERVE_HOST = """
local now, delay, most = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local at = math.max(now, tonumber(redis.call('get', KEYS[1]) or '0'))
if at - now > most then return {'0', tostring(at - now)} end
redis.call('set', KEYS[1], tostring(at + delay), 'PX', math.ceil((at + delay - now) * 1000) + 1000)
return {'1', tostring(at - now)}
"""


def reserve_host(redis: Redis, host: str, now: float, delay: float, most: float) -> tuple[bool, float]:
    """Book the next poll slot of `host` (slots `delay` seconds apart, shared by every worker):
    (True, seconds to wait for it), or (False, seconds until one is free) when that is more
    than `most` away and nothing was booked."""
    granted, wait = redis.eval(_RESERVE_HOST, 1, f"{PREFIX}host:{host}", now, delay, most)
    return _s(granted) == "1", float(_s(wait) or 0)


def set_due(pipe: Pipeline, feed_id: str, when: float) -> None:
    pipe.zadd(DUE_KEY, {feed_id: when}, xx=True)  # xx: a feed dropped meanwhile stays dropped


def due_count(redis: Redis, now: float) -> int:
    return int(redis.zcount(DUE_KEY, "-inf", now))


# --- feed state ----------------------------------------------------------------------------------


class PollState(NamedTuple):
    """What a poll needs to know of a feed's past."""

    validators: Validators
    errors: int  # failures in a row
    moved_to: str | None  # where a 301 or 308 sent it
    cadence: Cadence
    spell: Spell  # its run of failures, as far as notices go


_POLL_FIELDS = [
    "etag", "last_modified", "errors", "moved_to", "adaptive", "floor", "max_age", "skip_hours",
    "spell_since", "spell_notified", "spell_reminders",
]  # fmt: skip


def poll_states(redis: Redis, feed_ids: Sequence[str]) -> list[PollState]:
    """Each feed's poll state, in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hmget(feed_key(fid), _POLL_FIELDS)
        rows = pipe.execute()
    out = []
    for etag, lm, errors, moved_to, adaptive, floor, max_age, skip, since, notified, reminders in rows:
        hours = frozenset(int(h) for h in (_s(skip) or "").split(",") if h.isdigit())
        cadence = Cadence(_f(adaptive), _f(floor), _f(max_age), hours)
        spell = Spell(_s(since), _f(notified), int(_f(reminders) or 0))
        validators = Validators(_s(etag), _s(lm))
        out.append(PollState(validators, int(_s(errors) or 0), _s(moved_to), cadence, spell))
    return out


def spell_fields(spell: Spell) -> dict[str, Any]:
    """A spell as `record_poll` fields (an empty value deletes the field)."""
    return {
        "spell_since": spell.since or "",
        "spell_notified": spell.notified or "",
        "spell_reminders": spell.reminders or "",
    }


def cadence_fields(cadence: Cadence) -> dict[str, Any]:
    """A cadence as `record_poll` fields (an empty value deletes the field)."""
    return {
        "adaptive": cadence.adaptive or "",
        "floor": cadence.floor or "",
        "max_age": cadence.max_age or "",
        "skip_hours": ",".join(str(h) for h in sorted(cadence.skip_hours)),
    }


def retire_feed(pipe: Pipeline, feed_id: str) -> None:
    """No more polls: out of the schedule (its state says `retired`)."""
    pipe.zrem(DUE_KEY, feed_id)


def retired_feeds(redis: Redis, feed_ids: Sequence[str]) -> set[str]:
    """Which of these feeds are retired (410 Gone), in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hexists(feed_key(fid), "retired")
        flags = pipe.execute()
    return {fid for fid, retired in zip(feed_ids, flags, strict=True) if retired}


def revive_feed(redis: Redis, feed_id: str, now: float) -> bool:
    """Put a retired feed back in the schedule, due now; False if it was not retired."""
    if not redis.hdel(feed_key(feed_id), "retired"):
        return False
    with redis.pipeline() as pipe:
        pipe.hdel(feed_key(feed_id), "errors", "retired_reason")
        pipe.zadd(DUE_KEY, {feed_id: now})
        pipe.execute()
    return True


def record_poll(pipe: Pipeline, feed_id: str, url: str, now: float, **fields: Any) -> None:
    """Store the outcome of one poll; an empty value deletes that field."""
    key = feed_key(feed_id)
    mapping: dict[FieldT, EncodableT] = {"url": url, "last_poll": now}
    mapping.update({k: v for k, v in fields.items() if v not in (None, "")})
    pipe.hset(key, mapping=mapping)
    empty = [k for k, v in fields.items() if v in (None, "")]
    if empty:
        pipe.hdel(key, *empty)


def note_schedule(pipe: Pipeline, feed_id: str, **fields: EncodableT) -> None:
    """Store when a feed is due and why, without counting it as polled."""
    mapping: dict[FieldT, EncodableT] = {k: v for k, v in fields.items()}
    pipe.hset(feed_key(feed_id), mapping=mapping)


def feed_states(redis: Redis, feed_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for fid in feed_ids:
        raw = redis.hgetall(feed_key(fid))
        out[fid] = {_s(k) or "": _s(v) or "" for k, v in raw.items()}
    return out


_RECORD_ALERT = """
if redis.call('set', KEYS[1], ARGV[4], 'NX', 'EX', ARGV[1]) then
  redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'alert', ARGV[2])
  return false
end
return redis.call('get', KEYS[1])
"""


def record_alert(redis: Redis, alert: Alert, ttl: float, made_for: str) -> str | None:
    """Remember an alert as made for one entry (`made_for`, its key) and add it to the stream,
    atomically. None when it is new, else the entry it was first made for: this one (a retried
    job, whose deliveries may not all be made yet) or another copy of the story."""
    args = (max(1, int(ttl)), alert.to_json(), ALERTS_STREAM_MAXLEN, made_for)
    return _s(redis.eval(_RECORD_ALERT, 2, alert_key(alert.alert_id), ALERTS_STREAM, *args))


class DeliveryStatus(NamedTuple):
    delivered: bool  # by an article job
    queued: bool  # a delivery job exists, live or done within seen_ttl
    sink_busy: bool
    sink_disabled: str | None  # why the sink is disabled, if it is


def delivery_status(redis: Redis, alert: Alert, sink_ids: Sequence[str]) -> list[DeliveryStatus]:
    """Where each of the alert's deliveries stands, in one round trip."""
    if not sink_ids:
        return []
    with redis.pipeline(transaction=False) as pipe:
        for sink_id in sink_ids:
            delivery_id = alert.delivery_id(sink_id)
            pipe.hget(delivery_key(delivery_id), "status")
            pipe.exists(Job.key_for(delivery_job_id(delivery_id)))
            pipe.exists(sink_busy_key(sink_id))
            pipe.get(sink_disabled_key(sink_id))
        rows = pipe.execute()
    return [
        DeliveryStatus(_s(rows[i]) == "delivered", bool(rows[i + 1]), bool(rows[i + 2]), _s(rows[i + 3]))
        for i in range(0, len(rows), 4)
    ]


def delivered(redis: Redis, delivery_id: str) -> bool:
    return _s(redis.hget(delivery_key(delivery_id), "status")) == "delivered"


def mark_sink_busy(redis: Redis, sink_id: str, seconds: float) -> None:
    redis.set(sink_busy_key(sink_id), "1", ex=max(1, int(seconds)))


MATCH_DAYS_KEPT = 8


def matches_key(day: str) -> str:
    return f"{PREFIX}matches:{day}"


def utc_day(now: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now))


def count_matches(redis: Redis, rule_ids: Sequence[str], now: float) -> None:
    """One more article matched by each of these rules today (UTC)."""
    if not rule_ids:
        return
    key = matches_key(utc_day(now))
    with redis.pipeline(transaction=False) as pipe:
        for rule_id in rule_ids:
            pipe.hincrby(key, rule_id, 1)
        pipe.expire(key, MATCH_DAYS_KEPT * 86400)
        pipe.execute()


def matches_on(redis: Redis, now: float) -> dict[str, int]:
    """Rule id -> articles it matched on the UTC day of `now`."""
    raw = redis.hgetall(matches_key(utc_day(now)))
    return {_s(k) or "": int(v) for k, v in raw.items()}


def recent_alerts(redis: Redis, count: int = 20) -> list[Alert]:
    rows: list[tuple[bytes, dict[bytes, bytes]]] = redis.xrevrange(ALERTS_STREAM, count=count)  # type: ignore[assignment]
    return [Alert.model_validate_json(fields[b"alert"]) for _id, fields in rows]


def _f(value: Any) -> float | None:
    text = _s(value)
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
