"""The feed hash: what each feed's polls left behind (validators, health, cadence, notices)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis import Redis
from redis.client import Pipeline
from redis.typing import EncodableT, FieldT

from pipeline.notices import Spell
from pipeline.polling import Cadence, PollDecision, PollState, Validators

from .common import PREFIX, to_float, to_str


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


# The fields a poll's state is read back from: those `pipeline.polling.decide_poll` writes.
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
        hours = frozenset(int(h) for h in (to_str(skip) or "").split(",") if h.isdigit())
        cadence = Cadence(to_float(adaptive), to_float(floor), to_float(max_age), hours)
        spell = Spell(to_str(since), to_float(notified), int(to_float(reminders) or 0))
        validators = Validators(to_str(etag), to_str(lm))
        out.append(PollState(validators, int(to_str(errors) or 0), to_str(moved_to), cadence, spell))
    return out


def save_decision(pipe: Pipeline, feed_id: str, decision: PollDecision) -> None:
    """Store what a poll decided for the feed: the fields it set, without those it emptied."""
    key = feed_key(feed_id)
    mapping: dict[FieldT, EncodableT] = {k: v for k, v in decision.write.items()}
    pipe.hset(key, mapping=mapping)
    if decision.delete:
        pipe.hdel(key, *decision.delete)


def retired_feeds(redis: Redis, feed_ids: Sequence[str]) -> set[str]:
    """Which of these feeds are retired (410 Gone), in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hexists(feed_key(fid), "retired")
        flags = pipe.execute()
    return {fid for fid, retired in zip(feed_ids, flags, strict=True) if retired}


def feed_states(redis: Redis, feed_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for fid in feed_ids:
        raw = redis.hgetall(feed_key(fid))
        out[fid] = {to_str(k) or "": to_str(v) or "" for k, v in raw.items()}
    return out


def schedule_reasons(redis: Redis, feed_ids: Sequence[str]) -> dict[str, str | None]:
    """Why each feed is due when it is (see `polling.Schedule.why`), in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for fid in feed_ids:
            pipe.hget(feed_key(fid), "why")
        reasons = pipe.execute()
    return {fid: to_str(why) for fid, why in zip(feed_ids, reasons, strict=True)}
