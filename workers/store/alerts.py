"""Alerts: each (rule, story) alert recorded once, the stream of recent alerts, matches per day."""

from __future__ import annotations

import time
from collections.abc import Sequence

from redis import Redis

from pipeline.models import Alert

from .common import PREFIX, to_str

ALERTS_STREAM = PREFIX + "alerts"


ALERTS_STREAM_MAXLEN = 10_000


def alert_key(alert_id: str) -> str:
    return f"{PREFIX}alert:{alert_id}"


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
    return to_str(redis.eval(_RECORD_ALERT, 2, alert_key(alert.alert_id), ALERTS_STREAM, *args))


def recent_alerts(redis: Redis, count: int = 20) -> list[Alert]:
    rows: list[tuple[bytes, dict[bytes, bytes]]] = redis.xrevrange(ALERTS_STREAM, count=count)  # type: ignore[assignment]
    return [Alert.model_validate_json(fields[b"alert"]) for _id, fields in rows]


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
    return {to_str(k) or "": int(v) for k, v in raw.items()}


def recorded(redis: Redis, alert_id: str) -> bool:
    """Whether this alert was recorded (made and delivered, or on its way) within seen_ttl."""
    return bool(redis.exists(alert_key(alert_id)))
