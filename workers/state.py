"""Every Redis key wirewatch writes, in one place.

    ww:seen:<hash of entry key>     an entry already handed to process_article (TTL: seen_ttl)
    ww:feed:<feed id>               hash: url, etag, last_modified, last_poll, last_ok, last_error, ...
    ww:alert:<alert id>             an alert already recorded (TTL: seen_ttl)
    ww:alerts                       stream of recent alerts (JSON), newest last, capped
    ww:scheduler:leader             the scheduler leader lock
RQ keeps its own keys under rq:*; our job ids are deterministic (see workers.enqueue).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from redis import Redis
from redis.typing import EncodableT, FieldT

from pipeline.models import Alert, Entry, short_hash

PREFIX = "ww:"
ALERTS_STREAM = PREFIX + "alerts"
ALERTS_STREAM_MAXLEN = 10_000
LEADER_KEY = PREFIX + "scheduler:leader"


def seen_key(entry_key: str) -> str:
    return f"{PREFIX}seen:{short_hash(entry_key, size=24)}"


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def alert_key(alert_id: str) -> str:
    return f"{PREFIX}alert:{alert_id}"


def unseen(redis: Redis, entries: Sequence[Entry]) -> list[Entry]:
    """The entries not seen before, in one round trip."""
    if not entries:
        return []
    with redis.pipeline(transaction=False) as pipe:
        for e in entries:
            pipe.exists(seen_key(e.key))
        flags = pipe.execute()
    return [e for e, seen in zip(entries, flags, strict=True) if not seen]


def mark_seen(redis: Redis, entries: Iterable[Entry], ttl: float) -> None:
    with redis.pipeline(transaction=False) as pipe:
        for e in entries:
            pipe.set(seen_key(e.key), "1", ex=max(1, int(ttl)))
        pipe.execute()


def feed_http_state(redis: Redis, feed_id: str) -> tuple[str | None, str | None]:
    etag, last_modified = redis.hmget(feed_key(feed_id), ["etag", "last_modified"])
    return _s(etag), _s(last_modified)


def record_poll(redis: Redis, feed_id: str, url: str, **fields: Any) -> None:
    """Store the outcome of one poll; an empty value deletes that field."""
    key = feed_key(feed_id)
    now = time.time()
    mapping: dict[FieldT, EncodableT] = {"url": url, "last_poll": now}
    mapping.update({k: v for k, v in fields.items() if v not in (None, "")})
    with redis.pipeline() as pipe:
        pipe.hset(key, mapping=mapping)
        empty = [k for k, v in fields.items() if v in (None, "")]
        if empty:
            pipe.hdel(key, *empty)
        pipe.execute()


def feed_states(redis: Redis, feed_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for fid in feed_ids:
        raw = redis.hgetall(feed_key(fid))
        out[fid] = {_s(k) or "": _s(v) or "" for k, v in raw.items()}
    return out


_RECORD_ALERT = """
if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'alert', ARGV[2])
  return 1
end
return 0
"""


def record_alert(redis: Redis, alert: Alert, ttl: float) -> bool:
    """Remember an alert and add it to the stream, atomically; False when already recorded."""
    args = (max(1, int(ttl)), alert.to_json(), ALERTS_STREAM_MAXLEN)
    return bool(redis.eval(_RECORD_ALERT, 2, alert_key(alert.alert_id), ALERTS_STREAM, *args))


def recent_alerts(redis: Redis, count: int = 20) -> list[Alert]:
    rows: list[tuple[bytes, dict[bytes, bytes]]] = redis.xrevrange(ALERTS_STREAM, count=count)  # type: ignore[assignment]
    return [Alert.model_validate_json(fields[b"alert"]) for _id, fields in rows]


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
