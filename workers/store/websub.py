"""WebSub subscriptions in Redis (pipeline.websub): one hash per feed with one, and an index of
them, so that the scheduler's housekeeping renews leases and unsubscribes feeds that left the
config. A record outlives its feed's other keys (`feeds.forget`) until the hub has verified the
unsubscription: it is what the unsubscription is asked with.

    ww:websub:<feed id>   hash: hub, topic, secret, mode, verified, expires, requested
    ww:websub             set: the feed ids with a record
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from redis import Redis
from redis.typing import EncodableT, FieldT

from pipeline.websub import Mode, Subscription

from .common import PREFIX, to_float, to_str

INDEX = f"{PREFIX}websub"


def key(feed_id: str) -> str:
    return f"{PREFIX}websub:{feed_id}"


def get(redis: Redis, feed_id: str) -> Subscription | None:
    return _parse(dict(redis.hgetall(key(feed_id))))


def get_many(redis: Redis, feed_ids: Sequence[str]) -> list[Subscription | None]:
    """Each feed's record (None: none), in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for feed_id in feed_ids:
            pipe.hgetall(key(feed_id))
        return [_parse(raw) for raw in pipe.execute()]


def put(redis: Redis, feed_id: str, sub: Subscription) -> None:
    mapping: dict[FieldT, EncodableT] = {
        "hub": sub.hub, "topic": sub.topic, "secret": sub.secret, "mode": sub.mode,
        "verified": int(sub.verified), "expires": sub.expires if sub.expires is not None else "",
        "requested": sub.requested,
    }  # fmt: skip
    with redis.pipeline() as pipe:
        pipe.hset(key(feed_id), mapping=mapping)
        pipe.sadd(INDEX, feed_id)
        pipe.execute()


def forget(redis: Redis, feed_id: str) -> None:
    with redis.pipeline() as pipe:
        pipe.delete(key(feed_id))
        pipe.srem(INDEX, feed_id)
        pipe.execute()


def feed_ids(redis: Redis) -> list[str]:
    return sorted(str(to_str(f)) for f in redis.smembers(INDEX))


def _parse(raw: Mapping[Any, Any]) -> Subscription | None:
    fields = {str(to_str(k)): to_str(v) for k, v in raw.items()}
    if not fields.get("hub") or not fields.get("topic") or not fields.get("secret"):
        return None
    mode: Mode = "unsubscribe" if fields.get("mode") == "unsubscribe" else "subscribe"
    return Subscription(
        hub=str(fields["hub"]), topic=str(fields["topic"]), secret=str(fields["secret"]), mode=mode,
        verified=fields.get("verified") == "1", expires=to_float(fields.get("expires")),
        requested=to_float(fields.get("requested")) or 0.0,
    )  # fmt: skip
