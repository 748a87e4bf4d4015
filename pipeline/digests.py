"""Digests: alerts grouped into one message, in the model of Prometheus Alertmanager.

A group is one sink's alerts of one rule (or of every rule: `group_by: sink`). Its first alert
waits `group_wait` for a burst to gather; after a message, the next waits until `group_interval`
has passed since it; with `at:`, a group goes once a day at that time of day in its time zone,
like Google Alerts' daily digest. A flush takes at most `max_alerts`; the rest wait for the next.
Decisions only: workers.store.digests keeps the groups in Redis.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import short_hash
from .values import DigestConfig


def flush_time(cfg: DigestConfig, oldest: float, last_flush: float | None) -> float:
    """When a group whose oldest waiting alert came at `oldest` goes out (Unix seconds)."""
    if cfg.at is not None:
        return next_daily(cfg.at, cfg.timezone, oldest)
    due = oldest + cfg.group_wait
    return max(due, last_flush + cfg.group_interval) if last_flush is not None else due


def next_daily(at: str, zone: str, after: float) -> float:
    """The first `at` (HH:MM, in `zone`) later than `after`, across daylight saving changes."""
    tz = ZoneInfo(zone)
    hour, minute = (int(part) for part in at.split(":"))
    local = datetime.fromtimestamp(after, tz)
    day = local.date()
    for _ in range(3):
        candidate = datetime.combine(day, time(hour, minute), tz)
        if candidate.timestamp() > after:
            return candidate.timestamp()
        day += timedelta(days=1)
    raise AssertionError("unreachable: a day later is always later")


def digest_id(group: str, due: float) -> str:
    """The same for the same group and window: a flush cut off by a crash and made again, or a
    message sent again, carries the same id (receivers drop repeats)."""
    return short_hash("digest", group, str(round(due, 3)))
