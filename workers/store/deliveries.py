"""Delivery records while a delivery is under way (one per item and sink), and the dead letters.

    ww:delivery:<id>            hash: what, where, status, tries, error, first and last change,
                                a booked sending slot
    ww:delivery:<id>:done       set: the sink's targets that took it
    ww:delivery:<id>:given_up   hash: its targets that failed for good -> why
    ww:deliveries:failed        sorted set: dead letters, delivery id -> when it gave up

The three keys of a delivery expire `ttl` after its last change (the caller's bound: while it is
under way and for as long as a re-run of its job could ask whether it was delivered, see
workers.delivery.delivery_ttl); a dead letter's live as long as the dead letter. Every change
returns the delivery's whole state, for the history store, which keeps it beyond (and lists it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from redis import Redis
from redis.client import Pipeline
from redis.typing import EncodableT, FieldT
from rq.job import Job

from pipeline.models import Alert

from .common import PREFIX, to_float, to_str
from .sinks import sink_busy_key, sink_disabled_key


def delivery_job_id(delivery_id: str) -> str:
    """The RQ job id of a delivery (see workers.delivery)."""
    return f"deliver-{delivery_id}"


def delivery_of_job(job_id: str) -> str | None:
    """The delivery id of a delivery job's id (None for any other job)."""
    return job_id.removeprefix("deliver-") if job_id.startswith("deliver-") else None


def delivery_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}"


def delivery_done_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}:done"


def record_keys(delivery_id: str) -> list[str]:
    """Every key of one delivery's records."""
    return [delivery_key(delivery_id), delivery_done_key(delivery_id), delivery_given_up_key(delivery_id)]


def delivery_given_up_key(delivery_id: str) -> str:
    return f"{PREFIX}delivery:{delivery_id}:given_up"


# The old form: the recent deliveries (delivery id -> last change), no longer written (the
# history store lists them); read only by the upgrade.
DELIVERIES = PREFIX + "deliveries"


FAILED_DELIVERIES = PREFIX + "deliveries:failed"


MAX_LISTED = 10_000  # dead letters kept at most


class DeliveryRecord(NamedTuple):
    """One delivery's state (the fields of workers.history.deliveries.Delivery)."""

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
) -> DeliveryRecord:  # fmt: skip
    """Record a try (or a wait) of one delivery: its status, error, and the targets that took it;
    its three keys expire `ttl` seconds from now. Returns its whole state after the change (the
    tries as Redis counted them), read in the same transaction."""
    key = delivery_key(delivery_id)
    with redis.pipeline(transaction=True) as pipe:
        fields: dict[FieldT, EncodableT] = {"status": status, "error": error[:2000], "last": now}
        fields.update(about)
        pipe.hset(key, mapping=fields)
        pipe.hsetnx(key, "first", now)
        if tried:
            pipe.hincrby(key, "tries", 1)
        if done:
            pipe.sadd(delivery_done_key(delivery_id), *done)
        if given_up:
            reasons: dict[FieldT, EncodableT] = {k: v[:500] for k, v in given_up.items()}
            pipe.hset(delivery_given_up_key(delivery_id), mapping=reasons)
        _expire(pipe, delivery_id, ttl)
        if status != "failed":
            pipe.zrem(FAILED_DELIVERIES, delivery_id)
        pipe.hgetall(key)
        raw = pipe.execute()[-1]
    return _record(delivery_id, raw)


def _expire(pipe: Pipeline, delivery_id: str, ttl: float) -> None:
    """Every key of the delivery expires `ttl` from now (all of them at each change: a target
    that took it early must be remembered as long as the delivery's later tries)."""
    keys = delivery_key(delivery_id), delivery_done_key(delivery_id), delivery_given_up_key(delivery_id)
    for key in keys:
        pipe.expire(key, max(1, int(ttl)))


