"""The feed hash: what each feed's polls left behind (validators, health, cadence, notices); and
the health index, which keeps every feed's health in one sorted set, so that the gauges count
feeds by health and the status page lists the worst first in a few commands, not one per feed.

    ww:feed:<feed id>   hash: the feed's state (the fields `pipeline.polling.decide_poll` writes)
    ww:feeds:health     sorted set: feed id -> NOT_POLLED, RETIRED, or its failures in a row
                        (0: its last poll answered). Written with the hash (`save_decision`,
                        `schedule.revive_feed`); built again from the hashes (`reindex`) whenever
                        the scheduler syncs the schedule with the config (at its start and at
                        each reload), which also forgets the feeds no longer configured, so
                        that it holds the configured feeds, and a Redis filled before the index
                        existed counts right from the scheduler's start on. It keeps failures,
                        not states: `unhealthy_after` applies when it is read, so a changed one
                        counts right at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.typing import EncodableT, FieldT

from pipeline.models import unix_time
from pipeline.notices import Spell
from pipeline.polling import Cadence, Health, PollDecision, PollState, Validators

from .common import PREFIX, to_float, to_str
from .seen import window_key

HEALTH_KEY = PREFIX + "feeds:health"
NOT_POLLED = -2  # configured, no poll recorded yet
RETIRED = -1  # 410 Gone: no more polls until `wirewatch feeds revive`
CHUNK = 1_000  # feeds a pipeline or a script reads or writes at once: a bounded round trip


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The fields a poll's state is read back from: those `pipeline.polling.decide_poll` writes.
_POLL_FIELDS = [
    "etag", "last_modified", "errors", "moved_to", "adaptive", "floor", "max_age", "skip_hours",
    "spell_since", "spell_notified", "spell_reminders", "digest", "last_ok",
]  # fmt: skip


def poll_states(redis: Redis, feed_ids: Sequence[str]) -> list[PollState]:
    """Each feed's poll state, in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hmget(feed_key(fid), _POLL_FIELDS)
        rows = pipe.execute()
    out = []
    for (
        etag,
        lm,
        errors,
        moved_to,
        adaptive,
        floor,
        max_age,
        skip,
        since,
        notified,
        reminders,
        digest,
        ok,
    ) in rows:
        hours = frozenset(int(h) for h in (to_str(skip) or "").split(",") if h.isdigit())
        cadence = Cadence(to_float(adaptive), to_float(floor), to_float(max_age), hours)
        spell = Spell(to_str(since), to_float(notified), int(to_float(reminders) or 0))
        validators = Validators(to_str(etag), to_str(lm), to_str(digest))
        last_ok = unix_time(str(to_str(ok))) if to_str(ok) else None
        failures = int(to_str(errors) or 0)
        out.append(PollState(validators, failures, to_str(moved_to), cadence, spell, last_ok))
    return out


def save_decision(pipe: Pipeline, feed_id: str, decision: PollDecision) -> None:
    """Store what a poll decided for the feed: the fields it set, without those it emptied, and
    its place in the health index."""
    key = feed_key(feed_id)
    mapping: dict[FieldT, EncodableT] = {k: v for k, v in decision.write.items()}
    pipe.hset(key, mapping=mapping)
    if decision.delete:
        pipe.hdel(key, *decision.delete)
    score = health_score(decision)
    if score is not None:
        pipe.zadd(HEALTH_KEY, {feed_id: score})


def note_due(pipe: Pipeline, feed_id: str, when: float, why: str) -> None:
    """A feed's next poll moved by the schedule itself, not by a poll (its host's slots were
    taken): the state says when and why, as a poll's decision would."""
    pipe.hset(feed_key(feed_id), mapping={"next_poll": round(when), "why": why})


def health_score(decision: PollDecision) -> int | None:
    """The feed's health index score after this decision, as `_REINDEX` would read it from the
    hash once the decision is saved (None: unchanged, a deferred feed was not polled). A poll
    writes `last_poll`, `errors` (or deletes it) and, on a 410, `retired`; a feed is never
    polled while retired, so a `retired` of the past is not in its hash."""
    if "last_poll" not in decision.write:
        return None
    if "retired" in decision.write:
        return RETIRED
    return int(decision.write.get("errors") or 0)


# KEYS[1] the index, KEYS[2..] the feeds' hashes, ARGV the feeds' ids: each feed's score as its
# hash says, atomically (a poll saving meanwhile writes its own score after its hash, so the
# index ends right either way). Returns the ids of the retired ones, and each feed's `why` ('' for
# none) in the order of ARGV: what the scheduler's sync needs of the hash, read on the way.
_REINDEX = """
local retired, why = {}, {}
for i = 2, #KEYS do
  local id = ARGV[i - 1]
  local f = redis.call('hmget', KEYS[i], 'retired', 'errors', 'last_poll', 'why')
  if f[1] then
    redis.call('zadd', KEYS[1], -1, id)
    table.insert(retired, id)
  elseif f[3] then
    redis.call('zadd', KEYS[1], tonumber(f[2]) or 0, id)
  else
    redis.call('zadd', KEYS[1], -2, id)
  end
  why[i - 1] = f[4] or ''
end
return {retired, why}
"""


