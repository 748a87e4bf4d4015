"""Digests: alerts grouped into one message, in the model of Prometheus Alertmanager.

A group is one sink's alerts of one rule (or of every rule: `group_by: sink`). Its first alert
waits `group_wait` for a burst to gather; after a message, the next waits until `group_interval`
has passed since it; with `at:`, a group goes once a day at that time of day in its time zone,
like Google Alerts' daily digest. A flush takes at most `max_alerts`; the rest wait for the next.

A sink's quiet hours (`quiet_hours: {from, to, timezone}`) are a group of their own: the alerts
that come in the window (of any rule not marked `urgent`) wait in `<sink>/~quiet` and go as one
digest when it ends; what is left beyond max_alerts follows a minute later. Notices and digests
to the sink wait for the window's end too (`held_until`). Decisions only: workers.store.digests
keeps the groups in Redis.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .config import Config
from .models import Alert, Digest, Notice, short_hash
from .values import DigestConfig, QuietHours

QUIET = "~quiet"  # a quiet-hours group's rule part: "<sink>/~quiet" (a rule id has no "~")
QUIET_INTERVAL = 60.0  # after the window, what one digest could not take goes this much later


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


def quiet_until(quiet: QuietHours, now: float) -> float | None:
    """When the quiet window that `now` is in ends (Unix seconds); None when `now` is not in
    one. Inside the window the next `to` comes before the next `from`, whether or not it
    crosses midnight, and across daylight saving changes."""
    end = next_daily(quiet.end, quiet.timezone, now)
    return end if end < next_daily(quiet.start, quiet.timezone, now) else None


def grouping(config: Config, rule_id: str, sink_id: str, now: float) -> tuple[DigestConfig, str] | None:
    """How an alert of this rule made at `now` goes to this sink: in its quiet-hours group (the
    sink is quiet and the rule is not urgent), in the rule's or the sink's digest group, or
    alone (None)."""
    quiet = _quiet_hours(config, sink_id)
    if quiet is not None and rule_id not in config.urgent_rules:
        end = quiet_until(quiet, now)
        if end is not None:
            return DigestConfig(group_wait=end - now, group_interval=QUIET_INTERVAL, group_by="sink"), (
                f"{sink_id}/{QUIET}"
            )
    return config.digest_for(rule_id, sink_id)


def group_policy(config: Config, group: str) -> DigestConfig | None:
    """The policy a group is flushed under (None: no longer configured). A quiet-hours group is
    flushed when its window ends, and what is left follows QUIET_INTERVAL later."""
    sink_id, _, rule_id = group.partition("/")
    if rule_id == QUIET:
        return DigestConfig(group_wait=0, group_interval=QUIET_INTERVAL, group_by="sink")
    try:
        found = config.digest_for(rule_id, sink_id) if rule_id != "*" else None
        return found[0] if found else config.sink(sink_id).digest
    except KeyError:
        return None


def held_until(config: Config, item: Alert | Digest | Notice, sink_id: str, now: float) -> float | None:
    """Until when a notice or a digest to this sink waits for the end of its quiet hours (None:
    it goes now). A digest with an urgent rule's alert, an urgent rule's spike notice, and an
    alert (held by `grouping`), go now."""
    quiet = _quiet_hours(config, sink_id)
    if quiet is None or isinstance(item, Alert):
        return None
    if isinstance(item, Digest) and any(a.rule_id in config.urgent_rules for a in item.alerts):
        return None  # an urgent alert does not wait; what came with it before the window goes too
    if isinstance(item, Notice) and item.rule_id in config.urgent_rules:  # an urgent rule's spike
        return None
    return quiet_until(quiet, now)


def _quiet_hours(config: Config, sink_id: str) -> QuietHours | None:
    try:
        return config.sink(sink_id).quiet_hours
    except KeyError:
        return None
