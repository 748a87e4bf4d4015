"""Alerts: each (rule, story) alert recorded once, the stream of recent alerts, matches per day.

ww:alert:<alert id>     the entry the alert was first made for: the dedup of the story
                        window (its TTL is the caller's: workers.delivery.alert_ttl); the
                        history store keeps every alert beyond it
ww:alerts               stream: recent alerts (JSON), newest last, capped
ww:matches:<day>        hash: rule id -> articles it matched that UTC day
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from redis import Redis
from redis.client import Pipeline

from pipeline.models import Alert

from .common import PREFIX, to_str

ALERTS_STREAM = PREFIX + "alerts"


# The status page and `status` show the newest 25; the history store keeps every alert. A cap by
# count fills at the rate alerts come: 1,000 is filled within the first hour of a busy desk, and
# holds about 1.5 MB (its entries carry the first outlet of their story, not the timeline).
ALERTS_STREAM_MAXLEN = 1_000
OLD_STREAM_MAXLEN = 10_000  # what the stream held before 2026-12-08 (the upgrade reads them all)


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
    """Remember an alert as made for one entry (`made_for`, its key) for `ttl` seconds and add it
    to the stream, atomically. None when it is new, else the entry it was first made for: this
    one (a retried job, whose deliveries may not all be made yet) or another copy of the story."""
    with redis.pipeline(transaction=False) as pipe:
        record_alert_on(pipe, alert, ttl, made_for)
        return recorded_for(pipe.execute()[0])


def record_alert_on(pipe: Pipeline, alert: Alert, ttl: float, made_for: str) -> None:
    """`record_alert` as one command of a pipeline; its reply read by `recorded_for`."""
    listed = alert if alert.story is None else alert.model_copy(
        update={"story": alert.story.model_copy(update={"copies": alert.story.copies[:1]})}
    )  # fmt: skip
    args = (max(1, int(ttl)), listed.to_json(), ALERTS_STREAM_MAXLEN, made_for)
    pipe.eval(_RECORD_ALERT, 2, alert_key(alert.alert_id), ALERTS_STREAM, *args)


def recorded_for(reply: object) -> str | None:
    """What `record_alert_on`'s command answered: None when the alert is new, else its entry."""
    return to_str(reply)


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
    with redis.pipeline(transaction=False) as pipe:
        count_matches_on(pipe, rule_ids, now)
        pipe.execute()


def count_matches_on(pipe: Pipeline, rule_ids: Sequence[str], now: float) -> int:
    """`count_matches` as commands of a pipeline; how many commands (their replies say nothing)."""
    if not rule_ids:
        return 0
    key = matches_key(utc_day(now))
    for rule_id in rule_ids:
        pipe.hincrby(key, rule_id, 1)
    pipe.expire(key, MATCH_DAYS_KEPT * 86400)
    return len(rule_ids) + 1


def matches_on(redis: Redis, now: float) -> dict[str, int]:
    """Rule id -> articles it matched on the UTC day of `now`."""
    raw = redis.hgetall(matches_key(utc_day(now)))
    return {to_str(k) or "": int(v) for k, v in raw.items()}


def remember_alert(redis: Redis, alert_id: str, made_for: str, ttl: float) -> None:
    """An alert made longer ago than Redis remembers (the history store knows it), remembered
    again for `ttl` seconds as made for `made_for`, unless Redis knows it already."""
    redis.set(alert_key(alert_id), made_for, nx=True, ex=max(1, int(ttl)))


def recorded(redis: Redis, alert_ids: Sequence[str]) -> set[str]:
    """Which of these alerts Redis remembers as made (within their TTL), in one round trip."""
    if not alert_ids:
        return set()
    with redis.pipeline(transaction=False) as pipe:
        for alert_id in alert_ids:
            pipe.exists(alert_key(alert_id))
        found = pipe.execute()
    return {a for a, there in zip(alert_ids, found, strict=True) if there}