def note_dead_letter(
    redis: Redis, delivery_id: str, error: str, now: float, keep: float,
    about: Mapping[str, str] | None = None,
) -> DeliveryRecord:  # fmt: skip
    """The delivery gave up: a dead letter, until retried or purged; it and its keys are kept
    `keep` seconds, MAX_LISTED dead letters at most (the caller drops the oldest beyond:
    dead_letters_beyond). Returns its whole state."""
    key = delivery_key(delivery_id)
    with redis.pipeline(transaction=True) as pipe:
        fields: dict[FieldT, EncodableT] = {"status": "failed", "error": error[:2000], "last": now}
        fields.update(about or {})
        pipe.hset(key, mapping=fields)
        pipe.hsetnx(key, "first", now)
        _expire(pipe, delivery_id, keep)
        pipe.zadd(FAILED_DELIVERIES, {delivery_id: now})
        pipe.zremrangebyscore(FAILED_DELIVERIES, "-inf", now - keep)
        pipe.zremrangebyrank(FAILED_DELIVERIES, 0, -MAX_LISTED - 1)
        pipe.hgetall(key)
        raw = pipe.execute()[-1]
    return _record(delivery_id, raw)


def target_progress(redis: Redis, delivery_id: str) -> tuple[set[str], dict[str, str]]:
    """The targets that took this delivery, and those given up on (target -> why)."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.smembers(delivery_done_key(delivery_id))
        pipe.hgetall(delivery_given_up_key(delivery_id))
        done, given_up = pipe.execute()
    return {to_str(t) or "" for t in done}, {to_str(k) or "": to_str(v) or "" for k, v in given_up.items()}


def take_slot(redis: Redis, delivery_id: str) -> float | None:
    """The sending slot booked for this delivery while it waited (see reserve_send_slot), once."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.hget(delivery_key(delivery_id), "slot")
        pipe.hdel(delivery_key(delivery_id), "slot")
        slot, _ = pipe.execute()
    return to_float(slot)


def keep_slot(redis: Redis, delivery_id: str, slot: float) -> None:
    redis.hset(delivery_key(delivery_id), "slot", slot)


def recent(redis: Redis, failed: bool, limit: int) -> list[DeliveryRecord]:
    """The newest dead letters (failed), newest first; else the old form's recent deliveries
    (for the upgrade: the history store lists deliveries now)."""
    ids = [
        to_str(i) or "" for i in redis.zrevrange(FAILED_DELIVERIES if failed else DELIVERIES, 0, limit - 1)
    ]
    return [r for r in delivery_records(redis, ids) if r is not None]


def delivery_records(redis: Redis, delivery_ids: Sequence[str]) -> list[DeliveryRecord | None]:
    with redis.pipeline(transaction=False) as pipe:
        for delivery_id in delivery_ids:
            pipe.hgetall(delivery_key(delivery_id))
        rows = pipe.execute()
    return [_record(d, raw) if raw else None for d, raw in zip(delivery_ids, rows, strict=True)]


def _record(delivery_id: str, raw: Mapping[Any, Any]) -> DeliveryRecord:
    h = {to_str(k) or "": to_str(v) or "" for k, v in raw.items()}
    return DeliveryRecord(
        delivery_id, h.get("sink", ""), h.get("kind", ""), h.get("item", ""), h.get("rule", ""),
        h.get("title", ""), h.get("url", ""), h.get("status", ""), int(h.get("tries") or 0),
        h.get("error", ""), to_float(h.get("first")) or 0.0, to_float(h.get("last")) or 0.0,
    )  # fmt: skip


def forget_dead_letter(redis: Redis, delivery_id: str) -> None:
    with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(FAILED_DELIVERIES, delivery_id)
        pipe.delete(
            delivery_key(delivery_id), delivery_done_key(delivery_id), delivery_given_up_key(delivery_id)
        )
        pipe.execute()


def dead_letter_count(redis: Redis) -> int:
    """How many dead letters are kept."""
    return int(redis.zcard(FAILED_DELIVERIES))