@dataclass(frozen=True)
class Indexed:
    """What `reindex` read of the feeds' hashes on the way."""

    retired: set[str]
    reasons: dict[str, str | None]  # why each feed is due when it is (`polling.Schedule.why`)


def reindex(redis: Redis, feed_ids: Sequence[str]) -> Indexed:
    """Put these feeds in the health index as their hashes say (a feed without a hash as not
    polled), CHUNK feeds a script: no script holds Redis for more than a moment."""
    retired: set[str] = set()
    reasons: dict[str, str | None] = {}
    for part in chunks(feed_ids):
        found, why = redis.eval(_REINDEX, 1 + len(part), HEALTH_KEY, *(feed_key(f) for f in part), *part)
        retired.update(to_str(r) or "" for r in found)
        reasons.update((fid, to_str(w) or None) for fid, w in zip(part, why, strict=True))
    return Indexed(retired, reasons)


def scan_indexed(redis: Redis) -> Iterator[str]:
    """Every feed in the health index, CHUNK or so a command (ZSCAN: none walks the whole index,
    and a feed in it from start to end is listed, once or more)."""
    for member, _score in redis.zscan_iter(HEALTH_KEY, count=CHUNK):
        yield to_str(member) or ""


def indexed_count(redis: Redis) -> int:
    return int(redis.zcard(HEALTH_KEY))


def forget(pipe: Pipeline | Redis, feed_ids: Sequence[str]) -> None:
    """Feeds no longer configured: every key of theirs goes (their hash, their window of seen
    entries and their place in the index; a key per feed added later must be deleted here too)."""
    for part in chunks(feed_ids):
        pipe.delete(*(key for f in part for key in (feed_key(f), window_key(f))))
        pipe.zrem(HEALTH_KEY, *part)


def _bands(unhealthy_after: int) -> dict[Health, tuple[float, float]]:
    """The index's scores of each health state (from, to), worst first: the order of `page`."""
    return {
        "unhealthy": (unhealthy_after, math.inf),
        "retired": (RETIRED, RETIRED),
        "backing off": (1, unhealthy_after - 1),
        "not polled": (NOT_POLLED, NOT_POLLED),
        "ok": (0, 0),
    }


# The states whose feeds are listed with the most failures first.
_MOST_FIRST = ("unhealthy", "backing off")


def health_counts(redis: Redis, unhealthy_after: int) -> dict[Health, int]:
    """How many feeds of the index are in each health state, worst first, in one round trip
    (`unhealthy_after` applies now: the index keeps failures, not states)."""
    bands = _bands(unhealthy_after)
    with redis.pipeline(transaction=False) as pipe:
        for low, high in bands.values():
            pipe.zcount(HEALTH_KEY, low, high)
        counts = pipe.execute()
    return {state: int(n) for state, n in zip(bands, counts, strict=True)}


def page(redis: Redis, unhealthy_after: int, counts: dict[Health, int], start: int, stop: int) -> list[str]:
    """The feeds at [start, stop) of the index in its order, in one round trip: the states worst
    first, as `counts` (from `health_counts`) has them; unhealthy and backing off with the most
    failures first (in a tie, as Redis reverses them: from the highest feed id), the other
    states by feed id."""
    bands = _bands(unhealthy_after)
    offset = 0
    with redis.pipeline(transaction=False) as pipe:
        for state, size in counts.items():
            skip, take = max(0, start - offset), min(size, stop - offset)
            offset += size
            if take <= skip:
                continue
            low, high = bands[state]
            if state in _MOST_FIRST:
                pipe.zrevrangebyscore(HEALTH_KEY, high, low, start=skip, num=take - skip)
            else:
                pipe.zrangebyscore(HEALTH_KEY, low, high, start=skip, num=take - skip)
        found: list[list[Any]] = pipe.execute()
    return [to_str(m) or "" for members in found for m in members]


def feed_states(redis: Redis, feed_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each feed's whole hash, CHUNK feeds a round trip."""
    ids = list(feed_ids)
    out: dict[str, dict[str, str]] = {}
    for part in chunks(ids):
        with redis.pipeline(transaction=False) as pipe:
            for fid in part:
                pipe.hgetall(feed_key(fid))
            raws: list[dict[Any, Any]] = pipe.execute()
        for fid, raw in zip(part, raws, strict=True):
            out[fid] = {to_str(k) or "": to_str(v) or "" for k, v in raw.items()}
    return out