def dead_letters_beyond(redis: Redis, keep: int) -> list[str]:
    """The dead letters older than the newest `keep`."""
    return [to_str(i) or "" for i in redis.zrange(FAILED_DELIVERIES, 0, -keep - 1)]


def dead_letters_before(redis: Redis, when: float) -> list[str]:
    return [to_str(i) or "" for i in redis.zrangebyscore(FAILED_DELIVERIES, "-inf", when)]


class DeliveryStatus(NamedTuple):
    delivered: bool  # its record says so (by an article job or a delivery job)
    queued: bool  # a live delivery job (queued, scheduled, running, waiting to retry) or a dead letter
    sink_busy: bool
    sink_disabled: str | None  # why the sink is disabled, if it is
    done: frozenset[str] = frozenset()  # the sink's targets that took it (target_progress)
    given_up: Mapping[str, str] | None = None  # its targets given up on -> why (target_progress)


_STATUS_COMMANDS = 6  # per sink, in delivery_status_on


def delivery_status(redis: Redis, alert: Alert, sink_ids: Sequence[str]) -> list[DeliveryStatus]:
    """Where each of the alert's deliveries stands, in one round trip."""
    if not sink_ids:
        return []
    with redis.pipeline(transaction=False) as pipe:
        delivery_status_on(pipe, alert, sink_ids)
        return statuses_of(pipe.execute())


def delivery_status_on(pipe: Pipeline, alert: Alert, sink_ids: Sequence[str]) -> int:
    """`delivery_status` as commands of a pipeline, with each delivery's progress over its
    targets (`target_progress`); how many commands. `statuses_of` reads their replies."""
    for sink_id in sink_ids:
        delivery_id = alert.delivery_id(sink_id)
        pipe.hget(delivery_key(delivery_id), "status")
        pipe.exists(Job.key_for(delivery_job_id(delivery_id)))
        pipe.exists(sink_busy_key(sink_id))
        pipe.get(sink_disabled_key(sink_id))
        pipe.smembers(delivery_done_key(delivery_id))
        pipe.hgetall(delivery_given_up_key(delivery_id))
    return _STATUS_COMMANDS * len(sink_ids)


def statuses_of(rows: Sequence[Any]) -> list[DeliveryStatus]:
    """The replies of `delivery_status_on`'s commands, one DeliveryStatus per sink."""
    return [_status(rows[i : i + _STATUS_COMMANDS]) for i in range(0, len(rows), _STATUS_COMMANDS)]


def _status(rows: Sequence[Any]) -> DeliveryStatus:
    status, job, busy, disabled, done, given_up = rows
    return DeliveryStatus(
        to_str(status) == "delivered", bool(job), bool(busy), to_str(disabled),
        frozenset(to_str(t) or "" for t in done),
        {to_str(k) or "": to_str(v) or "" for k, v in given_up.items()},
    )  # fmt: skip


def delivered(redis: Redis, delivery_id: str) -> bool:
    return to_str(redis.hget(delivery_key(delivery_id), "status")) == "delivered"


def job_exists(redis: Redis, delivery_id: str) -> bool:
    """Whether the delivery's job exists: queued, running, waiting to retry, or a dead letter (a
    finished job is deleted at once: its delivery record says whether it was delivered)."""
    return bool(redis.exists(Job.key_for(delivery_job_id(delivery_id))))


def reopen(redis: Redis, delivery_id: str, now: float, ttl: float) -> DeliveryRecord:
    """A dead letter sent again: no longer listed as failed, its targets given up on forgiven,
    its keys kept `ttl` from now as any delivery under way. Returns its whole state."""
    key = delivery_key(delivery_id)
    with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(FAILED_DELIVERIES, delivery_id)
        pipe.delete(delivery_given_up_key(delivery_id))
        pipe.hset(key, mapping={"status": "retrying", "error": "", "last": now})
        _expire(pipe, delivery_id, ttl)
        pipe.hgetall(key)
        raw = pipe.execute()[-1]
    return _record(delivery_id, raw)
